<?php

/**
 * Every documented search filter, sort and order, measured through the web server.
 *
 *   php scripts/bench/combos.php --key KEY --db NAME [--base-url URL] [--web-root DIR]
 *       [--requests N] [--only REGEX] [--label TEXT] [--out FILE.tsv]
 *
 * The combinations: every filter of GET /api/tickets/search (each state, the most and the least
 * used department, an agent, a team, a topic, a priority, a user's e-mail, overdue, each date
 * bound, a parent) and no filter, each with every sort (created, updated, number) and order (asc,
 * desc); then every pair of two different filters (pairwise), each pair with the next sort and
 * order in turn. Filter values are picked from the database (values that tickets have).
 *
 * Each combination gets one warm-up request and then N (default 9) sequential requests on one
 * keep-alive connection; printed: p50 and p90 in ms, the HTTP status, whether X-Total-Count was
 * sent, and p50 minus the floor (osTicket's API bootstrap alone, measured the same way in the same
 * run; needs --web-root, the osTicket web root of this server). The summary line counts the
 * combinations whose p50 is within 30 ms of the floor. Only 127.0.0.1 is accepted.
 */

declare(strict_types=1);

function fail(string $msg): never
{
    fwrite(STDERR, "combos.php: $msg\n");
    exit(2);
}

$opt = getopt('', ['key:', 'db:', 'base-url:', 'web-root:', 'requests:', 'only:', 'label:', 'out:',
    'db-host:', 'db-port:', 'db-user:', 'db-pass:', 'db-socket:', 'prefix:', 'help']);
if (isset($opt['help'])) {
    $src = (string) file_get_contents(__FILE__);
    preg_match('~/\*\*(.*?)\*/~s', $src, $m);
    echo preg_replace('~^\s*\* ?~m', '', $m[1] ?? ''), "\n";
    exit(0);
}
$key = (string) ($opt['key'] ?? getenv('BENCH_API_KEY') ?: '');
$dbName = (string) ($opt['db'] ?? getenv('DB_NAME') ?: '');
$base = rtrim((string) ($opt['base-url'] ?? ('http://127.0.0.1:' . (getenv('HTTP_PORT') ?: '8088'))), '/');
$root = (string) ($opt['web-root'] ?? getenv('WEB_ROOT') ?: '');
$n = (int) ($opt['requests'] ?? 9);
$only = isset($opt['only']) ? (string) $opt['only'] : null;
$label = (string) ($opt['label'] ?? '');
$p = (string) ($opt['prefix'] ?? getenv('TABLE_PREFIX') ?: 'ost_');
if ($key === '' || $dbName === '') {
    fail('--key and --db are required (--help)');
}
if (!preg_match('~^https?://(127\.0\.0\.1|localhost)(:\d+)?$~', $base)) {
    fail("--base-url must be on 127.0.0.1 (got $base)");
}
if ($n < 3 || $n > 200) {
    fail('--requests: 3..200');
}
if (!preg_match('~^[A-Za-z0-9_]*$~', $p)) {
    fail('--prefix: letters, digits and _ only');
}

// ---- values from the database ------------------------------------------------------------------

mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
$socket = $opt['db-socket'] ?? getenv('DB_SOCKET') ?: null;
$db = new mysqli(
    (string) ($opt['db-host'] ?? '127.0.0.1'),
    (string) ($opt['db-user'] ?? getenv('DB_USER') ?: 'root'),
    (string) ($opt['db-pass'] ?? getenv('DB_PASS') ?: ''),
    $dbName,
    (int) ($opt['db-port'] ?? getenv('DB_PORT') ?: 3306),
    $socket ?: null
);
$db->set_charset('utf8mb4');
$one = function (string $sql) use ($db): ?string {
    $r = $db->query($sql)->fetch_row();
    return $r === null || $r[0] === null ? null : (string) $r[0];
};
$tickets = (int) $one("SELECT COUNT(*) FROM {$p}ticket");
$maxCreated = $one("SELECT MAX(created) FROM {$p}ticket") ?? date('Y-m-d H:i:s');
$maxUpdated = $one("SELECT MAX(updated) FROM {$p}ticket") ?? date('Y-m-d H:i:s');
$day = fn (string $ts, int $days): string => date('Y-m-d', (int) strtotime("$ts $days days"));
$byCount = fn (string $col, string $dir) => $one(
    "SELECT $col FROM {$p}ticket WHERE $col IS NOT NULL AND $col <> 0 GROUP BY $col ORDER BY COUNT(*) $dir LIMIT 1"
);
$deptBig = $byCount('dept_id', 'DESC');
$deptSmall = $byCount('dept_id', 'ASC');
$filters = [
    'status' => [['status', $one("SELECT name FROM {$p}ticket_status WHERE state = 'open' ORDER BY sort, id LIMIT 1")]],
    'state' => [['state', 'open'], ['state', 'closed'], ['state', 'archived']],
    'department' => [
        ['department', $one("SELECT name FROM {$p}department WHERE id = " . (int) $deptBig)],
        ['department', $one("SELECT name FROM {$p}department WHERE id = " . (int) $deptSmall)],
    ],
    'staff' => [['staff', $one("SELECT username FROM {$p}staff WHERE staff_id = " . (int) $byCount('staff_id', 'DESC'))]],
    'team' => [['team', $one("SELECT name FROM {$p}team WHERE team_id = " . (int) $byCount('team_id', 'DESC'))]],
    'topic' => [['topic', $one("SELECT topic FROM {$p}help_topic WHERE topic_id = " . (int) $byCount('topic_id', 'DESC'))]],
    'priority' => [['priority', $one("SELECT priority FROM {$p}ticket_priority ORDER BY priority_urgency LIMIT 1")]],
    'email' => [['email', $one("SELECT ue.address FROM {$p}user_email ue JOIN {$p}ticket t ON t.user_id = ue.user_id LIMIT 1")]],
    'overdue' => [['overdue', 'true']],
    'created_from' => [['created_from', $day($maxCreated, -30)]],
    'created_to' => [['created_to', $day($maxCreated, -300)]],
    'updated_since' => [['updated_since', $day($maxUpdated, -7)]],
    'parent' => [['parent', $one("SELECT p.number FROM {$p}ticket p WHERE p.ticket_id = (SELECT ticket_pid FROM {$p}ticket WHERE ticket_pid IS NOT NULL LIMIT 1)")]],
];
foreach ($filters as $name => $values) {
    $filters[$name] = array_values(array_filter($values, fn ($v) => $v[1] !== null && $v[1] !== ''));
    if ($filters[$name] === []) {
        fwrite(STDERR, "combos.php: no value for filter '$name' in this database: left out\n");
        unset($filters[$name]);
    }
}
$orders = [];
foreach (['created', 'updated', 'number'] as $sort) {
    foreach (['desc', 'asc'] as $order) {
        $orders[] = ['sort' => $sort, 'order' => $order];
    }
}

// ---- the combinations ----------------------------------------------------------------------------

$combos = [];
$add = function (array $params) use (&$combos, $only): void {
    $name = http_build_query($params, '', '&', PHP_QUERY_RFC3986);
    if ($only === null || preg_match("~$only~", rawurldecode($name))) {
        $combos[] = $name;
    }
};
foreach (array_merge([[]], ...array_values(array_map(fn ($vs) => array_map(fn ($v) => [$v], $vs), $filters))) as $f) {
    foreach ($orders as $o) {
        $params = [];
        foreach ($f as [$k, $v]) {
            $params[$k] = $v;
        }
        $add($params + $o);
    }
}
$names = array_keys($filters);
$turn = 0;
for ($i = 0; $i < count($names); $i++) {
    for ($j = $i + 1; $j < count($names); $j++) {
        $a = $filters[$names[$i]][$turn % count($filters[$names[$i]])];
        $b = $filters[$names[$j]][$turn % count($filters[$names[$j]])];
        $add([$a[0] => $a[1], $b[0] => $b[1]] + $orders[$turn % count($orders)]);
        $turn++;
    }
}

// ---- measuring -----------------------------------------------------------------------------------

$floorPath = null;
if ($root !== '' && is_file("$root/api/api.inc.php") && is_writable("$root/api")) {
    $floorPath = '/api/bench-floor-combos-' . getmypid() . '.php';
    file_put_contents($root . $floorPath, "<?php\n// scripts/bench/combos.php: osTicket's API bootstrap alone.\nrequire __DIR__ . '/api.inc.php';\nexit;\n");
    register_shutdown_function(fn () => @unlink($root . $floorPath));
} else {
    fwrite(STDERR, "combos.php: no writable osTicket web root (--web-root): the floor is not measured\n");
}

$ch = curl_init();
$measure = function (string $path, bool $withKey) use ($ch, $base, $key, $n): array {
    $headers = [];
    curl_setopt_array($ch, [
        CURLOPT_URL => $base . $path,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 60,
        CURLOPT_HTTPHEADER => $withKey ? ["X-API-Key: $key"] : [],
        CURLOPT_HEADERFUNCTION => function ($c, $line) use (&$headers) {
            $headers[] = $line;
            return strlen($line);
        },
    ]);
    $times = [];
    $code = 0;
    for ($i = 0; $i <= $n; $i++) {
        $headers = [];
        $t = hrtime(true);
        curl_exec($ch);
        $ms = (hrtime(true) - $t) / 1e6;
        $code = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        if ($i > 0) {
            $times[] = $ms;
        }
        if ($code !== 200) {
            break;
        }
    }
    sort($times);
    $pct = fn (float $q) => $times === [] ? NAN : $times[(int) min(count($times) - 1, floor($q * count($times)))];
    $total = null;
    foreach ($headers as $h) {
        if (stripos($h, 'X-Total-Count:') === 0) {
            $total = trim(substr($h, 14));
        }
    }
    return ['p50' => $pct(0.5), 'p90' => $pct(0.9), 'code' => $code, 'total' => $total];
};

$floor = $floorPath !== null ? $measure($floorPath, false) : null;
$floorP50 = $floor !== null && $floor['code'] === 200 ? $floor['p50'] : null;
$rows = [];
$fmt = "%-96s %5s %8s %8s %8s %10s\n";
printf("%d tickets, %d combinations, %d requests each, %s%s\n", $tickets, count($combos), $n, $base, $label !== '' ? ", $label" : '');
printf($fmt, 'search', 'HTTP', 'p50 ms', 'p90 ms', '-floor', 'total');
if ($floor !== null) {
    printf($fmt, 'floor: osTicket api.inc.php bootstrap', $floor['code'], sprintf('%.1f', $floor['p50']), sprintf('%.1f', $floor['p90']), '', '');
}
foreach ($combos as $q) {
    $r = $measure('/api/tickets-search.php?' . $q, true);
    $over = $floorP50 === null ? NAN : $r['p50'] - $floorP50;
    $rows[] = [rawurldecode($q), $r, $over];
    printf($fmt, rawurldecode($q), $r['code'], sprintf('%.1f', $r['p50']), sprintf('%.1f', $r['p90']), is_nan($over) ? '' : sprintf('%+.1f', $over), $r['total'] ?? '-');
}

$ok = count(array_filter($rows, fn ($r) => $r[1]['code'] === 200));
$within = count(array_filter($rows, fn ($r) => $r[1]['code'] === 200 && !is_nan($r[2]) && $r[2] <= 30.0));
usort($rows, fn ($a, $b) => $b[1]['p50'] <=> $a[1]['p50']);
echo "\nslowest:\n";
foreach (array_slice($rows, 0, 5) as $r) {
    printf("  %7.1f ms  %s\n", $r[1]['p50'], $r[0]);
}
printf(
    "combinations: %d, answered 200: %d, p50 within 30 ms of the floor (%s ms): %d, over: %d\n",
    count($rows),
    $ok,
    $floorP50 === null ? 'not measured' : sprintf('%.1f', $floorP50),
    $within,
    count($rows) - $within
);
if (isset($opt['out'])) {
    $out = fopen((string) $opt['out'], 'w');
    fputcsv($out, ['search', 'http', 'p50_ms', 'p90_ms', 'over_floor_ms', 'total'], "\t");
    foreach ($rows as $r) {
        fputcsv($out, [$r[0], $r[1]['code'], round($r[1]['p50'], 2), round($r[1]['p90'], 2), is_nan($r[2]) ? '' : round($r[2], 2), $r[1]['total'] ?? ''], "\t");
    }
    fclose($out);
}
exit($ok === count($rows) ? 0 : 1);
