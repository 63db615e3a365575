//! Writing the index: the full build (resumable, with progress) and the catch-up with the tickets
//! changed since the last commit. One writer at a time across processes: tantivy's lock file is
//! taken with a try-lock, so a request never waits for another worker's catch-up or a rebuild.

use std::collections::HashMap;
use std::path::Path;

use tantivy::indexer::LogMergePolicy;
use tantivy::schema::Term;
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{Index, IndexWriter, TantivyDocument, TantivyError};

use crate::error::{ApiError, Result};
use crate::sql::{placeholders, Param, Query, Store, Tables};

use super::fold::{self, Fold};
use super::schema::{self, Fields};
use super::text::body_text;
use super::{fold_hash, forget, Handle, Payload, Unusable, FOLD_FILE};

/// Tickets a search request catches up at most (more: the command line or osTicket's cron).
pub const REQUEST_CATCH_UP: usize = 1000;
/// Changed tickets counted at most for the admin page's lag.
pub const STATUS_LAG_CAP: usize = 10_001;
/// Tickets read per batch while building.
const BATCH: u64 = 2000;
/// Tickets between two commits of a build (where an interrupted build resumes).
const BUILD_COMMIT_EVERY: u64 = 100_000;
/// A ticket saved this long before a catch-up started is read again by the next one (a
/// transaction open while the catch-up read may commit a row with an earlier `updated`).
const MARGIN_SECONDS: u32 = 60;
/// Thread entries below the last id that are read again, for the same reason.
pub(super) const ENTRY_MARGIN: i64 = 50;
/// Memory of the catch-up's writer (tantivy's minimum is 15 MB).
const CATCH_UP_MEMORY: usize = 15_000_000;
/// Memory of the build's writer.
const BUILD_MEMORY: usize = 128_000_000;
/// Segments larger than this are only merged by a build, never during a request's catch-up.
const CATCH_UP_MERGE_MAX_DOCS: usize = 50_000;

fn index_err(e: TantivyError) -> ApiError {
    ApiError::Internal(format!("search index: {e}"))
}

/// The tickets changed since `p` (saved at or after `p.since`, or with a thread entry after
/// `p.entry`), at most `cap`.
pub fn changed_query(tables: &Tables, p: &Payload, cap: usize) -> Query {
    Query::new(
        format!(
            "SELECT c.id FROM (SELECT ticket_id AS id FROM {ticket} WHERE updated >= ? \
             UNION SELECT th.object_id FROM {entry} e JOIN {thread} th ON th.id = e.thread_id \
             AND th.object_type = 'T' WHERE e.id > ?) c LIMIT ?",
            ticket = tables.t("ticket"),
            entry = tables.t("thread_entry"),
            thread = tables.t("thread"),
        ),
        vec![
            Param::from(p.since.as_str()),
            Param::Int(p.entry),
            Param::UInt(cap as u64),
        ],
    )
}

/// The ids of [`changed_query`].
pub fn changed_ids(
    store: &mut dyn Store,
    tables: &Tables,
    p: &Payload,
    cap: usize,
) -> Result<Vec<i64>> {
    Ok(store
        .rows(&changed_query(tables, p, cap))?
        .iter()
        .map(|r| r.int(0))
        .collect())
}

/// The mark of a catch-up or build starting now.
fn clock(store: &mut dyn Store, tables: &Tables) -> Result<(String, String, i64)> {
    let r = store
        .first(&Query::new(
            format!(
                "SELECT CAST(NOW() AS CHAR), CAST(NOW() - INTERVAL {MARGIN_SECONDS} SECOND AS CHAR), \
                 (SELECT COALESCE(MAX(id), 0) FROM {})",
                tables.t("thread_entry")
            ),
            vec![],
        ))?
        .ok_or_else(|| ApiError::Internal("no server time".into()))?;
    Ok((r.text(0), r.text(1), (r.int(2) - ENTRY_MARGIN).max(0)))
}

/// The text of one ticket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketText {
    /// Ticket id.
    pub id: i64,
    /// Number.
    pub number: String,
    /// Subject.
    pub subject: String,
    /// Number, user name and e-mail.
    pub people: String,
    /// Every thread entry's title and text.
    pub body: String,
    /// Creation date (as the database gives it).
    pub created: String,
    /// Last update.
    pub updated: String,
}

/// A `YYYY-MM-DD hh:mm:ss` date as the number `YYYYMMDDhhmmss` (0 when it has no digits):
/// numbers in the order of the dates.
pub fn date_key(date: &str) -> u64 {
    date.bytes()
        .filter(u8::is_ascii_digit)
        .take(14)
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))
}

enum Select<'a> {
    After(i64, u64),
    Ids(&'a [i64]),
}

fn load(store: &mut dyn Store, tables: &Tables, sel: Select<'_>) -> Result<Vec<TicketText>> {
    let by_range = matches!(sel, Select::After(..));
    let (cond, mut params) = match sel {
        Select::After(cursor, n) => (
            "t.ticket_id > ? ORDER BY t.ticket_id LIMIT ?".to_owned(),
            vec![Param::Int(cursor), Param::UInt(n)],
        ),
        Select::Ids(ids) => (
            format!(
                "t.ticket_id IN ({}) ORDER BY t.ticket_id",
                placeholders(ids.len())
            ),
            ids.iter().map(|&i| Param::Int(i)).collect(),
        ),
    };
    let mut out: Vec<TicketText> = store
        .rows(&Query::new(
            format!(
                "SELECT t.ticket_id, t.number, cd.subject, u.name, ue.address, \
                 CAST(t.created AS CHAR), CAST(t.updated AS CHAR) FROM {ticket} t \
                 LEFT JOIN {cdata} cd ON cd.ticket_id = t.ticket_id \
                 LEFT JOIN {user} u ON u.id = t.user_id \
                 LEFT JOIN {email} ue ON ue.id = u.default_email_id WHERE {cond}",
                ticket = tables.t("ticket"),
                cdata = tables.t("ticket__cdata"),
                user = tables.t("user"),
                email = tables.t("user_email"),
            ),
            std::mem::take(&mut params),
        ))?
        .iter()
        .map(|r| TicketText {
            id: r.int(0),
            number: r.text(1),
            subject: r.text(2),
            people: format!("{} {} {}", r.text(1), r.text(3), r.text(4)),
            body: String::new(),
            created: r.text(5),
            updated: r.text(6),
        })
        .collect();
    let (Some(first), Some(last)) = (out.first(), out.last()) else {
        return Ok(out);
    };
    let (which, params) = if by_range {
        (
            "BETWEEN ? AND ?".to_owned(),
            vec![Param::Int(first.id), Param::Int(last.id)],
        )
    } else {
        (
            format!("IN ({})", placeholders(out.len())),
            out.iter().map(|t| Param::Int(t.id)).collect(),
        )
    };
    let at: HashMap<i64, usize> = out.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    let entries = Query::new(
        format!(
            "SELECT th.object_id, e.title, e.body, e.format FROM {thread} th \
             JOIN {entry} e ON e.thread_id = th.id \
             WHERE th.object_type = 'T' AND th.object_id {which} ORDER BY e.id",
            thread = tables.t("thread"),
            entry = tables.t("thread_entry"),
        ),
        params,
    );
    store.for_each(&entries, &mut |r| {
        if let Some(t) = at.get(&r.int(0)).and_then(|&i| out.get_mut(i)) {
            t.body.push_str(&r.text(1));
            t.body.push('\n');
            t.body.push_str(&body_text(&r.text(2), &r.text(3)));
            t.body.push('\n');
        }
        Ok(())
    })?;
    Ok(out)
}

/// The document of a ticket.
pub fn document(fields: &Fields, fold: Option<&Fold>, t: &TicketText) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(fields.id, u64::try_from(t.id).unwrap_or(0));
    doc.add_u64(fields.created, date_key(&t.created));
    doc.add_u64(fields.updated, date_key(&t.updated));
    if let Some(fold) = fold {
        let tokens = fold
            .trigrams(&t.subject)
            .into_iter()
            .map(|(text, position)| Token {
                offset_from: position,
                offset_to: position + 3,
                position,
                text,
                position_length: 1,
            })
            .collect();
        doc.add_pre_tokenized_text(
            fields.grams,
            PreTokenizedString {
                text: String::new(),
                tokens,
            },
        );
        doc.add_u64(fields.number, fold.exact(&t.number));
    }
    doc.add_text(fields.subject, &t.subject);
    doc.add_text(fields.body, &t.body);
    doc.add_text(fields.people, &t.people);
    doc
}

/// The subject fold of this database (`None`: its collation is not folded, `query` uses SQL).
pub fn load_fold(store: &mut dyn Store, tables: &Tables) -> Result<Option<Fold>> {
    let column = store
        .first(&fold::collation_query(tables))?
        .and_then(|r| r.opt_text(0))
        .unwrap_or_default();
    let Some(collation) = fold::comparison_collation(&column) else {
        return Ok(None);
    };
    Ok(Fold::from_rows(
        &store.rows(&fold::weights_query(&collation))?,
    ))
}

fn commit(writer: &mut IndexWriter, payload: &Payload) -> Result<()> {
    let raw = serde_json::to_string(payload).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut prepared = writer.prepare_commit().map_err(index_err)?;
    prepared.set_payload(&raw);
    prepared.commit().map_err(index_err)?;
    Ok(())
}

fn create_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    let made = {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    };
    #[cfg(not(unix))]
    let made = std::fs::create_dir_all(dir);
    made.map_err(|e| ApiError::Internal(format!("search index directory {}: {e}", dir.display())))
}

/// Removes the files of the index in `dir` (those tantivy lists as its own, its metadata and the
/// fold), nothing else.
fn remove_index_files(dir: &Path) -> Result<()> {
    let managed: Vec<String> = std::fs::read(dir.join(".managed.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    for name in managed
        .iter()
        .map(String::as_str)
        .chain(["meta.json", ".managed.json", FOLD_FILE])
    {
        // Only plain names inside the directory.
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with("..") {
            continue;
        }
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(ApiError::Internal(format!(
                    "search index: removing {name} of the older index: {e}"
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Builds the index in `dir` from every ticket (an index of an older format is replaced); resumes an interrupted build when `resume` (the
/// default of the command line). `progress(done, total)` after every batch.
pub fn build(
    store: &mut dyn Store,
    tables: &Tables,
    dir: &Path,
    resume: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Payload> {
    create_dir(dir)?;
    let (schema, _) = schema::schema();
    if dir.join("meta.json").is_file() {
        let current = Index::open_in_dir(dir).map_err(index_err)?;
        if schema::fields(&current.schema()).is_none() {
            // An index of an older format: its files go, the build starts over.
            remove_index_files(dir)?;
            forget(dir);
        }
    }
    let index = if dir.join("meta.json").is_file() {
        Index::open_in_dir(dir).map_err(index_err)?
    } else {
        Index::create_in_dir(dir, schema).map_err(index_err)?
    };
    schema::register(&index);
    let fields = schema::fields(&index.schema()).ok_or_else(|| {
        ApiError::Internal(format!(
            "{} holds an index of another schema: delete the directory and build again",
            dir.display()
        ))
    })?;
    let mut writer: IndexWriter = index
        .writer_with_num_threads(1, BUILD_MEMORY)
        .map_err(|e| match e {
            TantivyError::LockFailure(..) => ApiError::Internal(
                "The search index is being written by another process (a build or a catch-up); try again later".into(),
            ),
            e => index_err(e),
        })?;
    let old = index
        .load_metas()
        .ok()
        .and_then(|m| Payload::parse(m.payload.as_deref()));
    let total = store
        .first(&Query::new(
            format!("SELECT COUNT(*) FROM {}", tables.t("ticket")),
            vec![],
        ))?
        .map_or(0, |r| u64::try_from(r.int(0)).unwrap_or(0));
    let fold = load_fold(store, tables)?;
    let fold_bytes = fold.as_ref().map(Fold::to_bytes).unwrap_or_default();
    let fold_id = fold_hash(&fold_bytes);
    let mut payload = match old {
        Some(p) if resume && p.state == "building" && p.fold == fold_id => p,
        _ => {
            writer.delete_all_documents().map_err(index_err)?;
            let (at, since, entry) = clock(store, tables)?;
            Payload {
                state: "building".into(),
                at,
                since,
                entry,
                cursor: 0,
                total,
                fold: fold_id,
                swept: false,
            }
        }
    };
    payload.total = total;
    std::fs::write(dir.join(FOLD_FILE), &fold_bytes)
        .map_err(|e| ApiError::Internal(format!("search index fold file: {e}")))?;
    let mut done = store
        .first(&Query::new(
            format!(
                "SELECT COUNT(*) FROM {} WHERE ticket_id <= ?",
                tables.t("ticket")
            ),
            vec![Param::Int(payload.cursor)],
        ))?
        .map_or(0, |r| u64::try_from(r.int(0)).unwrap_or(0));
    progress(done, total);
    let mut since_commit = 0u64;
    loop {
        let batch = load(store, tables, Select::After(payload.cursor, BATCH))?;
        let Some(last) = batch.last() else { break };
        payload.cursor = last.id;
        for t in &batch {
            writer
                .add_document(document(&fields, fold.as_ref(), t))
                .map_err(index_err)?;
        }
        done += batch.len() as u64;
        since_commit += batch.len() as u64;
        progress(done, total.max(done));
        if since_commit >= BUILD_COMMIT_EVERY {
            commit(&mut writer, &payload)?;
            since_commit = 0;
        }
    }
    payload.state = "ready".into();
    // A ticket deleted during the build changed the tables after `at`: the first search
    // catches up, which clears this.
    payload.swept = true;
    commit(&mut writer, &payload)?;
    writer.wait_merging_threads().map_err(index_err)?;
    forget(dir);
    Ok(payload)
}

/// What a catch-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// This many tickets were read again and committed.
    Done(usize),
    /// Another process holds the writer.
    Busy,
    /// More tickets changed than `cap`: left to the command line or cron.
    TooMany,
}

/// The documents of tickets that no longer exist are deleted (`writer`'s next commit).
fn sweep(
    store: &mut dyn Store,
    tables: &Tables,
    h: &Handle,
    writer: &IndexWriter,
) -> Result<std::result::Result<(), Unusable>> {
    let mut alive = std::collections::HashSet::new();
    store.for_each(
        &Query::new(
            format!("SELECT ticket_id FROM {}", tables.t("ticket")),
            vec![],
        ),
        &mut |r| {
            alive.insert(r.int(0));
            Ok(())
        },
    )?;
    if let Err(e) = h.reader.reload() {
        return Ok(Err(e.into()));
    }
    let searcher = h.reader.searcher();
    for segment in searcher.segment_readers() {
        let column = match segment.fast_fields().u64("id") {
            Ok(c) => c,
            Err(e) => return Ok(Err(e.into())),
        };
        for doc in segment.doc_ids_alive() {
            if let Some(id) = column.first(doc) {
                if !i64::try_from(id).is_ok_and(|i| alive.contains(&i)) {
                    writer.delete_term(Term::from_field_u64(h.fields.id, id));
                }
            }
        }
    }
    Ok(Ok(()))
}

/// Reads the tickets changed since the last commit again (at most `cap`, else nothing) and
/// commits with a new mark; with `sweep` (the command line, cron) also removes the documents
/// of deleted tickets (reading every ticket id). Database errors are errors; index problems
/// are [`Unusable`].
pub fn catch_up(
    store: &mut dyn Store,
    tables: &Tables,
    h: &Handle,
    cap: usize,
    sweep_deleted: bool,
) -> Result<std::result::Result<CatchUp, Unusable>> {
    let metas = match h.index.load_metas() {
        Ok(m) => m,
        Err(e) => return Ok(Err(e.into())),
    };
    let Some(old) = Payload::parse(metas.payload.as_deref()).filter(|p| p.state == "ready") else {
        return Ok(Err(Unusable("the index has not been built".into())));
    };
    let writer: std::result::Result<IndexWriter, _> =
        h.index.writer_with_num_threads(1, CATCH_UP_MEMORY);
    let mut writer = match writer {
        Ok(w) => w,
        Err(TantivyError::LockFailure(..)) => return Ok(Ok(CatchUp::Busy)),
        Err(e) => return Ok(Err(e.into())),
    };
    let mut policy = LogMergePolicy::default();
    policy.set_max_docs_before_merge(CATCH_UP_MERGE_MAX_DOCS);
    writer.set_merge_policy(Box::new(policy));
    let (at, since, entry) = clock(store, tables)?;
    let ids = changed_ids(store, tables, &old, cap.saturating_add(1))?;
    if ids.len() > cap {
        return Ok(Ok(CatchUp::TooMany));
    }
    let fold = h.fold.as_deref();
    let mut n = 0;
    for chunk in ids.chunks(BATCH as usize) {
        for id in chunk {
            writer.delete_term(Term::from_field_u64(
                h.fields.id,
                u64::try_from(*id).unwrap_or(0),
            ));
        }
        for t in load(store, tables, Select::Ids(chunk))? {
            if let Err(e) = writer.add_document(document(&h.fields, fold, &t)) {
                return Ok(Err(e.into()));
            }
            n += 1;
        }
    }
    // Nothing written since a swept commit: nothing can have been deleted either.
    let unchanged =
        old.swept && super::times(store, tables)?.is_some_and(|t| t.unchanged_since(&old));
    if sweep_deleted && !unchanged {
        if let Err(why) = sweep(store, tables, h, &writer)? {
            return Ok(Err(why));
        }
    }
    let payload = Payload {
        state: "ready".into(),
        at,
        since,
        entry,
        cursor: 0,
        total: 0,
        fold: old.fold,
        swept: sweep_deleted || unchanged,
    };
    let raw = serde_json::to_string(&payload).map_err(|e| ApiError::Internal(e.to_string()))?;
    let done = writer.prepare_commit().and_then(|mut c| {
        c.set_payload(&raw);
        c.commit()
    });
    if let Err(e) = done.and_then(|_| writer.wait_merging_threads()) {
        return Ok(Err(e.into()));
    }
    Ok(Ok(CatchUp::Done(n)))
}
