<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

final class StatusesTest extends ApiTestCase
{
    /** @return list<array{id: int, name: string, state: string}> */
    private function statuses(string $suffix = '', string $key = 'all'): array
    {
        return $this->assertJsonOk($this->get('/api/tickets-statuses.php' . $suffix, $key));
    }

    public static function jsonForms(): array
    {
        return ['bare' => [''], '.json' => ['.json'], '/.json' => ['/.json']];
    }

    /** @dataProvider jsonForms */
    public function testEveryJsonUrlFormListsTheStatusesOfTheFixtureTickets(string $suffix): void
    {
        $list = $this->statuses($suffix);
        $this->assertTrue(array_is_list($list));
        foreach ($list as $s) {
            $this->assertSame(['id', 'name', 'state'], array_keys($s));
            $this->assertIsInt($s['id']);
            $this->assertIsString($s['name']);
            $this->assertContains($s['state'], ['open', 'closed', 'archived', 'deleted']);
        }
        $states = array_column($list, 'state', 'name');
        foreach (self::$fx['tickets'] as $name => $t) {
            $this->assertArrayHasKey($t['status'], $states, "status of the {$name} ticket");
        }
        $this->assertSame('closed', $states[self::$fx['tickets']['closed']['status']]);
        $this->assertSame('open', $states[self::$fx['tickets']['open']['status']]);
        $this->assertSame(count($list), count(array_unique(array_column($list, 'id'))), 'no duplicates');
    }

    public static function xmlForms(): array
    {
        return ['.xml' => ['.xml'], '/.xml' => ['/.xml']];
    }

    /** @dataProvider xmlForms */
    public function testEveryXmlUrlFormSaysWhatTheJsonSays(string $suffix): void
    {
        $json = $this->statuses();
        $xml = $this->assertWellFormedXml($this->get('/api/tickets-statuses.php' . $suffix));
        $items = [];
        foreach ($xml->item as $item) {
            $items[] = [
                'id' => (int) (string) $item->id,
                'name' => (string) $item->name,
                'state' => (string) $item->state,
            ];
        }
        $this->assertSame($json, $items);
    }

    public function testReadAndStatsKeysMayListStatuses(): void
    {
        $all = $this->statuses();
        $this->assertSame($all, $this->statuses('', 'read'), 'can_read_tickets is the fallback');
        $this->assertSame($all, $this->statuses('', 'stats'));
    }

    /**
     * PATH_INFO after the script name other than the format suffix (`.php.csv` would be another file).
     *
     * @dataProvider badSuffixes
     */
    public function testOtherSuffixesAreBadUrls(string $suffix): void
    {
        $this->assertJsonError($this->get('/api/tickets-statuses.php' . $suffix), 400, 'Invalid URL format');
    }

    public static function badSuffixes(): array
    {
        return [['/'], ['/anything'], ['/x.json'], ['/.csv'], ['/.JSON'], ['/.json/'], ['/%FF']];
    }
}
