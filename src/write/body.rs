//! Request bodies of the write endpoints: a JSON object (any `Content-Type` containing `json`), an
//! XML document (osTicket core's XML create format, see [`super::xml`]), or form fields (`application/x-www-form-urlencoded`, which the original accepted through `$_POST`).
//! The original's messages are kept (`Invalid JSON: …`, `No data provided in JSON body`, `No data
//! provided`); what made it crash (a scalar body, a field of the wrong type) is a 400 here.

use serde_json::{Map, Value};

use crate::error::{ApiError, Result};
use crate::request::{parse_query, Request};

/// Largest body the write endpoints read (5 attachments of 10 MB, base64, plus the fields).
pub const MAX_BODY: usize = 72 * 1024 * 1024;

/// The fields of a request body.
pub type Fields = Map<String, Value>;

/// Parses a ticket-create body by the URL's format, as osTicket core does whatever the
/// `Content-Type` (`curl -d` labels XML and JSON as a form): `.xml` is XML, `.json` is JSON.
/// Form fields that really are form fields are read as such (the original plugin took `$_POST`).
pub fn parse_as(req: &Request, format: crate::render::Format) -> Result<Fields> {
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
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let what = if e.is_eof() && body.iter().all(u8::is_ascii_whitespace) {
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
