<?php

declare(strict_types=1);

require_once INCLUDE_DIR . 'class.plugin.php';
require_once __DIR__ . '/config.php';

/**
 * The osTicket side of the API Endpoints plugin: lifecycle and wiring only. Requests are answered
 * by the osticket_api extension (see endpoint.php); this class records whether the plugin serves
 * in the current request, and deploys/removes the entry scripts and the .htaccess block.
 *
 * What osTicket 1.18 calls (include/class.plugin.php, scp/plugins.php):
 * - "Add New Plugin" inserts the registry row (inactive) and calls enable(), once; its result is
 *   ignored. The list's Enable/Disable only flips `isactive`; the instance toggles only flip the
 *   instance's enabled flag. Neither calls a plugin method.
 * - Every request: init() for every installed plugin, bootstrap() only for the enabled instances
 *   of active plugins. So a disabled plugin or instance never records that it serves, and its
 *   endpoints answer 404 (as does an instance whose `enabled` setting is off).
 * - Delete in the list calls uninstall() on the plain `Plugin` model, not on this class, so
 *   pre_uninstall() does not run: init() listens for that model's deletion instead.
 * - The manifest version is only compared with `!=` to the registry row's and copied into it on
 *   every load; no hook of this class sees the change. After an in-place upgrade from 2.x (the
 *   plugin folder replaced, registry row and instance kept), bootstrap() redeploys the entry
 *   scripts and the .htaccess block on the first request; a request that already runs one of
 *   2.x's entry scripts is answered through lib/ApiBootstrap.php, which they require.
 *
 * The permission columns stay in `api_key` on uninstall, so that a reinstall or an upgrade keeps
 * every key's grants.
 */
class ApiEndpointsPlugin extends Plugin
{
    public $config_class = 'ApiEndpointsConfig';

    /** @var array{enabled: bool, max_download_mb: int}|null set by bootstrap() of the active instance */
    private static $serving = null;

    /** One instance only (the original's name for it). */
    public function isSingleton()
    {
        return true;
    }

    /** What osTicket 1.18 asks before it offers "Add Instance". */
    public function isMultiInstance()
    {
        return !$this->isSingleton();
    }

    public function init()
    {
        Signal::connect('model.deleted', [self::class, 'onPluginDeleted'], 'Plugin');
    }

    /** Removes our files when the plugin's registry row is deleted (uninstall). */
    public static function onPluginDeleted($plugin)
    {
        if ($plugin->getInstallPath() === 'plugins/' . basename(__DIR__)) {
            self::undeploy();
        }
    }

    public function bootstrap()
    {
        $config = $this->getConfig();
        self::$serving = [
            'enabled' => (bool) $config->get('enabled', true),
            'max_download_mb' => max(1, (int) $config->get('max_download_mb', 64)),
            'actor' => trim((string) $config->get('actor', '')),
        ];
        // Without a usable extension the routes stay, so that they answer what is missing (503).
        if (self::$serving['enabled']) {
            Signal::connect('api', [self::class, 'routes']);
            Signal::connect('cron', [self::class, 'onCron']);
        }
        // The configuration page's "Rebuild index" button posts its steps to scp/ajax.php.
        Signal::connect('ajax.scp', [self::class, 'staffRoutes']);
        if (extension_loaded('osticket_api')) {
            self::redeployAfterUpgrade();
            Signal::connect('model.deleted', [self::class, 'onTicketDeleted'], 'Ticket');
        }
    }

    /** A ticket deleted by any osTicket path: the search index must forget it. */
    public static function onTicketDeleted($ticket)
    {
        if (function_exists('osticket_api_ticket_deleted')) {
            osticket_api_ticket_deleted(self::runtimeConfig(), (int) $ticket->getId());
        }
    }

    /**
     * osTicket's cron: one bounded step of an unfinished build of the search index that no admin
     * page drives, else the catch-up with every change since its last commit.
     */
    public static function onCron()
    {
        try {
            osticket_api_search_index('cron', self::runtimeConfig(), false);
        } catch (Throwable $e) {
            // No extension, no index built, or another process writing it: searches answer through SQL.
        }
    }

    /** The search index's rebuild step on osTicket's staff AJAX dispatcher (scp/ajax.php). */
    public static function staffRoutes($dispatcher)
    {
        // A closure: osTicket's dispatcher instantiates the class of a [class, method] pair.
        $dispatcher->append(url_post('^/api-endpoints/search-index$', fn () => self::searchStep()));
    }

    /**
     * POST scp/ajax.php/api-endpoints/search-index (mode, owner): one bounded step of the search
     * index rebuild, answered as JSON. Admins only; staff.inc.php has checked osTicket's CSRF token
     * for the POST, and it is checked again here (a POST without fields skips that check).
     */
    public static function searchStep(): void
    {
        global $ost, $thisstaff;
        ignore_user_abort(true);
        $answer = static function (int $status, string $body): void {
            http_response_code($status);
            header('Content-Type: application/json; charset=UTF-8');
            header('Cache-Control: no-store');
            echo $body;
            exit;
        };
        $refuse = fn (int $status, string $message) => $answer($status, (string) json_encode(
            ['error' => true, 'outcome' => 'error', 'message' => $message],
            JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
        ));
        if (!$thisstaff || !$thisstaff->isAdmin()) {
            $refuse(403, 'Only administrators can rebuild the search index');
        }
        if (!$ost || !$ost->checkCSRFToken()) {
            $refuse(403, 'Valid CSRF token required: reload the page');
        }
        $problem = self::extensionProblem();
        if ($problem !== null) {
            $refuse(503, $problem);
        }
        $field = fn (string $name) => is_string($_POST[$name] ?? null) ? $_POST[$name] : '';
        $test = $field('test_step_tickets');
        $step = osticket_api_search_step(
            self::runtimeConfig(),
            $field('mode'),
            $field('owner'),
            ctype_digit($test) ? (int) $test : null
        );
        $answer((int) $step['status'], (string) $step['body']);
    }

    /**
     * Deploys this version's entry scripts and block when the deployed ones are another version's
     * (an in-place upgrade): one file is compared on each request. Never fails the request.
     */
    private static function redeployAfterUpgrade(): void
    {
        try {
            $probe = self::apiDir() . 'tickets-get.php';
            // Missing (uninstalled meanwhile) or not writable: the configuration page says so.
            if (
                !is_file($probe) || !is_writable(self::apiDir())
                || file_get_contents($probe) === self::script('tickets-get')
            ) {
                return;
            }
            self::install();
        } catch (Throwable $e) {
            error_log('API Endpoints plugin: redeploying after an upgrade failed: ' . $e->getMessage());
        }
    }

    /**
     * Adds our routes in front of osTicket's own on its API dispatcher (api/http.php): ticket
     * create (shadowing core's, which still answers `.email`), the same create under
     * `/wildcard/tickets.json|xml` (the "API Key Wildcard" plugin's route: there, and only there,
     * a key registered with IP 0.0.0.0 is accepted from any address), and the update route the
     * original meant to offer, `PATCH|PUT /api/tickets/{number}` with `.json`, `.xml` or no suffix
     * (JSON).
     */
    public static function routes($dispatcher)
    {
        $create = function ($format) {
            if ($format === 'email') {
                require_once INCLUDE_DIR . 'api.tickets.php';
                return (new TicketApiController())->create($format);
            }
            self::serve(['PATH_INFO' => '.' . $format] + $_SERVER, 'tickets');
        };
        $wildcard = fn ($format) => self::serve(['PATH_INFO' => '.' . $format] + $_SERVER, 'tickets', true);
        $update = fn ($number, $format = 'json') => self::serve(
            ['PATH_INFO' => '/' . $number . '.' . $format] + $_SERVER,
            'tickets-update'
        );
        $ticket = '^/tickets/(?P<number>[^/.]+)';
        array_unshift(
            $dispatcher->urls,
            url_post('^/tickets\.(?P<format>xml|json|email)$', $create),
            url_post('^/wildcard/tickets\.(?P<format>xml|json)$', $wildcard),
            url($ticket . '\.(?P<format>json|xml)$', $update, false, 'PATCH'),
            url($ticket . '\.(?P<format>json|xml)$', $update, false, 'PUT'),
            url($ticket . '$', $update, false, 'PATCH'),
            url($ticket . '$', $update, false, 'PUT')
        );
    }

    /**
     * Answers one request through the extension; a validated write is applied by the write
     * adapter with osTicket's own methods first (docs/write-commands.md).
     */
    public static function serve(array $server, ?string $endpoint = null, bool $wildcard = false): void
    {
        $problem = self::extensionProblem();
        if ($problem !== null) {
            http_response_code(503);
            header('Content-Type: application/json; charset=UTF-8');
            echo json_encode([
                'error' => true,
                'message' => $problem,
                'code' => extension_loaded('osticket_api') ? 'extension_mismatch' : 'extension_missing',
            ], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
            return;
        }
        // A client that hangs up must not abort the request halfway (PHP would unwind past the
        // extension's database connection and past a write in progress).
        ignore_user_abort(true);
        // A PHP fatal error in osTicket while a write is applied (its transaction is rolled back
        // with the connection), "Maximum execution time" included, still gets the JSON error
        // envelope, not an empty 200, and one log line with the request id.
        register_shutdown_function(static function () use ($server, $endpoint): void {
            $e = error_get_last();
            $fatal = E_ERROR | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR;
            if ($e === null || !($e['type'] & $fatal)) {
                return;
            }
            $id = osticket_api_request_id();
            $what = preg_replace('/\s+/', ' ', mb_substr((string) $e['message'], 0, 300));
            error_log(sprintf(
                'API Endpoints [request %s]: 500 %s %s: PHP fatal error: %s (%s:%d)',
                $id,
                $server['REQUEST_METHOD'] ?? '',
                $endpoint ?? basename((string) ($server['SCRIPT_NAME'] ?? ''), '.php'),
                $what,
                $e['file'],
                $e['line']
            ));
            if (!headers_sent()) {
                // Drop what is still buffered (PHP's own error text when display_errors is on).
                while (ob_get_level() > 0 && ob_end_clean()) {
                }
                http_response_code(500);
                header('Content-Type: application/json; charset=UTF-8');
                header('X-Request-Id: ' . $id);
                echo '{"error":true,"message":"The helpdesk failed while answering","code":"write_failed"}';
            }
        });
        $config = self::runtimeConfig() + ($endpoint === null ? [] : ['endpoint' => $endpoint])
            + ['wildcard' => $wildcard];
        // The body as a stream: the extension reads it in pieces (no 70 MB PHP string).
        $answer = osticket_api_serve($server, $config, fopen('php://input', 'rb') ?: '');
        if (is_array($answer)) {
            require_once __DIR__ . '/class.ApiEndpointsWriter.php';
            osticket_api_complete($answer, ApiEndpointsWriter::apply($answer));
        }
    }

    /** The settings the extension needs for one call. */
    public static function runtimeConfig(): array
    {
        $serving = self::$serving;
        return [
            'dbhost' => DBHOST,
            'dbname' => DBNAME,
            'dbuser' => DBUSER,
            'dbpass' => DBPASS,
            'prefix' => TABLE_PREFIX,
            'default_socket' => (string) ini_get('mysqli.default_socket'),
            'ssl_ca' => defined('DBSSLCA') ? (string) DBSSLCA : '',
            'active' => $serving !== null && $serving['enabled'],
            'max_download_bytes' => ($serving['max_download_mb'] ?? 64) * 1048576,
            'actor' => $serving['actor'] ?? '',
            // The search index directory ('' = default under the temp dir, 'off' = none).
            'search_index' => defined('OSTICKET_API_SEARCH_INDEX')
                ? (string) OSTICKET_API_SEARCH_INDEX : (string) getenv('OSTICKET_API_SEARCH_INDEX'),
        ];
    }

    public function enable()
    {
        if (self::extensionProblem() !== null) {
            return $this->refuse();
        }
        $errors = [];
        if ($this->isSingleton() && !$this->getNumInstances()) {
            // The settings go along: on the admin panel's install (a POST) osTicket would store
            // every checkbox that is not in these values as unticked.
            $this->addInstance(ApiEndpointsConfig::DEFAULTS + [
                'name' => $this->getName(),
                'isactive' => 1,
                'notes' => 'Created when the plugin was installed',
            ], $errors);
        }
        try {
            self::install();
        } catch (Throwable $e) {
            $errors['err'] = $e->getMessage();
        }
        return $errors ?: true;
    }

    public function pre_uninstall(&$errors)
    {
        self::undeploy();
        return true;
    }

    /** This plugin's version (its manifest's). */
    public static function version(): string
    {
        $manifest = include __DIR__ . '/plugin.php';
        return (string) ($manifest['version'] ?? '');
    }

    public static function missingExtensionMessage(): string
    {
        return self::extensionProblem() ?? '';
    }

    /**
     * Why the extension cannot serve this plugin, in one line that names the file of the release
     * bundle to install for the running PHP and how; null when it can. A binary built for another
     * PHP does not load at all, so "not loaded" covers that case too.
     */
    public static function extensionProblem(): ?string
    {
        $version = (string) ((include __DIR__ . '/plugin.php')['version'] ?? '');
        $php = PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION;
        $fix = "install extensions/osticket_api-php{$php}.so of the api-endpoints-{$version} release bundle "
            . '(as root: sh install-extension.sh; by hand: copy it to PHP\'s extension directory as '
            . "osticket_api.so and add \"extension=osticket_api\" to PHP's configuration), "
            . "then restart php-fpm (php{$php}-fpm on Debian and Ubuntu)";
        if (!extension_loaded('osticket_api')) {
            return "The osticket_api PHP extension is not loaded into PHP {$php}: {$fix}.";
        }
        $loaded = (string) phpversion('osticket_api');
        if ($loaded !== $version) {
            return "The osticket_api PHP extension {$loaded} is loaded, but the plugin is {$version}: {$fix}.";
        }
        return null;
    }

    /** Adds the permission columns, copies our entry scripts, inserts our .htaccess block. */
    public static function install(): void
    {
        osticket_api_install(self::runtimeConfig());
        $api = self::apiDir();
        foreach (osticket_api_endpoints() as $endpoint) {
            self::replace($api . $endpoint . '.php', self::script($endpoint));
        }
        $htaccess = $api . '.htaccess';
        if (is_file($htaccess) && is_writable($htaccess)) {
            $text = (string) file_get_contents($htaccess);
            $new = osticket_api_htaccess($text, true);
            if ($new !== $text) {
                self::replace($htaccess, $new);
            }
        }
    }

    /**
     * Writes a file whole or not at all (a temporary file renamed over it), so that a request
     * running while the files are replaced reads the old or the new one, never half of one.
     */
    private static function replace(string $file, string $content): void
    {
        if (!is_writable(dirname($file))) {
            if (file_put_contents($file, $content) === false) {
                throw new RuntimeException("Cannot write {$file}: make it writable for PHP");
            }
            return;
        }
        $tmp = dirname($file) . '/.' . basename($file) . '.' . getmypid() . '.tmp';
        $mode = is_file($file) ? (fileperms($file) & 0777) : 0644;
        if (file_put_contents($tmp, $content) === false || !chmod($tmp, $mode) || !rename($tmp, $file)) {
            if (is_file($tmp)) {
                unlink($tmp);
            }
            throw new RuntimeException("Cannot write {$file}: make it writable for PHP");
        }
    }

    /** The deployed files that are missing or differ from this version's (empty: up to date). */
    public static function outdated(): array
    {
        $api = self::apiDir();
        $stale = [];
        foreach (osticket_api_endpoints() as $endpoint) {
            $file = $api . $endpoint . '.php';
            if (!is_file($file) || file_get_contents($file) !== self::script($endpoint)) {
                $stale[] = "api/{$endpoint}.php";
            }
        }
        $htaccess = is_file($api . '.htaccess') ? (string) file_get_contents($api . '.htaccess') : null;
        if ($htaccess !== null && osticket_api_htaccess($htaccess, true) !== $htaccess) {
            $stale[] = 'api/.htaccess';
        }
        return $stale;
    }

    /** Leaves the plugin switched off with the reason in its notes (1.18 ignores enable()'s result). */
    private function refuse(): array
    {
        $errors = [];
        try {
            $this->update(['isactive' => 0, 'notes' => self::missingExtensionMessage()], $errors);
        } catch (Throwable $e) {
            // Not in a helpdesk (tests): the message below is all there is to say.
        }
        return ['err' => self::missingExtensionMessage()];
    }

    /** Our entry script for an endpoint, naming the directory this plugin is installed in. */
    private static function script(string $endpoint): string
    {
        $source = __DIR__ . '/api/' . $endpoint . '.php';
        $script = is_file($source) ? file_get_contents($source) : false;
        if ($script === false) {
            throw new RuntimeException("The plugin package lacks api/{$endpoint}.php");
        }
        return str_replace('plugins/api-endpoints/', 'plugins/' . basename(__DIR__) . '/', $script);
    }

    /** Removes exactly our entry scripts and our .htaccess block; the columns stay (see above). */
    private static function undeploy(): void
    {
        $api = self::apiDir();
        $loaded = extension_loaded('osticket_api');
        $names = $loaded
            ? osticket_api_endpoints()
            : array_map(fn ($f) => basename($f, '.php'), glob(__DIR__ . '/api/tickets-*.php') ?: []);
        foreach ($names as $endpoint) {
            if (is_file($api . $endpoint . '.php')) {
                unlink($api . $endpoint . '.php');
            }
        }
        $htaccess = $api . '.htaccess';
        if ($loaded && is_file($htaccess) && is_writable($htaccess)) {
            file_put_contents($htaccess, osticket_api_htaccess((string) file_get_contents($htaccess), false));
        }
        try {
            if ($loaded) {
                osticket_api_uninstall(self::runtimeConfig());
            }
        } catch (Throwable $e) {
            // The files are gone; indexes left behind cost space, not correctness.
            error_log('API Endpoints plugin: ' . $e->getMessage());
        }
    }

    private static function apiDir(): string
    {
        return dirname(INCLUDE_DIR) . '/api/';
    }
}
