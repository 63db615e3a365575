<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Php;

/** The configuration page: endpoint list, API-key permission grid and its saving (CONTRACT §2.4, B15). */
final class PermissionGridTest extends HelpdeskTestCase
{
    private const PERMISSIONS = ['create', 'update', 'read', 'search', 'delete', 'stats', 'subticket'];
    private const COLUMNS = ['can_create_tickets', 'can_update_tickets', 'can_read_tickets', 'can_search_tickets',
        'can_delete_tickets', 'can_read_stats', 'can_manage_subtickets'];

    public static function setUpBeforeClass(): void
    {
        parent::setUpBeforeClass();
        [$status, $out] = self::admin('install');
        self::assertSame(0, $status, $out);
        self::loadSql('grants');
    }

    /** Every key's permission columns: id => [column => 0|1]. */
    private static function grants(): array
    {
        $rows = self::$db->query('SELECT id, ' . implode(', ', self::COLUMNS) . ' FROM ost_api_key ORDER BY id')
            ->fetch_all(MYSQLI_ASSOC);
        return array_map(
            fn ($r) => array_map('intval', array_diff_key($r, ['id' => 0])),
            array_column($rows, null, 'id')
        );
    }

    public function testTheGridEscapesEveryValueAndNeverContainsAFullKey(): void
    {
        self::$db->query("UPDATE ost_api_key SET ipaddr = '<b onclick=\"x\">&\\'</b>' WHERE id = 3");
        $html = osticket_api_permission_grid(self::config());
        foreach (self::$db->query('SELECT apikey FROM ost_api_key')->fetch_all() as [$key]) {
            $this->assertStringNotContainsString($key, $html);
            $this->assertStringContainsString(substr($key, 0, 8) . '…' . substr($key, -4), $html);
        }
        $this->assertStringNotContainsString('<b', $html);
        $this->assertStringContainsString('&lt;b onclick=&quot;x&quot;&gt;&amp;&#39;&lt;/b&gt;', $html);
    }

    public function testTheGridHasACheckboxPerKeyAndPermissionAndTheHiddenMarker(): void
    {
        $html = osticket_api_permission_grid(self::config());
        $keys = (int) self::value('SELECT COUNT(*) FROM ost_api_key');
        $this->assertSame($keys * 7, substr_count($html, 'type="checkbox"'));
        foreach (self::PERMISSIONS as $permission) {
            $this->assertStringContainsString("name=\"api_key_{$permission}_permissions[7]\"", $html);
        }
        $this->assertStringContainsString('name="api_key_read_permissions[2]" value="1" checked', $html);
        $this->assertStringContainsString('name="api_key_update_permissions[2]" value="1">', $html);
        $this->assertStringContainsString('<input type="hidden" name="api_key_permissions_grid" value="1">', $html);
    }

    /** The fixture's grants and nothing else. */
    private static function fresh(): void
    {
        self::$db->query('UPDATE ost_api_key SET ' . implode(', ', array_map(fn ($c) => "{$c} = 0", self::COLUMNS)));
        self::loadSql('grants');
    }

    /**
     * What the page posts when the admin sets the cells of $changes ("<id>:<column>" => 0|1) on a
     * page loaded with $loaded (id => [column => 0|1]; default: as stored now).
     */
    private static function post(array $changes, ?array $loaded = null): array
    {
        $loaded ??= self::grants();
        $post = ['api_key_permissions_grid' => '1', 'api_key_permissions_loaded' => []];
        foreach ($loaded as $id => $columns) {
            $cells = array_map(fn ($c) => (string) $columns[$c], self::COLUMNS);
            $post['api_key_permissions_loaded'][$id] = implode('', $cells);
            foreach (self::COLUMNS as $i => $column) {
                if ($changes["{$id}:{$column}"] ?? $columns[$column]) {
                    $post['api_key_' . self::PERMISSIONS[$i] . '_permissions'][$id] = '1';
                }
            }
        }
        return $post;
    }

    public function testTheGridCarriesTheValuesItWasLoadedWith(): void
    {
        self::fresh();
        $html = osticket_api_permission_grid(self::config());
        $this->assertStringContainsString('name="api_key_permissions_loaded[2]" value="0010000"', $html);
        $this->assertStringContainsString('name="api_key_permissions_loaded[6]" value="0000010"', $html);
        $this->assertSame(
            (int) self::value('SELECT COUNT(*) FROM ost_api_key'),
            substr_count($html, 'name="api_key_permissions_loaded[')
        );
    }

    public function testSavingChangesOnlyTheCellsTheAdminChangedIncludingTheLastPermission(): void
    {
        self::fresh();
        $before = self::grants();
        $saved = osticket_api_save_permissions(self::config(), self::post([
            '2:can_read_tickets' => 0,
            '6:can_read_stats' => 0,
            '3:can_search_tickets' => 1,
        ]));
        $this->assertSame(['errors' => [], 'notices' => [], 'changed' => 3], $saved);
        $expected = $before;
        $expected[2]['can_read_tickets'] = 0;
        $expected[6]['can_read_stats'] = 0;
        $expected[3]['can_search_tickets'] = 1;
        $this->assertSame($expected, self::grants());
        // An unchanged page changes nothing.
        $this->assertSame(
            ['errors' => [], 'notices' => [], 'changed' => 0],
            osticket_api_save_permissions(self::config(), self::post([]))
        );
        $this->assertSame($expected, self::grants());
    }

    public function testChangesMadeElsewhereSinceThePageWasLoadedAreKeptAndACellChangedOnBothSidesIsReported(): void
    {
        self::fresh();
        $page = self::grants();
        // Elsewhere: another admin grants key 3 search and revokes key 4's delete; a new key is added
        // with core's create permission.
        self::$db->query('UPDATE ost_api_key SET can_search_tickets = 1 WHERE id = 3');
        self::$db->query('UPDATE ost_api_key SET can_delete_tickets = 0 WHERE id = 4');
        self::$db->query("INSERT INTO ost_api_key (isactive, ipaddr, apikey, can_create_tickets, created, updated)
            VALUES (1, '10.7.7.7', 'NEW-KEY-ÄÖÜ-0123456789', 1, NOW(), NOW())");
        $new = (int) self::$db->insert_id;
        // This page (loaded before): grants key 3 search too, grants key 2 stats.
        $saved = osticket_api_save_permissions(
            self::config(),
            self::post(['3:can_search_tickets' => 1, '2:can_read_stats' => 1], $page)
        );
        $this->assertSame([], $saved['errors']);
        $this->assertSame(1, $saved['changed']);
        $this->assertSame(
            ['API key 3, Search: also changed elsewhere since this page was loaded (now granted); left as it is'],
            $saved['notices']
        );
        $now = self::grants();
        $this->assertSame(1, $now[2]['can_read_stats']);
        $this->assertSame(0, $now[4]['can_delete_tickets'], 'the other admin\'s revocation stays');
        $this->assertSame(1, $now[$new]['can_create_tickets'], 'the new key keeps core\'s permission');
        self::$db->query("DELETE FROM ost_api_key WHERE id = {$new}");
    }

    public function testChangesToAKeyDeletedMeanwhileAreReportedAndDropped(): void
    {
        self::fresh();
        $page = self::grants();
        $page[99] = array_fill_keys(self::COLUMNS, 0);
        $saved = osticket_api_save_permissions(self::config(), self::post(['99:can_read_tickets' => 1], $page));
        $this->assertSame([], $saved['errors']);
        $this->assertSame(
            ['API key 99 was deleted since this page was loaded: its changes were dropped'],
            $saved['notices']
        );
    }

    public function testBoxesOfKeysThatWereNotOnThePageAreRefusedAndNothingIsWritten(): void
    {
        self::fresh();
        $before = self::grants();
        $post = self::post(['2:can_read_tickets' => 0]);
        $post['api_key_read_permissions']['999'] = '1';
        $saved = osticket_api_save_permissions(self::config(), $post);
        $this->assertSame(['API key 999 was not on the page that was saved: reload the page'], $saved['errors']);
        $this->assertSame($before, self::grants());
        $saved = osticket_api_save_permissions(self::config(), ['api_key_permissions_grid' => '1']);
        $this->assertStringContainsString('without the values it was loaded with', $saved['errors'][0]);
        $this->assertSame($before, self::grants());
    }

    public function testMalformedFieldsAreReportedWithoutEchoingWhatWasPosted(): void
    {
        $before = self::grants();
        $post = self::post([]);
        $post['api_key_read_permissions'] = ['<script>' => '1'];
        $post['api_key_stats_permissions'] = 'everything';
        $post['api_key_permissions_loaded']['<b>'] = '1111111';
        $post['api_key_permissions_loaded'][2] = 'ÿ<i>';
        $saved = osticket_api_save_permissions(self::config(), $post);
        $this->assertSame([
            'api_key_permissions_loaded holds something that is not an API key\'s permissions',
            'api_key_read_permissions holds something that is not an API key id',
            'api_key_stats_permissions must be a list of API key ids',
        ], $saved['errors']);
        $this->assertSame($before, self::grants());
    }

    public function testAPostWithoutTheGridChangesNoPermission(): void
    {
        $before = self::grants();
        $this->assertSame(
            ['errors' => [], 'notices' => [], 'changed' => 0],
            osticket_api_save_permissions(self::config(), ['enabled' => '1'])
        );
        $this->assertSame($before, self::grants());
    }

    public function testTheConfigPageShowsTheSettingsEndpointsGridAndNginxSnippet(): void
    {
        $page = self::inHelpdesk('$config = new ApiEndpointsConfig(null); return ['
            . 'array_keys($config->getOptions()),'
            . 'array_map(fn ($f) => $f->getConfiguration()["content"] ?? null, $config->getFields())];');
        [$stored, $fields] = $page;
        $this->assertSame(['enabled', 'max_download_mb', 'actor'], $stored);
        $this->assertSame(
            ['about', 'enabled', 'max_download_mb', 'actor', 'actor_warning', 'section_endpoints',
            'endpoints_info', 'section_permissions', 'api_key_permissions_table', 'section_apache', 'apache_block',
            'section_nginx', 'nginx_snippet', 'section_search', 'search_index'],
            array_keys($fields)
        );
        $this->assertMatchesRegularExpression(
            '~API Endpoints plugin (\d+\.\d+\.\d+) · osticket_api extension \1 '
                . '\(build: (debug|release), [^;]+; PHP API \d{8}\)~',
            $fields['about']
        );
        $this->assertStringNotContainsString('version-mismatch', $fields['about']);
        $this->assertSame('', $fields['actor_warning']);
        $this->assertStringContainsString('SetEnv proxy-sendcl 1', $fields['apache_block']);
        $this->assertStringContainsString('/api/wildcard/tickets.json', $fields['endpoints_info']);
        // The search index panel (none built for the stand-in: "missing"), its buttons and script.
        $this->assertMatchesRegularExpression(
            '~<div id="api-endpoints-search" data-step-url="/scp/ajax.php/api-endpoints/search-index" '
                . 'data-phase="(missing|ready|disabled)"~',
            $fields['search_index']
        );
        $this->assertMatchesRegularExpression(
            '~<td id="api-endpoints-search-state">(Not built|Ready|Disabled)[^<]*</td>~',
            $fields['search_index']
        );
        $this->assertStringContainsString('id="api-endpoints-search-rebuild"', $fields['search_index']);
        $this->assertStringContainsString('id="api-endpoints-search-fresh"', $fields['search_index']);
        $this->assertStringContainsString("getElementById('api-endpoints-search')", $fields['search_index']);
        $this->assertStringContainsString('<code>/api/tickets-get.php/{number}.json</code>', $fields['endpoints_info']);
        $this->assertStringContainsString('up to date', $fields['endpoints_info']);
        $this->assertStringContainsString('name="api_key_permissions_grid"', $fields['api_key_permissions_table']);
        $this->assertStringContainsString('location ~ ^/api/tickets-(get|', $fields['nginx_snippet']);
        $this->assertStringContainsString('fastcgi_param PATH_INFO $path_info;', $fields['nginx_snippet']);
    }

    public function testSavingTheConfigPageWritesTheGridAndStopsOnAnUnknownKey(): void
    {
        self::fresh();
        $save = '$config = PluginManager::allInstalled()[0]->getInstances()[0]->getConfig(); $errors = [];'
            . ' return [$config->store(null, $errors), $errors];';
        $settings = ['enabled' => '1', 'max_download_mb' => '64', 'actor' => ''];
        $this->assertSame([true, []], self::inHelpdesk($save, $settings + self::post(['3:can_search_tickets' => 1])));
        $this->assertSame(1, self::grants()[3]['can_search_tickets']);

        $post = $settings + self::post(['3:can_search_tickets' => 0]);
        $post['api_key_search_permissions']['77'] = '1';
        [$saved, $errors] = self::inHelpdesk($save, $post);
        $this->assertFalse($saved);
        $this->assertStringStartsWith('API key 77 was not on the page', $errors['err']);
        $this->assertSame(1, self::grants()[3]['can_search_tickets']);
    }

    public function testInvalidSettingsAreRefusedWithAClearMessageAndNothingIsSaved(): void
    {
        self::fresh();
        $save = '$config = PluginManager::allInstalled()[0]->getInstances()[0]->getConfig(); $errors = [];'
            . ' $saved = $config->store(null, $errors);'
            . ' $fresh = new ApiEndpointsConfig($config->getInstance()->getNamespace());'
            . ' return [$saved, $errors, $fresh->get("max_download_mb"), $fresh->get("actor")];';
        $grid = self::post(['2:can_delete_tickets' => 1]);
        $refused = ['0' => 'at least 1', '-5' => 'whole number', '1.5' => 'whole number', '65537' => 'at most 65536'];
        foreach ($refused as $bad => $why) {
            $settings = ['enabled' => '1', 'max_download_mb' => (string) $bad, 'actor' => ''];
            [$saved, $errors, $cap] = self::inHelpdesk($save, $settings + $grid);
            $this->assertFalse($saved, (string) $bad);
            $this->assertStringContainsString('Largest attachment download (MB) must', $errors['err']);
            $this->assertStringContainsString($why, $errors['err'], (string) $bad);
            $this->assertNotSame((string) $bad, (string) $cap);
        }
        $settings = ['enabled' => '1', 'max_download_mb' => '64', 'actor' => 'alcie'];
        [$saved, $errors] = self::inHelpdesk($save, $settings + $grid);
        $this->assertFalse($saved);
        $this->assertStringContainsString('Act as agent: &quot;alcie&quot; is not an active agent', $errors['err']);
        $this->assertSame(0, self::grants()[2]['can_delete_tickets'], 'a refused save writes no cell');

        [$saved, $errors, $cap, $actor] = self::inHelpdesk(
            $save,
            ['enabled' => '1', 'max_download_mb' => '128', 'actor' => 'ada'] + $grid
        );
        $this->assertSame([true, [], '128', 'ada'], [$saved, $errors, $cap, $actor]);
        $this->assertSame(1, self::grants()[2]['can_delete_tickets']);
    }

    public function testAnAgentWhoLeftIsWarnedAboutAndOfferedOnlyActiveAgents(): void
    {
        $choice = osticket_api_actor_choice(self::config(), 'ada@example.com');
        $this->assertSame([['ada', 'Ada Lovelace (ada)']], $choice['agents']);
        $this->assertSame(['ada', ''], [$choice['selected'], $choice['warning']]);
        self::$db->query('UPDATE ost_staff SET isactive = 0 WHERE staff_id = 1');
        try {
            $choice = osticket_api_actor_choice(self::config(), 'ada');
            $this->assertSame([], $choice['agents']);
            $this->assertSame('', $choice['selected']);
            $this->assertStringContainsString('(ada) has left or was deactivated', $choice['warning']);
            $this->assertStringContainsString('system poster "API"', $choice['warning']);
            $this->assertSame(
                ['actor' => 'Act as agent: "ada" is not an active agent;'
                    . ' choose one from the list or the system poster'],
                osticket_api_check_settings(self::config(), ['max_download_mb' => '64', 'actor' => 'ada'])
            );
        } finally {
            self::$db->query('UPDATE ost_staff SET isactive = 1 WHERE staff_id = 1');
        }
    }

    public function testThePageWarnsWhenThePluginAndTheExtensionAreDifferentVersions(): void
    {
        $manifest = self::$root . '/include/plugins/api-endpoints/plugin.php';
        $original = (string) file_get_contents($manifest);
        file_put_contents($manifest, preg_replace("/'version' => '[^']+'/", "'version' => '9.8.7'", $original));
        try {
            $about = self::inHelpdesk('return ApiEndpointsConfig::about();');
        } finally {
            file_put_contents($manifest, $original);
        }
        $this->assertStringContainsString('id="api-endpoints-version-mismatch"', $about);
        $this->assertStringContainsString(
            'The plugin is version 9.8.7 but the loaded osticket_api extension is version '
                . osticket_api_build()['version'],
            $about
        );
        $again = self::inHelpdesk('return ApiEndpointsConfig::about();');
        $this->assertStringNotContainsString('version-mismatch', $again);
    }

    public function testWithoutTheExtensionTheConfigPageSaysWhatIsMissing(): void
    {
        $fields = self::inHelpdesk(
            'return array_map(fn ($f) => $f->get("configuration")["content"] ?? null,'
                . ' (new ApiEndpointsConfig(null))->getFields());',
            [],
            false
        );
        $this->assertSame(['about', 'enabled', 'max_download_mb', 'actor', 'extension_missing'], array_keys($fields));
        $this->assertStringContainsString('the osticket_api extension is missing', $fields['about']);
        $this->assertStringContainsString('osticket_api PHP extension is not loaded', $fields['extension_missing']);
    }
}
