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

    public function testSavingGrantsWhatIsTickedAndRevokesEverythingElseIncludingTheLastPermission(): void
    {
        $errors = osticket_api_save_permissions(self::config(), [
            'api_key_permissions_grid' => '1',
            'api_key_stats_permissions' => ['6' => '1'],
            'api_key_read_permissions' => ['2' => '1'],
            'api_key_create_permissions' => ['1' => '1'],
        ]);
        $this->assertSame([], $errors);
        $granted = [];
        foreach (self::grants() as $id => $columns) {
            foreach (array_keys(array_filter($columns)) as $column) {
                $granted[] = "{$id}:{$column}";
            }
        }
        $this->assertSame(['1:can_create_tickets', '2:can_read_tickets', '6:can_read_stats'], $granted);

        $this->assertSame([], osticket_api_save_permissions(self::config(), ['api_key_permissions_grid' => '1']));
        $this->assertSame('0', self::value('SELECT SUM(' . implode(' + ', self::COLUMNS) . ') FROM ost_api_key'));
    }

    public function testUnknownKeyIdsAreReportedAndNothingIsWritten(): void
    {
        self::loadSql('grants');
        $before = self::grants();
        $errors = osticket_api_save_permissions(self::config(), [
            'api_key_permissions_grid' => '1',
            'api_key_read_permissions' => ['2' => '1', '999' => '1'],
        ]);
        $this->assertCount(1, $errors);
        $this->assertStringStartsWith('API key 999 does not exist', $errors[0]);
        $this->assertSame($before, self::grants());
    }

    public function testMalformedFieldsAreReportedWithoutEchoingWhatWasPosted(): void
    {
        $before = self::grants();
        $errors = osticket_api_save_permissions(self::config(), [
            'api_key_permissions_grid' => '1',
            'api_key_read_permissions' => ['<script>' => '1'],
            'api_key_stats_permissions' => 'everything',
        ]);
        $this->assertSame([
            'api_key_read_permissions holds something that is not an API key id',
            'api_key_stats_permissions must be a list of API key ids',
        ], $errors);
        $this->assertSame($before, self::grants());
    }

    public function testAPostWithoutTheGridChangesNoPermission(): void
    {
        $before = self::grants();
        $this->assertSame([], osticket_api_save_permissions(self::config(), ['enabled' => '1']));
        $this->assertSame($before, self::grants());
    }

    public function testTheConfigPageShowsTheSettingsEndpointsGridAndNginxSnippet(): void
    {
        $page = self::inHelpdesk('$config = new ApiEndpointsConfig(null); return ['
            . 'array_keys($config->getOptions()),'
            . 'array_map(fn ($f) => $f->get("configuration")["content"] ?? null, $config->getFields())];');
        [$stored, $fields] = $page;
        $this->assertSame(['enabled', 'max_download_mb', 'actor'], $stored);
        $this->assertSame(['enabled', 'max_download_mb', 'actor', 'section_endpoints', 'endpoints_info',
            'section_permissions', 'api_key_permissions_table', 'section_nginx', 'nginx_snippet', 'section_search',
            'search_index'], array_keys($fields));
        // The search index's figures (none built for the stand-in: "missing"), escaped.
        $this->assertMatchesRegularExpression(
            '~<th>state</th><td>(missing|ready|disabled)</td>~',
            $fields['search_index']
        );
        $this->assertStringContainsString('<code>/api/tickets-get.php/{number}.json</code>', $fields['endpoints_info']);
        $this->assertStringContainsString('up to date', $fields['endpoints_info']);
        $this->assertStringContainsString('name="api_key_permissions_grid"', $fields['api_key_permissions_table']);
        $this->assertStringContainsString('location ~ ^/api/tickets-(get|', $fields['nginx_snippet']);
        $this->assertStringContainsString('fastcgi_param PATH_INFO $path_info;', $fields['nginx_snippet']);
    }

    public function testSavingTheConfigPageWritesTheGridAndStopsOnAnUnknownKey(): void
    {
        $save = '$config = PluginManager::allInstalled()[0]->getInstances()[0]->getConfig(); $errors = [];'
            . ' return [$config->store(null, $errors), $errors];';
        $post = ['api_key_permissions_grid' => '1', 'enabled' => '1', 'max_download_mb' => '64'];
        $this->assertSame([true, []], self::inHelpdesk($save, $post + ['api_key_search_permissions' => ['3' => '1']]));
        $this->assertSame(1, self::grants()[3]['can_search_tickets']);

        [$saved, $errors] = self::inHelpdesk(
            $save,
            $post + ['api_key_search_permissions' => ['3' => '1', '77' => '1']]
        );
        $this->assertFalse($saved);
        $this->assertStringStartsWith('API key 77 does not exist', $errors['err']);
    }

    public function testWithoutTheExtensionTheConfigPageSaysWhatIsMissing(): void
    {
        $fields = self::inHelpdesk(
            'return array_map(fn ($f) => $f->get("configuration")["content"] ?? null,'
                . ' (new ApiEndpointsConfig(null))->getFields());',
            [],
            false
        );
        $this->assertSame(['enabled', 'max_download_mb', 'actor', 'extension_missing'], array_keys($fields));
        $this->assertStringContainsString('osticket_api PHP extension is not loaded', $fields['extension_missing']);
    }
}
