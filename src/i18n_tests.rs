//! The shared international corpus (`tests/fixtures/i18n.json`) through every text path of the
//! core that needs no database: body parsing (JSON, form, XML), query strings, Markdown/HTML/text
//! rendering, JSON and XML answers, error messages and the `X-Ignored-Fields` header. The HTTP
//! suite's `I18nTest` sends the same values through the endpoints.

use serde_json::Value;

use crate::markdown::{self, BodyFormat};
use crate::render::{self, Format, Node};
use crate::request::{parse_query, Request};
use crate::write::body;

/// `(case, value)` of the corpus, in file order.
fn corpus() -> Vec<(String, String)> {
    let doc: Value = serde_json::from_str(include_str!("../tests/fixtures/i18n.json"))
        .expect("tests/fixtures/i18n.json is JSON");
    doc["values"]
        .as_object()
        .expect("a `values` object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string values").to_owned()))
        .collect()
}

fn percent_encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// What the write path keeps of a value (NUL and a leading BOM go, see [`markdown::clean_text`]).
fn kept(s: &str) -> String {
    s.trim_start_matches('\u{FEFF}').replace('\0', "")
}

#[test]
fn the_corpus_covers_every_script_and_trap() {
    let c = corpus();
    let all: String = c.iter().map(|(_, v)| v.as_str()).collect();
    let has = |range: std::ops::RangeInclusive<char>| all.chars().any(|ch| range.contains(&ch));
    for (what, range) in [
        ("German", 'ß'..='ü'),
        ("Cyrillic", 'А'..='я'),
        ("Greek", 'Α'..='ω'),
        ("Hebrew", '\u{05D0}'..='\u{05EA}'),
        ("Arabic", '\u{0620}'..='\u{064A}'),
        ("Devanagari", '\u{0900}'..='\u{097F}'),
        ("Thai", '\u{0E00}'..='\u{0E7F}'),
        ("CJK", '\u{4E00}'..='\u{9FFF}'),
        ("Kana", '\u{3040}'..='\u{30FF}'),
        ("Hangul", '\u{AC00}'..='\u{D7A3}'),
        ("combining marks", '\u{0300}'..='\u{036F}'),
        ("zero-width", '\u{200B}'..='\u{200D}'),
        ("emoji", '\u{1F300}'..='\u{1FAFF}'),
        ("outside the BMP", '\u{20000}'..='\u{2FFFF}'),
        ("NUL", '\0'..='\0'),
    ] {
        assert!(has(range), "the corpus lacks {what}");
    }
    assert!(c.iter().any(|(_, v)| v.starts_with('\u{FEFF}')), "a BOM");
}

#[test]
fn json_bodies_keep_every_value() {
    for (case, v) in corpus() {
        let body = serde_json::json!({ "note": v, "noteTitle": v }).to_string();
        let req = Request {
            content_type: Some("application/json".into()),
            body: body.into_bytes(),
            ..Request::default()
        };
        let f = body::parse(&req).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(
            body::text(&f, "note").unwrap().as_deref(),
            Some(v.as_str()),
            "{case}"
        );
    }
}

#[test]
fn form_bodies_and_query_strings_keep_every_value() {
    for (case, v) in corpus() {
        let raw = format!("query={}&note={}", percent_encode(&v), percent_encode(&v));
        let q = parse_query(raw.as_bytes()).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(
            q,
            vec![("query".into(), v.clone()), ("note".into(), v.clone())],
            "{case}"
        );
        let req = Request {
            content_type: Some("application/x-www-form-urlencoded".into()),
            body: raw.into_bytes(),
            ..Request::default()
        };
        let f = body::parse(&req).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(f["note"], Value::String(v.clone()), "{case}");
    }
}

#[test]
fn xml_bodies_keep_every_value() {
    for (case, v) in corpus() {
        let doc = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ticket><subject>{}</subject><name>{}</name></ticket>",
            xml_escape(&v),
            xml_escape(&v)
        );
        // A raw NUL is not XML, but the parser reads it like JSON would (the write path then
        // drops it, as for every format).
        let f = crate::write::xml::parse(doc.as_bytes()).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(f["subject"], Value::String(v.clone()), "{case}");
        assert_eq!(f["name"], Value::String(v.clone()), "{case}");
    }
}

/// The text of rendered HTML: tags dropped, the entities the renderers write decoded.
fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn every_format_renders_every_value_whole() {
    for (case, v) in corpus() {
        for format in [BodyFormat::Markdown, BodyFormat::Html, BodyFormat::Text] {
            let html = markdown::render(&v, format).unwrap();
            assert!(!html.contains('\0'), "{case} {format:?}: NUL in {html:?}");
            assert!(!html.starts_with('\u{FEFF}'), "{case} {format:?}: BOM kept");
            assert_eq!(
                html_text(&html).trim_end(),
                kept(&v),
                "{case} {format:?}: {html:?}"
            );
        }
    }
}

#[test]
fn json_and_xml_answers_round_trip_every_value() {
    for (case, v) in corpus() {
        let node = Node::map(2)
            .with("subject", v.clone())
            .with("thread", Node::List(vec![Node::Str(v.clone())]));
        let json: Value = serde_json::from_slice(&render::encode(&node, Format::Json))
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(json["subject"], Value::String(v.clone()), "{case}");
        assert_eq!(json["thread"][0], Value::String(v.clone()), "{case}");

        let xml = String::from_utf8(render::encode(&node, Format::Xml)).expect("UTF-8");
        let subject = xml
            .split_once("<subject>")
            .and_then(|(_, rest)| rest.split_once("</subject>"))
            .map(|(s, _)| s)
            .unwrap_or_else(|| panic!("{case}: {xml}"));
        // XML forbids NUL: it is the one character replaced (by U+FFFD), never dropped silently.
        assert_eq!(
            html_text(subject),
            v.replace('\0', "\u{FFFD}"),
            "{case}: {xml}"
        );
    }
}

#[test]
fn errors_and_headers_carry_names_whole() {
    for (case, v) in corpus() {
        let mut f = body::Fields::new();
        f.insert(v.clone(), Value::Bool(true));
        let err = body::unknown_fields(&f, &["note"], None).unwrap_err();
        let expected: String = v.chars().take(64).collect();
        assert!(
            err.message().contains(&expected),
            "{case}: {}",
            err.message()
        );
        let rendered = crate::response::Response::error(&err, Format::Json);
        let back: Value = serde_json::from_slice(rendered.bytes().expect("bytes")).expect("JSON");
        assert_eq!(back["field"], Value::String(expected.clone()), "{case}");

        let header = body::ignored_header(std::slice::from_ref(&v)).expect("a header");
        assert!(
            header.bytes().all(|b| b.is_ascii_graphic()),
            "{case}: {header}"
        );
    }
}
