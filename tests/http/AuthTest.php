<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

final class AuthTest extends ApiTestCase
{
    /** One URL of each endpoint of this suite. */
    public static function endpoints(): array
    {
        return [
            'get' => ['/api/tickets-get.php/{number}.json'],
            'download' => ['/api/tickets-attachment-download.php/{file}.json'],
            'statuses' => ['/api/tickets-statuses.php'],
        ];
    }

    /** @dataProvider endpoints */
    public function testMissingKeyIsUnauthorised(string $path): void
    {
        $this->assertJsonError($this->get(self::path($path), null), 401, 'Valid API key required');
    }

    /** @dataProvider endpoints */
    public function testEmptyAndUnknownKeysAreUnauthorised(string $path): void
    {
        foreach (['', 'NOT-A-KEY', "' OR '1'='1", str_repeat('A', 4000)] as $key) {
            $r = self::$http->request('GET', self::path($path), $key);
            $this->assertJsonError($r, 401, 'Valid API key required');
        }
    }

    /** @dataProvider endpoints */
    public function testInactiveKeyIsUnauthorised(string $path): void
    {
        $this->assertJsonError(
            $this->get(self::path($path), 'inactive'),
            401,
            'API key not found/active or source IP not authorized'
        );
    }

    /** @dataProvider endpoints */
    public function testKeyOfAnotherAddressIsUnauthorised(string $path): void
    {
        // Looked up by key and client address, like osTicket core: there is no row for 127.0.0.1.
        $this->assertJsonError($this->get(self::path($path), 'other_ip'), 401, 'Valid API key required');
    }

    /** @dataProvider endpoints */
    public function testNonUtf8KeyIsUnauthorised(string $path): void
    {
        $r = self::$http->request('GET', self::path($path), null, null, ["X-API-Key: \xff\xfe\x80"]);
        $this->assertJsonError($r, 401);
    }

    public function testKeyMatchesWithoutRegardToCaseLikeCore(): void
    {
        // osTicket compares keys in SQL under a case-insensitive collation.
        $key = self::$fx['keys']['all'];
        $flipped = strtolower($key) === $key ? strtoupper($key) : strtolower($key);
        $r = self::$http->request('GET', self::path('/api/tickets-get.php/{number}.json'), $flipped);
        $this->assertSame(self::$fx['tickets']['open']['number'], $this->assertJsonOk($r)['number']);
    }

    public function testKeyErrorOfAnXmlUrlIsAnXmlError(): void
    {
        $this->assertXmlError(
            $this->get(self::path('/api/tickets-get.php/{number}.xml'), null),
            401,
            'Valid API key required'
        );
    }

    /** @dataProvider deniedCases */
    public function testKeysWithoutThePermissionAreDenied(string $key, string $path, string $message): void
    {
        $this->assertJsonError($this->get(self::path($path), $key), 401, $message);
    }

    public static function deniedCases(): array
    {
        $get = '/api/tickets-get.php/{number}.json';
        $download = '/api/tickets-attachment-download.php/{file}.json';
        $statuses = '/api/tickets-statuses.php';
        return [
            'get, none' => ['none', $get, 'API key not authorized to read tickets'],
            'get, subtickets' => ['subtickets', $get, 'API key not authorized to read tickets'],
            'get, stats' => ['stats', $get, 'API key not authorized to read tickets'],
            'download, none' => ['none', $download, 'API key not authorized to read attachments'],
            'download, subtickets' => ['subtickets', $download, 'API key not authorized to read attachments'],
            'download, stats' => ['stats', $download, 'API key not authorized to read attachments'],
            'statuses, none' => ['none', $statuses, 'API key not authorized to read ticket statistics'],
            'statuses, subtickets' => ['subtickets', $statuses, 'API key not authorized to read ticket statistics'],
        ];
    }

    public function testPermissionIsCheckedBeforeTheTicketIsLookedUp(): void
    {
        // A key without the permission learns nothing about which tickets exist.
        $this->assertJsonError(
            $this->get('/api/tickets-get.php/NOPE999.json', 'none'),
            401,
            'API key not authorized to read tickets'
        );
        $this->assertJsonError(
            $this->get(self::path('/api/tickets-attachment-download.php/{foreign}.json'), 'none'),
            401,
            'API key not authorized to read attachments'
        );
    }

    public function testReadKeyMayReadTickets(): void
    {
        $body = $this->assertJsonOk($this->get(self::path('/api/tickets-get.php/{number}.json'), 'read'));
        $this->assertSame(self::$fx['tickets']['open']['id'], $body['id']);
    }
}
