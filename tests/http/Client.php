<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

/** A tiny HTTP client for the suite: raw paths (so bad bytes can be sent), headers, status. */
final class Client
{
    public function __construct(private string $base)
    {
    }

    /** @return array{status: int, type: string, headers: array<string, string>, body: string} */
    public function request(string $method, string $path, ?string $key = null, ?string $body = null, array $headers = []): array
    {
        $ch = curl_init($this->base . $path);
        $sent = $headers;
        if ($key !== null) {
            $sent[] = 'X-API-Key: ' . $key;
        }
        $received = [];
        curl_setopt_array($ch, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => $sent,
            CURLOPT_TIMEOUT => 30,
            CURLOPT_HEADERFUNCTION => function ($ch, string $line) use (&$received): int {
                if (str_contains($line, ':')) {
                    [$name, $value] = explode(':', $line, 2);
                    $received[strtolower(trim($name))] = trim($value);
                }
                return strlen($line);
            },
        ]);
        if ($body !== null) {
            curl_setopt($ch, CURLOPT_POSTFIELDS, $body);
        }
        $out = curl_exec($ch);
        if ($out === false) {
            throw new \RuntimeException('HTTP request failed: ' . curl_error($ch));
        }
        $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        return ['status' => $status, 'type' => $received['content-type'] ?? '', 'headers' => $received, 'body' => (string) $out];
    }
}
