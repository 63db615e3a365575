<?php

declare(strict_types=1);

// Stand-in of osTicket's api/api.inc.php: an API call, no session.
define('API_SESSION', true);
define('APICALL', true);
require_once __DIR__ . '/../main.inc.php';
