<?php

declare(strict_types=1);

/*
 * Drives a plugin's lifecycle on a real osTicket 1.18 exactly the way the admin panel does
 * (scp/plugins.php, include/class.plugin.php):
 *
 *   php tests/osticket/plugin.php [<osTicket root>] install [<dir>]
 *       "Add New Plugin": PluginManager::install('plugins/<dir>') inserts the plugin row (inactive)
 *       and calls the plugin's enable(); then what the admin does next: switches it on in the plugin
 *       list (isactive = 1) and, when enable() created no instance, adds one that is enabled (the
 *       plugin page's "Add Instance"). Prints {"id": <row id>, "plugin_id": "<manifest id>", ...}.
 *   php tests/osticket/plugin.php [<root>] enable|disable [<dir>]
 *       the plugin list's Enable/Disable: only `isactive` of the plugin row; instances, files and
 *       enable() are not touched (osTicket 1.18 calls enable() on install only).
 *   php tests/osticket/plugin.php [<root>] enable-instance|disable-instance [<dir>]
 *       the plugin page's instance Enable/Disable: the FLAG_ENABLED bit of every instance.
 *   php tests/osticket/plugin.php [<root>] uninstall [<dir>]
 *       the plugin list's Delete: uninstall() on the *base* Plugin model loaded by Plugin::objects()
 *       (so a subclass's pre_uninstall() does not run), which deletes the instances (purging their
 *       config) and the plugin row.
 *   php tests/osticket/plugin.php [<root>] status [<dir>]
 *       JSON: installed, id, plugin_id, version, active, instances, instance_active, deployed
 *       (api/tickets-*.php present), htaccess_block, notes.
 *
 * <dir> is the directory under include/plugins/ (default api-endpoints). The osTicket root is the
 * first argument when it is an osTicket directory, else $WEB_ROOT. Exit status: 0 ok, 1 failure,
 * 2 usage. Load the extension a plugin needs with php -d extension=..., as php-fpm does.
 */

const COMMANDS = ['install', 'enable', 'disable', 'enable-instance', 'disable-instance', 'uninstall', 'status'];

function fail(string $message, int $code = 1): void
{
    fwrite(STDERR, "plugin.php: {$message}\n");
    exit($code);
}

$args = array_slice($argv, 1);
$root = null;
if ($args && is_file($args[0] . '/main.inc.php')) {
    $root = array_shift($args);
} elseif (getenv('WEB_ROOT') && is_file(getenv('WEB_ROOT') . '/main.inc.php')) {
    $root = getenv('WEB_ROOT');
}
[$command, $dir] = $args + [null, 'api-endpoints'];
if ($root === null || !in_array($command, COMMANDS, true) || !preg_match('/^[A-Za-z0-9._-]+$/', (string) $dir)) {
    fail("usage: php {$argv[0]} [<osTicket root>] " . implode('|', COMMANDS) . ' [<plugin dir>]'
        . ($root === null ? ' (no osTicket root: pass it or set WEB_ROOT)' : ''), 2);
}
$root = rtrim(realpath($root), '/');

require __DIR__ . '/bootstrap.php';
osticket_cli_bootstrap($root);
// osTicket's own CLI (include/cli/cli.inc.php) runs without a session; so do we.
define('DISABLE_SESSION', true);
// osTicket answers a broken installation (no database, no config) with Http::response() and exit,
// which prints nothing useful on the command line.
$booted = false;
register_shutdown_function(function () use (&$booted) {
    if (!$booted) {
        fwrite(STDERR, "plugin.php: osTicket's bootstrap ended the script (is the installation complete?)\n");
        exit(1);
    }
});
require $root . '/main.inc.php';
$booted = true;
require_once INCLUDE_DIR . 'class.plugin.php';

$path = 'plugins/' . $dir;

/** The plugin row (model) installed from $path, or null. */
function plugin_row(string $path): ?Plugin
{
    PluginManager::clearCache();
    $row = db_fetch_array(db_query('SELECT id FROM ' . PLUGIN_TABLE . ' WHERE install_path = ' . db_input($path)));
    if (!$row) {
        return null;
    }
    // The ORM caches models by primary key within a request; read the current row.
    return Plugin::objects()->filter(['id' => (int) $row['id']])->one();
}

function status(string $root, string $path): array
{
    // Straight from the tables: the ORM keeps models it loaded earlier in this run unchanged after
    // QuerySet updates.
    $row = db_fetch_array(db_query('SELECT id, isactive, version, notes FROM ' . PLUGIN_TABLE
        . ' WHERE install_path = ' . db_input($path))) ?: null;
    $flags = [];
    if ($row) {
        $res = db_query('SELECT flags FROM ' . PLUGIN_INSTANCE_TABLE . ' WHERE plugin_id = ' . db_input($row['id']));
        while ($res && ($i = db_fetch_array($res))) {
            $flags[] = (int) $i['flags'];
        }
    }
    $info = PluginManager::getInfoForPath(INCLUDE_DIR . $path) ?: [];
    $htaccess = is_file($root . '/api/.htaccess') ? (string) file_get_contents($root . '/api/.htaccess') : '';
    return [
        'installed' => $row !== null,
        'id' => $row ? (int) $row['id'] : null,
        'plugin_id' => $info['id'] ?? null,
        'version' => $row ? $row['version'] : ($info['version'] ?? null),
        'active' => $row ? (bool) $row['isactive'] : false,
        'instances' => count($flags),
        'instance_active' => (bool) array_filter($flags, fn ($f) => ($f & PluginInstance::FLAG_ENABLED) !== 0),
        'deployed' => array_map('basename', glob($root . '/api/tickets-*.php') ?: []),
        'htaccess_block' => stripos($htaccess, 'API Endpoints') !== false,
        'notes' => $row ? $row['notes'] : null,
    ];
}

function print_json(array $data): void
{
    echo json_encode($data, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
}

$plugin = plugin_row($path);
if ($command !== 'install' && $command !== 'status' && !$plugin) {
    fail("no plugin is installed from include/{$path}");
}

switch ($command) {
    case 'install':
        if (!is_file(INCLUDE_DIR . $path . '/plugin.php')) {
            fail("include/{$path}/plugin.php does not exist");
        }
        if ($plugin) {
            fail("include/{$path} is already installed (plugin row {$plugin->getId()}); uninstall it first");
        }
        // Add New Plugin (scp/plugins.php, do=install).
        if (!$ost->plugins->install($path)) {
            fail("PluginManager::install('{$path}') failed (no plugin.php info, or incompatible ost_version)");
        }
        $plugin = plugin_row($path) ?: fail('the plugin row is missing after install');
        if ($plugin->get('notes')) {
            // enable()'s result is ignored by osTicket; plugins leave their complaints in the notes.
            fwrite(STDERR, 'plugin.php: note from the plugin: ' . strip_tags((string) $plugin->get('notes')) . "\n");
        }
        // The admin switches it on in the list (mass_process, a=enable).
        Plugin::objects()->filter(['id__in' => [$plugin->getId()]])->update(['isactive' => 1]);
        PluginManager::clearCache();
        // A plugin's code only runs through an enabled instance. enable() usually creates one (the
        // original plugin does for its singleton); otherwise do what "Add Instance" does.
        $impl = PluginManager::lookup($plugin->getId());
        if (!$impl || $impl instanceof DefunctPlugin || $impl->isDefunct()) {
            fail("the plugin in include/{$path} is defunct (its class could not be loaded)");
        }
        if (!status($root, $path)['instances']) {
            $errors = [];
            if (!$impl->addInstance(['name' => $impl->getName(), 'isactive' => 1, 'notes' => ''], $errors)) {
                fail('adding an instance failed: ' . json_encode($errors));
            }
        }
        if (!status($root, $path)['instance_active']) {
            // PluginInstance::update() only sets the flag when the config form stored something,
            // which never happens for a plugin without options; the admin then clicks Enable on the
            // instance list (do=instances-actions).
            fwrite(STDERR, "plugin.php: no enabled instance yet; enabling the instances as the plugin page would\n");
            $enabled = SqlExpression::bitor(new SqlField('flags'), PluginInstance::FLAG_ENABLED);
            $plugin->instances->update(['flags' => $enabled]);
        }
        PluginManager::clearCache();
        $state = status($root, $path);
        if (!$state['active'] || !$state['instance_active']) {
            fail('the plugin is not active after install: ' . json_encode($state));
        }
        print_json($state);
        break;

    case 'enable':
    case 'disable':
        // The plugin list's Enable / Disable (scp/plugins.php, do=mass_process).
        Plugin::objects()->filter(['id__in' => [$plugin->getId()]])
            ->update(['isactive' => $command === 'enable' ? 1 : 0]);
        PluginManager::clearCache();
        print_json(status($root, $path));
        break;

    case 'enable-instance':
    case 'disable-instance':
        // The plugin page's instance Enable / Disable (do=instances-actions) for every instance.
        $flag = PluginInstance::FLAG_ENABLED;
        $plugin->instances->update(['flags' => $command === 'enable-instance'
            ? SqlExpression::bitor(new SqlField('flags'), $flag)
            : SqlExpression::bitand(new SqlField('flags'), ~$flag)]);
        PluginManager::clearCache();
        print_json(status($root, $path));
        break;

    case 'uninstall':
        // The plugin list's Delete (do=mass_process, a=delete): base Plugin models from the ORM.
        $errors = [];
        foreach (Plugin::objects()->filter(['id__in' => [$plugin->getId()]]) as $p) {
            $p->uninstall($errors);
        }
        PluginManager::clearCache();
        $state = status($root, $path);
        if ($state['installed']) {
            fail('the plugin is still installed after uninstall: ' . json_encode($errors));
        }
        print_json($state);
        break;

    case 'status':
        print_json(status($root, $path));
        break;
}
