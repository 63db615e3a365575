<?php

declare(strict_types=1);

require_once INCLUDE_DIR . 'class.plugin.php';
require_once __DIR__ . '/config.php';

/**
 * The osTicket side of the API Endpoints plugin: lifecycle and wiring only. Requests are answered
 * by the osticket_api extension (see endpoint.php); this class records whether the plugin serves
 * in the current request, and deploys/removes the entry scripts and the .htaccess block.
 *
 * osTicket 1.18 calls enable() once, from PluginManager::install(); the enable/disable toggle of
 * the plugin list only flips `isactive`, and a disabled plugin is not bootstrapped, so its
 * endpoints answer 404. Deleting the plugin in the admin panel calls uninstall() on the plain
 * `Plugin` model, not on this class, so pre_uninstall() would not run: init() (called for every
 * installed plugin, active or not) listens for the model's deletion instead. The permission
 * columns stay in `api_key` after uninstall so that a reinstall or upgrade keeps every key's grants.
 */
class ApiEndpointsPlugin extends Plugin
{
    public $config_class = 'ApiEndpointsConfig';

    /** @var array{enabled: bool, max_download_mb: int}|null set by bootstrap() of the active instance */
    private static $serving = null;

    public function isMultiInstance()
    {
        return false;
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
        ];
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
        ];
    }

    public function enable()
    {
        if (!extension_loaded('osticket_api')) {
            // osTicket 1.18 ignores enable()'s result: leave the plugin switched off, with the
            // reason in its notes on the plugin's page.
            $errors = [];
            try {
                $this->update(['isactive' => 0, 'notes' => self::missingExtensionMessage()], $errors);
            } catch (Throwable $e) {
                // Not in a helpdesk (tests): the message below is all there is to say.
            }
            return ['err' => self::missingExtensionMessage()];
        }
        $errors = [];
        if (!$this->getNumInstances()) {
            $this->addInstance([
                'name' => $this->getName(),
                'isactive' => 1,
                'notes' => 'Created when the plugin was installed',
            ], $errors);
        }
        try {
            osticket_api_install(self::runtimeConfig());
            $this->deploy();
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

    public static function missingExtensionMessage(): string
    {
        return 'The osticket_api PHP extension is not loaded. Install it and add '
            . '"extension=osticket_api" to PHP\'s configuration (php-fpm cannot load it at run time), '
            . 'then restart php-fpm.';
    }

    /** Copies our entry scripts into osTicket's api/ and inserts our .htaccess block. */
    private function deploy(): void
    {
        $api = self::apiDir();
        $dir = basename(__DIR__);
        foreach (osticket_api_endpoints() as $endpoint) {
            $source = __DIR__ . '/api/' . $endpoint . '.php';
            $script = (string) file_get_contents($source);
            // The scripts name the plugin directory; keep it right if ours is not `api-endpoints`.
            $script = str_replace("plugins/api-endpoints/", "plugins/{$dir}/", $script);
            if (file_put_contents($api . $endpoint . '.php', $script) === false) {
                throw new RuntimeException("Cannot write {$api}{$endpoint}.php");
            }
        }
        $htaccess = $api . '.htaccess';
        if (is_file($htaccess) && is_writable($htaccess)) {
            file_put_contents($htaccess, osticket_api_htaccess((string) file_get_contents($htaccess), true));
        }
    }

    /** Removes exactly our entry scripts and our .htaccess block. */
    private static function undeploy(): void
    {
        $api = self::apiDir();
        $names = extension_loaded('osticket_api')
            ? osticket_api_endpoints()
            : array_map(fn ($f) => basename($f, '.php'), glob(__DIR__ . '/api/tickets-*.php') ?: []);
        foreach ($names as $endpoint) {
            if (is_file($api . $endpoint . '.php')) {
                unlink($api . $endpoint . '.php');
            }
        }
        $htaccess = $api . '.htaccess';
        if (extension_loaded('osticket_api') && is_file($htaccess) && is_writable($htaccess)) {
            file_put_contents($htaccess, osticket_api_htaccess((string) file_get_contents($htaccess), false));
        }
        if (extension_loaded('osticket_api')) {
            try {
                osticket_api_uninstall(self::runtimeConfig());
            } catch (Throwable $e) {
                // The files are gone; indexes left behind cost space, not correctness.
                error_log('API Endpoints plugin: ' . $e->getMessage());
            }
        }
    }

    private static function apiDir(): string
    {
        return dirname(INCLUDE_DIR) . '/api/';
    }
}
