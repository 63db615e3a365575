<?php

declare(strict_types=1);

/*
 * Memory of the largest write: the peak resident memory (VmHWM, Rust allocations included, which
 * PHP's memory_limit does not see) of the php-fpm worker that applies the largest create the API
 * takes: 5 different files of 10 MB (50 MB decoded, 67 MB of JSON). A benchmark, not a test: it
 * prints the figures and exits 1 when what the write adds to the worker's peak (VmHWM above the
 * worker's own baseline after warm-up requests: PHP, osTicket and the extension loaded) exceeds
 * twice the decoded payload.
 *
 *   php scripts/bench/write-memory.php --key KEY [--base-url URL] [--fpm-pid-file FILE]
 *
 * Run it against a real osTicket with the plugin (the create is applied), e.g. the test stack left
 * up by `KEEP_STACK=1 OSTICKET_SRC=... bash scripts/test.sh` (then `scripts/bench.sh` style
 * settings: base URL http://127.0.0.1:$HTTP_PORT, php-fpm pid file $STATE_DIR/fpm/php-fpm.pid,
 * an API key of the fixtures with can_create_tickets). It must run as a user that may read the
 * workers' /proc/<pid>/status (root, or php-fpm's user).
 *
 * A worker's VmHWM never goes down, so the script first reads every worker's VmHWM, then warms each
 * worker up with small requests, then sends the create and reports the worker whose peak grew the
 * most (all workers are read: whichever served the create is found). Start php-fpm afresh before it
 * (`bash scripts/stack.sh restart-fpm`) for a figure that no earlier request has raised.
 */

$opts = getopt('', ['key:', 'base-url:', 'fpm-pid-file:']);
$key = $opts['key'] ?? getenv('BENCH_API_KEY') ?: '';
$base = rtrim($opts['base-url'] ?? 'http://127.0.0.1:' . (getenv('HTTP_PORT') ?: '8088'), '/');
$stateDir = getenv('STATE_DIR') ?: dirname(__DIR__, 2) . '/.state';
$pidFile = $opts['fpm-pid-file'] ?? "{$stateDir}/fpm/php-fpm.pid";
if ($key === '' || !is_file($pidFile)) {
    fwrite(STDERR, "usage: php {$argv[0]} --key KEY [--base-url URL] [--fpm-pid-file FILE]"
        . " (php-fpm pid file {$pidFile}" . (is_file($pidFile) ? '' : ' missing') . ")\n");
    exit(2);
}

/** pid => VmHWM in kB of every child of the php-fpm master. */
function workers(string $pidFile): array
{
    $master = (int) trim((string) file_get_contents($pidFile));
    $out = [];
    foreach (glob('/proc/[0-9]*/status') as $status) {
        $text = (string) @file_get_contents($status);
        if (
            preg_match('/^PPid:\s+(\d+)$/m', $text, $p) && (int) $p[1] === $master
            && preg_match('/^VmHWM:\s+(\d+) kB$/m', $text, $m)
        ) {
            $out[(int) basename(dirname($status))] = (int) $m[1];
        }
    }
    ksort($out);
    return $out;
}

function request(string $method, string $url, string $key, ?string $body = null): array
{
    $ch = curl_init($url);
    curl_setopt_array($ch, [CURLOPT_CUSTOMREQUEST => $method, CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 300,
        CURLOPT_HTTPHEADER => ['X-API-Key: ' . $key, 'Content-Type: application/json']]);
    if ($body !== null) {
        curl_setopt($ch, CURLOPT_POSTFIELDS, $body);
    }
    $started = microtime(true);
    $answer = (string) curl_exec($ch);
    $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
    curl_close($ch);
    return [$status, $answer, microtime(true) - $started];
}

$mb = fn (int $kb) => sprintf('%.1f MB', $kb / 1024);
$before = workers($pidFile);
if (!$before) {
    fwrite(STDERR, "no php-fpm workers found under the master in {$pidFile}\n");
    exit(1);
}
// Warm every worker up (osTicket's bootstrap and the extension loaded), then read the baseline.
$warm = array_fill(0, count($before) * 3, null);
$multi = curl_multi_init();
foreach ($warm as $i => $_) {
    $warm[$i] = curl_init("{$base}/api/tickets-statuses.php");
    curl_setopt_array($warm[$i], [CURLOPT_RETURNTRANSFER => true, CURLOPT_HTTPHEADER => ['X-API-Key: ' . $key]]);
    curl_multi_add_handle($multi, $warm[$i]);
}
do {
    curl_multi_exec($multi, $running);
    curl_multi_select($multi, 0.5);
} while ($running);
curl_multi_close($multi);
$baseline = workers($pidFile);

$decoded = 0;
$files = [];
for ($i = 0; $i < 5; $i++) {
    $pdf = "%PDF-1.4\n" . random_bytes(10 * 1024 * 1024 - 9);
    $decoded += strlen($pdf);
    $files[] = ["bench{$i}.pdf" => 'data:application/pdf;base64,' . base64_encode($pdf)];
}
unset($pdf);
$body = json_encode(['name' => 'Bench Memory', 'email' => 'bench.memory@example.com',
    'subject' => 'Memory of the largest write', 'message' => 'Five files of 10 MB', 'alert' => false,
    'autorespond' => false, 'attachments' => $files], JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
unset($files);
[$status, $answer, $took] = request('POST', "{$base}/api/tickets.json", $key, $body);
$sent = strlen($body);
unset($body);
$after = workers($pidFile);

$grew = [];
foreach ($after as $pid => $kb) {
    $grew[$pid] = $kb - ($baseline[$pid] ?? $before[$pid] ?? 0);
}
arsort($grew);
$pid = (int) array_key_first($grew);
$peak = $after[$pid];
$limit = intdiv(2 * $decoded, 1024);
printf(
    "largest create: %d files, %s decoded, %s of JSON; answer %d in %.1f s\n",
    5,
    $mb(intdiv($decoded, 1024)),
    $mb(intdiv($sent, 1024)),
    $status,
    $took
);
printf(
    "php-fpm workers: %d; VmHWM before warm-up %s, after warm-up (baseline) %s (highest)\n",
    count($after),
    $mb(max($before)),
    $mb(max($baseline))
);
printf(
    "worker %d served it: peak resident memory (VmHWM) %s, %s above its baseline; limit 2 x decoded = %s\n",
    $pid,
    $mb($peak),
    $mb($grew[$pid]),
    $mb($limit)
);
if ($status !== 201) {
    fwrite(STDERR, "the create was not applied (HTTP {$status}): " . substr($answer, 0, 300) . "\n");
    exit(1);
}
// The ticket is left in place (delete it with DELETE tickets-delete.php/<number>.json): its number.
printf("ticket %s\n", trim($answer));
$ok = $grew[$pid] <= $limit;
printf(
    "%s: the write's peak %s (%s in all) %s 2 x decoded payload %s\n",
    $ok ? 'PASS' : 'FAIL',
    $mb($grew[$pid]),
    $mb($peak),
    $ok ? '<=' : '>',
    $mb($limit)
);
exit($ok ? 0 : 1);
