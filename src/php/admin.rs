//! Functions the plugin shell calls outside of requests to endpoints: version, the endpoint list
//! for deployment and for the config page, schema installation and removal, the API-key
//! permission grid and its saving, the settings' checks, the acting agent's choice, the build, the `.htaccess` block and the nginx snippet.
//! Failures become PHP exceptions (`\Exception`) with the core's message.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ce;

use crate::auth::Permission;
use crate::db::MysqlStore;
use crate::error::ApiError;
use crate::write::Cmd;
use crate::{deploy, schema, settings};

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

/// The HTML permission grid of the config page (every value escaped, keys shortened). With
/// `$pending`, the `$_POST` of a save that was refused, the boxes show what the admin had ticked
/// and keep the values the page was loaded with.
#[php_function]
#[php(name = "osticket_api_permission_grid")]
pub fn osticket_api_permission_grid(
    config: &ZendHashTable,
    pending: Option<&ZendHashTable>,
) -> PhpResult<String> {
    let pending = pending
        .filter(|p| p.get(schema::GRID_MARKER).is_some())
        .map(posted_grid)
        .and_then(|(grid, errors)| errors.is_empty().then_some(grid));
    with_store(config, |store, tables| {
        Ok(schema::grid_html(
            &schema::keys(store, tables)?,
            pending.as_ref(),
        ))
    })
}

/// Saves the submitted grid (`$_POST`): only the cells the admin changed since the page was
/// loaded (its hidden `api_key_permissions_loaded[<id>]` fields), each only while it still holds
/// the loaded value. Answers `['errors' => [...], 'notices' => [...], 'changed' => n]`: errors
/// (malformed or forged fields; nothing was written), notices (changes left alone: the key was
/// deleted, or the cell was changed elsewhere meanwhile). Does nothing unless the grid's hidden
/// marker field was posted (a save of another form).
#[php_function]
#[php(name = "osticket_api_save_permissions")]
pub fn osticket_api_save_permissions(
    config: &ZendHashTable,
    post: &ZendHashTable,
) -> PhpResult<Zval> {
    let saved = if post.get(schema::GRID_MARKER).is_none() {
        schema::GridSaved::default()
    } else {
        match posted_grid(post) {
            (_, errors) if !errors.is_empty() => schema::GridSaved {
                errors,
                ..schema::GridSaved::default()
            },
            (grid, _) => with_store(config, |store, tables| {
                schema::apply_grid(store, tables, &grid)
            })?,
        }
    };
    let list = |v: Vec<String>| Cmd::List(v.into_iter().map(Cmd::Str).collect());
    Ok(convert::command(
        Cmd::map()
            .with("errors", list(saved.errors))
            .with("notices", list(saved.notices))
            .with(
                "changed",
                Cmd::Int(i64::try_from(saved.changed).unwrap_or(i64::MAX)),
            ),
    ))
}

/// The posted grid, and what was malformed. Field names come from the fixed permission list;
/// posted text is never echoed back.
fn posted_grid(post: &ZendHashTable) -> (schema::PostedGrid, Vec<String>) {
    let mut grid = schema::PostedGrid::default();
    let mut errors = Vec::new();
    let id_of = |key: String| key.parse::<i64>().ok().filter(|id| *id > 0);
    match post.get(schema::LOADED_FIELD).map(Zval::array) {
        None => errors.push(
            "The permission grid was posted without the values it was loaded with: reload the page"
                .to_owned(),
        ),
        Some(None) => errors.push(format!(
            "{} must be a list of API key ids",
            schema::LOADED_FIELD
        )),
        Some(Some(ids)) => {
            for (key, value) in ids.iter() {
                let cells = convert::bytes(value)
                    .and_then(|b| String::from_utf8(b).ok())
                    .and_then(|t| schema::decode_loaded(&t));
                match (id_of(key.to_string()), cells) {
                    (Some(id), Some(cells)) => {
                        grid.loaded.insert(id, cells);
                    }
                    _ => errors.push(format!(
                        "{} holds something that is not an API key's permissions",
                        schema::LOADED_FIELD
                    )),
                }
            }
        }
    }
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
            match id_of(key.to_string()) {
                Some(id) => {
                    if value.coerce_to_bool() {
                        grid.ticked.insert((short, id));
                    }
                }
                None => errors.push(format!("{field} holds something that is not an API key id")),
            }
        }
    }
    errors.dedup();
    (grid, errors)
}

/// Checks the settings posted on the config page before osTicket stores them; answers
/// `[field => message]` (empty: they can be saved). `max_download_mb`: a whole number from 1 to
/// 65536; `actor`: empty (the system poster) or an active agent.
#[php_function]
#[php(name = "osticket_api_check_settings")]
pub fn osticket_api_check_settings(
    config: &ZendHashTable,
    settings: &ZendHashTable,
) -> PhpResult<Zval> {
    let mut problems = Cmd::map();
    if let Err(e) = settings::check_download_mb(
        &convert::get_text(settings, "max_download_mb").unwrap_or_default(),
    ) {
        problems = problems.with("max_download_mb", Cmd::Str(e));
    }
    let actor = convert::get_text(settings, "actor").unwrap_or_default();
    if !actor.trim().is_empty() {
        let agents = with_store(config, |store, tables| settings::agents(store, tables))?;
        if let Err(e) = settings::check_actor(&agents, &actor) {
            problems = problems.with("actor", Cmd::Str(e));
        }
    }
    Ok(convert::command(problems))
}

/// The "Act as agent" choice for the stored value: `['agents' => [[username, label], ...]` (the
/// active agents), `'selected' => username` (the agent the stored value names, by username or
/// e-mail; empty for the system poster or an agent who is gone), `'warning' => text` (empty unless
/// the stored value names no active agent: writes fall back to the system poster)]`.
#[php_function]
#[php(name = "osticket_api_actor_choice")]
pub fn osticket_api_actor_choice(config: &ZendHashTable, stored: String) -> PhpResult<Zval> {
    let agents = with_store(config, |store, tables| settings::agents(store, tables))?;
    let selected = settings::chosen(&agents, &stored).map(|a| a.username.clone());
    let warning = if stored.trim().is_empty() || selected.is_some() {
        String::new()
    } else {
        settings::actor_fallback_warning(&stored)
    };
    let list = agents
        .iter()
        .map(|a| Cmd::List(vec![Cmd::Str(a.username.clone()), Cmd::Str(a.label())]))
        .collect();
    Ok(convert::command(
        Cmd::map()
            .with("agents", Cmd::List(list))
            .with("selected", Cmd::Str(selected.unwrap_or_default()))
            .with("warning", Cmd::Str(warning)),
    ))
}

/// What the config page shows about the loaded extension: `['version', 'build', 'php_api']`.
#[php_function]
#[php(name = "osticket_api_build")]
pub fn osticket_api_build() -> Zval {
    convert::command(
        Cmd::map()
            .with("version", Cmd::Str(env!("CARGO_PKG_VERSION").to_owned()))
            .with("build", Cmd::Str(crate::build_info::BUILD.to_owned()))
            .with("php_api", Cmd::Str(crate::build_info::PHP_API.to_owned())),
    )
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
        .function(wrap_function!(osticket_api_check_settings))
        .function(wrap_function!(osticket_api_actor_choice))
        .function(wrap_function!(osticket_api_build))
        .function(wrap_function!(osticket_api_htaccess))
        .function(wrap_function!(osticket_api_htaccess_block))
        .function(wrap_function!(osticket_api_nginx_snippet))
        .function(wrap_function!(osticket_api_endpoints_html))
        .function(wrap_function!(osticket_api_openapi))
}
