<?php

declare(strict_types=1);

/*
 * Drives the plugin's lifecycle on the stand-in like osTicket's admin panel:
 *   php cli.php install <dir> | enable | disable | uninstall   (run from the stand-in's root)
 */

$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
require __DIR__ . '/main.inc.php';

[, $command, $dir] = $argv + [null, null, 'api-endpoints'];
$path = 'plugins/' . $dir;
$row = StandinDb::rows('SELECT * FROM ' . PLUGIN_TABLE . ' WHERE install_path = ?', [$path])[0] ?? null;

switch ($command) {
    case 'install':
        $info = include INCLUDE_DIR . $path . '/plugin.php';
        StandinDb::exec(
            'INSERT INTO ' . PLUGIN_TABLE . ' (name, install_path, isactive, version, installed) VALUES (?, ?, 1, ?, NOW())',
            [$info['name'], $path, $info['version']]
        );
        $row = StandinDb::rows('SELECT * FROM ' . PLUGIN_TABLE . ' WHERE install_path = ?', [$path])[0];
        $result = StandinPluginManager::impl($row)->enable();
        echo json_encode(['installed' => (int) $row['id'], 'enable' => $result]), "\n";
        exit($result === true ? 0 : 1);
    case 'enable':
    case 'disable':
        StandinDb::exec('UPDATE ' . PLUGIN_TABLE . ' SET isactive = ? WHERE install_path = ?', [$command === 'enable' ? 1 : 0, $path]);
        echo "{$command}d\n";
        break;
    case 'uninstall':
        // Like the admin panel: uninstall() on the registry model, not on the plugin class.
        $model = new Plugin();
        $model->ht = $row;
        $errors = [];
        $model->uninstall($errors);
        echo "uninstalled\n";
        break;
    default:
        fwrite(STDERR, "usage: php cli.php install <dir>|enable|disable|uninstall\n");
        exit(2);
}
