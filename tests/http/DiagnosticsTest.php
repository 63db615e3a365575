<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

/**
 * What a failure leaves behind: every answer carries an `X-Request-Id`; a 5xx answer writes one
 * line with that id to PHP's error log (the stack's `$STATE_DIR/fpm/php-error.log`), a caught
 * panic with its message and location; no line holds the API key or a body.
 *
 * The failures are forced with the `X-Test-Fault` header, which only debug builds of the
 * extension honour, and only when the php-fpm pool sets `OSTICKET_API_TEST_FAULTS=1`
 * (scripts/test.sh does; the demo and release builds do not).
 */
final class DiagnosticsTest extends ApiTestCase
{
    private const STATUSES = '/api/tickets-statuses.php';

    private static function errorLog(): string
    {
        return (getenv('STATE_DIR') ?: dirname(__DIR__, 2) . '/.state') . '/fpm/php-error.log';
    }

    private static function logSize(): int
    {
        clearstatcache(true, self::errorLog());
        return is_file(self::errorLog()) ? (int) filesize(self::errorLog()) : 0;
    }

    /** The lines PHP's error log gained since $offset. */
    private static function logSince(int $offset): array
    {
        clearstatcache(true, self::errorLog());
        $text = (string) @file_get_contents(self::errorLog(), false, null, $offset);
        return array_values(array_filter(explode("\n", $text), 'strlen'));
    }

    /** A request that sends the X-Test-Fault header; skips when the switch is off. */
    private function fault(string $fault, string $path = self::STATUSES, string $method = 'GET'): array
    {
        $r = self::$http->request($method, $path, self::$fx['keys']['all'], null, ['X-Test-Fault: ' . $fault]);
        if ($r['status'] < 500) {
            $this->markTestSkipped('X-Test-Fault is off (release build, or no OSTICKET_API_TEST_FAULTS in the pool)');
        }
        return $r;
    }

    public function testEveryAnswerCarriesItsOwnRequestId(): void
    {
        $ids = [];
        $answers = [
            $this->get(self::STATUSES),
            $this->get(self::STATUSES, null),
            $this->get('/api/tickets-get.php/nope.json'),
            $this->get('/api/tickets-search.php?status[]=Open'),
            self::$http->request('PATCH', '/api/tickets-update.php/1.json', null, '{}', ['Content-Type: text/json']),
        ];
        foreach ($answers as $r) {
            $id = $r['headers']['x-request-id'] ?? '';
            $this->assertMatchesRegularExpression('/^[0-9a-f]{16}$/', $id, "status {$r['status']}");
            $ids[] = $id;
        }
        $this->assertSame($ids, array_unique($ids));
    }

    public function testAServerErrorIsLoggedWithTheRequestId(): void
    {
        $offset = self::logSize();
        $r = $this->fault('internal');
        $body = $this->assertJsonError($r, 500, 'forced test failure (X-Test-Fault)');
        $this->assertSame('internal_error', $body['code']);
        $id = $r['headers']['x-request-id'] ?? '';
        $this->assertMatchesRegularExpression('/^[0-9a-f]{16}$/', $id);
        $lines = array_values(array_filter(self::logSince($offset), fn ($l) => str_contains($l, "[request {$id}]")));
        $this->assertCount(1, $lines, implode("\n", self::logSince($offset)));
        $this->assertStringContainsString(
            "API Endpoints [request {$id}]: 500 GET tickets-statuses: internal_error: forced test failure",
            $lines[0]
        );
        $this->assertStringNotContainsString(self::$fx['keys']['all'], implode("\n", self::logSince($offset)));
    }

    public function testACaughtPanicIsLoggedWithMessageAndLocationAndTheWorkerServesOn(): void
    {
        $offset = self::logSize();
        $r = $this->fault('panic');
        $this->assertJsonError($r, 500, 'Internal error in the API extension');
        $id = $r['headers']['x-request-id'] ?? '';
        $lines = array_values(array_filter(self::logSince($offset), fn ($l) => str_contains($l, "[request {$id}]")));
        $this->assertCount(1, $lines, implode("\n", self::logSince($offset)));
        $this->assertMatchesRegularExpression(
            '~: 500 GET tickets-statuses: internal_error: panic at src/php/serve\.rs:\d+:\d+: forced test panic~',
            $lines[0]
        );
        // What a panic message quotes (Rust's slicing panics quote the text) stays out.
        $this->assertStringNotContainsString('a message body', $lines[0]);
        $this->assertStringNotContainsString(self::$fx['keys']['all'], $lines[0]);
        // Every worker still answers.
        for ($i = 0; $i < 8; $i++) {
            $this->assertJsonOk($this->get(self::STATUSES));
        }
    }

    public function testAFailedWriteIsLoggedWithTheRequestIdInBothLogs(): void
    {
        $offset = self::logSize();
        $r = $this->fault('write');
        $body = $this->assertJsonError($r, 500, 'The helpdesk could not apply the change');
        $this->assertSame('write_failed', $body['code']);
        $id = $r['headers']['x-request-id'] ?? '';
        $this->assertMatchesRegularExpression('/^[0-9a-f]{16}$/', $id);
        $lines = array_values(array_filter(self::logSince($offset), fn ($l) => str_contains($l, "[request {$id}]")));
        $this->assertNotEmpty($lines, implode("\n", self::logSince($offset)));
        $this->assertStringContainsString(
            "API Endpoints [request {$id}]: 500 GET tickets-statuses: write_failed: The helpdesk could not apply",
            end($lines)
        );
        if (isset(self::$fx['db'])) {
            // Real osTicket: the adapter's entry in osTicket's system log names the request too.
            $q = self::db()->prepare('SELECT log FROM `' . self::$fx['db']['prefix'] . 'syslog` WHERE log LIKE ?');
            $q->execute(["%[request {$id}]%"]);
            $this->assertNotFalse($q->fetchColumn(), "no system log entry for request {$id}");
        }
    }

    public function testAPhpFatalErrorIsLoggedAndAnsweredWithTheRequestId(): void
    {
        // What PHP's "Maximum execution time" is while PHP code runs: a fatal error, which the
        // plugin's shutdown function logs and answers.
        $offset = self::logSize();
        $r = $this->fault('fatal');
        $body = $this->assertJsonError($r, 500, 'The helpdesk failed while answering');
        $id = $r['headers']['x-request-id'] ?? '';
        $this->assertMatchesRegularExpression('/^[0-9a-f]{16}$/', $id);
        $lines = array_values(array_filter(self::logSince($offset), fn ($l) => str_contains($l, "[request {$id}]")));
        $this->assertCount(1, $lines, implode("\n", self::logSince($offset)));
        $this->assertStringContainsString(
            "API Endpoints [request {$id}]: 500 GET tickets-statuses: PHP fatal error: forced test fatal error",
            $lines[0]
        );
        $this->assertJsonOk($this->get(self::STATUSES));
    }

    public function testClientErrorsAreNotLogged(): void
    {
        $offset = self::logSize();
        $r = $this->get('/api/tickets-get.php/nope.json');
        $this->assertJsonError($r, 404);
        $id = $r['headers']['x-request-id'] ?? 'none';
        $this->assertSame([], array_filter(self::logSince($offset), fn ($l) => str_contains($l, $id)));
    }
}
