<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Php;

/** The permission columns the plugin adds to `api_key` (CONTRACT §2.2). */
final class InstallTest extends HelpdeskTestCase
{
    private const ORIGINAL_ORDER = ['can_create_tickets', 'can_update_tickets', 'can_read_tickets',
        'can_search_tickets', 'can_delete_tickets', 'can_read_stats', 'can_manage_subtickets'];

    public function testInstallAddsTheSixPermissionColumnsAfterCanCreateTickets(): void
    {
        $this->assertNotContains('can_read_tickets', self::columns());
        [$status, $out] = self::admin('install');
        $this->assertSame(0, $status, $out);
        $columns = self::columns();
        $at = array_search('can_create_tickets', $columns, true);
        $this->assertSame(self::ORIGINAL_ORDER, array_slice($columns, (int) $at, 7));
        $type = self::value("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
            . "AND TABLE_NAME = 'ost_api_key' AND COLUMN_NAME = 'can_manage_subtickets'");
        $this->assertSame('tinyint(1) unsigned', $type);
        $this->assertSame('0', self::value('SELECT SUM(can_read_tickets + can_read_stats) FROM ost_api_key'));
    }

    /** @depends testInstallAddsTheSixPermissionColumnsAfterCanCreateTickets */
    public function testInstallingAgainChangesNothingAndKeepsGrants(): void
    {
        self::$db->query('UPDATE ost_api_key SET can_read_tickets = 1 WHERE id = 2');
        $before = self::columns();
        $this->assertSame([], osticket_api_install(self::config()));
        $this->assertSame($before, self::columns());
        $this->assertSame('1', self::value('SELECT can_read_tickets FROM ost_api_key WHERE id = 2'));
    }

    /** @depends testInstallingAgainChangesNothingAndKeepsGrants */
    public function testInstallCompletesTheColumnsOfAPartialEarlierInstallAndKeepsTheirValues(): void
    {
        self::$db->query('ALTER TABLE ost_api_key DROP COLUMN can_search_tickets, DROP COLUMN can_manage_subtickets');
        $done = osticket_api_install(self::config());
        $this->assertSame(
            ['added column ost_api_key.can_search_tickets', 'added column ost_api_key.can_manage_subtickets'],
            $done
        );
        $columns = self::columns();
        $at = array_search('can_create_tickets', $columns, true);
        $this->assertSame(self::ORIGINAL_ORDER, array_slice($columns, (int) $at, 7));
        $this->assertSame('1', self::value('SELECT can_read_tickets FROM ost_api_key WHERE id = 2'));
    }
}
