<?php

declare(strict_types=1);

/*
 * Drives a plugin's lifecycle on the stand-in the way osTicket 1.18's admin panel does
 * (scp/plugins.php):
 *   php cli.php install [<dir>]             "Add New Plugin" (inactive row + enable()), then the
 *                                          admin switches it on in the list if enable() succeeded
 *   php cli.php enable|disable [<dir>]      the list's Enable/Disable: only `isactive`
 *   php cli.php enable-instance|disable-instance [<dir>]   the instance's enabled flag
 *   php cli.php set <key> <value> [<dir>]   a setting of the instance's configuration page
 *   php cli.php uninstall [<dir>]           the list's Delete: uninstall() on the plain Plugin model
 *   php cli.php status [<dir>]              JSON: row, instances, settings, whether it serves
 * <dir> is the directory under include/plugins/ (default api-endpoints). Prints one line; exit
 * status 0 ok, 1 failure, 2 usage.
 */

$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
require __DIR__ . '/main.inc.php';

$args = array_slice($argv, 1);
$command = array_shift($args);
[$key, $value] = $command === 'set' ? array_splice($args, 0, 2) + [null, null] : [null, null];
$path = 'plugins/' . basename($args[0] ?? 'api-endpoints');
$row = StandinDb::rows('SELECT id FROM ' . PLUGIN_TABLE . ' WHERE install_path = ?', [$path])[0] ?? null;
$plugin = $row ? PluginManager::lookup($row['id']) : null;
if ($command !== 'install' && !$plugin) {
    fwrite(STDERR, "cli.php: no plugin installed from {$path}\n");
    exit(1);
}
$flags = fn (bool $on) => StandinDb::exec(
    'UPDATE ' . PLUGIN_INSTANCE_TABLE . ' SET flags = ? WHERE plugin_id = ?',
    [$on ? PluginInstance::FLAG_ENABLED : 0, $plugin->getId()]
);

switch ($command) {
    case 'install':
        $plugin = $ost->plugins->install($path);
        $result = PluginManager::$lastEnableResult;
        if ($plugin && $result === true) {
            StandinDb::exec('UPDATE ' . PLUGIN_TABLE . ' SET isactive = 1 WHERE id = ?', [$plugin->getId()]);
        }
        echo json_encode(['installed' => $plugin ? $plugin->getId() : null, 'enable' => $result]), "\n";
        exit($result === true ? 0 : 1);
    case 'enable':
    case 'disable':
        StandinDb::exec(
            'UPDATE ' . PLUGIN_TABLE . ' SET isactive = ? WHERE id = ?',
            [(int) ($command === 'enable'), $plugin->getId()]
        );
        break;
    case 'enable-instance':
    case 'disable-instance':
        $flags($command === 'enable-instance');
        break;
    case 'set':
        $config = $plugin->getInstances()[0]->getConfig();
        $stored = $config->store(new SimpleForm($config->getOptions(), [$key => $value] + $config->getInfo()), $errors);
        if (!$stored) {
            fwrite(STDERR, 'cli.php: ' . json_encode($errors) . "\n");
            exit(1);
        }
        break;
    case 'uninstall':
        $errors = [];
        Plugin::lookup($plugin->getId())->uninstall($errors);
        break;
    case 'status':
        $instances = $plugin->getInstances();
        echo json_encode([
            'active' => $plugin->isActive(),
            'notes' => $plugin->ht['notes'] ?? null,
            'instances' => count($instances),
            'instance_enabled' => $instances && $instances[0]->isEnabled(),
            'settings' => $instances ? $instances[0]->getConfig()->getInfo() : null,
            'serving' => class_exists('ApiEndpointsPlugin', false) && ApiEndpointsPlugin::runtimeConfig()['active'],
        ]), "\n";
        exit(0);
    default:
        fwrite(
            STDERR,
            "usage: php cli.php install|enable|disable|enable-instance|disable-instance|set|uninstall|status\n"
        );
        exit(2);
}
echo "{$command}: ok\n";
