<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Php;

/**
 * The plugin's lifecycle as osTicket 1.18's admin panel drives it, and what the endpoints answer
 * in each state (CONTRACT §11 S2: nothing answers while the plugin is off or gone).
 */
final class LifecycleTest extends HelpdeskTestCase
{
    /** A GET of tickets-statuses.php.json: [status, decoded body]. */
    private static function statuses(bool $extension = true): array
    {
        [$code, $body] = self::request('tickets-statuses', '.json', $extension);
        return [$code, json_decode($body, true)];
    }

    private static function assertDisabledAnswer(array $answer): void
    {
        [$code, $body] = $answer;
        self::assertSame(404, $code);
        self::assertIsArray($body);
        self::assertTrue($body['error']);
    }

    public function testEnableRefusesWithoutTheExtensionAndLeavesThePluginOffWithTheReason(): void
    {
        [$status, $out] = self::admin('install', false);
        $this->assertSame(1, $status, $out);
        $result = json_decode($out, true);
        $this->assertStringContainsString('osticket_api PHP extension is not loaded', $result['enable']['err']);
        $state = self::status();
        $this->assertFalse($state['active']);
        $this->assertStringContainsString('extension=osticket_api', $state['notes']);
        $this->assertSame(0, $state['instances']);
        $this->assertSame([], self::deployed());
        $this->assertNotContains('can_read_tickets', self::columns());
        [$status, $out] = self::admin('uninstall');
        $this->assertSame(0, $status, $out);
    }

    /** @depends testEnableRefusesWithoutTheExtensionAndLeavesThePluginOffWithTheReason */
    public function testInstallingFromTheAdminPanelCreatesAnEnabledInstanceThatServes(): void
    {
        [$status, $out] = self::admin('install');
        $this->assertSame(0, $status, $out);
        self::loadSql('grants');
        $state = self::status();
        $this->assertSame(1, $state['instances']);
        $this->assertTrue($state['instance_enabled']);
        $this->assertSame(['enabled' => true, 'max_download_mb' => '64', 'actor' => ''], $state['settings']);
        $this->assertTrue($state['serving']);
        [$code, $body] = self::statuses();
        $this->assertSame(200, $code, json_encode($body));
        $this->assertArrayNotHasKey('error', $body);
    }

    /** @depends testInstallingFromTheAdminPanelCreatesAnEnabledInstanceThatServes */
    public function testDisablingThePluginInTheListMakesTheEndpointsAnswerJson404(): void
    {
        self::admin('disable');
        $this->assertFalse(self::status()['serving']);
        self::assertDisabledAnswer(self::statuses());
        self::admin('enable');
        $this->assertSame(200, self::statuses()[0]);
    }

    /** @depends testInstallingFromTheAdminPanelCreatesAnEnabledInstanceThatServes */
    public function testDisablingTheInstanceMakesTheEndpointsAnswerJson404(): void
    {
        self::admin('disable-instance');
        self::assertDisabledAnswer(self::statuses());
        self::admin('enable-instance');
        $this->assertSame(200, self::statuses()[0]);
    }

    /** @depends testInstallingFromTheAdminPanelCreatesAnEnabledInstanceThatServes */
    public function testSwitchingTheEnabledSettingOffMakesTheEndpointsAnswerJson404(): void
    {
        [$status, $out] = self::admin('set enabled 0');
        $this->assertSame(0, $status, $out);
        $this->assertFalse(self::status()['settings']['enabled']);
        self::assertDisabledAnswer(self::statuses());
        self::admin('set enabled 1');
        $this->assertSame(200, self::statuses()[0]);
    }

    /** @depends testInstallingFromTheAdminPanelCreatesAnEnabledInstanceThatServes */
    public function testTheDownloadCapSettingReachesTheExtensionInBytes(): void
    {
        self::admin('set max_download_mb 3');
        $this->assertSame(
            3 * 1048576,
            self::inHelpdesk('return ApiEndpointsPlugin::runtimeConfig()["max_download_bytes"];')
        );
        self::admin('set max_download_mb 64');
    }

    /** @depends testInstallingFromTheAdminPanelCreatesAnEnabledInstanceThatServes */
    public function testAnEndpointWithoutTheExtensionAnswersJson503(): void
    {
        [$code, $body] = self::statuses(false);
        $this->assertSame(503, $code);
        $this->assertSame('extension_missing', $body['code']);
        $this->assertTrue($body['error']);
        // One line naming the bundle's file for this PHP and how to install it.
        $this->assertStringNotContainsString("\n", $body['message']);
        $this->assertStringContainsString('extensions/osticket_api-php' . self::phpMinor() . '.so', $body['message']);
        $this->assertStringContainsString('install-extension.sh', $body['message']);
    }

    /** @depends testInstallingFromTheAdminPanelCreatesAnEnabledInstanceThatServes */
    public function testAnExtensionOfAnotherVersionThanThePluginAnswersJson503AndThePageSaysSo(): void
    {
        $manifest = self::$root . '/include/plugins/api-endpoints/plugin.php';
        $original = (string) file_get_contents($manifest);
        $other = str_replace("'version' => '", "'version' => '9.8.7-other-", $original);
        $this->assertNotSame($original, $other);
        file_put_contents($manifest, $other);
        try {
            [$code, $body] = self::statuses();
            $page = self::inHelpdesk(
                'return array_map(fn ($f) => $f->get("configuration")["content"] ?? null,'
                    . ' (new ApiEndpointsConfig(null))->getFields());'
            );
        } finally {
            file_put_contents($manifest, $original);
        }
        $this->assertSame(503, $code, json_encode($body));
        $this->assertSame('extension_mismatch', $body['code']);
        $this->assertStringContainsString('is loaded, but the plugin is 9.8.7-other-', $body['message']);
        $this->assertStringContainsString('extensions/osticket_api-php' . self::phpMinor() . '.so', $body['message']);
        $this->assertStringContainsString('but the plugin is 9.8.7-other-', $page['extension_missing']);
        $this->assertArrayNotHasKey('api_key_permissions_table', $page);
        // Back to the matching version: it serves again.
        $this->assertSame(200, self::statuses()[0]);
    }

    private static function phpMinor(): string
    {
        return PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION;
    }

    /** @depends testInstallingFromTheAdminPanelCreatesAnEnabledInstanceThatServes */
    public function testAnEntryScriptWhosePluginDirectoryIsGoneAnswersJson404(): void
    {
        $dir = self::$root . '/include/plugins/api-endpoints';
        rename($dir, $dir . '.moved');
        try {
            [$code, $body] = self::request('tickets-get', '/100001.json');
        } finally {
            rename($dir . '.moved', $dir);
        }
        $this->assertSame(404, $code);
        $this->assertSame(
            ['error' => true, 'message' => 'API Endpoints plugin is not installed', 'code' => 'endpoint_disabled'],
            json_decode($body, true)
        );
    }

    /** @depends testInstallingFromTheAdminPanelCreatesAnEnabledInstanceThatServes */
    public function testUninstallingFromTheAdminPanelRemovesTheEndpoints(): void
    {
        [$status, $out] = self::admin('uninstall');
        $this->assertSame(0, $status, $out);
        $this->assertSame([], self::deployed());
        $this->assertSame('0', self::value('SELECT COUNT(*) FROM ost_plugin_instance'));
    }
}
