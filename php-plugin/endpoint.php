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

ApiEndpointsPlugin::serve($_SERVER);
