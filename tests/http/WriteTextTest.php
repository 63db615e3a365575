<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

/**
 * Text of writes on real osTicket (docs/write-commands.md, "Limits"): nothing is cut silently (a body
 * or title osTicket would not keep whole is refused with 413 naming the field before anything is
 * written; one just within the limits is stored and returned whole), and `text` means text.
 */
final class WriteTextTest extends WriteCase
{
    private const LITERAL = "<b>bold</b> and <script>alert(1)</script>\n"
        . "Nächste Zeile: привет, 你好, שלום, e\u{301} & <i></i>";

    /** Everything a write may change, of the ticket and of osTicket as a whole (newest rows). */
    private function snapshot(string $number): array
    {
        $max = fn (string $table, string $column) => 'SELECT MAX(' . $column . ') FROM ' . self::table($table);
        $newest = self::db()->query(implode(' UNION ALL ', [
            $max('thread_entry', 'id'), $max('thread_event', 'id'), $max('file', 'id'), $max('ticket', 'ticket_id'),
        ]))->fetchAll(\PDO::FETCH_COLUMN);
        return [self::state($number), $newest];
    }

    private function assertTooLong(string $number, array $body, string $field, string $limit): void
    {
        $before = $this->snapshot($number);
        $r = $this->send('PATCH', sprintf(self::UPDATE, $number), $body);
        $error = $this->assertJsonError($r, 413);
        $this->assertSame(['too_long', $field], [$error['code'], $error['field'] ?? null], $r['body']);
        $this->assertStringContainsString($limit, $error['message']);
        $this->assertSame($before, $this->snapshot($number), 'a refused write changes nothing');
    }

    /** The body of the newest thread entry as GET answers it, and its stored format. */
    private function newest(string $number): array
    {
        $t = $this->assertJsonOk($this->get("/api/tickets-get.php/{$number}.json"));
        $entry = end($t['thread']);
        $sql = 'SELECT format, title FROM ' . self::table('thread_entry') . ' WHERE id = ?';
        $format = self::rows($sql, [$entry['id']]);
        return [$entry['body'], $format[0]['format'], $format[0]['title']];
    }

    public static function formats(): array
    {
        return ['note' => ['note', 'noteFormat', 'N'], 'reply' => ['reply', 'replyFormat', 'R']];
    }

    /** @dataProvider formats */
    public function testTextIsShownLiterally(string $field, string $formatField): void
    {
        $this->requireRealOsticket();
        $n = $this->createTicket("Text: literal {$field}");
        $this->update($n, [$field => self::LITERAL, $formatField => 'text', 'alert' => false]);
        [$body, $format] = $this->newest($n);
        $this->assertSame('text', $format, 'stored as osTicket text');
        // The body is HTML, as for every entry: the text escaped, so it is shown as written.
        $this->assertStringNotContainsString('<b>', $body);
        $this->assertStringNotContainsString('<script', $body);
        $this->assertStringContainsString('&lt;script&gt;alert(1)&lt;/script&gt;', $body);
        $this->assertSame(self::LITERAL, html_entity_decode($body, ENT_QUOTES | ENT_HTML5, 'UTF-8'));
    }

    public function testTextMessagesOfCreateAreShownLiterally(): void
    {
        $this->requireRealOsticket();
        $r = $this->send('POST', '/api/tickets.json', [
            'name' => 'Walter Write', 'email' => 'walter.write@example.com', 'subject' => 'Text: literal message',
            'message' => self::LITERAL, 'format' => 'text', 'alert' => false, 'autorespond' => false,
        ]);
        $this->assertSame(201, $r['status'], $r['body']);
        $number = trim($r['body']);
        $this->created[] = $number;
        [$body, $format] = $this->newest($number);
        $this->assertSame('text', $format);
        $this->assertSame(self::LITERAL, html_entity_decode($body, ENT_QUOTES | ENT_HTML5, 'UTF-8'));
    }

    /** @dataProvider formats */
    public function testBodiesAtTheLimitsAreStoredWholeAndBeyondThemRefused(string $field, string $formatField): void
    {
        $this->requireRealOsticket();
        $n = $this->createTicket("Text: long {$field}");
        // Bytes: 65,535 of two-byte text and one ASCII letter is the most; one more byte is refused.
        $most = str_repeat('ж', 32767) . 'a';
        $this->assertSame(65535, strlen($most));
        foreach (['text' => $most, 'markdown' => str_repeat('ж', 32760)] as $format => $text) {
            $this->update($n, [$field => $text, $formatField => $format, 'alert' => false]);
            [$body] = $this->newest($n);
            $this->assertStringContainsString($text, $body, "{$format}: stored and returned whole");
            $this->assertLessThanOrEqual(65535, strlen($body));
        }
        $over = [$field => str_repeat('ж', 32768), $formatField => 'text', 'alert' => false];
        $this->assertTooLong($n, $over, $field, '65535');
        // The issue's case: 40,000 `ж` (80,000 bytes), with another field that is not applied either.
        $this->assertTooLong(
            $n,
            ['statusId' => 'Closed', $field => str_repeat('ж', 40000), $formatField => 'text', 'alert' => false],
            $field,
            '65535'
        );
        // Characters: osTicket moves a body of 65,000 characters into an attachment.
        $this->update($n, [$field => str_repeat('a', 64999), $formatField => 'text', 'alert' => false]);
        $this->assertSame(str_repeat('a', 64999), $this->newest($n)[0]);
        $over = [$field => str_repeat('a', 65000), $formatField => 'text', 'alert' => false];
        $this->assertTooLong($n, $over, $field, '64999');
    }

    public function testNoteTitlesAtTheLimitAreStoredWholeAndBeyondItRefused(): void
    {
        $this->requireRealOsticket();
        $n = $this->createTicket('Text: long title');
        // (osTicket drops emoji and dingbats such as ✓ from titles: not used here.)
        $title = str_repeat('ж', 254) . 'ü';
        $this->update($n, ['note' => 'titled', 'noteTitle' => $title]);
        $this->assertSame($title, $this->newest($n)[2]);
        $this->assertTooLong($n, ['note' => 'titled', 'noteTitle' => str_repeat('ж', 256)], 'noteTitle', '255');
        $this->assertTooLong($n, ['note' => 'titled', 'noteTitle' => str_repeat('x', 1000)], 'noteTitle', '255');
    }

    /**
     * A JSON body over 4 MB is parsed while it is read (php/serve.rs): its errors are those of a
     * small body, and it changes nothing. Runs on both suites (nothing reaches the adapter).
     */
    public function testLargeJsonBodiesAreRefusedLikeSmallOnes(): void
    {
        $number = self::$fx['tickets']['open']['number'];
        $path = sprintf(self::UPDATE, $number);
        $before = $this->get("/api/tickets-get.php/{$number}.json")['body'];
        $big = str_repeat('ж', 3 * 1024 * 1024); // 6 MB of text
        $cases = [
            'cut short' => ['{"note":"' . $big . '"', 'Invalid JSON: Syntax error (line 1, column '],
            'trailing garbage' => ['{"note":"' . $big . '"} x', 'Invalid JSON: Syntax error (line 1, column '],
            'a list' => ['{"note":"' . $big . '"}]', 'Invalid JSON: Syntax error (line 1, column '],
            'a wrong type' => ['{"noteTitle":5,"note":"' . $big . '"}', 'noteTitle must be a string'],
            'an unknown status' => ['{"statusId":"Pondering","note":"' . $big . '"}', "Status 'Pondering' not found"],
        ];
        foreach ($cases as $name => [$body, $message]) {
            $r = $this->send('PATCH', $path, $body);
            $error = $this->assertJsonError($r, $r['status']);
            $this->assertContains($r['status'], [400, 404], "{$name}: {$r['body']}");
            $this->assertStringStartsWith($message, $error['message'], $name);
        }
        // Small and large, the same message for the same mistake.
        $small = $this->send('PATCH', $path, '{"note":"x"');
        $large = $this->send('PATCH', $path, '{"note":"' . str_repeat('x', 5 * 1024 * 1024) . '"');
        $this->assertSame(
            preg_replace('/column \d+/', 'column N', json_decode($small['body'], true)['message']),
            preg_replace('/column \d+/', 'column N', json_decode($large['body'], true)['message'])
        );
        $this->assertSame($before, $this->get("/api/tickets-get.php/{$number}.json")['body'], 'nothing changed');
    }

    /**
     * A body osTicket itself moved into an attachment (65,000 characters or more, here from an
     * e-mail through core's `/api/tickets.email`, which the plugin leaves to osTicket) comes back
     * whole as the entry's body.
     */
    public function testBodiesOsticketKeptAsAttachmentsComeBackWhole(): void
    {
        $this->requireRealOsticket();
        $text = trim(str_repeat("Zeile ж 你好 — line\n", 4000));
        $this->assertGreaterThanOrEqual(65000, mb_strlen($text));
        $mail = "From: Eve Mail <eve.mail@example.com>\r\nTo: support@example.com\r\nSubject: Text: long mail\r\n"
            . 'Message-ID: <' . bin2hex(random_bytes(8)) . "@example.com>\r\nMIME-Version: 1.0\r\n"
            . "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{$text}\r\n";
        $r = self::$http->request(
            'POST',
            '/api/tickets.email',
            self::$fx['keys']['all'],
            $mail,
            ['Content-Type: message/rfc822']
        );
        $this->assertSame(201, $r['status'], $r['body']);
        $number = trim($r['body']);
        $this->created[] = $number;
        $id = self::ticketId($number);
        $stored = self::rows('SELECT en.body FROM ' . self::table('thread_entry') . ' en JOIN ' . self::table('thread')
            . " th ON th.id = en.thread_id AND th.object_type = 'T' WHERE th.object_id = ?", [$id]);
        $this->assertSame('', (string) $stored[0]['body'], 'osTicket kept the body as an attachment');
        $t = $this->assertJsonOk($this->get("/api/tickets-get.php/{$number}.json"));
        $this->assertSame($text, trim($t['thread'][0]['body']));
        $xml = $this->assertWellFormedXml($this->get("/api/tickets-get.php/{$number}.xml"));
        $this->assertSame($text, trim((string) $xml->thread->item[0]->body));
    }

    public function testLongCreateMessagesAreRefusedBeforeATicketExists(): void
    {
        $this->requireRealOsticket();
        $count = fn () => (int) self::db()->query('SELECT COUNT(*) FROM ' . self::table('ticket'))->fetchColumn();
        $before = $count();
        $r = $this->send('POST', '/api/tickets.json', [
            'name' => 'Walter Write', 'email' => 'walter.write@example.com', 'subject' => 'Text: long message',
            'message' => str_repeat('ж', 40000), 'alert' => false, 'autorespond' => false,
        ]);
        $error = $this->assertJsonError($r, 413);
        $this->assertSame(['too_long', 'message'], [$error['code'], $error['field'] ?? null], $r['body']);
        $this->assertSame($before, $count(), 'no ticket');
    }
}
