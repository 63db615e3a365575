//! Characters folded exactly as the database compares subjects in `LIKE`, and the positional
//! trigrams of the folded text.
//!
//! `query` keeps the original's meaning, `cd.subject LIKE '%text%'` under the subject column's
//! collation: case- and accent-insensitive in `utf8mb4_general_ci` (`Ä` = `a`), and there even
//! every emoji equals every other (all characters beyond the BMP weigh U+FFFD). A home-made
//! lower-casing would lose matches. So the fold is taken from the database itself when the index
//! is built (one query of 65,536 rows, kept in the index directory): every BMP character's
//! `WEIGHT_STRING` under the collation, and whether `LIKE` finds it equal to the first character of
//! its weight (its representative).
//!
//! `LIKE` compares one character with one character (`ß` does not match `ss`, unlike `=`), and
//! MariaDB's comparison is an equality of something per character, so: two characters `LIKE`
//! finds equal have the same weight, and a character that matches its representative matches
//! exactly the characters of its weight that do too. Such characters are *sure*: their class is
//! their weight. A character that does not match its representative (in `unicode_ci`: characters
//! without weight, which `LIKE` compares by code point) gets a class of its own and is not sure. Beyond
//! the BMP, three samples tell whether `LIKE` takes every character as U+FFFD (`general_ci`) or
//! compares code points (`unicode_ci`); any other answer (`_bin`, newer UCA versions: different
//! weights) gives no fold, and `query` answers through SQL.
//!
//! A subject is indexed as the trigrams of its classes (every character, at its position), so a
//! text made of sure characters matches exactly where its trigrams follow each other (a phrase);
//! a text with other characters only narrows the candidates, which SQL then checks. This module
//! must not import `ext_php_rs`, `mysql` or `tantivy`.

use std::collections::HashMap;

use crate::sql::{Param, Query, Row, Tables};

/// Characters sampled beyond the BMP.
const ASTRAL_SAMPLES: [u32; 3] = [0x1F600, 0x20000, 0x1D400];
/// Bit of a table entry: the character matches its weight's representative in `LIKE`.
const SURE: u32 = 1 << 30;
/// Bit of a table entry: the character has no weight (`=` ignores it).
const WEIGHTLESS: u32 = 1 << 29;
/// Mask of the weight class in a table entry.
const CLASS: u32 = 0x00FF_FFFF;
/// Classes of characters of their own: this plus the code point.
const OWN: u32 = 0x0002_0000;
/// Magic of the fold file (version 2: `LIKE` classes).
const MAGIC: &[u8; 8] = b"OSTFOLD2";

/// How `LIKE` compares characters beyond the BMP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Astral {
    /// All as one class (with U+FFFD when it weighs the same).
    One(u32),
    /// By code point.
    CodePoint,
}

/// Per-character classes: equal classes for characters `LIKE` compares as equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    bmp: Vec<u32>,
    astral: Astral,
    /// Weight class of characters beyond the BMP for `=` (the number).
    astral_weight: u32,
}

/// One character's class, and whether it is sure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The class (`LIKE` equality).
    pub class: u32,
    /// Equal classes are exactly the characters `LIKE` finds equal to this one.
    pub sure: bool,
}

/// What the index looks up for a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// Fewer than three characters: nothing to look up.
    None,
    /// Every character sure: the trigrams (token, offset) that cover the text; a subject holds
    /// the text exactly when they follow each other.
    Exact(Vec<(String, usize)>),
    /// Runs of at least three sure characters, each as [`Pattern::Exact`]: every subject that
    /// holds the text holds them all (candidates for SQL). Empty: no such run.
    Candidates(Vec<Vec<(String, usize)>>),
}

/// The subject column's collation.
pub fn collation_query(tables: &Tables) -> Query {
    Query::new(
        "SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
         AND TABLE_NAME = ? AND COLUMN_NAME = 'subject'",
        vec![Param::from(tables.raw("ticket__cdata"))],
    )
}

/// The collation a `LIKE` of the column against the (utf8mb4) search text runs under: the
/// column's, in its utf8mb4 form. `None` for names that are not plain identifiers or other
/// character sets.
pub fn comparison_collation(column: &str) -> Option<String> {
    if column.is_empty()
        || !column
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let rest = column
        .strip_prefix("utf8mb4_")
        .or_else(|| column.strip_prefix("utf8mb3_"))
        .or_else(|| column.strip_prefix("utf8_"))?;
    Some(format!("utf8mb4_{rest}"))
}

/// Rows `(code point, weight (hex), LIKE its representative, LIKE U+FFFD)` for every BMP
/// character under `collation` (from [`comparison_collation`]), and for the samples beyond the
/// BMP (their representative: the first sample).
pub fn weights_query(collation: &str) -> Query {
    let ch = |n: &str| format!("CONVERT(CHAR({n} USING utf32) USING utf8mb4)");
    // `!` escapes the wildcards `%` and `_` (and itself) in the one-character pattern.
    let like = |n: &str, pattern: &str| {
        format!(
            "{} COLLATE {collation} LIKE CONCAT(IF({pattern} IN (33, 37, 95), '!', ''), {}) ESCAPE '!'",
            ch(n),
            ch(pattern)
        )
    };
    let weight = |n: &str| format!("HEX(WEIGHT_STRING({} COLLATE {collation}))", ch(n));
    let astral = ASTRAL_SAMPLES
        .iter()
        .map(|n| format!("SELECT {n} AS n"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    // 16^4 numbers from four joined digit tables (a recursive CTE stops at MariaDB's
    // max_recursive_iterations, 1,000 by default).
    let hex = (0..16)
        .map(|d| format!("SELECT {d} AS d"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    Query::new(
        format!(
            "SELECT v.n, v.w, {like_rep}, 0 FROM (SELECT u.n, u.w, MIN(u.n) OVER (PARTITION BY u.w) AS r \
             FROM (SELECT c.n, {weight_c} AS w \
             FROM (SELECT a.d + 16 * b.d + 256 * e.d + 4096 * f.d AS n \
             FROM ({hex}) a, ({hex}) b, ({hex}) e, ({hex}) f) c \
             WHERE c.n NOT BETWEEN 55296 AND 57343) u) v UNION ALL \
             SELECT s.n, {weight_s}, {like_first}, {like_fffd} FROM ({astral}) s",
            like_rep = like("v.n", "v.r"),
            weight_c = weight("c.n"),
            weight_s = weight("s.n"),
            like_first = like("s.n", &ASTRAL_SAMPLES[0].to_string()),
            like_fffd = like("s.n", "65533"),
        ),
        vec![],
    )
}

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The token of three classes (six hex digits each).
fn token(a: u32, b: u32, c: u32) -> String {
    format!("{a:06x}{b:06x}{c:06x}")
}

/// The trigrams covering `keys` (at offsets 0, 3, 6, ... and the last one).
fn cover(keys: &[u32]) -> Vec<(String, usize)> {
    let n = keys.len();
    if n < 3 {
        return Vec::new();
    }
    let mut offsets: Vec<usize> = (0..=n - 3).step_by(3).collect();
    if offsets.last() != Some(&(n - 3)) {
        offsets.push(n - 3);
    }
    offsets
        .into_iter()
        .filter_map(|i| match keys.get(i..i + 3) {
            Some([a, b, c]) => Some((token(*a, *b, *c), i)),
            _ => None,
        })
        .collect()
}

impl Fold {
    /// The fold from [`weights_query`] rows; `None` when rows are missing or characters beyond
    /// the BMP compare neither as one class nor by code point.
    pub fn from_rows(rows: &[Row]) -> Option<Fold> {
        let mut bmp = vec![0u32; 0x10000];
        let mut classes: HashMap<String, u32> = HashMap::new();
        let mut class_of = |w: &str| -> u32 {
            let next = classes.len() as u32 + 1;
            *classes.entry(w.to_owned()).or_insert(next)
        };
        let mut seen = 0usize;
        let mut samples = Vec::new();
        for r in rows {
            let n = u32::try_from(r.int(0)).ok()?;
            let weight = r.opt_text(1).unwrap_or_default();
            if n <= 0xFFFF {
                let mut entry = class_of(&weight);
                if r.int(2) != 0 {
                    entry |= SURE;
                }
                if weight.is_empty() {
                    entry |= WEIGHTLESS;
                }
                *bmp.get_mut(n as usize)? = entry;
                seen += 1;
            } else {
                samples.push((class_of(&weight), r.int(2) != 0, r.int(3) != 0));
            }
        }
        if seen != 0x10000 - 2048 || samples.len() != ASTRAL_SAMPLES.len() {
            return None;
        }
        let fffd = bmp.get(0xFFFD).copied().unwrap_or(0);
        let astral = if samples.iter().all(|&(_, first, _)| first) {
            if samples.iter().all(|&(_, _, f)| f) && fffd & SURE != 0 {
                Astral::One(fffd & CLASS)
            } else if samples.iter().all(|&(_, _, f)| !f) {
                Astral::One(OWN - 1)
            } else {
                return None;
            }
        } else if samples.iter().skip(1).all(|&(_, first, f)| !first && !f) {
            Astral::CodePoint
        } else {
            return None;
        };
        let astral_weight = samples.first().map(|s| s.0)?;
        if samples.iter().any(|s| s.0 != astral_weight) {
            return None;
        }
        Some(Fold {
            bmp,
            astral,
            astral_weight,
        })
    }

    /// A fold for tests: simple lower-casing, every character sure, one class beyond the BMP.
    pub fn simple() -> Fold {
        let bmp = (0..0x10000u32)
            .map(|n| {
                char::from_u32(n)
                    .map(|c| (c.to_lowercase().next().unwrap_or(c) as u32 + 1) | SURE)
                    .unwrap_or(0)
            })
            .collect();
        Fold {
            bmp,
            astral: Astral::One(0xFFFD + 1),
            astral_weight: 0xFFFD + 1,
        }
    }

    /// The class of `c` for `LIKE`.
    pub fn key(&self, c: char) -> Key {
        let n = c as u32;
        if n > 0xFFFF {
            return match self.astral {
                Astral::One(class) => Key { class, sure: true },
                Astral::CodePoint => Key {
                    class: OWN + n,
                    sure: true,
                },
            };
        }
        let e = self.bmp.get(n as usize).copied().unwrap_or(0);
        if e & SURE != 0 {
            Key {
                class: e & CLASS,
                sure: true,
            }
        } else {
            Key {
                class: OWN + n,
                sure: false,
            }
        }
    }

    /// The positional trigram tokens of a subject: `(token, position)` for every three
    /// characters in a row.
    pub fn trigrams(&self, text: &str) -> Vec<(String, usize)> {
        let keys: Vec<u32> = text.chars().map(|c| self.key(c).class).collect();
        keys.windows(3)
            .enumerate()
            .filter_map(|(i, w)| match w {
                [a, b, c] => Some((token(*a, *b, *c), i)),
                _ => None,
            })
            .collect()
    }

    /// What to look up for a `query` text.
    pub fn pattern(&self, text: &str) -> Pattern {
        let keys: Vec<Key> = text.chars().map(|c| self.key(c)).collect();
        if keys.len() < 3 {
            return Pattern::None;
        }
        if keys.iter().all(|k| k.sure) {
            let classes: Vec<u32> = keys.iter().map(|k| k.class).collect();
            return Pattern::Exact(cover(&classes));
        }
        Pattern::Candidates(
            keys.split(|k| !k.sure)
                .filter(|run| run.len() >= 3)
                .map(|run| cover(&run.iter().map(|k| k.class).collect::<Vec<_>>()))
                .collect(),
        )
    }

    /// One hash of the whole text by weight (trailing spaces and weightless characters
    /// ignored, as `=` does), for the ticket number.
    pub fn exact(&self, text: &str) -> u64 {
        text.trim_end_matches(' ')
            .chars()
            .filter_map(|c| {
                let n = c as u32;
                if n > 0xFFFF {
                    return Some(self.astral_weight);
                }
                let e = self.bmp.get(n as usize).copied().unwrap_or(0);
                (e & WEIGHTLESS == 0).then_some(e & CLASS)
            })
            .fold(0x5bd1_e995u64, |h, k| mix(h ^ u64::from(k)))
    }

    /// The fold as bytes (kept in the index directory).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MAGIC.len() + 4 * (self.bmp.len() + 2));
        out.extend_from_slice(MAGIC);
        let astral = match self.astral {
            Astral::One(class) => class,
            Astral::CodePoint => u32::MAX,
        };
        out.extend_from_slice(&astral.to_le_bytes());
        out.extend_from_slice(&self.astral_weight.to_le_bytes());
        for k in &self.bmp {
            out.extend_from_slice(&k.to_le_bytes());
        }
        out
    }

    /// A fold from [`Fold::to_bytes`] (`None` for another format, e.g. an older index's).
    pub fn from_bytes(bytes: &[u8]) -> Option<Fold> {
        let rest = bytes.strip_prefix(MAGIC)?;
        if rest.len() != 4 * (0x10000 + 2) {
            return None;
        }
        let mut words = rest
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(<[u8; 4]>::try_from(c).unwrap_or_default()));
        let astral = match words.next()? {
            u32::MAX => Astral::CodePoint,
            class => Astral::One(class),
        };
        let astral_weight = words.next()?;
        Some(Fold {
            bmp: words.collect(),
            astral,
            astral_weight,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::sql::Value;

    #[test]
    fn collations_map_to_their_utf8mb4_form() {
        assert_eq!(
            comparison_collation("utf8mb3_general_ci").as_deref(),
            Some("utf8mb4_general_ci")
        );
        assert_eq!(
            comparison_collation("utf8_unicode_ci").as_deref(),
            Some("utf8mb4_unicode_ci")
        );
        assert_eq!(comparison_collation("latin1_swedish_ci"), None);
        assert_eq!(comparison_collation("utf8mb4_x; DROP"), None);
    }

    /// Rows as [`weights_query`] gives them for `weight(n)`, `like_rep(n)` for BMP characters
    /// and `astral(n) = (LIKE first sample, LIKE U+FFFD)`.
    fn rows(
        weight: impl Fn(u32) -> String,
        like_rep: impl Fn(u32) -> bool,
        astral: impl Fn(u32) -> (bool, bool),
    ) -> Vec<Row> {
        let cols: Arc<[String]> = vec!["n", "w", "r", "f"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
            .into();
        let row = |n: u32, w: String, r: bool, f: bool| {
            Row::new(
                cols.clone(),
                vec![
                    Value::Int(i64::from(n)),
                    Value::Bytes(w.into_bytes()),
                    Value::Int(i64::from(r)),
                    Value::Int(i64::from(f)),
                ],
            )
        };
        (0..0x10000u32)
            .filter(|n| !(0xD800..=0xDFFF).contains(n))
            .map(|n| row(n, weight(n), like_rep(n), false))
            .chain(ASTRAL_SAMPLES.iter().map(|&n| {
                let (r, f) = astral(n);
                row(n, "FFFD".into(), r, f)
            }))
            .collect()
    }

    /// A general_ci-like collation: upper case, 'ä' weighs as 'A', everything beyond the BMP
    /// weighs U+FFFD; U+200B has no weight and `LIKE` compares it by code point.
    fn general() -> Fold {
        Fold::from_rows(&rows(
            |n| match n {
                0xE4 | 0xC4 => "0041".into(),
                0x200B | 0x200C => String::new(),
                n => {
                    let c = char::from_u32(n).unwrap_or(' ');
                    format!("{:04X}", c.to_uppercase().next().unwrap_or(c) as u32)
                }
            },
            |n| n != 0x200C,
            |_| (true, true),
        ))
        .unwrap()
    }

    #[test]
    fn equal_weights_give_equal_trigrams_and_unsure_characters_stand_alone() {
        let fold = general();
        assert_eq!(fold.trigrams("Bär"), fold.trigrams("bar"));
        assert_ne!(fold.trigrams("bar"), fold.trigrams("bor"));
        assert_eq!(
            fold.trigrams("x😀y"),
            fold.trigrams("x🎉Y"),
            "astral chars are one class"
        );
        assert_eq!(fold.trigrams("x😀y"), fold.trigrams("x\u{FFFD}y"));
        assert_eq!(
            fold.trigrams("日本語です").len(),
            3,
            "characters, not bytes"
        );
        // Every character keeps its place: no match across a character `LIKE` sees.
        assert_ne!(fold.trigrams("ba\u{200C}r"), fold.trigrams("bar"));
        assert!(fold.key('\u{200B}').sure);
        assert!(!fold.key('\u{200C}').sure);
        assert_eq!(fold.pattern("ab"), Pattern::None);
        assert!(matches!(fold.pattern("BÄR"), Pattern::Exact(t) if t.len() == 1));
        assert_eq!(
            fold.pattern("abcd\u{200C}xy"),
            Pattern::Candidates(vec![cover(&[
                fold.key('a').class,
                fold.key('b').class,
                fold.key('c').class,
                fold.key('d').class
            ])])
        );
        assert_eq!(fold.exact("ÄB-12 "), fold.exact("ab-12"));
        assert_eq!(
            fold.exact("a\u{200B}b"),
            fold.exact("ab"),
            "= ignores weightless"
        );
        assert_ne!(fold.exact("ab-12"), fold.exact("ab-13"));
        assert_eq!(Fold::from_bytes(&fold.to_bytes()), Some(fold.clone()));
        assert_eq!(Fold::from_bytes(&[0u8; 4 * 0x10001]), None, "older format");
    }

    #[test]
    fn astral_characters_by_code_point_or_refused() {
        let w = |n: u32| format!("{n:04X}");
        let uca = Fold::from_rows(&rows(w, |_| true, |n| (n == ASTRAL_SAMPLES[0], false))).unwrap();
        assert_ne!(uca.trigrams("x😀y"), uca.trigrams("x🎉y"));
        assert!(uca.key('😀').sure);
        let mixed = |n: u32| (n != ASTRAL_SAMPLES[2], false);
        assert!(Fold::from_rows(&rows(w, |_| true, mixed)).is_none());
    }

    #[test]
    fn the_cover_spans_every_character() {
        let keys: Vec<u32> = (1..=8).collect();
        let offsets: Vec<usize> = cover(&keys).into_iter().map(|(_, o)| o).collect();
        assert_eq!(offsets, vec![0, 3, 5]);
        assert_eq!(cover(&keys[..3]).len(), 1);
        assert!(cover(&keys[..2]).is_empty());
    }

    #[test]
    fn pattern_trigrams_are_among_the_subject_trigrams() {
        let fold = Fold::simple();
        let text = fold.trigrams("Drucker im 3. Stock — ✓ Straße 東京 🎉🎉");
        for q in ["DRUCKER", "straße", "東京 🎉", "Stock — ✓"] {
            let Pattern::Exact(grams) = fold.pattern(q) else {
                panic!("{q}")
            };
            assert!(
                grams.iter().all(|(g, _)| text.iter().any(|(t, _)| t == g)),
                "{q}"
            );
        }
    }
}
