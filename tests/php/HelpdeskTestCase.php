<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Php;

use PHPUnit\Framework\TestCase;

/**
 * A throwaway helpdesk per test class: the stand-in of osTicket (tests/standin) with the packaged
 * plugin in include/plugins/api-endpoints, osTicket's api/ directory with its .htaccess, and its
 * own database loaded from tests/fixtures. The plugin's lifecycle and requests run in PHP
 * sub-processes, as in osTicket, where every admin action and API call is a request of its own.
 */
abstract class HelpdeskTestCase extends TestCase
{
    /** osTicket 1.18's api/.htaccess. */
    protected const CORE_HTACCESS = "<IfModule mod_rewrite.c>\n\nRewriteEngine On\n\n"
        . "RewriteCond %{REQUEST_FILENAME} !-f\n"
        . "RewriteCond %{REQUEST_FILENAME} !-d\nRewriteCond %{REQUEST_URI} (.*/api)\n\n"
        . "RewriteRule ^(.*)$ %1/http.php/$1 [L]\n\n</IfModule>\n";

    protected const KEY_ALL = 'KEY-ALL-0123456789ABCDEF';

    protected static string $root;
    protected static string $dbName;
    protected static \mysqli $db;

    public static function setUpBeforeClass(): void
    {
        if (SHELL_TEST_DB_HOST === '') {
            self::markTestSkipped('DB_HOST (host:port of a MariaDB where DB_USER may create databases) is not set');
        }
        // The class's name without its namespace: database and directory names stay plain.
        $class = substr(strrchr('\\' . static::class, '\\'), 1);
        self::$dbName = substr(sprintf('osticket_api_php_%d_%s', getmypid(), strtolower($class)), 0, 64);
        self::$root = SHELL_TEST_TMP . '/' . $class;
        self::buildHelpdesk();
        [$host, $port] = array_pad(explode(':', SHELL_TEST_DB_HOST, 2), 2, '3306');
        self::$db = new \mysqli($host, SHELL_TEST_DB_USER, SHELL_TEST_DB_PASS, '', (int) $port);
        self::$db->set_charset('utf8mb4');
        self::$db->query('DROP DATABASE IF EXISTS `' . self::$dbName . '`');
        self::$db->query('CREATE DATABASE `' . self::$dbName . '` CHARACTER SET utf8mb4');
        self::$db->select_db(self::$dbName);
        self::loadSql('schema');
        self::loadSql('seed');
    }

    public static function tearDownAfterClass(): void
    {
        if (isset(self::$db)) {
            self::$db->query('DROP DATABASE IF EXISTS `' . self::$dbName . '`');
        }
        if (isset(self::$root)) {
            exec('rm -rf ' . escapeshellarg(self::$root));
        }
    }

    private static function buildHelpdesk(): void
    {
        $repo = dirname(__DIR__, 2);
        exec('rm -rf ' . escapeshellarg(self::$root));
        mkdir(self::$root, 0777, true);
        exec(sprintf('cp -R %s/. %s', escapeshellarg("{$repo}/tests/standin"), escapeshellarg(self::$root)));
        file_put_contents(self::$root . '/include/ost-config.php', '<?php $standinConfig = ' . var_export([
            'prefix' => 'ost_', 'dbhost' => SHELL_TEST_DB_HOST, 'dbname' => self::$dbName,
            'dbuser' => SHELL_TEST_DB_USER, 'dbpass' => SHELL_TEST_DB_PASS,
        ], true) . ";\n");
        self::package('api-endpoints');
        file_put_contents(self::$root . '/api/.htaccess', self::CORE_HTACCESS);
        file_put_contents(self::$root . '/api/http.php', "<?php // osTicket's dispatcher\n");
    }

    /** Puts the plugin package into include/plugins/<dir>. */
    protected static function package(string $dir): void
    {
        exec(sprintf(
            'bash %s %s 2>/dev/null',
            escapeshellarg(dirname(__DIR__, 2) . '/scripts/package-plugin.sh'),
            escapeshellarg(self::$root . '/include/plugins/' . $dir)
        ));
    }

    protected static function loadSql(string $fixture): void
    {
        $sql = (string) file_get_contents(dirname(__DIR__) . "/fixtures/{$fixture}.sql");
        $sql = str_replace('%TABLE_PREFIX%', 'ost_', $sql);
        self::$db->multi_query($sql);
        while (self::$db->more_results() && self::$db->next_result()) {
            // drain every statement's result
        }
    }

    /** The extension's runtime configuration for this helpdesk (as the plugin builds it). */
    protected static function config(): array
    {
        return ['dbhost' => SHELL_TEST_DB_HOST, 'dbname' => self::$dbName, 'dbuser' => SHELL_TEST_DB_USER,
            'dbpass' => SHELL_TEST_DB_PASS, 'prefix' => 'ost_', 'active' => true];
    }

    /**
     * The PHP command line: with the extension, or without any extension but mysqli (loaded only
     * where it is shared: a PHP built with it, as scripts/php-builds.sh does, has it already).
     */
    private static function php(bool $extension): string
    {
        static $mysqliBuiltIn = null;
        if ($extension) {
            return 'php -d display_errors=stderr -d extension=' . escapeshellarg(SHELL_TEST_EXT);
        }
        $probe = 'php -n -r ' . escapeshellarg('echo (int) function_exists("mysqli_connect");');
        $mysqliBuiltIn ??= trim((string) shell_exec($probe)) === '1';
        // No php.ini: report as a site's php.ini-production does (osTicket 1.18's own signatures,
        // mirrored by the stand-in, raise deprecation notices on PHP 8.4).
        return 'php -n -d display_errors=stderr -d ' . escapeshellarg('error_reporting=E_ALL & ~E_DEPRECATED')
            . ($mysqliBuiltIn ? '' : ' -d extension=mysqlnd -d extension=mysqli');
    }

    /** Runs a command in $cwd with extra environment; returns [exit status, stdout, stderr]. */
    private static function spawn(string $command, string $cwd, array $env = []): array
    {
        $proc = proc_open($command, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, $cwd, $env + getenv());
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        return [proc_close($proc), (string) $out, (string) $err];
    }

    /** The stand-in's admin CLI (tests/standin/cli.php); returns [exit status, output]. */
    protected static function admin(string $args, bool $extension = true): array
    {
        [$status, $out, $err] = self::spawn(self::php($extension) . ' cli.php ' . $args, self::$root);
        return [$status, $out . $err];
    }

    /** The plugin's state as the stand-in's CLI reports it. */
    protected static function status(): array
    {
        [, $out] = self::admin('status');
        return (array) json_decode($out, true);
    }

    /**
     * Runs PHP code in a request of the helpdesk (osTicket bootstrapped, plugin classes loaded)
     * and returns what the code returns, through JSON.
     */
    protected static function inHelpdesk(string $code, array $post = [], bool $extension = true)
    {
        $script = self::$root . '/test-request.php';
        file_put_contents($script, "<?php\n\$_SERVER['REQUEST_METHOD'] = 'POST';\n\$_POST = " . var_export($post, true)
            . ";\nrequire __DIR__ . '/main.inc.php';\n"
            . "require_once INCLUDE_DIR . 'plugins/api-endpoints/class.ApiEndpointsPlugin.php';\n"
            . "echo json_encode((function () {\n{$code}\n})());\n");
        [$status, $out, $err] = self::spawn(self::php($extension) . ' test-request.php', self::$root);
        TestCase::assertSame(0, $status, $out . $err);
        return json_decode($out, true, 512, JSON_THROW_ON_ERROR);
    }

    /** A GET of a deployed entry script through PHP's CLI; returns [HTTP status, body]. */
    protected static function request(string $endpoint, string $pathInfo, bool $extension = true): array
    {
        $prepend = self::$root . '/test-status.php';
        file_put_contents(
            $prepend,
            '<?php register_shutdown_function(function () { echo "\n#", http_response_code(); });'
        );
        [, $out, $err] = self::spawn(
            self::php($extension) . ' -d auto_prepend_file=' . escapeshellarg($prepend)
                . ' ' . escapeshellarg("{$endpoint}.php"),
            self::$root . '/api',
            ['REQUEST_METHOD' => 'GET', 'PATH_INFO' => $pathInfo, 'HTTP_X_API_KEY' => self::KEY_ALL]
        );
        $at = strrpos($out, "\n#");
        TestCase::assertNotFalse($at, $out . $err);
        return [(int) substr($out, $at + 2), substr($out, 0, $at)];
    }

    /** The columns of ost_api_key, in table order. */
    protected static function columns(): array
    {
        return array_column(self::$db->query('SHOW COLUMNS FROM ost_api_key')->fetch_all(MYSQLI_ASSOC), 'Field');
    }

    protected static function value(string $sql): ?string
    {
        $row = self::$db->query($sql)->fetch_row();
        return $row === null ? null : (string) $row[0];
    }

    /** The file names of api/tickets-*.php, sorted. */
    protected static function deployed(): array
    {
        $files = array_map('basename', glob(self::$root . '/api/tickets-*.php') ?: []);
        sort($files);
        return $files;
    }

    /** Our entry scripts' file names, sorted. */
    protected static function ours(): array
    {
        $files = array_map(fn ($e) => "{$e}.php", osticket_api_endpoints());
        sort($files);
        return $files;
    }
}
