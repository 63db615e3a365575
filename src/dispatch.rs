//! The request pipeline: plugin state, route, API key, permission, handler, error mapping.
//!
//! [`handle`] never fails: every error becomes the JSON (or XML) error envelope with its status.
//! This module must not import `ext_php_rs` or `mysql`.

use crate::attachments;
use crate::auth;
use crate::config::Config;
use crate::error::{ApiError, Result};
use crate::request::Request;
use crate::response::Response;
use crate::routes::{self, Action};
use crate::sql::Store;
use crate::write::{body, create, links, update, Cmd, Success, Write};
use crate::{search, stats, statuses, subtickets, tickets};

/// What a request comes to: an answer, or a validated write for the shell's adapter.
#[derive(Debug, Clone, PartialEq)]
pub enum Handled {
    /// Send this.
    Respond(Response),
    /// Apply this command (see `docs/write-commands.md`), then answer with `write::complete`.
    Apply(Cmd),
}

/// Answers one request, or validates a write.
pub fn handle(req: &Request, cfg: &Config, store: &mut dyn Store) -> Handled {
    match run(req, cfg, store) {
        Ok(h) => h,
        Err(err) => Handled::Respond(Response::error(&err, routes::format_hint(req))),
    }
}

/// The answer to a read request (writes are an error here: tests and tools only).
pub fn respond(req: &Request, cfg: &Config, store: &mut dyn Store) -> Response {
    match handle(req, cfg, store) {
        Handled::Respond(r) => r,
        Handled::Apply(_) => Response::error(
            &ApiError::Internal("a write needs the plugin's write adapter".into()),
            routes::format_hint(req),
        ),
    }
}

fn run(req: &Request, cfg: &Config, store: &mut dyn Store) -> Result<Handled> {
    if !cfg.active {
        return Err(ApiError::Disabled(
            "API endpoint not available: the API Endpoints plugin is disabled".into(),
        ));
    }
    let matched = routes::resolve(req)?;
    if matched.route.action.is_write() {
        return write(req, cfg, store, &matched);
    }
    read(req, cfg, store, &matched).map(Handled::Respond)
}

/// Validates a write; an update that would change nothing is answered at once. Body fields the
/// endpoint does not know are named in `X-Ignored-Fields` on whatever the request is answered.
fn write(
    req: &Request,
    cfg: &Config,
    store: &mut dyn Store,
    matched: &routes::Matched,
) -> Result<Handled> {
    let mut ignored = Vec::new();
    let handled = write_fields(req, cfg, store, matched, &mut ignored);
    let header = body::ignored_header(&ignored);
    match (handled, header) {
        (handled, None) => handled,
        (Ok(Handled::Respond(mut resp)), Some(h)) => {
            resp.headers.push(("X-Ignored-Fields", h));
            Ok(Handled::Respond(resp))
        }
        (Ok(Handled::Apply(cmd)), Some(h)) => Ok(Handled::Apply(cmd.with("ignored_fields", h))),
        (Err(err), Some(h)) => {
            let mut resp = Response::error(&err, routes::format_hint(req));
            resp.headers.push(("X-Ignored-Fields", h));
            Ok(Handled::Respond(resp))
        }
    }
}

fn write_fields(
    req: &Request,
    cfg: &Config,
    store: &mut dyn Store,
    matched: &routes::Matched,
    ignored: &mut Vec<String>,
) -> Result<Handled> {
    let ident = matched.ident.as_deref().unwrap_or_default();
    // Create checks the key first, as osTicket core does.
    if matched.route.action == Action::CreateTicket {
        auth::authenticate(store, &cfg.tables, req)?.require(matched.route)?;
    }
    // As the original: the body is read (and childId checked) before the key.
    let fields = match matched.route.action {
        Action::CreateTicket => Some(body::parse_as(req, matched.format)?),
        Action::UpdateTicket | Action::SubticketCreate => Some(body::parse(req)?),
        _ => None,
    };
    let child = match (matched.route.action, &fields) {
        (Action::SubticketCreate, Some(f)) => {
            let child = links::child_field(f)?;
            *ignored = body::unknown_fields(f, links::FIELDS, None)?;
            Some(child)
        }
        _ => None,
    };
    if matched.route.action != Action::CreateTicket {
        auth::authenticate(store, &cfg.tables, req)?.require(matched.route)?;
    }
    let (command, success) = match (matched.route.action, fields) {
        (Action::UpdateTicket, Some(mut fields)) => {
            *ignored = body::unknown_fields(&fields, update::FIELDS, None)?;
            let (t, steps) =
                update::build(store, &cfg.tables, ident, &mut fields, &cfg.upload_policy)?;
            if steps.is_empty() {
                return Ok(Handled::Respond(Response::plain(200, &t.number)));
            }
            (
                Cmd::map()
                    .with("op", "update")
                    .with("ticket_id", t.id)
                    .with("number", t.number)
                    .with("steps", Cmd::List(steps)),
                Success::Number,
            )
        }
        (Action::DeleteTicket, _) => links::delete(store, &cfg.tables, ident)?,
        (Action::SubticketCreate, _) => links::link(
            store,
            &cfg.tables,
            ident,
            child.as_deref().unwrap_or_default(),
        )?,
        (Action::SubticketUnlink, _) => links::unlink(store, &cfg.tables, ident)?,
        (Action::CreateTicket, Some(mut fields)) => {
            let json = req
                .accept
                .as_deref()
                .is_some_and(|a| a.contains("application/json"));
            (
                create::build(store, &cfg.tables, &mut fields, &cfg.upload_policy)?,
                if json {
                    Success::CreatedJson
                } else {
                    Success::Created
                },
            )
        }
        _ => return Err(ApiError::Internal("not a write endpoint".into())),
    };
    // An acting agent who has left or was deactivated never fails a write: it is recorded as the
    // system poster, and the adapter logs the warning to osTicket's log (the settings page shows
    // it too). The name stays out of the answer (it is the helpdesk's, not the client's).
    let (actor_id, actor_warning) = if cfg.actor.is_empty() {
        (0, None)
    } else {
        match crate::write::resolve::staff(store, &cfg.tables, "actor", &cfg.actor) {
            Ok(id) => (id, None),
            Err(ApiError::Invalid { .. }) => (
                0,
                log_actor_fallback(&cfg.actor)
                    .then(|| crate::settings::actor_fallback_warning(&cfg.actor)),
            ),
            Err(other) => return Err(other),
        }
    };
    let command = command.with("actor_id", actor_id);
    let command = match actor_warning {
        Some(w) => command.with("actor_warning", w),
        None => command,
    };
    let write = Write {
        command,
        success,
        format: matched.format,
    };
    Ok(Handled::Apply(write.into_command()))
}

/// Whether this worker should log the fallback of the acting agent `name` now: once an hour per
/// name and php-fpm worker, so that a busy API does not fill osTicket's log with one line per write.
fn log_actor_fallback(name: &str) -> bool {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    static LOGGED: Mutex<BTreeMap<String, Instant>> = Mutex::new(BTreeMap::new());
    let Ok(mut logged) = LOGGED.lock() else {
        return true;
    };
    let now = Instant::now();
    match logged.get(name) {
        Some(at) if now.duration_since(*at) < Duration::from_secs(3600) => false,
        _ => {
            if logged.len() > 64 {
                logged.clear();
            }
            logged.insert(name.to_owned(), now);
            true
        }
    }
}

fn read(
    req: &Request,
    cfg: &Config,
    store: &mut dyn Store,
    matched: &routes::Matched,
) -> Result<Response> {
    let key = auth::authenticate(store, &cfg.tables, req)?;
    key.require(matched.route)?;
    let ident = matched.ident.as_deref().unwrap_or_default();
    match matched.route.action {
        Action::GetTicket => Ok(Response::ok(
            &tickets::get(store, &cfg.tables, ident)?,
            matched.format,
        )),
        Action::ListStatuses => Ok(Response::ok(
            &statuses::list(store, &cfg.tables)?,
            matched.format,
        )),
        Action::Search => {
            let query = req.query()?;
            let page = search::search_indexed(
                store,
                &cfg.tables,
                cfg.search_index.as_deref(),
                &query,
                search::QUIET_SECONDS,
            )?;
            let mut resp = Response::ok(&page.items, matched.format);
            if let Some(total) = page.total {
                resp.headers.push(("X-Total-Count", total.to_string()));
            }
            let base = format!(
                "{}{}",
                req.script_name,
                String::from_utf8_lossy(&req.path_info)
            );
            if let Some(link) = search::link_header(&base, &page, &query) {
                resp.headers.push(("Link", link));
            }
            Ok(resp)
        }
        Action::Stats => Ok(Response::ok(
            &stats::stats(store, &cfg.tables, &req.query()?)?,
            matched.format,
        )),
        Action::SubticketParent => Ok(Response::ok(
            &subtickets::parent(store, &cfg.tables, ident)?,
            matched.format,
        )),
        Action::SubticketList => Ok(Response::ok(
            &subtickets::children(store, &cfg.tables, ident)?,
            matched.format,
        )),
        Action::DownloadAttachment => attachments::download(
            store,
            &cfg.tables,
            ident,
            matched.format,
            cfg.max_download_bytes,
        ),
        Action::UpdateTicket
        | Action::DeleteTicket
        | Action::SubticketCreate
        | Action::SubticketUnlink
        | Action::CreateTicket => Err(ApiError::Internal("not a read endpoint".into())),
    }
}
