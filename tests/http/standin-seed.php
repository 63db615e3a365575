<?php

declare(strict_types=1);

/*
 * Seeds the CI stand-in's database with the reference data of the HTTP suite and writes the
 * fixtures JSON that describes it (the same shape tests/osticket/seed.php writes for a real
 * osTicket). Every row goes in through a prepared statement; every id comes from AUTO_INCREMENT,
 * started at a different base per table, so a test that mixes up a ticket id with a file id or
 * hard-codes the other fixtures' values fails here.
 *
 *   php tests/http/standin-seed.php <database> <fixtures.json> <base url> [<table prefix>]
 *
 * Connects as $DB_USER/$DB_PASS to 127.0.0.1:$DB_PORT (scripts/lib.sh). Run it on a database that
 * holds tests/fixtures/schema.sql and on which the plugin has been installed (it adds the
 * permission columns to api_key).
 */

const PERMISSIONS = ['can_update_tickets', 'can_read_tickets', 'can_search_tickets', 'can_delete_tickets',
    'can_read_stats', 'can_manage_subtickets'];
// A 1x1 PNG; stored in two chunks of unequal size, so that reading them out of order changes the bytes.
const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const FIRST_CHUNK = 41;

function fail(string $message): never
{
    fwrite(STDERR, "standin-seed.php: {$message}\n");
    exit(1);
}

[, $database, $out, $base, $prefix] = $argv + [null, null, null, null, 'ost_'];
if (!$database || !$out || !$base) {
    fwrite(STDERR, "usage: php {$argv[0]} <database> <fixtures.json> <base url> [<table prefix>]\n");
    exit(2);
}
if (!preg_match('/^[A-Za-z0-9_]*$/', $prefix)) {
    fail("unusable table prefix '{$prefix}'");
}

try {
    $db = new PDO(
        sprintf('mysql:host=127.0.0.1;port=%d;dbname=%s;charset=utf8mb4', (int) (getenv('DB_PORT') ?: 3317), $database),
        getenv('DB_USER') ?: 'ost',
        getenv('DB_PASS') ?: '',
        [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_EMULATE_PREPARES => false]
    );
} catch (PDOException $e) {
    fail('cannot connect to the database: ' . $e->getMessage());
}

/** Inserts one row into <prefix>$table with a prepared statement; returns the new AUTO_INCREMENT id. */
function insert(string $table, array $row): int
{
    global $db, $prefix;
    $columns = implode(', ', array_map(fn ($c) => "`{$c}`", array_keys($row)));
    $marks = implode(', ', array_fill(0, count($row), '?'));
    $stmt = $db->prepare("INSERT INTO `{$prefix}{$table}` ({$columns}) VALUES ({$marks})");
    $i = 0;
    foreach ($row as $value) {
        $stmt->bindValue(++$i, $value, match (true) {
            is_int($value) => PDO::PARAM_INT,
            $value === null => PDO::PARAM_NULL,
            default => PDO::PARAM_STR,
        });
    }
    $stmt->execute();
    return (int) $db->lastInsertId();
}

$columns = $db->query("SHOW COLUMNS FROM `{$prefix}api_key`")->fetchAll(PDO::FETCH_COLUMN);
if ($missing = array_diff(PERMISSIONS, $columns)) {
    fail("{$prefix}api_key lacks " . implode(', ', $missing)
        . ': install the plugin first (tests/standin/cli.php install)');
}
if ((int) $db->query("SELECT COUNT(*) FROM `{$prefix}ticket`")->fetchColumn() > 0) {
    fail("{$database} already holds tickets: seed a fresh database");
}

// Distinct id ranges per table (constant DDL, no input).
$bases = ['api_key' => 41, 'department' => 61, 'sla' => 29, 'staff' => 17, 'team' => 23, 'help_topic' => 71,
    'user' => 811, 'user_email' => 911, 'ticket' => 4101, 'form' => 5, 'form_field' => 131, 'form_entry' => 2201,
    'thread' => 3101, 'thread_entry' => 5201, 'file' => 7301, 'attachment' => 6401];
foreach ($bases as $table => $next) {
    $db->exec("ALTER TABLE `{$prefix}{$table}` AUTO_INCREMENT = {$next}");
}

$db->beginTransaction();
$now = '2026-02-01 08:00:00';

// ---- API keys ----------------------------------------------------------------------------------
$all = array_merge(['can_create_tickets'], PERMISSIONS);
$grants = [
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
$keys = [];
foreach ($grants as $name => [$ip, $active, $granted]) {
    // osTicket's shape: 32 upper-case hex digits.
    $keys[$name] = strtoupper(bin2hex(random_bytes(16)));
    $row = ['isactive' => $active, 'ipaddr' => $ip, 'apikey' => $keys[$name], 'can_exec_cron' => 0,
        'notes' => "HTTP suite key '{$name}'", 'created' => $now, 'updated' => $now];
    foreach ($all as $column) {
        $row[$column] = in_array($column, $granted, true) ? 1 : 0;
    }
    insert('api_key', $row);
}

// ---- helpdesk objects --------------------------------------------------------------------------
$status = [];
foreach (
    [['Open', 'open'], ['Resolved', 'closed'], ['Closed', 'closed'], ['Archived', 'archived'],
    ['Deleted', 'deleted']] as $i => [$name, $state]
) {
    $status[$name] = insert('ticket_status', ['name' => $name, 'state' => $state, 'sort' => $i + 1,
        'properties' => '{}', 'created' => $now, 'updated' => $now]);
}
$priority = [];
$priorities = [['low', 'Low', 4], ['normal', 'Normal', 3], ['high', 'High', 2], ['emergency', 'Emergency', 1]];
foreach ($priorities as [$key, $desc, $urgency]) {
    $priority[$desc] = insert('ticket_priority', ['priority' => $key, 'priority_desc' => $desc,
        'priority_urgency' => $urgency]);
}
$sla = insert('sla', ['name' => 'Gold 8h', 'grace_period' => 8, 'created' => $now, 'updated' => $now]);
$support = insert('department', ['name' => 'Support', 'signature' => '', 'flags' => 4, 'created' => $now,
    'updated' => $now]);
$parentDept = insert('department', ['name' => 'Parent Dept', 'signature' => '', 'flags' => 4, 'created' => $now,
    'updated' => $now]);
$subDeptName = 'Sales & Support / Ünits <2>';
$subDept = insert('department', ['pid' => $parentDept, 'sla_id' => $sla, 'name' => $subDeptName, 'signature' => '',
    'flags' => 4, 'created' => $now, 'updated' => $now]);
$deptPaths = [$support => "/{$support}/", $parentDept => "/{$parentDept}/", $subDept => "/{$parentDept}/{$subDept}/"];
foreach ($deptPaths as $id => $path) {
    $db->prepare("UPDATE `{$prefix}department` SET path = ? WHERE id = ?")->execute([$path, $id]);
}
$staffId = insert('staff', ['dept_id' => $support, 'username' => 'ada', 'firstname' => 'Ada', 'lastname' => 'Lovelace',
    'email' => 'ada@example.com', 'created' => $now, 'updated' => $now]);
$team = insert('team', ['lead_id' => $staffId, 'name' => 'Night Shift', 'created' => $now, 'updated' => $now]);
$topic = insert('help_topic', ['topic' => 'Ünits & Parts', 'dept_id' => $subDept, 'sla_id' => $sla, 'created' => $now,
    'updated' => $now]);
// Switched-off objects no ticket uses (osTicket's flags: department without FLAG_ACTIVE 4, help topic
// without FLAG_ACTIVE 2, SLA without FLAG_ACTIVE 1, team without FLAG_ENABLED 1; a locked agent).
$retiredDept = insert('department', ['name' => 'Retired Dept', 'signature' => '', 'flags' => 0, 'created' => $now,
    'updated' => $now]);
$db->prepare("UPDATE `{$prefix}department` SET path = ? WHERE id = ?")->execute(["/{$retiredDept}/", $retiredDept]);
insert('help_topic', ['topic' => 'Retired Topic', 'dept_id' => $parentDept, 'flags' => 0, 'created' => $now,
    'updated' => $now]);
insert('sla', ['name' => 'Retired SLA', 'grace_period' => 4, 'flags' => 2, 'created' => $now, 'updated' => $now]);
insert('staff', ['dept_id' => $support, 'username' => 'gone', 'firstname' => 'Gone', 'lastname' => 'Away',
    'email' => 'gone@example.com', 'isactive' => 0, 'created' => $now, 'updated' => $now]);
insert('team', ['lead_id' => 0, 'name' => 'Disbanded Team', 'flags' => 0, 'created' => $now, 'updated' => $now]);
$inactive = ['department' => 'Retired Dept', 'topic' => 'Retired Topic', 'sla' => 'Retired SLA', 'staff' => 'gone',
    'team' => 'Disbanded Team'];

foreach (
    ['default_dept_id' => (string) $support, 'default_priority_id' => (string) $priority['Normal'],
    'agent_name_format' => 'full', 'client_name_format' => 'original'] as $key => $value
) {
    $db->prepare("INSERT INTO `{$prefix}config` (`namespace`, `key`, `value`) VALUES ('core', ?, ?)
        ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)")->execute([$key, $value]);
}

// The ticket form (osTicket keeps subject and priority as form answers, and in the cdata view).
$form = insert('form', ['type' => 'T', 'title' => 'Ticket Details', 'created' => $now, 'updated' => $now]);
$subjectField = insert('form_field', ['form_id' => $form, 'type' => 'text', 'label' => 'Issue Summary',
    'name' => 'subject', 'sort' => 1, 'created' => $now, 'updated' => $now]);
$priorityField = insert('form_field', ['form_id' => $form, 'type' => 'priority', 'label' => 'Priority Level',
    'name' => 'priority', 'sort' => 2, 'created' => $now, 'updated' => $now]);

$users = [];
/** The user of this name and address, created on first use. */
function user_id(string $name, string $email): int
{
    global $users, $now, $db, $prefix;
    if (!isset($users[$email])) {
        $id = insert('user', ['default_email_id' => 0, 'name' => $name, 'created' => $now, 'updated' => $now]);
        $emailId = insert('user_email', ['user_id' => $id, 'address' => $email]);
        $db->prepare("UPDATE `{$prefix}user` SET default_email_id = ? WHERE id = ?")->execute([$emailId, $id]);
        $users[$email] = ['id' => $id, 'name' => $name, 'email' => $email];
    }
    return $users[$email]['id'];
}

/**
 * A ticket with its form answers and thread; $entries: [type, staff id, user id, poster, body, format, flags].
 * @return array{id: int, entries: list<int>}
 */
function ticket(array $t, array $entries): array
{
    global $form, $subjectField, $priorityField;
    $userId = user_id($t['user_name'], $t['user_email']);
    $id = insert('ticket', [
        'ticket_pid' => $t['pid'] ?? null, 'number' => $t['number'], 'user_id' => $userId,
        'status_id' => $t['status_id'], 'dept_id' => $t['dept_id'], 'sla_id' => $t['sla_id'] ?? 0,
        'topic_id' => $t['topic_id'] ?? 0, 'staff_id' => $t['staff_id'] ?? 0, 'team_id' => $t['team_id'] ?? 0,
        'ip_address' => '127.0.0.1', 'source' => $t['source'], 'isoverdue' => $t['isoverdue'] ?? 0,
        'isanswered' => $t['isanswered'] ?? 0, 'duedate' => $t['duedate'] ?? null, 'closed' => $t['closed'] ?? null,
        'created' => $t['created'], 'updated' => $t['updated'] ?? $t['created'],
    ]);
    $entry = insert('form_entry', ['form_id' => $form, 'object_id' => $id, 'object_type' => 'T',
        'created' => $t['created'], 'updated' => $t['created']]);
    insert('form_entry_values', ['entry_id' => $entry, 'field_id' => $subjectField, 'value' => $t['subject']]);
    if (isset($t['priority'])) {
        insert('form_entry_values', ['entry_id' => $entry, 'field_id' => $priorityField,
            'value' => $t['priority'][0], 'value_id' => $t['priority'][1]]);
    }
    insert('ticket__cdata', ['ticket_id' => $id, 'subject' => $t['subject'],
        'priority' => isset($t['priority']) ? (string) $t['priority'][1] : null]);
    $thread = insert('thread', ['object_id' => $id, 'object_type' => 'T', 'created' => $t['created']]);
    $ids = [];
    $at = strtotime($t['created']);
    foreach ($entries as $i => [$type, $staff, $user, $poster, $body, $format, $flags]) {
        $when = date('Y-m-d H:i:s', $at + 600 * $i);
        $ids[] = insert('thread_entry', ['thread_id' => $thread, 'staff_id' => $staff, 'user_id' => $user,
            'type' => $type, 'flags' => $flags, 'poster' => $poster, 'body' => $body, 'format' => $format,
            'created' => $when, 'updated' => $when]);
    }
    return ['id' => $id, 'entries' => $ids];
}

/** A file stored in the database backend, in the given chunks. */
function file_id(string $name, string $mime, array $chunks): int
{
    global $now;
    $data = implode('', $chunks);
    $id = insert('file', ['ft' => 'T', 'bk' => 'D', 'type' => $mime, 'size' => strlen($data),
        'key' => substr(strtr(base64_encode(random_bytes(24)), '+/', '-_'), 0, 32),
        'signature' => substr(strtr(base64_encode(hash('sha1', $data, true)), '+/', '-_'), 0, 27),
        'name' => $name, 'created' => $now]);
    // Highest chunk first: the reader must order them itself.
    foreach (array_reverse($chunks, true) as $chunkId => $bytes) {
        insert('file_chunk', ['file_id' => $id, 'chunk_id' => $chunkId, 'filedata' => $bytes]);
    }
    return $id;
}

// ---- tickets -----------------------------------------------------------------------------------
$fx = [
    'open' => ['number' => '418207', 'subject' => 'Printer on fire', 'user_name' => 'Jane Doe',
        'user_email' => 'jane@example.com', 'department' => 'Support', 'status' => 'Open'],
    'closed' => ['number' => '418219', 'subject' => 'Done already', 'user_name' => 'John Roe',
        'user_email' => 'john@example.com', 'department' => 'Support', 'status' => 'Closed'],
    'parent' => ['number' => '503316', 'subject' => 'Parent ticket', 'user_name' => 'Jane Doe',
        'user_email' => 'jane@example.com', 'department' => 'Support', 'status' => 'Open'],
    // A leading zero: numbers are strings, never integers.
    'child' => ['number' => '030517', 'subject' => 'Child ticket', 'user_name' => 'Jane Doe',
        'user_email' => 'jane@example.com', 'department' => 'Support', 'status' => 'Open'],
    'unicode' => ['number' => '690045', 'subject' => 'Ünïcödé “quotes” <b>&</b> 1 < 2 > 0', 'user_name' => 'Zoë Ørsted',
        'user_email' => 'zoe@example.com', 'department' => $subDeptName, 'status' => 'Open'],
];
$jane = ['Jane Doe', 'jane@example.com'];
$ids = [];

$open = ticket($fx['open'] + ['status_id' => $status['Open'], 'dept_id' => $support, 'sla_id' => $sla,
    'topic_id' => $topic, 'source' => 'API', 'isanswered' => 1, 'priority' => ['High', $priority['High']],
    'created' => '2026-01-05 09:00:00', 'updated' => '2026-01-05 10:00:00'], [
    ['M', 0, user_id(...$jane), 'Jane Doe', "It burns.\nPlease help.", 'text', 0],
    ['R', $staffId, 0, 'Ada Lovelace', '<p>We are on it.</p>', 'html', 0],
    ['N', $staffId, 0, 'Ada Lovelace', '<p>Customer is <b>VIP</b>.</p>', 'html', 0],
    // A hidden entry (osTicket's FLAG_HIDDEN): never in the answer.
    ['N', 0, 0, 'SYSTEM', 'hidden entry', 'text', 4],
]);
$closed = ticket($fx['closed'] + ['status_id' => $status['Closed'], 'dept_id' => $support, 'source' => 'Email',
    'isanswered' => 1, 'closed' => '2026-01-06 12:00:00', 'created' => '2026-01-06 09:00:00',
    'updated' => '2026-01-06 12:00:00'], [
    ['M', 0, user_id('John Roe', 'john@example.com'), 'John Roe', 'Please close this.', 'text', 0],
]);
$parent = ticket($fx['parent'] + ['status_id' => $status['Open'], 'dept_id' => $support, 'source' => 'Web',
    'created' => '2026-01-07 09:00:00'], [['M', 0, user_id(...$jane), 'Jane Doe', 'The parent.', 'text', 0]]);
$child = ticket($fx['child'] + ['pid' => $parent['id'], 'status_id' => $status['Open'], 'dept_id' => $support,
    'source' => 'Web', 'created' => '2026-01-08 09:00:00'], [
    ['M', 0, user_id(...$jane), 'Jane Doe', 'The child.', 'text', 0],
]);
$unicode = ticket($fx['unicode'] + ['status_id' => $status['Open'], 'dept_id' => $subDept, 'sla_id' => $sla,
    'topic_id' => $topic, 'staff_id' => $staffId, 'team_id' => $team, 'source' => 'Phone',
    'duedate' => '2030-01-31 17:30:00', 'created' => '2026-01-09 09:00:00'], [
    ['M', 0, user_id('Zoë Ørsted', 'zoe@example.com'), 'Zoë Ørsted', 'Grüße & <b>bold</b> ✓', 'html', 0],
]);

// ---- files -------------------------------------------------------------------------------------
$png = base64_decode(PIXEL_PNG, true);
$pngId = file_id('pixel.png', 'image/png', [substr($png, 0, FIRST_CHUNK), substr($png, FIRST_CHUNK)]);
insert('attachment', ['object_id' => $open['entries'][0], 'type' => 'H', 'file_id' => $pngId, 'inline' => 0]);
// Not a ticket thread entry: an entry of a task's thread (object type 'A') carries this file.
$task = insert('thread', ['object_id' => $open['id'], 'object_type' => 'A', 'created' => $now]);
$taskEntry = insert('thread_entry', ['thread_id' => $task, 'staff_id' => $staffId, 'type' => 'N',
    'poster' => 'Ada Lovelace', 'body' => 'task note', 'format' => 'text', 'created' => $now, 'updated' => $now]);
$foreign = file_id('checklist.txt', 'text/plain', ["1. off\n2. on\n"]);
insert('attachment', ['object_id' => $taskEntry, 'type' => 'H', 'file_id' => $foreign, 'inline' => 0]);

$db->commit();

// ---- the fixtures file -------------------------------------------------------------------------
$described = [];
foreach (
    ['open' => $open, 'closed' => $closed, 'parent' => $parent, 'child' => $child, 'unicode' => $unicode] as $name => $t
) {
    $described[$name] = ['id' => $t['id']] + $fx[$name];
}
$fixtures = [
    'base_url' => rtrim($base, '/'),
    'keys' => $keys,
    'tickets' => $described,
    'attachment' => ['file_id' => $pngId, 'name' => 'pixel.png', 'size' => strlen($png), 'mime' => 'image/png',
        'sha256' => hash('sha256', $png), 'ticket' => 'open'],
    'foreign_file_id' => $foreign,
    'staff' => ['username' => 'ada', 'id' => $staffId],
    'inactive' => $inactive,
];
$dir = dirname($out);
if (!is_dir($dir) && !mkdir($dir, 0755, true)) {
    fail("cannot create {$dir}");
}
$json = json_encode($fixtures, JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES) . "\n";
if (file_put_contents($out . '.tmp', $json) === false || !rename($out . '.tmp', $out)) {
    fail("cannot write {$out}");
}
echo "fixtures written to {$out}\n";
