<?php

declare(strict_types=1);

/*
 * Minimal stand-ins of osTicket 1.18's plugin classes (Signal, Plugin, PluginConfig, the form
 * fields the plugin's config uses, Format::htmlchars), with 1.18's method names and argument
 * lists. Plugin state lives in the same `<prefix>plugin` / `<prefix>plugin_instance` tables.
 */

class Signal
{
    private static array $subscribers = [];

    public static function connect($signal, $callable, $object = null, $check = null)
    {
        self::$subscribers[$signal][] = [$object, $callable];
    }

    public static function send($signal, $object, &$data = null)
    {
        foreach (self::$subscribers[$signal] ?? [] as [$class, $callable]) {
            if ($class && !is_a($object, $class)) {
                continue;
            }
            call_user_func_array($callable, [$object, &$data]);
        }
    }
}

final class Format
{
    public static function htmlchars($text)
    {
        return htmlspecialchars((string) $text, ENT_QUOTES, 'UTF-8');
    }
}

class FormField
{
    public function __construct(public array $options = [])
    {
    }

    public function get($name)
    {
        return $this->options[$name] ?? null;
    }
}

class BooleanField extends FormField
{
}

class TextboxField extends FormField
{
}

class SectionBreakField extends FormField
{
}

class FreeTextField extends FormField
{
}

abstract class PluginConfig
{
    protected array $values = [];

    public function __construct($namespace = null, $defaults = [])
    {
        foreach ($this->getOptions() as $name => $field) {
            $this->values[$name] = $defaults[$name] ?? $field->get('default');
        }
    }

    public function get($key, $default = null)
    {
        return $this->values[$key] ?? $default;
    }

    public function getOptions()
    {
        return [];
    }

    public function getFields()
    {
        return $this->getOptions();
    }

    public function pre_save(&$config, &$errors)
    {
        return true;
    }
}

/** The plugin registry row, as osTicket's `Plugin` model (also the base of plugin classes). */
class Plugin
{
    public $config_class = null;
    public array $ht = [];
    private $config;

    public function getId()
    {
        return (int) ($this->ht['id'] ?? 0);
    }

    public function getName()
    {
        return $this->ht['name'] ?? '';
    }

    public function getInstallPath()
    {
        return $this->ht['install_path'] ?? '';
    }

    public function isActive()
    {
        return !empty($this->ht['isactive']);
    }

    public function init()
    {
    }

    public function bootstrap()
    {
    }

    public function enable()
    {
        return true;
    }

    public function pre_uninstall(&$errors)
    {
        return true;
    }

    public function getConfig($instance = null, $defaults = [])
    {
        if (!$this->config && ($class = $this->config_class)) {
            $this->config = new $class(null, $defaults);
        }
        return $this->config;
    }

    public function getNumInstances()
    {
        return (int) StandinDb::value('SELECT COUNT(*) FROM ' . PLUGIN_INSTANCE_TABLE . ' WHERE plugin_id = ?', [$this->getId()]);
    }

    public function addInstance($vars, &$errors)
    {
        StandinDb::exec(
            'INSERT INTO ' . PLUGIN_INSTANCE_TABLE . ' (plugin_id, flags, name, notes, created) VALUES (?, ?, ?, ?, NOW())',
            [$this->getId(), empty($vars['isactive']) ? 0 : 1, (string) $vars['name'], (string) ($vars['notes'] ?? '')]
        );
        return true;
    }

    public function update($vars, &$errors)
    {
        StandinDb::exec(
            'UPDATE ' . PLUGIN_TABLE . ' SET isactive = ?, notes = ? WHERE id = ?',
            [(int) $vars['isactive'], (string) $vars['notes'], $this->getId()]
        );
        return true;
    }

    public function uninstall(&$errors)
    {
        if ($this->pre_uninstall($errors) === false) {
            return false;
        }
        StandinDb::exec('DELETE FROM ' . PLUGIN_INSTANCE_TABLE . ' WHERE plugin_id = ?', [$this->getId()]);
        StandinDb::exec('DELETE FROM ' . PLUGIN_TABLE . ' WHERE id = ?', [$this->getId()]);
        Signal::send('model.deleted', $this);
        return true;
    }
}

final class StandinDb
{
    private static ?mysqli $db = null;

    public static function conn(): mysqli
    {
        if (!self::$db) {
            [$host, $port] = array_pad(explode(':', DBHOST, 2), 2, '3306');
            mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
            self::$db = new mysqli($host, DBUSER, DBPASS, DBNAME, (int) $port);
            self::$db->set_charset('utf8mb4');
        }
        return self::$db;
    }

    public static function exec(string $sql, array $args = []): void
    {
        self::conn()->execute_query($sql, $args);
    }

    public static function rows(string $sql, array $args = []): array
    {
        return self::conn()->execute_query($sql, $args)->fetch_all(MYSQLI_ASSOC);
    }

    public static function value(string $sql, array $args = [])
    {
        return self::conn()->execute_query($sql, $args)->fetch_row()[0] ?? null;
    }
}

/** PluginManager stand-in: loads installed plugins, init() all, bootstrap() the active ones. */
final class StandinPluginManager
{
    /** The plugin implementation of a registry row (the manifest names class file and class). */
    public static function impl(array $row): ?Plugin
    {
        $dir = INCLUDE_DIR . $row['install_path'];
        $info = include $dir . '/plugin.php';
        [$file, $class] = explode(':', $info['plugin']);
        require_once $dir . '/' . $file;
        $plugin = new $class();
        $plugin->ht = $row;
        return $plugin;
    }

    public function bootstrap(): void
    {
        foreach (StandinDb::rows('SELECT * FROM ' . PLUGIN_TABLE) as $row) {
            $plugin = self::impl($row);
            $plugin->init();
            if (!$plugin->isActive()) {
                continue;
            }
            $active = StandinDb::value(
                'SELECT COUNT(*) FROM ' . PLUGIN_INSTANCE_TABLE . ' WHERE plugin_id = ? AND (flags & 1) = 1',
                [$plugin->getId()]
            );
            if ($active) {
                $plugin->bootstrap();
            }
        }
    }
}

final class StandinOsTicket
{
    public StandinPluginManager $plugins;

    public function __construct()
    {
        $this->plugins = new StandinPluginManager();
    }
}
