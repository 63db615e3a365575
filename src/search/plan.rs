//! How a `query` search uses the search index ([`index`]).
//!
//! * Subject search (`query`, the original's meaning: the subject holds the text as `LIKE`
//!   compares under the column's collation, or the number is the text): when every character of
//!   the text is sure ([`index::fold`]), the index gives the matches themselves (a phrase of
//!   positional trigrams). Without filters, with nothing changed since the commit and no ticket
//!   deleted since the build or the last sweep, the index alone pages them (by `created` or
//!   `updated`) and counts them ([`Plan::Paged`]); `sort=number` takes the plain scan with the
//!   index's total when the matches are dense ([`Plan::Scan`], [`SCAN_ROW_COST_RATIO`]).
//!   Otherwise SQL runs the search over the matching ids without the text condition (the tickets
//!   changed since the commit and the number candidates keep it): same tickets, same order, and
//!   the total from the same query. Texts with other characters only narrow the candidates,
//!   which the text condition checks. Fewer than three characters, more than [`CANDIDATE_CAP`]
//!   ids for SQL or more than [`MATCH_CAP`] matches: the plain SQL runs.
//! * Full-text search (`mode=fulltext`): the index ranks (BM25) its best [`RANKED_CAP`] hits;
//!   SQL keeps those that pass the filters; `sort=relevance` pages them in rank order, any other
//!   sort is SQL's `ORDER BY` over them.
//! * Freshness: before reading, a search compares the tables' last change with the index's
//!   last commit. When something changed since, it catches up (a try-lock, at most
//!   [`writer::REQUEST_CATCH_UP`] tickets); if it cannot, the tickets changed since the commit
//!   (found by SQL) are checked by SQL. Deleted tickets vanish because every id goes through SQL,
//!   except when the index answers alone (after a build or a sweep, nothing changed since).
//! * Whatever goes wrong with the index is logged once and answered through SQL.

use std::collections::HashSet;
use std::path::Path;

use crate::error::Result;
use crate::render::Node;
use crate::sql::{placeholders, Param, Store, Tables};

use super::index::query::Hit;
use super::index::{self, attrs, filter, writer, Unusable};
use super::{items, Filter, Page, Search, Sort, COUNT_CAP};

/// Most tickets a subject search passes to SQL (about 10 µs each at 1,000,000 tickets); beyond,
/// the plain SQL scan in sort order is faster (no total).
pub const CANDIDATE_CAP: usize = 5_000;
/// Most subject matches read from the index for `count=exact` without filters.
pub const MATCH_CAP: usize = 250_000;
/// What SQL checking one listed ticket costs, in rows of the plain scan in sort order
/// (measured at 1,000,000 tickets: about 10 µs against 5 µs).
pub const SCAN_ROW_COST_RATIO: u64 = 2;
/// Most full-text hits ranked and checked by SQL.
pub const RANKED_CAP: usize = 20_000;
/// Most tickets changed since the last commit that join the candidates; beyond, plain SQL.
pub const RECENT_CAP: usize = 5_000;
/// Deepest row (offset + page + 1) a filtered search takes from the index; deeper pages are
/// SQL's (with its checkpoints).
pub const FILTER_DEPTH: u64 = 2_000;

/// A filtered search (no `query`) answered with the index: its attribute columns count the
/// matches and give the first tickets in the search's order; the tickets changed since its
/// commit come from SQL.
pub struct Filtered {
    snap: index::Snapshot,
    conds: Vec<filter::Cond>,
    key: filter::Key,
    /// Tickets changed since the index's last commit (matching or not).
    recent: Vec<i64>,
    /// So many tickets match that the database's walk of the sort order fills the page within
    /// a few thousand rows: it is tried first, with this many rows.
    dense: Option<u64>,
    dir: std::path::PathBuf,
    /// A text query the tickets must match too (`mode=fulltext` sorted by a date or the
    /// number; an exact `query` with filters).
    text: Option<Box<dyn tantivy::query::Query>>,
    /// SQL checks the tickets without the text condition (full text: osTicket's `MATCH`).
    drop_text: bool,
}

/// Rows a dense filtered search lets the database examine for its page before the index
/// orders the matches instead (the walk met too few of them: they sit elsewhere in the order).
pub const DENSE_WALK: u64 = 2_000;

static WALK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(DENSE_WALK);

/// Sets the rows of [`DENSE_WALK`] for this process (0: never walk), for tests that must reach
/// each way of answering on small data.
pub fn set_dense_walk(rows: u64) {
    WALK.store(rows, std::sync::atomic::Ordering::Relaxed);
}

fn dense_walk() -> u64 {
    WALK.load(std::sync::atomic::Ordering::Relaxed)
}

static ALWAYS_WALK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes every filtered search try the walk first (tests on data too small to be dense).
pub fn set_always_walk(on: bool) {
    ALWAYS_WALK.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// What reading one row of the database's walk costs, in documents the index's columns order
/// (about 5 µs against 25 ns, measured at 1,000,000 tickets).
const WALK_ROW_COST: u64 = 200;

/// Ranked full-text hits and the search that checks them.
pub struct Ranked {
    /// `(ticket id, score)`, best first.
    pub hits: Vec<(i64, f32)>,
    /// Documents matching in all (`hits` holds at most [`RANKED_CAP`]).
    pub matches: u64,
    /// The search without its text condition, restricted to the hits.
    pub verify: Search,
}

/// How a search runs.
pub enum Plan {
    /// Plain SQL; a `query` search is counted only when `count_text`.
    Sql {
        /// Count a `query` search (the index showed its matches are dense).
        count_text: bool,
    },
    /// SQL restricted to candidate ids; `true` when they are only the best [`RANKED_CAP`] of
    /// more full-text matches (then no total is given).
    Ids(Search, bool),
    /// No ticket can match.
    Empty,
    /// The plain SQL scan for the page; the index knows the number of matches.
    Scan {
        /// Tickets matching.
        total: u64,
    },
    /// Full-text hits in rank order.
    Ranked(Ranked),
    /// A filtered search from the index's attribute columns.
    Filtered(Box<Filtered>),
    /// Every match of a `query` without filters, as the index holds them (nothing changed
    /// since its commit): paged by their dates.
    Paged(Vec<Hit>),
}

/// The plan for `s`; `dir` is the index directory (`None`: disabled).
pub fn plan(
    store: &mut dyn Store,
    tables: &Tables,
    dir: Option<&Path>,
    s: &Search,
) -> Result<Plan> {
    let Some(dir) = dir else {
        return Ok(Plan::Sql { count_text: false });
    };
    if s.text.is_none()
        && (s.filters.is_empty() || s.offset.saturating_add(s.limit) >= FILTER_DEPTH)
    {
        // No filter: the scan of the sort order's index fills the page at once. Deep pages:
        // SQL's checkpoints.
        return Ok(Plan::Sql { count_text: false });
    }
    // A panic inside the index library (a damaged file it does not check) must not fail the
    // search either: it is caught here and the search answers through SQL.
    let planned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if s.text.is_some() {
            plan_index(store, tables, dir, s)
        } else {
            plan_filtered(store, tables, dir, s)
        }
    }))
    .unwrap_or_else(|_| {
        index::forget(dir);
        Ok(Err(Unusable("the index library failed (panic)".into())))
    });
    match planned? {
        Ok(plan) => Ok(plan),
        Err(why) => {
            index::log_once(&why);
            Ok(Plan::Sql { count_text: false })
        }
    }
}

/// `s` with `cond` (binding `params`) added, and without its text condition when `drop_text`.
fn restricted(s: &Search, cond: String, params: Vec<Param>, drop_text: bool) -> Search {
    let mut out = s.clone();
    if let (true, Some(t)) = (drop_text, &s.text) {
        if t.cond < out.conds.len() && t.params.end <= out.params.len() {
            out.conds.remove(t.cond);
            out.params.drain(t.params.clone());
        }
        out.text = None;
        out.has_text = false;
    }
    out.conds.push(cond);
    out.params.extend(params);
    out
}

fn id_cond(ids: &[i64]) -> (String, Vec<Param>) {
    (
        format!("t.ticket_id IN ({})", placeholders(ids.len())),
        ids.iter().map(|&i| Param::Int(i)).collect(),
    )
}

/// A view of the index, the tickets changed since its commit, and whether nothing was written.
type Fresh = (index::Snapshot, Vec<i64>, bool);

/// The newest view of the index, caught up when possible, the tickets changed since its
/// commit, and whether nothing at all was written since (then none can have been deleted).
fn fresh(
    store: &mut dyn Store,
    tables: &Tables,
    dir: &Path,
) -> Result<std::result::Result<Fresh, Unusable>> {
    let h = match index::handle(dir) {
        Ok(h) => h,
        Err(why) => return Ok(Err(why)),
    };
    let Some(times) = index::times(store, tables)? else {
        return Ok(Err(Unusable("no server time".into())));
    };
    let mut snap = match h.snapshot() {
        Ok(snap) => snap,
        Err(why) => return Ok(Err(why)),
    };
    let mut recent = Vec::new();
    let mut fresh = times.unchanged_since(&snap.payload);
    if !fresh {
        // Where UPDATE_TIME can be trusted, a stale index catches up at once (a full-text search
        // can only find what the index holds); elsewhere at most once a second.
        if times.reliable || snap.payload.at < times.now {
            // A catch-up that cannot write (e.g. the directory is not writable for this user)
            // is logged; the changed tickets then come from SQL below.
            if let Err(why) = writer::catch_up(store, tables, &h, writer::REQUEST_CATCH_UP, false)?
            {
                index::log_once(&why);
            }
            snap = match h.snapshot() {
                Ok(snap) => snap,
                Err(why) => return Ok(Err(why)),
            };
        }
        fresh = index::times(store, tables)?.is_some_and(|t| t.unchanged_since(&snap.payload));
        if !fresh {
            recent = writer::changed_ids(store, tables, &snap.payload, RECENT_CAP + 1)?;
            if recent.len() > RECENT_CAP {
                return Ok(Err(Unusable(format!(
                    "more than {RECENT_CAP} tickets changed since its last commit; catch it up"
                ))));
            }
        }
    }
    Ok(Ok((snap, recent, fresh)))
}

fn plan_index(
    store: &mut dyn Store,
    tables: &Tables,
    dir: &Path,
    s: &Search,
) -> Result<std::result::Result<Plan, Unusable>> {
    let Some(text) = &s.text else {
        return Ok(Ok(Plan::Sql { count_text: false }));
    };
    let (snap, recent, fresh) = match fresh(store, tables, dir)? {
        Ok(got) => got,
        Err(why) => return Ok(Err(why)),
    };
    if text.fulltext
        && s.sort != Sort::Relevance
        && snap.payload.tombstones
        && s.offset.saturating_add(s.limit) < FILTER_DEPTH
    {
        // Sorted by a date or the number: the index orders every match by its columns (the
        // ranked hits would be only the best 20,000, and SQL would sort them all).
        let Some(q) = index::query::fulltext_query(&snap, &text.query) else {
            return Ok(Ok(Plan::Empty));
        };
        let key = match s.sort {
            Sort::Updated => filter::Key::Updated,
            Sort::Number => filter::Key::Number,
            Sort::Created | Sort::Relevance => filter::Key::Created,
        };
        if key == filter::Key::Number && filter::numbers_unordered(&snap).unwrap_or(true) {
            return Ok(Ok(Plan::Sql { count_text: false }));
        }
        // Tickets changed since the commit are searched as the index holds them (as for the
        // ranked hits); their filters are checked in SQL.
        let _ = recent;
        return Ok(Ok(Plan::Filtered(Box::new(Filtered {
            snap,
            conds: conds(s),
            key,
            recent: Vec::new(),
            dense: None,
            dir: dir.to_owned(),
            text: Some(q),
            drop_text: true,
        }))));
    }
    if text.fulltext {
        let (mut hits, matches) = match index::query::fulltext(&snap, &text.query, RANKED_CAP) {
            Ok(found) => found,
            Err(why) => return Ok(Err(why)),
        };
        // A ticket indexed twice (changed since the last merge) keeps its best rank.
        let mut seen = HashSet::with_capacity(hits.len());
        hits.retain(|(id, _)| seen.insert(*id));
        if hits.is_empty() {
            return Ok(Ok(Plan::Empty));
        }
        let ids: Vec<i64> = hits.iter().map(|(id, _)| *id).collect();
        let (cond, params) = id_cond(&ids);
        let verify = restricted(s, cond, params, true);
        return Ok(Ok(if s.sort == Sort::Relevance {
            Plan::Ranked(Ranked {
                hits,
                matches,
                verify,
            })
        } else {
            Plan::Ids(verify, matches > RANKED_CAP as u64)
        }));
    }
    // The index alone answers a search without filters when nothing changed since a swept
    // commit: it needs every match to sort them, but beyond 10,000 no total is given, and the
    // plain scan in sort order fills the page early. Otherwise SQL checks at most CANDIDATE_CAP.
    let alone = s.conds.len() == 1 && fresh && snap.payload.swept;
    let cap = match (alone, s.exact_count) {
        (true, true) => MATCH_CAP,
        (true, false) => usize::try_from(COUNT_CAP).unwrap_or(MATCH_CAP),
        (false, _) => CANDIDATE_CAP,
    };
    let found = match index::query::substring(&snap, &text.query, cap) {
        Ok(found) => found,
        Err(why) => return Ok(Err(why)),
    };
    let Some(found) = found else {
        // Fewer than three characters (or no run of three sure ones): nothing to look up.
        return Ok(Ok(Plan::Sql { count_text: false }));
    };
    if found.matches > found.subject.len() as u64 {
        if let (false, Some(q), true, true) = (
            alone,
            found.query,
            snap.payload.tombstones && snap.payload.swept,
            s.offset.saturating_add(s.limit) < FILTER_DEPTH,
        ) {
            // Exact matches, more than SQL should check, with filters or changes since the
            // commit: the filter columns join the subject query; the index orders and counts,
            // SQL checks the page, the changed tickets and the number candidates (with `LIKE`).
            // Only while no ticket can have been deleted behind the index's back (swept; those
            // deleted through osTicket are recorded): the count comes from the index.
            let key = match s.sort {
                Sort::Updated => filter::Key::Updated,
                Sort::Number => filter::Key::Number,
                Sort::Created | Sort::Relevance => filter::Key::Created,
            };
            if key != filter::Key::Number || !filter::numbers_unordered(&snap).unwrap_or(true) {
                let mut checks = recent;
                checks.extend(found.number);
                checks.sort_unstable();
                checks.dedup();
                return Ok(Ok(Plan::Filtered(Box::new(Filtered {
                    snap,
                    conds: conds(s),
                    key,
                    recent: checks,
                    dense: None,
                    dir: dir.to_owned(),
                    text: Some(q),
                    drop_text: false,
                }))));
            }
        }
        // More than the cap: the plain scan in sort order fills the page early (and without
        // filters, more than 10,000 tickets match: no total).
        return Ok(Ok(Plan::Sql { count_text: false }));
    }
    let mut hits = found.subject;
    hits.sort_unstable_by_key(|h| h.id);
    hits.dedup_by_key(|h| h.id);
    let subject: Vec<i64> = hits.iter().map(|h| h.id).collect();
    if !found.exact {
        // Candidates only: SQL checks every one with the text condition.
        if subject.len() > CANDIDATE_CAP {
            return Ok(Ok(Plan::Sql { count_text: false }));
        }
        let mut ids = subject;
        ids.extend(found.number);
        ids.extend(recent);
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Ok(Plan::Empty));
        }
        let (cond, params) = id_cond(&ids);
        return Ok(Ok(Plan::Ids(restricted(s, cond, params, false), false)));
    }
    // Exact: the subject matches as the index holds them. Tickets changed since its commit
    // and number candidates are checked by SQL with the text condition.
    let recent: HashSet<i64> = recent.into_iter().collect();
    let trusted: Vec<i64> = subject
        .iter()
        .copied()
        .filter(|id| !recent.contains(id))
        .collect();
    let mut checks: Vec<i64> = recent
        .into_iter()
        .chain(
            found
                .number
                .into_iter()
                .filter(|id| subject.binary_search(id).is_err()),
        )
        .collect();
    checks.sort_unstable();
    checks.dedup();
    if trusted.is_empty() && checks.is_empty() {
        return Ok(Ok(Plan::Empty));
    }
    if alone && checks.is_empty() {
        // Nothing changed since the commit: the matches are the tickets, their number the total,
        // their dates those of the tickets.
        let n = trusted.len() as u64;
        if s.sort != Sort::Number {
            return Ok(Ok(Plan::Paged(hits)));
        }
        let docs = snap.searcher.num_docs();
        let rows = (s.offset + s.limit + 1).saturating_mul(docs) / n.max(1);
        if rows / SCAN_ROW_COST_RATIO > n || trusted.len() > CANDIDATE_CAP {
            return Ok(Ok(Plan::Scan { total: n }));
        }
    }
    if trusted.len() + checks.len() > CANDIDATE_CAP {
        return Ok(Ok(Plan::Sql { count_text: false }));
    }
    Ok(Ok(Plan::Ids(verified(s, &trusted, &checks), false)))
}

/// `s` with its text condition replaced by: one of the `trusted` tickets (their subject holds
/// the text), or one of `checks` that meets the text condition.
fn verified(s: &Search, trusted: &[i64], checks: &[i64]) -> Search {
    let mut out = s.clone();
    let mut text_cond = String::new();
    let mut text_params = Vec::new();
    if let Some(t) = &s.text {
        if t.cond < out.conds.len() && t.params.end <= out.params.len() {
            text_cond = out.conds.remove(t.cond);
            text_params = out.params.drain(t.params.clone()).collect();
        }
    }
    out.text = None;
    out.has_text = false;
    let mut parts = Vec::new();
    if !trusted.is_empty() {
        let (cond, params) = id_cond(trusted);
        parts.push(cond);
        out.params.extend(params);
    }
    if !checks.is_empty() {
        let (cond, params) = id_cond(checks);
        parts.push(format!("({cond} AND {text_cond})"));
        out.params.extend(params);
        out.params.extend(text_params);
    }
    out.conds.push(format!("({})", parts.join(" OR ")));
    out.needs_cdata = out.conds.iter().any(|c| c.contains("cd."));
    out
}

/// The page of [`Plan::Paged`]: SQL's order (the date, then the id, both ascending or both
/// descending), the capped rule for the total.
pub fn hits_page(
    store: &mut dyn Store,
    tables: &Tables,
    s: &Search,
    mut hits: Vec<Hit>,
) -> Result<Page> {
    let key = |h: &Hit| match s.sort {
        Sort::Updated => (h.updated, h.id),
        _ => (h.created, h.id),
    };
    if s.ascending {
        hits.sort_unstable_by_key(key);
    } else {
        hits.sort_unstable_by_key(|h| std::cmp::Reverse(key(h)));
    }
    let n = hits.len() as u64;
    let start = usize::try_from(s.offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(s.limit).unwrap_or(usize::MAX);
    let page: Vec<i64> = hits.iter().skip(start).take(limit).map(|h| h.id).collect();
    Ok(Page {
        items: Node::List(items(store, tables, &page)?),
        total: (s.exact_count || n <= COUNT_CAP).then_some(n),
        has_next: hits.len() > start.saturating_add(limit),
        limit: s.limit,
        offset: s.offset,
    })
}

/// The page of a relevance-sorted full-text search: the hits that pass the filters, in rank
/// order (ties: newer ticket first).
pub fn ranked_page(
    store: &mut dyn Store,
    tables: &Tables,
    s: &Search,
    ranked: Ranked,
) -> Result<Page> {
    let passing: HashSet<i64> = store
        .rows(&ranked.verify.ids_query(tables))?
        .iter()
        .map(|r| r.int(0))
        .collect();
    let mut hits: Vec<(i64, f32)> = ranked
        .hits
        .into_iter()
        .filter(|(id, _)| passing.contains(id))
        .collect();
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    let all_seen = ranked.matches <= RANKED_CAP as u64;
    let n = hits.len() as u64;
    let total = if all_seen {
        (s.exact_count || n <= COUNT_CAP).then_some(n)
    } else {
        None
    };
    let start = usize::try_from(s.offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(s.limit).unwrap_or(usize::MAX);
    let page: Vec<i64> = hits
        .iter()
        .skip(start)
        .take(limit)
        .map(|(id, _)| *id)
        .collect();
    Ok(Page {
        items: Node::List(items(store, tables, &page)?),
        total,
        has_next: hits.len() > start.saturating_add(limit),
        limit: s.limit,
        offset: s.offset,
    })
}

/// The index's form of the search's filters.
fn conds(s: &Search) -> Vec<filter::Cond> {
    let ids = |v: &[i64]| v.iter().filter_map(|&i| u64::try_from(i).ok()).collect();
    s.filters
        .iter()
        .map(|f| match f {
            Filter::Attr(attr, id) => filter::Cond::AnyOf(*attr, ids(&[*id])),
            Filter::AnyOf(attr, v) => filter::Cond::AnyOf(*attr, ids(v)),
            Filter::Date(date, from, to) => filter::Cond::Between(
                *date,
                from.as_deref().map(attrs::seconds),
                to.as_deref().map(attrs::seconds),
            ),
        })
        .collect()
}

fn plan_filtered(
    store: &mut dyn Store,
    tables: &Tables,
    dir: &Path,
    s: &Search,
) -> Result<std::result::Result<Plan, Unusable>> {
    let (snap, recent, _) = match fresh(store, tables, dir)? {
        Ok(got) => got,
        Err(why) => return Ok(Err(why)),
    };
    if !snap.payload.tombstones {
        // Built before deletions were recorded: it cannot know which tickets are gone.
        return Ok(Ok(Plan::Sql { count_text: false }));
    }
    let key = match s.sort {
        Sort::Created | Sort::Relevance => filter::Key::Created,
        Sort::Updated => filter::Key::Updated,
        Sort::Number => filter::Key::Number,
    };
    let conds = conds(s);
    let estimate = match filter::estimate(&snap, &conds) {
        Ok(n) => n,
        Err(why) => return Ok(Err(why)),
    };
    let k = s.offset.saturating_add(s.limit).saturating_add(1);
    let docs = snap.searcher.num_docs();
    // The walk needs about k * docs / estimate rows; the index reads `estimate` documents. The
    // walk goes first when it is the cheaper: estimate² ≥ WALK_ROW_COST * k * docs.
    let walk = dense_walk();
    let needed = u128::from(k) * u128::from(docs) * u128::from(WALK_ROW_COST);
    let dense = walk > 0
        && (u128::from(estimate) * u128::from(estimate) >= needed
            || ALWAYS_WALK.load(std::sync::atomic::Ordering::Relaxed));
    // The walk is given four times the rows the estimate says it needs (at least 200, at most
    // the whole walk): a walk that meets the matches later than that gives up early.
    let walk = walk.min(
        k.saturating_mul(docs)
            .saturating_mul(4)
            .checked_div(estimate)
            .unwrap_or(u64::MAX)
            .max(200),
    );
    if key == filter::Key::Number && !dense {
        match filter::numbers_unordered(&snap) {
            // Numbers the index cannot order as the database does: SQL sorts them.
            Ok(true) => return Ok(Ok(Plan::Sql { count_text: false })),
            Ok(false) => {}
            Err(why) => return Ok(Err(why)),
        }
    }
    Ok(Ok(Plan::Filtered(Box::new(Filtered {
        snap,
        conds,
        key,
        recent,
        dense: dense.then_some(walk),
        dir: dir.to_owned(),
        text: None,
        drop_text: false,
    }))))
}

/// The page of a filtered search; `None`: answer through SQL (the index failed, or a ticket it
/// proposed no longer passes in SQL: changed without its `updated` moving, or deleted behind
/// its back; those tickets are then read again into the index when it can be written).
///
/// The total is the index's count (changed tickets left out) plus the changed tickets that pass
/// in SQL. The page: for dense matches the search's own SQL walking the sort order, at most
/// [`DENSE_WALK`] rows; otherwise, or when that walk did not fill the page, the index's first
/// `offset + limit + 1` tickets and the changed ones, ordered and checked by the search's SQL.
pub fn filtered_page(
    store: &mut dyn Store,
    tables: &Tables,
    s: &Search,
    f: Filtered,
) -> Result<Option<Page>> {
    let exclude: HashSet<u64> = f
        .recent
        .iter()
        .filter_map(|&id| u64::try_from(id).ok())
        .collect();
    let recent_passing = |store: &mut dyn Store, passing: Option<&HashSet<i64>>| -> Result<u64> {
        if f.recent.is_empty() {
            return Ok(0);
        }
        if let Some(p) = passing {
            return Ok(f.recent.iter().filter(|id| p.contains(id)).count() as u64);
        }
        let (cond, params) = id_cond(&f.recent);
        Ok(store
            .rows(&restricted(s, cond, params, false).ids_query(tables))?
            .len() as u64)
    };
    let limit = usize::try_from(s.limit).unwrap_or(usize::MAX);
    let page_of = |store: &mut dyn Store, ids: &[i64], total: u64| -> Result<Page> {
        Ok(Page {
            items: Node::List(items(store, tables, ids)?),
            total: (s.exact_count || total <= COUNT_CAP).then_some(total),
            has_next: total > s.offset.saturating_add(s.limit),
            limit: s.limit,
            offset: s.offset,
        })
    };
    if let Some(walk) = f.dense {
        let count = match filter::count(&f.snap, &f.conds, &exclude) {
            Ok(n) => n,
            Err(why) => {
                index::log_once(&why);
                return Ok(None);
            }
        };
        let total = count + recent_passing(store, None)?;
        // MariaDB may also stop the walk with an error (a sort cut short): then as if short. A
        // real database failure fails the queries below as well.
        let rows: Vec<i64> = store
            .rows(&s.page_query_bounded(tables, walk.max(1)))
            .unwrap_or_default()
            .iter()
            .map(|r| r.int(0))
            .collect();
        let expected = (s.limit + 1).min(total.saturating_sub(s.offset));
        if rows.len() as u64 >= expected {
            let page: Vec<i64> = rows.iter().take(limit).copied().collect();
            return Ok(Some(page_of(store, &page, total)?));
        }
    }
    let k = usize::try_from(s.offset.saturating_add(s.limit).saturating_add(1)).unwrap_or(0);
    let text = f.text.as_deref();
    let (ids, count) = match filter::top(&f.snap, &f.conds, f.key, s.ascending, k, exclude, text) {
        Ok(found) => found,
        Err(why) => {
            index::log_once(&why);
            return Ok(None);
        }
    };
    let mut union: Vec<i64> = ids.iter().chain(&f.recent).copied().collect();
    union.sort_unstable();
    union.dedup();
    let rows: Vec<i64> = if union.is_empty() {
        Vec::new()
    } else {
        let (cond, params) = id_cond(&union);
        let mut narrowed = restricted(s, cond, params, f.drop_text);
        narrowed.offset = 0;
        narrowed.limit = union.len() as u64;
        store
            .rows(&narrowed.page_query_counted(tables))?
            .iter()
            .map(|r| r.int(0))
            .collect()
    };
    let passing: HashSet<i64> = rows.iter().copied().collect();
    let stale: Vec<i64> = ids
        .iter()
        .filter(|id| !passing.contains(id))
        .copied()
        .collect();
    if !stale.is_empty() {
        index::log_once(&Unusable(
            "it held tickets changed or deleted without their update time moving; reading them again".into(),
        ));
        if let Ok(h) = index::handle(&f.dir) {
            if let Err(why) = writer::refresh(store, tables, &h, &stale)? {
                index::log_once(&why);
            }
        }
        return Ok(None);
    }
    let total = count + recent_passing(store, Some(&passing))?;
    let start = usize::try_from(s.offset).unwrap_or(usize::MAX);
    let page: Vec<i64> = rows.iter().skip(start).take(limit).copied().collect();
    Ok(Some(page_of(store, &page, total)?))
}
