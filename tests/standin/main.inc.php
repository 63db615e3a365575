<?php

declare(strict_types=1);

/*
 * Stand-in for osTicket 1.18's main.inc.php, for CI where osTicket cannot be installed: the
 * client address as osTicket computes it, then the application start, which bootstraps the
 * installed plugins.
 */

require_once __DIR__ . '/bootstrap.php';

$_SERVER['REMOTE_ADDR'] = osTicket::get_client_ip();
$ost = osTicket::start();
