<?php

return [
    'id' => 'com.osticket:api-endpoints',
    'version' => '3.0.0',
    'name' => 'API Endpoints',
    'author' => 'osticket_api contributors',
    'description' => 'Ticket REST endpoints (get, attachment download, statuses, ...) answered by the '
        . 'osticket_api PHP extension; drop-in successor of the API Endpoints plugin 2.x.',
    'url' => 'https://github.com/markus-michalski/osticket-api-endpoints',
    'plugin' => 'class.ApiEndpointsPlugin.php:ApiEndpointsPlugin',
];
