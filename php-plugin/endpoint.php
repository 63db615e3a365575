<?php

declare(strict_types=1);

/*
 * Answers a request to a deployed api/tickets-*.php entry script through the osticket_api
 * extension. osTicket is already bootstrapped (api.inc.php), so REMOTE_ADDR is osTicket's client
 * address and the plugin's bootstrap() has run if the plugin is active. Without the extension (or
 * with one of another version) serve() answers a JSON 503 that says which file to install.
 */

require_once __DIR__ . '/class.ApiEndpointsPlugin.php';

ApiEndpointsPlugin::serve($_SERVER);
