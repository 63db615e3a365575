//! The full build in bounded steps, for the admin page's "Rebuild index" button (a web request
//! must not run for minutes) and for osTicket's cron: each step opens the writer (try-lock), goes
//! on from the last commit for about [`STEP_SECONDS`], commits where it stopped and lets go of the
//! writer. A build is thus resumable after any step: the page calls again until done, and closing
//! the page just stops calling. Every eighth step or so also merges the small segments of the
//! last steps (segments above [`writer::CATCH_UP_MERGE_MAX_DOCS`] documents are left alone), so
//! that step takes longer by about as much again.
//!
//! Only one writer at a time: tantivy's lock file refuses a step while another process writes
//! (a command-line build, a catch-up, another step). Between two steps nobody holds that lock, so
//! the page that drives a build also keeps a lease (a small file beside the index, written under
//! the lock): for [`LEASE_SECONDS`] after its last step, a step of another page, cron and the
//! command line's build are refused with a clear message instead of taking the build over. A page
//! that was closed lets its lease expire; the next click (or cron) resumes where it stopped.
//!
//! This module must not import `ext_php_rs` or `mysql`.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::indexer::LogMergePolicy;
use tantivy::Index;

use crate::error::{ApiError, Result};
use crate::sql::{Store, Tables};

use super::writer::{self, Opened};

/// Work per step of the admin page (then a commit).
pub const STEP_SECONDS: u64 = 4;
/// Work per step of osTicket's cron (it runs every few minutes).
pub const CRON_STEP_SECONDS: u64 = 20;
/// How long after its last step a page's build is its own.
pub const LEASE_SECONDS: u64 = 20;
/// The lease file in the index directory.
const LEASE_FILE: &str = "osticket-build-lease.json";

/// Who drives a build in steps, and when its last step ended (seconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The page's token (a random string it keeps while open).
    pub owner: String,
    /// End of its last step.
    pub at: u64,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The lease of the build in `dir`, if any was written.
pub fn lease(dir: &Path) -> Option<Lease> {
    let raw = std::fs::read_to_string(dir.join(LEASE_FILE)).ok()?;
    serde_json::from_str(&raw).ok()
}

fn write_lease(dir: &Path, owner: &str) -> Result<()> {
    let raw = serde_json::to_string(&Lease {
        owner: owner.to_owned(),
        at: unix_now(),
    })
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    // Written whole or not at all: a reader never sees half a lease.
    let tmp = dir.join(format!("{LEASE_FILE}.tmp"));
    std::fs::write(&tmp, raw)
        .and_then(|()| std::fs::rename(&tmp, dir.join(LEASE_FILE)))
        .map_err(|e| ApiError::Internal(format!("search index lease file: {e}")))
}

/// Seconds since the lease's last step when it still holds (the build is being driven by a page
/// other than `owner`).
fn held_by_other(l: &Lease, owner: &str) -> Option<u64> {
    let age = unix_now().saturating_sub(l.at);
    (!l.owner.is_empty() && l.owner != owner && age < LEASE_SECONDS).then_some(age)
}

/// Why a build in `index` must be left to the page that drives it (`None`: it may be written by
/// `owner`; the empty owner is the command line and cron). Call with the writer held.
pub fn driven_elsewhere(dir: &Path, index: &Index, owner: &str) -> Option<String> {
    let building = writer::last_payload(index).is_some_and(|p| p.state == "building");
    let age = held_by_other(&lease(dir)?, owner).filter(|_| building)?;
    Some(format!(
        "The search index is already being rebuilt from the admin page (its last step ended {age} s ago); \
         let it finish there, or try again in {} s if that page was closed",
        LEASE_SECONDS - age
    ))
}

/// Whether `owner` is a page's token: 8 to 64 letters, digits, `-` or `_`.
pub fn page_token(owner: &str) -> bool {
    (8..=64).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What a step asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// "Rebuild index": resume an unfinished build, else start a new one.
    Rebuild,
    /// "Start over": a new build even when one is unfinished.
    Fresh,
    /// The next step of this page's build: resume it; a build finished meanwhile is done.
    Continue,
}

impl Mode {
    /// `rebuild`, `fresh` or `continue`.
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "rebuild" => Some(Mode::Rebuild),
            "fresh" => Some(Mode::Fresh),
            "continue" => Some(Mode::Continue),
            _ => None,
        }
    }
}

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Tickets indexed so far and to index: call again.
    Running {
        /// Indexed (committed).
        done: u64,
        /// To index.
        total: u64,
    },
    /// The index is built and ready.
    Done,
    /// Refused: another process writes the index right now (`locked`), or another page drives
    /// the build; nothing was changed.
    Busy {
        /// Why, for the admin.
        why: String,
        /// The writer lock was taken (a moment later may succeed) rather than a page's lease.
        locked: bool,
    },
}

/// Message of a step refused by the writer lock.
pub const LOCKED: &str = "The search index is already being written by another process (a build \
     from the command line, a catch-up or another page's step); try again when it has finished";

/// One bounded step of the build in `dir` for the page `owner` (empty: cron, which takes no
/// lease), working about `budget` and on at most `limit` tickets.
pub fn step(
    store: &mut dyn Store,
    tables: &Tables,
    dir: &Path,
    owner: &str,
    mode: Mode,
    budget: Duration,
    limit: u64,
) -> Result<Outcome> {
    // Tickets are added for 60 % of the budget: the commit writes them out in the rest.
    let until = Instant::now() + budget.mul_f32(0.6);
    let Some(mut o) = writer::open_for_build(dir, mode == Mode::Fresh)? else {
        return Ok(Outcome::Busy {
            why: LOCKED.into(),
            locked: true,
        });
    };
    if let Some(why) = driven_elsewhere(dir, &o.index, owner) {
        return Ok(Outcome::Busy { why, locked: false });
    }
    let state = writer::last_payload(&o.index).map(|p| p.state);
    if mode == Mode::Continue && state.as_deref() == Some("ready") {
        return Ok(Outcome::Done);
    }
    if !owner.is_empty() {
        write_lease(dir, owner)?;
    }
    let mut b = writer::begin(store, tables, dir, &mut o, mode != Mode::Fresh)?;
    // Merges stay small, so that a step's end (which waits for them) stays bounded too.
    let mut policy = LogMergePolicy::default();
    policy.set_max_docs_before_merge(writer::CATCH_UP_MERGE_MAX_DOCS);
    o.writer.set_merge_policy(Box::new(policy));
    let finished = writer::advance(
        store,
        tables,
        &mut o,
        &mut b,
        &writer::Bounds {
            batch: writer::STEP_BATCH,
            until: Some(until),
            limit,
        },
        &mut |_, _| {},
    )?;
    if finished {
        writer::finish(o, b, dir)?;
        // The build is the page's no longer (a stale lease would only be ignored).
        let _ = std::fs::remove_file(dir.join(LEASE_FILE));
        return Ok(Outcome::Done);
    }
    writer::commit_building(&mut o, &b)?;
    let Opened { writer: w, .. } = o;
    w.wait_merging_threads()
        .map_err(|e| ApiError::Internal(format!("search index: {e}")))?;
    if !owner.is_empty() {
        write_lease(dir, owner)?;
    }
    Ok(Outcome::Running {
        done: b.done,
        total: b.payload.total.max(b.done),
    })
}

/// Whether the writer lock of `dir` is held right now (a build, a catch-up or a step is writing).
pub fn writing(dir: &Path) -> bool {
    let Ok(h) = super::handle(dir) else {
        return false;
    };
    use tantivy::directory::{Directory, INDEX_WRITER_LOCK};
    h.index
        .directory()
        .acquire_lock(&INDEX_WRITER_LOCK)
        .is_err()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_fresh_lease_of_another_page_holds_and_an_old_one_does_not() {
        let now = unix_now();
        let l = |owner: &str, ago: u64| Lease {
            owner: owner.into(),
            at: now - ago,
        };
        assert_eq!(held_by_other(&l("page-a", 3), "page-b"), Some(3));
        assert_eq!(held_by_other(&l("page-a", 3), ""), Some(3));
        assert_eq!(held_by_other(&l("page-a", 3), "page-a"), None);
        assert_eq!(held_by_other(&l("page-a", LEASE_SECONDS), "page-b"), None);
        assert_eq!(held_by_other(&l("", 0), "page-b"), None);
    }

    #[test]
    fn page_tokens_are_short_plain_ascii() {
        assert!(page_token("0123456789abcdef0123456789abcdef"));
        assert!(page_token("page-a_b"));
        assert!(!page_token("short"));
        assert!(!page_token(&"a".repeat(65)));
        assert!(!page_token("page-ä-東京-x"));
        assert!(!page_token("page a b c"));
        assert!(!page_token("../../etc/passwd"));
    }

    #[test]
    fn modes_parse_and_unknown_ones_do_not() {
        assert_eq!(Mode::parse("rebuild"), Some(Mode::Rebuild));
        assert_eq!(Mode::parse("fresh"), Some(Mode::Fresh));
        assert_eq!(Mode::parse("continue"), Some(Mode::Continue));
        assert_eq!(Mode::parse("Rebuild"), None);
        assert_eq!(Mode::parse(""), None);
    }

    #[test]
    fn a_lease_survives_a_round_trip_through_its_file() {
        let dir = std::env::temp_dir().join(format!("osticket-api-lease-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(lease(&dir), None);
        write_lease(&dir, "Zoë-東京-🎉").unwrap();
        let got = lease(&dir).unwrap();
        assert_eq!(got.owner, "Zoë-東京-🎉");
        assert!(unix_now() - got.at < 5);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
