<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Php;

/** Entry scripts and the .htaccess block: deployed on install, redeployed on upgrade, removed on uninstall. */
final class DeploymentTest extends HelpdeskTestCase
{
    private const FOREIGN = "<?php // someone else's endpoint\n";
    private const ORIGINAL_BLOCK = "# ============================================\n"
        . "# API Endpoints Plugin - Apache Rewrite Rules\n"
        . "# ============================================\n"
        . "RewriteRule ^tickets-delete\\.php/ - [L]\n"
        . "RewriteRule ^tickets-get\\.php/ - [L]\n"
        . "RewriteRule ^tickets-subtickets-unlink\\.php/ - [L]\n";

    public static function setUpBeforeClass(): void
    {
        parent::setUpBeforeClass();
        file_put_contents(self::$root . '/api/tickets-foo.php', self::FOREIGN);
    }

    private static function htaccess(): string
    {
        return (string) file_get_contents(self::$root . '/api/.htaccess');
    }

    public function testInstallDeploysExactlyOurEntryScriptsAndLeavesForeignFilesAlone(): void
    {
        [$status, $out] = self::admin('install');
        $this->assertSame(0, $status, $out);
        $expected = array_merge(['tickets-foo.php'], self::ours());
        sort($expected);
        $this->assertSame($expected, self::deployed());
        foreach (self::ours() as $file) {
            $this->assertFileEquals(
                self::$root . "/include/plugins/api-endpoints/api/{$file}",
                self::$root . "/api/{$file}"
            );
        }
        $this->assertSame(self::FOREIGN, file_get_contents(self::$root . '/api/tickets-foo.php'));
        $this->assertFileExists(self::$root . '/api/http.php');
    }

    /** @depends testInstallDeploysExactlyOurEntryScriptsAndLeavesForeignFilesAlone */
    public function testInstallInsertsOneHtaccessBlockThatLeavesTheRestUntouched(): void
    {
        $htaccess = self::htaccess();
        $this->assertSame(1, substr_count($htaccess, 'BEGIN API Endpoints plugin'));
        foreach (osticket_api_endpoints() as $endpoint) {
            $this->assertStringContainsString(
                'RewriteRule ^' . str_replace('-', '\\-', $endpoint) . '\\.php',
                $htaccess
            );
        }
        $this->assertLessThan(strrpos($htaccess, '</IfModule>'), strpos($htaccess, 'BEGIN API Endpoints plugin'));
        // Before osTicket's catch-all rewrite to http.php, or that rule takes every suffix form.
        $this->assertLessThan(
            strpos($htaccess, 'RewriteCond %{REQUEST_FILENAME} !-f'),
            strpos($htaccess, 'END API Endpoints plugin')
        );
        $this->assertSame(self::CORE_HTACCESS, osticket_api_htaccess($htaccess, false));
        $this->assertSame([], self::inHelpdesk('return ApiEndpointsPlugin::outdated();'));
    }

    /** @depends testInstallInsertsOneHtaccessBlockThatLeavesTheRestUntouched */
    public function testTheConfigPageShowsTheApacheBlockAndSaysWhenItMustBePastedByHand(): void
    {
        $file = self::$root . '/api/.htaccess';
        $escaped = htmlspecialchars(osticket_api_htaccess_block(), ENT_QUOTES, 'UTF-8');
        $kept = self::inHelpdesk('return ApiEndpointsConfig::apache();');
        $this->assertStringContainsString('keeps this block', $kept);
        $this->assertStringContainsString('SetEnv proxy-sendcl 1', $kept);
        $this->assertStringContainsString(
            htmlspecialchars('RewriteRule ^tickets\\-get\\.php(/.*)?$ - [L]', ENT_QUOTES, 'UTF-8'),
            $kept
        );
        $saved = (string) file_get_contents($file);
        unlink($file);
        try {
            $paste = self::inHelpdesk('return ApiEndpointsConfig::apache();');
        } finally {
            file_put_contents($file, $saved);
        }
        $this->assertStringContainsString('does not exist', $paste);
        $this->assertStringContainsString('paste this block', $paste);
        $this->assertStringContainsString('<pre>' . $escaped . '</pre>', $paste);
        $this->assertStringNotContainsString('keeps this block', $paste);
    }

    /** @depends testInstallInsertsOneHtaccessBlockThatLeavesTheRestUntouched */
    public function testTheFirstRequestAfterAnInPlaceUpgradeFromTheOriginalRedeploysWhatItLeftBehind(): void
    {
        $original = "<?php require_once '../main.inc.php'; // 2.3.4\n";
        file_put_contents(self::$root . '/api/tickets-get.php', $original);
        unlink(self::$root . '/api/tickets-statuses.php');
        // 2.3.4 inserted its block as "\n" + block + "\n" before osTicket's </IfModule>.
        file_put_contents(self::$root . '/api/.htaccess', str_replace(
            "</IfModule>",
            "\n" . self::ORIGINAL_BLOCK . "\n</IfModule>",
            self::CORE_HTACCESS
        ));
        // Without the extension nothing is redeployed, and the page would say what is outdated.
        self::inHelpdesk('return null;', [], false);
        $this->assertSame($original, file_get_contents(self::$root . '/api/tickets-get.php'));
        // The next request (any page: osTicket bootstraps the plugin) redeploys.
        $this->assertSame([], self::inHelpdesk('return ApiEndpointsPlugin::outdated();'));
        $this->assertSame(self::ours(), array_values(array_intersect(self::deployed(), self::ours())));
        $this->assertSame([], glob(self::$root . '/api/.*.tmp') ?: [], 'no temporary file left');
        $this->assertStringNotContainsString('API Endpoints Plugin - Apache Rewrite Rules', self::htaccess());
        $this->assertSame(self::CORE_HTACCESS, osticket_api_htaccess(self::htaccess(), false));
    }

    /** @depends testTheFirstRequestAfterAnInPlaceUpgradeFromTheOriginalRedeploysWhatItLeftBehind */
    public function testAnOldEntryScriptStillRunningIsAnsweredThroughTheCompatibilityBootstrap(): void
    {
        self::loadSql('grants');
        // What 2.3.4's entry scripts do: osTicket's main.inc.php, then lib/ApiBootstrap.php.
        file_put_contents(
            self::$root . '/api/tickets-statuses.php',
            "<?php\ndeclare(strict_types=1);\nrequire_once '../main.inc.php';\n"
                . "require_once INCLUDE_DIR . 'plugins/api-endpoints/lib/ApiBootstrap.php';\n"
                . "\$bootstrap = ApiBootstrap::initialize();\n"
        );
        [$code, $body] = self::request('tickets-statuses', '');
        $this->assertSame(200, $code, $body);
        $this->assertIsArray(json_decode($body, true), $body);
        [$code, $body] = self::request('tickets-statuses', '', false);
        $this->assertSame(503, $code, $body);
        $this->assertSame('extension_missing', json_decode($body, true)['code'] ?? null, $body);
        self::inHelpdesk('return null;');
    }

    /** @depends testAnOldEntryScriptStillRunningIsAnsweredThroughTheCompatibilityBootstrap */
    public function testUninstallRemovesOnlyOurScriptsAndBlockAndKeepsThePermissionColumns(): void
    {
        [$status, $out] = self::admin('uninstall');
        $this->assertSame(0, $status, $out);
        $this->assertSame(['tickets-foo.php'], self::deployed());
        $this->assertSame(self::FOREIGN, file_get_contents(self::$root . '/api/tickets-foo.php'));
        $this->assertSame(self::CORE_HTACCESS, self::htaccess());
        $this->assertFileExists(self::$root . '/api/http.php');
        $this->assertFileExists(self::$root . '/api/api.inc.php');
        $this->assertContains('can_manage_subtickets', self::columns());
        $this->assertSame('0', self::value('SELECT COUNT(*) FROM ost_plugin'));
        $this->assertSame('0', self::value("SELECT COUNT(*) FROM ost_config WHERE namespace LIKE 'plugin.%'"));
    }

    /** @depends testUninstallRemovesOnlyOurScriptsAndBlockAndKeepsThePermissionColumns */
    public function testAPluginInstalledUnderAnotherDirectoryNameDeploysScriptsThatLoadIt(): void
    {
        self::package('api-endpoints-native');
        [$status, $out] = self::admin('install api-endpoints-native');
        $this->assertSame(0, $status, $out);
        self::loadSql('grants');
        $script = (string) file_get_contents(self::$root . '/api/tickets-statuses.php');
        $this->assertStringContainsString("plugins/api-endpoints-native/endpoint.php", $script);
        $this->assertStringNotContainsString("plugins/api-endpoints/", $script);
        [$code, $body] = self::request('tickets-statuses', '.json');
        $this->assertSame(200, $code, $body);
        [$status, $out] = self::admin('uninstall api-endpoints-native');
        $this->assertSame(0, $status, $out);
        $this->assertSame(['tickets-foo.php'], self::deployed());
    }

    public function testHtaccessInsertAndRemoveAreIdempotentAndKeepEveryOtherByte(): void
    {
        $custom = str_replace(
            "RewriteEngine On\n",
            "RewriteEngine On\n# local rule\nRewriteRule ^x$ y [L]\n",
            self::CORE_HTACCESS
        ) . "# trailing comment, no newline";
        foreach ([self::CORE_HTACCESS, $custom, ''] as $existing) {
            $with = osticket_api_htaccess($existing, true);
            $this->assertSame(1, substr_count($with, 'BEGIN API Endpoints plugin'));
            $this->assertSame($with, osticket_api_htaccess($with, true));
            $this->assertSame($existing, osticket_api_htaccess($with, false));
            $this->assertSame($existing, osticket_api_htaccess($existing, false));
        }
    }
}
