<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

final class StatusesAndDownloadTest extends ApiTestCase
{
    /** @dataProvider statusUrls */
    public function testStatusesAnswerInEveryUrlForm(string $suffix, bool $xml): void
    {
        $r = $this->get('/api/tickets-statuses.php' . $suffix);
        if ($xml) {
            $doc = $this->assertWellFormedXml($r);
            $this->assertGreaterThanOrEqual(4, count($doc->item));
            return;
        }
        $list = $this->assertJsonOk($r);
        $this->assertContains('closed', array_column($list, 'state'));
        foreach ($list as $s) {
            $this->assertSame(['id', 'name', 'state'], array_keys($s));
            $this->assertContains($s['state'], ['open', 'closed', 'archived', 'deleted']);
        }
    }

    public static function statusUrls(): array
    {
        return [['', false], ['.json', false], ['.xml', true], ['/.json', false], ['/.xml', true]];
    }

    public function testReadKeyMayListStatusesThroughTheFallback(): void
    {
        $this->assertJsonOk($this->get('/api/tickets-statuses.php', 'read'));
        $this->assertJsonOk($this->get('/api/tickets-statuses.php', 'stats'));
    }

    public function testDownloadReturnsTheFileBytes(): void
    {
        $a = self::$fx['attachment'];
        $body = $this->assertJsonOk($this->get("/api/tickets-attachment-download.php/{$a['file_id']}.json"));
        $this->assertSame(['file_id', 'filename', 'mime_type', 'size', 'content'], array_keys($body));
        $this->assertSame($a['file_id'], $body['file_id']);
        $this->assertSame($a['name'], $body['filename']);
        $this->assertSame($a['size'], $body['size']);
        $bytes = base64_decode($body['content'], true);
        $this->assertNotFalse($bytes);
        $this->assertSame($a['sha256'], hash('sha256', $bytes));
    }

    public function testDownloadAsXml(): void
    {
        $a = self::$fx['attachment'];
        $xml = $this->assertWellFormedXml($this->get("/api/tickets-attachment-download.php/{$a['file_id']}.xml"));
        $this->assertSame($a['sha256'], hash('sha256', base64_decode((string) $xml->content, true)));
    }

    public function testFileIdZeroIsInvalid(): void
    {
        $this->assertJsonError($this->get('/api/tickets-attachment-download.php/0.json'), 400, 'Invalid file ID');
    }

    public function testFileOutsideTicketThreadsIsNotAccessible(): void
    {
        $id = self::$fx['foreign_file_id'];
        $this->assertJsonError(
            $this->get("/api/tickets-attachment-download.php/{$id}.json"),
            403,
            'Attachment not accessible'
        );
    }

    public function testMissingFileIsRefused(): void
    {
        $r = $this->get('/api/tickets-attachment-download.php/987654321.json');
        $this->assertContains($r['status'], [403, 404]);
        $this->assertJsonError($r, $r['status']);
    }

    public function testNonNumericFileIdIsABadUrl(): void
    {
        $this->assertJsonError($this->get('/api/tickets-attachment-download.php/12a.json'), 400);
    }
}
