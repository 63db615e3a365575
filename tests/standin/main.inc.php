<?php

declare(strict_types=1);

/*
 * Stand-in for osTicket 1.18's bootstrap, for CI where osTicket cannot be installed. Written for
 * this project: it only does what the plugin shell and the entry scripts rely on (constants, the
 * client address, the plugin registry and plugin bootstrapping), with 1.18's names.
 */

define('ROOT_DIR', __DIR__ . '/');
define('INCLUDE_DIR', ROOT_DIR . 'include/');
require INCLUDE_DIR . 'ost-config.php';
define('TABLE_PREFIX', $standinConfig['prefix']);
define('DBHOST', $standinConfig['dbhost']);
define('DBNAME', $standinConfig['dbname']);
define('DBUSER', $standinConfig['dbuser']);
define('DBPASS', $standinConfig['dbpass']);
define('PLUGIN_TABLE', TABLE_PREFIX . 'plugin');
define('PLUGIN_INSTANCE_TABLE', TABLE_PREFIX . 'plugin_instance');

require_once INCLUDE_DIR . 'class.plugin.php';

// osTicket replaces REMOTE_ADDR by osTicket::get_client_ip(); without trusted proxies it is unchanged.
$_SERVER['REMOTE_ADDR'] = $_SERVER['REMOTE_ADDR'] ?? '127.0.0.1';

$ost = new StandinOsTicket();
$ost->plugins->bootstrap();
