<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

final class AttachmentDownloadTest extends ApiTestCase
{
    private function download(string $id, string $suffix = '.json', string $key = 'all'): array
    {
        return $this->get("/api/tickets-attachment-download.php/{$id}{$suffix}", $key);
    }

    public function testDownloadReturnsTheFileBytes(): void
    {
        $a = self::$fx['attachment'];
        $body = $this->assertJsonOk($this->download((string) $a['file_id']));
        $this->assertSame(['file_id', 'filename', 'mime_type', 'size', 'content'], array_keys($body));
        $this->assertSame($a['file_id'], $body['file_id']);
        $this->assertSame($a['name'], $body['filename']);
        $this->assertSame($a['mime'], $body['mime_type']);
        $this->assertSame($a['size'], $body['size']);
        $bytes = base64_decode($body['content'], true);
        $this->assertNotFalse($bytes, 'strict base64');
        $this->assertSame($a['size'], strlen($bytes));
        $this->assertSame($a['sha256'], hash('sha256', $bytes));
    }

    public function testDownloadAsXmlCarriesTheSameContent(): void
    {
        $a = self::$fx['attachment'];
        $json = $this->assertJsonOk($this->download((string) $a['file_id']));
        $xml = $this->assertWellFormedXml($this->download((string) $a['file_id'], '.xml'));
        $this->assertSame(
            ['file_id', 'filename', 'mime_type', 'size', 'content'],
            array_map(fn ($e) => $e->getName(), iterator_to_array($xml->children(), false))
        );
        foreach ($json as $key => $value) {
            $this->assertSame((string) $value, (string) $xml->{$key}, $key);
        }
        $this->assertSame($a['sha256'], hash('sha256', (string) base64_decode((string) $xml->content, true)));
    }

    public function testLeadingZerosNameTheSameFile(): void
    {
        $a = self::$fx['attachment'];
        $body = $this->assertJsonOk($this->download('00' . $a['file_id']));
        $this->assertSame($a['file_id'], $body['file_id']);
    }

    public function testReadKeyMayDownload(): void
    {
        $a = self::$fx['attachment'];
        $this->assertSame(
            $a['file_id'],
            $this->assertJsonOk($this->download((string) $a['file_id'], '.json', 'read'))['file_id']
        );
    }

    /** @dataProvider zeroIds */
    public function testFileIdZeroIsInvalid(string $id, string $suffix): void
    {
        if ($suffix === '.xml') {
            $this->assertXmlError($this->download($id, $suffix), 400, 'Invalid file ID');
            return;
        }
        $this->assertJsonError($this->download($id, $suffix), 400, 'Invalid file ID');
    }

    public static function zeroIds(): array
    {
        return [['0', '.json'], ['000', '.json'], ['0', '.xml']];
    }

    public function testFileOutsideTicketThreadsIsNotAccessible(): void
    {
        $id = (string) self::$fx['foreign_file_id'];
        $this->assertJsonError($this->download($id), 403, 'Attachment not accessible');
        $this->assertXmlError($this->download($id, '.xml'), 403, 'Attachment not accessible');
    }

    public function testMissingFileIsRefused(): void
    {
        $known = [self::$fx['attachment']['file_id'], self::$fx['foreign_file_id']];
        $id = max($known) + 100000;
        $r = $this->download((string) $id);
        $this->assertContains($r['status'], [403, 404], $r['body']);
        $this->assertJsonError($r, $r['status']);
    }

    public function testOverflowingFileIdIsRefusedWithoutAServerError(): void
    {
        $r = $this->download('99999999999999999999');
        $this->assertContains($r['status'], [400, 403, 404], $r['body']);
        $this->assertJsonError($r, $r['status']);
    }

    /** @dataProvider nonNumericIds */
    public function testNonNumericFileIdIsABadUrl(string $id): void
    {
        $this->assertJsonError(
            $this->download($id),
            400,
            'Invalid URL format. Expected: /api/tickets-attachment-download.php/{file_id}.json'
        );
    }

    public static function nonNumericIds(): array
    {
        return [['12a'], ['-1'], ['1.5'], ['0x10'], ['%201'], ['']];
    }
}
