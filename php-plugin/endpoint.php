<?php

declare(strict_types=1);

/*
 * Answers a request to a deployed api/tickets-*.php entry script through the osticket_api
 * extension. osTicket is already bootstrapped (api.inc.php), so REMOTE_ADDR is osTicket's client
 * address and the plugin's bootstrap() has run if the plugin is active.
 */

if (!extension_loaded('osticket_api')) {
    http_response_code(503);
    header('Content-Type: application/json; charset=UTF-8');
    echo json_encode([
        'error' => true,
        'message' => 'The osticket_api PHP extension is not loaded',
        'code' => 'extension_missing',
    ]);
    exit;
}

require_once __DIR__ . '/class.ApiEndpointsPlugin.php';

// A client that hangs up must not abort the request halfway (PHP would unwind past the
// extension's database connection and past a write in progress).
ignore_user_abort(true);

$answer = osticket_api_serve($_SERVER, ApiEndpointsPlugin::runtimeConfig(), (string) file_get_contents('php://input'));
if (is_array($answer)) {
    // A validated write (docs/write-commands.md): osTicket applies it, the extension answers.
    require_once __DIR__ . '/class.ApiEndpointsWriter.php';
    osticket_api_complete($answer, ApiEndpointsWriter::apply($answer));
}
