//! `osticket_api_search_index()`: the search index's figures, its (resumable) build and its
//! catch-up, for the plugin's admin page, osTicket's cron signal and `search-index.php`.

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use ext_php_rs::zend::ce;

use crate::db::MysqlStore;
use crate::error::ApiError;
use crate::search::index::{self, writer};

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
/// `catch-up` (every ticket changed since the last commit). Keys: `dir`, `state`, `documents`,
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
            ("rebuild" | "rebuild-fresh" | "catch-up", None) => {
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
            ("catch-up", Some(dir)) => {
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

/// Registers the search index function.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module.function(wrap_function!(osticket_api_search_index))
}
