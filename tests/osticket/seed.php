<?php

declare(strict_types=1);

/*
 * Creates the reference data of the HTTP suite in a real, freshly installed osTicket 1.18 through
 * osTicket's own models and APIs (as the admin panel, the agent panel and the core REST API would),
 * and writes the fixtures JSON the suite reads.
 *
 *   php tests/osticket/seed.php [<osTicket root>] <fixtures.json> [<base url>]
 *
 * The osTicket root is the first argument when it is an osTicket directory, else $WEB_ROOT; the base
 * URL defaults to osTicket's helpdesk_url. Run it once per fresh install (tests/osticket/install.sh),
 * after the API Endpoints plugin has been installed (it adds the permission columns to api_key).
 *
 * What it creates:
 *   API keys (API::add, then the plugin's permission columns with a prepared statement); an SLA, a
 *   department "Parent Dept" with the sub-department "Sales & Support / Ünits <2>", an agent with
 *   access to both, a team, a help topic routing to the sub-department (admin-panel models);
 *   tickets through core's API controller (TicketApiController: the JSON parser's fixup, validation
 *   with attachment upload, createTicket), an agent's reply and internal note (postReply, postNote),
 *   a close (setStatus), a parent/child link (Ticket::merge as the agent panel's "Link"), an
 *   assignment to the agent and the team (assignToStaff, assignToTeam); and a canned response with
 *   an attached file (a file that belongs to no ticket); a disabled department, help topic, SLA and
 *   team and a locked agent that no ticket uses.
 */

const PERMISSIONS = ['can_update_tickets', 'can_read_tickets', 'can_search_tickets', 'can_delete_tickets',
    'can_read_stats', 'can_manage_subtickets'];
const STAFF_USERNAME = 'ada';
const SUB_DEPT_NAME = 'Sales & Support / Ünits <2>';
// A 1x1 PNG.
const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function fail(string $message): void
{
    fwrite(STDERR, "seed.php: {$message}\n");
    exit(1);
}

$args = array_slice($argv, 1);
$root = null;
if ($args && is_file($args[0] . '/main.inc.php')) {
    $root = array_shift($args);
} elseif (getenv('WEB_ROOT') && is_file(getenv('WEB_ROOT') . '/main.inc.php')) {
    $root = getenv('WEB_ROOT');
}
[$out, $base] = $args + [null, null];
if ($root === null || !$out) {
    fwrite(STDERR, "usage: php {$argv[0]} [<osTicket root>] <fixtures.json> [<base url>]\n"
        . ($root === null ? "(no osTicket root: pass it or set WEB_ROOT)\n" : ''));
    exit(2);
}
$root = rtrim(realpath($root), '/');

require __DIR__ . '/bootstrap.php';
osticket_cli_bootstrap($root);
define('DISABLE_SESSION', true);
$booted = false;
register_shutdown_function(function () use (&$booted) {
    if (!$booted) {
        fwrite(STDERR, "seed.php: osTicket's bootstrap ended the script (is the installation complete?)\n");
        exit(1);
    }
});
require $root . '/main.inc.php';
$booted = true;
require_once INCLUDE_DIR . 'api.tickets.php';
require_once INCLUDE_DIR . 'class.canned.php';

/** @var OsticketConfig $cfg */
$base = rtrim($base ?: (string) $cfg->getUrl(), '/');

// ---- preconditions -----------------------------------------------------------------------------
$columns = [];
$res = db_query('SHOW COLUMNS FROM ' . API_KEY_TABLE);
while ($res && ($row = db_fetch_array($res))) {
    $columns[] = $row['Field'];
}
if ($missing = array_diff(PERMISSIONS, $columns)) {
    fail(API_KEY_TABLE . ' lacks the column(s) ' . implode(', ', $missing) . ': the API Endpoints plugin must be '
        . 'installed first (it adds them on enable): php tests/osticket/plugin.php install api-endpoints');
}
if ($cfg->verifyEmailAddrs()) {
    fail("osTicket checks e-mail domains in DNS (verify_email_addrs=1), so ticket creation fails offline: "
        . 'install with tests/osticket/install.sh, which turns it off');
}
if (Staff::lookup(['username' => STAFF_USERNAME])) {
    fail('this osTicket is already seeded (agent ' . STAFF_USERNAME . ' exists); '
        . 'reinstall it with tests/osticket/install.sh');
}

/** Fails with osTicket's error list unless $ok. */
function check($ok, string $what, array $errors = [])
{
    if (!$ok) {
        fail($what . ' failed' . ($errors ? ': ' . json_encode($errors, JSON_UNESCAPED_UNICODE) : ''));
    }
    return $ok;
}

/** Runs $fn as the given agent ($thisstaff), or as nobody (API, system). */
function as_agent(?Staff $staff, callable $fn)
{
    $previous = $GLOBALS['thisstaff'] ?? null;
    $GLOBALS['thisstaff'] = $staff;
    try {
        return $fn();
    } finally {
        $GLOBALS['thisstaff'] = $previous;
    }
}

/** What the admin panel does on "Add New <thing>": $model->update($_POST, $errors). */
function admin_create($model, array $vars, string $what)
{
    $errors = [];
    check($model->update($vars, $errors) && $model->getId(), "creating {$what}", $errors);
    return $model;
}

// ---- API keys: the admin panel's "Add New API Key", then the plugin's permission columns ---------
$all = array_merge(['can_create_tickets'], PERMISSIONS);
$grants = [
    // name => [ipaddr, isactive, granted columns]
    'all' => ['127.0.0.1', 1, $all],
    'read' => ['127.0.0.1', 1, ['can_read_tickets']],
    'none' => ['127.0.0.1', 1, []],
    'inactive' => ['127.0.0.1', 0, $all],
    'other_ip' => ['10.9.8.7', 1, $all],
    // The "API Key Wildcard" plugin's any-address key: valid from anywhere on /api/wildcard/ only.
    'anywhere' => ['0.0.0.0', 1, $all],
    'stats' => ['127.0.0.1', 1, ['can_read_stats']],
    'subtickets' => ['127.0.0.1', 1, ['can_manage_subtickets']],
];
/** @var mysqli $mysqli osTicket's connection (include/mysqli.php) */
$mysqli = $GLOBALS['__db'];
$stmt = $mysqli->prepare('UPDATE ' . API_KEY_TABLE . ' SET '
    . implode(', ', array_map(fn ($c) => "`{$c}` = ?", $all)) . ' WHERE id = ?')
    ?: fail('preparing the permission update failed: ' . $mysqli->error);
$keys = [];
foreach ($grants as $name => [$ip, $active, $granted]) {
    $values = array_map(fn ($c) => in_array($c, $granted, true) ? 1 : 0, $all);
    $errors = [];
    $id = API::add([
        'ipaddr' => $ip,
        'isactive' => $active,
        'can_create_tickets' => $values[0],
        'can_exec_cron' => 0,
        'notes' => "HTTP suite key '{$name}'",
    ], $errors);
    check($id, "API::add({$name})", $errors);
    $params = array_merge($values, [(int) $id]);
    $stmt->bind_param(str_repeat('i', count($params)), ...$params);
    check($stmt->execute(), "granting the permissions of key {$name}", [$stmt->error]);
    $stored = db_fetch_array(db_query('SELECT ' . implode(', ', $all) . ' FROM ' . API_KEY_TABLE
        . ' WHERE id = ' . db_input($id)));
    check(array_map('intval', array_values($stored)) === $values, "granting the permissions of key {$name}", $stored);
    $keys[$name] = API::lookup($id)->getKey();
}
$stmt->close();

// ---- admin-panel objects -------------------------------------------------------------------------
$sla = admin_create(SLA::create(), [
    'name' => 'Gold 8h', 'grace_period' => 8, 'isactive' => 1, 'schedule_id' => 0, 'notes' => '',
], 'the SLA');
$parent = admin_create(Dept::create(), [
    'name' => 'Parent Dept', 'pid' => 0, 'ispublic' => 1, 'status' => 'active', 'signature' => '',
], 'the department Parent Dept');
// The admin form strips tags from names (Format::striptags), so "<2>" cannot be typed in: create it
// with the tag-free part, then store the exact name through the model (as an import would).
$sub = admin_create(Dept::create(), [
    'name' => 'Sales & Support / Units', 'pid' => $parent->getId(), 'sla_id' => $sla->getId(),
    'ispublic' => 1, 'status' => 'active', 'signature' => '',
], 'the sub-department');
$sub->name = SUB_DEPT_NAME;
check($sub->save(), 'renaming the sub-department');

$deptAccess = [$parent->getId(), $sub->getId()];
$staff = admin_create(Staff::create(), [
    'username' => STAFF_USERNAME, 'firstname' => 'Ada', 'lastname' => 'Lovelace', 'email' => 'ada@example.com',
    'dept_id' => $cfg->getDefaultDeptId(), 'role_id' => 1, 'isvisible' => 1, 'backend' => '', 'perms' => [],
    'passwd1' => 'Agent-pass-123', 'passwd2' => 'Agent-pass-123',
    'dept_access' => $deptAccess, 'dept_access_role' => array_fill_keys($deptAccess, 1),
    'dept_access_alerts' => array_fill_keys($deptAccess, 1),
], 'the agent ' . STAFF_USERNAME);
$team = admin_create(Team::create(), [
    'name' => 'Night Shift', 'isenabled' => 1, 'lead_id' => $staff->getId(), 'members' => [$staff->getId()],
    'notes' => '',
], 'the team');
// No 'isactive' here: Topic::update() copies it into a column 1.18 no longer has ('status' replaced it).
$topic = admin_create(Topic::create(), [
    'topic' => 'Ünits & Parts', 'dept_id' => $sub->getId(), 'sla_id' => $sla->getId(), 'priority_id' => 0,
    'status' => 'active', 'ispublic' => 1, 'notes' => '',
], 'the help topic');

// Switched-off objects (the admin panel's Disabled / Locked / not enabled), which no ticket uses:
// the write endpoints refuse them with 400 "... is not active".
$inactive = [
    'department' => admin_create(Dept::create(), [
        'name' => 'Retired Dept', 'pid' => 0, 'ispublic' => 1, 'status' => 'disabled', 'signature' => '',
    ], 'the disabled department')->getName(),
    'topic' => admin_create(Topic::create(), [
        'topic' => 'Retired Topic', 'dept_id' => $parent->getId(), 'sla_id' => 0, 'priority_id' => 0,
        'status' => 'disabled', 'ispublic' => 1, 'notes' => '',
    ], 'the disabled help topic')->getName(),
    'sla' => admin_create(SLA::create(), [
        'name' => 'Retired SLA', 'grace_period' => 4, 'isactive' => 0, 'schedule_id' => 0, 'notes' => '',
    ], 'the disabled SLA')->getName(),
    // Staff::update(): a posted "islocked" box makes the account inactive.
    'staff' => admin_create(Staff::create(), [
        'username' => 'gone', 'firstname' => 'Gone', 'lastname' => 'Away', 'email' => 'gone@example.com',
        'dept_id' => $cfg->getDefaultDeptId(), 'role_id' => 1, 'isvisible' => 1, 'islocked' => 1, 'backend' => '',
        'perms' => [], 'passwd1' => 'Agent-pass-456', 'passwd2' => 'Agent-pass-456',
    ], 'the locked agent')->getUserName(),
    'team' => admin_create(Team::create(), [
        'name' => 'Disbanded Team', 'isenabled' => 0, 'lead_id' => 0, 'members' => [], 'notes' => '',
    ], 'the disabled team')->getName(),
];
// The ORM does not write a 0 into a new row (it compares with == to the unset value), so the SLA,
// agent and team got their columns' defaults (active): switch them off in their tables.
foreach (
    [[SLA_TABLE, 'flags = flags & ~' . SLA::FLAG_ACTIVE, 'name', $inactive['sla']],
    [STAFF_TABLE, 'isactive = 0', 'username', $inactive['staff']],
    [TEAM_TABLE, 'flags = flags & ~' . Team::FLAG_ENABLED, 'name', $inactive['team']]] as [$table, $set, $column, $name]
) {
    check(
        db_query("UPDATE {$table} SET {$set} WHERE {$column} = " . db_input($name)) && db_affected_rows() === 1,
        "switching off {$name}"
    );
}
ModelInstanceManager::flushCache();
check(
    !Dept::lookup(['name' => $inactive['department']])->isActive()
    && !Topic::lookup(['topic' => $inactive['topic']])->isActive()
    && !SLA::lookup(['name' => $inactive['sla']])->isActive()
    && !Staff::lookup(['username' => $inactive['staff']])->isActive()
    && !Team::lookup(['name' => $inactive['team']])->isActive(),
    'switching off the inactive department, help topic, SLA, agent and team'
);

// ---- tickets through core's REST API logic (no HTTP: the plugin may shadow POST /api/tickets) ---
/** Creates a ticket from a JSON request body exactly as POST /api/tickets.json does after the key check. */
function api_create(array $body): Ticket
{
    return as_agent(null, function () use ($body) {
        $api = new TicketApiController('cli'); // CLI: errors are thrown (TicketApiError), not sent
        $data = ApiJsonDataParser::fixup(json_decode(json_encode($body), true));
        try {
            $api->validate($data, 'json', false); // also validates and stores the attachments
            $ticket = $api->createTicket($data);
        } catch (Throwable $e) {
            fail("creating the ticket '{$body['subject']}' through the API controller failed: " . $e->getMessage());
        }
        return $ticket instanceof Ticket ? $ticket : fail('createTicket returned no ticket');
    });
}

$api = ['alert' => false, 'autorespond' => false, 'source' => 'API', 'ip' => '127.0.0.1'];
$png = base64_decode(PIXEL_PNG);

$open = api_create($api + [
    'name' => 'Jane Doe', 'email' => 'jane@example.com', 'subject' => 'Printer on fire',
    'message' => "It burns.\nPlease help.",
    'attachments' => [['pixel.png' => 'data:image/png;base64,' . PIXEL_PNG]],
]);
as_agent($staff, function () use ($open, $staff) {
    $errors = [];
    check($open->postReply(['response' => '<p>We are on it.</p>'], $errors, false), 'postReply', $errors);
    check(
        $open->postNote(['note' => '<p>Customer is <b>VIP</b>.</p>', 'title' => 'Internal'], $errors, $staff, false),
        'postNote',
        $errors
    );
});

$closed = api_create($api + ['name' => 'John Roe', 'email' => 'john@example.com', 'subject' => 'Done already',
    'message' => 'Please close this.']);
// "Closed" (state closed); a fresh osTicket also has "Resolved" in that state.
$closedStatus = TicketStatus::objects()->filter(['state' => 'closed', 'name' => 'Closed'])->first()
    ?: fail('osTicket has no status "Closed" in state closed');
as_agent($staff, function () use ($closed, $closedStatus) {
    $errors = [];
    check($closed->setStatus($closedStatus, '', $errors), 'closing a ticket', $errors);
});

$parentTicket = api_create($api + ['name' => 'Jane Doe', 'email' => 'jane@example.com', 'subject' => 'Parent ticket',
    'message' => 'The parent.']);
$childTicket = api_create($api + ['name' => 'Jane Doe', 'email' => 'jane@example.com', 'subject' => 'Child ticket',
    'message' => 'The child.']);
// The agent panel's "Link" (ajax.tickets.php updateMerge): title=link, combine=2 (visual link), parent
// first. Ticket::merge() answers false for links (nothing to merge) after linking.
as_agent($staff, function () use ($parentTicket, $childTicket) {
    $tids = [$parentTicket->getNumber(), $childTicket->getNumber()];
    Ticket::merge(['title' => 'link', 'combine' => 2, 'tids' => $tids]);
});

$unicode = api_create($api + ['name' => 'Zoë Ørsted', 'email' => 'zoe@example.com',
    // osTicket strips tags from subjects (TextboxField::parse): "<b>" and "</b>" go, "&", "<", ">" stay.
    'subject' => 'Ünïcödé “quotes” <b>&</b> 1 < 2 > 0', 'message' => 'Grüße & <b>bold</b> ✓',
    'topicId' => $topic->getId()]);
as_agent($staff, function () use ($unicode, $staff, $team) {
    check($unicode->assignToStaff($staff, null, false), 'assigning the agent');
    check($unicode->assignToTeam($team, null, false), 'assigning the team');
    // A due date as the agent's "Edit ticket" stores it (Ticket::update needs the whole edit form).
    $unicode->duedate = '2030-01-31 17:30:00';
    check($unicode->save(), 'setting the due date');
});

// ---- a file that belongs to no ticket: a canned response's attachment ---------------------------
$canned = admin_create(Canned::create(), [
    'title' => 'Printer checklist', 'response' => '<p>Switch it off and on again.</p>', 'isenabled' => 1,
    'dept_id' => 0, 'notes' => '',
], 'a canned response');
$foreignIds = $canned->attachments->upload([['name' => 'checklist.txt', 'type' => 'text/plain',
    'data' => "1. off\n2. on\n"]]);
$foreignFileId = (int) ($foreignIds[0] ?? 0) ?: fail('attaching a file to the canned response failed');

// ---- read everything back from the database ------------------------------------------------------
// The ORM hands out the models it cached earlier in this run; read what is stored instead.
ModelInstanceManager::flushCache();

function ticket_row(Ticket $t): array
{
    return db_fetch_array(db_query('SELECT * FROM ' . TICKET_TABLE . ' WHERE ticket_id = ' . db_input($t->getId())));
}

function describe(Ticket $t): array
{
    $t = Ticket::lookup($t->getId());
    return [
        'id' => (int) $t->getId(),
        'number' => (string) $t->getNumber(),
        'subject' => (string) $t->getSubject(),
        'user_name' => (string) $t->getName(),
        'user_email' => (string) $t->getEmail(),
        'department' => (string) $t->getDept()->getName(),
        'status' => (string) $t->getStatus()->getName(),
    ];
}

$childRow = ticket_row($childTicket);
check(
    (int) $childRow['ticket_pid'] === (int) $parentTicket->getId(),
    'linking the child ticket to the parent',
    ['ticket_pid' => $childRow['ticket_pid']]
);
$closedRow = ticket_row($closed);
check(
    TicketStatus::lookup((int) $closedRow['status_id'])->getState() === 'closed' && $closedRow['closed'],
    'closing a ticket (state, close date)'
);
$u = ticket_row($unicode);
check(
    (int) $u['dept_id'] === (int) $sub->getId() && (int) $u['staff_id'] === (int) $staff->getId()
    && (int) $u['team_id'] === (int) $team->getId() && (int) $u['sla_id'] > 0 && $u['duedate'],
    'routing, assigning and scheduling the unicode ticket',
    $u
);

// The message's attachment, as osTicket stored it.
$entries = fn () => ThreadEntry::objects()->filter(['thread__object_id' => $open->getId(),
    'thread__object_type' => ObjectModel::OBJECT_TYPE_TICKET])->order_by('id');
$message = $entries()->filter(['type' => 'M'])->first() ?: fail('the open ticket has no message');
$attachment = $message->attachments->filter(['inline' => 0])->first() ?: fail('the attachment was not stored');
$file = $attachment->file;
check($file->getData() === $png, 'storing the attachment byte for byte');
$entryTypes = [];
foreach ($entries() as $entry) {
    $entryTypes[] = $entry->getType();
}
check($entryTypes === ['M', 'R', 'N'], 'building the open ticket\'s thread M, R, N', $entryTypes);
$foreign = db_fetch_array(db_query('SELECT type FROM ' . ATTACHMENT_TABLE
    . ' WHERE file_id = ' . db_input($foreignFileId)));
check($foreign && $foreign['type'] === 'C', 'attaching the file to the canned response', (array) $foreign);

$fixtures = [
    'base_url' => $base,
    'keys' => $keys,
    'tickets' => [
        'open' => describe($open),
        'closed' => describe($closed),
        'parent' => describe($parentTicket),
        'child' => describe($childTicket),
        'unicode' => describe($unicode),
    ],
    'attachment' => [
        'file_id' => (int) $file->getId(),
        'name' => (string) $file->getName(),
        'size' => (int) $file->getSize(),
        'mime' => (string) $file->getType(),
        'sha256' => hash('sha256', $png),
        'ticket' => 'open',
    ],
    'foreign_file_id' => $foreignFileId,
    'staff' => ['username' => STAFF_USERNAME, 'id' => (int) $staff->getId()],
    'inactive' => $inactive,
    // What the write tests of the HTTP suite change and look up (real osTicket only).
    'objects' => [
        'default_dept_id' => (int) $cfg->getDefaultDeptId(),
        'parent_dept' => ['id' => (int) $parent->getId(), 'name' => (string) $parent->getName()],
        'sub_dept' => ['id' => (int) $sub->getId(), 'name' => SUB_DEPT_NAME,
            'full_name' => $parent->getName() . ' / ' . SUB_DEPT_NAME],
        'topic' => ['id' => (int) $topic->getId(), 'name' => (string) $topic->getName()],
        'sla' => ['id' => (int) $sla->getId(), 'name' => (string) $sla->getName()],
        'team' => ['id' => (int) $team->getId(), 'name' => (string) $team->getName()],
        'priorities' => array_map('intval', array_column(
            Priority::objects()->values_flat('priority_desc', 'priority_id')->all(),
            1,
            0
        )),
        'statuses' => array_map('intval', array_column(
            TicketStatus::objects()->values_flat('name', 'id')->all(),
            1,
            0
        )),
    ],
    // osTicket's own database, for checks of state the endpoints do not show (thread events).
    'db' => ['host' => DBHOST, 'name' => DBNAME, 'user' => DBUSER, 'pass' => DBPASS, 'prefix' => TABLE_PREFIX,
        'timezone' => (string) ($cfg->getDbTimezone() ?: 'UTC')],
];

$dir = dirname($out);
if (!is_dir($dir) && !mkdir($dir, 0755, true)) {
    fail("cannot create {$dir}");
}
$json = json_encode($fixtures, JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES) . "\n";
$tmp = $out . '.tmp';
if (file_put_contents($tmp, $json) === false || !rename($tmp, $out)) {
    fail("cannot write {$out}");
}
echo "fixtures written to {$out}\n";
