<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

final class SubticketsTest extends ApiTestCase
{
    public function testChildKnowsItsParent(): void
    {
        $p = self::$fx['tickets']['parent'];
        $c = self::$fx['tickets']['child'];
        $body = $this->assertJsonOk($this->get("/api/tickets-subtickets-parent.php/{$c['number']}.json", 'subtickets'));
        $this->assertSame(['parent' => [
            'ticket_id' => $p['id'], 'number' => $p['number'], 'subject' => $p['subject'], 'status' => $p['status'],
        ]], $body);
    }

    public function testTicketWithoutParentAnswersNull(): void
    {
        $t = self::$fx['tickets']['open'];
        $body = $this->assertJsonOk($this->get("/api/tickets-subtickets-parent.php/{$t['number']}.json", 'subtickets'));
        $this->assertSame(['parent' => null], $body);
    }

    public function testParentListsItsChildren(): void
    {
        $p = self::$fx['tickets']['parent'];
        $c = self::$fx['tickets']['child'];
        $body = $this->assertJsonOk($this->get("/api/tickets-subtickets-list.php/{$p['number']}.json", 'subtickets'));
        $this->assertSame(['children' => [[
            'ticket_id' => $c['id'], 'number' => $c['number'], 'subject' => $c['subject'], 'status' => $c['status'],
        ]]], $body);
        $none = $this->assertJsonOk($this->get("/api/tickets-subtickets-list.php/{$c['number']}.json", 'subtickets'));
        $this->assertSame(['children' => []], $none);
    }

    public function testSubticketAnswersAsXml(): void
    {
        $p = self::$fx['tickets']['parent'];
        $xml = $this->assertWellFormedXml(
            $this->get("/api/tickets-subtickets-list.php/{$p['number']}.xml", 'subtickets')
        );
        $this->assertSame(self::$fx['tickets']['child']['number'], (string) $xml->children->item[0]->number);
    }

    public function testUnknownTicketsAreNotFound(): void
    {
        $this->assertJsonError(
            $this->get('/api/tickets-subtickets-parent.php/NOPE999.json', 'subtickets'),
            404,
            'Child ticket not found'
        );
        $this->assertJsonError(
            $this->get('/api/tickets-subtickets-list.php/NOPE999.json', 'subtickets'),
            404,
            'Parent ticket not found'
        );
    }

    public function testZeroIsAnInvalidNumber(): void
    {
        $this->assertJsonError(
            $this->get('/api/tickets-subtickets-list.php/0.json', 'subtickets'),
            400,
            'Invalid ticket number'
        );
    }

    public function testKeysWithoutTheSubticketPermissionGet403(): void
    {
        $n = self::$fx['tickets']['child']['number'];
        foreach (['read', 'none', 'stats'] as $key) {
            $this->assertJsonError(
                $this->get("/api/tickets-subtickets-parent.php/{$n}.json", $key),
                403,
                'API key not authorized for subticket operations'
            );
        }
    }

    public function testWrongMethodIsNotAllowed(): void
    {
        $n = self::$fx['tickets']['child']['number'];
        $r = self::$http->request('DELETE', "/api/tickets-subtickets-parent.php/{$n}.json", self::$fx['keys']['all']);
        $this->assertJsonError($r, 405, 'Method Not Allowed. Use GET');
    }
}
