<?php

declare(strict_types=1);

/*
 * Stand-in of osTicket 1.18's API dispatcher (api/http.php with include/class.dispatcher.php), for
 * the routes plugins register on the `api` signal: a list of URL patterns (with an optional
 * method) tried in order against PATH_INFO, the first match called with its numbered groups;
 * no match answers 400 "URL not supported" as text/html. Core's own create is not here (the
 * stand-in has no ticket model): it answers like an unknown URL unless a plugin routes it.
 */

require __DIR__ . '/api.inc.php';

final class StandinUrl
{
    public function __construct(public string $regex, public $func, public ?string $method)
    {
    }
}

final class StandinDispatcher
{
    /** @var list<StandinUrl> */
    public array $urls = [];

    public function resolve(string $url)
    {
        $url = urldecode($url);
        foreach ($this->urls as $u) {
            if ($u->method !== null && ($_SERVER['REQUEST_METHOD'] ?? '') !== $u->method) {
                continue;
            }
            if (preg_match('@' . $u->regex . '@', $url, $m) === 1) {
                $args = array_values(array_filter($m, 'is_int', ARRAY_FILTER_USE_KEY));
                return call_user_func_array($u->func, array_slice($args, 1));
            }
        }
        http_response_code(400);
        header('Content-Type: text/html; charset=UTF-8');
        echo 'URL not supported';
        return null;
    }
}

function url($regex, $func, $args = false, $method = false)
{
    return new StandinUrl($regex, $func, $method === false ? null : (string) $method);
}

function url_post($regex, $func)
{
    return url($regex, $func, false, 'POST');
}

$dispatcher = new StandinDispatcher();
Signal::send('api', $dispatcher);
$dispatcher->resolve((string) ($_SERVER['PATH_INFO'] ?? $_SERVER['ORIG_PATH_INFO'] ?? ''));
