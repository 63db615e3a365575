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

use super::attrs::{self, TicketAttrs};
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
pub(super) const CATCH_UP_MERGE_MAX_DOCS: usize = 50_000;

fn index_err(e: TantivyError) -> ApiError {
    ApiError::Internal(format!("search index: {e}"))
}

/// The tickets changed since `p` (saved at or after `p.since`, or with a thread entry after
/// `p.entry`), at most `cap`.
pub fn changed_query(tables: &Tables, p: &Payload, cap: usize) -> Query {
    let mut params = vec![Param::from(p.since.as_str()), Param::Int(p.entry)];
    let deleted = if p.tombstones {
        params.push(Param::from(p.since.as_str()));
        format!(
            " UNION SELECT ticket_id FROM {} WHERE deleted >= ?",
            tables.t(crate::schema::TOMBSTONES)
        )
    } else {
        String::new()
    };
    params.push(Param::UInt(cap as u64));
    Query::new(
        format!(
            "SELECT c.id FROM (SELECT ticket_id AS id FROM {ticket} WHERE updated >= ? \
             UNION SELECT th.object_id FROM {entry} e JOIN {thread} th ON th.id = e.thread_id \
             AND th.object_type = 'T' WHERE e.id > ?{deleted}) c LIMIT ?",
            ticket = tables.t("ticket"),
            entry = tables.t("thread_entry"),
            thread = tables.t("thread"),
        ),
        params,
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
    /// Filter and sort attributes.
    pub attrs: TicketAttrs,
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
                "SELECT t.ticket_id, t.number, cd.subject, u.name, ue.address, t.status_id, t.dept_id, \
                 t.staff_id, t.team_id, t.topic_id, t.user_id, t.isoverdue, COALESCE(t.ticket_pid, 0), \
                 cd.priority, CAST(t.created AS CHAR), CAST(t.updated AS CHAR) FROM {ticket} t \
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
            attrs: TicketAttrs {
                status: unsigned(r.int(5)),
                dept: unsigned(r.int(6)),
                staff: unsigned(r.int(7)),
                team: unsigned(r.int(8)),
                topic: unsigned(r.int(9)),
                user: unsigned(r.int(10)),
                overdue: unsigned(r.int(11)),
                parent: unsigned(r.int(12)),
                priority: attrs::priority(r.opt_text(13).as_deref()),
                created: attrs::seconds(&r.text(14)),
                updated: attrs::seconds(&r.text(15)),
                number_key: attrs::number_key(r.opt_text(1).as_deref()),
            },
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
    let (a, v) = (&fields.attrs, &t.attrs);
    for (field, value) in [
        (a.status, v.status),
        (a.dept, v.dept),
        (a.staff, v.staff),
        (a.team, v.team),
        (a.topic, v.topic),
        (a.user, v.user),
        (a.overdue, v.overdue),
        (a.parent, v.parent),
        (a.priority, v.priority),
        (a.number_key, v.number_key),
    ] {
        doc.add_u64(field, value);
    }
    doc.add_i64(a.created, v.created);
    doc.add_i64(a.updated, v.updated);
    doc
}

fn unsigned(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
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

/// Tickets read per batch by a bounded build step (smaller than [`BATCH`]: the step looks at the
/// clock between batches).
pub(super) const STEP_BATCH: u64 = 500;

/// An index opened for a build, with its writer (the cross-process lock is held until the writer
/// is dropped).
pub(super) struct Opened {
    pub(super) index: Index,
    pub(super) fields: Fields,
    pub(super) writer: IndexWriter,
}

/// Removes the files of the index in `dir` (those tantivy lists as its own, its meta files and
/// the fold), holding the writer lock; `false` when another process holds it.
fn clear(dir: &Path) -> Result<bool> {
    use tantivy::directory::error::LockError;
    use tantivy::directory::{Directory, MmapDirectory, INDEX_WRITER_LOCK};
    let files =
        MmapDirectory::open(dir).map_err(|e| ApiError::Internal(format!("search index: {e}")))?;
    let lock = match files.acquire_lock(&INDEX_WRITER_LOCK) {
        Ok(lock) => lock,
        Err(LockError::LockBusy) => return Ok(false),
        Err(e) => return Err(ApiError::Internal(format!("search index: {e}"))),
    };
    let managed: Vec<String> = std::fs::read(dir.join(".managed.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    for name in managed
        .iter()
        .map(String::as_str)
        .chain(["meta.json", ".managed.json", FOLD_FILE])
    {
        // Plain names in the directory only.
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with("..") {
            continue;
        }
        match std::fs::remove_file(dir.join(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ApiError::Internal(format!("search index {name}: {e}"))),
        }
    }
    drop(lock);
    forget(dir);
    Ok(true)
}

/// Opens (or creates) the index in `dir` for a build; `None` when another process holds the
/// writer. Any build replaces an index of another schema; a `fresh` one also an unreadable one.
pub(super) fn open_for_build(dir: &Path, fresh: bool) -> Result<Option<Opened>> {
    create_dir(dir)?;
    // An index of another schema (an older version's) cannot be resumed or caught up: any build
    // replaces it. One that does not open at all is replaced only by a fresh build.
    let replace = dir.join("meta.json").is_file()
        && match Index::open_in_dir(dir) {
            Ok(i) => {
                schema::register(&i);
                schema::fields(&i.schema()).is_none()
            }
            Err(_) => fresh,
        };
    if replace && !clear(dir)? {
        return Ok(None);
    }
    let (schema, _) = schema::schema();
    let index = if dir.join("meta.json").is_file() {
        Index::open_in_dir(dir).map_err(index_err)?
    } else {
        Index::create_in_dir(dir, schema).map_err(index_err)?
    };
    schema::register(&index);
    let fields = schema::fields(&index.schema()).ok_or_else(|| {
        ApiError::Internal(format!(
            "{} holds an index of another schema or version: start over (rebuild-fresh) to replace it",
            dir.display()
        ))
    })?;
    let writer: IndexWriter = match index.writer_with_num_threads(1, BUILD_MEMORY) {
        Ok(w) => w,
        Err(TantivyError::LockFailure(..)) => return Ok(None),
        Err(e) => return Err(index_err(e)),
    };
    Ok(Some(Opened {
        index,
        fields,
        writer,
    }))
}

/// The payload of the last commit of `index` (`None`: never committed, or unreadable).
pub(super) fn last_payload(index: &Index) -> Option<Payload> {
    index
        .load_metas()
        .ok()
        .and_then(|m| Payload::parse(m.payload.as_deref()))
}

/// A build under way: what was committed or added, and the fold its documents use.
pub(super) struct Building {
    pub(super) payload: Payload,
    fold: Option<Fold>,
    /// Tickets indexed (committed or added since).
    pub(super) done: u64,
}

/// Starts a build, or resumes the interrupted one when `resume` (the same fold only).
pub(super) fn begin(
    store: &mut dyn Store,
    tables: &Tables,
    dir: &Path,
    o: &mut Opened,
    resume: bool,
) -> Result<Building> {
    let old = last_payload(&o.index);
    let total = store
        .first(&Query::new(
            format!("SELECT COUNT(*) FROM {}", tables.t("ticket")),
            vec![],
        ))?
        .map_or(0, |r| u64::try_from(r.int(0)).unwrap_or(0));
    let fold = load_fold(store, tables)?;
    // Deletions reach the index through the plugin's table (see `schema::TOMBSTONES`).
    let tombstones = store
        .execute(&crate::schema::tombstones_table(tables))
        .is_ok();
    let fold_bytes = fold.as_ref().map(Fold::to_bytes).unwrap_or_default();
    let fold_id = fold_hash(&fold_bytes);
    let mut payload = match old {
        Some(p)
            if resume && p.state == "building" && p.fold == fold_id && p.outdated().is_none() =>
        {
            p
        }
        _ => {
            o.writer.delete_all_documents().map_err(index_err)?;
            let (at, since, entry) = clock(store, tables)?;
            Payload {
                state: "building".into(),
                at,
                since,
                entry,
                cursor: 0,
                total,
                fold: fold_id,
                format: schema::FORMAT,
                tombstones,
                swept: false,
            }
        }
    };
    payload.total = total;
    payload.tombstones = tombstones;
    std::fs::write(dir.join(FOLD_FILE), &fold_bytes)
        .map_err(|e| ApiError::Internal(format!("search index fold file: {e}")))?;
    let done = store
        .first(&Query::new(
            format!(
                "SELECT COUNT(*) FROM {} WHERE ticket_id <= ?",
                tables.t("ticket")
            ),
            vec![Param::Int(payload.cursor)],
        ))?
        .map_or(0, |r| u64::try_from(r.int(0)).unwrap_or(0));
    Ok(Building {
        payload,
        fold,
        done,
    })
}

/// How much one call of [`advance`] does.
#[derive(Clone, Copy)]
pub(super) struct Bounds {
    /// Tickets read per batch.
    pub(super) batch: u64,
    /// No new batch after this time.
    pub(super) until: Option<std::time::Instant>,
    /// Tickets added at most.
    pub(super) limit: u64,
}

/// Indexes the next tickets in batches until none is left (`true`), or the time or ticket
/// limit of `bounds` is reached (`false`); commits every [`BUILD_COMMIT_EVERY`] tickets. `progress(done, total)` after
/// every batch.
pub(super) fn advance(
    store: &mut dyn Store,
    tables: &Tables,
    o: &mut Opened,
    b: &mut Building,
    bounds: &Bounds,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<bool> {
    let Bounds {
        batch,
        until,
        limit,
    } = *bounds;
    let mut since_commit = 0u64;
    let mut added = 0u64;
    loop {
        if added >= limit || until.is_some_and(|t| std::time::Instant::now() >= t) {
            return Ok(false);
        }
        let n = batch.min(limit - added);
        let rows = load(store, tables, Select::After(b.payload.cursor, n))?;
        let Some(last) = rows.last() else {
            return Ok(true);
        };
        b.payload.cursor = last.id;
        for t in &rows {
            o.writer
                .add_document(document(&o.fields, b.fold.as_ref(), t))
                .map_err(index_err)?;
        }
        b.done += rows.len() as u64;
        added += rows.len() as u64;
        since_commit += rows.len() as u64;
        progress(b.done, b.payload.total.max(b.done));
        if since_commit >= BUILD_COMMIT_EVERY {
            commit(&mut o.writer, &b.payload)?;
            since_commit = 0;
        }
    }
}

/// Commits what a build added so far (an interrupted build resumes there).
pub(super) fn commit_building(o: &mut Opened, b: &Building) -> Result<()> {
    commit(&mut o.writer, &b.payload)
}

/// Commits a finished build as `ready`, waits for its merges and lets the workers reopen it.
pub(super) fn finish(o: Opened, mut b: Building, dir: &Path) -> Result<Payload> {
    let Opened { mut writer, .. } = o;
    b.payload.state = "ready".into();
    // A ticket deleted during the build changed the tables after `at`: the first search
    // catches up, which clears this.
    b.payload.swept = true;
    commit(&mut writer, &b.payload)?;
    writer.wait_merging_threads().map_err(index_err)?;
    forget(dir);
    Ok(b.payload)
}

/// Builds the index in `dir` from every ticket; resumes an interrupted build when `resume` (the
/// default of the command line). `progress(done, total)` after every batch. Refused while the
/// admin page drives a build in steps ([`super::step`]).
pub fn build(
    store: &mut dyn Store,
    tables: &Tables,
    dir: &Path,
    resume: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Payload> {
    let mut o = open_for_build(dir, !resume)?
        .ok_or_else(|| ApiError::Internal(super::step::LOCKED.into()))?;
    if let Some(why) = super::step::driven_elsewhere(dir, &o.index, "") {
        return Err(ApiError::Internal(why));
    }
    let mut b = begin(store, tables, dir, &mut o, resume)?;
    progress(b.done, b.payload.total);
    advance(
        store,
        tables,
        &mut o,
        &mut b,
        &Bounds {
            batch: BATCH,
            until: None,
            limit: u64::MAX,
        },
        progress,
    )?;
    finish(o, b, dir)
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

/// The last commit's payload of a ready index of this format, and a writer for a catch-up (its
/// memory, merges of small segments only); `None` when another process holds the writer.
fn small_writer(h: &Handle) -> std::result::Result<Option<(Payload, IndexWriter)>, Unusable> {
    let metas = h.index.load_metas()?;
    let Some(payload) = Payload::parse(metas.payload.as_deref()).filter(|p| p.state == "ready")
    else {
        return Err(Unusable("the index has not been built".into()));
    };
    if let Some(why) = payload.outdated() {
        // Documents of this version's format would join those of another: rebuild instead.
        return Err(why);
    }
    let writer: IndexWriter = match h.index.writer_with_num_threads(1, CATCH_UP_MEMORY) {
        Ok(w) => w,
        Err(TantivyError::LockFailure(..)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut policy = LogMergePolicy::default();
    policy.set_max_docs_before_merge(CATCH_UP_MERGE_MAX_DOCS);
    writer.set_merge_policy(Box::new(policy));
    Ok(Some((payload, writer)))
}

/// Whether the index will hold as many documents as there are tickets once the catch-up that
/// read `ids` again (adding `added` documents) commits. `false` when it cannot tell cheaply.
fn counts_agree(
    store: &mut dyn Store,
    tables: &Tables,
    h: &Handle,
    ids: &[i64],
    added: usize,
) -> Result<std::result::Result<bool, Unusable>> {
    if ids.len() > 10_000 {
        return Ok(Ok(false));
    }
    let tickets = store
        .first(&Query::new(
            format!("SELECT COUNT(*) FROM {}", tables.t("ticket")),
            vec![],
        ))?
        .map_or(0, |r| u64::try_from(r.int(0)).unwrap_or(0));
    if let Err(e) = h.reader.reload() {
        return Ok(Err(e.into()));
    }
    let searcher = h.reader.searcher();
    let replaced = if ids.is_empty() {
        0
    } else {
        let terms: Vec<(tantivy::query::Occur, Box<dyn tantivy::query::Query>)> = ids
            .iter()
            .map(|&id| {
                let q: Box<dyn tantivy::query::Query> = Box::new(tantivy::query::TermQuery::new(
                    Term::from_field_u64(h.fields.id, u64::try_from(id).unwrap_or(0)),
                    tantivy::schema::IndexRecordOption::Basic,
                ));
                (tantivy::query::Occur::Should, q)
            })
            .collect();
        match searcher.search(
            &tantivy::query::BooleanQuery::new(terms),
            &tantivy::collector::Count,
        ) {
            Ok(n) => n as u64,
            Err(e) => return Ok(Err(e.into())),
        }
    };
    Ok(Ok(searcher.num_docs() - replaced.min(searcher.num_docs())
        + added as u64
        == tickets))
}

/// Reads the tickets changed since the last commit again (at most `cap`, else nothing) and
/// commits with a new mark; with `sweep_deleted` (the command line, cron) also removes the
/// documents of deleted tickets (reading every ticket id). Database errors are errors; index
/// problems are [`Unusable`].
pub fn catch_up(
    store: &mut dyn Store,
    tables: &Tables,
    h: &Handle,
    cap: usize,
    sweep_deleted: bool,
) -> Result<std::result::Result<CatchUp, Unusable>> {
    let (old, mut writer) = match small_writer(h) {
        Ok(Some(opened)) => opened,
        Ok(None) => return Ok(Ok(CatchUp::Busy)),
        Err(why) => return Ok(Err(why)),
    };
    let (at, since, entry) = clock(store, tables)?;
    let ids = changed_ids(store, tables, &old, cap.saturating_add(1))?;
    if ids.len() > cap {
        return Ok(Ok(CatchUp::TooMany));
    }
    let n = match rewrite(store, tables, h, &mut writer, &ids)? {
        Ok(n) => n,
        Err(why) => return Ok(Err(why)),
    };
    // Nothing written since a swept commit: nothing can have been deleted either.
    let unchanged =
        old.swept && super::times(store, tables)?.is_some_and(|t| t.unchanged_since(&old));
    if sweep_deleted && !unchanged {
        // Reading every ticket id costs about 0.5 s at 1,000,000 tickets: not when the number
        // of documents after this commit equals the number of tickets (a deletion behind the
        // index's back leaves one more document than tickets).
        let agree = match counts_agree(store, tables, h, &ids, n)? {
            Ok(agree) => agree,
            Err(why) => return Ok(Err(why)),
        };
        if !agree {
            if let Err(why) = sweep(store, tables, h, &writer)? {
                return Ok(Err(why));
            }
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
        format: old.format,
        tombstones: old.tombstones,
        swept: sweep_deleted || unchanged,
    };
    Ok(commit_marked(writer, &payload)?.map(|()| CatchUp::Done(n)))
}

/// Replaces the documents of `ids` by what the database holds now (none for deleted tickets).
fn rewrite(
    store: &mut dyn Store,
    tables: &Tables,
    h: &Handle,
    writer: &mut IndexWriter,
    ids: &[i64],
) -> Result<std::result::Result<usize, Unusable>> {
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
    Ok(Ok(n))
}

/// Commits with `payload` and waits for the merges.
fn commit_marked(
    mut writer: IndexWriter,
    payload: &Payload,
) -> Result<std::result::Result<(), Unusable>> {
    let raw = serde_json::to_string(payload).map_err(|e| ApiError::Internal(e.to_string()))?;
    let done = writer.prepare_commit().and_then(|mut c| {
        c.set_payload(&raw);
        c.commit()
    });
    if let Err(e) = done.and_then(|_| writer.wait_merging_threads()) {
        return Ok(Err(e.into()));
    }
    Ok(Ok(()))
}

/// Reads the tickets `ids` again (a search found them changed or deleted although their
/// `updated` did not move) and commits with the same mark; nothing when another process holds
/// the writer.
pub fn refresh(
    store: &mut dyn Store,
    tables: &Tables,
    h: &Handle,
    ids: &[i64],
) -> Result<std::result::Result<CatchUp, Unusable>> {
    let (payload, mut writer) = match small_writer(h) {
        Ok(Some(opened)) => opened,
        Ok(None) => return Ok(Ok(CatchUp::Busy)),
        Err(why) => return Ok(Err(why)),
    };
    let n = match rewrite(store, tables, h, &mut writer, ids)? {
        Ok(n) => n,
        Err(why) => return Ok(Err(why)),
    };
    Ok(commit_marked(writer, &payload)?.map(|()| CatchUp::Done(n)))
}
