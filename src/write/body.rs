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
    if !ctype.contains("json") && first.is_none() {
        return Err(ApiError::invalid("no_data", "No data provided"));
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
