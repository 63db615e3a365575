//! Characters folded exactly as the database compares subjects, and the trigrams of the folded text.
//!
//! `query` keeps the original's meaning, `cd.subject LIKE '%text%'` under the subject column's
//! collation: case- and accent-insensitive in `utf8mb4_general_ci` (`Ä` = `a`), and there even
//! every emoji equals every other (all characters beyond the BMP weigh U+FFFD). A home-made
//! lower-casing would lose matches. So the fold is taken from the database itself: the collation's
//! `WEIGHT_STRING` of every BMP character (one query of 65,536 rows when the index is built, kept
//! in the index directory). Two characters LIKE compares as equal have the same weight, hence the
//! same key, hence the same trigrams: the index never loses a match. Characters without weight
//! (ignorable) are dropped on both sides. This holds for `general_ci` and MariaDB's `unicode_ci`
//! (both weigh every character beyond the BMP as U+FFFD; tested against SQL on generated data);
//! collations where those characters weigh differently (`_bin`, newer UCA versions) are not
//! folded: there `query` answers through SQL. This module must not import `ext_php_rs`, `mysql` or `tantivy`.

use crate::sql::{Param, Query, Row, Tables};

/// Characters sampled beyond the BMP: they must all weigh the same.
const ASTRAL_SAMPLES: [u32; 3] = [0x1F600, 0x20000, 0x1D400];

/// Per-character keys: equal keys for characters the collation compares as equal; 0 = ignorable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    bmp: Vec<u32>,
    astral: u32,
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

/// Every BMP character's weight (hex) under `collation` (from [`comparison_collation`]), and
/// the samples beyond the BMP.
pub fn weights_query(collation: &str) -> Query {
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
            "SELECT c.n, HEX(WEIGHT_STRING(CONVERT(CHAR(c.n USING utf32) USING utf8mb4) COLLATE {collation})) \
             FROM (SELECT a.d + 16 * b.d + 256 * e.d + 4096 * f.d AS n \
             FROM ({hex}) a, ({hex}) b, ({hex}) e, ({hex}) f) c \
             WHERE c.n NOT BETWEEN 55296 AND 57343 UNION ALL \
             SELECT s.n, HEX(WEIGHT_STRING(CONVERT(CHAR(s.n USING utf32) USING utf8mb4) COLLATE {collation})) \
             FROM ({astral}) s"
        ),
        vec![],
    )
}

/// FNV-1a of a weight; 0 only for an empty weight.
fn key_of(weight: &str) -> u32 {
    if weight.is_empty() {
        return 0;
    }
    let mut h: u32 = 0x811c_9dc5;
    for b in weight.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h.max(1)
}

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Fold {
    /// The fold from [`weights_query`] rows; `None` when characters beyond the BMP weigh
    /// differently or rows are missing.
    pub fn from_rows(rows: &[Row]) -> Option<Fold> {
        let mut bmp = vec![0u32; 0x10000];
        let mut astral: Option<u32> = None;
        let mut seen = 0usize;
        for r in rows {
            let n = u32::try_from(r.int(0)).ok()?;
            let key = key_of(&r.opt_text(1).unwrap_or_default());
            if n <= 0xFFFF {
                *bmp.get_mut(n as usize)? = key;
                seen += 1;
            } else {
                match astral {
                    None => astral = Some(key),
                    Some(k) if k == key => {}
                    Some(_) => return None,
                }
            }
        }
        let astral = astral?;
        (seen == 0x10000 - 2048 && astral != 0).then_some(Fold { bmp, astral })
    }

    /// A fold for tests and for text compared case-insensitively by simple lower-casing.
    pub fn simple() -> Fold {
        let bmp = (0..0x10000u32)
            .map(|n| {
                char::from_u32(n)
                    .map(|c| c.to_lowercase().next().unwrap_or(c) as u32 + 1)
                    .unwrap_or(0)
            })
            .collect();
        Fold {
            bmp,
            astral: 0xFFFD + 1,
        }
    }

    fn key(&self, c: char) -> u32 {
        let n = c as u32;
        if n > 0xFFFF {
            self.astral
        } else {
            self.bmp.get(n as usize).copied().unwrap_or(0)
        }
    }

    /// The distinct trigram hashes of `text`'s folded characters (ignorables dropped), sorted.
    pub fn grams(&self, text: &str) -> Vec<u64> {
        let keys: Vec<u32> = text
            .chars()
            .map(|c| self.key(c))
            .filter(|&k| k != 0)
            .collect();
        let mut grams: Vec<u64> = keys
            .windows(3)
            .map(|w| match w {
                [a, b, c] => mix((u64::from(*a) << 32 | u64::from(*b)) ^ mix(u64::from(*c))),
                _ => 0,
            })
            .collect();
        grams.sort_unstable();
        grams.dedup();
        grams
    }

    /// One hash of the whole folded text (trailing spaces ignored, as `=` does), for the
    /// ticket number.
    pub fn exact(&self, text: &str) -> u64 {
        text.trim_end_matches(' ')
            .chars()
            .map(|c| self.key(c))
            .filter(|&k| k != 0)
            .fold(0x5bd1_e995u64, |h, k| mix(h ^ u64::from(k)))
    }

    /// The fold as bytes (kept in the index directory).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 * (self.bmp.len() + 1));
        out.extend_from_slice(&self.astral.to_le_bytes());
        for k in &self.bmp {
            out.extend_from_slice(&k.to_le_bytes());
        }
        out
    }

    /// A fold from [`Fold::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Option<Fold> {
        if bytes.len() != 4 * (0x10000 + 1) {
            return None;
        }
        let mut words = bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(<[u8; 4]>::try_from(c).unwrap_or_default()));
        let astral = words.next()?;
        Some(Fold {
            bmp: words.collect(),
            astral,
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

    fn rows(weights: impl Fn(u32) -> String) -> Vec<Row> {
        let cols: Arc<[String]> = vec!["n".to_string(), "w".to_string()].into();
        (0..0x10000u32)
            .filter(|n| !(0xD800..=0xDFFF).contains(n))
            .chain(ASTRAL_SAMPLES)
            .map(|n| {
                Row::new(
                    cols.clone(),
                    vec![
                        Value::Int(i64::from(n)),
                        Value::Bytes(weights(n).into_bytes()),
                    ],
                )
            })
            .collect()
    }

    #[test]
    fn equal_weights_give_equal_grams_and_ignorables_vanish() {
        // A general_ci-like collation: upper case, 'ä' weighs as 'A', U+200B weighs nothing,
        // everything beyond the BMP weighs U+FFFD.
        let fold = Fold::from_rows(&rows(|n| match n {
            0xE4 | 0xC4 => "0041".into(),
            0x200B => String::new(),
            n if n > 0xFFFF => "FFFD".into(),
            n => {
                let c = char::from_u32(n).unwrap_or(' ');
                format!("{:04X}", c.to_uppercase().next().unwrap_or(c) as u32)
            }
        }))
        .unwrap();
        assert_eq!(fold.grams("Bär"), fold.grams("bar"));
        assert_eq!(fold.grams("BÄR"), fold.grams("ba\u{200B}r"));
        assert_eq!(
            fold.grams("x😀y"),
            fold.grams("x🎉Y"),
            "astral chars are one class"
        );
        assert_ne!(fold.grams("bar"), fold.grams("bor"));
        assert!(fold.grams("ab").is_empty());
        assert_eq!(fold.exact("ÄB-12 "), fold.exact("ab-12"));
        assert_ne!(fold.exact("ab-12"), fold.exact("ab-13"));
        assert_eq!(fold.grams("日本語です").len(), 3, "characters, not bytes");
        assert_eq!(Fold::from_bytes(&fold.to_bytes()), Some(fold));
    }

    #[test]
    fn differing_astral_weights_are_refused() {
        assert!(Fold::from_rows(&rows(|n| format!("{n:06X}"))).is_none());
    }

    #[test]
    fn query_grams_are_a_subset_of_the_text_grams() {
        let fold = Fold::simple();
        let text = fold.grams("Drucker im 3. Stock — ✓ Straße 東京 🎉🎉");
        for q in ["DRUCKER", "straße", "東京 🎉", "Stock — ✓"] {
            assert!(
                fold.grams(q).iter().all(|g| text.binary_search(g).is_ok()),
                "{q}"
            );
        }
    }
}
