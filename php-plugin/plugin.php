<?php

// The manifest osTicket 1.18 reads: `name`, `version` (copied into the plugin's registry row),
// `plugin` (class file and class), `ost_version` (oldest osTicket it runs on: earlier ones
// neither install nor bootstrap it), `author`, `description` (shown while the plugin has no
// notes). `id` is the original plugin's, so that this is its successor.
return [
    'id' => 'com.osticket:api-endpoints',
    'version' => '3.0.0',
    'name' => 'API Endpoints',
    'ost_version' => '1.18',
    'author' => 'osticket_api contributors',
    'description' => 'Ticket REST endpoints (get, search, statistics, statuses, attachment download, '
        . 'subtickets) answered by the osticket_api PHP extension; successor of the API Endpoints '
        . 'plugin 2.x.',
    'plugin' => 'class.ApiEndpointsPlugin.php:ApiEndpointsPlugin',
];
