//! Reading the index: the tickets for `query` (the subjects whose folded trigrams hold the text
//! at consecutive positions, exact when every character of the text is sure, else candidates
//! that SQL checks; numbers are always checked by SQL) and ranked hits for
//! `mode=fulltext` (words, `"phrases"` and `prefix*`, every one required, BM25 over subject, thread
//! entries and user name, e-mail and ticket number).

use std::collections::HashMap;

use tantivy::collector::{Count, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{
    BooleanQuery, EnableScoring, Occur, PhrasePrefixQuery, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::{DocSet, Score, SegmentOrdinal, TERMINATED};

use super::fold::Pattern;
use super::schema::query_analyzer;
use super::{Snapshot, Unusable};

/// A matching document: its ticket and dates ([`super::schema`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Ticket id.
    pub id: i64,
    /// Creation date (seconds, [`super::attrs::seconds`]).
    pub created: i64,
    /// Last update.
    pub updated: i64,
}

/// What the index knows about a subject search.
#[derive(Debug)]
pub struct Found {
    /// Tickets whose indexed subject holds the text (`exact`), else candidates for SQL; at most
    /// the cap, in no particular order.
    pub subject: Vec<Hit>,
    /// Documents matching `subject`'s query, counted up to the cap plus one.
    pub matches: u64,
    /// Whether `subject` is exact: every character of the text is sure ([`fold::Pattern`]).
    pub exact: bool,
    /// Tickets whose folded number hashes as the text (SQL checks them).
    pub number: Vec<i64>,
    /// The subject query, when it is exact (for the filter columns to join).
    pub query: Option<Box<dyn Query>>,
}

fn phrase(field: Field, grams: &[(String, usize)]) -> Option<Box<dyn Query>> {
    let mut terms: Vec<(usize, Term)> = grams
        .iter()
        .map(|(g, offset)| (*offset, Term::from_field_text(field, g)))
        .collect();
    Some(if terms.len() > 1 {
        Box::new(PhraseQuery::new_with_offset(terms))
    } else {
        Box::new(TermQuery::new(terms.pop()?.1, IndexRecordOption::Basic))
    })
}

/// The documents matching `q`, at most `cap`; the count is `cap + 1` when more match (the
/// search stops there: a dense text costs what its cap costs, not what its matches cost).
fn hits(snap: &Snapshot, q: &dyn Query, cap: usize) -> Result<(Vec<Hit>, u64), Unusable> {
    let weight = q.weight(EnableScoring::disabled_from_searcher(&snap.searcher))?;
    let mut hits = Vec::new();
    for segment in snap.searcher.segment_readers() {
        let ff = segment.fast_fields();
        let schema = segment.schema();
        let (id, created, updated) = (
            ff.u64("id")?,
            ff.i64(schema.get_field_name(snap.fields.attrs.created))?,
            ff.i64(schema.get_field_name(snap.fields.attrs.updated))?,
        );
        let alive = segment.alive_bitset();
        let mut scorer = weight.scorer(segment, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                if hits.len() == cap {
                    return Ok((hits, cap as u64 + 1));
                }
                if let Some(i) = id.first(doc).and_then(|i| i64::try_from(i).ok()) {
                    hits.push(Hit {
                        id: i,
                        created: created.first(doc).unwrap_or(i64::MIN),
                        updated: updated.first(doc).unwrap_or(i64::MIN),
                    });
                }
            }
            doc = scorer.advance();
        }
    }
    let n = hits.len() as u64;
    Ok((hits, n))
}

/// A subject search on the index: `None` when the index cannot narrow it (no fold, fewer
/// than three characters, no run of three sure characters).
pub fn substring(snap: &Snapshot, text: &str, cap: usize) -> Result<Option<Found>, Unusable> {
    let Some(fold) = snap.fold.as_deref() else {
        return Ok(None);
    };
    let field = snap.fields.grams;
    let (q, exact): (Box<dyn Query>, bool) = match fold.pattern(text) {
        Pattern::None => return Ok(None),
        Pattern::Exact(grams) => match phrase(field, &grams) {
            Some(q) => (q, true),
            None => return Ok(None),
        },
        Pattern::Candidates(runs) => {
            let all: Vec<(Occur, Box<dyn Query>)> = runs
                .iter()
                .filter_map(|run| phrase(field, run))
                .map(|q| (Occur::Must, q))
                .collect();
            if all.is_empty() {
                return Ok(None);
            }
            (Box::new(BooleanQuery::new(all)), false)
        }
    };
    let (subject, matches) = hits(snap, q.as_ref(), cap)?;
    let number = TermQuery::new(
        Term::from_field_u64(snap.fields.number, fold.exact(text)),
        IndexRecordOption::Basic,
    );
    let number = hits(snap, &number, cap)?.0.iter().map(|h| h.id).collect();
    Ok(Some(Found {
        subject,
        matches,
        exact,
        number,
        query: exact.then_some(q),
    }))
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
    let Some(q) = fulltext_query(snap, text) else {
        return Ok((Vec::new(), 0));
    };
    let (top, count) = snap
        .searcher
        .search(&*q, &(TopDocs::with_limit(cap.max(1)), Count))?;
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

/// The query of a full-text search (`None`: the text has no word).
pub fn fulltext_query(snap: &Snapshot, text: &str) -> Option<Box<dyn Query>> {
    let parts = parts(text);
    if parts.is_empty() {
        return None;
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
    Some(Box::new(q))
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
