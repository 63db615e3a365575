<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

use PHPUnit\Framework\TestCase;

/**
 * The contract check itself (Contract, used by Client on every answer): it must refuse what
 * breaks docs/openapi.json and accept what keeps it. No server needed.
 */
final class ContractTest extends TestCase
{
    private static function answer(int $status, string $type, string $body): array
    {
        return ['status' => $status, 'type' => $type, 'headers' => [], 'body' => $body];
    }

    public static function answers(): array
    {
        $error = '{"error":true,"message":"Ticket not found","code":"not_found"}';
        $number = '{"number":"ТК-42","ticket_id":7}';
        return [
            // name => [method, path, answer, expected problem (null: none)]
            'create 201 text' => [
                'POST',
                '/api/tickets.json',
                self::answer(201, 'text/plain; charset=UTF-8', '123456'),
                null,
            ],
            'create 201 JSON' => [
                'POST',
                '/api/tickets.json',
                self::answer(201, 'application/json', $number),
                null,
            ],
            'wildcard create' => [
                'POST',
                '/api/wildcard/tickets.xml',
                self::answer(201, 'text/plain', '1'),
                null,
            ],
            'create 200' => [
                'POST',
                '/api/tickets.json',
                self::answer(200, 'application/json', $number),
                'status 200 is not documented',
            ],
            'create JSON without id' => [
                'POST',
                '/api/tickets.json',
                self::answer(201, 'application/json', '{"number":"1"}'),
                'ticket_id',
            ],
            'create XML' => [
                'POST',
                '/api/tickets.json',
                self::answer(201, 'application/xml', '<response/>'),
                "answered 'application/xml'",
            ],
            'update text' => [
                'PATCH',
                '/api/tickets-update.php/ÄБ😀.json',
                self::answer(200, 'text/plain', 'ÄБ😀'),
                null,
            ],
            'update suffixless' => [
                'PUT',
                '/api/tickets/123',
                self::answer(200, 'text/plain', '123'),
                null,
            ],
            'update JSON' => [
                'PATCH',
                '/api/tickets-update.php/1.xml',
                self::answer(200, 'application/json', '{}'),
                "answered 'application/json'",
            ],
            'update empty' => [
                'PATCH',
                '/api/tickets/1.json',
                self::answer(200, 'text/plain', ''),
                'at least 1',
            ],
            'delete JSON' => [
                'DELETE',
                '/api/tickets-delete.php/1.json',
                self::answer(200, 'application/json', '"1"'),
                'documented: text/plain',
            ],
            'ticket wrong type' => [
                'GET',
                '/api/tickets-get.php/1.json',
                self::answer(200, 'application/json', '{"id":"7"}'),
                'id: String value found',
            ],
            'ticket not JSON' => [
                'GET',
                '/api/tickets-get.php/1.json',
                self::answer(200, 'application/json', '<html>'),
                'not JSON',
            ],
            'error envelope' => [
                'GET',
                '/api/tickets-get.php/1.json',
                self::answer(404, 'application/json', $error),
                null,
            ],
            'error false' => [
                'GET',
                '/api/tickets-get.php/1.json',
                self::answer(404, 'application/json', str_replace('true', 'false', $error)),
                'enumeration',
            ],
            'error without code' => [
                'GET',
                '/api/tickets-get.php/1.json',
                self::answer(401, 'application/json', '{"error":true,"message":"x"}'),
                'code',
            ],
            'bad shape uses the route' => [
                'GET',
                '/api/tickets-get.php/a/b.xml',
                self::answer(400, 'text/html', 'x'),
                'documented: application/json, application/xml',
            ],
            'undocumented status' => [
                'GET',
                '/api/tickets-statuses.php',
                self::answer(418, 'application/json', $error),
                'status 418',
            ],
            'search list' => [
                'GET',
                '/api/tickets-search.php.json?query=x',
                self::answer(200, 'application/json', '[{"id":1,"number":"1"}]'),
                null,
            ],
            'search not a list' => [
                'GET',
                '/api/tickets-search.php/.json',
                self::answer(200, 'application/json', '{"id":1}'),
                'array',
            ],
            'XML well-formed' => [
                'GET',
                '/api/tickets-statuses.php.xml',
                self::answer(200, 'application/xml', '<?xml version="1.0"?><response><item/></response>'),
                null,
            ],
            'XML root' => [
                'GET',
                '/api/tickets-statuses.php.xml',
                self::answer(200, 'application/xml', '<other/>'),
                '<response> root',
            ],
            'method not allowed' => [
                'POST',
                '/api/tickets-get.php/1.json',
                self::answer(405, 'application/json', $error),
                null,
            ],
            'not our URL' => [
                'GET',
                '/scp/login.php',
                self::answer(200, 'text/html', '<html>'),
                null,
            ],
        ];
    }

    /** @dataProvider answers */
    public function testAnAnswerKeepsOrBreaksTheContract(
        string $method,
        string $path,
        array $answer,
        ?string $problem
    ): void {
        $problems = Contract::get()->problems($method, $path, $answer);
        if ($problem === null) {
            $this->assertSame([], $problems);
            return;
        }
        $this->assertNotSame([], $problems, 'a broken answer passed');
        $this->assertStringContainsString($problem, implode("\n", $problems));
    }

    public function testConstBecomesAOneValueEnum(): void
    {
        $schema = Contract::translate(json_decode('{"properties":{"error":{"const":true}}}'));
        $this->assertEquals([true], $schema->properties->error->enum);
        $this->assertSame([], Contract::validate(json_decode('{"error":true}'), $schema));
        $this->assertNotSame([], Contract::validate(json_decode('{"error":1}'), $schema));
    }
}
