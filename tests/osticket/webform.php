<?php

declare(strict_types=1);

/*
 * What osTicket itself stores for a text, for tests/http/I18nTest.php: for each value of a JSON
 * list on stdin, creates a ticket with osTicket's own Ticket::create() and the web origin (the call
 * open.php makes for the client portal's form: name, subject, message as text), then posts an
 * internal note with a title and a reply as the agent panel does (postNote(), postReply(), HTML),
 * reads back what osTicket's tables hold and deletes the ticket. Prints a JSON list of
 * {subject, name, message, note_title, note, reply}.
 *
 *   php -d extension=<osticket_api.so> tests/osticket/webform.php <osTicket root> < values.json
 */

$root = $argv[1] ?? getenv('WEB_ROOT') ?: '';
if (!is_file($root . '/main.inc.php')) {
    fwrite(STDERR, "usage: php {$argv[0]} <osTicket root> < values.json\n");
    exit(2);
}
$values = json_decode((string) stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
$root = rtrim((string) realpath($root), '/');

require __DIR__ . '/bootstrap.php';
osticket_cli_bootstrap($root);
define('DISABLE_SESSION', true);
require $root . '/main.inc.php';

function stored(int $ticketId): array
{
    $p = TABLE_PREFIX;
    $row = db_fetch_array(db_query("SELECT cd.subject, u.name FROM {$p}ticket t"
        . " JOIN {$p}ticket__cdata cd ON cd.ticket_id = t.ticket_id JOIN {$p}user u ON u.id = t.user_id"
        . ' WHERE t.ticket_id = ' . db_input($ticketId)));
    $entries = [];
    $res = db_query("SELECT e.type, e.title, e.body FROM {$p}thread_entry e JOIN {$p}thread th ON th.id = e.thread_id"
        . " AND th.object_type = 'T' WHERE th.object_id = " . db_input($ticketId) . ' ORDER BY e.id');
    while ($res && ($e = db_fetch_array($res))) {
        $entries[] = $e;
    }
    return [$row, $entries];
}

// The portal's form asks for a help topic: the helpdesk's default, else the first active one.
$topicId = (int) $cfg->getDefaultTopicId()
    ?: (int) Topic::objects()->filter(['flags__hasbit' => Topic::FLAG_ACTIVE])->order_by('topic_id')->first()?->getId();
$staff = Staff::objects()->filter(['isactive' => 1])->order_by('staff_id')->first();
$out = [];
// New users every run: osTicket keeps the name of an existing e-mail address.
$run = bin2hex(random_bytes(4));
foreach ($values as $i => $value) {
    $errors = [];
    $GLOBALS['thisstaff'] = null;
    $ticket = Ticket::create([
        'name' => "N {$value}",
        'email' => "webform-{$run}-{$i}@example.com",
        'subject' => "i18n {$value}",
        'message' => "M {$value}",
        'topicId' => $topicId,
    ], $errors, 'web', false, false);
    if (!$ticket instanceof Ticket) {
        fwrite(STDERR, "webform.php: Ticket::create refused value {$i}: " . json_encode($errors) . "\n");
        exit(1);
    }
    $GLOBALS['thisstaff'] = $staff;
    $html = fn (string $s) => '<p>' . htmlspecialchars($s, ENT_QUOTES | ENT_HTML5, 'UTF-8') . '</p>';
    $ticket->postNote(['note' => $html("Note {$value}"), 'title' => "T {$value}"], $errors, $staff, false);
    $ticket->postReply(['response' => $html("Reply {$value}")], $errors, false);
    [$row, $entries] = stored((int) $ticket->getId());
    $by = fn (string $type) => array_values(array_filter($entries, fn ($e) => $e['type'] === $type));
    $out[] = [
        'subject' => $row['subject'],
        'name' => $row['name'],
        'message' => $by('M')[0]['body'] ?? null,
        'note_title' => $by('N')[0]['title'] ?? null,
        'note' => $by('N')[0]['body'] ?? null,
        'reply' => $by('R')[0]['body'] ?? null,
    ];
    $ticket->delete();
}
echo json_encode($out, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE), "\n";
