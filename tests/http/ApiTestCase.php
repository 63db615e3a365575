<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

use PHPUnit\Framework\TestCase;

/** Base of the HTTP suite: fixtures (from FIXTURES_JSON) and assertions on API answers. */
abstract class ApiTestCase extends TestCase
{
    protected static array $fx;
    protected static Client $http;

    public static function setUpBeforeClass(): void
    {
        $file = getenv('FIXTURES_JSON') ?: '';
        if (!is_file($file)) {
            throw new \RuntimeException('FIXTURES_JSON must name the fixtures file (see tests/http/run.sh)');
        }
        self::$fx = json_decode((string) file_get_contents($file), true, 512, JSON_THROW_ON_ERROR);
        self::$http = new Client(self::$fx['base_url']);
    }

    protected function get(string $path, ?string $key = 'all'): array
    {
        return self::$http->request('GET', $path, $key === null ? null : self::$fx['keys'][$key]);
    }

    /** Asserts a 2xx-free JSON error envelope with this status (and message, if given). */
    protected function assertJsonError(array $r, int $status, ?string $message = null): array
    {
        $this->assertSame($status, $r['status'], $r['body']);
        $this->assertStringStartsWith('application/json', $r['type']);
        $this->assertNoPhpErrorPage($r);
        $body = json_decode($r['body'], true);
        $this->assertIsArray($body, $r['body']);
        $this->assertTrue($body['error']);
        $this->assertIsString($body['code']);
        if ($message !== null) {
            $this->assertSame($message, $body['message']);
        }
        return $body;
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
        libxml_use_internal_errors(true);
        $xml = simplexml_load_string($r['body']);
        $errors = array_map(fn ($e) => trim($e->message), libxml_get_errors());
        libxml_clear_errors();
        $this->assertNotFalse($xml, 'malformed XML: ' . implode('; ', $errors) . "\n" . $r['body']);
        $this->assertSame([], $errors);
        $this->assertSame('response', $xml->getName());
        return $xml;
    }

    protected function assertNoPhpErrorPage(array $r): void
    {
        $this->assertStringNotContainsString('<br />', $r['body']);
        $this->assertStringNotContainsString('Fatal error', $r['body']);
        $this->assertStringNotContainsString('Warning:', $r['body']);
    }
}
