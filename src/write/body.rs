//! Request bodies of the write endpoints: a JSON object (any `Content-Type` containing `json`), an
//! XML document (osTicket core's XML create format, see [`super::xml`]), or form fields (`application/x-www-form-urlencoded`, which the original accepted through `$_POST`).
//! The original's messages are kept (`Invalid JSON: …`, `No data provided in JSON body`, `No data
//! provided`); what made it crash (a scalar body, a field of the wrong type) is a 400 here.

use std::cell::RefCell;
use std::io::Read;

use serde_json::{Map, Value};

use crate::error::{ApiError, Result};
use crate::request::{parse_query, Request};

/// Largest body the write endpoints read (5 attachments of 10 MB, base64, plus the fields).
pub const MAX_BODY: usize = 72 * 1024 * 1024;

/// The fields of a request body.
pub type Fields = Map<String, Value>;

thread_local! {
    /// The fields of a large JSON body parsed while it was read ([`set_streamed`]).
    static STREAMED: RefCell<Option<Result<Fields>>> = const { RefCell::new(None) };
}

/// Hands over the fields of a JSON body that the caller parsed while reading it
/// ([`parse_json_reader`]; a large body is then never in memory whole, beside its fields): the next
/// [`parse`] or [`parse_as`] returns them instead of parsing the request's (empty) body. `None`
/// clears what a previous request left.
pub fn set_streamed(fields: Option<Result<Fields>>) {
    STREAMED.with(|s| *s.borrow_mut() = fields);
}

fn take_streamed() -> Option<Result<Fields>> {
    STREAMED.with(|s| s.borrow_mut().take())
}

/// Parses a JSON body from `reader`, with the fields and errors [`parse`] gives for the same bytes
/// sent as JSON; `too_large()` says whether the reader stopped because the body passed
/// [`MAX_BODY`] (an I/O error from the reader is then a 413).
pub fn parse_json_reader(reader: impl Read, too_large: impl Fn() -> bool) -> Result<Fields> {
    let parsed = serde_json::from_reader(reader);
    if parsed.as_ref().is_err_and(serde_json::Error::is_io) && too_large() {
        return Err(ApiError::TooLarge(format!(
            "Request body too large: more than {MAX_BODY} bytes"
        )));
    }
    json_fields(parsed, false)
}

/// Parses a ticket-create body by the URL's format, as osTicket core does whatever the
/// `Content-Type` (`curl -d` labels XML and JSON as a form): `.xml` is XML, `.json` is JSON.
/// Form fields that really are form fields are read as such (the original plugin took `$_POST`).
pub fn parse_as(req: &Request, format: crate::render::Format) -> Result<Fields> {
    if let Some(streamed) = take_streamed() {
        // Streamed only when sent as JSON: an XML URL answers what its parser says of JSON.
        return match format {
            crate::render::Format::Json => streamed,
            crate::render::Format::Xml => super::xml::parse(b"{"),
        };
    }
    let form = req.content_type.as_deref().is_some_and(|c| {
        c.to_ascii_lowercase()
            .contains("application/x-www-form-urlencoded")
    });
    let first = req.body.iter().find(|b| !b.is_ascii_whitespace());
    if form && !matches!(first, Some(b'<' | b'{' | b'[')) {
        return parse_body(&req.body, "application/x-www-form-urlencoded");
    }
    let ctype = match format {
        crate::render::Format::Xml => "application/xml",
        crate::render::Format::Json => "application/json",
    };
    parse_body(&req.body, ctype)
}

/// Parses the request body into its fields.
pub fn parse(req: &Request) -> Result<Fields> {
    if let Some(streamed) = take_streamed() {
        return streamed;
    }
    let ctype = req
        .content_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    parse_body(&req.body, &ctype)
}

fn parse_body(body: &[u8], ctype: &str) -> Result<Fields> {
    if body.len() > MAX_BODY {
        return Err(ApiError::TooLarge(format!(
            "Request body too large: {} bytes (at most {MAX_BODY})",
            body.len()
        )));
    }
    if ctype.contains("application/x-www-form-urlencoded") {
        let pairs = parse_query(body)?;
        if pairs.is_empty() {
            return Err(ApiError::invalid("no_data", "No data provided"));
        }
        return Ok(pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect());
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if ctype.contains("xml") || (!ctype.contains("json") && first == Some(&b'<')) {
        return super::xml::parse(body);
    }
    if !ctype.contains("json") {
        // The original read a body only when its Content-Type said JSON (PHP fills `$_POST`
        // for POST forms only): anything else was `No data provided`. A JSON object sent
        // without that label is still read (curl, hand-written clients).
        return match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) if !map.is_empty() => Ok(map),
            _ => Err(ApiError::invalid("no_data", "No data provided")),
        };
    }
    let blank = body.iter().all(u8::is_ascii_whitespace);
    json_fields(serde_json::from_slice(body), blank)
}

/// The fields of a parsed JSON body, or the original's error (`blank`: the body was only
/// whitespace).
fn json_fields(parsed: serde_json::Result<Value>, blank: bool) -> Result<Fields> {
    let value: Value = parsed.map_err(|e| {
        let what = if e.is_eof() && blank {
            "Syntax error".to_owned()
        } else {
            match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    format!("Syntax error (line {}, column {})", e.line(), e.column())
                }
                serde_json::error::Category::Data => e.to_string(),
                serde_json::error::Category::Io => "unreadable body".to_owned(),
            }
        };
        ApiError::invalid("invalid_json", format!("Invalid JSON: {what}"))
    })?;
    match value {
        Value::Object(map) if !map.is_empty() => Ok(map),
        Value::Object(_) | Value::Null | Value::Bool(false) => Err(ApiError::invalid(
            "no_data",
            "No data provided in JSON body",
        )),
        Value::Array(ref a) if a.is_empty() => Err(ApiError::invalid(
            "no_data",
            "No data provided in JSON body",
        )),
        Value::String(ref s) if s.is_empty() => Err(ApiError::invalid(
            "no_data",
            "No data provided in JSON body",
        )),
        _ => Err(ApiError::invalid(
            "invalid_json",
            "Invalid JSON: the body must be an object",
        )),
    }
}

/// Longest field name an `X-Ignored-Fields` header or an error message repeats.
const NAME_CHARS: usize = 64;
/// Most field names an `X-Ignored-Fields` header lists.
const MAX_NAMES: usize = 20;

/// The fields of `fields` that are not in `known`, sorted by name (byte order); a 400
/// `unknown_field` naming them and the closest known name when none of the fields is known (the
/// request would do nothing). `missing` prefixes that message (an endpoint's original message for a body without
/// its required field).
pub fn unknown_fields(
    fields: &Fields,
    known: &[&str],
    missing: Option<&str>,
) -> Result<Vec<String>> {
    let unknown: Vec<String> = fields
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .cloned()
        .collect();
    if unknown.len() < fields.len() {
        return Ok(unknown);
    }
    let names: Vec<String> = unknown
        .iter()
        .take(MAX_NAMES)
        .map(|n| format!("'{}'", short(n)))
        .collect();
    let suggestion = unknown
        .iter()
        .filter_map(|n| closest(n, known))
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| format!("; did you mean '{k}'?"))
        .unwrap_or_else(|| format!(". Known fields: {}", known.join(", ")));
    let what = if unknown.len() == 1 {
        "field"
    } else {
        "fields"
    };
    let message = format!(
        "{}Unknown {what} {}{}{suggestion}",
        missing.map(|m| format!("{m}. ")).unwrap_or_default(),
        names.join(", "),
        if unknown.len() > MAX_NAMES {
            ", ..."
        } else {
            ""
        },
    );
    Err(ApiError::invalid_field(
        "unknown_field",
        unknown.first().map(|n| short(n)).unwrap_or_default(),
        message,
    ))
}

/// The known name closest to `name` by edit distance (case and `_`/`-` ignored), when it is
/// close enough to be a likely typo: at most a third of the name's length, at least 2.
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<(&'a str, usize)> {
    let fold = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = fold(name);
    let limit = (wanted.len() / 3).max(2);
    known
        .iter()
        .map(|k| (*k, levenshtein(&wanted, &fold(k))))
        .filter(|(_, d)| *d <= limit)
        .min_by_key(|(_, d)| *d)
}

/// Edit distance on characters (insert, delete, substitute), two rows of memory.
fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = Vec::with_capacity(prev.len());
        let mut left = i + 1;
        cur.push(left);
        // `pair` is (prev[j], prev[j + 1]): the substitution and deletion neighbours of cell j + 1.
        for (cb, pair) in b.iter().zip(prev.windows(2)) {
            let [diagonal, up] = pair else { continue };
            left = (diagonal + usize::from(ca != cb)).min(up + 1).min(left + 1);
            cur.push(left);
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// A field name cut to [`NAME_CHARS`] characters (never inside a character).
fn short(name: &str) -> String {
    name.chars().take(NAME_CHARS).collect()
}

/// The `X-Ignored-Fields` value for `names`: comma-separated, at most [`MAX_NAMES`] names;
/// bytes a header cannot carry (controls, non-ASCII) and `%` and `,` percent-encoded.
pub fn ignored_header(names: &[String]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let mut out: Vec<String> = names
        .iter()
        .take(MAX_NAMES)
        .map(|n| {
            let mut enc = String::new();
            for b in short(n).bytes() {
                if b.is_ascii_graphic() && b != b'%' && b != b',' {
                    enc.push(char::from(b));
                } else {
                    enc.push_str(&format!("%{b:02X}"));
                }
            }
            enc
        })
        .collect();
    if names.len() > MAX_NAMES {
        out.push("...".into());
    }
    Some(out.join(","))
}

/// A field that is an identifier: a JSON integer or a string (trimmed); `None` when absent or
/// `null`; 400 naming the field for anything else.
pub fn ident(fields: &Fields, name: &str) -> Result<Option<String>> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::invalid_field(
            "invalid_type",
            name,
            format!("{name} must be a number or a string"),
        )),
    }
}

/// A text field: a string; `None` when absent or `null`; 400 for anything else.
pub fn text(fields: &Fields, name: &str) -> Result<Option<String>> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid_field(
            "invalid_type",
            name,
            format!("{name} must be a string"),
        )),
    }
}

/// A boolean field: JSON `true`/`false`, or the strings and numbers forms post (`1`, `0`, `true`,
/// `false`, `yes`, `no`); `None` when absent or `null`.
pub fn flag(fields: &Fields, name: &str) -> Result<Option<bool>> {
    let bad = || {
        ApiError::invalid_field(
            "invalid_type",
            name,
            format!("{name} must be true or false"),
        )
    };
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err(bad()),
        },
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Some(true)),
            "0" | "false" | "no" | "off" | "" => Ok(Some(false)),
            _ => Err(bad()),
        },
        Some(_) => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(ctype: Option<&str>, body: &str) -> Request {
        Request {
            content_type: ctype.map(str::to_owned),
            body: body.as_bytes().to_vec(),
            ..Request::default()
        }
    }

    fn err(r: Request) -> (u16, String) {
        let e = parse(&r).unwrap_err();
        (e.status(), e.message())
    }

    #[test]
    fn json_bodies_keep_the_original_messages() {
        let json = Some("application/json");
        assert_eq!(parse(&req(json, r#"{"a":1}"#)).unwrap()["a"], 1);
        assert_eq!(
            err(req(json, "{")),
            (400, "Invalid JSON: Syntax error (line 1, column 1)".into())
        );
        for empty in ["{}", "[]", "null", "false", "\"\""] {
            assert_eq!(
                err(req(json, empty)),
                (400, "No data provided in JSON body".into()),
                "{empty}"
            );
        }
        for scalar in ["\"x\"", "5", "true", "[1]"] {
            assert_eq!(err(req(json, scalar)).0, 400, "{scalar}: not a 500");
        }
        assert_eq!(err(req(None, "")), (400, "No data provided".into()));
        // A JSON body sent without a Content-Type is still read.
        assert_eq!(parse(&req(None, r#"{"a":"b"}"#)).unwrap()["a"], "b");
    }

    #[test]
    fn create_bodies_follow_the_url_format_like_core() {
        use crate::render::Format;
        let form = Some("application/x-www-form-urlencoded");
        // `curl -d` labels everything a form: the URL decides.
        let xml = req(form, "<ticket><name>X</name></ticket>");
        assert_eq!(parse_as(&xml, Format::Xml).unwrap()["name"], "X");
        let json = req(form, r#"{"name":"J"}"#);
        assert_eq!(parse_as(&json, Format::Json).unwrap()["name"], "J");
        // Real form fields stay form fields (the original read $_POST).
        let fields = req(form, "name=F&email=f%40example.com");
        assert_eq!(
            parse_as(&fields, Format::Json).unwrap()["email"],
            "f@example.com"
        );
        // A JSON URL with an XML body is a JSON error, as core's parser would say.
        assert_eq!(
            parse_as(&req(None, "<ticket/>"), Format::Json)
                .unwrap_err()
                .code(),
            "invalid_json"
        );
    }

    #[test]
    fn bodies_parsed_while_read_answer_like_parsed_whole() {
        let json = Some("application/json");
        for body in [
            r#"{"note":"жж","n":1}"#,
            "{",
            r#"{"a":1} x"#,
            "{}",
            r#"{"a":"\ud800"}"#,
        ] {
            let whole = parse(&req(json, body));
            let read = parse_json_reader(body.as_bytes(), || false);
            assert_eq!(
                read.as_ref().map_err(ApiError::message),
                whole.as_ref().map_err(ApiError::message),
                "{body}"
            );
            // Handed over: the next parse returns them, once.
            set_streamed(Some(read));
            assert_eq!(
                parse(&req(json, "")).map_err(|e| e.message()),
                whole.map_err(|e| e.message())
            );
            assert_eq!(
                parse(&req(json, "")).unwrap_err().message(),
                "Invalid JSON: Syntax error"
            );
        }
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("over the limit"))
            }
        }
        let e = parse_json_reader(b"{\"a\":".chain(Failing), || true).unwrap_err();
        assert_eq!(e.status(), 413);
        set_streamed(Some(Ok(Fields::new())));
        let xml = parse_as(&req(json, ""), crate::render::Format::Xml).unwrap_err();
        assert_eq!(xml.status(), 400);
    }

    #[test]
    fn form_bodies_are_fields_of_strings() {
        let f = parse(&req(
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            "statusId=3&note=Hello+there",
        ))
        .unwrap();
        assert_eq!(f["statusId"], "3");
        assert_eq!(f["note"], "Hello there");
    }

    #[test]
    fn non_json_bodies_are_no_data_like_the_original() {
        for ctype in [None, Some("text/plain"), Some("application/octet-stream")] {
            for body in ["{\"statusId\":", "statusId=3", "Grüße", "\u{feff}{}", "\0"] {
                assert_eq!(
                    err(req(ctype, body)),
                    (400, "No data provided".into()),
                    "{ctype:?} {body:?}"
                );
            }
        }
        // A JSON label keeps the original's JSON messages.
        assert_eq!(
            err(req(Some("application/json"), "{\"statusId\":")).1,
            "Invalid JSON: Syntax error (line 1, column 12)"
        );
    }

    #[test]
    fn unknown_fields_are_listed_or_refused_with_a_suggestion() {
        let known = ["statusId", "status", "note", "reply"];
        let f = |s: &str| -> Fields { serde_json::from_str(s).unwrap() };
        let ignored = unknown_fields(
            &f(r#"{"reply":"x","message":"y","status_id":3}"#),
            &known,
            None,
        );
        assert_eq!(ignored.unwrap(), vec!["message", "status_id"]);
        assert!(unknown_fields(&f(r#"{"note":"x"}"#), &known, None)
            .unwrap()
            .is_empty());
        let e = unknown_fields(&f(r#"{"stauts":"Closed"}"#), &known, None).unwrap_err();
        assert_eq!(
            (e.status(), e.code(), e.field()),
            (400, "unknown_field", Some("stauts"))
        );
        assert_eq!(
            e.message(),
            "Unknown field 'stauts'; did you mean 'status'?"
        );
        let e = unknown_fields(&f(r#"{"foo":1}"#), &known, None).unwrap_err();
        assert_eq!(
            e.message(),
            "Unknown field 'foo'. Known fields: statusId, status, note, reply"
        );
        let e = unknown_fields(
            &f(r#"{"child":1,"x":2}"#),
            &["childId"],
            Some("Missing childId"),
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "Missing childId. Unknown fields 'child', 'x'; did you mean 'childId'?"
        );
        // Non-ASCII names are compared by character, not by byte.
        let e = unknown_fields(&f(r#"{"nöte":1}"#), &known, None).unwrap_err();
        assert_eq!(e.message(), "Unknown field 'nöte'; did you mean 'note'?");
    }

    #[test]
    fn edit_distance_counts_characters() {
        let d = |a: &str, b: &str| {
            levenshtein(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("stauts", "status"), 2);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("Grüße", "Gruse"), 2);
        assert_eq!(d("你好", "你们好"), 1);
    }

    #[test]
    fn ignored_header_is_safe_ascii() {
        assert_eq!(ignored_header(&[]), None);
        let names = vec![
            "message".to_owned(),
            "a,b\r\nX: y".to_owned(),
            "größe".to_owned(),
        ];
        assert_eq!(
            ignored_header(&names).unwrap(),
            "message,a%2Cb%0D%0AX:%20y,gr%C3%B6%C3%9Fe"
        );
        let many: Vec<String> = (0..30).map(|i| format!("f{i}")).collect();
        let h = ignored_header(&many).unwrap();
        assert!(h.ends_with(",f19,..."), "{h}");
    }

    #[test]
    fn field_types_are_checked() {
        let f: Fields =
            serde_json::from_str(r#"{"a":5,"b":" x ","c":1.5,"d":[1],"e":null,"t":true}"#).unwrap();
        assert_eq!(ident(&f, "a").unwrap().as_deref(), Some("5"));
        assert_eq!(ident(&f, "b").unwrap().as_deref(), Some("x"));
        assert_eq!(ident(&f, "e").unwrap(), None);
        assert_eq!(ident(&f, "zz").unwrap(), None);
        for bad in ["c", "d", "t"] {
            let e = ident(&f, bad).unwrap_err();
            assert_eq!((e.status(), e.field()), (400, Some(bad)));
        }
        assert_eq!(text(&f, "a").unwrap_err().field(), Some("a"));
        assert_eq!(flag(&f, "t").unwrap(), Some(true));
        assert_eq!(flag(&f, "a").unwrap_err().status(), 400);
    }
}

/// Generated bodies (issue 8): no bytes, content type or JSON value panics; JSON objects read back.
#[cfg(test)]
mod props {
    use super::*;
    use crate::fuzz;
    use crate::render::Format;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "null",
        "true",
        "1e999",
        "-0",
        "\\u0000",
        "\\ud800",
        "<",
        ">",
        "<ticket>",
        "</ticket>",
        "=",
        "&",
        "%",
        "message",
        "\"message\":",
    ];

    const CONTENT_TYPES: &[&str] = &[
        "",
        "application/json",
        "application/json; charset=utf-8",
        "application/xml",
        "text/xml",
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data",
    ];

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            // Floats that print exactly (serde_json reads others to the nearest, not the same).
            (-4000i32..4000).prop_map(|i| Value::from(f64::from(i) / 8.0)),
            fuzz::text_from(TOKENS, 6).prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                proptest::collection::btree_map(fuzz::text_from(TOKENS, 3), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn request(ctype: &str, body: Vec<u8>) -> Request {
        Request {
            content_type: (!ctype.is_empty()).then(|| ctype.to_owned()),
            body,
            ..Request::default()
        }
    }

    proptest! {
        #![proptest_config(fuzz::config("body", 384))]

        #[test]
        fn any_body_parses_or_is_a_client_error(
            ctype in proptest::sample::select(CONTENT_TYPES),
            body in fuzz::bytes_from(TOKENS, 24),
        ) {
            let req = request(ctype, body);
            for result in [parse(&req), parse_as(&req, Format::Json), parse_as(&req, Format::Xml)] {
                if let Err(e) = result {
                    prop_assert!((400..500).contains(&e.status()), "{:?}", req);
                }
            }
        }

        #[test]
        fn json_objects_read_back_and_fields_never_panic(value in json_value()) {
            let body = serde_json::to_vec(&value).unwrap();
            match (parse(&request("application/json", body)), &value) {
                (Ok(fields), Value::Object(map)) => prop_assert_eq!(&fields, map),
                (Ok(_), other) => prop_assert!(false, "not an object but read: {}", other),
                (Err(e), _) => prop_assert_eq!(e.status(), 400),
            }
            if let Value::Object(map) = &value {
                for name in map.keys() {
                    let _ = (ident(map, name), text(map, name), flag(map, name));
                }
            }
        }
    }

    #[test]
    fn deeply_nested_json_is_a_400_not_a_stack_overflow() {
        for body in [
            "[".repeat(100_000),
            format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)),
            "{\"a\":".repeat(100_000),
        ] {
            let e = parse(&request("application/json", body.into_bytes())).unwrap_err();
            assert_eq!((e.status(), e.code()), (400, "invalid_json"));
        }
    }

    #[test]
    fn corpus_bodies_parse_or_are_client_errors() {
        for body in fuzz::corpus("body") {
            for ctype in CONTENT_TYPES {
                let req = request(ctype, body.clone());
                for result in [
                    parse(&req),
                    parse_as(&req, Format::Json),
                    parse_as(&req, Format::Xml),
                ] {
                    if let Err(e) = result {
                        assert!((400..500).contains(&e.status()), "{ctype}: {body:?}");
                    }
                }
            }
        }
    }
}
