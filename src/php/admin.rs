//! Functions the plugin shell calls outside of requests to endpoints: version, the endpoint list
//! for deployment and for the config page, schema installation and removal, the API-key
//! permission grid and its saving, the `.htaccess` block and the nginx snippet.
//! Failures become PHP exceptions (`\Exception`) with the core's message.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use ext_php_rs::zend::ce;

use crate::auth::Permission;
use crate::db::MysqlStore;
use crate::error::ApiError;
use crate::{deploy, schema};

use super::convert;

fn exception(err: &ApiError) -> PhpException {
    PhpException::new(err.message(), 0, ce::exception())
}

/// Runs `f` with a store for the shell's config array; errors and panics become exceptions.
fn with_store<T>(
    config: &ZendHashTable,
    f: impl FnOnce(&mut MysqlStore, &crate::sql::Tables) -> crate::error::Result<T>,
) -> PhpResult<T> {
    let cfg = convert::config(config).map_err(|e| exception(&e))?;
    let mut store = MysqlStore::new(&cfg.db);
    match catch_unwind(AssertUnwindSafe(|| f(&mut store, &cfg.tables))) {
        Ok(result) => result.map_err(|e| exception(&e)),
        Err(_) => Err(exception(&ApiError::Internal(
            "Internal error in the osticket_api extension".into(),
        ))),
    }
}

/// The extension's version (the crate version).
#[php_function]
#[php(name = "osticket_api_version")]
pub fn osticket_api_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The entry scripts to deploy into osTicket's `api/` directory, e.g. `tickets-get`.
#[php_function]
#[php(name = "osticket_api_endpoints")]
pub fn osticket_api_endpoints() -> Vec<&'static str> {
    crate::routes::scripts().map(|r| r.endpoint).collect()
}

/// Adds the permission columns to `<prefix>api_key` where missing; returns what was done.
#[php_function]
#[php(name = "osticket_api_install")]
pub fn osticket_api_install(config: &ZendHashTable) -> PhpResult<Vec<String>> {
    with_store(config, |store, tables| schema::install(store, tables))
}

/// Drops the indexes the plugin added (uninstall); the permission columns stay so that a
/// reinstall keeps every key's grants. Returns what was done.
#[php_function]
#[php(name = "osticket_api_uninstall")]
pub fn osticket_api_uninstall(config: &ZendHashTable) -> PhpResult<Vec<String>> {
    with_store(config, |store, tables| schema::drop_indexes(store, tables))
}

/// The HTML permission grid of the config page (every value escaped, keys shortened).
#[php_function]
#[php(name = "osticket_api_permission_grid")]
pub fn osticket_api_permission_grid(config: &ZendHashTable) -> PhpResult<String> {
    with_store(config, |store, tables| {
        Ok(schema::grid_html(&schema::keys(store, tables)?))
    })
}

/// Saves the submitted grid (`$_POST`): every key's permission columns are written, including
/// `can_create_tickets` and `can_read_stats`; a box that was not posted revokes, so unticking
/// every box revokes every permission. Does nothing unless the grid's hidden marker field was
/// posted (a save of another form). Returns the errors (unknown key ids, malformed fields); when
/// there are any, nothing is written.
#[php_function]
#[php(name = "osticket_api_save_permissions")]
pub fn osticket_api_save_permissions(
    config: &ZendHashTable,
    post: &ZendHashTable,
) -> PhpResult<Vec<String>> {
    if post.get(schema::GRID_MARKER).is_none() {
        return Ok(Vec::new());
    }
    let (granted, errors) = posted_grid(post);
    if !errors.is_empty() {
        return Ok(errors);
    }
    with_store(config, |store, tables| {
        schema::apply_grid(store, tables, &granted)
    })
}

/// The ticked boxes of a posted grid as `(permission, key id)` pairs, and what was malformed.
/// Field names come from the fixed permission list; posted text is never echoed back.
fn posted_grid(post: &ZendHashTable) -> (BTreeSet<(&'static str, i64)>, Vec<String>) {
    let mut granted = BTreeSet::new();
    let mut errors = Vec::new();
    for p in Permission::ALL {
        let short = schema::form_name(p);
        let field = format!("api_key_{short}_permissions");
        let Some(value) = post.get(field.as_str()) else {
            continue;
        };
        let Some(ids) = value.array() else {
            errors.push(format!("{field} must be a list of API key ids"));
            continue;
        };
        for (key, value) in ids.iter() {
            match key.to_string().parse::<i64>() {
                Ok(id) if id > 0 => {
                    if value.coerce_to_bool() {
                        granted.insert((short, id));
                    }
                }
                _ => errors.push(format!("{field} holds something that is not an API key id")),
            }
        }
    }
    (granted, errors)
}

/// `.htaccess` text with our block inserted (`$install`) or removed.
#[php_function]
#[php(name = "osticket_api_htaccess")]
pub fn osticket_api_htaccess(existing: String, install: bool) -> String {
    if install {
        deploy::htaccess_insert(&existing)
    } else {
        deploy::htaccess_remove(&existing)
    }
}

/// Our `api/.htaccess` block alone, shown on the config page when the file is not writable.
#[php_function]
#[php(name = "osticket_api_htaccess_block")]
pub fn osticket_api_htaccess_block() -> String {
    deploy::htaccess_block()
}

/// The nginx location for the entry scripts, shown on the config page.
#[php_function]
#[php(name = "osticket_api_nginx_snippet")]
pub fn osticket_api_nginx_snippet() -> String {
    deploy::nginx_snippet()
}

/// The config page's list of endpoints (HTML table generated from the route table).
#[php_function]
#[php(name = "osticket_api_endpoints_html")]
pub fn osticket_api_endpoints_html() -> String {
    deploy::endpoints_html()
}

/// The OpenAPI 3.1 description of the endpoints (JSON).
#[php_function]
#[php(name = "osticket_api_openapi")]
pub fn osticket_api_openapi() -> String {
    crate::openapi::to_pretty_json()
}

/// Registers the functions of this topic.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(osticket_api_version))
        .function(wrap_function!(osticket_api_endpoints))
        .function(wrap_function!(osticket_api_install))
        .function(wrap_function!(osticket_api_uninstall))
        .function(wrap_function!(osticket_api_permission_grid))
        .function(wrap_function!(osticket_api_save_permissions))
        .function(wrap_function!(osticket_api_htaccess))
        .function(wrap_function!(osticket_api_htaccess_block))
        .function(wrap_function!(osticket_api_nginx_snippet))
        .function(wrap_function!(osticket_api_endpoints_html))
        .function(wrap_function!(osticket_api_openapi))
}
