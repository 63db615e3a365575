<?php

declare(strict_types=1);

/*
 * Drives the API Endpoints plugin's lifecycle on a real osTicket the way the admin panel does.
 *
 *   php tests/osticket/plugin.php <osTicket root> install <dir>   Add New Plugin (PluginManager::install)
 *   php tests/osticket/plugin.php <osTicket root> enable|disable   the plugin list's toggle (isactive)
 *   php tests/osticket/plugin.php <osTicket root> uninstall        the plugin list's delete (uninstall())
 *   php tests/osticket/plugin.php <osTicket root> status           JSON state
 */

[$self, $root, $command] = $argv + [null, null, null];
if (!$root || !$command || !is_file($root . '/main.inc.php')) {
    fwrite(STDERR, "usage: php {$self} <osTicket root> install <dir>|enable|disable|uninstall|status\n");
    exit(2);
}

require __DIR__ . '/bootstrap.php';
osticket_cli_bootstrap($root);
require $root . '/main.inc.php';

$path = 'plugins/' . ($argv[3] ?? 'api-endpoints');
$plugin = Plugin::objects()->filter(['install_path' => $path])->first();

switch ($command) {
    case 'install':
        if ($plugin) {
            fwrite(STDERR, "already installed (id {$plugin->getId()})\n");
            exit(1);
        }
        $plugin = $ost->plugins->install($path);
        if (!$plugin) {
            fwrite(STDERR, "install failed\n");
            exit(1);
        }
        // The admin then switches the plugin on in the list.
        $plugin->isactive = 1;
        $plugin->save();
        PluginManager::clearCache();
        echo json_encode(['installed' => $plugin->getId(), 'instances' => $plugin->getNumInstances()]), "\n";
        break;
    case 'enable':
    case 'disable':
        if (!$plugin) {
            fwrite(STDERR, "not installed\n");
            exit(1);
        }
        Plugin::objects()->filter(['id' => $plugin->getId()])->update(['isactive' => $command === 'enable' ? 1 : 0]);
        PluginManager::clearCache();
        echo "{$command}d\n";
        break;
    case 'uninstall':
        if (!$plugin) {
            fwrite(STDERR, "not installed\n");
            exit(1);
        }
        $errors = [];
        if (!$plugin->uninstall($errors)) {
            fwrite(STDERR, 'uninstall failed: ' . json_encode($errors) . "\n");
            exit(1);
        }
        echo "uninstalled\n";
        break;
    case 'status':
        echo json_encode([
            'installed' => (bool) $plugin,
            'active' => $plugin ? (bool) $plugin->isActive() : false,
            'instances' => $plugin ? $plugin->getNumInstances() : 0,
            'deployed' => array_map('basename', glob($root . '/api/tickets-*.php') ?: []),
        ]), "\n";
        break;
    default:
        fwrite(STDERR, "unknown command {$command}\n");
        exit(2);
}
