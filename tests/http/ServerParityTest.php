<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

/**
 * Web-server integration: every documented URL form answers the same through every server of the
 * run (nginx, Apache with osTicket's api/.htaccess and the plugin's block, Apache with osTicket
 * under /support/; HTTP_SERVER_BASES from tests/http/run.sh), request bodies arrive when sent
 * chunked, and the routes of the original's companions work: `POST /api/wildcard/tickets.json`
 * (any-address keys there only) and `PATCH|PUT /api/tickets/{number}` without a suffix.
 */
final class ServerParityTest extends ApiTestCase
{
    private const NO_STATUS = '{"statusId":"Nö such státus ✓"}';

    /** @var list<string> tickets created here, deleted after each test */
    private array $created = [];

    protected function tearDown(): void
    {
        foreach ($this->created as $number) {
            self::$http->request('DELETE', "/api/tickets-delete.php/{$number}.json", self::$fx['keys']['all']);
        }
        $this->created = [];
    }

    private static function real(): bool
    {
        return getenv('HTTP_SUITE') === 'real-osticket';
    }

    /** @return array<string, Client> every server of the run by name */
    private static function servers(): array
    {
        $servers = [];
        foreach (preg_split('/\s+/', trim((string) getenv('HTTP_SERVER_BASES'))) ?: [] as $entry) {
            if (str_contains($entry, '=')) {
                [$name, $base] = explode('=', $entry, 2);
                $servers[$name] = new Client($base);
            }
        }
        return $servers;
    }

    /**
     * Every URL form of the route table (docs/openapi.json is generated from it) plus the suffix
     * forms with a slash, each with a request that changes nothing: reads with the `all` key,
     * writes refused (a key without the permission, or a status that does not exist).
     * @return list<array{0: string, 1: string, 2: string, 3: ?string}> method, path, key, body
     */
    private static function urlForms(): array
    {
        $doc = json_decode((string) file_get_contents(dirname(__DIR__, 2) . '/docs/openapi.json'), true);
        $forms = [];
        foreach ($doc['paths'] as $template => $item) {
            $paths = [$template];
            if (str_ends_with($template, '.php')) {
                $paths[] = "{$template}/.json";
                $paths[] = "{$template}/.xml";
            }
            foreach ($paths as $path) {
                $path = strtr($path, [
                    '{number}' => self::$fx['tickets']['open']['number'],
                    '{file_id}' => (string) self::$fx['attachment']['file_id'],
                ]);
                foreach (array_keys($item) as $method) {
                    $method = strtoupper($method);
                    $forms[] = match ($method) {
                        'GET' => [$method, $path, 'all', null],
                        'PATCH', 'PUT' => [$method, $path, 'all', self::NO_STATUS],
                        'POST' => [$method, $path, 'read', '{"childId":"1","name":"Ä","email":"a@example.com"}'],
                        default => [$method, $path, 'read', null],
                    };
                }
            }
        }
        // Wrong suffix on an identifier route: the extension's 400, not osTicket's dispatcher.
        $forms[] = ['GET', '/api/tickets-get.php.json', 'all', null];
        return $forms;
    }

    public function testEveryDocumentedUrlFormAnswersTheSameOnEveryServer(): void
    {
        $servers = self::servers();
        if (count($servers) < 2) {
            $this->markTestSkipped('one web server in this run (HTTP_SERVERS): nothing to compare');
        }
        if (getenv('HTTP_SERVER') !== array_key_first($servers)) {
            $this->markTestSkipped('the servers are compared once, in the ' . array_key_first($servers) . ' run');
        }
        $forms = self::urlForms();
        $this->assertGreaterThan(40, count($forms));
        foreach ($forms as [$method, $path, $key, $body]) {
            $headers = $body === null ? [] : ['Content-Type: application/json'];
            $answers = [];
            foreach ($servers as $name => $client) {
                $r = $client->request($method, $path, self::$fx['keys'][$key], $body, $headers);
                $answers[$name] = [$r['status'], strtolower($r['type']), $r['body']];
            }
            $first = reset($answers);
            // Answered by the extension (JSON, XML or a number), never by osTicket's dispatcher.
            $this->assertMatchesRegularExpression(
                '~^application/(json|xml)|^text/plain~',
                $first[1],
                "{$method} {$path}: {$first[0]} {$first[1]} " . substr($first[2], 0, 200)
            );
            foreach ($answers as $name => $answer) {
                $this->assertSame($first, $answer, "{$method} {$path} through {$name}");
            }
        }
    }

    /** Bodies sent with `Transfer-Encoding: chunked` (no Content-Length) reach the endpoints. */
    public function testChunkedRequestBodiesArrive(): void
    {
        $chunked = ['Transfer-Encoding: chunked', 'Content-Type: application/json'];
        $number = self::$fx['tickets']['open']['number'];
        foreach (["/api/tickets-update.php/{$number}.json", "/api/tickets/{$number}"] as $path) {
            $r = self::$http->request('PATCH', $path, self::$fx['keys']['all'], self::NO_STATUS, $chunked);
            $this->assertJsonError($r, 404, "Status 'Nö such státus ✓' not found");
        }
        $r = self::$http->request(
            'POST',
            '/api/tickets.json',
            self::$fx['keys']['all'],
            '{"name":"Ünïcode Ñame","subject":"Тема 件名"}',
            $chunked
        );
        $this->assertJsonError($r, 400, 'email is required');
        if (!self::real()) {
            return;
        }
        $number = $this->createTicket('/api/tickets.json', 'all', $chunked);
        $r = self::$http->request(
            'PATCH',
            "/api/tickets-update.php/{$number}.json",
            self::$fx['keys']['all'],
            json_encode(['note' => "Chunked note: Grüße, Привет, 你好, שלום, 👋, e\u{301}"]),
            $chunked
        );
        $this->assertSame([200, $number], [$r['status'], $r['body']], $r['body']);
        $this->assertStringStartsWith('text/plain', $r['type']);
        $this->assertStringContainsString('Привет, 你好', $this->threadText($number));
    }

    public function testWildcardCreateAcceptsAnyAddressKeysThereOnly(): void
    {
        $missingEmail = '{"name":"Ünïcode Ñame","subject":"Тема","message":"Hallo"}';
        $json = ['Content-Type: application/json'];
        // Accepted on the wildcard route: the body is checked (and would be created) ...
        $anywhere = self::$fx['keys']['anywhere'];
        $r = self::$http->request('POST', '/api/wildcard/tickets.json', $anywhere, $missingEmail, $json);
        $this->assertJsonError($r, 400, 'email is required');
        $r = self::$http->request(
            'POST',
            '/api/wildcard/tickets.xml',
            self::$fx['keys']['anywhere'],
            '<?xml version="1.0"?><ticket><name>Ünïcode</name><subject>件名</subject><message>x</message></ticket>',
            ['Content-Type: application/xml']
        );
        $this->assertXmlError($r, 400, 'email is required');
        // ... but nowhere else, and a key registered for another address stays refused there.
        $r = self::$http->request('POST', '/api/tickets.json', $anywhere, $missingEmail, $json);
        $this->assertJsonError($r, 401, 'Valid API key required');
        $this->assertJsonError($this->get(self::path('/api/tickets-get.php/{number}.json'), 'anywhere'), 401);
        $otherIp = self::$fx['keys']['other_ip'];
        $r = self::$http->request('POST', '/api/wildcard/tickets.json', $otherIp, $missingEmail, $json);
        $this->assertJsonError($r, 401, 'Valid API key required');
        if (!self::real()) {
            return;
        }
        $number = $this->createTicket('/api/wildcard/tickets.json', 'anywhere', $json);
        $ticket = $this->assertJsonOk($this->get("/api/tickets-get.php/{$number}.json"));
        $this->assertSame('Заявка: не работает кондиционер — №12', $ticket['subject']);
        // A key registered for the client's own address works there too.
        $this->createTicket('/api/wildcard/tickets.json', 'all', $json);
    }

    /** `PATCH|PUT /api/tickets/{number}` answers like the `.json` form (the hotel bot's calls). */
    public function testUpdateWithoutSuffixAnswersLikeTheJsonForm(): void
    {
        $number = self::$fx['tickets']['open']['number'];
        $json = ['Content-Type: application/json'];
        foreach (['PATCH', 'PUT'] as $method) {
            $expected = self::$http->request(
                $method,
                "/api/tickets/{$number}.json",
                self::$fx['keys']['all'],
                self::NO_STATUS,
                $json
            );
            $this->assertJsonError($expected, 404);
            foreach (["/api/tickets/{$number}", "/api/tickets-update.php/{$number}.json"] as $path) {
                $r = self::$http->request($method, $path, self::$fx['keys']['all'], self::NO_STATUS, $json);
                $this->assertSame(
                    [$expected['status'], $expected['type'], $expected['body']],
                    [$r['status'], $r['type'], $r['body']],
                    "{$method} {$path}"
                );
            }
            $r = self::$http->request($method, '/api/tickets/NOPE999', self::$fx['keys']['all'], '{"note":"x"}', $json);
            $this->assertJsonError($r, 404, 'Ticket not found');
        }
        if (!self::real()) {
            return;
        }
        $number = $this->createTicket('/api/tickets.json', 'all', $json);
        $r = self::$http->request(
            'PATCH',
            "/api/tickets/{$number}",
            self::$fx['keys']['all'],
            json_encode(['note' => 'Гость просит поздний выезд — номер 12']),
            $json
        );
        $this->assertSame([200, $number], [$r['status'], $r['body']], $r['body']);
        $this->assertStringContainsString('поздний выезд', $this->threadText($number));
    }

    /** Creates a ticket (real osTicket) with Cyrillic text; returns its number. */
    private function createTicket(string $path, string $key, array $headers): string
    {
        $body = json_encode([
            'name' => 'Гость Отеля',
            'email' => 'guest.hotel@example.com',
            'subject' => 'Заявка: не работает кондиционер — №12',
            'message' => 'Номер 12: кондиционер не включается. Спасибо!',
        ], JSON_UNESCAPED_UNICODE);
        $r = self::$http->request('POST', $path, self::$fx['keys'][$key], $body, $headers);
        $this->assertSame(201, $r['status'], $r['body']);
        $this->assertStringStartsWith('text/plain', $r['type']);
        $number = trim($r['body']);
        $this->assertMatchesRegularExpression('/^[A-Za-z0-9-]+$/', $number);
        $this->created[] = $number;
        return $number;
    }

    private function threadText(string $number): string
    {
        $ticket = $this->assertJsonOk($this->get("/api/tickets-get.php/{$number}.json"));
        return implode("\n", array_column($ticket['thread'] ?? [], 'body'));
    }
}
