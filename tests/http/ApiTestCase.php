<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

use PHPUnit\Framework\TestCase;

/** Base of the HTTP suite: fixtures (from FIXTURES_JSON) and assertions on API answers. */
abstract class ApiTestCase extends TestCase
{
    protected const DATETIME = '/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/';

    protected static array $fx;
    protected static Client $http;

    public static function setUpBeforeClass(): void
    {
        $file = getenv('FIXTURES_JSON') ?: '';
        if (!is_file($file)) {
            throw new \RuntimeException('FIXTURES_JSON must name the fixtures file (see tests/http/run.sh)');
        }
        self::$fx = json_decode((string) file_get_contents($file), true, 512, JSON_THROW_ON_ERROR);
        // tests/http/run.sh runs the suite once per web server (HTTP_BASE_URL: nginx, Apache, Apache
        // with osTicket under /support/); the fixtures name the installation's default URL.
        self::$http = new Client(getenv('HTTP_BASE_URL') ?: self::$fx['base_url']);
    }

    /** GET with one of the fixture keys by name (null: no key header at all). */
    protected function get(string $path, ?string $key = 'all'): array
    {
        return self::$http->request('GET', $path, $key === null ? null : self::$fx['keys'][$key]);
    }

    /** Replaces {number}/{id} of a fixture ticket, {file} and {foreign} in a path template. */
    protected static function path(string $template, string $ticket = 'open'): string
    {
        return strtr($template, [
            '{number}' => self::$fx['tickets'][$ticket]['number'],
            '{id}' => (string) self::$fx['tickets'][$ticket]['id'],
            '{file}' => (string) self::$fx['attachment']['file_id'],
            '{foreign}' => (string) self::$fx['foreign_file_id'],
        ]);
    }

    /** Asserts a JSON error envelope with this status (and message, if given); returns the body. */
    protected function assertJsonError(array $r, int $status, ?string $message = null): array
    {
        $this->assertSame($status, $r['status'], $r['body']);
        $this->assertStringStartsWith('application/json', $r['type'], $r['body']);
        $this->assertNoPhpErrorPage($r);
        $body = json_decode($r['body'], true);
        $this->assertIsArray($body, $r['body']);
        $this->assertSame(['error', 'message', 'code'], array_slice(array_keys($body), 0, 3), $r['body']);
        $this->assertTrue($body['error']);
        $this->assertIsString($body['message']);
        $this->assertNotSame('', $body['message']);
        $this->assertIsString($body['code']);
        if ($message !== null) {
            $this->assertSame($message, $body['message']);
        }
        return $body;
    }

    /** Asserts the XML error envelope of an `.xml` URL with this status (and message, if given). */
    protected function assertXmlError(array $r, int $status, ?string $message = null): \SimpleXMLElement
    {
        $this->assertSame($status, $r['status'], $r['body']);
        $this->assertStringStartsWith('application/xml', $r['type'], $r['body']);
        $this->assertNoPhpErrorPage($r);
        $xml = $this->parseXml($r['body']);
        $this->assertSame('true', (string) $xml->error);
        $this->assertNotSame('', (string) $xml->message);
        $this->assertNotSame('', (string) $xml->code);
        if ($message !== null) {
            $this->assertSame($message, (string) $xml->message);
        }
        return $xml;
    }

    protected function assertJsonOk(array $r): mixed
    {
        $this->assertSame(200, $r['status'], $r['body']);
        $this->assertStringStartsWith('application/json', $r['type']);
        $this->assertNoPhpErrorPage($r);
        return json_decode($r['body'], true, 512, JSON_THROW_ON_ERROR);
    }

    protected function assertWellFormedXml(array $r): \SimpleXMLElement
    {
        $this->assertSame(200, $r['status'], $r['body']);
        $this->assertStringStartsWith('application/xml', $r['type']);
        $this->assertNoPhpErrorPage($r);
        return $this->parseXml($r['body']);
    }

    /** Parses with libxml and fails on any libxml error; the root must be <response>. */
    protected function parseXml(string $text): \SimpleXMLElement
    {
        $previous = libxml_use_internal_errors(true);
        libxml_clear_errors();
        $xml = simplexml_load_string($text, \SimpleXMLElement::class, LIBXML_NONET);
        $errors = array_map(fn ($e) => trim($e->message), libxml_get_errors());
        libxml_clear_errors();
        libxml_use_internal_errors($previous);
        $this->assertNotFalse($xml, 'malformed XML: ' . implode('; ', $errors) . "\n" . $text);
        $this->assertSame([], $errors, $text);
        $this->assertSame('response', $xml->getName());
        return $xml;
    }

    private static ?\PDO $db = null;

    /** osTicket's database (real suite: the fixtures' `db`), for state the endpoints do not show. */
    protected static function db(): \PDO
    {
        if (self::$db === null) {
            $c = self::$fx['db'];
            [$host, $port] = array_pad(explode(':', $c['host'], 2), 2, '3306');
            self::$db = new \PDO(
                sprintf('mysql:host=%s;port=%d;dbname=%s;charset=utf8mb4', $host, (int) $port, $c['name']),
                $c['user'],
                $c['pass'],
                [\PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION]
            );
        }
        return self::$db;
    }

    protected function assertNoPhpErrorPage(array $r): void
    {
        foreach (['<br />', 'Fatal error', 'Warning:', 'Notice:', 'Deprecated:', 'Stack trace:', '<html'] as $marker) {
            $this->assertStringNotContainsString($marker, $r['body']);
        }
    }
}
