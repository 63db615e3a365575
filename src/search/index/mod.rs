//! The embedded search index (tantivy): one on-disk index per helpdesk, shared by every php-fpm
//! worker through memory-mapped files; a derived cache of osTicket's tables that can be deleted at
//! any time.
//!
//! * [`schema`]: the document of a ticket; [`fold`]: characters folded as the database compares
//!   subjects, and their trigrams; [`text`]: HTML bodies as text; [`words`]: the full-text
//!   tokenizer;
//! * [`writer`]: the full (resumable) build and the catch-up with what changed since the last
//!   commit; one writer at a time across processes (tantivy's lock file, taken with a try-lock);
//! * [`query`]: candidates for `query` (trigrams) and ranked hits for `mode=fulltext` (BM25);
//! * [`step`]: the build in bounded steps (the admin page's button, cron); [`panel`]: the admin
//!   page's figures.
//!
//! Every commit carries a [`Payload`]: the build's state, the documents' format
//! ([`schema::FORMAT`]: an index of another format answers nothing until rebuilt) and the mark of
//! what it has seen (the server time the catch-up started at, the last thread entry id). A search answers from the
//! index plus the tickets changed after that mark (found in SQL), and every id is checked by SQL,
//! so the index can be behind, but never makes an answer wrong. When it is missing, being built,
//! corrupt or locked, search answers through SQL and logs why once per worker.
//!
//! The directory is `search_index` of the plugin's runtime configuration (the constant
//! `OSTICKET_API_SEARCH_INDEX` in `ost-config.php` or the environment variable of that name;
//! `off` disables the index), by default a directory under the system's temporary directory named
//! after the database, never under the web root. This module must not import `ext_php_rs` or
//! `mysql`.

pub mod attrs;
pub mod filter;
pub mod fold;
pub mod panel;
pub mod query;
pub mod schema;
pub mod step;
pub mod text;
pub mod words;
pub mod writer;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher};

use crate::error::Result;
use crate::sql::{Param, Query, Store, Tables};

use self::fold::Fold;
use self::schema::Fields;

/// File of the fold in the index directory.
const FOLD_FILE: &str = "osticket-fold.bin";

/// Why the index cannot answer (logged once per worker; the search answers through SQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unusable(pub String);

impl From<tantivy::TantivyError> for Unusable {
    fn from(e: tantivy::TantivyError) -> Self {
        Unusable(format!("index error: {e}"))
    }
}

/// What a commit records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// `building` (a full build in progress, resumable at `cursor`) or `ready`.
    pub state: String,
    /// Server time (`YYYY-MM-DD HH:MM:SS`) the last catch-up (or the build) started at: every
    /// change committed before it is in the index.
    pub at: String,
    /// Tickets with `updated` at or after this time are read again by the next catch-up (`at`
    /// less a margin for transactions that were open then).
    pub since: String,
    /// Thread entries with a larger id are read again by the next catch-up.
    pub entry: i64,
    /// While building: the last ticket id indexed.
    pub cursor: i64,
    /// While building: the number of tickets to index.
    pub total: u64,
    /// Hash of the fold file written by the build ([`fold_hash`]).
    pub fold: String,
    /// Format of the documents ([`schema::FORMAT`]; 1 for indexes from before it was recorded).
    #[serde(default = "first_format")]
    pub format: u32,
    /// The plugin's table of deleted tickets existed when the index was built: deletions are
    /// changes, and filtered searches may use the index (older indexes: SQL).
    #[serde(default)]
    pub tombstones: bool,
    /// No ticket was deleted behind the index's back since the build or the last sweep (a
    /// deleted ticket leaves no trace a catch-up could find): set by the build and by the
    /// command line's catch-up, which removes the documents of deleted tickets; cleared by a
    /// request's catch-up. Only then does a `query` take totals and order from the index alone.
    #[serde(default)]
    pub swept: bool,
}

fn first_format() -> u32 {
    1
}

/// FNV-1a of the fold file's bytes (empty: no fold).
pub fn fold_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Payload {
    fn parse(raw: Option<&str>) -> Option<Payload> {
        serde_json::from_str(raw?).ok()
    }

    /// Why an index with this payload cannot answer for this version (`None`: it can).
    pub fn outdated(&self) -> Option<Unusable> {
        (self.format != schema::FORMAT).then(|| {
            Unusable(format!(
                "the index has format {}, this version reads format {}; rebuild it",
                self.format,
                schema::FORMAT
            ))
        })
    }
}

/// One opened index, kept per worker.
pub struct Handle {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    fold: Option<Arc<Fold>>,
    fold_id: String,
    opstamp: AtomicU64,
}

/// A consistent view: the searcher, and the payload of a commit it contains (or an older one).
pub struct Snapshot {
    /// The index's searcher.
    pub searcher: Searcher,
    /// What the index has seen.
    pub payload: Payload,
    /// Fields.
    pub fields: Fields,
    /// The subject fold (`None`: `query` answers through SQL).
    pub fold: Option<Arc<Fold>>,
    /// The index.
    pub index: Index,
}

static HANDLES: OnceLock<Mutex<HashMap<PathBuf, Arc<Handle>>>> = OnceLock::new();
static LOGGED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

/// Logs `why` the index is not used, once per worker and reason.
pub fn log_once(why: &Unusable) {
    let mut logged = LOGGED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if logged.len() < 64 && logged.insert(why.0.clone()) {
        eprintln!(
            "osticket_api: search index not used ({}); answering through SQL",
            why.0
        );
    }
}

/// The index directory for a configured value: `off` disables, empty is the default (under the
/// temporary directory, named after the database and table prefix).
pub fn directory(configured: &str, db_key: &str) -> Option<PathBuf> {
    let v = configured.trim();
    if v.eq_ignore_ascii_case("off") {
        return None;
    }
    if !v.is_empty() {
        return Some(PathBuf::from(v));
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in db_key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    Some(std::env::temp_dir().join(format!("osticket-api-search-{h:016x}")))
}

fn open_index(dir: &Path) -> std::result::Result<Handle, Unusable> {
    if !dir.join("meta.json").is_file() {
        return Err(Unusable(format!("no index in {}", dir.display())));
    }
    let index = Index::open_in_dir(dir)?;
    schema::register(&index);
    let fields = schema::fields(&index.schema())
        .ok_or_else(|| Unusable("the index has another schema; rebuild it".into()))?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let bytes = std::fs::read(dir.join(FOLD_FILE)).unwrap_or_default();
    let fold_id = fold_hash(&bytes);
    let fold = Fold::from_bytes(&bytes).map(Arc::new);
    Ok(Handle {
        dir: dir.to_owned(),
        index,
        reader,
        fields,
        fold,
        fold_id,
        opstamp: AtomicU64::new(u64::MAX),
    })
}

/// The worker's handle on the index in `dir` (opened once).
pub fn handle(dir: &Path) -> std::result::Result<Arc<Handle>, Unusable> {
    let mut handles = HANDLES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(h) = handles.get(dir) {
        return Ok(Arc::clone(h));
    }
    let h = Arc::new(open_index(dir)?);
    handles.insert(dir.to_owned(), Arc::clone(&h));
    Ok(h)
}

/// Forgets the worker's handle (after a rebuild replaced the fold, or an error).
pub fn forget(dir: &Path) {
    if let Some(m) = HANDLES.get() {
        m.lock().unwrap_or_else(|p| p.into_inner()).remove(dir);
    }
}

impl Handle {
    /// The newest committed view. The payload is read before the searcher is reloaded, so the
    /// searcher holds at least what the payload says.
    pub fn snapshot(&self) -> std::result::Result<Snapshot, Unusable> {
        let metas = self.index.load_metas()?;
        let payload = Payload::parse(metas.payload.as_deref())
            .ok_or_else(|| Unusable("the index has not been built".into()))?;
        if payload.state != "ready" {
            return Err(Unusable("the index is being built".into()));
        }
        if let Some(why) = payload.outdated() {
            return Err(why);
        }
        if payload.fold != self.fold_id {
            // Rebuilt since this worker opened it: open it again on the next request.
            forget(&self.dir);
            return Err(Unusable("the index was rebuilt; reopening".into()));
        }
        if self.opstamp.swap(metas.opstamp, Ordering::AcqRel) != metas.opstamp {
            self.reader.reload()?;
        }
        Ok(Snapshot {
            searcher: self.reader.searcher(),
            payload,
            fields: self.fields,
            fold: self.fold.clone(),
            index: self.index.clone(),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The server's clock and the last changes of the tables the index reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Times {
    /// `NOW()`.
    pub now: String,
    /// When the server started.
    pub boot: String,
    /// `UPDATE_TIME` of the ticket, thread entry and form data tables (`None`: unchanged since
    /// the server started, or unknown).
    pub changed: Vec<Option<String>>,
    /// `false` on servers whose `UPDATE_TIME` may be cached (MySQL 8 keeps table statistics for
    /// a day): there every search reads the changed tickets from SQL.
    pub reliable: bool,
}

/// The query behind [`times`].
pub fn times_query(tables: &Tables) -> Query {
    let upd = "(SELECT CAST(UPDATE_TIME AS CHAR) FROM information_schema.TABLES \
               WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?)";
    Query::new(
        format!(
            "SELECT CAST(NOW() AS CHAR), CAST(NOW() - INTERVAL COALESCE((SELECT VARIABLE_VALUE \
             FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME'), 0) SECOND AS CHAR), \
             VERSION() LIKE '%MariaDB%', {upd}, {upd}, {upd}"
        ),
        vec![
            Param::from(tables.raw("ticket")),
            Param::from(tables.raw("thread_entry")),
            Param::from(tables.raw("ticket__cdata")),
        ],
    )
}

/// The server's clock and the tables' last changes (one query).
pub fn times(store: &mut dyn Store, tables: &Tables) -> Result<Option<Times>> {
    Ok(store.first(&times_query(tables))?.map(|r| Times {
        now: r.text(0),
        boot: r.text(1),
        reliable: r.int(2) != 0,
        changed: vec![r.opt_text(3), r.opt_text(4), r.opt_text(5)],
    }))
}

impl Times {
    /// Whether nothing was committed to the tables since `payload.at`.
    pub fn unchanged_since(&self, payload: &Payload) -> bool {
        self.reliable
            && self.changed.iter().all(|c| match c {
                Some(changed) => changed.as_str() < payload.at.as_str(),
                None => self.boot.as_str() < payload.at.as_str(),
            })
    }
}

/// Figures for the admin page and the command line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// The directory (empty when disabled).
    pub dir: String,
    /// `missing`, `building`, `ready` or `unusable: ...`.
    pub state: String,
    /// Documents (tickets) in the index.
    pub documents: u64,
    /// Time of the last catch-up or build commit (server time).
    pub last_commit: String,
    /// Tickets saved after that time or with newer thread entries (at most 10,001 counted).
    pub lag: Option<u64>,
    /// Bytes on disk.
    pub bytes: u64,
    /// While building: tickets indexed and to index.
    pub progress: Option<(u64, u64)>,
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// `p` with the tickets changed after its commit only (not those of the catch-up's margin).
fn lagging(p: &Payload) -> Payload {
    Payload {
        since: p.at.clone(),
        entry: p.entry + writer::ENTRY_MARGIN,
        ..p.clone()
    }
}

/// The index's figures.
pub fn status(store: &mut dyn Store, tables: &Tables, dir: Option<&Path>) -> Result<Status> {
    let Some(dir) = dir else {
        return Ok(Status {
            state: "disabled".into(),
            ..Status::default()
        });
    };
    let mut st = Status {
        dir: dir.display().to_string(),
        bytes: dir_bytes(dir),
        ..Status::default()
    };
    let h = match handle(dir) {
        Ok(h) => h,
        Err(Unusable(why)) => {
            st.state = if dir.join("meta.json").is_file() {
                format!("unusable: {why}")
            } else {
                "missing".into()
            };
            return Ok(st);
        }
    };
    let metas = match h.index.load_metas() {
        Ok(m) => m,
        Err(e) => {
            st.state = format!("unusable: {e}");
            return Ok(st);
        }
    };
    st.documents = metas.segments.iter().map(|m| u64::from(m.num_docs())).sum();
    match Payload::parse(metas.payload.as_deref()) {
        None => st.state = "missing".into(),
        Some(p) if p.state == "building" => {
            st.state = "building".into();
            st.progress = Some((
                store
                    .first(&Query::new(
                        format!(
                            "SELECT COUNT(*) FROM {} WHERE ticket_id <= ?",
                            tables.t("ticket")
                        ),
                        vec![Param::Int(p.cursor)],
                    ))?
                    .map_or(0, |r| u64::try_from(r.int(0)).unwrap_or(0)),
                p.total,
            ));
            st.last_commit = p.at;
        }
        Some(p) if p.outdated().is_some() => {
            st.state = p
                .outdated()
                .map(|u| format!("unusable: {}", u.0))
                .unwrap_or_default();
            st.last_commit = p.at;
        }
        Some(p) => {
            st.state = "ready".into();
            st.lag = Some(
                writer::changed_ids(store, tables, &lagging(&p), writer::STATUS_LAG_CAP)?.len()
                    as u64,
            );
            st.last_commit = p.at;
        }
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn commit_payload(dir: &Path, raw: &str) {
        let index = if dir.join("meta.json").is_file() {
            Index::open_in_dir(dir).unwrap()
        } else {
            Index::create_in_dir(dir, schema::schema().0).unwrap()
        };
        let mut w: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut c = w.prepare_commit().unwrap();
        c.set_payload(raw);
        c.commit().unwrap();
    }

    #[test]
    fn an_index_of_another_format_is_not_used_until_rebuilt() {
        let dir = std::env::temp_dir().join(format!(
            "osticket-api-format-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let empty = fold_hash(&[]);
        // Written before the format was recorded: format 1.
        let old = format!(
            r#"{{"state":"ready","at":"2026-01-01 00:00:00","since":"2026-01-01 00:00:00","entry":0,"cursor":0,"total":0,"fold":"{empty}"}}"#
        );
        assert_eq!(Payload::parse(Some(&old)).unwrap().format, 1);
        commit_payload(&dir, &old);
        let why = handle(&dir).unwrap().snapshot().err().expect("refused");
        assert!(
            why.0.contains("format 1") && why.0.contains("rebuild"),
            "{why:?}"
        );
        // The current format is used.
        let mut p = Payload::parse(Some(&old)).unwrap();
        p.format = schema::FORMAT;
        commit_payload(&dir, &serde_json::to_string(&p).unwrap());
        assert!(handle(&dir).unwrap().snapshot().is_ok());
        // Any other format is refused too.
        p.format = schema::FORMAT + 1;
        commit_payload(&dir, &serde_json::to_string(&p).unwrap());
        assert!(handle(&dir).unwrap().snapshot().is_err());
        forget(&dir);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
