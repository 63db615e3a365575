<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

final class StatsTest extends ApiTestCase
{
    public function testStatsAreConsistentWithTheFixtures(): void
    {
        $s = $this->assertJsonOk($this->get('/api/tickets-stats.php'));
        $this->assertSame(
            ['total', 'open', 'closed', 'overdue', 'archived', 'deleted', 'by_department', 'by_staff'],
            array_keys($s)
        );
        $tickets = self::$fx['tickets'];
        $this->assertGreaterThanOrEqual(count($tickets), $s['total']);
        $closed = count(array_filter($tickets, fn ($t) => $t['status'] === 'Closed'));
        $this->assertGreaterThanOrEqual($closed, $s['closed']);
        $this->assertLessThanOrEqual($s['total'], $s['open'] + $s['closed'] + $s['archived'] + $s['deleted']);
        $this->assertSame($s['total'], array_sum(array_column($s['by_department'], 'total')));
        foreach ($s['by_department'] as $name => $counts) {
            $this->assertIsString($name);
            $this->assertIsInt($counts['department_id']);
        }
        $unicode = $tickets['unicode']['department'];
        $keys = array_keys($s['by_department']);
        $matches = array_filter($keys, fn ($k) => $k === $unicode || str_ends_with($k, ' / ' . $unicode));
        $this->assertCount(1, $matches, 'the sub-department appears under its full name');
    }

    public function testAgentsAreListedWithStringNames(): void
    {
        $s = $this->assertJsonOk($this->get('/api/tickets-stats.php.json'));
        $ids = array_column($s['by_staff'], 'staff_id');
        $this->assertContains(self::$fx['staff']['id'], $ids);
        foreach ($s['by_staff'] as $agent) {
            $this->assertIsString($agent['staff_name']);
            // Archived and deleted tickets count in the total but in neither open nor closed.
            $this->assertGreaterThanOrEqual(
                array_sum(array_map(fn ($d) => $d['open'] + $d['closed'], $agent['departments'])),
                $agent['total']
            );
            $this->assertNotEmpty($agent['departments']);
        }
        $names = array_column($s['by_staff'], 'staff_name');
        $sorted = $names;
        sort($sorted, SORT_STRING);
        $this->assertSame($sorted, $names);
    }

    public function testStatsAsXmlAreWellFormed(): void
    {
        $xml = $this->assertWellFormedXml($this->get('/api/tickets-stats.php/.xml'));
        $this->assertGreaterThanOrEqual(count(self::$fx['tickets']), (int) $xml->total);
    }

    public function testFiltersNarrowAndUnknownDepartmentIsNotFound(): void
    {
        $all = $this->assertJsonOk($this->get('/api/tickets-stats.php'));
        $future = $this->assertJsonOk($this->get('/api/tickets-stats.php?since=2099-01-01'));
        $this->assertSame(0, $future['total']);
        $this->assertLessThanOrEqual($all['total'], $this->assertJsonOk(
            $this->get(
                '/api/tickets-stats.php?department=' . rawurlencode(self::$fx['tickets']['unicode']['department'])
            )
        )['total']);
        $this->assertJsonError($this->get('/api/tickets-stats.php?department=No+Such+Dept'), 404);
        $this->assertJsonError($this->get('/api/tickets-stats.php?since=yesterday'), 400);
    }

    public function testStatsNeedTheStatsOrReadPermission(): void
    {
        $this->assertJsonOk($this->get('/api/tickets-stats.php', 'stats'));
        $this->assertJsonOk($this->get('/api/tickets-stats.php', 'read'));
        $this->assertJsonError(
            $this->get('/api/tickets-stats.php', 'none'),
            401,
            'API key not authorized to read ticket statistics'
        );
    }
}
