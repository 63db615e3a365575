<?php

declare(strict_types=1);

/*
 * The settings of the plugin shell's tests, from the environment (see bootstrap.php, which loads
 * this file): the MariaDB to create the helpdesks' databases in, the extension file the
 * sub-processes load and the directory the throwaway helpdesks are built in.
 */

define('SHELL_TEST_DB_HOST', (string) (getenv('DB_HOST')
    ?: (getenv('DB_PORT') ? '127.0.0.1:' . getenv('DB_PORT') : '')));
define('SHELL_TEST_DB_USER', (string) (getenv('DB_USER') ?: 'ost'));
define('SHELL_TEST_DB_PASS', (string) (getenv('DB_PASS') ?: 'ost-test-pw'));
// The sub-processes load the same extension file as this process.
define('SHELL_TEST_EXT', (string) (getenv('EXT_SO') ?: dirname(__DIR__, 2) . '/target/debug/libosticket_api.so'));
define('SHELL_TEST_TMP', sys_get_temp_dir() . '/osticket-api-php-tests-' . getmypid());
