<?php

declare(strict_types=1);

/*
 * The plugin shell's tests: each test class builds a throwaway helpdesk from the stand-in of
 * osTicket (tests/standin) with the packaged plugin and its own database (HelpdeskTestCase).
 *
 * Run with the extension loaded (phpunit's own -d cannot load one):
 *   DB_HOST=127.0.0.1:3317 DB_USER=ost DB_PASS=... \
 *     php -d extension=target/debug/libosticket_api.so "$(command -v phpunit)" -c tests/php/phpunit.xml
 * Without DB_HOST (or DB_PORT, which means 127.0.0.1:DB_PORT) every test is skipped with the reason.
 */

if (!extension_loaded('osticket_api')) {
    fwrite(STDERR, "tests/php need the extension: php -d extension=target/debug/libosticket_api.so phpunit ...\n");
    exit(1);
}

$repo = dirname(__DIR__, 2);
define('SHELL_TEST_DB_HOST', (string) (getenv('DB_HOST') ?: (getenv('DB_PORT') ? '127.0.0.1:' . getenv('DB_PORT') : '')));
define('SHELL_TEST_DB_USER', (string) (getenv('DB_USER') ?: 'ost'));
define('SHELL_TEST_DB_PASS', (string) (getenv('DB_PASS') ?: 'ost-test-pw'));
// The sub-processes load the same extension file as this process.
define('SHELL_TEST_EXT', (string) (getenv('EXT_SO') ?: $repo . '/target/debug/libosticket_api.so'));
define('SHELL_TEST_TMP', sys_get_temp_dir() . '/osticket-api-php-tests-' . getmypid());

mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
register_shutdown_function(fn () => exec('rm -rf ' . escapeshellarg(SHELL_TEST_TMP)));

require_once __DIR__ . '/HelpdeskTestCase.php';
