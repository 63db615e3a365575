<?php

declare(strict_types=1);

/*
 * Bootstraps the osTicket installation at $root for a CLI script, like an API request (no session
 * row, no cookie). The caller uses osTicket's globals afterwards ($ost, $cfg).
 */

function osticket_cli_bootstrap(string $root): void
{
    $_SERVER += ['REMOTE_ADDR' => '127.0.0.1', 'HTTP_USER_AGENT' => 'osticket-api-tests', 'REQUEST_METHOD' => 'GET'];
    $_SERVER['SCRIPT_NAME'] = '/api/cli.php';
    define('API_SESSION', true);
    define('APICALL', true);
    chdir($root . '/api');
}
