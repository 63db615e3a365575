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

require_once __DIR__ . '/constants.php';
mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
register_shutdown_function(fn () => exec('rm -rf ' . escapeshellarg(SHELL_TEST_TMP)));

require_once __DIR__ . '/HelpdeskTestCase.php';
