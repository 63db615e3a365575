//! An HTTP request as the core sees it, built from raw bytes handed over by PHP.
//!
//! Everything arrives as bytes (PATH_INFO, query string, headers may hold any octets); the
//! conversion to text happens here, once, so that non-UTF-8 input becomes a clear 400 instead of
//! a type error in the binding layer. This module must not import `ext_php_rs` or `mysql`.

use crate::error::{ApiError, Result};

/// One request to an endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The endpoint, e.g. `tickets-get` (the entry script's name without `.php`).
    pub endpoint: String,
    /// `SCRIPT_NAME`, e.g. `/api/tickets-search.php` (for links to other pages).
    pub script_name: String,
    /// `REQUEST_METHOD`, as sent (the original compares case-sensitively).
    pub method: String,
    /// `PATH_INFO`, raw bytes (osTicket's `htmlentities()` is not applied).
    pub path_info: Vec<u8>,
    /// `QUERY_STRING`, raw bytes.
    pub query_string: Vec<u8>,
    /// `X-API-Key` header, if sent.
    pub api_key: Option<Vec<u8>>,
    /// `Content-Type` header, if sent.
    pub content_type: Option<String>,
    /// `Accept` header, if sent.
    pub accept: Option<String>,
    /// The client address as osTicket computes it (`REMOTE_ADDR` after `osTicket::get_client_ip()`).
    pub remote_addr: String,
    /// The request body.
    pub body: Vec<u8>,
    /// The request came through `/api/wildcard/tickets.json|xml` (the route of the "API Key
    /// Wildcard" plugin): a key registered with IP `0.0.0.0` is accepted from any address.
    pub wildcard: bool,
}

impl Request {
    /// The endpoint name derived from a script path such as `/api/tickets-get.php`.
    pub fn endpoint_from_script(script_name: &str) -> String {
        let base = script_name.rsplit('/').next().unwrap_or(script_name);
        base.strip_suffix(".php").unwrap_or(base).to_owned()
    }

    /// PATH_INFO as text; non-UTF-8 bytes are a client error with the endpoint's path message.
    pub fn path_text(&self, bad_path_message: &str) -> Result<&str> {
        std::str::from_utf8(&self.path_info)
            .map_err(|_| ApiError::BadPath(bad_path_message.to_owned()))
    }

    /// The API key as text: `None` when absent, blank or not UTF-8 (no key can match those).
    pub fn api_key_text(&self) -> Option<&str> {
        let key = std::str::from_utf8(self.api_key.as_deref()?).ok()?;
        (!key.trim().is_empty()).then_some(key)
    }

    /// The decoded query parameters, in order. Values of `name[]` style keys keep the brackets.
    pub fn query(&self) -> Result<Vec<(String, String)>> {
        parse_query(&self.query_string)
    }
}

/// Checks that each parameter of `known` comes once and as a plain value: `status[]=x` (an
/// array to PHP) or `status=a&status=b` is a 400 naming it, instead of one of the values being
/// silently used or the filter dropped. `aliases` maps another accepted name to its parameter
/// (sending both counts as a repetition). Other parameters are left alone.
pub fn single_params(
    query: &[(String, String)],
    known: &[&str],
    aliases: &[(&str, &str)],
) -> Result<()> {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (name, _) in query {
        let (base, array) = match name.find('[') {
            Some(i) => (name.get(..i).unwrap_or(name), true),
            None => (name.as_str(), false),
        };
        let canonical = aliases
            .iter()
            .find(|(alias, _)| *alias == base)
            .map_or(base, |(_, to)| *to);
        if !known.contains(&canonical) {
            continue;
        }
        if array {
            return Err(ApiError::invalid_field(
                "array_parameter",
                base,
                format!("Query parameter '{base}' must be a single value, not an array"),
            ));
        }
        if let Some((first, _)) = seen.iter().find(|(_, c)| *c == canonical) {
            let named = if *first == base {
                format!("'{base}' is")
            } else {
                format!("'{first}' and '{base}' are")
            };
            return Err(ApiError::invalid_field(
                "repeated_parameter",
                base,
                format!("Query parameter {named} given more than once"),
            ));
        }
        seen.push((base, canonical));
    }
    Ok(())
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space), split on `&` only, as
/// PHP splits a query string (`;` is an ordinary character). Invalid percent escapes are kept
/// literally, as PHP does; a name or value that is not UTF-8 after decoding is a 400.
pub fn parse_query(raw: &[u8]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pair in raw.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let mut parts = pair.splitn(2, |&b| b == b'=');
        let name = parts.next().unwrap_or_default();
        let value = parts.next().unwrap_or_default();
        let name = decode_component(name);
        let value = decode_component(value);
        let name = String::from_utf8(name).map_err(|_| {
            ApiError::invalid("invalid_encoding", "Query parameter names must be UTF-8")
        })?;
        let value = String::from_utf8(value).map_err(|_| {
            ApiError::invalid_field(
                "invalid_encoding",
                name.clone(),
                format!("Query parameter '{name}' is not valid UTF-8"),
            )
        })?;
        out.push((name, value));
    }
    Ok(out)
}

fn decode_component(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match (b, tail) {
            (b'+', _) => out.push(b' '),
            (b'%', [h, l, more @ ..]) => match (hex(*h), hex(*l)) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    rest = more;
                }
                _ => out.push(b'%'),
            },
            (b, _) => out.push(b),
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_comes_from_script_name() {
        assert_eq!(
            Request::endpoint_from_script("/api/tickets-get.php"),
            "tickets-get"
        );
        assert_eq!(
            Request::endpoint_from_script("tickets-stats"),
            "tickets-stats"
        );
    }

    #[test]
    fn query_decodes_plus_and_percent() {
        let q = parse_query(b"query=a+b%26c&status=Open&&x").unwrap();
        assert_eq!(
            q,
            vec![
                ("query".into(), "a b&c".into()),
                ("status".into(), "Open".into()),
                ("x".into(), String::new())
            ]
        );
    }

    #[test]
    fn query_splits_on_ampersands_only_like_php() {
        let q = parse_query(b"query=a;b&status=Open;Closed").unwrap();
        assert_eq!(q[0], ("query".into(), "a;b".into()));
        assert_eq!(q[1], ("status".into(), "Open;Closed".into()));
    }

    #[test]
    fn known_parameters_come_once_and_plain() {
        let known = ["status", "department", "query"];
        let aliases = [("departmentId", "department")];
        let q = |s: &str| parse_query(s.as_bytes()).unwrap();
        assert!(single_params(
            &q("status=Open&query=x&foo=1&foo=2&bar[]=3"),
            &known,
            &aliases
        )
        .is_ok());
        assert!(single_params(&q("departmentId=2"), &known, &aliases).is_ok());
        for (raw, field, code) in [
            ("status[]=Closed", "status", "array_parameter"),
            ("status%5B0%5D=Closed", "status", "array_parameter"),
            ("status=Open&status=Closed", "status", "repeated_parameter"),
            ("query=a&query=", "query", "repeated_parameter"),
            (
                "department=1&departmentId=2",
                "departmentId",
                "repeated_parameter",
            ),
            ("departmentId[]=2", "departmentId", "array_parameter"),
        ] {
            let e = single_params(&q(raw), &known, &aliases).unwrap_err();
            assert_eq!(
                (e.status(), e.field(), e.code()),
                (400, Some(field), code),
                "{raw}"
            );
            assert!(e.message().contains(field), "{raw}: {}", e.message());
        }
    }

    #[test]
    fn query_keeps_broken_escapes_literally() {
        let q = parse_query(b"a=%zz&b=%4").unwrap();
        assert_eq!(q[0].1, "%zz");
        assert_eq!(q[1].1, "%4");
    }

    #[test]
    fn query_rejects_non_utf8_values_with_field() {
        let e = parse_query(b"query=%ff%fe").unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(e.field(), Some("query"));
    }

    #[test]
    fn non_utf8_path_is_a_bad_path() {
        let r = Request {
            path_info: b"/\xff.json".to_vec(),
            ..Default::default()
        };
        assert_eq!(r.path_text("Invalid URL format").unwrap_err().status(), 400);
    }

    #[test]
    fn api_key_blank_or_binary_is_absent() {
        let mut r = Request::default();
        assert!(r.api_key_text().is_none());
        r.api_key = Some(b"  ".to_vec());
        assert!(r.api_key_text().is_none());
        r.api_key = Some(b"\xff".to_vec());
        assert!(r.api_key_text().is_none());
        r.api_key = Some(b"ABC".to_vec());
        assert_eq!(r.api_key_text(), Some("ABC"));
    }
}

/// Generated query strings (issue 8): no input panics, and what a client encodes is read back.
#[cfg(test)]
mod props {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "&", ";", "=", "+", "%", "%2", "%zz", "%ff", "%C3%BC", "%00", "[]", "[a]", "query",
        "status", "sort", "page", "a=b", "==", "&&",
    ];

    fn encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    proptest! {
        #![proptest_config(fuzz::config("query", 512))]

        #[test]
        fn any_query_string_parses_or_is_a_400(raw in fuzz::bytes_from(TOKENS, 24)) {
            match parse_query(&raw) {
                Ok(pairs) => prop_assert!(pairs.len() <= raw.len()),
                Err(e) => prop_assert_eq!(e.status(), 400, "{:?}", raw),
            }
        }

        #[test]
        fn encoded_pairs_read_back(
            pairs in proptest::collection::vec(
                (fuzz::text_from(TOKENS, 4).prop_filter("a name", |n| !n.is_empty()),
                 fuzz::text_from(TOKENS, 6)),
                0..6,
            )
        ) {
            let raw = pairs
                .iter()
                .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            prop_assert_eq!(parse_query(raw.as_bytes()).unwrap(), pairs, "{}", raw);
        }
    }

    #[test]
    fn corpus_queries_parse_or_are_a_400() {
        for raw in fuzz::corpus("query") {
            if let Err(e) = parse_query(&raw) {
                assert_eq!(e.status(), 400, "{raw:?}");
            }
        }
    }
}
