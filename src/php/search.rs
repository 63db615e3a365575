//! `osticket_api_search_index()`: the search index's figures, its (resumable) build and its
//! catch-up, for osTicket's cron signal and `search-index.php`; `osticket_api_search_panel()` and
//! `osticket_api_search_step()`: the admin page's panel and its rebuild in bounded steps.

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use ext_php_rs::zend::ce;

use crate::db::MysqlStore;
use crate::error::ApiError;
use crate::search::index::{self, panel, step, writer};
use crate::sql::Store;
use crate::write::Cmd;

use super::convert;

fn exception(err: &ApiError) -> PhpException {
    PhpException::new(err.message(), 0, ce::exception())
}

/// A progress bar on standard error: `[#####     ]  50%  500,000 / 1,000,000 tickets`.
fn bar(done: u64, total: u64) {
    let total = total.max(1);
    let pct = (done.min(total) * 100 / total) as usize;
    let filled = pct / 4;
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r[{}{}] {pct:3}%  {done} / {total} tickets",
        "#".repeat(filled),
        " ".repeat(25 - filled)
    );
    let _ = err.flush();
}

/// Runs `command` on the search index of the helpdesk in `$config` (the shell's runtime
/// configuration) and answers its figures: `status`; `rebuild` (resumes an interrupted build;
/// `rebuild-fresh` starts over), with a progress bar on standard error when `$progress`;
/// `catch-up` (every ticket changed since the last commit); `cron` (one bounded step of an
/// unfinished build that no admin page drives, else the catch-up). Keys: `dir`, `state`, `documents`,
/// `last_commit`, `lag`, `bytes`, `built`, `total`, `caught_up`. Errors are exceptions.
#[php_function]
#[php(name = "osticket_api_search_index")]
pub fn osticket_api_search_index(
    command: String,
    config: &ZendHashTable,
    progress: bool,
) -> PhpResult<BTreeMap<String, String>> {
    let cfg = convert::config(config).map_err(|e| exception(&e))?;
    let mut store = MysqlStore::new(&cfg.db);
    let run = catch_unwind(AssertUnwindSafe(|| -> crate::error::Result<_> {
        let dir = cfg.search_index.as_deref();
        let mut out = BTreeMap::new();
        match (command.as_str(), dir) {
            ("status", _) => {}
            ("rebuild" | "rebuild-fresh" | "catch-up" | "cron", None) => {
                return Err(ApiError::Disabled("The search index is off".into()))
            }
            ("rebuild" | "rebuild-fresh", Some(dir)) => {
                let mut report = |done, total| {
                    if progress {
                        bar(done, total);
                    }
                };
                writer::build(
                    &mut store,
                    &cfg.tables,
                    dir,
                    command == "rebuild",
                    &mut report,
                )?;
                if progress {
                    eprintln!();
                }
            }
            ("cron", Some(dir))
                if index::status(&mut store, &cfg.tables, Some(dir))?.state == "building" =>
            {
                let done = step::step(
                    &mut store,
                    &cfg.tables,
                    dir,
                    "",
                    step::Mode::Continue,
                    std::time::Duration::from_secs(step::CRON_STEP_SECONDS),
                    u64::MAX,
                )?;
                out.insert("step".to_string(), format!("{done:?}"));
            }
            ("catch-up" | "cron", Some(dir)) => {
                let h = index::handle(dir).map_err(|u| ApiError::Internal(u.0))?;
                let done = writer::catch_up(&mut store, &cfg.tables, &h, usize::MAX, true)?
                    .map_err(|u| ApiError::Internal(u.0))?;
                out.insert("caught_up".to_string(), format!("{done:?}"));
            }
            _ => {
                return Err(ApiError::Internal(format!(
                    "Unknown command '{command}': use status, rebuild, rebuild-fresh or catch-up"
                )))
            }
        }
        let st = index::status(&mut store, &cfg.tables, dir)?;
        out.insert("dir".into(), st.dir);
        out.insert("state".into(), st.state);
        out.insert("documents".into(), st.documents.to_string());
        out.insert("last_commit".into(), st.last_commit);
        out.insert(
            "lag".into(),
            st.lag.map(|n| n.to_string()).unwrap_or_default(),
        );
        out.insert("bytes".into(), st.bytes.to_string());
        if let Some((done, total)) = st.progress {
            out.insert("built".into(), done.to_string());
            out.insert("total".into(), total.to_string());
        }
        Ok(out)
    }));
    match run {
        Ok(result) => result.map_err(|e| exception(&e)),
        Err(_) => Err(exception(&ApiError::Internal(
            "Internal error in the osticket_api extension".into(),
        ))),
    }
}

/// The admin page's "Search index" panel (HTML): its figures, a progress bar and the "Rebuild
/// index" and "Start over" buttons, whose script posts to `$step_url`. Errors are exceptions.
#[php_function]
#[php(name = "osticket_api_search_panel")]
pub fn osticket_api_search_panel(config: &ZendHashTable, step_url: String) -> PhpResult<String> {
    let cfg = convert::config(config).map_err(|e| exception(&e))?;
    let mut store = MysqlStore::new(&cfg.db);
    let run = catch_unwind(AssertUnwindSafe(|| {
        panel::panel(&mut store, &cfg.tables, cfg.search_index.as_deref())
    }));
    match run {
        Ok(Ok(p)) => Ok(p.html(&step_url)),
        Ok(Err(e)) => Err(exception(&e)),
        Err(_) => Err(exception(&ApiError::Internal(
            "Internal error in the osticket_api extension".into(),
        ))),
    }
}

/// Tickets per step asked for by a test (see [`osticket_api_search_step`]).
#[cfg(debug_assertions)]
fn test_step_limit(asked: Option<i64>) -> Option<u64> {
    if std::env::var("OSTICKET_API_TEST_FAULTS").as_deref() != Ok("1") {
        return None;
    }
    asked.and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0)
}

#[cfg(not(debug_assertions))]
fn test_step_limit(_asked: Option<i64>) -> Option<u64> {
    None
}

/// One bounded step (about `STEP_SECONDS`) of the rebuild driven by the admin page whose token is
/// `$owner`: `$mode` `rebuild` (resume an unfinished build, else start one), `fresh` (start over)
/// or `continue` (the next step). Answers `['status' => HTTP status, 'body' => JSON]`: 200 with
/// `outcome` `running` or `done`, 409 `busy` (another process writes the index, or another page
/// drives the build; nothing changed), 400 for a bad mode or token, 500; each with the panel's
/// figures. The caller checks the admin and the CSRF token. `$test_tickets` (tickets per step) is
/// honoured only by debug builds whose php-fpm pool sets `OSTICKET_API_TEST_FAULTS=1` (the test
/// stack), so that a browser test can interrupt a build of a few tickets.
#[php_function]
#[php(name = "osticket_api_search_step")]
pub fn osticket_api_search_step(
    config: &ZendHashTable,
    mode: String,
    owner: String,
    test_tickets: Option<i64>,
) -> PhpResult<ext_php_rs::types::Zval> {
    let cfg = convert::config(config).map_err(|e| exception(&e))?;
    let mut store = MysqlStore::new(&cfg.db);
    let run = catch_unwind(AssertUnwindSafe(|| {
        let Some(mode) = step::Mode::parse(&mode) else {
            return panel::error_answer(400, "mode must be rebuild, fresh or continue");
        };
        if !step::page_token(&owner) {
            return panel::error_answer(
                400,
                "owner must be the page's token (8 to 64 letters, digits, - or _)",
            );
        }
        let Some(dir) = cfg.search_index.as_deref() else {
            return panel::error_answer(409, "The search index is off (OSTICKET_API_SEARCH_INDEX)");
        };
        let budget = std::time::Duration::from_secs(step::STEP_SECONDS);
        let limit = test_step_limit(test_tickets).unwrap_or(u64::MAX);
        let done = step::step(&mut store, &cfg.tables, dir, &owner, mode, budget, limit)
            .and_then(|o| Ok((o, panel::panel(&mut store, &cfg.tables, Some(dir))?)));
        match done {
            Ok((outcome, p)) => panel::step_answer(&outcome, &p),
            Err(e) => panel::error_answer(e.status(), &e.message()),
        }
    }))
    .unwrap_or_else(|_| panel::error_answer(500, "Internal error in the osticket_api extension"));
    Ok(convert::command(
        Cmd::map()
            .with("status", Cmd::Int(i64::from(run.0)))
            .with("body", Cmd::Str(run.1)),
    ))
}

/// Records that osTicket deleted ticket `$id` (the shell calls it from osTicket's
/// `model.deleted` signal), so that the search index forgets it. Never throws: a failure is
/// logged and answered `false`, and osTicket's delete goes on.
#[php_function]
#[php(name = "osticket_api_ticket_deleted")]
pub fn osticket_api_ticket_deleted(config: &ZendHashTable, id: i64) -> bool {
    let run = catch_unwind(AssertUnwindSafe(|| -> crate::error::Result<()> {
        let cfg = convert::config(config)?;
        let mut store = MysqlStore::new(&cfg.db);
        store.execute(&crate::schema::tombstone(&cfg.tables, id))?;
        Ok(())
    }));
    match run {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            eprintln!(
                "osticket_api: could not record the deletion of ticket {id}: {}",
                e.message()
            );
            false
        }
        Err(_) => false,
    }
}

/// Registers the search index functions.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(osticket_api_search_index))
        .function(wrap_function!(osticket_api_search_panel))
        .function(wrap_function!(osticket_api_search_step))
        .function(wrap_function!(osticket_api_ticket_deleted))
}
