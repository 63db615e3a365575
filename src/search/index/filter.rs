//! Filtered, sorted searches on the index: the tickets whose attributes ([`super::attrs`]) pass
//! every condition, counted, and the first `k` of them in the search's order (`created`,
//! `updated` or the number, ties by ticket id, as the SQL `ORDER BY`), read from the fast
//! columns without touching the database. The caller checks those ids in SQL.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

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

fn query(a: &Attrs, conds: &[Cond]) -> Box<dyn Query> {
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
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

/// A rank where larger is better: `(key, id)` for descending order, negated for ascending.
type Rank = (i128, i128);

struct Top {
    attrs: Attrs,
    key: Key,
    ascending: bool,
    k: usize,
    exclude: Arc<HashSet<u64>>,
}

struct SegmentTop {
    ids: Column<u64>,
    dates: Option<Column<i64>>,
    numbers: Option<Column<u64>>,
    ascending: bool,
    k: usize,
    exclude: Arc<HashSet<u64>>,
    heap: BinaryHeap<Reverse<(Rank, u64)>>,
    count: u64,
}

impl Collector for Top {
    type Fruit = (Vec<(Rank, u64)>, u64);
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
            k: self.k,
            exclude: Arc::clone(&self.exclude),
            heap: BinaryHeap::with_capacity(self.k.saturating_add(1).min(1 << 16)),
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(Vec<(Rank, u64)>, u64)>) -> tantivy::Result<Self::Fruit> {
        let count = fruits.iter().map(|(_, c)| c).sum();
        let mut all: Vec<(Rank, u64)> = fruits.into_iter().flat_map(|(v, _)| v).collect();
        all.sort_unstable_by(|a, b| b.cmp(a));
        all.truncate(self.k);
        Ok((all, count))
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = (Vec<(Rank, u64)>, u64);

    fn collect(&mut self, doc: DocId, _score: Score) {
        let Some(id) = self.ids.first(doc) else {
            return;
        };
        if self.exclude.contains(&id) {
            return;
        }
        self.count += 1;
        if self.k == 0 {
            return;
        }
        let key = match (&self.dates, &self.numbers) {
            (Some(d), _) => i128::from(d.first(doc).unwrap_or(i64::MIN)),
            (None, Some(n)) => i128::from(n.first(doc).unwrap_or(NONE)),
            (None, None) => 0,
        };
        let rank = if self.ascending {
            (-key, -i128::from(id))
        } else {
            (key, i128::from(id))
        };
        if self.heap.len() < self.k {
            self.heap.push(Reverse((rank, id)));
        } else if self
            .heap
            .peek()
            .is_some_and(|Reverse(worst)| rank > worst.0)
        {
            self.heap.pop();
            self.heap.push(Reverse((rank, id)));
        }
    }

    fn harvest(self) -> Self::Fruit {
        (
            self.heap.into_iter().map(|Reverse(e)| e).collect(),
            self.count,
        )
    }
}

/// The first `k` ticket ids in the order (`key`, `ascending`) among the documents that pass
/// `conds` and are not in `exclude`, and how many such documents there are.
pub fn top(
    snap: &Snapshot,
    conds: &[Cond],
    key: Key,
    ascending: bool,
    k: usize,
    exclude: HashSet<u64>,
) -> Result<(Vec<i64>, u64), Unusable> {
    if conds
        .iter()
        .any(|c| matches!(c, Cond::AnyOf(_, values) if values.is_empty()))
    {
        return Ok((Vec::new(), 0));
    }
    let q = query(&snap.fields.attrs, conds);
    let (best, count) = snap.searcher.search(
        &q,
        &Top {
            attrs: snap.fields.attrs,
            key,
            ascending,
            k,
            exclude: Arc::new(exclude),
        },
    )?;
    Ok((
        best.into_iter()
            .filter_map(|(_, id)| i64::try_from(id).ok())
            .collect(),
        count,
    ))
}

/// Whether some document's number has no sort key (then `sort=number` is SQL's).
pub fn numbers_unordered(snap: &Snapshot) -> Result<bool, Unusable> {
    Ok(snap
        .searcher
        .search(&*term(snap.fields.attrs.number_key, NONE), &Count)?
        > 0)
}
