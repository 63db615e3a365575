<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

final class AuthAndErrorsTest extends ApiTestCase
{
    private function ticketPath(string $suffix = '.json'): string
    {
        return '/api/tickets-get.php/' . self::$fx['tickets']['open']['number'] . $suffix;
    }

    public function testMissingKeyIsUnauthorised(): void
    {
        $this->assertJsonError($this->get($this->ticketPath(), null), 401, 'Valid API key required');
    }

    public function testUnknownKeyIsUnauthorised(): void
    {
        $r = self::$http->request('GET', $this->ticketPath(), 'NOT-A-KEY');
        $this->assertJsonError($r, 401, 'Valid API key required');
    }

    public function testInactiveKeyIsUnauthorised(): void
    {
        $this->assertJsonError(
            $this->get($this->ticketPath(), 'inactive'),
            401,
            'API key not found/active or source IP not authorized'
        );
    }

    public function testKeyOfAnotherAddressIsUnauthorised(): void
    {
        // Looked up by key and client address, like osTicket core: no row for 127.0.0.1.
        $this->assertJsonError($this->get($this->ticketPath(), 'other_ip'), 401, 'Valid API key required');
    }

    public function testNonUtf8KeyIsUnauthorised(): void
    {
        $r = self::$http->request('GET', $this->ticketPath(), null, null, ["X-API-Key: \xff\xfe"]);
        $this->assertJsonError($r, 401);
    }

    /** @dataProvider deniedCases */
    public function testKeysWithoutThePermissionAreDenied(string $key, string $path, string $message): void
    {
        $path = str_replace(
            ['{number}', '{file}'],
            [self::$fx['tickets']['open']['number'], (string) self::$fx['attachment']['file_id']],
            $path
        );
        $this->assertJsonError($this->get($path, $key), 401, $message);
    }

    public static function deniedCases(): array
    {
        return [
            ['none', '/api/tickets-get.php/{number}.json', 'API key not authorized to read tickets'],
            ['subtickets', '/api/tickets-get.php/{number}.json', 'API key not authorized to read tickets'],
            ['stats', '/api/tickets-get.php/{number}.json', 'API key not authorized to read tickets'],
            ['none', '/api/tickets-attachment-download.php/{file}.json', 'API key not authorized to read attachments'],
            ['none', '/api/tickets-statuses.php', 'API key not authorized to read ticket statistics'],
            ['subtickets', '/api/tickets-statuses.php', 'API key not authorized to read ticket statistics'],
        ];
    }

    public function testReadKeyMayReadTickets(): void
    {
        $this->assertJsonOk($this->get($this->ticketPath(), 'read'));
    }

    /** @dataProvider wrongMethods */
    public function testWrongMethodIsNotAllowedWithAllowHeader(string $method): void
    {
        $r = self::$http->request($method, $this->ticketPath(), self::$fx['keys']['all']);
        $this->assertJsonError($r, 405, 'Method Not Allowed. Use GET');
        $this->assertSame('GET', $r['headers']['allow'] ?? null);
    }

    public static function wrongMethods(): array
    {
        return [['POST'], ['DELETE'], ['PUT'], ['PATCH']];
    }

    /** @dataProvider badPaths */
    public function testMalformedPathsAreBadRequests(string $path): void
    {
        $this->assertJsonError($this->get($path), 400);
    }

    public static function badPaths(): array
    {
        return [
            ['/api/tickets-get.php/a/b.json'],
            ['/api/tickets-get.php/.json'],
            ['/api/tickets-get.php/x.csv'],
            ['/api/tickets-get.php/x'],
            ['/api/tickets-get.php'],
            ['/api/tickets-get.php/%FF%FE.json'],
            ['/api/tickets-statuses.php/anything'],
            ['/api/tickets-attachment-download.php/-1.json'],
        ];
    }

    public function testXmlUrlsGetXmlErrors(): void
    {
        $r = $this->get('/api/tickets-get.php/NOPE999.xml');
        $this->assertSame(404, $r['status']);
        $this->assertStringStartsWith('application/xml', $r['type']);
        $xml = simplexml_load_string($r['body']);
        $this->assertNotFalse($xml);
        $this->assertSame('true', (string) $xml->error);
        $this->assertSame('Ticket not found', (string) $xml->message);
    }
}
