//! Filtered, sorted searches on the index: the tickets whose attributes ([`super::attrs`]) pass
//! every condition, counted, and the first `k` of them in the search's order (`created`,
//! `updated` or the number, ties by ticket id, as the SQL `ORDER BY`), read from the fast
//! columns without touching the database. The caller checks those ids in SQL.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::ops::Bound;

use tantivy::collector::{Collector, Count, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::schema::{Attrs, NONE};
use super::{Snapshot, Unusable};

/// An attribute that is compared for equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    /// `t.status_id`
    Status,
    /// `t.dept_id`
    Dept,
    /// `t.staff_id`
    Staff,
    /// `t.team_id`
    Team,
    /// `t.topic_id`
    Topic,
    /// `t.user_id`
    User,
    /// `t.isoverdue`
    Overdue,
    /// `t.ticket_pid`
    Parent,
    /// `cd.priority`
    Priority,
}

/// A date attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Date {
    /// `t.created`
    Created,
    /// `t.updated`
    Updated,
}

/// The order of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `t.created`
    Created,
    /// `t.updated`
    Updated,
    /// `t.number`
    Number,
}

/// One condition; a search's conditions all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// The attribute is one of the values (none: nothing matches).
    AnyOf(Attr, Vec<u64>),
    /// The date is within the bounds (seconds, both included).
    Between(Date, Option<i64>, Option<i64>),
}

fn attr_field(a: &Attrs, attr: Attr) -> Field {
    match attr {
        Attr::Status => a.status,
        Attr::Dept => a.dept,
        Attr::Staff => a.staff,
        Attr::Team => a.team,
        Attr::Topic => a.topic,
        Attr::User => a.user,
        Attr::Overdue => a.overdue,
        Attr::Parent => a.parent,
        Attr::Priority => a.priority,
    }
}

fn date_field(a: &Attrs, d: Date) -> Field {
    match d {
        Date::Created => a.created,
        Date::Updated => a.updated,
    }
}

fn term(field: Field, v: u64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_u64(field, v),
        IndexRecordOption::Basic,
    ))
}

fn query(a: &Attrs, conds: &[Cond], text: Option<&dyn Query>) -> Box<dyn Query> {
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(t) = text {
        must.push((Occur::Must, t.box_clone()));
    }
    for c in conds {
        let q: Box<dyn Query> = match c {
            Cond::AnyOf(attr, values) => {
                let field = attr_field(a, *attr);
                match values.as_slice() {
                    [one] => term(field, *one),
                    many => Box::new(BooleanQuery::new(
                        many.iter()
                            .map(|v| (Occur::Should, term(field, *v)))
                            .collect(),
                    )),
                }
            }
            Cond::Between(date, lo, hi) => {
                let field = date_field(a, *date);
                let bound = |v: &Option<i64>| match v {
                    Some(v) => Bound::Included(Term::from_field_i64(field, *v)),
                    None => Bound::Unbounded,
                };
                if lo.is_none() && hi.is_none() {
                    continue;
                }
                Box::new(RangeQuery::new(bound(lo), bound(hi)))
            }
        };
        must.push((Occur::Must, q));
    }
    if must.is_empty() {
        Box::new(AllQuery)
    } else {
        Box::new(BooleanQuery::new(must))
    }
}

/// A rank where larger is better: `(key, id)` for descending order, both bitwise negated for
/// ascending (which reverses their order without overflow).
type Rank = (i64, u64);

struct Top {
    attrs: Attrs,
    key: Key,
    ascending: bool,
    /// How many ranks each segment keeps.
    keep: usize,
}

struct SegmentTop {
    ids: Column<u64>,
    dates: Option<Column<i64>>,
    numbers: Option<Column<u64>>,
    ascending: bool,
    keep: usize,
    heap: BinaryHeap<Reverse<Rank>>,
    count: u64,
    dates_buf: Vec<Option<i64>>,
    numbers_buf: Vec<Option<u64>>,
    keys: Vec<i64>,
}

impl Collector for Top {
    type Fruit = (Vec<Rank>, u64);
    type Child = SegmentTop;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        let ff = segment.fast_fields();
        let schema = segment.schema();
        let name = |f: Field| schema.get_field_name(f).to_owned();
        let (dates, numbers) = match self.key {
            Key::Created => (Some(ff.i64(&name(self.attrs.created))?), None),
            Key::Updated => (Some(ff.i64(&name(self.attrs.updated))?), None),
            Key::Number => (None, Some(ff.u64(&name(self.attrs.number_key))?)),
        };
        Ok(SegmentTop {
            ids: ff.u64("id")?,
            dates,
            numbers,
            ascending: self.ascending,
            keep: self.keep,
            heap: BinaryHeap::with_capacity(self.keep.saturating_add(1).min(1 << 16)),
            count: 0,
            dates_buf: Vec::new(),
            numbers_buf: Vec::new(),
            keys: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(Vec<Rank>, u64)>) -> tantivy::Result<Self::Fruit> {
        let count = fruits.iter().map(|(_, c)| c).sum();
        let mut all: Vec<Rank> = fruits.into_iter().flat_map(|(v, _)| v).collect();
        all.sort_unstable_by(|a, b| b.cmp(a));
        all.truncate(self.keep);
        Ok((all, count))
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = (Vec<Rank>, u64);

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.count += 1;
        let key = match (&self.dates, &self.numbers) {
            (Some(d), _) => d.first(doc).unwrap_or(i64::MIN),
            (None, Some(n)) => number_rank(n.first(doc)),
            (None, None) => 0,
        };
        self.offer(doc, key);
    }

    /// A block of documents (no deletions in the segment): their keys are read at once.
    fn collect_block(&mut self, docs: &[DocId]) {
        self.count += docs.len() as u64;
        let mut keys = std::mem::take(&mut self.keys);
        keys.clear();
        match (&self.dates, &self.numbers) {
            (Some(d), _) => {
                self.dates_buf.clear();
                self.dates_buf.resize(docs.len(), None);
                d.first_vals(docs, &mut self.dates_buf);
                keys.extend(self.dates_buf.iter().map(|v| v.unwrap_or(i64::MIN)));
            }
            (None, Some(n)) => {
                self.numbers_buf.clear();
                self.numbers_buf.resize(docs.len(), None);
                n.first_vals(docs, &mut self.numbers_buf);
                keys.extend(self.numbers_buf.iter().map(|v| number_rank(*v)));
            }
            (None, None) => keys.resize(docs.len(), 0),
        }
        for (doc, key) in docs.iter().zip(&keys) {
            self.offer(*doc, *key);
        }
        self.keys = keys;
    }

    fn harvest(self) -> Self::Fruit {
        (
            self.heap.into_iter().map(|Reverse(r)| r).collect(),
            self.count,
        )
    }
}

/// A number's sort key mapped onto `i64`, order kept.
fn number_rank(v: Option<u64>) -> i64 {
    (v.unwrap_or(NONE) ^ (1 << 63)) as i64
}

impl SegmentTop {
    /// Keeps `doc` if it ranks among the best so far.
    fn offer(&mut self, doc: DocId, key: i64) {
        let key = if self.ascending { !key } else { key };
        if self.heap.len() >= self.keep {
            // Most documents lose on the key alone; only then is the id read.
            match self.heap.peek() {
                Some(Reverse((worst, _))) if key < *worst => return,
                None => return,
                _ => {}
            }
        }
        let Some(id) = self.ids.first(doc) else {
            return;
        };
        let rank = (key, if self.ascending { !id } else { id });
        if self.heap.len() < self.keep {
            self.heap.push(Reverse(rank));
        } else if self.heap.peek().is_some_and(|Reverse(worst)| rank > *worst) {
            self.heap.pop();
            self.heap.push(Reverse(rank));
        }
    }
}

/// The first `k` ticket ids in the order (`key`, `ascending`) among the documents that pass
/// `conds` (and the full-text query `text`) and are not in `exclude`, and how many such
/// documents there are.
pub fn top(
    snap: &Snapshot,
    conds: &[Cond],
    key: Key,
    ascending: bool,
    k: usize,
    exclude: HashSet<u64>,
    text: Option<&dyn Query>,
) -> Result<(Vec<i64>, u64), Unusable> {
    if conds
        .iter()
        .any(|c| matches!(c, Cond::AnyOf(_, values) if values.is_empty()))
    {
        return Ok((Vec::new(), 0));
    }
    let q = query(&snap.fields.attrs, conds, text);
    // Excluded documents are collected like the others (no lookup per document), then dropped:
    // the heap keeps enough ranks for that, and their number is counted apart.
    let (best, count) = snap.searcher.search(
        &q,
        &Top {
            attrs: snap.fields.attrs,
            key,
            ascending,
            keep: k.saturating_add(exclude.len()),
        },
    )?;
    let excluded = excluded(snap, q, &exclude)?;
    let ids = best
        .into_iter()
        .map(|(_, id)| if ascending { !id } else { id })
        .filter(|id| !exclude.contains(id))
        .take(k)
        .filter_map(|id| i64::try_from(id).ok())
        .collect();
    Ok((ids, count.saturating_sub(excluded)))
}

/// How many of the documents in `exclude` pass `q`.
fn excluded(snap: &Snapshot, q: Box<dyn Query>, exclude: &HashSet<u64>) -> Result<u64, Unusable> {
    if exclude.is_empty() {
        return Ok(0);
    }
    let ids: Vec<(Occur, Box<dyn Query>)> = exclude
        .iter()
        .map(|&id| (Occur::Should, term(snap.fields.id, id)))
        .collect();
    let both = BooleanQuery::new(vec![
        (Occur::Must, q),
        (Occur::Must, Box::new(BooleanQuery::new(ids))),
    ]);
    Ok(snap.searcher.search(&both, &Count)? as u64)
}

/// How many documents not in `exclude` pass `conds`.
pub fn count(snap: &Snapshot, conds: &[Cond], exclude: &HashSet<u64>) -> Result<u64, Unusable> {
    if conds
        .iter()
        .any(|c| matches!(c, Cond::AnyOf(_, values) if values.is_empty()))
    {
        return Ok(0);
    }
    let q = query(&snap.fields.attrs, conds, None);
    let all = snap.searcher.search(&*q, &Count)? as u64;
    Ok(all.saturating_sub(excluded(snap, q, exclude)?))
}

/// About how many documents pass `conds`, cheaply: each condition's share of the documents (an
/// equality's from its terms' document frequencies, a date range counted), multiplied as if
/// they were independent.
pub fn estimate(snap: &Snapshot, conds: &[Cond]) -> Result<u64, Unusable> {
    let a = &snap.fields.attrs;
    let docs = snap.searcher.num_docs();
    let mut share = 1.0f64;
    for c in conds {
        let n = match c {
            Cond::AnyOf(attr, values) => {
                let field = attr_field(a, *attr);
                let mut n = 0u64;
                for v in values {
                    n += snap.searcher.doc_freq(&Term::from_field_u64(field, *v))?;
                }
                n
            }
            Cond::Between(..) => snap
                .searcher
                .search(&*query(a, std::slice::from_ref(c), None), &Count)?
                as u64,
        };
        share *= (n as f64 / docs.max(1) as f64).min(1.0);
    }
    Ok((share * docs as f64) as u64)
}

/// Whether some document's number has no sort key (then `sort=number` is SQL's).
pub fn numbers_unordered(snap: &Snapshot) -> Result<bool, Unusable> {
    Ok(snap
        .searcher
        .search(&*term(snap.fields.attrs.number_key, NONE), &Count)?
        > 0)
}
