<?php

declare(strict_types=1);

/*
 * Stand-ins of the osTicket 1.18 classes the plugin shell uses, written for this project's CI,
 * where osTicket cannot be installed. Class names, method names and argument lists are 1.18's;
 * the bodies only do what the shell relies on. State lives in 1.18's tables: `<prefix>plugin`,
 * `<prefix>plugin_instance` and `<prefix>config` (namespace `plugin.<id>.instance.<id>`).
 *
 * Behaviour kept from 1.18 because the shell depends on it:
 * - installing inserts an inactive registry row and calls enable() once, ignoring its result;
 * - init() runs for every installed plugin on every request, bootstrap() only for the enabled
 *   instances of active plugins, after the instance's configuration was loaded;
 * - deleting calls uninstall() on the plain Plugin model (not the plugin's class) and sends
 *   `model.deleted`;
 * - an instance's settings come from the posted values only: a checkbox that is not among them
 *   is stored as unticked (the admin panel's POST).
 */

class Signal
{
    private static $subscribers = [];

    public static function connect($signal, $callable, $object = null, $check = null)
    {
        self::$subscribers[$signal][] = [$object, $callable, $check];
    }

    public static function send($signal, $object, &$data = null)
    {
        foreach (self::$subscribers[$signal] ?? [] as [$class, $callable, $check]) {
            if (($class && !is_a($object, $class)) || ($check && !$check($object, $data))) {
                continue;
            }
            call_user_func_array($callable, [$object, &$data]);
        }
    }
}

class Format
{
    public static function htmlchars($var, $sanitize = false)
    {
        return htmlspecialchars((string) $var, ENT_QUOTES, 'UTF-8');
    }
}

class FormField
{
    public $ht = [];

    public function __construct($options = array())
    {
        $this->ht = $options;
    }

    public function get($what, $default = null)
    {
        return array_key_exists($what, $this->ht) ? $this->ht[$what] : $default;
    }

    public function hasData()
    {
        return true;
    }

    /** A posted value (null: not posted) as the field's clean value. */
    public function parse($value)
    {
        return $value ?? $this->get('default');
    }

    public function to_php($value)
    {
        return $value;
    }

    public function to_database($value)
    {
        return (string) $value;
    }

    public function getConfiguration()
    {
        return $this->get('configuration') ?: [];
    }

    public function addError($message, $index = false)
    {
        $this->ht['errors'][] = $message;
    }
}

/** 1.18 stores a choice as JSON `{key: label}` and decodes it to the key. */
class ChoiceField extends FormField
{
    public function getChoices()
    {
        return $this->get('choices') ?: [];
    }

    public function parse($value)
    {
        return $this->to_php($value ?? $this->get('default'));
    }

    public function to_php($value)
    {
        if (is_string($value)) {
            $value = json_decode($value, true) ?: $value;
        }
        return is_array($value) && count($value) < 2 ? (string) key($value) : $value;
    }

    public function to_database($value)
    {
        $choices = $this->getChoices();
        if (!is_array($value) && isset($choices[$value])) {
            $value = [$value => $choices[$value]];
        }
        return is_array($value) ? json_encode($value) : (string) $value;
    }
}

class BooleanField extends FormField
{
    public function parse($value)
    {
        return (bool) $value;
    }

    public function to_php($value)
    {
        return (bool) $value;
    }

    public function to_database($value)
    {
        return $value ? '1' : '0';
    }
}

class TextboxField extends FormField
{
}

class SectionBreakField extends FormField
{
    public function hasData()
    {
        return false;
    }
}

class FreeTextField extends FormField
{
    public function hasData()
    {
        return false;
    }
}

class SimpleForm
{
    private $fields;
    private $source;

    public function __construct($fields = array(), $source = null, $options = array())
    {
        $this->fields = $fields;
        $this->source = $source ?: $_POST;
    }

    public function getFields()
    {
        return $this->fields;
    }

    public function getField($name)
    {
        return $this->fields[$name] ?? null;
    }

    public function addErrors($errors = [])
    {
        foreach ($errors as $name => $message) {
            if ($field = $this->getField($name)) {
                $field->addError($message);
            }
        }
    }

    public function getClean()
    {
        $clean = [];
        foreach ($this->fields as $name => $field) {
            if ($field->hasData()) {
                $clean[$name] = $field->parse($this->source[$name] ?? null);
            }
        }
        return $clean;
    }
}

abstract class PluginConfig
{
    public $instance;
    public $_config = [];
    private $section;
    private $stored = [];

    public function __construct($namespace, $defaults = [])
    {
        $this->section = $namespace;
        $rows = $namespace
            ? StandinDb::rows('SELECT `key`, `value` FROM ' . CONFIG_TABLE . ' WHERE namespace = ?', [$namespace])
            : [];
        $this->stored = array_column($rows, 'value', 'key') + $defaults;
        foreach ($this->getOptions() as $name => $field) {
            if (array_key_exists($name, $this->stored)) {
                $this->_config[$name] = $field->to_php($this->stored[$name]);
            } elseif (($default = $field->get('default'))) {
                $this->_config[$name] = $default;
            }
        }
    }

    public function get($key, $default = null)
    {
        return $this->_config[$key] ?? $this->stored[$key] ?? $default;
    }

    public function getOptions()
    {
        return array();
    }

    public function getFields()
    {
        return $this->getOptions();
    }

    public function getInfo()
    {
        return $this->_config;
    }

    public function getInstance()
    {
        return $this->instance;
    }

    public function setInstance(PluginInstance $i = null)
    {
        $this->instance = $i;
    }

    public function getForm($vars = [])
    {
        return new SimpleForm($this->getFields(), $vars ?: null);
    }

    /** The configuration page's save: pre_save() may veto, then the settings are written. */
    public function store(SimpleForm $form = null, &$errors = array())
    {
        $form = $form ?: $this->getForm();
        $clean = $form->getClean();
        if (!$this->pre_save($clean, $errors) || $errors) {
            return false;
        }
        $fields = $form->getFields();
        foreach ($clean as $key => $value) {
            StandinDb::exec(
                'REPLACE INTO ' . CONFIG_TABLE . ' (namespace, `key`, `value`) VALUES (?, ?, ?)',
                [$this->section, $key, $fields[$key]->to_database($value)]
            );
        }
        return true;
    }

    public function pre_save(&$config, &$errors)
    {
        return true;
    }

    public function purge()
    {
        StandinDb::exec('DELETE FROM ' . CONFIG_TABLE . ' WHERE namespace = ?', [$this->section]);
        return true;
    }
}

/** The plugin registry row (osTicket's `Plugin` model), also the base of plugin classes. */
class Plugin
{
    public $config_class = null;
    public $config;
    public $info = [];
    public $ht = [];

    public static function lookup($id)
    {
        $row = StandinDb::rows('SELECT * FROM ' . PLUGIN_TABLE . ' WHERE id = ?', [(int) $id])[0] ?? null;
        if (!$row) {
            return null;
        }
        $plugin = new static();
        $plugin->ht = $row;
        $plugin->info = PluginManager::getInfoForPath(INCLUDE_DIR . $row['install_path']) ?: [];
        return $plugin;
    }

    /** The plugin's own class, loaded as the manifest names it. */
    public function getImpl()
    {
        [$file, $class] = explode(':', $this->info['plugin'] ?? ':');
        $path = INCLUDE_DIR . $this->getInstallPath() . '/' . $file;
        if (!$class || !is_file($path)) {
            return null;
        }
        require_once $path;
        return $class::lookup($this->getId());
    }

    public function getId()
    {
        return (int) ($this->ht['id'] ?? 0);
    }

    public function getName()
    {
        return $this->ht['name'] ?? ($this->info['name'] ?? '');
    }

    public function getInstallPath()
    {
        return $this->ht['install_path'] ?? '';
    }

    public function getVersion()
    {
        return $this->ht['version'] ?? ($this->info['version'] ?? '');
    }

    public function isActive()
    {
        return !empty($this->ht['isactive']);
    }

    public function isCompatible()
    {
        return PluginManager::isCompatible($this->info['ost_version'] ?? null);
    }

    public function isMultiInstance()
    {
        return true;
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

    public function getConfigClass()
    {
        return $this->config_class;
    }

    public function getConfig(PluginInstance $instance = null, $defaults = [])
    {
        if ((!isset($this->config) || $instance) && ($class = $this->getConfigClass())) {
            $this->config = $instance ? $instance->getConfig($defaults) : new $class(null, $defaults);
        }
        return $this->config;
    }

    public function getInstances()
    {
        $rows = StandinDb::rows(
            'SELECT * FROM ' . PLUGIN_INSTANCE_TABLE . ' WHERE plugin_id = ? ORDER BY id',
            [$this->getId()]
        );
        return array_map(fn ($row) => new PluginInstance($row), $rows);
    }

    public function getActiveInstances()
    {
        return array_values(array_filter($this->getInstances(), fn ($i) => $i->isEnabled()));
    }

    public function getNumInstances()
    {
        return count($this->getInstances());
    }

    public function addInstance($vars, &$errors)
    {
        if (!$vars['name']) {
            $errors['name'] = 'Name Required';
            return false;
        }
        StandinDb::exec(
            'INSERT INTO ' . PLUGIN_INSTANCE_TABLE . ' (plugin_id, flags, name, created) VALUES (?, 0, ?, NOW())',
            [$this->getId(), (string) $vars['name']]
        );
        $instance = new PluginInstance(['id' => StandinDb::conn()->insert_id, 'plugin_id' => $this->getId()]);
        $this->config = null;
        return $instance->update($vars, $errors) ? $instance : false;
    }

    public function update($vars, &$errors)
    {
        StandinDb::exec(
            'UPDATE ' . PLUGIN_TABLE . ' SET isactive = ?, notes = ? WHERE id = ?',
            [(int) $vars['isactive'], (string) $vars['notes'], $this->getId()]
        );
        $this->ht['isactive'] = (int) $vars['isactive'];
        $this->ht['notes'] = (string) $vars['notes'];
        return true;
    }

    public function delete()
    {
        foreach ($this->getInstances() as $instance) {
            $instance->delete();
        }
        StandinDb::exec('DELETE FROM ' . PLUGIN_TABLE . ' WHERE id = ?', [$this->getId()]);
        Signal::send('model.deleted', $this);
        return true;
    }

    public function uninstall(&$errors)
    {
        if ($this->pre_uninstall($errors) === false) {
            return false;
        }
        $this->delete();
        PluginManager::clearCache();
        return true;
    }
}

/** One configured instance of a plugin (`<prefix>plugin_instance`). */
class PluginInstance
{
    public const FLAG_ENABLED = 0x0001;

    public $ht;
    private $config;

    public function __construct($row = [])
    {
        $this->ht = $row;
    }

    public function getId()
    {
        return (int) $this->ht['id'];
    }

    public function getPluginId()
    {
        return (int) $this->ht['plugin_id'];
    }

    public function getPlugin()
    {
        $plugin = Plugin::lookup($this->getPluginId());
        return $plugin ? $plugin->getImpl() : null;
    }

    public function isEnabled()
    {
        return ((int) ($this->ht['flags'] ?? 0) & self::FLAG_ENABLED) !== 0;
    }

    public function getNamespace()
    {
        return sprintf('plugin.%d.instance.%d', $this->getPluginId(), $this->getId());
    }

    public function getConfig($defaults = [])
    {
        if (!isset($this->config) && ($class = $this->getPlugin()->getConfigClass())) {
            $this->config = new $class($this->getNamespace(), $defaults);
            $this->config->setInstance($this);
        }
        return $this->config;
    }

    public function getForm($vars = null)
    {
        return $this->getConfig()->getForm($vars);
    }

    /** The instance page's save: settings from the posted values, then the enabled flag and name. */
    public function update($vars, &$errors)
    {
        if (!$this->getConfig()->store($this->getForm($vars), $errors)) {
            return false;
        }
        StandinDb::exec(
            'UPDATE ' . PLUGIN_INSTANCE_TABLE . ' SET flags = ?, name = ?, notes = ?, updated = NOW() WHERE id = ?',
            [empty($vars['isactive']) ? 0 : self::FLAG_ENABLED, (string) $vars['name'], (string) ($vars['notes'] ?? ''),
                $this->getId()]
        );
        return true;
    }

    public function bootstrap()
    {
        if ($this->isEnabled() && ($plugin = $this->getPlugin()) && $plugin->getConfig($this)) {
            return $plugin->bootstrap();
        }
    }

    public function delete()
    {
        $this->getConfig()->purge();
        StandinDb::exec('DELETE FROM ' . PLUGIN_INSTANCE_TABLE . ' WHERE id = ?', [$this->getId()]);
        return true;
    }
}

class PluginManager
{
    /** What the last install()'s enable() returned (1.18 drops it; the stand-in's CLI reports it). */
    public static $lastEnableResult = null;

    private static $infos = [];

    public function bootstrap()
    {
        foreach (self::allInstalled() as $plugin) {
            if (!$plugin->isCompatible()) {
                continue;
            }
            $plugin->init();
            if ($plugin->isActive()) {
                foreach ($plugin->getActiveInstances() as $instance) {
                    $instance->bootstrap();
                }
            }
            $plugin->config = null;
        }
    }

    public static function allInstalled()
    {
        $plugins = [];
        foreach (StandinDb::rows('SELECT id FROM ' . PLUGIN_TABLE . ' ORDER BY id') as $row) {
            $base = Plugin::lookup($row['id']);
            $plugins[] = $base->getImpl() ?: $base;
        }
        return $plugins;
    }

    public static function getInfoForPath($path, $is_phar = false)
    {
        if (!isset(self::$infos[$path])) {
            if (!is_file($path . '/plugin.php')) {
                return false;
            }
            self::$infos[$path] = (include $path . '/plugin.php') + ['include' => 'include/'];
        }
        return self::$infos[$path];
    }

    public static function isCompatible($version, $ost_version = null)
    {
        return !$version || version_compare($ost_version ?: MAJOR_VERSION, $version, '>=');
    }

    public static function lookup($id)
    {
        $plugin = Plugin::lookup((int) $id);
        return $plugin ? ($plugin->getImpl() ?: $plugin) : null;
    }

    /** "Add New Plugin": an inactive registry row, then the plugin's enable(). */
    public function install($path)
    {
        $path = 'plugins/' . basename($path);
        $info = self::getInfoForPath(INCLUDE_DIR . $path);
        if (!$info || (isset($info['ost_version']) && !self::isCompatible($info['ost_version']))) {
            return false;
        }
        StandinDb::exec(
            'INSERT INTO ' . PLUGIN_TABLE . ' (name, install_path, isactive, version, installed)'
                . ' VALUES (?, ?, 0, ?, NOW())',
            [$info['name'], $path, $info['version'] ?: '']
        );
        $plugin = Plugin::lookup(StandinDb::conn()->insert_id);
        self::$lastEnableResult = $plugin->getImpl()->enable();
        self::clearCache();
        return $plugin;
    }

    public static function clearCache()
    {
        self::$infos = [];
    }
}

final class StandinDb
{
    private static $db = null;

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

    /** A prepared statement, executed (mysqli::execute_query() is PHP 8.2+; the plugin runs on 8.1). */
    private static function run(string $sql, array $args): mysqli_stmt
    {
        $stmt = self::conn()->prepare($sql);
        $stmt->execute($args ?: null);
        return $stmt;
    }

    public static function exec(string $sql, array $args = []): void
    {
        self::run($sql, $args);
    }

    public static function rows(string $sql, array $args = []): array
    {
        $result = self::run($sql, $args)->get_result();
        return $result ? $result->fetch_all(MYSQLI_ASSOC) : [];
    }

    public static function value(string $sql, array $args = [])
    {
        $result = self::run($sql, $args)->get_result();
        return $result ? ($result->fetch_row()[0] ?? null) : null;
    }
}

/** osTicket's application object: the plugin manager and the client address. */
class osTicket
{
    public $plugins;

    public function __construct()
    {
        $this->plugins = new PluginManager();
    }

    public static function start()
    {
        $ost = new osTicket();
        $ost->plugins->bootstrap();
        return $ost;
    }

    /** Without trusted proxies configured (the stand-in has none), 1.18 returns REMOTE_ADDR. */
    public static function get_client_ip($header = 'HTTP_X_FORWARDED_FOR')
    {
        return $_SERVER['REMOTE_ADDR'] ?? '127.0.0.1';
    }
}
