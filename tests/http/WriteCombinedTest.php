<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

/**
 * One meaning for a multi-field update (docs/write-commands.md, "One meaning for several fields"):
 * on real osTicket, one request with several fields must leave a ticket exactly as the same fields,
 * sent one request at a time in the documented order, leave its twin: the same ticket row
 * (status, department, topic, SLA, agent, team, parent, due date, flags), priority, thread events
 * (names and data) and thread entries. Generated: every pair of fields on an open ticket, a seeded
 * sample of triples on open or closed tickets with values that undo each other, and the original
 * README's example.
 */
final class WriteCombinedTest extends WriteCase
{
    /** The documented order (docs/write-commands.md), by request field. */
    private const ORDER = ['departmentId', 'topicId', 'slaId', 'priority', 'dueDate', 'teamId', 'staffId',
        'parentTicketNumber', 'note', 'reply', 'statusId'];
    private const SEED = 20261203;
    private const TRIPLES = 14;

    private static ?string $parent = null;

    public static function tearDownAfterClass(): void
    {
        if (self::$parent !== null) {
            $path = '/api/tickets-delete.php/' . self::$parent . '.json';
            self::$http->request('DELETE', $path, self::$fx['keys']['all']);
            self::$parent = null;
        }
    }

    public static function pairs(): array
    {
        $cases = [];
        foreach (self::ORDER as $i => $a) {
            foreach (array_slice(self::ORDER, $i + 1) as $b) {
                $cases["{$a} + {$b}"] = ['open', [$a => 0, $b => 0]];
            }
        }
        return $cases;
    }

    /** Triples of fields with values drawn from each field's candidates, from a fixed seed. */
    public static function triples(): array
    {
        mt_srand(self::SEED);
        $cases = [];
        while (count($cases) < self::TRIPLES) {
            $keys = (array) array_rand(array_flip(self::ORDER), 3);
            $fields = [];
            foreach ($keys as $k) {
                $fields[$k] = mt_rand(0, 1);
            }
            $start = mt_rand(0, 1) ? 'closed' : 'open';
            $name = $start . ': ' . implode(' + ', array_map(fn ($k) => "{$k}#{$fields[$k]}", $keys));
            $cases[$name] = [$start, $fields];
        }
        // The original README's example, with the seeded helpdesk's names.
        $cases['README example'] = ['open', ['departmentId' => 0, 'slaId' => 0, 'staffId' => 0, 'statusId' => 0]];
        $cases['README example on a closed ticket'] = ['closed',
            ['departmentId' => 0, 'slaId' => 0, 'staffId' => 0, 'statusId' => 0]];
        return $cases;
    }

    /** The request fields of $field's candidate $choice (0: the usual change, 1: its undoing or another value). */
    private function fields(string $field, int $choice): array
    {
        $o = self::$fx['objects'];
        $candidates = [
            'departmentId' => ['Sales', $o['parent_dept']['name']],
            'topicId' => [$o['topic']['id'], $o['topic']['name']],
            'slaId' => [$o['sla']['name'], 0],
            'priority' => ['High', 'Low'],
            'dueDate' => ['2031-05-06T10:00:00Z', null],
            'teamId' => [$o['team']['name'], 0],
            'staffId' => [self::$fx['staff']['username'], 0],
            'parentTicketNumber' => [$this->parent(), $this->parent()],
            'note' => [['note' => "Grüße, привет, 你好 ✓ — *combined*", 'noteTitle' => 'Über ж']],
            'reply' => [['reply' => "Antwort: שלום, e\u{301}", 'alert' => false]],
            'statusId' => [3, 'Open'],
        ];
        $values = $candidates[$field];
        $value = $values[$choice % count($values)];
        return is_array($value) ? $value : [$field => $value];
    }

    private function parent(): string
    {
        if (self::$parent === null) {
            $r = $this->send('POST', '/api/tickets.json', [
                'name' => 'Walter Write', 'email' => 'walter.write@example.com', 'subject' => 'Combined: parent',
                'message' => 'The parent of the combined tests', 'alert' => false, 'autorespond' => false,
            ]);
            $this->assertSame(201, $r['status'], $r['body']);
            self::$parent = trim($r['body']);
        }
        return self::$parent;
    }

    /** @dataProvider pairs */
    public function testEveryPairMeansTheFieldsOneAtATime(string $start, array $choices): void
    {
        $this->assertCombinedEqualsSequential($start, $choices);
    }

    /** @dataProvider triples */
    public function testGeneratedTriplesMeanTheFieldsOneAtATime(string $start, array $choices): void
    {
        $this->assertCombinedEqualsSequential($start, $choices);
    }

    private function assertCombinedEqualsSequential(string $start, array $choices): void
    {
        $this->requireRealOsticket();
        $requests = [];
        foreach (self::ORDER as $field) {
            if (array_key_exists($field, $choices)) {
                $requests[] = $this->fields($field, $choices[$field]);
            }
        }
        $combined = array_merge(...$requests);
        $what = json_encode($combined, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES) . " on an {$start} ticket";
        [$one, $two] = [$this->createTicket('Combined twin'), $this->createTicket('Combined twin')];
        if ($start === 'closed') {
            $this->update($one, ['statusId' => 'Closed']);
            $this->update($two, ['statusId' => 'Closed']);
        }
        $this->assertSame(self::state($one), self::state($two), 'twins start alike');
        $before = self::state($one);

        $r = $this->send('PATCH', sprintf(self::UPDATE, $one), $combined);
        $answers = [];
        foreach ($requests as $request) {
            $answers[] = $s = $this->send('PATCH', sprintf(self::UPDATE, $two), $request);
            if ($s['status'] !== 200) {
                break;
            }
        }
        if ($r['status'] === 200) {
            $this->assertSame($one, $r['body'], $what);
            $this->assertSame(
                array_fill(0, count($requests), 200),
                array_column($answers, 'status'),
                "{$what}: applied at once, refused one at a time: " . json_encode(array_column($answers, 'body'))
            );
            $this->assertSame(self::state($two), self::state($one), $what);
        } else {
            // Refused as a whole, naming the field one of the single requests was refused for.
            $error = $this->assertJsonError($r, $r['status']);
            $this->assertContains($r['status'], [409], $what . ': ' . $r['body']);
            $last = end($answers);
            $this->assertSame($r['status'], $last['status'], "{$what}: the same refusal one at a time");
            $this->assertSame($error['field'] ?? null, json_decode($last['body'], true)['field'] ?? null, $what);
            $this->assertSame($before, self::state($one), "{$what}: a refused request writes nothing");
        }
    }
}
