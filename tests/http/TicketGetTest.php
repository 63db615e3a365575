<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

final class TicketGetTest extends ApiTestCase
{
    private const KEYS = ['id', 'number', 'subject', 'statusId', 'status', 'priorityId', 'priority',
        'departmentId', 'department', 'topicId', 'topic', 'userId', 'user', 'staffId', 'staff', 'teamId',
        'team', 'slaId', 'sla', 'created', 'updated', 'duedate', 'closed', 'isOverdue', 'isAnswered',
        'source', 'ip', 'children', 'thread'];
    private const INTS = ['id', 'statusId', 'priorityId', 'departmentId', 'topicId', 'userId', 'staffId', 'teamId',
        'slaId'];
    private const STRINGS = ['number', 'subject', 'status', 'priority', 'created', 'updated', 'source', 'ip'];
    private const NULLABLE_STRINGS = ['department', 'topic', 'staff', 'team', 'sla', 'duedate', 'closed'];

    private function ticket(string $name): array
    {
        $number = self::$fx['tickets'][$name]['number'];
        return $this->assertJsonOk($this->get("/api/tickets-get.php/{$number}.json"));
    }

    public static function fixtureTickets(): array
    {
        return ['open' => ['open'], 'closed' => ['closed'], 'parent' => ['parent'], 'child' => ['child'],
            'unicode' => ['unicode']];
    }

    /** @dataProvider fixtureTickets */
    public function testEveryTicketAnswersByNumberWithItsFixtureValues(string $name): void
    {
        $t = self::$fx['tickets'][$name];
        $body = $this->ticket($name);
        $this->assertSame(self::KEYS, array_keys($body));
        $this->assertSame($t['id'], $body['id']);
        $this->assertSame($t['number'], $body['number']);
        $this->assertSame($t['subject'], $body['subject']);
        $this->assertSame($t['status'], $body['status']);
        $this->assertSame($t['department'], $body['department']);
        $this->assertSame(['name' => $t['user_name'], 'email' => $t['user_email']], $body['user']);
    }

    /** @dataProvider fixtureTickets */
    public function testEveryFieldHasTheDocumentedType(string $name): void
    {
        $body = $this->ticket($name);
        foreach (self::INTS as $key) {
            $this->assertIsInt($body[$key], $key);
        }
        foreach (self::STRINGS as $key) {
            $this->assertIsString($body[$key], $key);
        }
        foreach (self::NULLABLE_STRINGS as $key) {
            $this->assertTrue($body[$key] === null || is_string($body[$key]), "$key is a string or null");
        }
        $this->assertIsBool($body['isOverdue']);
        $this->assertIsBool($body['isAnswered']);
        $this->assertMatchesRegularExpression(self::DATETIME, $body['created']);
        $this->assertMatchesRegularExpression(self::DATETIME, $body['updated']);
        $this->assertContains($body['source'], ['Web', 'Email', 'Phone', 'API', 'Other']);
        $this->assertTrue(array_is_list($body['children']));
        $this->assertContainsOnly('int', $body['children']);
        $this->assertTrue(array_is_list($body['thread']));
        $this->assertNotEmpty($body['thread']);
        // staffId 0 and staff null go together, as do teamId/team and slaId/sla.
        foreach (['staff', 'team', 'sla'] as $key) {
            $this->assertSame($body[$key . 'Id'] === 0, $body[$key] === null, "{$key}Id and {$key}");
        }
    }

    /** @dataProvider fixtureTickets */
    public function testThreadEntriesHaveTheDocumentedKeysInOrder(string $name): void
    {
        foreach ($this->ticket($name)['thread'] as $entry) {
            $expected = ['id', 'type', 'poster', 'timestamp', 'body'];
            if (array_key_exists('staffId', $entry)) {
                array_push($expected, 'staffId', 'staff');
            }
            if (array_key_exists('userId', $entry)) {
                $expected[] = 'userId';
            }
            if (array_key_exists('attachments', $entry)) {
                array_push($expected, 'attachments', 'attachment_count');
            }
            $this->assertSame($expected, array_keys($entry));
            $this->assertIsInt($entry['id']);
            $this->assertContains($entry['type'], ['M', 'R', 'N']);
            $this->assertIsString($entry['poster']);
            $this->assertMatchesRegularExpression(self::DATETIME, $entry['timestamp']);
            $this->assertIsString($entry['body']);
        }
    }

    public function testThreadHasMessageResponseAndNoteInOrder(): void
    {
        $body = $this->ticket('open');
        $this->assertSame(['M', 'R', 'N'], array_column($body['thread'], 'type'));
        [$message, $response, $note] = $body['thread'];
        // The message is the user's; the response and the note are the agent's, with the name as a string.
        $this->assertSame($body['userId'], $message['userId']);
        $this->assertArrayNotHasKey('staffId', $message);
        foreach ([$response, $note] as $entry) {
            $this->assertSame(self::$fx['staff']['id'], $entry['staffId']);
            $this->assertIsString($entry['staff']);
            $this->assertNotSame('', $entry['staff']);
            $this->assertArrayNotHasKey('userId', $entry);
        }
        $this->assertSame($body['user']['name'], $message['poster']);
        $this->assertLessThanOrEqual($response['timestamp'], $message['timestamp']);
        $this->assertLessThanOrEqual($note['timestamp'], $response['timestamp']);
    }

    public function testAgentsReplyMakesTheTicketAnswered(): void
    {
        $this->assertTrue($this->ticket('open')['isAnswered']);
        $this->assertFalse($this->ticket('parent')['isAnswered']);
    }

    public function testAttachmentMetadataMatchesTheStoredFile(): void
    {
        $a = self::$fx['attachment'];
        $body = $this->ticket($a['ticket']);
        $found = [];
        foreach ($body['thread'] as $entry) {
            if (!isset($entry['attachments'])) {
                continue;
            }
            $this->assertNotEmpty($entry['attachments']);
            $this->assertSame(count($entry['attachments']), $entry['attachment_count']);
            foreach ($entry['attachments'] as $att) {
                $this->assertSame(['id', 'file_id', 'filename', 'size', 'mime_type', 'inline'], array_keys($att));
                if ($att['file_id'] === $a['file_id']) {
                    $found[] = $att + ['entry' => $entry['type']];
                }
            }
        }
        $this->assertCount(1, $found);
        $this->assertSame('M', $found[0]['entry'], 'the file hangs on the message');
        $this->assertSame($a['name'], $found[0]['filename']);
        $this->assertSame($a['size'], $found[0]['size']);
        $this->assertSame($a['mime'], $found[0]['mime_type']);
        $this->assertFalse($found[0]['inline']);
        $this->assertIsInt($found[0]['id']);
    }

    public function testParentListsItsChildAndTheChildNone(): void
    {
        $this->assertSame([self::$fx['tickets']['child']['id']], $this->ticket('parent')['children']);
        $this->assertSame([], $this->ticket('child')['children']);
        $this->assertSame([], $this->ticket('open')['children']);
    }

    public function testClosedTicketHasACloseDateAndOpenOnesNone(): void
    {
        $closed = $this->ticket('closed');
        $this->assertSame(self::$fx['tickets']['closed']['status'], $closed['status']);
        $this->assertMatchesRegularExpression(self::DATETIME, (string) $closed['closed']);
        $this->assertGreaterThanOrEqual($closed['created'], $closed['closed']);
        $this->assertNull($this->ticket('open')['closed']);
    }

    public function testUnassignedTicketHasStaffIdZeroAndNoNames(): void
    {
        $body = $this->ticket('parent');
        $this->assertSame(0, $body['staffId']);
        $this->assertNull($body['staff']);
        $this->assertSame(0, $body['teamId']);
        $this->assertNull($body['team']);
    }

    public function testUnicodeTicketInTheSubDepartmentHasAssigneeTeamSlaAndDueDate(): void
    {
        $t = self::$fx['tickets']['unicode'];
        $body = $this->ticket('unicode');
        $this->assertSame($t['department'], $body['department'], 'the short name, not the path');
        $this->assertSame($t['subject'], $body['subject']);
        $this->assertSame($t['user_name'], $body['user']['name']);
        $this->assertSame(self::$fx['staff']['id'], $body['staffId']);
        $this->assertIsString($body['staff']);
        $this->assertGreaterThan(0, $body['teamId']);
        $this->assertIsString($body['team']);
        $this->assertGreaterThan(0, $body['slaId']);
        $this->assertIsString($body['sla']);
        $this->assertMatchesRegularExpression(self::DATETIME, (string) $body['duedate']);
    }

    /** @dataProvider fixtureTickets */
    public function testXmlIsWellFormedAndSaysWhatTheJsonSays(string $name): void
    {
        $t = self::$fx['tickets'][$name];
        $json = $this->ticket($name);
        $xml = $this->assertWellFormedXml($this->get("/api/tickets-get.php/{$t['number']}.xml"));
        $this->assertSame(self::KEYS, array_map(fn ($e) => $e->getName(), iterator_to_array($xml->children(), false)));
        foreach ($json as $key => $value) {
            if (is_array($value)) {
                continue;
            }
            $text = match (true) {
                $value === null => '',
                is_bool($value) => $value ? 'true' : 'false',
                default => (string) $value,
            };
            $this->assertSame($text, (string) $xml->{$key}, $key);
        }
        $this->assertSame($t['user_name'], (string) $xml->user->name);
        $this->assertSame($t['user_email'], (string) $xml->user->email);
        $this->assertSame(
            array_map('strval', $json['children']),
            array_map('strval', iterator_to_array($xml->children->item, false))
        );
        $this->assertCount(count($json['thread']), $xml->thread->item);
        foreach ($json['thread'] as $i => $entry) {
            $item = $xml->thread->item[$i];
            $this->assertSame($entry['type'], (string) $item->type);
            $this->assertSame($entry['body'], (string) $item->body);
            $this->assertSame($entry['poster'], (string) $item->poster);
            foreach ($entry['attachments'] ?? [] as $j => $att) {
                $this->assertSame((string) $att['file_id'], (string) $item->attachments->item[$j]->file_id);
                $this->assertSame($att['filename'], (string) $item->attachments->item[$j]->filename);
            }
        }
    }

    public function testNumericIdFallsBackToTheInternalId(): void
    {
        $t = self::$fx['tickets']['open'];
        $numbers = array_column(self::$fx['tickets'], 'number');
        if (in_array((string) $t['id'], $numbers, true)) {
            $this->markTestSkipped('a fixture ticket has the open ticket\'s id as its number');
        }
        $body = $this->assertJsonOk($this->get("/api/tickets-get.php/{$t['id']}.json"));
        $this->assertSame($t['number'], $body['number']);
        $this->assertSame($t['id'], $body['id']);
    }

    public function testQueryStringIsIgnored(): void
    {
        $t = self::$fx['tickets']['open'];
        $body = $this->assertJsonOk($this->get("/api/tickets-get.php/{$t['number']}.json?format=xml&id=1"));
        $this->assertSame($t['number'], $body['number']);
    }

    public function testFormatComesFromTheUrlNotFromHeaders(): void
    {
        $t = self::$fx['tickets']['open'];
        // Known clients send Content-Type: application/json on GETs too.
        $r = self::$http->request(
            'GET',
            "/api/tickets-get.php/{$t['number']}.json",
            self::$fx['keys']['all'],
            null,
            ['Accept: application/xml', 'Content-Type: application/json']
        );
        $this->assertSame($t['number'], $this->assertJsonOk($r)['number']);
        $r = self::$http->request(
            'GET',
            "/api/tickets-get.php/{$t['number']}.xml",
            self::$fx['keys']['all'],
            null,
            ['Accept: application/json']
        );
        $this->assertSame($t['number'], (string) $this->assertWellFormedXml($r)->number);
    }

    public function testNumbersMatchExactlyNotAsPatterns(): void
    {
        $number = self::$fx['tickets']['open']['number'];
        foreach (['_', '%25'] as $wildcard) {
            $ident = substr($number, 0, 2) . $wildcard . substr($number, 3);
            $this->assertJsonError($this->get("/api/tickets-get.php/{$ident}.json"), 404, 'Ticket not found');
        }
        $this->assertJsonError($this->get('/api/tickets-get.php/%25.json'), 404, 'Ticket not found');
    }

    public function testConcurrentRequestsEachGetTheirOwnTicket(): void
    {
        $names = array_keys(self::$fx['tickets']);
        $paths = [];
        for ($i = 0; $i < 30; $i++) {
            $paths[] = '/api/tickets-get.php/' . self::$fx['tickets'][$names[$i % count($names)]]['number'] . '.json';
        }
        foreach (self::$http->concurrently($paths, self::$fx['keys']['all']) as $i => $r) {
            $body = $this->assertJsonOk($r);
            $this->assertSame(self::$fx['tickets'][$names[$i % count($names)]]['id'], $body['id'], $paths[$i]);
        }
    }

    /** @dataProvider unknownTickets */
    public function testUnknownTicketsAreNotFound(string $ident): void
    {
        $this->assertJsonError($this->get("/api/tickets-get.php/{$ident}.json"), 404, 'Ticket not found');
    }

    public static function unknownTickets(): array
    {
        return [['NOPE999'], ['0'], ['123abc'], ['99999999999999999999'], ['000'], ['-1'], ['%20123'],
            [str_repeat('9', 300)], ['%C3%9Cml%C3%A4ut']];
    }

    public function testUnknownTicketAsXmlIsAnXmlError(): void
    {
        $this->assertXmlError($this->get('/api/tickets-get.php/NOPE999.xml'), 404, 'Ticket not found');
    }
}
