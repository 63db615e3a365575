<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

final class TicketGetTest extends ApiTestCase
{
    private const KEYS = ['id', 'number', 'subject', 'statusId', 'status', 'priorityId', 'priority',
        'departmentId', 'department', 'topicId', 'topic', 'userId', 'user', 'staffId', 'staff', 'teamId',
        'team', 'slaId', 'sla', 'created', 'updated', 'duedate', 'closed', 'isOverdue', 'isAnswered',
        'source', 'ip', 'children', 'thread'];

    public function testGetByNumberAnswersTheContractKeysInOrder(): void
    {
        $t = self::$fx['tickets']['open'];
        $body = $this->assertJsonOk($this->get("/api/tickets-get.php/{$t['number']}.json"));
        $this->assertSame(self::KEYS, array_keys($body));
        $this->assertSame($t['id'], $body['id']);
        $this->assertSame($t['number'], $body['number']);
        $this->assertSame($t['subject'], $body['subject']);
        $this->assertSame($t['status'], $body['status']);
        $this->assertSame($t['department'], $body['department']);
    }

    public function testNamesEmailsAndBodiesAreStringsAndFlagsBooleans(): void
    {
        $t = self::$fx['tickets']['open'];
        $body = $this->assertJsonOk($this->get("/api/tickets-get.php/{$t['number']}.json"));
        $this->assertSame(['name' => $t['user_name'], 'email' => $t['user_email']], $body['user']);
        $this->assertIsBool($body['isOverdue']);
        $this->assertIsBool($body['isAnswered']);
        $this->assertIsInt($body['staffId']);
        foreach ($body['thread'] as $entry) {
            $this->assertIsString($entry['body']);
            $this->assertIsString($entry['poster']);
            if (isset($entry['staff'])) {
                $this->assertIsString($entry['staff']);
            }
        }
    }

    public function testThreadHasMessageResponseAndNoteLetters(): void
    {
        $t = self::$fx['tickets']['open'];
        $body = $this->assertJsonOk($this->get("/api/tickets-get.php/{$t['number']}.json"));
        $this->assertSame(['M', 'R', 'N'], array_column($body['thread'], 'type'));
        $this->assertSame(self::$fx['staff']['id'], $body['thread'][1]['staffId']);
    }

    public function testAttachmentMetadataMatchesTheStoredFile(): void
    {
        $a = self::$fx['attachment'];
        $t = self::$fx['tickets'][$a['ticket']];
        $body = $this->assertJsonOk($this->get("/api/tickets-get.php/{$t['number']}.json"));
        $found = [];
        foreach ($body['thread'] as $entry) {
            foreach ($entry['attachments'] ?? [] as $att) {
                $this->assertSame(count($entry['attachments']), $entry['attachment_count']);
                if ($att['file_id'] === $a['file_id']) {
                    $found[] = $att;
                }
            }
        }
        $this->assertCount(1, $found);
        $this->assertSame($a['file_id'], $found[0]['file_id']);
        $this->assertSame($a['name'], $found[0]['filename']);
        $this->assertSame($a['size'], $found[0]['size']);
        $this->assertSame($a['mime'], $found[0]['mime_type']);
        $this->assertFalse($found[0]['inline']);
        $this->assertIsInt($found[0]['id']);
    }

    public function testParentListsItsChild(): void
    {
        $p = self::$fx['tickets']['parent'];
        $c = self::$fx['tickets']['child'];
        $body = $this->assertJsonOk($this->get("/api/tickets-get.php/{$p['number']}.json"));
        $this->assertSame([$c['id']], $body['children']);
    }

    public function testClosedTicketHasCloseDate(): void
    {
        $t = self::$fx['tickets']['closed'];
        $body = $this->assertJsonOk($this->get("/api/tickets-get.php/{$t['number']}.json"));
        $this->assertSame($t['status'], $body['status']);
        $this->assertIsString($body['closed']);
    }

    public function testUnicodeTicketInOddDepartmentHasAssigneeTeamSlaAndDueDate(): void
    {
        $t = self::$fx['tickets']['unicode'];
        $body = $this->assertJsonOk($this->get("/api/tickets-get.php/{$t['number']}.json"));
        $this->assertSame($t['department'], $body['department']);
        $this->assertSame($t['subject'], $body['subject']);
        $this->assertSame(self::$fx['staff']['id'], $body['staffId']);
        $this->assertIsString($body['staff']);
        $this->assertIsString($body['team']);
        $this->assertIsString($body['sla']);
        $this->assertIsString($body['duedate']);
    }

    public function testXmlIsWellFormedForEveryTicket(): void
    {
        foreach (self::$fx['tickets'] as $name => $t) {
            $xml = $this->assertWellFormedXml($this->get("/api/tickets-get.php/{$t['number']}.xml"));
            $this->assertSame($t['number'], (string) $xml->number, $name);
            $this->assertSame($t['department'], (string) $xml->department, $name);
            $this->assertSame($t['subject'], (string) $xml->subject, $name);
        }
    }

    public function testNumericIdFallsBackToTheInternalId(): void
    {
        $t = self::$fx['tickets']['open'];
        $body = $this->assertJsonOk($this->get("/api/tickets-get.php/{$t['id']}.json"));
        // A ticket whose number equals this id would win; the fixtures' numbers are 6 digits.
        $this->assertSame($t['number'], $body['number']);
    }

    /** @dataProvider unknownTickets */
    public function testUnknownTicketsAreNotFound(string $ident): void
    {
        $this->assertJsonError($this->get("/api/tickets-get.php/{$ident}.json"), 404, 'Ticket not found');
    }

    public static function unknownTickets(): array
    {
        return [['NOPE999'], ['0'], ['123abc'], ['99999999999999999999'], ['000']];
    }
}
