<?php

declare(strict_types=1);

require_once INCLUDE_DIR . 'class.plugin.php';

/**
 * The plugin's configuration page: the switch, the download cap, the endpoint list, the API-key
 * permission grid and the nginx snippet. The HTML of the list, grid and snippet and the saving of
 * permissions are done by the extension.
 *
 * getOptions() holds only the stored settings: osTicket builds it on every request to decode the
 * configuration. The rest (the grid is a database read) is added in getFields(), which only the
 * configuration form uses.
 */
class ApiEndpointsConfig extends PluginConfig
{
    /** Stored settings and their defaults; enable() hands them to the instance it creates. */
    public const DEFAULTS = ['enabled' => 1, 'max_download_mb' => '64', 'actor' => ''];

    /** The grid's hidden field: present whenever the configuration page itself was posted. */
    private const GRID_MARKER = 'api_key_permissions_grid';

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
                'configuration' => ['size' => 6, 'length' => 6, 'validator' => 'number'],
            ]),
            'actor' => new TextboxField([
                'label' => 'Act as agent',
                'default' => self::DEFAULTS['actor'],
                'hint' => 'Username or e-mail of the agent that updates, notes and replies are recorded for.'
                    . ' Empty: the system poster "API", as the original plugin.',
                'configuration' => ['size' => 40, 'length' => 128],
            ]),
        ];
    }

    public function getFields()
    {
        $problem = ApiEndpointsPlugin::extensionProblem();
        if ($problem !== null) {
            return $this->getOptions() + ['extension_missing' => self::html(Format::htmlchars($problem))];
        }
        $grid = fn () => osticket_api_permission_grid(ApiEndpointsPlugin::runtimeConfig());
        return $this->getOptions() + [
            'section_endpoints' => new SectionBreakField(['label' => 'Available API Endpoints']),
            'endpoints_info' => self::html(osticket_api_endpoints_html() . self::safely([self::class, 'deployment'])),
            'section_permissions' => new SectionBreakField(['label' => 'API Key Permissions']),
            'api_key_permissions_table' => self::html(self::safely($grid)),
            'section_nginx' => new SectionBreakField(['label' => 'nginx']),
            'nginx_snippet' => self::html('<pre>' . Format::htmlchars(osticket_api_nginx_snippet()) . '</pre>'),
        ];
    }

    /**
     * Saves the permission grid (every key; unticking every box revokes everything) and, after an
     * in-place upgrade, redeploys what is missing or outdated. Errors stop the save.
     */
    public function pre_save(&$config, &$errors)
    {
        if (!extension_loaded('osticket_api') || !isset($_POST[self::GRID_MARKER])) {
            return true;
        }
        try {
            $problems = osticket_api_save_permissions(ApiEndpointsPlugin::runtimeConfig(), $_POST);
            if (!$problems && ApiEndpointsPlugin::outdated()) {
                ApiEndpointsPlugin::install();
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
