//! The full-text tokenizer: words of alphabetic scripts, and overlapping character bigrams of
//! the scripts written without spaces between words (Han, Hiragana, Katakana, Hangul, Bopomofo,
//! Thai, Lao, Khmer, Myanmar), without a dictionary (Lucene's `CJKAnalyzer` approach).
//!
//! * A word is a run of letters and digits (`char::is_alphanumeric`) of the other scripts, as
//!   tantivy's `SimpleTokenizer` splits; everything else separates words (and is not indexed:
//!   punctuation, symbols, emoji).
//! * Combining marks belong to the character before them (`e` + U+0301 is one character with
//!   `é`), so they never split a word; each word is normalised to NFC and each run of the bigram
//!   scripts to NFKC, so decomposed and precomposed text (`Mu\u{308}ller`, `か\u{3099}`,
//!   conjoining Hangul jamo) give the same tokens, and so do half-width and full-width katakana
//!   (`ﾌﾟﾘﾝﾀｰ` is `プリンター`, as Lucene's `CJKWidthFilter` folds; full-width Latin letters are
//!   folded by the analyser's ASCII folding). Variation selectors are dropped (`葛\u{E0100}` is
//!   `葛`).
//! * A run of `n` characters of the bigram scripts gives the bigrams `c0c1`, `c1c2`, ... at
//!   positions `p`, `p+1`, ... and, in the index ([`Mode::Index`]), every single character at its
//!   own position too, so that a one-character query finds it inside a longer run. A query
//!   ([`Mode::Query`]) takes only the bigrams of a run (one character alone: itself); the next
//!   token is at `p+n` in both modes. A query word of two or more such characters is then a
//!   phrase of its bigrams at their positions, found wherever the text holds those characters in
//!   a row (`東京` in `東京都に住んでいます`).
//!
//! Offsets are byte offsets into the text on character boundaries: a word's, or a run
//! character's own; where NFC changed a run, every token of it spans the whole run. This module
//! must not import `ext_php_rs` or `mysql`.

use std::borrow::Cow;

use icu_normalizer::{ComposingNormalizer, ComposingNormalizerBorrowed};
use icu_properties::props::{GeneralCategory, GeneralCategoryGroup, Script};
use icu_properties::script::{ScriptWithExtensions, ScriptWithExtensionsBorrowed};
use icu_properties::{CodePointMapData, CodePointMapDataBorrowed};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Scripts written without spaces between words: tokenised as bigrams.
const BIGRAM_SCRIPTS: [Script; 9] = [
    Script::Han,
    Script::Hiragana,
    Script::Katakana,
    Script::Hangul,
    Script::Bopomofo,
    Script::Thai,
    Script::Lao,
    Script::Khmer,
    Script::Myanmar,
];

/// Whether single characters of bigram runs are tokens too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Indexing: bigrams and every single character.
    Index,
    /// Searching: bigrams only (a run of one character: the character).
    Query,
}

/// The tokenizer (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct WordTokenizer {
    mode: Mode,
}

impl WordTokenizer {
    /// A tokenizer for indexing or for queries.
    pub fn new(mode: Mode) -> WordTokenizer {
        WordTokenizer { mode }
    }
}

/// The tokens of one text, found as they are read.
pub struct WordStream<'a> {
    text: &'a str,
    /// Where the next run is looked for.
    cursor: usize,
    /// Position of the next run's first token.
    position: usize,
    mode: Mode,
    tables: Tables,
    /// The bigram run being emitted.
    pending: Option<Pending<'a>>,
    current: Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        WordStream {
            text,
            cursor: 0,
            position: 0,
            mode: self.mode,
            tables: Tables::new(),
            pending: None,
            current: Token::default(),
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some(p) = self.pending.as_mut() {
                if p.next(self.mode, &mut self.current) {
                    return true;
                }
                self.pending = None;
            }
            let Some(run) = self.scan() else {
                return false;
            };
            let raw = run.text(self.text);
            if run.bigram {
                self.pending = Some(Pending::new(&self.tables, run, raw, self.position));
                self.position += self.pending.as_ref().map_or(0, |p| p.units.len());
                continue;
            }
            let t = &mut self.current;
            t.text.clear();
            if raw.is_ascii() {
                t.text.push_str(&raw);
            } else {
                t.text.push_str(&self.tables.nfc.normalize(&raw));
            }
            t.offset_from = run.from;
            t.offset_to = run.to;
            t.position = self.position;
            t.position_length = 1;
            self.position += 1;
            return true;
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

impl<'a> WordStream<'a> {
    /// The next run from the cursor on (its end: the cursor).
    fn scan(&mut self) -> Option<Run> {
        let rest = self.text.get(self.cursor..)?;
        let mut run: Option<Run> = None;
        for (i, c) in rest.char_indices() {
            let at = self.cursor + i;
            let end = at + c.len_utf8();
            let class = self.tables.class(c);
            match (class, run.as_mut()) {
                (Class::Ignored, Some(r)) => r.ignored = true,
                (Class::Ignored | Class::Mark | Class::Separator, None) => {}
                (Class::Mark, Some(r)) => {
                    r.to = end;
                    if let Some(u) = r.units.last_mut() {
                        u.1 = end;
                    }
                }
                (Class::Word, Some(r)) if !r.bigram => r.to = end,
                (Class::Bigram, Some(r)) if r.bigram => {
                    r.to = end;
                    r.units.push((at, end));
                }
                (Class::Word | Class::Bigram, Some(_)) => {
                    self.cursor = at;
                    return run;
                }
                (Class::Word | Class::Bigram, None) => {
                    let bigram = class == Class::Bigram;
                    run = Some(Run {
                        bigram,
                        from: at,
                        to: end,
                        ignored: false,
                        units: if bigram { vec![(at, end)] } else { Vec::new() },
                    });
                }
                (Class::Separator, Some(_)) => {
                    self.cursor = end;
                    return run;
                }
            }
        }
        self.cursor = self.text.len();
        run
    }
}

/// How a character takes part in a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A letter or digit of a script with spaces.
    Word,
    /// A letter or digit of a bigram script.
    Bigram,
    /// A combining mark: belongs to the character before.
    Mark,
    /// Not part of any token, and does not separate (variation selectors).
    Ignored,
    /// Separates tokens.
    Separator,
}

struct Tables {
    scripts: ScriptWithExtensionsBorrowed<'static>,
    categories: CodePointMapDataBorrowed<'static, GeneralCategory>,
    nfc: ComposingNormalizerBorrowed<'static>,
    nfkc: ComposingNormalizerBorrowed<'static>,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            scripts: ScriptWithExtensions::new(),
            categories: CodePointMapData::<GeneralCategory>::new(),
            nfc: ComposingNormalizer::new_nfc(),
            nfkc: ComposingNormalizer::new_nfkc(),
        }
    }

    fn class_ignored(c: char) -> Option<Class> {
        matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}').then_some(Class::Ignored)
    }

    fn class(&self, c: char) -> Class {
        Tables::class_fast(c).unwrap_or_else(|| self.class_looked_up(c))
    }

    /// The class of the most frequent characters without a table lookup (tested to agree).
    fn class_fast(c: char) -> Option<Class> {
        Some(match c {
            '0'..='9' | 'a'..='z' | 'A'..='Z' => Class::Word,
            '\0'..='\u{7F}' | '\u{D7}' | '\u{F7}' => Class::Separator,
            // Latin-1 and Latin Extended-A/B letters, Cyrillic letters.
            '\u{C0}'..='\u{24F}' | '\u{400}'..='\u{481}' | '\u{48A}'..='\u{4FF}' => Class::Word,
            // CJK ideographs, kana, Hangul syllables.
            '\u{4E00}'..='\u{9FFF}'
            | '\u{3041}'..='\u{3096}'
            | '\u{30A1}'..='\u{30FA}'
            | '\u{AC00}'..='\u{D7A3}' => Class::Bigram,
            _ => return None,
        })
    }

    fn class_looked_up(&self, c: char) -> Class {
        if let Some(class) = Tables::class_ignored(c) {
            return class;
        }
        if GeneralCategoryGroup::Mark.contains(self.categories.get(c)) {
            return Class::Mark;
        }
        if !c.is_alphanumeric() {
            return Class::Separator;
        }
        // Script extensions: `ー` (U+30FC) is Common, used with Hiragana and Katakana.
        let scx = self.scripts.get_script_extensions_val(c);
        if BIGRAM_SCRIPTS.iter().any(|s| scx.contains(s)) {
            Class::Bigram
        } else {
            Class::Word
        }
    }
}

/// A run of the text: a word, or the characters (with their marks) of a bigram run.
struct Run {
    bigram: bool,
    /// Byte range in the text.
    from: usize,
    to: usize,
    /// Whether it holds ignored characters.
    ignored: bool,
    /// For a bigram run: the byte range of each character with its marks.
    units: Vec<(usize, usize)>,
}

impl Run {
    /// Its characters, without ignored ones.
    fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let raw = text.get(self.from..self.to).unwrap_or_default();
        if self.ignored {
            Cow::Owned(
                raw.chars()
                    .filter(|&c| Tables::class_ignored(c).is_none())
                    .collect(),
            )
        } else {
            Cow::Borrowed(raw)
        }
    }
}

/// A bigram run being emitted: its NFKC text cut into units, and the next token's place.
struct Pending<'a> {
    normal: Cow<'a, str>,
    /// Byte ranges of the units in `normal`.
    units: Vec<(usize, usize)>,
    /// Offsets of each unit in the text (`None`: NFKC changed the run, every token spans it).
    spans: Option<Vec<(usize, usize)>>,
    from: usize,
    to: usize,
    position: usize,
    /// The unit of the next token, and whether its single character was emitted.
    k: usize,
    single_done: bool,
}

impl<'a> Pending<'a> {
    fn new(tables: &Tables, run: Run, raw: Cow<'a, str>, position: usize) -> Pending<'a> {
        let normal = match raw {
            Cow::Borrowed(s) => tables.nfkc.normalize(s),
            Cow::Owned(s) => Cow::Owned(tables.nfkc.normalize(&s).into_owned()),
        };
        let exact = !run.ignored && matches!(normal, Cow::Borrowed(_));
        let mut units: Vec<(usize, usize)> = Vec::with_capacity(run.units.len());
        for (i, c) in normal.char_indices() {
            let end = i + c.len_utf8();
            match units.last_mut() {
                Some(u) if tables.class(c) == Class::Mark => u.1 = end,
                _ => units.push((i, end)),
            }
        }
        let spans = (exact && units.len() == run.units.len()).then_some(run.units);
        Pending {
            normal,
            units,
            spans,
            from: run.from,
            to: run.to,
            position,
            k: 0,
            single_done: false,
        }
    }

    fn span(&self, k: usize) -> (usize, usize) {
        self.spans
            .as_ref()
            .and_then(|s| s.get(k).copied())
            .unwrap_or((self.from, self.to))
    }

    /// Writes the next token into `t`; `false` at the end of the run.
    fn next(&mut self, mode: Mode, t: &mut Token) -> bool {
        let n = self.units.len();
        while let Some(&(start, end)) = self.units.get(self.k) {
            let k = self.k;
            // Each unit's single character (in the index, or a run of one), then its bigram.
            let (text_to, offsets) = if !self.single_done {
                self.single_done = true;
                if mode == Mode::Query && n > 1 {
                    continue;
                }
                (end, (self.span(k).0, self.span(k).1))
            } else {
                self.k += 1;
                self.single_done = false;
                match self.units.get(k + 1) {
                    Some(&(_, next_end)) => (next_end, (self.span(k).0, self.span(k + 1).1)),
                    None => continue,
                }
            };
            t.text.clear();
            t.text
                .push_str(self.normal.get(start..text_to).unwrap_or_default());
            t.offset_from = offsets.0;
            t.offset_to = offsets.1;
            t.position = self.position + k;
            t.position_length = 1;
            return true;
        }
        false
    }
}

/// The tokens of `text` (see the module documentation).
pub fn tokens(text: &str, mode: Mode) -> Vec<Token> {
    let mut tokenizer = WordTokenizer::new(mode);
    let mut stream = tokenizer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use proptest::prelude::*;

    fn texts(text: &str, mode: Mode) -> Vec<(usize, String)> {
        tokens(text, mode)
            .into_iter()
            .map(|t| (t.position, t.text))
            .collect()
    }

    fn owned(v: &[(usize, &str)]) -> Vec<(usize, String)> {
        v.iter().map(|(p, s)| (*p, s.to_string())).collect()
    }

    #[test]
    fn the_fast_classes_agree_with_the_tables() {
        let t = Tables::new();
        let mut fast = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if let Some(class) = Tables::class_fast(c) {
                fast += 1;
                assert_eq!(class, t.class_looked_up(c), "U+{:04X}", c as u32);
            }
        }
        assert!(fast > 20_000, "{fast}");
    }

    #[test]
    fn words_split_like_the_simple_tokenizer() {
        assert_eq!(
            texts("Drucker im 3. Stock, e-mail: a_b@x.de", Mode::Index),
            owned(&[
                (0, "Drucker"),
                (1, "im"),
                (2, "3"),
                (3, "Stock"),
                (4, "e"),
                (5, "mail"),
                (6, "a"),
                (7, "b"),
                (8, "x"),
                (9, "de"),
            ])
        );
        assert_eq!(
            texts("Привет мир שלום עולם مرحبا", Mode::Query),
            owned(&[
                (0, "Привет"),
                (1, "мир"),
                (2, "שלום"),
                (3, "עולם"),
                (4, "مرحبا")
            ])
        );
    }

    #[test]
    fn cjk_runs_become_bigrams_and_in_the_index_single_characters() {
        assert_eq!(
            texts("東京都に", Mode::Query),
            owned(&[(0, "東京"), (1, "京都"), (2, "都に")])
        );
        assert_eq!(
            texts("東京都に", Mode::Index),
            owned(&[
                (0, "東"),
                (0, "東京"),
                (1, "京"),
                (1, "京都"),
                (2, "都"),
                (2, "都に"),
                (3, "に")
            ])
        );
        // The next word is at the same position in both modes.
        assert_eq!(
            texts("서울에서 만나요 ok", Mode::Query),
            owned(&[
                (0, "서울"),
                (1, "울에"),
                (2, "에서"),
                (4, "만나"),
                (5, "나요"),
                (7, "ok")
            ])
        );
        assert_eq!(texts("猫 ok", Mode::Query), owned(&[(0, "猫"), (1, "ok")]));
        // Mixed scripts without spaces; the prolonged sound mark (Common) stays in the run.
        assert_eq!(
            texts("Windows10のエラー", Mode::Query),
            owned(&[(0, "Windows10"), (1, "のエ"), (2, "エラ"), (3, "ラー")])
        );
        // Punctuation of CJK text separates.
        assert_eq!(
            texts("北京、上海。", Mode::Query),
            owned(&[(0, "北京"), (2, "上海")])
        );
        // Thai has no spaces between words either: bigrams of characters with their marks.
        assert_eq!(
            texts("ภาษาไทย", Mode::Query),
            owned(&[
                (0, "ภา"),
                (1, "าษ"),
                (2, "ษา"),
                (3, "าไ"),
                (4, "ไท"),
                (5, "ทย")
            ])
        );
        assert_eq!(texts("ที่นี่", Mode::Query), owned(&[(0, "ที่นี่")]));
    }

    #[test]
    fn marks_stay_with_their_character_and_decomposed_text_is_composed() {
        assert_eq!(texts("Mu\u{308}ller", Mode::Query), owned(&[(0, "Müller")]));
        assert_eq!(texts("cafe\u{301}!", Mode::Query), owned(&[(0, "café")]));
        assert_eq!(texts("\u{301}x", Mode::Query), owned(&[(0, "x")]));
        assert_eq!(texts("か\u{3099}き", Mode::Query), owned(&[(0, "がき")]));
        // Conjoining jamo compose into syllables before the run is cut.
        assert_eq!(
            texts(
                "\u{1112}\u{1161}\u{11AB}\u{1100}\u{1173}\u{11AF}",
                Mode::Index
            ),
            owned(&[(0, "한"), (0, "한글"), (1, "글")])
        );
        assert_eq!(texts("葛\u{E0100}飾", Mode::Query), owned(&[(0, "葛飾")]));
        // Half-width katakana (with their separate voiced marks) are the full-width ones.
        assert_eq!(
            texts("ﾌﾟﾘﾝﾀｰ", Mode::Query),
            texts("プリンター", Mode::Query)
        );
        assert_eq!(texts("ｶﾞｯｺｳ", Mode::Index), texts("ガッコウ", Mode::Index));
        // Emoji are not indexed and separate words; a ZWJ sequence too.
        assert_eq!(
            texts("a😀b 👩\u{200D}💻 🇩🇪x", Mode::Query),
            owned(&[(0, "a"), (1, "b"), (2, "x")])
        );
    }

    #[test]
    fn offsets_are_the_characters_of_the_token() {
        let text = "ab 東京都 x\u{301}";
        let got: Vec<(String, &str)> = tokens(text, Mode::Index)
            .into_iter()
            .map(|t| (t.text, text.get(t.offset_from..t.offset_to).unwrap()))
            .collect();
        let want = [
            ("ab", "ab"),
            ("東", "東"),
            ("東京", "東京"),
            ("京", "京"),
            ("京都", "京都"),
            ("都", "都"),
            ("x\u{301}", "x\u{301}"),
        ];
        for ((t, s), (wt, ws)) in got.iter().zip(want) {
            assert_eq!((t.as_str(), *s), (wt, ws));
        }
        assert_eq!(got.len(), want.len());
        // NFC changed the run: every token spans it.
        let text = "か\u{3099}き";
        for t in tokens(text, Mode::Index) {
            assert_eq!((t.offset_from, t.offset_to), (0, text.len()), "{t:?}");
        }
    }

    /// Every string of tests/fixtures/i18n.json.
    fn corpus() -> Vec<String> {
        fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::String(s) => out.push(s.clone()),
                serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
                serde_json::Value::Object(m) => m.values().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        let raw = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/i18n.json"
        ))
        .unwrap();
        let mut out = Vec::new();
        walk(&serde_json::from_str(&raw).unwrap(), &mut out);
        out
    }

    /// The invariants of any text's tokens.
    fn check(text: &str) -> Result<(), TestCaseError> {
        for mode in [Mode::Index, Mode::Query] {
            let toks = tokens(text, mode);
            let mut last = 0;
            for t in &toks {
                prop_assert!(!t.text.is_empty(), "empty token in {text:?}");
                prop_assert!(t.position >= last, "positions go back in {text:?}");
                last = t.position;
                let src = text.get(t.offset_from..t.offset_to);
                prop_assert!(
                    src.is_some(),
                    "offsets of {t:?} not on char boundaries of {text:?}"
                );
                let src = src.unwrap_or_default();
                // The token's characters come from its span (composed, ignorables dropped).
                let plain: String = src
                    .chars()
                    .filter(|c| !matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}'))
                    .collect();
                let nfc = ComposingNormalizer::new_nfc()
                    .normalize(&plain)
                    .into_owned();
                let nfkc = ComposingNormalizer::new_nfkc()
                    .normalize(&plain)
                    .into_owned();
                prop_assert!(
                    nfc.contains(&t.text) || nfkc.contains(&t.text),
                    "{t:?} is not in its span {src:?} of {text:?}"
                );
                prop_assert!(
                    !t.text.chars().any(char::is_whitespace),
                    "{t:?} holds a space"
                );
            }
        }
        // The query's tokens are the index's tokens, at the same positions.
        let index = texts(text, Mode::Index);
        for q in texts(text, Mode::Query) {
            prop_assert!(
                index.contains(&q),
                "query token {q:?} not indexed for {text:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn every_i18n_fixture_tokenises_soundly() {
        let corpus = corpus();
        assert!(corpus.len() > 10, "the corpus is read");
        for s in &corpus {
            check(s).unwrap();
        }
        // Words of its scripts are found in their sentences (a CJK word inside a run).
        let value = |k: &str| corpus_value(k);
        for (key, word) in [
            ("chinese", "打印机"),
            ("chinese", "帮忙"),
            ("japanese", "プリンター"),
            ("japanese", "壊れ"),
            ("japanese", "お願い"),
            ("korean", "프린터"),
            ("korean", "고장"),
            ("thai", "พิมพ์"),
            ("hindi", "प्रिंटर"),
            ("german", "grüsse"),
            ("cyrillic", "ёжик"),
            ("arabic_rtl", "الطابعة"),
            ("hebrew_rtl", "המדפסת"),
            ("astral_cjk", "𠮟𠀋"),
        ] {
            assert!(found(&value(key), word), "{word} in {key}");
        }
        for (key, word) in [
            ("chinese", "印打"),
            ("japanese", "東京"),
            ("korean", "터프"),
        ] {
            assert!(!found(&value(key), word), "{word} not in {key}");
        }
    }

    fn corpus_value(key: &str) -> String {
        let raw = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/i18n.json"
        ))
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
        v["values"][key].as_str().unwrap().to_owned()
    }

    /// Any substring of a text (cut at character boundaries, not inside a word or run) is found
    /// by a phrase of its query tokens at the offsets the query gives.
    fn found(text: &str, query: &str) -> bool {
        let fold = |v: Vec<(usize, String)>| -> Vec<(usize, String)> {
            v.into_iter()
                .map(|(p, t)| (p, t.to_lowercase().replace('ü', "u").replace('ß', "ss")))
                .collect()
        };
        let index = fold(texts(text, Mode::Index));
        let q = fold(texts(query, Mode::Query));
        let Some((p0, _)) = q.first() else {
            return true;
        };
        (0..=index.iter().map(|(p, _)| *p).max().unwrap_or(0)).any(|start| {
            q.iter()
                .all(|(p, t)| index.contains(&(start + p - p0, t.clone())))
        })
    }

    #[test]
    fn a_cjk_word_is_found_inside_a_sentence() {
        let text = "東京都に住んでいます。서울에서 일합니다. ภาษาไทยง่าย";
        for q in [
            "東京",
            "京都",
            "住んで",
            "に住",
            "서울",
            "일합",
            "ไทย",
            "ษา",
            "都",
            "に",
        ] {
            assert!(found(text, q), "{q}");
        }
        for q in ["京東", "大阪", "서일", "東京に"] {
            assert!(!found(text, q), "{q}");
        }
    }

    fn scripts() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "東",
            "京",
            "都",
            "に",
            "住",
            "ん",
            "で",
            "カ",
            "ー",
            "ド",
            "한",
            "국",
            "어",
            "ภ",
            "า",
            "ษ",
            "\u{e48}",
            "a",
            "B",
            "ß",
            "é",
            "e\u{301}",
            "\u{308}",
            "Ж",
            "ш",
            "ש",
            "ل",
            "\u{64e}",
            "1",
            "٣",
            " ",
            "-",
            "、",
            "。",
            "😀",
            "\u{200d}",
            "\u{fe0f}",
            "\u{e0100}",
            "🇩🇪",
            "\u{3099}",
            "\u{1100}",
            "\u{1161}",
            "ｶ",
            "Ａ",
            "𠀋",
            "\t",
        ]);
        prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn generated_texts_tokenise_soundly(text in scripts()) {
            check(&text)?;
        }

        #[test]
        fn arbitrary_strings_tokenise_soundly(text in "\\PC{0,40}") {
            check(&text)?;
        }

        #[test]
        fn every_piece_of_a_run_is_found(text in scripts(), a in 0usize..24, len in 1usize..6) {
            // A piece of the text between separators is found in it.
            let chars: Vec<char> = text.chars().collect();
            let piece: String = chars.iter().skip(a).take(len).collect();
            // Whole units: a mark after the piece (also behind variation selectors, which stay
            // with their character: `東ᄀ\u{fe0f}\u{3099}` once failed here) belongs to it.
            let selector = |c: &char| matches!(u32::from(*c), 0xFE00..=0xFE0F | 0xE0100..=0xE01EF);
            let whole_units = piece.chars().next().is_some_and(|c| Tables::new().class(c) != Class::Mark)
                && chars.iter().skip(a + len).find(|c| !selector(c))
                    .is_none_or(|c| Tables::new().class(*c) != Class::Mark);
            let cjk_only = piece.chars().all(|c| Tables::new().class(c) == Class::Bigram);
            // (Conjoining jamo compose with their neighbours: a piece may cut a syllable.)
            let composed = ComposingNormalizer::new_nfc().normalize(&text) == text;
            if whole_units && cjk_only && composed {
                prop_assert!(found(&text, &piece), "{piece:?} not found in {text:?}");
            }
        }
    }
}
