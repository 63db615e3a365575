//! Reading PHP arrays into the core's types, byte-exact (PHP strings may hold any bytes).

use std::cell::RefCell;

use ext_php_rs::types::{ZendHashTable, Zval};

use crate::write::Cmd;

use crate::config::{Config, DEFAULT_MAX_DOWNLOAD_BYTES};
use crate::error::{ApiError, Result};
use crate::request::Request;

/// The bytes of a string value, or of a scalar's string form; `None` for null, arrays, objects.
pub fn bytes(zv: &Zval) -> Option<Vec<u8>> {
    if let Some(s) = zv.zend_str() {
        return Some(s.as_bytes().to_vec());
    }
    if zv.is_long() || zv.is_double() || zv.is_bool() {
        return zv.coerce_to_string().map(String::into_bytes);
    }
    None
}

/// A key of a PHP array as bytes.
pub fn get_bytes(arr: &ZendHashTable, key: &str) -> Option<Vec<u8>> {
    arr.get(key).and_then(bytes)
}

/// A key of a PHP array as text (invalid UTF-8 replaced).
pub fn get_text(arr: &ZendHashTable, key: &str) -> Option<String> {
    get_bytes(arr, key).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// A key of a PHP array as a boolean (PHP truthiness).
pub fn get_bool(arr: &ZendHashTable, key: &str) -> bool {
    arr.get(key).is_some_and(Zval::coerce_to_bool)
}

/// The request from `$_SERVER` (after osTicket replaced `REMOTE_ADDR`) and the raw body.
pub fn request(server: &ZendHashTable, body: Vec<u8>, endpoint: Option<String>) -> Request {
    let script_name = get_text(server, "SCRIPT_NAME").unwrap_or_default();
    let endpoint = endpoint.unwrap_or_else(|| Request::endpoint_from_script(&script_name));
    Request {
        endpoint,
        script_name,
        method: get_text(server, "REQUEST_METHOD").unwrap_or_default(),
        path_info: get_bytes(server, "PATH_INFO")
            .or_else(|| get_bytes(server, "ORIG_PATH_INFO"))
            .unwrap_or_default(),
        query_string: get_bytes(server, "QUERY_STRING").unwrap_or_default(),
        api_key: get_bytes(server, "HTTP_X_API_KEY"),
        content_type: get_text(server, "CONTENT_TYPE")
            .or_else(|| get_text(server, "HTTP_CONTENT_TYPE")),
        accept: get_text(server, "HTTP_ACCEPT"),
        remote_addr: get_text(server, "REMOTE_ADDR").unwrap_or_default(),
        body,
        wildcard: false,
    }
}

thread_local! {
    /// Attachment contents of the current write, fetched one by one by the adapter.
    static PENDING: RefCell<Vec<Option<Vec<u8>>>> = const { RefCell::new(Vec::new()) };
}

/// Forgets the attachment contents of an earlier write (a new request, or the write answered).
pub fn clear_pending() {
    PENDING.with(|p| p.borrow_mut().clear());
}

/// Takes attachment content `index` of the current write (`None`: unknown or taken).
pub fn take_pending(index: usize) -> Option<Vec<u8>> {
    PENDING.with(|p| p.borrow_mut().get_mut(index).and_then(Option::take))
}

/// A write command as a PHP value (arrays, binary strings; [`Cmd::Blob`]s become indexes for
/// [`take_pending`]).
pub fn command(cmd: Cmd) -> Zval {
    let mut zv = Zval::new();
    match cmd {
        Cmd::Blob(b) => {
            let index = PENDING.with(|p| {
                let mut p = p.borrow_mut();
                p.push(Some(b));
                p.len() - 1
            });
            zv.set_long(i64::try_from(index).unwrap_or(i64::MAX));
        }
        Cmd::Null => zv.set_null(),
        Cmd::Bool(b) => zv.set_bool(b),
        Cmd::Int(i) => zv.set_long(i),
        Cmd::Str(s) => zv.set_binary(s.into_bytes()),
        Cmd::Bytes(b) => zv.set_binary(b),
        Cmd::List(items) => {
            let mut ht = ZendHashTable::with_capacity(u32::try_from(items.len()).unwrap_or(0));
            for item in items {
                // Pushing to a fresh array only fails when it is full (2^31 entries).
                let _ = ht.push(command(item));
            }
            zv.set_hashtable(ht);
        }
        Cmd::Map(entries) => {
            let mut ht = ZendHashTable::with_capacity(u32::try_from(entries.len()).unwrap_or(0));
            for (key, value) in entries {
                let _ = ht.insert(key.as_ref(), command(value));
            }
            zv.set_hashtable(ht);
        }
    }
    zv
}

/// The runtime configuration the plugin shell hands over (see `php-plugin/` for the keys).
pub fn config(arr: &ZendHashTable) -> Result<Config> {
    let text = |k: &str| get_text(arr, k).unwrap_or_default();
    let mut cfg = Config::new(
        &text("dbhost"),
        get_text(arr, "default_socket").as_deref(),
        &text("dbname"),
        &text("dbuser"),
        &text("dbpass"),
        &text("prefix"),
    )?;
    cfg.db.ssl_ca = get_text(arr, "ssl_ca").filter(|s| !s.trim().is_empty());
    cfg.active = get_bool(arr, "active");
    cfg.actor = text("actor").trim().to_owned();
    // The index directory: the shell's `search_index` ('' = default under the temp dir, 'off').
    cfg.search_index = crate::search::index::directory(
        &text("search_index"),
        &format!(
            "{}:{:?}:{:?}/{}/{}",
            cfg.db.host,
            cfg.db.port,
            cfg.db.socket,
            cfg.db.name,
            cfg.tables.raw("")
        ),
    );
    cfg.max_download_bytes = match arr.get("max_download_bytes").and_then(Zval::long) {
        Some(n) if n > 0 => u64::try_from(n).map_err(|_| ApiError::Internal("bad cap".into()))?,
        _ => DEFAULT_MAX_DOWNLOAD_BYTES,
    };
    Ok(cfg)
}
