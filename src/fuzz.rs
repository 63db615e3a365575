//! Shared pieces of the property tests (test builds only): their configuration, the strategies
//! for client text, and the replay of the kept corpus in `tests/fixtures/fuzz/`.
//!
//! Every parser and renderer that sees client bytes has a `props` test module beside it that
//! runs generated inputs through it (`cargo test` runs a bounded number of cases, seconds in all;
//! `PROPTEST_CASES=20000 cargo test --lib props` runs more). A failing case prints its (shrunk)
//! input and is recorded as a seed in `tests/fixtures/fuzz/<target>.seeds`, which later runs replay
//! first; inputs worth keeping by hand go into `tests/fixtures/fuzz/<target>.txt` (one JSON string
//! per line, or `hex:` and the bytes in hex), replayed by each module's `corpus_*` test.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

/// The configuration of one target: `cases` generated inputs (or `PROPTEST_CASES`), found
/// failures persisted to `tests/fixtures/fuzz/<target>.seeds`.
pub fn config(target: &str, cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    let seeds: &'static str = Box::leak(
        fixture_dir()
            .join(format!("{target}.seeds"))
            .to_string_lossy()
            .into_owned()
            .into_boxed_str(),
    );
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(seeds))),
        ..Config::default()
    }
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz")
}

/// The kept inputs of `tests/fixtures/fuzz/<target>.txt`.
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let path = fixture_dir().join(format!("{target}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let inputs: Vec<Vec<u8>> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| match line.strip_prefix("hex:") {
            Some(hex) => hex
                .as_bytes()
                .chunks(2)
                .map(|pair| {
                    let pair = std::str::from_utf8(pair).expect("hex digits");
                    u8::from_str_radix(pair, 16).expect("hex byte")
                })
                .collect(),
            None => serde_json::from_str::<String>(line)
                .unwrap_or_else(|e| panic!("{}: {line}: {e}", path.display()))
                .into_bytes(),
        })
        .collect();
    assert!(!inputs.is_empty(), "{} is empty", path.display());
    inputs
}

/// The corpus as text (lossy for the `hex:` lines).
pub fn corpus_text(target: &str) -> Vec<String> {
    corpus(target)
        .into_iter()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect()
}

/// Samples of the text clients send: several scripts and directions, combining marks, emoji
/// with joiners, invisible characters, a BOM and a NUL.
pub const INTERNATIONAL: &[&str] = &[
    "Grüße, Jörg Müller äöüß ÄÖÜ",
    "Принтер не работает",
    "Ελληνικά κείμενο",
    "مرحبا بالعالم",
    "שלום עולם",
    "你好，请帮忙",
    "こんにちは、プリンター",
    "안녕하세요",
    "สวัสดีครับ",
    "नमस्ते दुनिया",
    "e\u{301}a\u{308}\u{20dd}",
    "👩‍👩‍👧‍👦 👍🏽 🇩🇪 😀",
    "\u{200b}\u{200c}\u{200d}\u{2060}\u{202e}",
    "\u{feff}",
    "\0",
    "°§«»\u{a0}",
];

/// Text built from `tokens`, international samples and arbitrary characters.
pub fn text_from(tokens: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(tokens).prop_map(str::to_owned),
        2 => proptest::sample::select(INTERNATIONAL).prop_map(str::to_owned),
        2 => any::<char>().prop_map(String::from),
        1 => "[a-z ]{1,8}",
    ];
    proptest::collection::vec(piece, 0..max).prop_map(|parts| parts.concat())
}

/// Bytes built from `tokens` and arbitrary bytes (also invalid UTF-8).
pub fn bytes_from(tokens: &'static [&'static str], max: usize) -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => proptest::sample::select(tokens).prop_map(|t| t.as_bytes().to_vec()),
        1 => proptest::sample::select(INTERNATIONAL).prop_map(|t| t.as_bytes().to_vec()),
        2 => proptest::collection::vec(any::<u8>(), 1..4),
    ];
    proptest::collection::vec(piece, 0..max).prop_map(|parts| parts.concat())
}
