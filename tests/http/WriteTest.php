<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

/**
 * The write endpoints through nginx + php-fpm: PATCH|PUT tickets-update, DELETE tickets-delete,
 * POST tickets-subtickets-create, DELETE tickets-subtickets-unlink.
 *
 * The validation tests run on both suites: every request they send is refused (or changes nothing)
 * before the plugin's write adapter is reached, and each of them reads the tickets it names before
 * and after to show that nothing changed (on real osTicket also the newest rows of its tables).
 * The apply tests need real osTicket (HTTP_SUITE=real-osticket, set by tests/http/run.sh; the
 * stand-in has no osTicket domain for the adapter); they create their own tickets through
 * `POST /api/tickets.json` (osTicket's API dispatcher, where the plugin's create answers in front of
 * core's) and delete them afterwards, so the shared fixtures stay as seeded,
 * and read what the endpoints do not show (thread events, entry titles) from osTicket's database
 * (the fixtures' `db`).
 */
final class WriteTest extends ApiTestCase
{
    private const UPDATE = '/api/tickets-update.php/%s.json';
    private const DELETE = '/api/tickets-delete.php/%s.json';
    private const LINK = '/api/tickets-subtickets-create.php/%s.json';
    private const UNLINK = '/api/tickets-subtickets-unlink.php/%s.json';
    private const JSON = ['Content-Type: application/json'];
    // A 1x1 PNG.
    private const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E'
        . 'rkJggg==';
    private const DATE_MESSAGE = 'Invalid date format for dueDate. Expected ISO 8601 format (e.g., "2025-01-31" or '
        . '"2025-01-31T17:30:00")';

    /** Numbers of the tickets an apply test created (deleted in tearDown). */
    private array $created = [];

    protected function tearDown(): void
    {
        foreach (array_reverse($this->created) as $number) {
            $this->send('DELETE', sprintf(self::DELETE, $number));
        }
        $this->created = [];
    }

    // ---- requests and snapshots --------------------------------------------------------------------

    /** A request with a fixture key (null: none); an array body is sent as JSON. */
    private function send(
        string $method,
        string $path,
        array|string|null $body = null,
        ?string $key = 'all',
        array $headers = self::JSON
    ): array {
        if (is_array($body)) {
            $body = json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
        }
        return self::$http->request($method, $path, $key === null ? null : self::$fx['keys'][$key], $body, $headers);
    }

    private static function number(string $ticket): string
    {
        return self::$fx['tickets'][$ticket]['number'];
    }

    /** The ticket as GET tickets-get answers it, with its parent (what a write may change). */
    private function ticket(string $number): array
    {
        $r = $this->get('/api/tickets-get.php/' . rawurlencode($number) . '.json');
        if ($r['status'] === 404) {
            return ['missing' => $number];
        }
        $t = $this->assertJsonOk($r);
        $t['parent'] = $this->assertJsonOk(
            $this->get('/api/tickets-subtickets-parent.php/' . rawurlencode($number) . '.json')
        )['parent'];
        return $t;
    }

    /** The children of a ticket as GET tickets-subtickets-list answers them. */
    private function children(string $number): array
    {
        $r = $this->get('/api/tickets-subtickets-list.php/' . rawurlencode($number) . '.json');
        return $this->assertJsonOk($r)['children'];
    }

    /**
     * On real osTicket, what no GET shows but any write would touch: the newest thread event,
     * thread entry, ticket and file, and the newest change of a ticket.
     */
    private static function osticketState(): ?array
    {
        if (!isset(self::$fx['db'])) {
            return null;
        }
        $max = fn (string $table, string $column) => 'SELECT MAX(' . $column . ') FROM ' . self::table($table);
        return self::db()->query(implode(' UNION ALL ', [
            $max('thread_event', 'id'),
            $max('thread_entry', 'id'),
            $max('ticket', 'ticket_id'),
            $max('ticket', 'updated'),
            $max('file', 'id'),
            'SELECT COUNT(*) FROM ' . self::table('ticket'),
        ]))->fetchAll(\PDO::FETCH_COLUMN);
    }

    /** Snapshots of fixture tickets by name (all of them when none is given). */
    private function snapshot(string ...$names): array
    {
        $names = $names ?: array_keys(self::$fx['tickets']);
        $out = ['osTicket' => self::osticketState()];
        foreach ($names as $name) {
            $out[$name] = $this->ticket(self::number($name));
        }
        return $out;
    }

    /**
     * Sends a request that must be refused with a JSON error ($status, $message; $field when given)
     * and asserts that none of the fixture tickets changed.
     */
    private function assertRefused(
        array $request,
        int $status,
        ?string $message,
        ?string $field = null,
        array $tickets = []
    ): array {
        $before = $this->snapshot(...$tickets);
        $body = $this->assertJsonError($this->send(...$request), $status, $message);
        if ($field !== null) {
            $this->assertSame($field, $body['field'] ?? null, json_encode($body));
        }
        $this->assertSame($before, $this->snapshot(...$tickets), 'a refused request changed nothing');
        return $body;
    }

    /** An update of the open fixture ticket that must be refused. */
    private function assertUpdateRefused(
        array|string $body,
        int $status,
        ?string $message,
        ?string $field = null
    ): array {
        return $this->assertRefused(
            ['PATCH', sprintf(self::UPDATE, self::number('open')), $body],
            $status,
            $message,
            $field,
            ['open']
        );
    }

    // ---- URLs, methods, bodies -----------------------------------------------------------------

    public static function endpoints(): array
    {
        return [
            'update' => ['tickets-update', 'PATCH', 'ticket_number', ['PATCH, PUT'], ['GET', 'POST', 'DELETE']],
            'delete' => ['tickets-delete', 'DELETE', 'ticket_number', ['DELETE'], ['GET', 'POST', 'PATCH', 'PUT']],
            'subtickets create' => ['tickets-subtickets-create', 'POST', 'parent_ticket_number', ['POST'],
                ['GET', 'PATCH', 'PUT', 'DELETE']],
            'subtickets unlink' => ['tickets-subtickets-unlink', 'DELETE', 'child_ticket_number', ['DELETE'],
                ['GET', 'POST', 'PATCH']],
        ];
    }

    /** @dataProvider endpoints */
    public function testUrlsOfTheWrongShapeAreRefusedWithTheEndpointsMessage(
        string $endpoint,
        string $method,
        string $placeholder
    ): void {
        $message = "Invalid URL format. Expected: /api/{$endpoint}.php/{{$placeholder}}.json";
        $n = self::number('open');
        $body = in_array($method, ['POST', 'PATCH'], true)
            ? ['childId' => self::number('closed'), 'statusId' => 'Closed'] : null;
        $tails = ['', '/', "/{$n}", "/{$n}.txt", "/{$n}.JSON", "/{$n}/x.json", '/a.b.json', '/.json', '.json'];
        foreach ($tails as $tail) {
            $path = "/api/{$endpoint}.php{$tail}";
            $this->assertRefused([$method, $path, $body], 400, $message, null, ['open', 'closed']);
        }
        // Before the key and before the body.
        $this->assertRefused([$method, "/api/{$endpoint}.php/{$n}", '{', null], 400, $message);
    }

    /** @dataProvider endpoints */
    public function testOtherMethodsAreNotAllowed(
        string $endpoint,
        string $method,
        string $placeholder,
        array $allowed,
        array $others
    ): void {
        $path = "/api/{$endpoint}.php/" . self::number('open') . '.json';
        foreach ($others as $other) {
            $before = $this->snapshot('open');
            $r = $this->send($other, $path, ['childId' => self::number('closed'), 'statusId' => 'Closed']);
            $this->assertJsonError($r, 405, 'Method Not Allowed. Use ' . $allowed[0]);
            $this->assertSame($allowed[0], $r['headers']['allow'] ?? null, "Allow header of {$other}");
            $this->assertSame($before, $this->snapshot('open'));
        }
        $this->assertXmlError(
            $this->send($others[0], "/api/{$endpoint}.php/" . self::number('open') . '.xml'),
            405,
            'Method Not Allowed. Use ' . $allowed[0]
        );
    }

    public static function badBodies(): array
    {
        $json = ['Content-Type: application/json'];
        return [
            'syntax error' => ['{"statusId": ', $json, 'Invalid JSON: '],
            'trailing garbage' => ['{"statusId": "Closed"} x', $json, 'Invalid JSON: '],
            'empty JSON body' => ['', $json, 'Invalid JSON: '],
            'empty object' => ['{}', $json, 'No data provided in JSON body'],
            'empty list' => ['[]', $json, 'No data provided in JSON body'],
            'null' => ['null', $json, 'No data provided in JSON body'],
            'false' => ['false', $json, 'No data provided in JSON body'],
            'empty string' => ['""', $json, 'No data provided in JSON body'],
            'a list' => ['["Closed"]', $json, ''],
            'a string' => ['"Closed"', $json, ''],
            'a number' => ['5', $json, ''],
            'true' => ['true', $json, ''],
            'no body at all' => [null, ['Content-Type:'], 'No data provided'],
            'empty form' => ['', ['Content-Type: application/x-www-form-urlencoded'], 'No data provided'],
            // The original read JSON only under a JSON Content-Type: anything else was no data.
            'broken JSON as text' => ['{"statusId": ', ['Content-Type: text/plain'], 'No data provided'],
            'text' => ['Grüße, bitte schließen', ['Content-Type: text/plain; charset=UTF-8'], 'No data provided'],
            'octets' => ["\x00\xff{", ['Content-Type: application/octet-stream'], 'No data provided'],
        ];
    }

    /** @dataProvider badBodies */
    public function testBadUpdateBodiesAreRefusedBeforeTheKey(?string $body, array $headers, string $message): void
    {
        foreach (['all', null] as $key) {
            $before = $this->snapshot('open');
            $r = $this->send('PATCH', sprintf(self::UPDATE, self::number('open')), $body, $key, $headers);
            $error = $this->assertJsonError($r, 400);
            if (in_array($message, ['No data provided', 'No data provided in JSON body'], true)) {
                $this->assertSame($message, $error['message']);
            } elseif ($message !== '') {
                $this->assertStringStartsWith($message, $error['message']);
            }
            $this->assertSame($before, $this->snapshot('open'));
        }
    }

    /** @dataProvider badBodies */
    public function testBadSubticketBodiesAreRefusedBeforeTheKey(?string $body, array $headers, string $message): void
    {
        $path = sprintf(self::LINK, self::number('open'));
        $error = $this->assertRefused(['POST', $path, $body, null, $headers], 400, null, null, ['open']);
        if ($message !== '') {
            $this->assertStringStartsWith($message, $error['message']);
        }
    }

    public static function wrongTypes(): array
    {
        return [
            'float id' => [['statusId' => 1.5], 'statusId'],
            'bool id' => [['departmentId' => true], 'departmentId'],
            'list id' => [['staffId' => [1]], 'staffId'],
            'object id' => [['teamId' => ['id' => 1]], 'teamId'],
            // Raw JSON: PHP's json_encode() writes 2.0 as 2.
            'float priority' => ['{"priority": 2.0}', 'priority'],
            'exponent id' => ['{"slaId": 1e2}', 'slaId'],
            'number note' => [['note' => 5], 'note'],
            'list reply' => [['reply' => ['x']], 'reply'],
            'number title' => [['note' => 'x', 'noteTitle' => 7], 'noteTitle'],
            'number due date' => [['dueDate' => 20250131], 'dueDate'],
            'bool due date' => [['dueDate' => false], 'dueDate'],
            'unclear alert' => [['reply' => 'x', 'alert' => 'maybe'], 'alert'],
            'attachments object' => [['note' => 'x', 'attachments' => 'a.png'], 'attachments'],
        ];
    }

    /** Bodies meant to break a parser: each is a JSON 400 and changes nothing. */
    public static function hostileBodies(): array
    {
        return [
            'nested lists' => [str_repeat('[', 100000) . str_repeat(']', 100000)],
            'nested objects' => [str_repeat('{"a":', 5000) . '1' . str_repeat('}', 5000)],
            'random bytes' => [random_bytes(4096)],
            'invalid UTF-8 in a string' => ["{\"note\":\"\xff\xfe\"}"],
            'number out of range' => ['{"statusId": 1e999}'],
            'huge integer' => ['{"staffId": 99999999999999999999999}'],
            'attachments of lists' => ['{"note":"x","attachments":[[[]]]}'],
            'XML with a DOCTYPE' => [
                '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><ticket><note>&a;</note></ticket>',
            ],
        ];
    }

    /** @dataProvider hostileBodies */
    public function testHostileBodiesAreRefusedCleanly(string $body): void
    {
        $type = str_starts_with($body, '<') ? ['Content-Type: application/xml'] : self::JSON;
        $before = $this->snapshot('open');
        $r = self::$http->request(
            'PATCH',
            sprintf(self::UPDATE, self::number('open')),
            self::$fx['keys']['all'],
            $body,
            $type
        );
        $this->assertJsonError($r, 400);
        $this->assertSame($before, $this->snapshot('open'), 'a refused request changed nothing');
        // The worker that answered is still serving.
        $this->assertJsonOk($this->get('/api/tickets-statuses.php'));
    }

    /** @dataProvider wrongTypes */
    public function testFieldsOfTheWrongTypeAreRefusedNamingTheField(array|string $body, string $field): void
    {
        $error = $this->assertUpdateRefused($body, 400, null, $field);
        $this->assertStringContainsStringIgnoringCase($field, $error['message']);
    }

    public function testChildIdIsCheckedBeforeTheKey(): void
    {
        $path = sprintf(self::LINK, self::number('parent'));
        $missing = [['childId' => ''], ['childId' => '0'], ['childId' => 0], ['childId' => null]];
        foreach ($missing as $body) {
            foreach ([null, 'none', 'all'] as $key) {
                $this->assertRefused(['POST', $path, $body, $key], 400, 'Missing childId in request body', 'childId');
            }
        }
        foreach ([null, 'none', 'all'] as $key) {
            $this->assertRefused(
                ['POST', $path, ['child_id' => self::number('open')], $key],
                400,
                "Missing childId in request body. Unknown field 'child_id'; did you mean 'childId'?",
                'child_id'
            );
        }
        $this->assertRefused(
            ['POST', $path, ['childId' => [1]]],
            400,
            'childId must be a number or a string',
            'childId'
        );
    }

    // ---- unknown fields and the status synonym ---------------------------------------------------

    public static function unknownOnly(): array
    {
        return [
            'typo' => [['stauts' => 'Closed'], "Unknown field 'stauts'; did you mean 'status'?", 'stauts'],
            'snake case' => [['status_id' => 3], "Unknown field 'status_id'; did you mean 'statusId'?", 'status_id'],
            'nothing close' => [['foo' => 1], "Unknown field 'foo'. Known fields: departmentId, topicId, "
                . 'parentTicketNumber, statusId, status, slaId, staffId, teamId, priority, priorityId, dueDate, note, '
                . 'noteTitle, noteFormat, reply, replyFormat, alert, attachments', 'foo'],
            'several' => [['stauts' => 'x', 'Grüße' => 1], "Unknown fields 'Grüße', 'stauts'; did you mean 'status'?",
                'Grüße'],
        ];
    }

    /** @dataProvider unknownOnly */
    public function testABodyWithNoKnownFieldIsRefusedNamingTheClosest(array $body, string $message, string $f): void
    {
        $error = $this->assertUpdateRefused($body, 400, $message, $f);
        $this->assertSame('unknown_field', $error['code']);
    }

    public function testIgnoredFieldsAreNamedInAHeader(): void
    {
        $path = sprintf(self::UPDATE, self::number('open'));
        $before = $this->snapshot('open');
        $current = $before['open']['status'];
        // Nothing to change: the number, and the header names what was not understood.
        $r = $this->send('PATCH', $path, ['status' => $current, 'status_id' => 99, 'message' => 'x', 'Größe' => 1]);
        $this->assertSame([200, self::number('open')], [$r['status'], $r['body']]);
        // Sorted by name (byte order), non-ASCII percent-encoded.
        $this->assertSame('Gr%C3%B6%C3%9Fe,message,status_id', $r['headers']['x-ignored-fields'] ?? null);
        // Only on that answer.
        $this->assertArrayNotHasKey('x-ignored-fields', $this->send('PATCH', $path, ['status' => $current])['headers']);
        // A refused request names them too.
        $r = $this->send('PATCH', $path, ['statusId' => 'Pondering', 'extra' => true]);
        $this->assertJsonError($r, 404, "Status 'Pondering' not found");
        $this->assertSame('extra', $r['headers']['x-ignored-fields'] ?? null);
        $this->assertSame($before, $this->snapshot('open'));
        // Subticket bodies too.
        $self = self::number('parent');
        $r = $this->send('POST', sprintf(self::LINK, $self), ['childId' => $self, 'parent_id' => 1]);
        $this->assertJsonError($r, 400, 'Cannot link ticket to itself');
        $this->assertSame('parent_id', $r['headers']['x-ignored-fields'] ?? null);
    }

    public function testStatusAndStatusIdMustAgree(): void
    {
        $statuses = array_column($this->assertJsonOk($this->get('/api/tickets-statuses.php')), 'id', 'name');
        $this->assertArrayHasKey('Closed', $statuses);
        $error = $this->assertUpdateRefused(
            ['statusId' => 'Open', 'status' => 'Closed'],
            400,
            'statusId and status name different statuses',
            'status'
        );
        $this->assertSame('conflicting_fields', $error['code']);
        $this->assertUpdateRefused(['status' => 'Pondering'], 404, "Status 'Pondering' not found", 'status');
        // The same status by id and by name is fine (and changes nothing here).
        $open = $this->ticket(self::number('open'));
        $r = $this->send('PATCH', sprintf(self::UPDATE, self::number('open')), [
            'statusId' => $open['statusId'], 'status' => $open['status'],
        ]);
        $this->assertSame([200, self::number('open')], [$r['status'], $r['body']]);
    }

    public function testStatusIsASynonymOfStatusId(): void
    {
        $this->requireRealOsticket();
        $n = $this->createTicket('WriteTest status synonym');
        $r = $this->send('PATCH', sprintf(self::UPDATE, $n), ['status' => 'Closed']);
        $this->assertSame([200, $n], [$r['status'], $r['body']]);
        $this->assertArrayNotHasKey('x-ignored-fields', $r['headers']);
        $this->assertSame('Closed', $this->ticket($n)['status']);
    }

    public function testWhatRealClientsSendIsApplied(): void
    {
        $this->requireRealOsticket();
        $n = $this->createTicket('WriteTest real clients');
        // One client sends the text twice, for plugins that read either name.
        $text = 'Antwort: Grüße';
        $r = $this->send('PATCH', sprintf(self::UPDATE, $n), ['reply' => $text, 'message' => $text, 'alert' => false]);
        $this->assertSame([200, $n], [$r['status'], $r['body']]);
        $this->assertSame('message', $r['headers']['x-ignored-fields'] ?? null);
        $t = $this->ticket($n);
        $this->assertStringContainsString('Antwort: Grüße', (string) $this->lastEntry($t, 'R')['body']);
        // ... and the status under three names.
        $closed = self::objects()['statuses']['Closed'];
        $r = $this->send('PATCH', sprintf(self::UPDATE, $n), ['status_id' => $closed, 'status' => $closed,
            'reply' => 'Erledigt.', 'alert' => false]);
        $this->assertSame([200, $n], [$r['status'], $r['body']]);
        $this->assertSame('status_id', $r['headers']['x-ignored-fields'] ?? null);
        $t = $this->ticket($n);
        $this->assertSame('Closed', $t['status']);
        $this->assertStringContainsString('Erledigt.', (string) $this->lastEntry($t, 'R')['body']);
    }

    // ---- keys -------------------------------------------------------------------------------------

    /** A valid request to each endpoint that would change something (with the right key). */
    private static function validRequests(): array
    {
        return [
            'update' => ['PATCH', sprintf(self::UPDATE, self::number('open')), ['statusId' => 'Closed']],
            'update with PUT' => ['PUT', sprintf(self::UPDATE, self::number('open')), ['statusId' => 'Closed']],
            'delete' => ['DELETE', sprintf(self::DELETE, self::number('closed')), null],
            'subtickets create' => ['POST', sprintf(self::LINK, self::number('parent')),
                ['childId' => self::number('open')]],
            'subtickets unlink' => ['DELETE', sprintf(self::UNLINK, self::number('child')), null],
        ];
    }

    public function testRequestsWithoutAKeyAreUnauthorised(): void
    {
        foreach (self::validRequests() as [$method, $path, $body]) {
            $this->assertRefused([$method, $path, $body, null], 401, 'Valid API key required');
            $inactive = 'API key not found/active or source IP not authorized';
            $this->assertRefused([$method, $path, $body, 'inactive'], 401, $inactive);
            // No row for this key at 127.0.0.1.
            $this->assertRefused([$method, $path, $body, 'other_ip'], 401, 'Valid API key required');
        }
    }

    public function testKeysWithoutThePermissionAreDenied(): void
    {
        $requests = self::validRequests();
        $denied = [
            'update' => [401, 'API key not authorized to update tickets', ['read', 'none', 'stats', 'subtickets']],
            'update with PUT' => [401, 'API key not authorized to update tickets', ['read', 'subtickets']],
            'delete' => [401, 'API key not authorized to delete tickets', ['read', 'none', 'stats', 'subtickets']],
            'subtickets create' => [403, 'API key not authorized for subticket operations', ['read', 'none', 'stats']],
            'subtickets unlink' => [403, 'API key not authorized for subticket operations', ['read', 'none', 'stats']],
        ];
        foreach ($denied as $name => [$status, $message, $keys]) {
            [$method, $path, $body] = $requests[$name];
            foreach ($keys as $key) {
                $this->assertRefused([$method, $path, $body, $key], $status, $message);
            }
        }
    }

    // ---- tickets that do not exist ------------------------------------------------------------------

    public function testUnknownTicketsAreNotFound(): void
    {
        $close = ['statusId' => 'Closed'];
        $this->assertRefused(['PATCH', sprintf(self::UPDATE, 'NOPE999'), $close], 404, 'Ticket not found');
        $this->assertRefused(['PUT', sprintf(self::UPDATE, '999999999'), $close], 404, 'Ticket not found');
        $this->assertRefused(['DELETE', sprintf(self::DELETE, 'NOPE999')], 404, 'Ticket not found');
        $this->assertRefused(['DELETE', sprintf(self::UNLINK, 'NOPE999')], 404, 'Child ticket not found');
        $this->assertRefused(['DELETE', sprintf(self::UNLINK, '0')], 400, 'Invalid child ticket number');
        $this->assertRefused(
            ['POST', sprintf(self::LINK, 'NOPE999'), ['childId' => self::number('open')]],
            404,
            'Parent ticket not found'
        );
        $this->assertRefused(
            ['POST', sprintf(self::LINK, self::number('open')), ['childId' => 'NOPE999']],
            404,
            'Child ticket not found'
        );
        $this->assertRefused(
            ['POST', sprintf(self::LINK, '0'), ['childId' => self::number('open')]],
            400,
            'Invalid parent ticket number'
        );
    }

    public function testUpdateAndDeleteFindTicketsByNumberOnly(): void
    {
        // GET falls back to the internal id; the write endpoints do not (a DELETE must name the number).
        foreach (['open', 'closed'] as $name) {
            $id = (string) self::$fx['tickets'][$name]['id'];
            $this->assertNotSame(self::number($name), $id);
            $this->assertRefused(['DELETE', sprintf(self::DELETE, $id)], 404, 'Ticket not found');
            $this->assertRefused(
                ['PATCH', sprintf(self::UPDATE, $id), ['statusId' => 'Closed']],
                404,
                'Ticket not found'
            );
        }
        $byId = $this->get('/api/tickets-get.php/' . self::$fx['tickets']['open']['id'] . '.json');
        $this->assertSame(self::number('open'), $this->assertJsonOk($byId)['number']);
    }

    // ---- names, values, formats --------------------------------------------------------------------

    public static function unknownNames(): array
    {
        return [
            'department name' => [
                ['departmentId' => 'No Such Dept'],
                'departmentId',
                "Department 'No Such Dept' not found",
            ],
            'department id' => [['departmentId' => 987654], 'departmentId', 'Department not found'],
            'department path' => [
                ['departmentId' => 'Parent Dept / Nope'],
                'departmentId',
                "Department 'Parent Dept / Nope' not found",
            ],
            'topic name' => [['topicId' => 'No Such Topic'], 'topicId', "Help Topic 'No Such Topic' not found"],
            'topic id' => [['topicId' => '987654'], 'topicId', 'Help Topic not found'],
            'status name' => [['statusId' => 'Pondering'], 'statusId', "Status 'Pondering' not found"],
            'status id' => [['statusId' => 987654], 'statusId', 'Status not found'],
            'SLA name' => [['slaId' => 'Platinum 1h'], 'slaId', "SLA 'Platinum 1h' not found"],
            'SLA id' => [['slaId' => 987654], 'slaId', 'SLA not found'],
            'staff username' => [['staffId' => 'nobody'], 'staffId', 'Staff member not found'],
            'staff e-mail' => [['staffId' => 'nobody@example.com'], 'staffId', 'Staff member not found'],
            'staff id' => [['staffId' => 987654], 'staffId', 'Staff member not found'],
            'team name' => [['teamId' => 'Day Shift'], 'teamId', "Team 'Day Shift' not found"],
            'team id' => [['teamId' => 987654], 'teamId', 'Team not found'],
            'priority name' => [['priority' => 'Whenever'], 'priority', "Priority 'Whenever' not found"],
            'priority id' => [['priorityId' => 987654], 'priorityId', 'Priority not found'],
            'parent ticket' => [['parentTicketNumber' => 'NOPE999'], 'parentTicketNumber', 'Parent ticket not found'],
        ];
    }

    /** @dataProvider unknownNames */
    public function testUnknownNamesAreNotFoundNamingTheField(array $body, string $field, string $message): void
    {
        $this->assertUpdateRefused($body, 404, $message, $field);
    }

    public function testAnUnknownNameRefusesTheWholeRequest(): void
    {
        // The valid fields before it are not applied either.
        $this->assertUpdateRefused(
            ['statusId' => 'Closed', 'note' => 'never posted', 'staffId' => 'nobody'],
            404,
            'Staff member not found',
            'staffId'
        );
    }

    public static function inactiveNames(): array
    {
        return [
            'department' => ['departmentId', 'department', 'Department is not active'],
            'topic' => ['topicId', 'topic', 'Help Topic is not active'],
            'SLA' => ['slaId', 'sla', 'SLA is not active'],
            'staff' => ['staffId', 'staff', 'Staff member is not active'],
            'team' => ['teamId', 'team', 'Team is not active'],
        ];
    }

    /** @dataProvider inactiveNames */
    public function testInactiveObjectsAreRefused(string $field, string $fixture, string $message): void
    {
        $this->assertUpdateRefused([$field => self::$fx['inactive'][$fixture]], 400, $message, $field);
    }

    public function testDueDatesMustBeIso8601(): void
    {
        foreach (['tomorrow', '+1 week', '2025-02-30', '31.01.2025', '2025-01-31T25:00:00', 'now'] as $due) {
            $this->assertUpdateRefused(['dueDate' => $due], 400, self::DATE_MESSAGE, 'dueDate');
        }
    }

    public function testNoteFormatsAreTheOriginalOnes(): void
    {
        $this->assertUpdateRefused(
            ['note' => 'x', 'noteFormat' => 'rtf'],
            400,
            'Invalid format. Allowed: markdown, html, text',
            'noteFormat'
        );
        $this->assertUpdateRefused(['note' => 'x', 'noteFormat' => ' '], 400, 'Format cannot be empty', 'noteFormat');
        $this->assertUpdateRefused(
            ['reply' => 'x', 'replyFormat' => 'docx'],
            400,
            'Invalid format. Allowed: markdown, html, text',
            'replyFormat'
        );
    }

    private static function dataUri(string $mime, string $bytes): string
    {
        return "data:{$mime};base64," . base64_encode($bytes);
    }

    public function testAttachmentsAreCheckedBeforeAnythingIsWritten(): void
    {
        $png = base64_decode(self::PIXEL_PNG);
        $this->assertUpdateRefused(
            ['statusId' => 'Closed', 'attachments' => [['pixel.png' => self::dataUri('image/png', $png)]]],
            400,
            'Attachments can only be added with a note or a reply',
            'attachments'
        );
        $exe = "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" . str_repeat("\x00", 40)
            . 'This program cannot be run in DOS mode.';
        $error = $this->assertUpdateRefused(
            ['note' => 'see attached', 'attachments' => [['holiday.png' => self::dataUri('image/png', $exe)]]],
            415,
            'Attachment "holiday.png": content does not match its file type',
            'attachments'
        );
        $this->assertSame('attachment_content_mismatch', $error['code']);
        $this->assertUpdateRefused(
            ['note' => 'see attached', 'attachments' => [
                ['setup.exe' => self::dataUri('application/octet-stream', $exe)],
            ]],
            415,
            'Attachment "setup.exe": this file type is not supported',
            'attachments'
        );
        $six = array_map(fn ($i) => ["f{$i}.txt" => self::dataUri('text/plain', "file {$i}\n")], range(1, 6));
        $this->assertUpdateRefused(
            ['note' => 'six files', 'attachments' => $six],
            400,
            'At most 5 attachments are allowed per request, got 6',
            'attachments'
        );
        // A good file after a bad one: the request is refused as a whole.
        $this->assertUpdateRefused(
            ['reply' => 'two files', 'alert' => false, 'attachments' => [
                ['pixel.png' => self::dataUri('image/png', $png)],
                ['notes.txt' => 'data:text/plain;base64,not base64!'],
            ]],
            400,
            'Attachment "notes.txt" is not validly encoded',
            'attachments'
        );
    }

    public function testAnUpdateThatChangesNothingAnswersTheNumber(): void
    {
        foreach (['open', 'closed', 'unicode'] as $name) {
            $snapshot = $this->snapshot($name);
            $before = $snapshot[$name];
            $same = [
                'statusId' => $before['status'],
                'departmentId' => $before['departmentId'],
                'staffId' => $before['staffId'],
                'teamId' => $before['teamId'] ?: null,
                'slaId' => $before['slaId'],
                'note' => "   \n",
                'unknownField' => 'ignored',
            ];
            if ($before['duedate'] === null) {
                $same['dueDate'] = null;
            }
            foreach (['PATCH', 'PUT'] as $method) {
                $r = $this->send($method, sprintf(self::UPDATE, self::number($name)), $same);
                $this->assertSame(200, $r['status'], $r['body']);
                $this->assertStringStartsWith('text/plain', $r['type']);
                $this->assertSame(self::number($name), $r['body']);
            }
            $this->assertSame($snapshot, $this->snapshot($name));
        }
        // The answer is the plain number for an .xml URL too (as the original).
        $xmlUrl = '/api/tickets-update.php/' . self::number('open') . '.xml';
        $r = $this->send('PATCH', $xmlUrl, ['note' => ' ', 'foo' => 'bar']);
        $this->assertSame([200, self::number('open')], [$r['status'], $r['body']]);
        $this->assertSame('foo', $r['headers']['x-ignored-fields'] ?? null);
        $this->assertStringStartsWith('text/plain', $r['type']);
        // Form bodies are read as well.
        $r = $this->send(
            'PATCH',
            sprintf(self::UPDATE, self::number('open')),
            'statusId=' . rawurlencode(self::$fx['tickets']['open']['status']) . '&foo=bar',
            'all',
            ['Content-Type: application/x-www-form-urlencoded']
        );
        $this->assertSame([200, self::number('open')], [$r['status'], $r['body']]);
        $this->assertRefused(
            ['PATCH', sprintf(self::UPDATE, self::number('open')), 'statusId=Pondering', 'all',
                ['Content-Type: application/x-www-form-urlencoded']],
            404,
            "Status 'Pondering' not found",
            'statusId',
            ['open']
        );
    }

    public function testAnXmlUrlGetsAnXmlError(): void
    {
        $before = $this->snapshot('open');
        $path = '/api/tickets-update.php/' . self::number('open') . '.xml';
        $xml = $this->assertXmlError(
            $this->send('PATCH', $path, ['statusId' => 'Pondering']),
            404,
            "Status 'Pondering' not found"
        );
        $this->assertSame('statusId', (string) $xml->field);
        $this->assertSame($before, $this->snapshot('open'));
    }

    // ---- links ------------------------------------------------------------------------------------

    public function testLinkRefusals(): void
    {
        [$parent, $child, $open] = [self::number('parent'), self::number('child'), self::number('open')];
        $this->assertRefused(
            ['POST', sprintf(self::LINK, $open), ['childId' => $open]],
            400,
            'Cannot link ticket to itself',
            'childId'
        );
        $this->assertRefused(
            ['PATCH', sprintf(self::UPDATE, $open), ['parentTicketNumber' => $open]],
            400,
            'Cannot link ticket to itself',
            'parentTicketNumber'
        );
        $this->assertRefused(
            ['POST', sprintf(self::LINK, $parent), ['childId' => $child]],
            409,
            'Subticket relationship already exists',
            'childId'
        );
        $this->assertRefused(
            ['POST', sprintf(self::LINK, $open), ['childId' => $child]],
            409,
            'Child ticket already has a different parent',
            'childId'
        );
        // The parent of a link must not be a child itself (no nesting), nor a descendant of the child.
        $this->assertRefused(
            ['POST', sprintf(self::LINK, $child), ['childId' => $open]],
            422,
            'Parent ticket cannot be a child of another ticket',
            'childId'
        );
        $this->assertRefused(
            ['PATCH', sprintf(self::UPDATE, $open), ['parentTicketNumber' => $child]],
            400,
            'Parent ticket cannot be a child of another ticket',
            'parentTicketNumber'
        );
        $this->assertRefused(
            ['DELETE', sprintf(self::UNLINK, $open)],
            404,
            'Child has no parent to unlink'
        );
        $this->assertRefused(['DELETE', sprintf(self::UNLINK, $parent)], 404, 'Child has no parent to unlink');
    }

    // ---- applied changes (real osTicket) ---------------------------------------------------------

    private function requireRealOsticket(): void
    {
        if (getenv('HTTP_SUITE') !== 'real-osticket') {
            $this->markTestSkipped('applying a write needs real osTicket: the stand-in has no write adapter domain');
        }
    }

    /** A fresh ticket through POST /api/tickets.json (osTicket's API dispatcher); its number. */
    private function createTicket(string $subject): string
    {
        $r = $this->send('POST', '/api/tickets.json', [
            'name' => 'Walter Write', 'email' => 'walter.write@example.com', 'subject' => $subject,
            'message' => "Created by WriteTest.\nLine two.", 'alert' => false, 'autorespond' => false,
            'source' => 'API', 'ip' => '127.0.0.1',
        ]);
        $this->assertSame(201, $r['status'], "core's ticket API: " . $r['body']);
        $number = trim($r['body']);
        $this->assertMatchesRegularExpression('/^[A-Za-z0-9-]+$/', $number);
        $this->created[] = $number;
        return $number;
    }

    /** Applies an update that must succeed: 200 text/plain with the number; the ticket afterwards. */
    private function update(string $number, array $body, string $method = 'PATCH'): array
    {
        $r = $this->send($method, sprintf(self::UPDATE, $number), $body);
        $this->assertSame(200, $r['status'], $r['body']);
        $this->assertStringStartsWith('text/plain', $r['type']);
        $this->assertSame($number, $r['body']);
        return $this->ticket($number);
    }

    private static function objects(): array
    {
        return self::$fx['objects'];
    }

    private static function table(string $name): string
    {
        return '`' . self::$fx['db']['prefix'] . $name . '`';
    }

    /** osTicket's thread events of a ticket, oldest first: [name, username, data]. */
    private static function events(int $ticketId): array
    {
        $q = self::db()->prepare('SELECT e.name, te.username, te.data FROM ' . self::table('thread_event') . ' te'
            . ' JOIN ' . self::table('event') . ' e ON e.id = te.event_id'
            . ' JOIN ' . self::table('thread') . " th ON th.id = te.thread_id AND th.object_type = 'T'"
            . ' WHERE th.object_id = ? ORDER BY te.id');
        $q->execute([$ticketId]);
        return $q->fetchAll(\PDO::FETCH_ASSOC);
    }

    private static function eventNames(int $ticketId): array
    {
        return array_column(self::events($ticketId), 'name');
    }

    /** The newest thread entry of a type in a GET answer. */
    private function lastEntry(array $ticket, string $type): array
    {
        $entries = array_values(array_filter($ticket['thread'], fn ($e) => $e['type'] === $type));
        $this->assertNotEmpty($entries, "no thread entry of type {$type}");
        return end($entries);
    }

    private static function mailSinkSize(): ?int
    {
        $sink = getenv('MAIL_SINK');
        if (!$sink) {
            return null;
        }
        clearstatcache(true, $sink);
        return is_file($sink) ? filesize($sink) : 0;
    }

    public function testDepartmentByIdByNameAndByFullName(): void
    {
        $this->requireRealOsticket();
        $o = self::objects();
        $n = $this->createTicket('WriteTest department');
        $t = $this->ticket($n);
        $this->assertSame($o['default_dept_id'], $t['departmentId']);

        $t = $this->update($n, ['departmentId' => $o['parent_dept']['name']]);
        $this->assertSame($o['parent_dept']['id'], $t['departmentId']);
        $t = $this->update($n, ['departmentId' => $o['sub_dept']['full_name']]);
        $this->assertSame($o['sub_dept']['id'], $t['departmentId']);
        $t = $this->update($n, ['departmentId' => (string) $o['default_dept_id']]);
        $this->assertSame($o['default_dept_id'], $t['departmentId']);
        $t = $this->update($n, ['departmentId' => $o['parent_dept']['id']]);
        $this->assertSame($o['parent_dept']['id'], $t['departmentId']);

        $transfers = array_values(array_filter(self::events($t['id']), fn ($e) => $e['name'] === 'transferred'));
        $this->assertCount(4, $transfers, json_encode(self::events($t['id'])));
        $this->assertSame('SYSTEM', $transfers[0]['username']);
        $this->assertSame(['dept' => $o['sub_dept']['name']], json_decode((string) $transfers[1]['data'], true));
    }

    public function testTopicSlaPriorityAndDueDate(): void
    {
        $this->requireRealOsticket();
        $o = self::objects();
        $n = $this->createTicket('WriteTest topic, SLA, priority, due date');
        $t = $this->update($n, ['topicId' => $o['topic']['name']]);
        $this->assertSame([$o['topic']['id'], $o['topic']['name']], [$t['topicId'], $t['topic']]);

        $t = $this->update($n, ['slaId' => $o['sla']['name']]);
        $this->assertSame([$o['sla']['id'], $o['sla']['name']], [$t['slaId'], $t['sla']]);
        $t = $this->update($n, ['slaId' => 0]);
        $this->assertSame([0, null], [$t['slaId'], $t['sla']]);

        $high = $o['priorities']['High'];
        $t = $this->update($n, ['priority' => 'High']);
        $this->assertSame([$high, 'High'], [$t['priorityId'], $t['priority']]);
        $low = $o['priorities']['Low'];
        $t = $this->update($n, ['priorityId' => $low]);
        $this->assertSame([$low, 'Low'], [$t['priorityId'], $t['priority']]);

        // An offset is converted (the original dropped it); stored in the database's time zone.
        $t = $this->update($n, ['dueDate' => '2031-03-04T10:00:00+02:00']);
        $expected = (new \DateTimeImmutable('2031-03-04T08:00:00Z'))
            ->setTimezone(new \DateTimeZone(self::$fx['db']['timezone']))->format('Y-m-d H:i:s');
        $this->assertSame($expected, $t['duedate']);
        // The same instant again: 200, and no second edit is recorded.
        $this->assertSame($expected, $this->update($n, ['dueDate' => '2031-03-04T09:00:00+01:00'])['duedate']);
        $dueEdits = fn () => array_filter(self::events($t['id']), fn ($e) => $e['name'] === 'edited'
            && array_key_exists('duedate', json_decode((string) $e['data'], true) ?: []));
        $this->assertCount(1, $dueEdits(), json_encode(self::events($t['id'])));
        $t = $this->update($n, ['dueDate' => null]);
        $this->assertNull($t['duedate']);

        $edited = array_values(array_filter(self::events($t['id']), fn ($e) => $e['name'] === 'edited'));
        $fields = array_map(fn ($e) => array_keys(json_decode((string) $e['data'], true) ?: []), $edited);
        $this->assertContains(['topic_id'], $fields, json_encode($edited));
        $this->assertContains(['sla_id'], $fields, json_encode($edited));
        $this->assertContains(['duedate'], $fields, json_encode($edited));
        $this->assertContains(['fields'], $fields, json_encode($edited));
    }

    public function testStatusClosesAndReopensAndPutWorksLikePatch(): void
    {
        $this->requireRealOsticket();
        $n = $this->createTicket('WriteTest status');
        $t = $this->update($n, ['statusId' => 'Closed'], 'PUT');
        $this->assertSame(['Closed', self::objects()['statuses']['Closed']], [$t['status'], $t['statusId']]);
        $this->assertMatchesRegularExpression(self::DATETIME, (string) $t['closed']);

        $t = $this->update($n, ['statusId' => self::objects()['statuses']['Open']]);
        $this->assertSame('Open', $t['status']);
        $this->assertNull($t['closed']);
        $names = self::eventNames($t['id']);
        $this->assertSame(['created', 'closed', 'reopened'], $names);
    }

    public function testTheDispatcherRouteUpdatesLikeTheScript(): void
    {
        $this->requireRealOsticket();
        $n = $this->createTicket('WriteTest dispatcher route');
        $before = $this->ticket($n);
        $this->assertJsonError(
            $this->send('PATCH', "/api/tickets/{$n}.json", ['statusId' => 'Pondering']),
            404,
            "Status 'Pondering' not found"
        );
        $this->assertSame($before, $this->ticket($n));
        foreach (['PATCH' => 'Closed', 'PUT' => 'Open'] as $method => $status) {
            $r = $this->send($method, "/api/tickets/{$n}.json", ['statusId' => $status]);
            $this->assertSame([200, $n], [$r['status'], $r['body']]);
            $this->assertSame($status, $this->ticket($n)['status']);
        }
    }

    public function testAgentAndTeamAreAssignedAndReleased(): void
    {
        $this->requireRealOsticket();
        $o = self::objects();
        $staff = self::$fx['staff'];
        $n = $this->createTicket('WriteTest assignment');
        $t = $this->update($n, ['staffId' => $staff['username'], 'teamId' => $o['team']['name']]);
        $this->assertSame(
            [$staff['id'], $o['team']['id'], $o['team']['name']],
            [$t['staffId'], $t['teamId'], $t['team']]
        );
        $this->assertSame('Ada Lovelace', $t['staff']);

        $t = $this->update($n, ['staffId' => 0]);
        $this->assertSame([0, null, $o['team']['id']], [$t['staffId'], $t['staff'], $t['teamId']]);
        $t = $this->update($n, ['teamId' => null]);
        $this->assertSame([0, null], [$t['teamId'], $t['team']]);

        $events = array_values(array_filter(
            self::events($t['id']),
            fn ($e) => in_array($e['name'], ['assigned', 'released'], true)
        ));
        $this->assertSame(
            [
                // One request: the team first, then the agent (the documented order).
                ['assigned', ['team' => $o['team']['id']]],
                ['assigned', ['staff' => $staff['id']]],
                ['released', ['staff' => [$staff['id'], 'Ada Lovelace']]],
                ['released', ['team' => $o['team']['id']]],
            ],
            array_map(fn ($e) => [$e['name'], json_decode((string) $e['data'], true)], $events)
        );
    }

    public function testNoteInMarkdownIsStoredAsSafeHtmlWithItsTitleAndAttachments(): void
    {
        $this->requireRealOsticket();
        $n = $this->createTicket('WriteTest note');
        $png = base64_decode(self::PIXEL_PNG);
        $text = "line one\r\nline two ✓\n";
        $t = $this->update($n, [
            'note' => "Checked the **printer** twice.\n\n<script>alert('x')</script>\n\n* one\n* two",
            'noteTitle' => 'Checked by the API',
            'attachments' => [
                ['pixel.png' => self::dataUri('image/png', $png)],
                ['name' => 'notes.txt', 'type' => 'text/plain', 'data' => base64_encode($text), 'encoding' => 'base64'],
            ],
        ]);
        $note = $this->lastEntry($t, 'N');
        $this->assertSame('API', $note['poster']);
        $this->assertStringContainsString('<strong>printer</strong>', $note['body']);
        $this->assertStringContainsString('<li>one</li>', $note['body']);
        $this->assertStringNotContainsString('<script', $note['body']);
        $this->assertStringNotContainsString('alert(', $note['body']);

        $title = self::db()->prepare('SELECT title, format FROM ' . self::table('thread_entry') . ' WHERE id = ?');
        $title->execute([$note['id']]);
        $this->assertSame(['title' => 'Checked by the API', 'format' => 'html'], $title->fetch(\PDO::FETCH_ASSOC));

        $this->assertSame(2, $note['attachment_count'] ?? null, json_encode($note));
        $byName = array_column($note['attachments'], null, 'filename');
        ksort($byName);
        $this->assertSame(['notes.txt', 'pixel.png'], array_keys($byName));
        $sent = ['pixel.png' => [$png, 'image/png'], 'notes.txt' => [$text, 'text/plain']];
        foreach ($sent as $name => [$bytes, $mime]) {
            $a = $byName[$name];
            $this->assertSame([strlen($bytes), $mime, false], [$a['size'], $a['mime_type'], $a['inline']], $name);
            $file = $this->assertJsonOk($this->get("/api/tickets-attachment-download.php/{$a['file_id']}.json"));
            $this->assertSame($a['file_id'], $file['file_id']);
            $this->assertSame($name, $file['filename']);
            $this->assertSame($bytes, base64_decode($file['content'], true), "{$name} comes back byte for byte");
        }
        // Without a title: the original's default.
        $t = $this->update($n, ['note' => '<p>Plain <em>HTML</em> note</p>', 'noteFormat' => 'html']);
        $second = $this->lastEntry($t, 'N');
        $this->assertStringContainsString('<em>HTML</em>', $second['body']);
        $title->execute([$second['id']]);
        $this->assertSame('API Update', $title->fetch(\PDO::FETCH_ASSOC)['title']);
    }

    public function testReplyWithoutAlertSendsNoMail(): void
    {
        $this->requireRealOsticket();
        $n = $this->createTicket('WriteTest reply');
        $mailBefore = self::mailSinkSize();
        $t = $this->update($n, ['reply' => 'Thanks, we are _on it_.', 'alert' => false]);
        $reply = $this->lastEntry($t, 'R');
        $this->assertSame('API', $reply['poster']);
        $this->assertStringContainsString('<em>on it</em>', $reply['body']);
        if ($mailBefore !== null) {
            $this->assertSame($mailBefore, self::mailSinkSize(), 'no mail with alert: false');
        }
        $this->assertCount(1, array_filter($t['thread'], fn ($e) => $e['type'] === 'R'));
    }

    public function testReplyWithAlertIsMailedToTheUser(): void
    {
        $this->requireRealOsticket();
        $n = $this->createTicket('WriteTest mailed reply');
        $mailBefore = self::mailSinkSize();
        $this->assertNotNull($mailBefore, 'MAIL_SINK is set by scripts/lib.sh');
        $this->update($n, ['reply' => 'Your **printer** is fixed.', 'replyFormat' => 'markdown']);
        clearstatcache();
        $mail = (string) file_get_contents((string) getenv('MAIL_SINK'), false, null, $mailBefore);
        $this->assertStringContainsString('walter.write@example.com', $mail, 'mailed to the ticket\'s user');
        $this->assertStringContainsString("[#{$n}]", $mail, 'about this ticket');
        // The text part is base64: decode it to find the reply.
        $this->assertMatchesRegularExpression(
            '/Content-Transfer-Encoding: base64\r?\n\r?\n([A-Za-z0-9+\/=\r\n]+)/',
            $mail
        );
        preg_match('/Content-Transfer-Encoding: base64\r?\n\r?\n([A-Za-z0-9+\/=\r\n]+)/', $mail, $m);
        $this->assertStringContainsString('printer', (string) base64_decode(preg_replace('/\s+/', '', $m[1])));
    }

    public function testSeveralFieldsInOneRequest(): void
    {
        $this->requireRealOsticket();
        $o = self::objects();
        $n = $this->createTicket('WriteTest several fields');
        $t = $this->update($n, [
            'departmentId' => $o['parent_dept']['id'], 'statusId' => 'Closed', 'priority' => 'Emergency',
            'note' => 'Closing with a note', 'noteFormat' => 'text',
        ]);
        $this->assertSame(
            [$o['parent_dept']['id'], 'Closed', 'Emergency'],
            [$t['departmentId'], $t['status'], $t['priority']]
        );
        $this->assertStringContainsString('Closing with a note', $this->lastEntry($t, 'N')['body']);
        $names = self::eventNames($t['id']);
        $this->assertContains('transferred', $names);
        $this->assertContains('closed', $names);
    }

    public function testWhatOsticketRefusesChangesNothing(): void
    {
        $this->requireRealOsticket();
        $o = self::objects();
        $n = $this->createTicket('WriteTest refused by osTicket');
        $before = $this->ticket($n);
        $events = self::events($before['id']);
        // osTicket sets no status of state "archived" on a ticket: the transfer before it is not made.
        $r = $this->send('PATCH', sprintf(self::UPDATE, $n), [
            'departmentId' => $o['parent_dept']['id'], 'statusId' => 'Archived', 'note' => 'never posted',
        ]);
        $error = $this->assertJsonError($r, 409);
        $this->assertSame(['status_refused', 'statusId'], [$error['code'], $error['field'] ?? null]);
        $this->assertSame($before, $this->ticket($n));
        $this->assertSame($events, self::events($before['id']));
    }

    public function testSubticketLinkAndUnlinkKeepTheOriginalAnswers(): void
    {
        $this->requireRealOsticket();
        $p = $this->createTicket('WriteTest link parent');
        $c = $this->createTicket('WriteTest link child');
        [$parent, $child] = [$this->ticket($p), $this->ticket($c)];
        $summary = fn (array $t) => ['ticket_id' => $t['id'], 'number' => $t['number'], 'subject' => $t['subject'],
            'status' => $t['status']];

        $r = $this->send('POST', sprintf(self::LINK, $p), ['childId' => $c]);
        $this->assertSame([
            'success' => true,
            'message' => 'Subticket relationship created successfully',
            'parent' => $summary($parent),
            'child' => $summary($child),
        ], $this->assertJsonOk($r));
        $this->assertSame([$summary($child)], $this->children($p));
        $this->assertSame($summary($parent), $this->ticket($c)['parent']);
        $this->assertSame([$child['id']], $this->ticket($p)['children']);
        // Linking again: a conflict, nothing changes.
        $this->assertRefused(
            ['POST', sprintf(self::LINK, $p), ['childId' => $c]],
            409,
            'Subticket relationship already exists'
        );

        $r = $this->send('DELETE', sprintf(self::UNLINK, $c));
        $this->assertSame([
            'success' => true,
            'message' => 'Subticket relationship removed successfully',
            'child' => $summary($child),
        ], $this->assertJsonOk($r));
        $this->assertNull($this->ticket($c)['parent']);
        $this->assertSame([], $this->children($p));
        $this->assertSame([], $this->ticket($p)['children']);
        $this->assertRefused(['DELETE', sprintf(self::UNLINK, $c)], 404, 'Child has no parent to unlink');

        // The XML form of the answer.
        $xml = $this->assertWellFormedXml(
            $this->send('POST', '/api/tickets-subtickets-create.php/' . $p . '.xml', ['childId' => $c])
        );
        $this->assertSame(['true', $c], [(string) $xml->success, (string) $xml->child->number]);
        // parentTicketNumber of an update links as well.
        $other = $this->createTicket('WriteTest link by update');
        $this->update($other, ['parentTicketNumber' => $p]);
        $this->assertSame($p, $this->ticket($other)['parent']['number'] ?? null);
    }

    public function testDeleteRemovesTheTicketAndReleasesItsChildren(): void
    {
        $this->requireRealOsticket();
        $p = $this->createTicket('WriteTest delete parent');
        $c = $this->createTicket('WriteTest delete child');
        $this->assertJsonOk($this->send('POST', sprintf(self::LINK, $p), ['childId' => $c]));
        $parentId = $this->ticket($p)['id'];

        $r = $this->send('DELETE', sprintf(self::DELETE, $p));
        $this->assertSame([200, $p], [$r['status'], $r['body']]);
        $this->assertStringStartsWith('text/plain', $r['type']);
        $this->assertJsonError($this->get("/api/tickets-get.php/{$p}.json"), 404, 'Ticket not found');
        $this->assertJsonError(
            $this->get("/api/tickets-subtickets-list.php/{$p}.json"),
            404,
            'Parent ticket not found'
        );
        $this->assertNull($this->ticket($c)['parent'], 'the child is released');
        $this->assertSame($c, $this->ticket($c)['number'], 'the child stays');
        $rows = self::db()->prepare('SELECT COUNT(*) FROM ' . self::table('ticket')
            . ' WHERE ticket_id = ? OR ticket_pid = ?');
        $rows->execute([$parentId, $parentId]);
        $this->assertSame(0, (int) $rows->fetchColumn(), 'no row refers to the deleted ticket');
        // Deleting again: not found.
        $this->assertJsonError($this->send('DELETE', sprintf(self::DELETE, $p)), 404, 'Ticket not found');
    }
}
