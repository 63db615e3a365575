<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

/**
 * The shared international corpus (tests/fixtures/i18n.json: German, Cyrillic, Greek, Arabic and
 * Hebrew, CJK, Thai, Hindi, combining marks, emoji with joiners, zero-width characters, a BOM, a
 * NUL byte) through every text field of the endpoints.
 *
 * On both suites: search `query` (both modes), stats and search department names, update names
 * in error messages. On real osTicket also: create (JSON with each `format` and none, XML, form)
 * with the value as name, subject and message, and notes and replies (each format) with it as body
 * and note title; each is read back with GET and from osTicket's tables and must be what osTicket
 * itself stores for it (see twin()).
 */
final class I18nTest extends ApiTestCase
{
    /** Numbers of the tickets a test created (deleted in tearDown). */
    private array $created = [];

    protected function tearDown(): void
    {
        foreach (array_reverse($this->created) as $number) {
            self::$http->request('DELETE', "/api/tickets-delete.php/{$number}.json", self::$fx['keys']['all']);
        }
        $this->created = [];
    }

    /** @return array<string, array{string}> */
    public static function corpus(): array
    {
        $file = __DIR__ . '/../fixtures/i18n.json';
        $doc = json_decode((string) file_get_contents($file), true, 512, JSON_THROW_ON_ERROR);
        $out = [];
        foreach ($doc['values'] as $case => $value) {
            $out[$case] = [$value];
        }
        return $out;
    }

    /**
     * What the extension hands osTicket for a value, the rule the README documents: NUL characters
     * and a leading byte-order mark are dropped, the same for every format and field. Everything
     * else osTicket decides, as for its own forms (see twin()).
     */
    private static function kept(string $value): string
    {
        return str_replace("\0", '', preg_replace('/^\x{FEFF}/u', '', $value));
    }

    /** @var array<string, array>|null what osTicket itself stores per corpus case */
    private static ?array $twins = null;

    /**
     * What osTicket itself stores for a corpus value (NUL dropped): tests/osticket/webform.php
     * creates a ticket with Ticket::create() and the web origin (the portal form's call) and posts a
     * note and a reply as the agent panel does. osTicket 1.18's tables are utf8 (3-byte): it drops
     * the emoji of its Format::strip_emoticons() ranges and the database turns other characters
     * outside the Basic Multilingual Plane into '?'; the API must store exactly the same.
     */
    private static function twin(string $case): array
    {
        if (self::$twins === null) {
            $root = getenv('WEB_ROOT') ?: '';
            $ext = getenv('EXT_SO') ?: '';
            $sink = (getenv('STATE_DIR') ?: '') . '/mail/sink.sh';
            $cases = self::corpus();
            // Every field gets a prefix ("i18n ", "N ", ...), so no BOM leads one: only NUL goes.
            $values = array_map(fn ($c) => str_replace("\0", '', $c[0]), array_values($cases));
            $input = json_encode($values, JSON_THROW_ON_ERROR);
            $cmd = sprintf(
                'php -d extension=%s -d sendmail_path=%s %s %s',
                escapeshellarg($ext),
                escapeshellarg($sink),
                escapeshellarg(__DIR__ . '/../osticket/webform.php'),
                escapeshellarg($root)
            );
            $proc = proc_open($cmd, [['pipe', 'r'], ['pipe', 'w'], ['pipe', 'w']], $pipes);
            fwrite($pipes[0], $input);
            fclose($pipes[0]);
            $out = stream_get_contents($pipes[1]);
            $err = stream_get_contents($pipes[2]);
            if (proc_close($proc) !== 0) {
                throw new \RuntimeException("webform.php failed: {$err}");
            }
            self::$twins = array_combine(array_keys($cases), json_decode($out, true, 512, JSON_THROW_ON_ERROR));
        }
        return self::$twins[$case];
    }

    /** The text of stored HTML: tags dropped, entities decoded (osTicket stores HTML bodies). */
    private static function htmlText(string $html): string
    {
        return html_entity_decode(strip_tags($html), ENT_QUOTES | ENT_HTML5, 'UTF-8');
    }

    private function requireRealOsticket(): void
    {
        if (getenv('HTTP_SUITE') !== 'real-osticket') {
            $this->markTestSkipped('storing text needs real osTicket: the stand-in applies no writes');
        }
    }

    private function json(string $method, string $path, array $body, array $headers = []): array
    {
        return self::$http->request(
            $method,
            $path,
            self::$fx['keys']['all'],
            json_encode($body, JSON_THROW_ON_ERROR),
            array_merge(['Content-Type: application/json'], $headers)
        );
    }

    // ---- both suites ------------------------------------------------------------------------------

    /** @dataProvider corpus */
    public function testSearchQueryInBothModes(string $value): void
    {
        foreach (['subject', 'fulltext'] as $mode) {
            $r = $this->get('/api/tickets-search.php?mode=' . $mode . '&query=' . rawurlencode($value));
            if ($mode === 'fulltext' && $r['status'] === 501) {
                continue; // the stand-in has no search index
            }
            // (What matches depends on the collation: utf8_general_ci folds accents. The create
            // test below checks that a stored subject is found.)
            $list = $this->assertJsonOk($r);
            $this->assertTrue(is_array($list) && array_is_list($list), $r['body']);
            if (isset($r['headers']['link'])) {
                $this->assertStringContainsString('query=' . rawurlencode(trim($value)), $r['headers']['link']);
            }
        }
        $xml = $this->assertWellFormedXml($this->get('/api/tickets-search.php.xml?query=' . rawurlencode($value)));
        $this->assertSame('response', $xml->getName());
    }

    /** @dataProvider corpus */
    public function testDepartmentNamesComeBackWholeInErrors(string $value): void
    {
        $name = trim($value);
        foreach (['/api/tickets-stats.php', '/api/tickets-search.php'] as $path) {
            $r = $this->get($path . '?department=' . rawurlencode($value));
            if ($name === '') {
                $this->assertJsonOk($r);
                continue;
            }
            $this->assertJsonError($r, 404, "Department '{$name}' not found");
            $xml = $this->assertXmlError($this->get(str_replace('.php', '.php.xml', $path) . '?department='
                . rawurlencode($value)), 404);
            $inXml = str_replace("\0", "\u{FFFD}", $name);
            $this->assertSame("Department '{$inXml}' not found", (string) $xml->message);
        }
    }

    /** @dataProvider corpus */
    public function testUpdateNamesComeBackWholeInErrors(string $value): void
    {
        $number = self::$fx['tickets']['open']['number'];
        $before = $this->get("/api/tickets-get.php/{$number}.json")['body'];
        $r = $this->json('PATCH', "/api/tickets-update.php/{$number}.json", ['statusId' => $value, 'note' => $value]);
        $this->assertJsonError($r, 404, "Status '" . trim($value) . "' not found");
        $this->assertSame($before, $this->get("/api/tickets-get.php/{$number}.json")['body'], 'nothing changed');
    }

    // ---- real osTicket ----------------------------------------------------------------------------

    public static function createVariants(): array
    {
        $out = [];
        foreach (self::corpus() as $case => [$value]) {
            foreach (['json', 'json markdown', 'json html', 'json text', 'xml', 'form'] as $variant) {
                $out["{$case} / {$variant}"] = [$case, $value, $variant];
            }
        }
        return $out;
    }

    /** @dataProvider createVariants */
    public function testCreateStoresEveryValue(string $case, string $value, string $variant): void
    {
        $this->requireRealOsticket();
        // A new user every run: osTicket keeps the name of an existing e-mail address.
        $email = 'i18n-' . str_replace('_', '-', $case) . '-' . str_replace(' ', '-', $variant) . '-'
            . bin2hex(random_bytes(4)) . '@example.com';
        // The subject gets a marker, so that a value of blanks or marks only is still a subject.
        $subject = "i18n {$value}";
        $fields = ['name' => "N {$value}", 'email' => $email, 'subject' => $subject, 'message' => "M {$value}",
            'alert' => 'false', 'autorespond' => 'false'];
        [$kind, $format] = explode(' ', $variant) + [1 => null];
        if ($format !== null) {
            $fields['format'] = $format;
        }
        $accept = ['Accept: application/json'];
        $r = match ($kind) {
            'json' => $this->json('POST', '/api/tickets.json', $fields, $accept),
            'form' => self::$http->request(
                'POST',
                '/api/tickets.json',
                self::$fx['keys']['all'],
                http_build_query($fields),
                array_merge(['Content-Type: application/x-www-form-urlencoded'], $accept)
            ),
            'xml' => self::$http->request(
                'POST',
                '/api/tickets.xml',
                self::$fx['keys']['all'],
                self::xmlBody($fields),
                array_merge(['Content-Type: application/xml'], $accept)
            ),
        };
        $this->assertSame(201, $r['status'], $r['body']);
        $made = json_decode($r['body'], true, 512, JSON_THROW_ON_ERROR);
        $this->created[] = $made['number'];
        $t = $this->assertJsonOk($this->get("/api/tickets-get.php/{$made['number']}.json"));

        $twin = self::twin($case);
        $this->assertSame($twin['subject'], $t['subject'], 'subject (GET)');
        // GET shows the name in the helpdesk's name format, trimmed (the README says so).
        $this->assertSame(trim($twin['name']), $t['user']['name'], 'name (GET)');
        $body = $t['thread'][0]['body'];
        $this->assertSame(
            trim(self::htmlText($twin['message'])),
            trim(self::htmlText($body)),
            "message (GET): {$body}"
        );
        $xml = $this->assertWellFormedXml($this->get("/api/tickets-get.php/{$made['number']}.xml"));
        $this->assertSame($twin['subject'], (string) $xml->subject, 'subject (XML)');

        // What osTicket's tables hold is what GET says.
        $p = self::$fx['db']['prefix'];
        $q = self::db()->prepare("SELECT cd.subject, u.name, e.body FROM {$p}ticket t"
            . " JOIN {$p}ticket__cdata cd ON cd.ticket_id = t.ticket_id JOIN {$p}user u ON u.id = t.user_id"
            . " JOIN {$p}thread th ON th.object_id = t.ticket_id AND th.object_type = 'T'"
            . " JOIN {$p}thread_entry e ON e.thread_id = th.id WHERE t.ticket_id = ? ORDER BY e.id LIMIT 1");
        $q->execute([$made['ticket_id']]);
        $row = $q->fetch(\PDO::FETCH_ASSOC);
        $this->assertSame([$t['subject'], $twin['name'], $body], [$row['subject'], $row['name'], $row['body']]);
        if ($variant === 'json') {
            // And a subject search finds it by what was stored.
            $found = $this->assertJsonOk($this->get('/api/tickets-search.php?limit=100&query='
                . rawurlencode(trim($twin['subject']))));
            $this->assertContains($made['number'], array_column($found, 'number'));
        }
    }

    private static function xmlBody(array $fields): string
    {
        $out = '<?xml version="1.0" encoding="UTF-8"?><ticket>';
        foreach ($fields as $k => $v) {
            // NUL cannot be written in XML at all: the XML variant sends the rest.
            $out .= "<{$k}>" . htmlspecialchars(str_replace("\0", '', $v), ENT_XML1 | ENT_QUOTES, 'UTF-8') . "</{$k}>";
        }
        return $out . '</ticket>';
    }

    private static ?string $target = null;

    /** One ticket for the notes and replies of this class (created once, deleted at the end). */
    private function target(): string
    {
        if (self::$target === null) {
            $r = $this->json('POST', '/api/tickets.json', ['name' => 'Ina Intl', 'email' => 'ina.intl@example.com',
                'subject' => 'i18n notes and replies', 'message' => 'Start', 'alert' => false, 'autorespond' => false]);
            $this->assertSame(201, $r['status'], $r['body']);
            self::$target = trim($r['body']);
        }
        return self::$target;
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$target !== null) {
            $path = '/api/tickets-delete.php/' . self::$target . '.json';
            self::$http->request('DELETE', $path, self::$fx['keys']['all']);
            self::$target = null;
        }
    }

    public function testALeadingBomAndNulBytesAreDroppedInEveryFormat(): void
    {
        $this->requireRealOsticket();
        foreach ([null, 'markdown', 'html', 'text'] as $format) {
            $fields = ['name' => "\u{FEFF}Bo\0m", 'email' => 'bom-' . bin2hex(random_bytes(4)) . '@example.com',
                'subject' => "\u{FEFF}Sub\0ject",
                'message' => "\u{FEFF}Mes\0sage \u{FEFF}inside", 'alert' => false, 'autorespond' => false]
                + ($format === null ? [] : ['format' => $format]);
            $r = $this->json('POST', '/api/tickets.json', $fields, ['Accept: application/json']);
            $this->assertSame(201, $r['status'], $r['body']);
            $made = json_decode($r['body'], true, 512, JSON_THROW_ON_ERROR);
            $this->created[] = $made['number'];
            $t = $this->assertJsonOk($this->get("/api/tickets-get.php/{$made['number']}.json"));
            $this->assertSame(['Subject', 'Bom'], [$t['subject'], $t['user']['name']], (string) $format);
            $text = trim(self::htmlText($t['thread'][0]['body']));
            $this->assertSame("Message \u{FEFF}inside", $text, (string) $format);
        }
    }

    public static function cases(): array
    {
        $out = [];
        foreach (self::corpus() as $case => [$value]) {
            $out[$case] = [$case, $value];
        }
        return $out;
    }

    /** @dataProvider cases */
    public function testNotesAndRepliesStoreEveryValue(string $case, string $value): void
    {
        $this->requireRealOsticket();
        $number = $this->target();
        $twin = self::twin($case);
        foreach (['markdown', 'html', 'text'] as $format) {
            $r = $this->json('PATCH', "/api/tickets-update.php/{$number}.json", [
                'note' => "Note {$value}", 'noteTitle' => "T {$value}", 'noteFormat' => $format,
                'reply' => "Reply {$value}", 'replyFormat' => $format, 'alert' => false,
            ]);
            $this->assertSame([200, $number], [$r['status'], $r['body']], $format);
            $t = $this->assertJsonOk($this->get("/api/tickets-get.php/{$number}.json"));
            $entries = array_slice($t['thread'], -2);
            $this->assertSame(['N', 'R'], array_column($entries, 'type'), $format);
            $this->assertSame(trim(self::htmlText($twin['note'])), trim(self::htmlText($entries[0]['body'])), $format);
            $this->assertSame(trim(self::htmlText($twin['reply'])), trim(self::htmlText($entries[1]['body'])), $format);
            $p = self::$fx['db']['prefix'];
            $q = self::db()->prepare("SELECT title, body FROM {$p}thread_entry WHERE id IN (?, ?) ORDER BY id");
            $q->execute([$entries[0]['id'], $entries[1]['id']]);
            $rows = $q->fetchAll(\PDO::FETCH_ASSOC);
            $this->assertSame($twin['note_title'], $rows[0]['title'], "note title ({$format})");
            $this->assertSame([$entries[0]['body'], $entries[1]['body']], array_column($rows, 'body'));
        }
    }
}
