<?php

declare(strict_types=1);

/*
 * The plugin shell's tests run the real plugin classes on top of the project's stand-in of
 * osTicket's plugin classes (tests/standin), in a throwaway helpdesk directory and database.
 */

if (!extension_loaded('osticket_api')) {
    fwrite(STDERR, "tests/php need the extension: php -d extension=target/debug/libosticket_api.so phpunit ...\n");
    exit(1);
}

$root = sys_get_temp_dir() . '/osticket-api-php-tests-' . getmypid();
define('SHELL_TEST_ROOT', $root);
define('SHELL_TEST_DB', 'osticket_api_php_' . getmypid());
$repo = dirname(__DIR__, 2);
@mkdir($root . '/include/plugins', 0777, true);
@mkdir($root . '/api', 0777, true);
copy($repo . '/tests/standin/include/class.plugin.php', $root . '/include/class.plugin.php');
passthru(sprintf('bash %s %s 2>/dev/null', escapeshellarg($repo . '/scripts/package-plugin.sh'),
    escapeshellarg($root . '/include/plugins/api-endpoints')));

define('INCLUDE_DIR', $root . '/include/');
define('TABLE_PREFIX', 'ost_');
define('DBHOST', '127.0.0.1:' . (getenv('DB_PORT') ?: '3317'));
define('DBNAME', SHELL_TEST_DB);
define('DBUSER', getenv('DB_USER') ?: 'ost');
define('DBPASS', getenv('DB_PASS') ?: 'ost-test-pw');
define('PLUGIN_TABLE', TABLE_PREFIX . 'plugin');
define('PLUGIN_INSTANCE_TABLE', TABLE_PREFIX . 'plugin_instance');

mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
$db = new mysqli('127.0.0.1', DBUSER, DBPASS, '', (int) substr(DBHOST, strpos(DBHOST, ':') + 1));
$db->set_charset('utf8mb4');
$db->query('DROP DATABASE IF EXISTS `' . SHELL_TEST_DB . '`');
$db->query('CREATE DATABASE `' . SHELL_TEST_DB . '` CHARACTER SET utf8mb4');
$db->select_db(SHELL_TEST_DB);
foreach (['schema', 'seed'] as $file) {
    $sql = str_replace('%TABLE_PREFIX%', TABLE_PREFIX, (string) file_get_contents("{$repo}/tests/fixtures/{$file}.sql"));
    $db->multi_query($sql);
    while ($db->more_results() && $db->next_result()) {
        // drain every statement's result
    }
}
register_shutdown_function(function () use ($db, $root): void {
    $db->query('DROP DATABASE IF EXISTS `' . SHELL_TEST_DB . '`');
    exec('rm -rf ' . escapeshellarg($root));
});

require_once INCLUDE_DIR . 'class.plugin.php';
require_once INCLUDE_DIR . 'plugins/api-endpoints/class.ApiEndpointsPlugin.php';
