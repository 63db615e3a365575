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
use crate::{search, stats, statuses, subtickets, tickets};

/// Answers one request.
pub fn handle(req: &Request, cfg: &Config, store: &mut dyn Store) -> Response {
    match run(req, cfg, store) {
        Ok(resp) => resp,
        Err(err) => Response::error(&err, routes::format_hint(req)),
    }
}

fn run(req: &Request, cfg: &Config, store: &mut dyn Store) -> Result<Response> {
    if !cfg.active {
        return Err(ApiError::Disabled(
            "API endpoint not available: the API Endpoints plugin is disabled".into(),
        ));
    }
    let matched = routes::resolve(req)?;
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
            let page = search::search(store, &cfg.tables, &query)?;
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
    }
}
