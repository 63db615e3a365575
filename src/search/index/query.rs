//! Reading the index: candidate tickets for `query` (every subject holding all trigrams of the
//! folded text, a superset of the `LIKE` matches that SQL then verifies) and ranked hits for
//! `mode=fulltext` (words, `"phrases"` and `prefix*`, every one required, BM25 over subject, thread
//! entries and user name, e-mail and ticket number).

use std::collections::HashMap;

use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::schema::query_analyzer;
use super::{Snapshot, Unusable};

/// Ticket ids of matching documents (at most `cap`), and how many documents match.
struct Ids {
    cap: usize,
}

struct SegmentIds {
    column: Column<u64>,
    ids: Vec<u64>,
    count: u64,
    cap: usize,
}

impl Collector for Ids {
    type Fruit = (Vec<u64>, u64);
    type Child = SegmentIds;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentIds> {
        Ok(SegmentIds {
            column: segment.fast_fields().u64("id")?,
            ids: Vec::new(),
            count: 0,
            cap: self.cap,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(Vec<u64>, u64)>) -> tantivy::Result<(Vec<u64>, u64)> {
        let count = fruits.iter().map(|(_, c)| c).sum();
        let mut ids: Vec<u64> = fruits.into_iter().flat_map(|(ids, _)| ids).collect();
        ids.truncate(self.cap);
        Ok((ids, count))
    }
}

impl SegmentCollector for SegmentIds {
    type Fruit = (Vec<u64>, u64);

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.count += 1;
        if self.ids.len() < self.cap {
            if let Some(id) = self.column.first(doc) {
                self.ids.push(id);
            }
        }
    }

    fn harvest(self) -> (Vec<u64>, u64) {
        (self.ids, self.count)
    }
}

/// Candidates of a subject search: `None` when the text has no trigram (fewer than three
/// characters with weight) or the index has no fold; else the ids (at most `cap`) and the
/// number of matching documents (a ticket changed since the build may count twice until the
/// deleted document is merged away).
pub fn substring(
    snap: &Snapshot,
    text: &str,
    cap: usize,
) -> Result<Option<(Vec<i64>, u64)>, Unusable> {
    let Some(fold) = snap.fold.as_deref() else {
        return Ok(None);
    };
    let grams = fold.grams(text);
    if grams.is_empty() {
        return Ok(None);
    }
    let term = |field: Field, v: u64| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_u64(field, v),
            IndexRecordOption::Basic,
        ))
    };
    let subject: Box<dyn Query> = Box::new(BooleanQuery::new(
        grams
            .iter()
            .map(|&g| (Occur::Must, term(snap.fields.grams, g)))
            .collect(),
    ));
    let q = BooleanQuery::new(vec![
        (Occur::Should, subject),
        (Occur::Should, term(snap.fields.number, fold.exact(text))),
    ]);
    let (ids, count) = snap.searcher.search(&q, &Ids { cap })?;
    Ok(Some((
        ids.into_iter()
            .filter_map(|i| i64::try_from(i).ok())
            .collect(),
        count,
    )))
}

/// A part of a full-text search: its terms at their positions (a word of CJK or Thai text is
/// the phrase of its bigrams), and whether the last term is a prefix.
pub type Part = (Vec<(usize, String)>, bool);

/// The parts of a full-text search: words and phrases (`"..."`), the last word of a part ending
/// in `*` taken as a prefix.
pub fn parts(text: &str) -> Vec<Part> {
    fn push(out: &mut Vec<Part>, chunk: &str) {
        let mut terms = Vec::new();
        let mut analyzer = query_analyzer();
        let mut stream = analyzer.token_stream(chunk);
        while let Some(t) = stream.next() {
            terms.push((t.position, t.text.clone()));
        }
        if !terms.is_empty() {
            out.push((terms, chunk.trim_end().ends_with('*')));
        }
    }
    let mut out = Vec::new();
    for (i, piece) in text.split('"').enumerate() {
        if i % 2 == 1 {
            push(&mut out, piece);
            continue;
        }
        let mut rest = piece;
        // A phrase's closing `*` makes its last word a prefix.
        if let Some(after) = rest.strip_prefix('*').filter(|_| i > 0) {
            if let Some((_, prefix)) = out.last_mut() {
                *prefix = true;
            }
            rest = after;
        }
        for word in rest.split_whitespace() {
            push(&mut out, word);
        }
    }
    out
}

fn part_query(field: Field, terms: &[(usize, String)], prefix: bool) -> Option<Box<dyn Query>> {
    let terms: Vec<(usize, Term)> = terms
        .iter()
        .map(|(p, w)| (*p, Term::from_field_text(field, w)))
        .collect();
    Some(match (terms.len(), prefix) {
        (0, _) => return None,
        (_, true) => Box::new(PhrasePrefixQuery::new_with_offset(terms)),
        (1, false) => Box::new(TermQuery::new(
            terms.into_iter().next()?.1,
            IndexRecordOption::WithFreqs,
        )),
        _ => Box::new(PhraseQuery::new_with_offset(terms)),
    })
}

/// Full-text hits, best first: at most `cap` `(ticket id, score)` and the number of matches.
pub fn fulltext(
    snap: &Snapshot,
    text: &str,
    cap: usize,
) -> Result<(Vec<(i64, Score)>, u64), Unusable> {
    let parts = parts(text);
    if parts.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let f = snap.fields;
    let q = BooleanQuery::new(
        parts
            .iter()
            .map(|(terms, prefix)| {
                let any: Vec<(Occur, Box<dyn Query>)> = [f.subject, f.body, f.people]
                    .iter()
                    .filter_map(|&field| part_query(field, terms, *prefix))
                    .map(|q| (Occur::Should, q))
                    .collect();
                let q: Box<dyn Query> = Box::new(BooleanQuery::new(any));
                (Occur::Must, q)
            })
            .collect(),
    );
    let (top, count) = snap
        .searcher
        .search(&q, &(TopDocs::with_limit(cap.max(1)), Count))?;
    let mut columns: HashMap<SegmentOrdinal, Column<u64>> = HashMap::new();
    let mut hits = Vec::with_capacity(top.len());
    for (score, addr) in top {
        if let std::collections::hash_map::Entry::Vacant(e) = columns.entry(addr.segment_ord) {
            e.insert(
                snap.searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .u64("id")?,
            );
        }
        if let Some(id) = columns
            .get(&addr.segment_ord)
            .and_then(|c| c.first(addr.doc_id))
            .and_then(|i| i64::try_from(i).ok())
        {
            hits.push((id, score));
        }
    }
    Ok((hits, count as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_words_phrases_and_prefixes() {
        let w = |v: &[&str]| {
            v.iter()
                .enumerate()
                .map(|(i, s)| (i, s.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            parts("Drucker \"paper JAM\" prin* Müller"),
            vec![
                (w(&["drucker"]), false),
                (w(&["paper", "jam"]), false),
                (w(&["prin"]), true),
                (w(&["muller"]), false),
            ]
        );
        assert_eq!(
            parts("\"big bad wo\"*"),
            vec![(w(&["big", "bad", "wo"]), true)]
        );
        assert_eq!(parts("e-mail"), vec![(w(&["e", "mail"]), false)]);
        assert!(parts("  \"\" * !!").is_empty());
        assert_eq!(parts("東京 😀"), vec![(w(&["東京"]), false)]);
    }

    #[test]
    fn cjk_words_are_phrases_of_bigrams() {
        let t = |v: &[(usize, &str)]| {
            v.iter()
                .map(|(p, s)| (*p, s.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            parts("東京都 猫 서울* \"東京 tower\""),
            vec![
                (t(&[(0, "東京"), (1, "京都")]), false),
                (t(&[(0, "猫")]), false),
                (t(&[(0, "서울")]), true),
                (t(&[(0, "東京"), (2, "tower")]), false),
            ]
        );
    }
}
