<?php

declare(strict_types=1);

require_once INCLUDE_DIR . 'class.plugin.php';
require_once __DIR__ . '/class.ApiEndpointsLiveText.php';

/**
 * The plugin's configuration page: versions, the switch, the download cap, the acting agent, the
 * endpoint list, the API-key permission grid and the nginx snippet. The HTML of the list, grid and
 * snippet, the checks of the settings and the saving of permissions are done by the extension.
 *
 * getOptions() holds only the stored settings: osTicket builds it on every request to decode the
 * configuration. The rest (database reads) is added in getFields(), which only the configuration
 * form uses. osTicket builds the form before it saves it and draws it after, in the same request:
 * what must show the state after the save (the grid, the warnings) is drawn late
 * (ApiEndpointsLiveText).
 */
class ApiEndpointsConfig extends PluginConfig
{
    /** Stored settings and their defaults; enable() hands them to the instance it creates. */
    public const DEFAULTS = ['enabled' => 1, 'max_download_mb' => '64', 'actor' => ''];

    /** The grid's hidden field: present whenever the configuration page itself was posted. */
    private const GRID_MARKER = 'api_key_permissions_grid';

    private const SYSTEM_POSTER = 'System poster "API" (as the original plugin)';

    /** @var string[] what the save of this request left alone (shown above the grid) */
    private static $notices = [];

    /** @var bool whether the save of this request wrote the grid */
    private static $gridSaved = false;

    /** @var string|null the acting agent this request saved */
    private static $actorSaved = null;

    public function getOptions()
    {
        return [
            'enabled' => new BooleanField([
                'label' => 'Enable API Endpoints',
                'default' => (bool) self::DEFAULTS['enabled'],
                'configuration' => ['desc' => 'Answer requests to the /api/tickets-*.php endpoints (off: 404)'],
            ]),
            'max_download_mb' => new TextboxField([
                'label' => 'Largest attachment download (MB)',
                'default' => self::DEFAULTS['max_download_mb'],
                'hint' => 'A whole number from 1 to 65536; larger files answer 413.',
                'configuration' => ['size' => 6, 'length' => 6, 'validator' => 'number'],
            ]),
            'actor' => self::actorField(['' => self::SYSTEM_POSTER]),
        ];
    }

    public function getFields()
    {
        $options = $this->getOptions();
        $problem = ApiEndpointsPlugin::extensionProblem();
        if ($problem !== null) {
            return ['about' => self::html(self::about())] + $options + [
                'extension_missing' => self::html(Format::htmlchars($problem)),
            ];
        }
        $stored = (string) $this->get('actor', '');
        $choice = self::actorChoice($stored);
        $choices = ['' => self::SYSTEM_POSTER];
        foreach ($choice['agents'] as [$username, $label]) {
            $choices[$username] = $label;
        }
        if ($stored !== '' && !isset($choices[$stored])) {
            $choices[$stored] = $choice['selected'] !== ''
                ? $choices[$choice['selected']] . ' (stored as ' . $stored . ')'
                : $stored . ' (has left or was deactivated: writes use the system poster)';
        }
        $options['actor'] = self::actorField($choices);
        return ['about' => self::html(self::about())] + $options + [
            'actor_warning' => new ApiEndpointsLiveText(fn () => self::actorWarning($this)),
            'section_endpoints' => new SectionBreakField(['label' => 'Available API Endpoints']),
            'endpoints_info' => self::html(osticket_api_endpoints_html() . self::safely([self::class, 'deployment'])),
            'section_permissions' => new SectionBreakField(['label' => 'API Key Permissions']),
            'api_key_permissions_table' => new ApiEndpointsLiveText(fn () => self::grid()),
            'section_apache' => new SectionBreakField(['label' => 'Apache']),
            'apache_block' => self::html(self::safely([self::class, 'apache'])),
            'section_nginx' => new SectionBreakField(['label' => 'nginx']),
            'nginx_snippet' => self::html('<pre>' . Format::htmlchars(osticket_api_nginx_snippet()) . '</pre>'),
            'section_search' => new SectionBreakField(['label' => 'Search index']),
            'search_index' => self::html(self::safely([self::class, 'searchIndex'])),
        ];
    }

    /**
     * The search index panel: figures, progress bar and the "Rebuild index" / "Start over" buttons,
     * whose script posts bounded steps to scp/ajax.php (ApiEndpointsPlugin::searchStep()).
     */
    private static function searchIndex(): string
    {
        $script = (string) @file_get_contents(__DIR__ . '/search-index.js');
        return osticket_api_search_panel(
            ApiEndpointsPlugin::runtimeConfig(),
            (defined('ROOT_PATH') ? ROOT_PATH : '/') . 'scp/ajax.php/api-endpoints/search-index'
        )
            . '<script>' . $script . '</script>'
            . '<p>From the command line (as the web server\'s user): <code>php include/plugins/'
            . Format::htmlchars(basename(__DIR__)) . '/search-index.php rebuild</code>'
            . ' (also <code>status</code>, <code>catch-up</code>, <code>rebuild-fresh</code>).</p>';
    }

    /**
     * Checks the settings (a refused value stops the save with its message beside the field),
     * saves the cells of the permission grid the admin changed since the page was loaded (cells
     * changed elsewhere meanwhile are reported above the grid, not overwritten) and, after an
     * in-place upgrade, redeploys what is missing or outdated.
     */
    public function pre_save(&$config, &$errors)
    {
        if (!extension_loaded('osticket_api')) {
            return true;
        }
        try {
            $settings = $config;
            $actor = $settings['actor'] ?? '';
            $actor = is_array($actor) ? (string) key($actor) : (string) $actor;
            // An agent who left is kept until the admin picks another (the page warns about it).
            $settings['actor'] = $actor === (string) $this->get('actor', '') ? '' : $actor;
            $problems = osticket_api_check_settings(ApiEndpointsPlugin::runtimeConfig(), $settings);
            if ($problems) {
                $this->getForm()->addErrors(array_map([Format::class, 'htmlchars'], $problems));
                $errors['err'] = Format::htmlchars(implode(' ', $problems));
                return false;
            }
            $saved = isset($_POST[self::GRID_MARKER])
                ? osticket_api_save_permissions(ApiEndpointsPlugin::runtimeConfig(), $_POST)
                : ['errors' => [], 'notices' => []];
            $problems = $saved['errors'];
            if (!$problems) {
                self::$actorSaved = $actor;
                self::$gridSaved = true;
                self::$notices = $saved['notices'];
                if (ApiEndpointsPlugin::outdated()) {
                    ApiEndpointsPlugin::install();
                }
            }
        } catch (Throwable $e) {
            $problems = [$e->getMessage()];
        }
        if ($problems) {
            $errors['err'] = Format::htmlchars(implode(' ', $problems));
            return false;
        }
        return true;
    }

    /** A line saying whether the deployed entry scripts and .htaccess block are this version's. */
    public static function deployment(): string
    {
        $stale = ApiEndpointsPlugin::outdated();
        return $stale
            ? '<p><strong>Missing or outdated: ' . Format::htmlchars(implode(', ', $stale))
                . '.</strong> Saving this page deploys them.</p>'
            : '<p>Entry scripts deployed and up to date.</p>';
    }

    /** The versions of the plugin and of the loaded extension, and a warning when they differ. */
    public static function about(): string
    {
        $plugin = ApiEndpointsPlugin::version();
        if (!extension_loaded('osticket_api')) {
            return '<p class="warning-banner" id="api-endpoints-version">API Endpoints plugin '
                . Format::htmlchars($plugin) . ': the osticket_api extension is missing.</p>';
        }
        // An extension of another release may lack osticket_api_build().
        $ext = function_exists('osticket_api_build') ? osticket_api_build()
            : ['version' => (string) phpversion('osticket_api'), 'build' => '?', 'php_api' => '?'];
        $html = '<p id="api-endpoints-version">API Endpoints plugin ' . Format::htmlchars($plugin)
            . ' · osticket_api extension ' . Format::htmlchars($ext['version'])
            . ' (build: ' . Format::htmlchars($ext['build'])
            . '; PHP API ' . Format::htmlchars($ext['php_api']) . ')</p>';
        if ($ext['version'] !== $plugin) {
            $html .= '<p class="warning-banner" id="api-endpoints-version-mismatch">The plugin is version '
                . Format::htmlchars($plugin) . ' but the loaded osticket_api extension is version '
                . Format::htmlchars($ext['version'])
                . ': install the extension of the same release and restart php-fpm.</p>';
        }
        return $html;
    }

    /** The "Act as agent" choice: the system poster or an active agent (checked on save). */
    private static function actorField(array $choices): ChoiceField
    {
        return new ChoiceField([
            'label' => 'Act as agent',
            'default' => self::DEFAULTS['actor'],
            'hint' => 'The agent that updates, notes and replies are recorded for. An agent who has left'
                . ' or was deactivated: the system poster, with a warning here and in the system log.',
            'choices' => $choices,
        ]);
    }

    /** The extension's view of the stored agent; without a database, just the system poster. */
    private static function actorChoice(string $stored): array
    {
        try {
            return osticket_api_actor_choice(ApiEndpointsPlugin::runtimeConfig(), $stored);
        } catch (Throwable $e) {
            return ['agents' => [], 'selected' => '', 'warning' => $e->getMessage()];
        }
    }

    private static function actorWarning(self $config): string
    {
        $warning = self::actorChoice(self::$actorSaved ?? (string) $config->get('actor', ''))['warning'];
        return $warning === ''
            ? ''
            : '<p class="warning-banner" id="api-endpoints-actor-warning">' . Format::htmlchars($warning) . '</p>';
    }

    /**
     * The grid as stored now (after this request's save), with what the save left alone above it;
     * after a refused save, with the boxes the admin had ticked.
     */
    private static function grid(): string
    {
        $pending = !self::$gridSaved && isset($_POST[self::GRID_MARKER]) ? $_POST : null;
        $notices = '';
        foreach (self::$notices as $notice) {
            $notices .= '<p class="warning-banner api-endpoints-notice">' . Format::htmlchars($notice) . '</p>';
        }
        return $notices . self::safely(
            fn () => osticket_api_permission_grid(ApiEndpointsPlugin::runtimeConfig(), $pending)
        );
    }

    /** Whether the plugin keeps its block in api/.htaccess; the block to paste when it cannot. */
    public static function apache(): string
    {
        $file = dirname(INCLUDE_DIR) . '/api/.htaccess';
        $block = '<pre>' . Format::htmlchars(osticket_api_htaccess_block()) . '</pre>';
        if (is_file($file) && is_writable($file)) {
            return '<p>The plugin keeps this block in <code>api/.htaccess</code>, before osTicket\'s own '
                . 'rewrite to <code>http.php</code>.</p>' . $block;
        }
        $why = is_file($file) ? 'is not writable for PHP' : 'does not exist (not needed on nginx)';
        return '<p><strong>api/.htaccess ' . $why . '.</strong> On Apache (mod_rewrite, mod_proxy_fcgi, '
            . '<code>AllowOverride FileInfo</code>), paste this block into <code>api/.htaccess</code> after '
            . '<code>RewriteEngine On</code> and before osTicket\'s <code>RewriteCond</code> lines.</p>' . $block;
    }

    private static function html(string $content): FreeTextField
    {
        return new FreeTextField(['configuration' => ['content' => $content]]);
    }

    private static function safely(callable $render): string
    {
        try {
            return (string) $render();
        } catch (Throwable $e) {
            return Format::htmlchars('Cannot read the API keys or files: ' . $e->getMessage());
        }
    }
}
