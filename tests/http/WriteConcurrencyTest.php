<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

/**
 * Writes under load on real osTicket (docs/write-commands.md, "Locks and a stalled database"):
 * 16 clients changing one ticket at once, and 8 clients while another connection holds
 * `LOCK TABLES ost_ticket WRITE`. Bounded in time (CLIENT_SECONDS, STALL_SECONDS).
 */
final class WriteConcurrencyTest extends WriteCase
{
    private const CLIENTS = 16;
    private const CLIENT_SECONDS = 15.0;
    private const STALL_CLIENTS = 8;
    private const STALL_SECONDS = 10.0;
    /** The extension's and the adapter's lock wait (src/db/mod.rs LOCK_WAIT, ApiEndpointsWriter::LOCK_WAIT). */
    private const LOCK_WAIT = 4;
    private const SEED = 16;

    /**
     * 16 clients send status flips, notes, assignments and due dates to one ticket for 15 s. Every
     * request is applied (200, no 5xx), every note is stored exactly once, the thread records one
     * event per real change (replaying the events never finds a change to what the ticket already
     * was), and the final row is what the events say.
     */
    public function testSixteenClientsOnOneTicket(): void
    {
        $this->requireRealOsticket();
        $number = $this->createTicket('Concurrency: 16 clients');
        $path = sprintf(self::UPDATE, $number);
        $staff = self::$fx['staff'];
        mt_srand(self::SEED);
        $notes = 0;
        $next = function () use ($path, $staff, &$notes): array {
            $op = ['close', 'open', 'note', 'assign', 'release', 'due'][mt_rand(0, 5)];
            $body = match ($op) {
                'close' => ['statusId' => 'Closed'],
                'open' => ['statusId' => 'Open'],
                'note' => ['note' => sprintf('[cc-%04d] Notiz ж 你好', ++$notes), 'noteFormat' => 'text'],
                'assign' => ['staffId' => $staff['username']],
                'release' => ['staffId' => 0],
                'due' => ['dueDate' => sprintf('2032-%02d-%02d 10:00:00', mt_rand(1, 12), mt_rand(1, 28))],
            };
            return [$op, 'PATCH', $path, $body];
        };
        $answers = $this->concurrently(self::CLIENTS, self::CLIENT_SECONDS, $next);

        $statuses = array_count_values(array_map(fn ($a) => (string) $a['status'], $answers));
        $byOp = array_count_values(array_column($answers, 'label'));
        fwrite(STDERR, sprintf(
            "\n[concurrency] %d requests by %d clients in %.0f s: %s; statuses %s; slowest %.2f s\n",
            count($answers),
            self::CLIENTS,
            self::CLIENT_SECONDS,
            json_encode($byOp),
            json_encode($statuses),
            max(array_column($answers, 'took'))
        ));
        $failed = array_filter($answers, fn ($a) => $a['status'] !== 200);
        $failures = array_map(fn ($a) => [$a['label'], $a['status'], $a['answer']], $failed);
        $this->assertSame([], $failures, 'every write applied');
        $this->assertGreaterThan(self::CLIENTS * 5, count($answers), 'the clients kept the ticket busy');

        $id = self::ticketId($number);
        // Every note once.
        $stored = [];
        foreach (self::entries($id) as $e) {
            if (preg_match('/\[cc-(\d{4})\]/', (string) $e['body'], $m)) {
                $stored[] = (int) $m[1];
            }
        }
        sort($stored);
        $this->assertSame(range(1, $notes), $stored, 'every note stored exactly once');

        // One event per real change: replay the thread from the new ticket.
        $closed = false;
        $agent = 0;
        $due = null;
        $changes = ['closed' => 0, 'reopened' => 0, 'assigned' => 0, 'released' => 0, 'due' => 0];
        foreach (self::events($id) as $i => $e) {
            $data = json_decode((string) $e['data'], true) ?: [];
            $at = "event #{$i} {$e['name']} " . $e['data'];
            switch ($e['name']) {
                case 'created':
                    $this->assertSame(0, $i, $at);
                    break;
                case 'closed':
                    $this->assertFalse($closed, "{$at}: closed while closed");
                    $closed = true;
                    break;
                case 'reopened':
                    $this->assertTrue($closed, "{$at}: reopened while open");
                    $closed = false;
                    break;
                case 'assigned':
                    $this->assertNotSame($staff['id'], $agent, "{$at}: assigned to the agent it had");
                    $this->assertSame(['staff' => $staff['id']], $data, $at);
                    $agent = $staff['id'];
                    break;
                case 'released':
                    $this->assertSame($staff['id'], $agent, "{$at}: released without an agent");
                    $agent = 0;
                    break;
                case 'edited':
                    $this->assertSame(['duedate'], array_keys($data), $at);
                    [$old, $new] = $data['duedate'];
                    $this->assertSame($due, $old, "{$at}: the due date it replaced");
                    $this->assertNotSame($old, $new, "{$at}: an edit that changes nothing");
                    $due = $new;
                    $e['name'] = 'due';
                    break;
                default:
                    $this->fail("unexpected event {$at}");
            }
            if (isset($changes[$e['name']])) {
                $changes[$e['name']]++;
            }
        }
        fwrite(STDERR, '[concurrency] events: ' . json_encode($changes) . "\n");
        foreach ($changes as $name => $count) {
            $this->assertGreaterThan(0, $count, "some {$name} change happened");
        }
        // The final row agrees with the last events.
        $row = self::rows('SELECT t.staff_id, t.duedate, t.closed IS NOT NULL AS closed, s.state FROM '
            . self::table('ticket') . ' t JOIN ' . self::table('ticket_status') . ' s ON s.id = t.status_id'
            . ' WHERE t.ticket_id = ?', [$id])[0];
        $this->assertSame(
            ['state' => $closed ? 'closed' : 'open', 'closed' => $closed, 'staff_id' => $agent, 'duedate' => $due],
            ['state' => $row['state'], 'closed' => (bool) $row['closed'], 'staff_id' => (int) $row['staff_id'],
                'duedate' => $row['duedate']]
        );
    }

    /**
     * While another connection holds `LOCK TABLES ost_ticket WRITE` for 10 s, 8 clients read and
     * write: every answer is a 200 or a 503 with `Retry-After` (code database_busy), no request waits
     * for the whole lock (workers are freed after the bounded lock wait), `tickets-statuses`, which
     * does not read the ticket table, keeps answering 200, and after the lock everything works again.
     */
    public function testAStalledTicketTableHoldsNoWorker(): void
    {
        $this->requireRealOsticket();
        $number = $this->createTicket('Concurrency: stalled table');
        $c = self::$fx['db'];
        [$host, $port] = array_pad(explode(':', $c['host'], 2), 2, '3306');
        $locker = new \PDO(
            sprintf('mysql:host=%s;port=%d;dbname=%s;charset=utf8mb4', $host, (int) $port, $c['name']),
            $c['user'],
            $c['pass'],
            [\PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION]
        );
        $i = 0;
        $next = function () use ($number, &$i): array {
            return match ($i++ % 4) {
                0 => ['get', 'GET', "/api/tickets-get.php/{$number}.json", null],
                1 => ['note', 'PATCH', sprintf(self::UPDATE, $number), ['note' => "stalled note {$i}"]],
                2 => ['statuses', 'GET', '/api/tickets-statuses.php', null],
                3 => ['search', 'GET', '/api/tickets-search.php?query=stalled', null],
            };
        };
        $locker->exec('LOCK TABLES ' . self::table('ticket') . ' WRITE');
        $held = null;
        $unlock = function (float $now) use ($locker, &$held): void {
            if ($held === null && $now >= self::STALL_SECONDS) {
                $locker->exec('UNLOCK TABLES');
                $held = $now;
            }
        };
        try {
            $answers = $this->concurrently(self::STALL_CLIENTS, self::STALL_SECONDS, $next, $unlock);
        } finally {
            $unlock(INF);
        }
        $during = array_filter($answers, fn ($a) => $a['started'] + $a['took'] < $held);
        $statuses = array_filter($answers, fn ($a) => $a['label'] === 'statuses');
        fwrite(STDERR, sprintf(
            "\n[stall] lock held %.1f s; %d answers, %d during the lock: %s; slowest %.2f s, slowest statuses %.2f s\n",
            $held,
            count($answers),
            count($during),
            json_encode(array_count_values(array_map(fn ($a) => "{$a['label']} {$a['status']}", $answers))),
            max(array_column($answers, 'took')),
            max(array_column($statuses, 'took'))
        ));
        $busy = 0;
        foreach ($answers as $a) {
            $this->assertContains($a['status'], [200, 503], "{$a['label']}: {$a['answer']}");
            $this->assertLessThan(self::STALL_SECONDS, $a['took'], "{$a['label']} waited for the whole lock");
            if ($a['status'] === 503) {
                $busy++;
                $this->assertSame('5', $a['headers']['retry-after'] ?? null, $a['label']);
                $this->assertSame('database_busy', json_decode($a['answer'], true)['code'] ?? null, $a['answer']);
                $this->assertGreaterThanOrEqual(self::LOCK_WAIT - 0.5, $a['took'], 'a 503 after the lock wait');
            }
            if ($a['label'] === 'statuses') {
                $this->assertSame(200, $a['status'], 'tickets-statuses does not need the ticket table');
            }
        }
        $this->assertGreaterThan(0, $busy, 'the lock was felt');
        $this->assertGreaterThanOrEqual(self::STALL_CLIENTS, count($during), 'workers answered during the lock');
        // Afterwards: served again.
        $this->assertSame(200, $this->get("/api/tickets-get.php/{$number}.json")['status']);
        $this->update($number, ['note' => 'after the lock']);
    }
}
