<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

/**
 * Ticket create, `POST /api/tickets.json|xml`: the plugin's route on osTicket's API dispatcher
 * (api/http.php), in front of core's. Needs real osTicket (the stand-in has no dispatcher and no
 * Ticket::create); every test checks osTicket's own state afterwards: the ticket through the get
 * endpoint, and the number of tickets in osTicket's database for refused requests.
 */
final class CreateTest extends ApiTestCase
{
    private const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E'
        . 'rkJggg==';

    /** Numbers of the tickets a test created (deleted in tearDown). */
    private array $created = [];

    protected function setUp(): void
    {
        if (getenv('HTTP_SUITE') !== 'real-osticket') {
            $this->markTestSkipped("creating a ticket needs real osTicket: the stand-in has no API dispatcher");
        }
    }

    protected function tearDown(): void
    {
        foreach (array_reverse($this->created) as $number) {
            self::$http->request('DELETE', "/api/tickets-delete.php/{$number}.json", self::$fx['keys']['all']);
        }
        $this->created = [];
    }

    private static function ticketCount(): int
    {
        return (int) self::db()->query('SELECT COUNT(*) FROM `' . self::$fx['db']['prefix'] . 'ticket`')->fetchColumn();
    }

    private function create(
        array|string $body,
        string $format = 'json',
        ?string $key = 'all',
        array $headers = []
    ): array {
        if (is_array($body)) {
            $body = json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
            $headers[] = 'Content-Type: application/json';
        }
        return self::$http->request(
            'POST',
            "/api/tickets.{$format}",
            $key === null ? null : self::$fx['keys'][$key],
            $body,
            $headers
        );
    }

    private static function base(string $subject): array
    {
        return ['name' => 'Carla Create', 'email' => 'carla.create@example.com', 'subject' => $subject,
            'message' => 'Body', 'alert' => false, 'autorespond' => false];
    }

    /** A create that must succeed: core's 201 with the number as text; the ticket as get shows it. */
    private function created(array|string $body, string $format = 'json'): array
    {
        $r = $this->create($body, $format);
        $this->assertSame(201, $r['status'], $r['body']);
        $number = trim($r['body']);
        $this->assertMatchesRegularExpression('/^[A-Za-z0-9-]+$/', $number);
        $this->created[] = $number;
        return $this->assertJsonOk($this->get("/api/tickets-get.php/{$number}.json"));
    }

    /** A refused create: the status, message and field, and no ticket written. */
    private function assertRefused(
        array|string $body,
        int $status,
        string $message,
        ?string $field = null,
        ?string $key = 'all'
    ): void {
        $before = self::ticketCount();
        $r = $this->create($body, 'json', $key);
        $e = $this->assertJsonError($r, $status, $message);
        if ($field !== null) {
            $this->assertSame($field, $e['field'] ?? null);
        }
        $this->assertSame($before, self::ticketCount(), 'a refused request creates nothing');
    }

    public function testMarkdownDepartmentParentPriorityDueDateAgentTeamAndSla(): void
    {
        $o = self::$fx['objects'];
        $parent = self::$fx['tickets']['parent']['number'];
        $t = $this->created([
            'message' => "# Printer\n\n**Jammed** again <script>alert(1)</script>\n\n- tray 1\n- tray 2",
            'format' => 'markdown',
            'departmentId' => $o['sub_dept']['full_name'],
            'parentTicketNumber' => $parent,
            'priority' => 'High',
            'dueDate' => '2031-03-04T10:00:00Z',
            'staffId' => self::$fx['staff']['username'],
            'teamId' => $o['team']['name'],
            'slaId' => $o['sla']['name'],
        ] + self::base('Create: everything'));
        $this->assertSame($o['sub_dept']['id'], $t['departmentId']);
        $this->assertSame('High', $t['priority']);
        $this->assertSame(self::$fx['staff']['id'], $t['staffId']);
        $this->assertSame($o['team']['id'], $t['teamId']);
        $this->assertSame($o['sla']['id'], $t['slaId']);
        $this->assertSame('API', $t['source']);
        $this->assertNotNull($t['duedate']);
        $body = $t['thread'][0]['body'];
        $this->assertStringContainsString('<h1>Printer</h1>', $body);
        $this->assertStringContainsString('<strong>Jammed</strong>', $body);
        $this->assertStringContainsString('<li>tray 2</li>', $body);
        $this->assertStringNotContainsString('<script', $body);
        $parentOf = $this->assertJsonOk($this->get("/api/tickets-subtickets-parent.php/{$t['number']}.json"));
        $this->assertSame($parent, $parentOf['parent']['number']);
    }

    public function testWithoutFormatTheMessageFollowsCore(): void
    {
        $t = $this->created(['message' => "a <b>b</b>\nc"] + self::base('Create: core text'));
        $this->assertStringNotContainsString('<b>', $t['thread'][0]['body'], 'text is not HTML');
        $t = $this->created([
            'message' => 'data:text/html,' . rawurlencode('<p>Hi <i>there</i><img src=x onerror=alert(1)></p>'),
        ] + self::base('Create: core data URI'));
        $this->assertStringContainsString('<i>there</i>', $t['thread'][0]['body']);
        $this->assertStringNotContainsString('onerror', $t['thread'][0]['body']);
    }

    public function testAttachmentsAreStoredAndDownloadable(): void
    {
        $csv = "a,b\n1,2\n";
        $t = $this->created(self::base('Create: files') + ['attachments' => [
            ['pixel.png' => 'data:image/png;base64,' . self::PIXEL_PNG],
            ['name' => '../../report.csv', 'type' => 'text/csv', 'data' => base64_encode($csv), 'encoding' => 'base64'],
        ]]);
        $files = $t['thread'][0]['attachments'];
        $this->assertSame(['pixel.png', 'report.csv'], array_column($files, 'filename'));
        $this->assertSame('image/png', $files[0]['mime_type']);
        foreach ([[$files[0], base64_decode(self::PIXEL_PNG)], [$files[1], $csv]] as [$file, $bytes]) {
            $d = $this->assertJsonOk($this->get("/api/tickets-attachment-download.php/{$file['file_id']}.json"));
            $this->assertSame($bytes, base64_decode($d['content'], true));
        }
    }

    /**
     * The most the API takes, 5 different files of 10 MB (70 MB of JSON), within PHP's default
     * memory_limit of 128 MB (the stack's php-fpm): the extension reads the body as a stream and
     * the adapter stores one file at a time.
     */
    public function testFiftyMegabytesOfAttachmentsFitPhpsDefaultMemoryLimit(): void
    {
        $files = [];
        $sizes = [];
        for ($i = 0; $i < 5; $i++) {
            $pdf = "%PDF-1.4\n" . random_bytes(10 * 1024 * 1024 - 9);
            $sizes[] = strlen($pdf);
            $files[] = ["big{$i}.pdf" => 'data:application/pdf;base64,' . base64_encode($pdf)];
        }
        $t = $this->created(['attachments' => $files] + self::base('Create: 50 MB'));
        $stored = $t['thread'][0]['attachments'];
        $this->assertSame(
            ['big0.pdf', 'big1.pdf', 'big2.pdf', 'big3.pdf', 'big4.pdf'],
            array_column($stored, 'filename')
        );
        $this->assertSame($sizes, array_column($stored, 'size'));
        // One byte more than 10 MB in one file: 413, nothing created.
        $files[0] = ['big0.pdf' => 'data:application/pdf;base64,'
            . base64_encode("%PDF-1.4\n" . str_repeat('x', 10 * 1024 * 1024 - 8))];
        $this->assertRefused(
            ['attachments' => $files] + self::base('Create: too big'),
            413,
            'Attachment "big0.pdf" is 10485761 bytes; the limit is 10485760 bytes per file',
            'attachments'
        );
    }

    public function testBadAttachmentsCreateNothing(): void
    {
        $exe = base64_encode("MZ\x90\x00" . str_repeat("\x00", 60));
        $this->assertRefused(
            self::base('Create: exe') + ['attachments' => [['photo.png' => "data:image/png;base64,{$exe}"]]],
            415,
            'Attachment "photo.png": content does not match its file type',
            'attachments'
        );
        $six = array_fill(0, 6, ['a.txt' => 'data:text/plain,x']);
        $before = self::ticketCount();
        $r = $this->create(self::base('Create: six') + ['attachments' => $six]);
        $this->assertSame(400, $r['status'], $r['body']);
        $this->assertSame($before, self::ticketCount());
        $r = $this->create(self::base('Create: exe ext') + ['attachments' => [['tool.exe' => 'data:,x']]]);
        $this->assertSame(415, $r['status'], $r['body']);
        $this->assertSame($before, self::ticketCount());
    }

    public function testKeyAndFieldsAreCheckedBeforeAnythingIsCreated(): void
    {
        $this->assertRefused(self::base('Create: no key'), 401, 'Valid API key required', null, null);
        $this->assertRefused(self::base('Create: read key'), 401, 'API key not authorized', null, 'read');
        $b = self::base('Create: fields');
        $this->assertRefused(array_diff_key($b, ['email' => 1]), 400, 'email is required', 'email');
        $this->assertRefused(['email' => 'nope'] + $b, 400, 'Valid email address required', 'email');
        $this->assertRefused(['departmentId' => 'Nowhere'] + $b, 404, "Department 'Nowhere' not found", 'departmentId');
        $this->assertRefused(
            ['departmentId' => self::$fx['inactive']['department']] + $b,
            400,
            'Department is not active',
            'departmentId'
        );
        $this->assertRefused(['staffId' => 'nobody'] + $b, 404, 'Staff member not found', 'staffId');
        $this->assertRefused(['format' => 'rtf'] + $b, 400, 'Invalid format. Allowed: markdown, html, text', 'format');
        $this->assertRefused(
            ['dueDate' => 'soon'] + $b,
            400,
            'Invalid date format for dueDate. Expected ISO 8601 format (e.g., "2025-01-31" or "2025-01-31T17:30:00")',
            'dueDate'
        );
        $this->assertRefused(
            ['parentTicketNumber' => self::$fx['tickets']['child']['number']] + $b,
            400,
            'Parent ticket cannot be a child of another ticket',
            'parentTicketNumber'
        );
    }

    public function testXmlBodiesAndJsonAnswers(): void
    {
        $xml = '<?xml version="1.0" encoding="UTF-8"?>'
            . '<ticket alert="false" autorespond="false" source="API"><name>Xavier Xml</name>'
            . '<email>xavier@example.com</email><subject>Create: XML &amp; more</subject>'
            . '<message type="text/html"><![CDATA[<p>Hello <b>XML</b><script>x()</script></p>]]></message>'
            . '<attachments><file name="pixel.png" type="image/png" encoding="base64">' . self::PIXEL_PNG
            . '</file></attachments></ticket>';
        $t = $this->created($xml, 'xml');
        $this->assertSame('Create: XML & more', $t['subject']);
        $this->assertStringContainsString('<b>XML</b>', $t['thread'][0]['body']);
        $this->assertStringNotContainsString('<script', $t['thread'][0]['body']);
        $this->assertSame('pixel.png', $t['thread'][0]['attachments'][0]['filename']);

        $r = $this->create(self::base('Create: JSON answer'), 'json', 'all', ['Accept: application/json']);
        $this->assertSame(201, $r['status'], $r['body']);
        $answer = json_decode($r['body'], true, 512, JSON_THROW_ON_ERROR);
        $this->created[] = $answer['number'];
        $this->assertSame(['number', 'ticket_id'], array_keys($answer));
        $t = $this->assertJsonOk($this->get("/api/tickets-get.php/{$answer['number']}.json"));
        $this->assertSame($answer['ticket_id'], $t['id']);
    }
}
