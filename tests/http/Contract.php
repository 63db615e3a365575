<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

use JsonSchema\Validator;

/**
 * The answers' contract: docs/openapi.json. Client checks every answer of the HTTP suites here
 * (status, content type, body schema); a mismatch fails the test that got the answer.
 *
 * * The request's path picks the documented path: an exact match of a path template, else, for
 *   a URL of one of our entry scripts or dispatcher routes that has the wrong shape (the suite
 *   sends many), that route's documented path of the same format suffix, whose error answers
 *   apply. Other URLs (osTicket's own, unknown scripts) are not ours to check.
 * * The method picks the operation (any operation of the path for a method it lacks: 405).
 * * The status must be documented for it, the content type be one of that answer's.
 * * JSON bodies are checked with justinrainbow/json-schema (Debian's php-json-schema, a JSON
 *   Schema draft-4 validator); the document's few newer keywords are translated first (`const`
 *   becomes a one-value `enum`). text/plain bodies are checked as a string against the schema.
 *   XML bodies (the same data as XML) must be well-formed with a <response> root.
 */
final class Contract
{
    private static ?self $instance = null;

    /** @var list<array{regex: string, template: string, item: object}> */
    private array $paths = [];
    private object $components;

    public static function get(): self
    {
        return self::$instance ??= new self(dirname(__DIR__, 2) . '/docs/openapi.json');
    }

    public function __construct(string $file)
    {
        if (!class_exists(Validator::class)) {
            require_once 'JsonSchema/autoload.php';
        }
        $doc = self::translate(json_decode((string) file_get_contents($file), false, 512, JSON_THROW_ON_ERROR));
        $this->components = $doc->components;
        foreach ($doc->paths as $template => $item) {
            $regex = preg_replace('/\\\\\{[a-z_]+\\\\\}/', '[^/]+', preg_quote($template, '~'));
            $this->paths[] = ['regex' => '~^' . $regex . '$~', 'template' => $template, 'item' => $item];
        }
    }

    /**
     * The problems of one answer (empty: it keeps the contract, or the URL is not ours).
     * @param array{status: int, type: string, body: string} $answer
     * @return list<string>
     */
    public function problems(string $method, string $path, array $answer): array
    {
        $path = explode('?', $path, 2)[0];
        $item = $this->documentedPath($path);
        if ($item === null) {
            return [];
        }
        [$template, $item] = $item;
        $operations = (array) $item;
        $operation = $operations[strtolower($method)] ?? reset($operations);
        $where = "{$method} {$path} (documented as {$template})";
        $responses = (array) $operation->responses;
        $response = $responses[(string) $answer['status']] ?? $responses['default'] ?? null;
        if ($response === null) {
            return ["{$where}: status {$answer['status']} is not documented (documented: "
                . implode(', ', array_keys($responses)) . ')'];
        }
        $content = (array) ($response->content ?? []);
        if ($content === []) {
            return [];
        }
        $type = strtolower(trim(explode(';', $answer['type'])[0]));
        if (!isset($content[$type])) {
            return ["{$where}: status {$answer['status']} answered '{$answer['type']}', documented: "
                . implode(', ', array_keys($content))];
        }
        return array_map(
            fn ($p) => "{$where}: {$answer['status']} {$type}: {$p}",
            $this->bodyProblems($type, $content[$type]->schema ?? null, $answer['body'])
        );
    }

    /** @return array{0: string, 1: object}|null the template and path item that a request path falls under */
    private function documentedPath(string $path): ?array
    {
        foreach ($this->paths as $p) {
            if (preg_match($p['regex'], $path) === 1) {
                return [$p['template'], $p['item']];
            }
        }
        // A URL of the wrong shape: the route's documented path with the same suffix.
        $prefix = match (true) {
            preg_match('~^(/api/tickets-[a-z-]+\.php)~', $path, $m) === 1 => $m[1],
            str_starts_with($path, '/api/tickets/') => '/api/tickets/',
            str_starts_with($path, '/api/wildcard/') => '/api/wildcard/tickets.',
            // `.email` is osTicket core's own create route, not documented here.
            preg_match('~^/api/tickets\.(?!email$)[a-z]+$~', $path) === 1 => '/api/tickets.',
            default => null,
        };
        if ($prefix === null) {
            return null;
        }
        $candidates = array_values(array_filter(
            $this->paths,
            fn ($p) => str_starts_with($p['template'], $prefix)
        ));
        if ($candidates === []) {
            return null;
        }
        $suffix = str_ends_with($path, '.xml') ? '.xml' : '.json';
        foreach ($candidates as $p) {
            if (str_ends_with($p['template'], $suffix)) {
                return [$p['template'], $p['item']];
            }
        }
        return [$candidates[0]['template'], $candidates[0]['item']];
    }

    /** @return list<string> */
    private function bodyProblems(string $type, ?object $schema, string $body): array
    {
        if ($type === 'application/xml') {
            $previous = libxml_use_internal_errors(true);
            $xml = simplexml_load_string($body, \SimpleXMLElement::class, LIBXML_NONET);
            libxml_clear_errors();
            libxml_use_internal_errors($previous);
            if ($xml === false || $xml->getName() !== 'response') {
                return ['not well-formed XML with a <response> root: ' . substr($body, 0, 200)];
            }
            return [];
        }
        if ($schema === null) {
            return [];
        }
        if ($type === 'application/json') {
            try {
                $data = json_decode($body, false, 512, JSON_THROW_ON_ERROR);
            } catch (\JsonException $e) {
                return ['not JSON (' . $e->getMessage() . '): ' . substr($body, 0, 200)];
            }
        } else {
            $data = $body;
        }
        return self::validate($data, $schema, $this->components);
    }

    /**
     * Validates a decoded value against a schema of the document ($refs into `components`).
     * @return list<string>
     */
    public static function validate(mixed $data, object $schema, ?object $components = null): array
    {
        $schema = clone $schema;
        if ($components !== null) {
            // Relative "#/components/..." references resolve against the schema being checked.
            $schema->components = $components;
        }
        $validator = new Validator();
        $validator->validate($data, $schema);
        return array_map(
            fn ($e) => ($e['property'] !== '' ? $e['property'] . ': ' : '') . $e['message'],
            $validator->getErrors()
        );
    }

    /** OpenAPI 3.1 keywords the draft-4 validator lacks, in terms it knows: `const` -> `enum`. */
    public static function translate(mixed $node): mixed
    {
        if (is_array($node)) {
            return array_map([self::class, 'translate'], $node);
        }
        if (!is_object($node)) {
            return $node;
        }
        $out = new \stdClass();
        foreach ($node as $key => $value) {
            if ($key === 'const') {
                $out->enum = [$value];
            } else {
                $out->{$key} = self::translate($value);
            }
        }
        return $out;
    }
}
