<?php

declare(strict_types=1);

/*
 * The stand-in's database settings. This template takes them from the environment; the test
 * runners (tests/http/run.sh, tests/php) write a copy with fixed values into each stand-in they build.
 */

$standinConfig = [
    'prefix' => getenv('TABLE_PREFIX') ?: 'ost_',
    'dbhost' => getenv('DB_HOST') ?: '127.0.0.1:' . (getenv('DB_PORT') ?: '3317'),
    'dbname' => getenv('DB_NAME') ?: 'osticket_standin',
    'dbuser' => getenv('DB_USER') ?: 'ost',
    'dbpass' => getenv('DB_PASS') ?: 'ost-test-pw',
];
