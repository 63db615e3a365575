<?php

declare(strict_types=1);

use PHPUnit\Framework\TestCase;

final class PluginShellTest extends TestCase
{
    private const CORE_HTACCESS = "<IfModule mod_rewrite.c>\n\nRewriteEngine On\n\nRewriteCond %{REQUEST_FILENAME} !-f\n"
        . "RewriteCond %{REQUEST_FILENAME} !-d\nRewriteCond %{REQUEST_URI} (.*/api)\n\n"
        . "RewriteRule ^(.*)$ %1/http.php/$1 [L]\n\n</IfModule>\n";

    private static mysqli $db;

    public static function setUpBeforeClass(): void
    {
        self::$db = new mysqli('127.0.0.1', DBUSER, DBPASS, DBNAME, (int) substr(DBHOST, strpos(DBHOST, ':') + 1));
        file_put_contents(SHELL_TEST_ROOT . '/api/.htaccess', self::CORE_HTACCESS);
        file_put_contents(SHELL_TEST_ROOT . '/api/tickets-foo.php', "<?php // someone else's\n");
        file_put_contents(SHELL_TEST_ROOT . '/api/http.php', "<?php // osTicket's\n");
        self::$db->query("DELETE FROM ost_plugin");
        self::$db->query("INSERT INTO ost_plugin (id, name, install_path, isactive, version, installed) "
            . "VALUES (1, 'API Endpoints', 'plugins/api-endpoints', 1, '3.0.0', NOW())");
    }

    private static function plugin(): ApiEndpointsPlugin
    {
        $plugin = new ApiEndpointsPlugin();
        $plugin->ht = ['id' => 1, 'name' => 'API Endpoints', 'install_path' => 'plugins/api-endpoints', 'isactive' => 1];
        return $plugin;
    }

    private function columns(): array
    {
        $rows = self::$db->query("SHOW COLUMNS FROM ost_api_key")->fetch_all(MYSQLI_ASSOC);
        return array_column($rows, 'Field');
    }

    public function testEnableAddsThePermissionColumnsAtTheOriginalPositions(): void
    {
        $this->assertTrue(self::plugin()->enable());
        $columns = $this->columns();
        $at = array_search('can_create_tickets', $columns, true);
        $this->assertSame(
            ['can_create_tickets', 'can_update_tickets', 'can_read_tickets', 'can_search_tickets',
                'can_delete_tickets', 'can_read_stats', 'can_manage_subtickets'],
            array_slice($columns, $at, 7)
        );
    }

    /** @depends testEnableAddsThePermissionColumnsAtTheOriginalPositions */
    public function testEnablingTwiceChangesNothingAndKeepsGrants(): void
    {
        self::$db->query('UPDATE ost_api_key SET can_read_tickets = 1 WHERE id = 2');
        $before = $this->columns();
        $this->assertTrue(self::plugin()->enable());
        $this->assertSame($before, $this->columns());
        $this->assertSame('1', self::$db->query('SELECT can_read_tickets FROM ost_api_key WHERE id = 2')->fetch_row()[0]);
        $this->assertSame('1', self::$db->query('SELECT COUNT(*) FROM ost_plugin_instance')->fetch_row()[0]);
    }

    /** @depends testEnableAddsThePermissionColumnsAtTheOriginalPositions */
    public function testEnableDeploysExactlyOurEntryScriptsAndTheHtaccessBlock(): void
    {
        $deployed = array_map('basename', glob(SHELL_TEST_ROOT . '/api/tickets-*.php'));
        sort($deployed);
        $expected = array_map(fn ($e) => "{$e}.php", osticket_api_endpoints());
        $expected[] = 'tickets-foo.php';
        sort($expected);
        $this->assertSame($expected, $deployed);
        $htaccess = (string) file_get_contents(SHELL_TEST_ROOT . '/api/.htaccess');
        $this->assertSame(1, substr_count($htaccess, 'BEGIN API Endpoints plugin'));
        $this->assertStringContainsString('RewriteRule ^tickets\-get\.php', $htaccess);
    }

    public function testPermissionGridEscapesValuesAndNeverShowsAFullKey(): void
    {
        self::$db->query("UPDATE ost_api_key SET ipaddr = '<b>x</b>' WHERE id = 3");
        $html = osticket_api_permission_grid(ApiEndpointsPlugin::runtimeConfig());
        $this->assertStringNotContainsString('KEY-ALL-0123456789ABCDEF', $html);
        $this->assertStringNotContainsString('<b>x</b>', $html);
        $this->assertStringContainsString('&lt;b&gt;x&lt;/b&gt;', $html);
        $this->assertStringContainsString('name="api_key_read_permissions[2]"', $html);
        $this->assertStringContainsString('name="api_key_permissions_grid"', $html);
    }

    public function testSavingTheGridGrantsAndRevokesIncludingTheLastPermission(): void
    {
        $config = ApiEndpointsPlugin::runtimeConfig();
        osticket_api_save_permissions($config, [
            'api_key_permissions_grid' => '1',
            'api_key_stats_permissions' => ['6' => '1'],
            'api_key_read_permissions' => ['2' => '1'],
        ]);
        $row = fn (int $id) => self::$db->query("SELECT * FROM ost_api_key WHERE id = {$id}")->fetch_assoc();
        $this->assertSame('1', $row(6)['can_read_stats']);
        $this->assertSame('1', $row(2)['can_read_tickets']);
        $this->assertSame('0', $row(1)['can_read_tickets']);
        // Untick everything: every permission is revoked.
        osticket_api_save_permissions($config, ['api_key_permissions_grid' => '1']);
        $total = self::$db->query('SELECT SUM(can_create_tickets + can_update_tickets + can_read_tickets + '
            . 'can_search_tickets + can_delete_tickets + can_read_stats + can_manage_subtickets) FROM ost_api_key')
            ->fetch_row()[0];
        $this->assertSame('0', $total);
    }

    public function testAPostWithoutTheGridChangesNoPermission(): void
    {
        self::$db->query('UPDATE ost_api_key SET can_read_tickets = 1 WHERE id = 2');
        $this->assertSame(0, osticket_api_save_permissions(ApiEndpointsPlugin::runtimeConfig(), ['enabled' => '1']));
        $this->assertSame('1', self::$db->query('SELECT can_read_tickets FROM ost_api_key WHERE id = 2')->fetch_row()[0]);
    }

    public function testHtaccessRoundTripIsByteIdentical(): void
    {
        $with = osticket_api_htaccess(self::CORE_HTACCESS, true);
        $this->assertNotSame(self::CORE_HTACCESS, $with);
        $this->assertSame($with, osticket_api_htaccess($with, true));
        $this->assertSame(self::CORE_HTACCESS, osticket_api_htaccess($with, false));
    }

    public function testEnableRefusesWithoutTheExtension(): void
    {
        $script = sprintf(
            'define("INCLUDE_DIR", %s); define("TABLE_PREFIX", "ost_"); require INCLUDE_DIR . "class.plugin.php"; '
            . 'require INCLUDE_DIR . "plugins/api-endpoints/class.ApiEndpointsPlugin.php"; '
            . 'echo json_encode((new ApiEndpointsPlugin())->enable());',
            var_export(INCLUDE_DIR, true)
        );
        $out = shell_exec('php -n -r ' . escapeshellarg($script) . ' 2>&1');
        $result = json_decode((string) $out, true);
        $this->assertIsArray($result, (string) $out);
        $this->assertStringContainsString('osticket_api PHP extension is not loaded', $result['err']);
    }

    /** @depends testEnableDeploysExactlyOurEntryScriptsAndTheHtaccessBlock */
    public function testUninstallThroughTheRegistryRemovesOnlyOurFiles(): void
    {
        self::plugin()->init();
        $model = new Plugin();
        $model->ht = ['id' => 1, 'install_path' => 'plugins/api-endpoints'];
        $errors = [];
        $this->assertTrue($model->uninstall($errors));
        $this->assertSame(['tickets-foo.php'], array_map('basename', glob(SHELL_TEST_ROOT . '/api/tickets-*.php')));
        $this->assertFileExists(SHELL_TEST_ROOT . '/api/http.php');
        $this->assertSame(self::CORE_HTACCESS, file_get_contents(SHELL_TEST_ROOT . '/api/.htaccess'));
        $this->assertContains('can_read_tickets', $this->columns());
    }
}
