<?php

declare(strict_types=1);

/*
 * Stand-in for osTicket 1.18's bootstrap.php: the constants the plugin shell and the extension's
 * configuration use (from include/ost-config.php) and the plugin classes. Starts nothing; see
 * main.inc.php for a request.
 */

define('ROOT_DIR', __DIR__ . '/');
define('INCLUDE_DIR', ROOT_DIR . 'include/');
define('MAJOR_VERSION', '1.18');
require INCLUDE_DIR . 'ost-config.php';
define('TABLE_PREFIX', $standinConfig['prefix']);
define('DBHOST', $standinConfig['dbhost']);
define('DBNAME', $standinConfig['dbname']);
define('DBUSER', $standinConfig['dbuser']);
define('DBPASS', $standinConfig['dbpass']);
define('CONFIG_TABLE', TABLE_PREFIX . 'config');
define('PLUGIN_TABLE', TABLE_PREFIX . 'plugin');
define('PLUGIN_INSTANCE_TABLE', TABLE_PREFIX . 'plugin_instance');

require_once INCLUDE_DIR . 'class.plugin.php';
