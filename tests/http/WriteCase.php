<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

/**
 * Base of the HTTP tests that apply writes on real osTicket and read osTicket's own tables back
 * (WriteCombinedTest, WriteConcurrencyTest, WriteTextTest): requests, tickets of their own (deleted
 * in tearDown), and a snapshot of everything a write may change, without timestamps.
 */
abstract class WriteCase extends ApiTestCase
{
    protected const UPDATE = '/api/tickets-update.php/%s.json';
    protected const JSON = ['Content-Type: application/json'];

    /** Numbers of the tickets a test created (deleted in tearDown). */
    protected array $created = [];

    protected function tearDown(): void
    {
        foreach (array_reverse($this->created) as $number) {
            $this->send('DELETE', "/api/tickets-delete.php/{$number}.json");
        }
        $this->created = [];
    }

    protected function requireRealOsticket(): void
    {
        if (getenv('HTTP_SUITE') !== 'real-osticket') {
            $this->markTestSkipped('applying a write needs real osTicket: the stand-in has no write adapter domain');
        }
    }

    /** A request with the `all` key; an array body is sent as JSON. */
    protected function send(string $method, string $path, array|string|null $body = null): array
    {
        if (is_array($body)) {
            $body = json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        }
        return self::$http->request($method, $path, self::$fx['keys']['all'], $body, self::JSON);
    }

    /** A fresh ticket through POST /api/tickets.json; its number. */
    protected function createTicket(string $subject): string
    {
        $r = $this->send('POST', '/api/tickets.json', [
            'name' => 'Walter Write', 'email' => 'walter.write@example.com', 'subject' => $subject,
            'message' => 'Created by ' . static::class, 'alert' => false, 'autorespond' => false,
            'source' => 'API', 'ip' => '127.0.0.1',
        ]);
        $this->assertSame(201, $r['status'], "core's ticket API: " . $r['body']);
        $number = trim($r['body']);
        $this->created[] = $number;
        return $number;
    }

    /** PATCH that must succeed (200, the number). */
    protected function update(string $number, array $body): void
    {
        $r = $this->send('PATCH', sprintf(self::UPDATE, $number), $body);
        $this->assertSame([200, $number], [$r['status'], $r['body']], json_encode($body, JSON_UNESCAPED_UNICODE));
    }

    protected static function table(string $name): string
    {
        return '`' . self::$fx['db']['prefix'] . $name . '`';
    }

    protected static function rows(string $sql, array $params = []): array
    {
        $q = self::db()->prepare($sql);
        $q->execute($params);
        return $q->fetchAll(\PDO::FETCH_ASSOC);
    }

    protected static function ticketId(string $number): int
    {
        $rows = self::rows('SELECT ticket_id FROM ' . self::table('ticket') . ' WHERE number = ?', [$number]);
        return (int) $rows[0]['ticket_id'];
    }

    /** osTicket's thread events of a ticket, oldest first, without ids and timestamps. */
    protected static function events(int $id): array
    {
        return self::rows('SELECT e.name, te.data, te.staff_id, te.team_id, te.dept_id, te.topic_id, te.username,'
            . ' te.uid, te.uid_type, te.annulled FROM ' . self::table('thread_event') . ' te'
            . ' JOIN ' . self::table('event') . ' e ON e.id = te.event_id'
            . ' JOIN ' . self::table('thread') . " th ON th.id = te.thread_id AND th.object_type = 'T'"
            . ' WHERE th.object_id = ? ORDER BY te.id', [$id]);
    }

    /** The thread entries of a ticket, oldest first, without ids and timestamps. */
    protected static function entries(int $id): array
    {
        return self::rows('SELECT en.type, en.title, en.body, en.format, en.poster, en.staff_id, en.user_id, en.flags'
            . ' FROM ' . self::table('thread_entry') . ' en JOIN ' . self::table('thread') . ' th'
            . " ON th.id = en.thread_id AND th.object_type = 'T' WHERE th.object_id = ? ORDER BY en.id", [$id]);
    }

    /**
     * What a write may change, without what differs between twins (ids, numbers, timestamps):
     * the ticket row, its priority, its thread events and entries.
     */
    protected static function state(string $number): array
    {
        $id = self::ticketId($number);
        $row = self::rows('SELECT t.ticket_pid, t.status_id, t.dept_id, t.sla_id, t.topic_id, t.staff_id,'
            . ' t.team_id, t.flags, t.isoverdue, t.isanswered, t.duedate, t.source,'
            . ' t.est_duedate IS NULL AS no_est_duedate, t.closed IS NULL AS not_closed,'
            . ' t.reopened IS NULL AS never_reopened, c.priority FROM ' . self::table('ticket') . ' t'
            . ' LEFT JOIN ' . self::table('ticket__cdata') . ' c ON c.ticket_id = t.ticket_id'
            . ' WHERE t.ticket_id = ?', [$id])[0];
        return ['ticket' => $row, 'events' => self::events($id), 'entries' => self::entries($id)];
    }

    /**
     * Keeps $clients requests in flight (curl_multi) until $seconds have passed, then lets the last
     * ones finish. $next() gives each new request: [label, method, path, body (array: JSON)];
     * $tick(seconds since the start), when given, is called between answers.
     * @return list<array{label: string, body: mixed, status: int, headers: array, answer: string,
     *     started: float, took: float}>
     */
    protected function concurrently(int $clients, float $seconds, callable $next, ?callable $tick = null): array
    {
        $multi = curl_multi_init();
        $active = [];
        $done = [];
        $start = microtime(true);
        $launch = function () use ($multi, $next, &$active): void {
            [$label, $method, $path, $body] = $next();
            $headers = [];
            $ch = curl_init(self::$fx['base_url'] . $path);
            curl_setopt_array($ch, [
                CURLOPT_CUSTOMREQUEST => $method,
                CURLOPT_RETURNTRANSFER => true,
                CURLOPT_TIMEOUT => 60,
                CURLOPT_HTTPHEADER => array_merge(self::JSON, ['X-API-Key: ' . self::$fx['keys']['all']]),
                CURLOPT_HEADERFUNCTION => function ($ch, string $line) use (&$headers): int {
                    if (str_contains($line, ':')) {
                        [$name, $value] = explode(':', $line, 2);
                        $headers[strtolower(trim($name))] = trim($value);
                    }
                    return strlen($line);
                },
            ]);
            if ($body !== null) {
                curl_setopt($ch, CURLOPT_POSTFIELDS, is_array($body)
                    ? json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE) : $body);
            }
            curl_multi_add_handle($multi, $ch);
            $active[spl_object_id($ch)] = ['ch' => $ch, 'label' => $label, 'body' => $body,
                'headers' => &$headers, 'started' => microtime(true)];
        };
        for ($i = 0; $i < $clients; $i++) {
            $launch();
        }
        while ($active) {
            curl_multi_exec($multi, $running);
            curl_multi_select($multi, 0.2);
            if ($tick) {
                $tick(microtime(true) - $start);
            }
            while ($info = curl_multi_info_read($multi)) {
                $ch = $info['handle'];
                $a = $active[spl_object_id($ch)];
                unset($active[spl_object_id($ch)]);
                $this->assertSame(0, curl_errno($ch), "{$a['label']}: " . curl_error($ch));
                $done[] = ['label' => $a['label'], 'body' => $a['body'],
                    'status' => (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE), 'headers' => $a['headers'],
                    'answer' => (string) curl_multi_getcontent($ch), 'started' => $a['started'] - $start,
                    'took' => microtime(true) - $a['started']];
                curl_multi_remove_handle($multi, $ch);
                curl_close($ch);
                if (microtime(true) - $start < $seconds) {
                    $launch();
                }
            }
        }
        curl_multi_close($multi);
        return $done;
    }
}
