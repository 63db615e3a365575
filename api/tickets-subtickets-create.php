<?php

/*
 * Entry script of the API Endpoints plugin (tickets-subtickets-create). The plugin copies it into osTicket's api/
 * directory when it is installed and removes it when it is uninstalled.
 */

declare(strict_types=1);

require __DIR__ . '/api.inc.php';

$endpoint = INCLUDE_DIR . 'plugins/api-endpoints/endpoint.php';
if (!is_file($endpoint)) {
    http_response_code(404);
    header('Content-Type: application/json; charset=UTF-8');
    echo '{"error":true,"message":"API Endpoints plugin is not installed","code":"endpoint_disabled"}';
    exit;
}
require $endpoint;
