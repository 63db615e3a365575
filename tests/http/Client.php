<?php

declare(strict_types=1);

namespace OsticketApi\Tests\Http;

/**
 * A tiny HTTP client for the suite: raw paths (so bad bytes can be sent), headers, status. Every
 * answer is checked against docs/openapi.json (Contract); one that breaks it fails the test.
 */
final class Client
{
    public function __construct(private string $base)
    {
    }

    /** @return array{status: int, type: string, headers: array<string, string>, body: string} */
    public function request(
        string $method,
        string $path,
        ?string $key = null,
        ?string $body = null,
        array $headers = []
    ): array {
        $ch = $this->handle($method, $path, $key, $body, $headers, $received);
        $out = curl_exec($ch);
        if ($out === false) {
            throw new \RuntimeException("HTTP request {$method} {$path} failed: " . curl_error($ch));
        }
        return self::checked($method, $path, $this->answer($ch, (string) $out, $received));
    }

    /** The answer, once Contract found nothing wrong with it; else the test fails. */
    private static function checked(string $method, string $path, array $answer): array
    {
        $problems = Contract::get()->problems($method, $path, $answer);
        if ($problems !== []) {
            throw new \PHPUnit\Framework\AssertionFailedError(
                "The answer breaks docs/openapi.json:\n" . implode("\n", $problems)
                . "\nbody: " . substr($answer['body'], 0, 300)
            );
        }
        return $answer;
    }

    /**
     * Sends GET requests for all paths at once (curl_multi) and returns the answers in the same order.
     * @param list<string> $paths
     * @return list<array{status: int, type: string, headers: array<string, string>, body: string}>
     */
    public function concurrently(array $paths, string $key): array
    {
        $multi = curl_multi_init();
        $handles = [];
        $received = [];
        foreach ($paths as $i => $path) {
            $received[$i] = [];
            $handles[$i] = $this->handle('GET', $path, $key, null, [], $received[$i]);
            curl_multi_add_handle($multi, $handles[$i]);
        }
        do {
            $status = curl_multi_exec($multi, $running);
            if ($running) {
                curl_multi_select($multi, 1.0);
            }
        } while ($running && $status === CURLM_OK);
        $answers = [];
        foreach ($handles as $i => $ch) {
            if (curl_errno($ch) !== 0) {
                throw new \RuntimeException("HTTP request GET {$paths[$i]} failed: " . curl_error($ch));
            }
            $answers[] = self::checked(
                'GET',
                $paths[$i],
                $this->answer($ch, (string) curl_multi_getcontent($ch), $received[$i])
            );
            curl_multi_remove_handle($multi, $ch);
        }
        curl_multi_close($multi);
        return $answers;
    }

    /** @param array<string, string>|null $received filled with the answer's headers (lower-case names) */
    private function handle(
        string $method,
        string $path,
        ?string $key,
        ?string $body,
        array $headers,
        ?array &$received
    ): \CurlHandle {
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
            // Generous: the largest writes take tens of seconds on a loaded two-core machine.
            CURLOPT_TIMEOUT => 120,
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
        return $ch;
    }

    private function answer(\CurlHandle $ch, string $body, array $received): array
    {
        $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        return [
            'status' => $status,
            'type' => $received['content-type'] ?? '',
            'headers' => $received,
            'body' => $body,
        ];
    }
}
