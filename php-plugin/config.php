<?php

declare(strict_types=1);

require_once INCLUDE_DIR . 'class.plugin.php';

/**
 * The plugin's configuration page: the switch, the download cap, the API-key permission grid and
 * the nginx snippet. The grid's HTML and the saving of permissions are done by the extension.
 *
 * getOptions() holds only the stored settings: osTicket builds it on every request to decode the
 * configuration. The grid (a database read) and the snippet are added in getFields(), which only
 * the configuration form uses.
 */
class ApiEndpointsConfig extends PluginConfig
{
    public function getOptions()
    {
        return [
            'enabled' => new BooleanField([
                'label' => 'Enable API Endpoints',
                'default' => true,
                'configuration' => ['desc' => 'Answer requests to the /api/tickets-*.php endpoints'],
            ]),
            'max_download_mb' => new TextboxField([
                'label' => 'Largest attachment download (MB)',
                'default' => '64',
                'configuration' => ['size' => 6, 'length' => 6, 'validator' => 'number'],
            ]),
        ];
    }

    public function getFields()
    {
        $loaded = extension_loaded('osticket_api');
        return $this->getOptions() + [
            'section_permissions' => new SectionBreakField(['label' => 'API Key Permissions']),
            'api_key_permissions_table' => new FreeTextField([
                'configuration' => ['content' => $loaded
                    ? self::safely(fn () => osticket_api_permission_grid(ApiEndpointsPlugin::runtimeConfig()))
                    : Format::htmlchars(ApiEndpointsPlugin::missingExtensionMessage())],
            ]),
            'section_nginx' => new SectionBreakField(['label' => 'nginx']),
            'nginx_snippet' => new FreeTextField([
                'configuration' => ['content' => $loaded
                    ? '<pre>' . Format::htmlchars(osticket_api_nginx_snippet()) . '</pre>'
                    : ''],
            ]),
        ];
    }

    public function pre_save(&$config, &$errors)
    {
        if (!extension_loaded('osticket_api') || !isset($_POST['api_key_permissions_grid'])) {
            return true;
        }
        try {
            osticket_api_save_permissions(ApiEndpointsPlugin::runtimeConfig(), $_POST);
        } catch (Throwable $e) {
            $errors['err'] = $e->getMessage();
            return false;
        }
        return true;
    }

    private static function safely(callable $render): string
    {
        try {
            return (string) $render();
        } catch (Throwable $e) {
            return Format::htmlchars('Cannot read the API keys: ' . $e->getMessage());
        }
    }
}
