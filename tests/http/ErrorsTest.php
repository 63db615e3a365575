<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

final class ErrorsTest extends ApiTestCase
{
    private const ENDPOINTS = [
        'get' => '/api/tickets-get.php/{number}',
        'download' => '/api/tickets-attachment-download.php/{file}',
        'statuses' => '/api/tickets-statuses.php',
    ];

    /** Every endpoint with every method it does not allow. */
    public static function wrongMethods(): array
    {
        $cases = [];
        foreach (self::ENDPOINTS as $name => $path) {
            foreach (['POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'] as $method) {
                $cases["$name $method"] = [$method, $path . '.json'];
            }
        }
        return $cases;
    }

    /** @dataProvider wrongMethods */
    public function testWrongMethodIsNotAllowedWithAllowHeader(string $method, string $path): void
    {
        $r = self::$http->request(
            $method,
            self::path($path),
            self::$fx['keys']['all'],
            $method === 'OPTIONS' ? null : '{}',
            ['Content-Type: application/json']
        );
        $this->assertJsonError($r, 405, 'Method Not Allowed. Use GET');
        $this->assertSame('GET', $r['headers']['allow'] ?? null);
    }

    public function testWrongMethodOfAnXmlUrlIsAnXmlError(): void
    {
        $r = self::$http->request('DELETE', self::path('/api/tickets-get.php/{number}.xml'), self::$fx['keys']['all']);
        $this->assertXmlError($r, 405, 'Method Not Allowed. Use GET');
        $this->assertSame('GET', $r['headers']['allow'] ?? null);
    }

    public function testWrongMethodIsRefusedBeforeTheKeyIsChecked(): void
    {
        // The original's order: URL shape, method, then the key.
        $r = self::$http->request('POST', self::path('/api/tickets-get.php/{number}.json'));
        $this->assertJsonError($r, 405, 'Method Not Allowed. Use GET');
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
            ['/api/tickets-get.php/x.JSON'],
            ['/api/tickets-get.php/x.json/'],
            ['/api/tickets-get.php/x.y.json'],
            ['/api/tickets-get.php'],
            ['/api/tickets-get.php/'],
            ['/api/tickets-get.php/%FF%FE.json'],
            ['/api/tickets-get.php/%C3.json'],
            ['/api/tickets-attachment-download.php/%FF.json'],
            ['/api/tickets-attachment-download.php'],
            ['/api/tickets-statuses.php/%FF%FE'],
            ['/api/tickets-statuses.php/anything'],
        ];
    }

    public function testBadPathMessageNamesTheExpectedUrl(): void
    {
        $this->assertJsonError(
            $this->get('/api/tickets-get.php/a/b.json'),
            400,
            'Invalid URL format. Expected: /api/tickets-get.php/{ticket_number}.json'
        );
    }

    public function testBadPathIsRefusedBeforeTheKeyIsChecked(): void
    {
        $this->assertJsonError($this->get('/api/tickets-get.php/a/b.json', null), 400);
    }

    /**
     * Every failure of every endpoint, with and without a key: a JSON (or, for `.xml` URLs, XML)
     * error envelope with an error status, never a PHP or web-server page.
     */
    public function testEveryErrorIsAnEnvelopeNeverAPageOrA200(): void
    {
        $requests = [];
        foreach (self::ENDPOINTS as $path) {
            foreach (['.json', '.xml'] as $suffix) {
                $requests[] = ['GET', $path . $suffix, null];
                $requests[] = ['GET', $path . $suffix, 'none'];
                $requests[] = ['GET', $path . $suffix, 'inactive'];
                $requests[] = ['DELETE', $path . $suffix, 'all'];
                $requests[] = ['GET', $path . '/x' . $suffix, 'all'];
            }
        }
        $requests[] = ['GET', '/api/tickets-get.php/NOPE999.json', 'all'];
        $requests[] = ['GET', '/api/tickets-attachment-download.php/0.json', 'all'];
        $requests[] = ['GET', '/api/tickets-attachment-download.php/{foreign}.xml', 'all'];
        foreach ($requests as [$method, $path, $key]) {
            $r = self::$http->request($method, self::path($path), $key === null ? null : self::$fx['keys'][$key]);
            $what = "$method $path" . ($key ? " ($key)" : '');
            $this->assertGreaterThanOrEqual(400, $r['status'], $what);
            $this->assertLessThan(500, $r['status'], $what . ': ' . $r['body']);
            $this->assertArrayNotHasKey('set-cookie', $r['headers'], $what);
            if (str_ends_with($path, '.xml')) {
                $this->assertXmlError($r, $r['status']);
            } else {
                $this->assertJsonError($r, $r['status']);
            }
        }
    }

    public function testAnswersStartNoSession(): void
    {
        $paths = [
            '/api/tickets-get.php/{number}.json',
            '/api/tickets-statuses.php',
            '/api/tickets-get.php/NOPE999.json',
        ];
        foreach ($paths as $path) {
            $r = $this->get(self::path($path));
            $this->assertArrayNotHasKey('set-cookie', $r['headers'], $path);
        }
    }
}
