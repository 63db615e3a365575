<?php

declare(strict_types=1);

/*
 * The search index of the API Endpoints extension, from the command line. Run it as the web
 * server's user (php-fpm reads and catches up what it writes):
 *
 *   php include/plugins/<this plugin>/search-index.php [status|rebuild|rebuild-fresh|catch-up]
 *
 * rebuild builds the index with a progress bar and resumes an interrupted build (Ctrl-C is safe);
 * rebuild-fresh starts over; catch-up reads every ticket changed since the last commit; status
 * prints the figures (documents, last commit, lag, size). The plugin's configuration page shows the
 * same figures and builds in bounded steps ("Rebuild index"); while it does, rebuild is refused.
 */

if (PHP_SAPI !== 'cli') {
    http_response_code(404);
    exit;
}
if (!extension_loaded('osticket_api')) {
    fwrite(STDERR, "search-index: the osticket_api extension is not loaded\n");
    exit(1);
}
$root = dirname(__DIR__, 3);
$_SERVER += ['REMOTE_ADDR' => '127.0.0.1', 'REQUEST_METHOD' => 'GET', 'HTTP_USER_AGENT' => 'search-index'];
$_SERVER['SCRIPT_NAME'] = '/api/cli.php';
define('API_SESSION', true);
define('APICALL', true);
chdir($root . '/api');
require $root . '/main.inc.php';
require_once __DIR__ . '/class.ApiEndpointsPlugin.php';

$command = $argv[1] ?? 'status';
try {
    $figures = osticket_api_search_index($command, ApiEndpointsPlugin::runtimeConfig(), true);
} catch (Throwable $e) {
    fwrite(STDERR, 'search-index: ' . $e->getMessage() . "\n");
    exit(1);
}
foreach ($figures as $name => $value) {
    printf("%-12s %s\n", $name, $value);
}
