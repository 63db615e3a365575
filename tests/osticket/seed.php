<?php

declare(strict_types=1);

/*
 * Creates the HTTP suite's reference data in a real osTicket 1.18 (API keys, departments, staff,
 * a team, tickets with messages, responses, notes and an attachment, parent/child links) and
 * writes the fixtures JSON the suite reads.
 *
 *   php tests/osticket/seed.php <osTicket root> <fixtures.json> <base url>
 *
 * Tickets are created through osTicket's own API and models, so numbering, threads and files are
 * osTicket's. The plugin must be installed first (it adds the permission columns).
 */

[$self, $root, $out, $base] = $argv + [null, null, null, null];
if (!$root || !$out || !$base || !is_file($root . '/main.inc.php')) {
    fwrite(STDERR, "usage: php {$self} <osTicket root> <fixtures.json> <base url>\n");
    exit(2);
}
require __DIR__ . '/bootstrap.php';
osticket_cli_bootstrap($root);
require $root . '/main.inc.php';

function fail(string $message): void
{
    fwrite(STDERR, "seed: {$message}\n");
    exit(1);
}

function sql(string $query, array $args = []): void
{
    $query = vsprintf($query, array_map('db_input', $args));
    if (!db_query($query)) {
        fail('query failed: ' . db_error() . " ({$query})");
    }
}

function insert_id(string $query, array $args = []): int
{
    sql($query, $args);
    return (int) db_insert_id();
}

$columns = array_column(db_assoc_array(db_query('SHOW COLUMNS FROM ' . API_KEY_TABLE)), 'Field');
$perms = ['can_update_tickets', 'can_read_tickets', 'can_search_tickets', 'can_delete_tickets',
    'can_read_stats', 'can_manage_subtickets'];
if (array_diff($perms, $columns)) {
    fail('the permission columns are missing: install the API Endpoints plugin first');
}

// API keys.
$keyDefs = [
    'all' => ['127.0.0.1', 1, array_merge(['can_create_tickets'], $perms)],
    'read' => ['127.0.0.1', 1, ['can_read_tickets']],
    'none' => ['127.0.0.1', 1, []],
    'inactive' => ['127.0.0.1', 0, array_merge(['can_create_tickets'], $perms)],
    'other_ip' => ['10.9.8.7', 1, array_merge(['can_create_tickets'], $perms)],
    'stats' => ['127.0.0.1', 1, ['can_read_stats']],
    'subtickets' => ['127.0.0.1', 1, ['can_manage_subtickets']],
];
$keys = [];
foreach ($keyDefs as $name => [$ip, $active, $grants]) {
    $key = strtoupper(bin2hex(random_bytes(16)));
    $set = [];
    foreach (array_merge(['can_create_tickets'], $perms) as $col) {
        $set[] = sprintf('`%s` = %d', $col, in_array($col, $grants, true) ? 1 : 0);
    }
    sql('INSERT INTO ' . API_KEY_TABLE . ' SET isactive = %s, ipaddr = %s, apikey = %s, notes = %s, '
        . implode(', ', $set) . ', created = NOW(), updated = NOW()', [$active, $ip, $key, "test key {$name}"]);
    $keys[$name] = $key;
}

// Departments: a parent and a sub-department with a name that is not an XML name.
$now = 'NOW()';
$parentId = insert_id('INSERT INTO ' . DEPT_TABLE . " SET name = %s, signature = '', flags = 4, ispublic = 1, "
    . "created = $now, updated = $now", ['Parent Dept']);
sql('UPDATE ' . DEPT_TABLE . ' SET path = %s WHERE id = %s', ["/{$parentId}/", $parentId]);
$subName = 'Sales & Support / Ünits <2>';
$subId = insert_id('INSERT INTO ' . DEPT_TABLE . " SET pid = %s, name = %s, signature = '', flags = 4, "
    . "ispublic = 1, created = $now, updated = $now", [$parentId, $subName]);
sql('UPDATE ' . DEPT_TABLE . ' SET path = %s WHERE id = %s', ["/{$parentId}/{$subId}/", $subId]);

// A staff member and a team.
$staffId = insert_id('INSERT INTO ' . STAFF_TABLE . " SET dept_id = 1, role_id = 1, username = %s, "
    . "firstname = %s, lastname = %s, email = %s, signature = '', isactive = 1, isvisible = 1, "
    . "created = $now, updated = $now", ['ada', 'Ada', 'Lovelace', 'ada@example.com']);
$teamId = insert_id('INSERT INTO ' . TEAM_TABLE . " SET name = %s, flags = 1, created = $now, updated = $now",
    ['Night Shift']);
$staff = Staff::lookup($staffId) ?: fail('staff not found');

// Tickets, created through osTicket's API controller logic (TicketApiController::createTicket).
$png = base64_decode(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
);
function create_ticket(array $vars): Ticket
{
    $errors = [];
    $vars += ['source' => 'API', 'ip' => '127.0.0.1'];
    // Created as the API does: no agent logged in.
    $GLOBALS['thisstaff'] = null;
    $ticket = Ticket::create($vars, $errors, 'API', false, false);
    if (!$ticket) {
        fail('Ticket::create failed: ' . json_encode($errors));
    }
    return $ticket;
}

$open = create_ticket([
    'name' => 'Jane Doe', 'email' => 'jane@example.com', 'subject' => 'Printer on fire',
    'message' => 'It burns.',
    'attachments' => [['name' => 'pixel.png', 'type' => 'image/png', 'data' => $png]],
]);
$errors = [];
$GLOBALS['thisstaff'] = $staff;
$open->postReply(['response' => 'We are on it.', 'poster' => $staff, 'staffId' => $staffId], $errors, false, false)
    ?: fail('postReply failed: ' . json_encode($errors));
$open->postNote(['note' => 'Customer is VIP.', 'title' => 'Internal'], $errors, $staff, false)
    ?: fail('postNote failed: ' . json_encode($errors));

$closed = create_ticket(['name' => 'John Roe', 'email' => 'john@example.com', 'subject' => 'Done already',
    'message' => 'Please close.']);
$GLOBALS['thisstaff'] = $staff;
$closedStatus = TicketStatus::objects()->filter(['state' => 'closed'])->first();
$closed->setStatus($closedStatus) ?: fail('setStatus(closed) failed');

$parent = create_ticket(['name' => 'Jane Doe', 'email' => 'jane@example.com', 'subject' => 'Parent ticket',
    'message' => 'Parent.']);
$child = create_ticket(['name' => 'Jane Doe', 'email' => 'jane@example.com', 'subject' => 'Child ticket',
    'message' => 'Child.']);
sql('UPDATE ' . TICKET_TABLE . ' SET ticket_pid = %s WHERE ticket_id = %s', [$parent->getId(), $child->getId()]);

$unicode = create_ticket(['name' => 'Zoë Ørsted', 'email' => 'zoe@example.com',
    'subject' => 'Ünïcödé <b>&</b> “quotes”', 'message' => 'Grüße & <b>bold</b>']);
$slaId = (int) db_result(db_query('SELECT id FROM ' . SLA_TABLE . ' ORDER BY id LIMIT 1'));
sql('UPDATE ' . TICKET_TABLE . ' SET dept_id = %s, staff_id = %s, team_id = %s, sla_id = %s, '
    . 'duedate = %s WHERE ticket_id = %s', [$subId, $staffId, $teamId, $slaId, '2030-01-31 17:30:00', $unicode->getId()]);

// The attachment of the open ticket's message, and a file attached to something else (a FAQ).
$att = db_assoc_array(db_query(sprintf(
    'SELECT a.file_id, f.name, f.size, f.type FROM %s a JOIN %s e ON e.id = a.object_id JOIN %s f ON f.id = a.file_id '
    . 'JOIN %s th ON th.id = e.thread_id WHERE a.type = \'H\' AND th.object_type = \'T\' AND th.object_id = %d',
    ATTACHMENT_TABLE, THREAD_ENTRY_TABLE, FILE_TABLE, THREAD_TABLE, $open->getId()
)))[0] ?? fail('the attachment was not stored');
$foreign = ['name' => 'faq.txt', 'type' => 'text/plain', 'data' => 'not a ticket file'];
$foreignFile = AttachmentFile::create($foreign) ?: fail('AttachmentFile::create failed');
sql('INSERT INTO ' . ATTACHMENT_TABLE . " SET object_id = 999999, type = 'F', file_id = %s, inline = 0",
    [$foreignFile->getId()]);

$describe = function (Ticket $t): array {
    $t = Ticket::lookup($t->getId());
    return [
        'id' => (int) $t->getId(), 'number' => (string) $t->getNumber(), 'subject' => (string) $t->getSubject(),
        'user_name' => (string) $t->getName(), 'user_email' => (string) $t->getEmail(),
        'department' => (string) $t->getDept()->getName(), 'status' => (string) $t->getStatus()->getName(),
    ];
};
$fixtures = [
    'base_url' => rtrim($base, '/'),
    'keys' => $keys,
    'tickets' => [
        'open' => $describe($open), 'closed' => $describe($closed), 'parent' => $describe($parent),
        'child' => $describe($child), 'unicode' => $describe($unicode),
    ],
    'attachment' => [
        'file_id' => (int) $att['file_id'], 'name' => $att['name'], 'size' => (int) $att['size'],
        'mime' => $att['type'], 'sha256' => hash('sha256', $png), 'ticket' => 'open',
    ],
    'foreign_file_id' => (int) $foreignFile->getId(),
    'staff' => ['username' => 'ada', 'id' => $staffId],
];
file_put_contents($out, json_encode($fixtures, JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES));
echo "fixtures written to {$out}\n";
