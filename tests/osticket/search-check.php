<?php

declare(strict_types=1);

/*
 * The search index on a real osTicket 1.18: builds it with the extension's command (as
 * php-plugin/search-index.php does), then changes tickets through osTicket's own models (core's API
 * controller creates, postNote, setStatus, delete) and searches over HTTP at once, through php-fpm:
 * every change shows in the very next search. A `query` search with more matches than its page
 * answers X-Total-Count only on the index path (SQL alone leaves it out), which shows that php-fpm
 * used the index the command line built.
 *   php tests/osticket/search-check.php <osTicket root> <fixtures.json>
 * Prints "N passed, N failed"; its tickets are deleted at the end.
 */

[$rootArg, $fixturesArg] = [$argv[1] ?? '', $argv[2] ?? ''];
$root = rtrim((string) realpath($rootArg), '/');
$fx = json_decode((string) @file_get_contents($fixturesArg), true);
if ($root === '' || !is_file($root . '/main.inc.php') || !is_array($fx)) {
    fwrite(STDERR, "usage: php {$argv[0]} <osTicket root> <fixtures.json>\n");
    exit(2);
}

require __DIR__ . '/bootstrap.php';
osticket_cli_bootstrap($root);
define('DISABLE_SESSION', true);
require $root . '/main.inc.php';
require_once INCLUDE_DIR . 'api.tickets.php';
if (!class_exists('ApiEndpointsPlugin')) {
    require_once dirname(__DIR__, 2) . '/php-plugin/class.ApiEndpointsPlugin.php';
}

const JSON_FLAGS = JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES;
$passed = $failed = 0;
$created = [];

function check(string $name, bool $ok, $detail = null): void
{
    global $passed, $failed;
    $ok ? $passed++ : $failed++;
    echo ($ok ? 'ok   ' : 'FAIL ') . $name
        . ($ok || $detail === null ? '' : ' -- ' . json_encode($detail, JSON_FLAGS)) . "\n";
}

/** GET tickets-search.php with $params: [status, X-Total-Count or null, ids]. */
function search(array $params): array
{
    global $fx;
    $url = rtrim($fx['base_url'], '/') . '/api/tickets-search.php?' . http_build_query($params);
    $ch = curl_init($url);
    curl_setopt_array($ch, [CURLOPT_RETURNTRANSFER => true, CURLOPT_HEADER => true, CURLOPT_TIMEOUT => 60,
        CURLOPT_HTTPHEADER => ['X-API-Key: ' . $fx['keys']['all']]]);
    $raw = (string) curl_exec($ch);
    $status = (int) curl_getinfo($ch, CURLINFO_HTTP_CODE);
    $size = (int) curl_getinfo($ch, CURLINFO_HEADER_SIZE);
    curl_close($ch);
    $total = preg_match('/^X-Total-Count:\s*(\d+)/mi', substr($raw, 0, $size), $m) ? (int) $m[1] : null;
    $body = json_decode(substr($raw, $size), true);
    return [$status, $total, is_array($body) ? array_map(fn ($t) => (int) ($t['id'] ?? 0), $body) : $body];
}

function ticket(string $subject, string $message): Ticket
{
    global $created;
    $api = new TicketApiController('cli');
    $data = ApiJsonDataParser::fixup(['name' => 'Søren Sucher', 'email' => 'soeren.sucher@example.com',
        'subject' => $subject, 'message' => $message, 'alert' => false, 'autorespond' => false,
        'source' => 'API', 'ip' => '127.0.0.1']);
    $api->validate($data, 'json', false);
    $ticket = $api->createTicket($data);
    $created[] = (int) $ticket->getId();
    ModelInstanceManager::flushCache();
    return $ticket;
}

/*
 * The command is meant to run as the web server's user; this script runs as whoever runs the
 * suite (root), so it hands the index directory to php-fpm's user (www-data) after writing it.
 */
function hand_over(string $dir): void
{
    if (posix_getuid() !== 0) {
        return;
    }
    foreach (array_merge([$dir], glob($dir . '/{,.}*', GLOB_BRACE) ?: []) as $path) {
        if (!in_array(basename($path), ['.', '..'], true)) {
            chown($path, 'www-data');
            chgrp($path, 'www-data');
        }
    }
}

$config = ApiEndpointsPlugin::runtimeConfig();
$word = 'Ärgernis' . bin2hex(random_bytes(3));

// Two tickets that exist before the build, to see that the build indexes them.
$before = ticket("Drucker {$word} vor dem Aufbau 東京 🎉", 'Vorher');
$figures = osticket_api_search_index('rebuild-fresh', $config, false);
hand_over($figures['dir']);
$count = (int) db_result(db_query('SELECT COUNT(*) FROM ' . TICKET_TABLE));
check(
    'the build indexes every ticket',
    $figures['state'] === 'ready' && (int) $figures['documents'] === $count,
    [$figures, $count]
);
[$status, $total, $ids] = search(['query' => mb_strtolower($word), 'limit' => 1]);
check('a ticket indexed by the build is found', $status === 200 && $ids === [(int) $before->getId()], [$status, $ids]);

// Created through osTicket after the build: found at once, totals from the index path.
$t1 = ticket("Drucker {$word} nach dem Aufbau", 'Eins');
$t2 = ticket(mb_strtoupper("Kopierer {$word}"), 'Zwei');
[$status, $total, $ids] = search(['query' => $word, 'limit' => 1, 'sort' => 'created', 'order' => 'asc']);
check(
    'tickets created through osTicket are found at once',
    $status === 200 && $ids === [(int) $before->getId()],
    [$status, $ids]
);
check('the query search has X-Total-Count (the index path)', $total === 3, $total);
[, , $ids] = search(['query' => $word, 'sort' => 'number', 'order' => 'desc']);
$byNumber = [$before, $t1, $t2];
usort($byNumber, fn ($a, $b) => strcmp((string) $b->getNumber(), (string) $a->getNumber()));
check('the same tickets in number order', $ids === array_map(fn ($t) => (int) $t->getId(), $byNumber), $ids);

// A note posted through osTicket: its words are found by full text at once.
$secret = 'kryptonit' . bin2hex(random_bytes(3));
$errors = [];
$t1->postNote(['title' => 'Intern', 'note' => "<p>Die Ursache: <b>{$secret}</b> im Fach 3</p>"], $errors, null, false);
ModelInstanceManager::flushCache();
[$status, $total, $ids] = search(['query' => $secret, 'mode' => 'fulltext']);
check(
    'a note posted through osTicket is found by full text',
    $status === 200 && $ids === [(int) $t1->getId()],
    [$status, $ids, $errors]
);
[$status, , $ids] = search(['query' => "\"ursache {$secret}\"", 'mode' => 'fulltext', 'sort' => 'relevance']);
check('a phrase across the note', $status === 200 && $ids === [(int) $t1->getId()], [$status, $ids]);

// Chinese and Japanese text (no spaces between words): a two-character word inside a sentence is
// found by full text, in the body and in the subject, with X-Total-Count; other words are not.
$tag = bin2hex(random_bytes(3));
$zh = ticket("服务器故障 {$tag}", "<p>你好，请帮忙：打印机坏了。{$tag}</p>");
$ja = ticket("東京都の事務所 {$tag}", "プリンターが壊れました。よろしくお願いします {$tag}");
foreach ([['打印', [$zh]], ['故障', [$zh]], ['東京', [$ja]], ['壊れ', [$ja]], ['京東', []], ['印打', []]] as [$cjk, $want]) {
    foreach (['created', 'relevance'] as $sort) {
        [$status, $total, $ids] = search(['query' => "{$cjk} {$tag}", 'mode' => 'fulltext', 'sort' => $sort]);
        $wantIds = array_map(fn ($t) => (int) $t->getId(), $want);
        check(
            "full text finds the CJK word {$cjk} (sort={$sort}) with X-Total-Count",
            $status === 200 && $ids === $wantIds && $total === count($want),
            [$status, $total, $ids, $wantIds]
        );
    }
}

// Closed through osTicket: the state filter follows at once.
$closed = TicketStatus::objects()->filter(['state' => 'closed'])->first();
$t2->setStatus($closed, 'Erledigt', $errors, false);
ModelInstanceManager::flushCache();
[, $total, $ids] = search(['query' => $word, 'state' => 'closed']);
check('a ticket closed through osTicket matches state=closed at once', $ids === [(int) $t2->getId()], [$ids, $total]);

// Deleted through osTicket: gone from the next search.
$t1->delete();
ModelInstanceManager::flushCache();
[, $total, $ids] = search(['query' => $word, 'limit' => 1]);
check(
    'a ticket deleted through osTicket is gone at once',
    $total === 2 && !in_array((int) $t1->getId(), $ids, true),
    [$total, $ids]
);
[, , $ids] = search(['query' => $secret, 'mode' => 'fulltext']);
check('and gone from full text', $ids === [], $ids);

// Filters without a text come from the index's columns: the same changes show at once.
$mine = ['email' => 'soeren.sucher@example.com'];
$left = array_values(array_filter($created, fn ($id) => $id !== (int) $t1->getId()));
rsort($left);
[$status, $total, $ids] = search($mine + ['limit' => 100]);
check(
    'a filtered search (no text) leaves out the deleted ticket and counts the rest',
    $status === 200 && $ids === $left && $total === count($left),
    [$status, $total, $ids, $left]
);
[, $total, $ids] = search($mine + ['state' => 'closed']);
check(
    'a filtered search sees the status set through osTicket',
    $ids === [(int) $t2->getId()] && $total === 1,
    [$ids, $total]
);
$gone = db_result(db_query('SELECT COUNT(*) FROM ' . TABLE_PREFIX . 'osticket_api_deleted WHERE ticket_id = '
    . (int) $t1->getId()));
check('osTicket\'s delete signal recorded the deletion for the index', (int) $gone === 1, $gone);

// The catch-up (as osTicket's cron runs it) and the figures.
$figures = osticket_api_search_index('catch-up', $config, false);
hand_over($figures['dir']);
// Lag counts tickets saved at or after the commit's second: at most this script's own.
check(
    'the catch-up leaves no lag beyond the second of its commit',
    $figures['state'] === 'ready' && ctype_digit($figures['lag']) && (int) $figures['lag'] <= count($created),
    $figures
);

foreach ($created as $id) {
    if (($t = Ticket::lookup($id))) {
        $t->delete();
    }
}
echo "{$passed} passed, {$failed} failed\n";
exit($failed > 0 ? 1 : 0);
