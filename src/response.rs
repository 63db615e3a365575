//! What the core answers: status, headers and a body, plus the one mapping from [`ApiError`] to
//! the error envelope `{"error": true, "message": ..., "code": ...}` (XML for `.xml` URLs).
//!
//! A body is either complete bytes or a streamed attachment download, which the binding layer
//! writes piece by piece so memory stays bounded by one chunk, not by the file. This module must
//! not import `ext_php_rs` or `mysql`.

use crate::error::ApiError;
use crate::render::{encode, Format, Node};
use crate::sql::Query;

/// A body whose middle is streamed from the database as base64.
#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    /// Bytes before the base64 content (the start of the JSON object or XML document).
    pub head: Vec<u8>,
    /// Query returning the file's chunks (one binary column) in order.
    pub chunks: Query,
    /// Bytes after the base64 content.
    pub tail: Vec<u8>,
    /// The file size the metadata announced (for a consistency check while streaming).
    pub size: u64,
}

/// The body of a response.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Complete bytes.
    Bytes(Vec<u8>),
    /// A streamed attachment download.
    Download(Download),
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Headers besides the status line, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Body,
    /// What a 5xx answer writes to the log (code and message; never sent to the client).
    pub log: Option<String>,
}

impl Response {
    /// A 200 answer with a rendered tree.
    pub fn ok(node: &Node, format: Format) -> Response {
        Response::with_status(200, node, format)
    }

    /// An answer with a rendered tree and a status.
    pub fn with_status(status: u16, node: &Node, format: Format) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", format.content_type().to_owned())],
            body: Body::Bytes(encode(node, format)),
            log: None,
        }
    }

    /// A `text/plain` answer (the original's update/delete answers).
    pub fn plain(status: u16, text: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", "text/plain; charset=UTF-8".to_owned())],
            body: Body::Bytes(text.as_bytes().to_vec()),
            log: None,
        }
    }

    /// The error envelope for `err`, in the format the URL asked for.
    pub fn error(err: &ApiError, format: Format) -> Response {
        let mut node = Node::map(4)
            .with("error", true)
            .with("message", err.message())
            .with("code", err.code());
        if let Some(field) = err.field() {
            node.push("field", field);
        }
        let mut resp = Response::with_status(err.status(), &node, format);
        if let Some(allow) = err.allow() {
            resp.headers.push(("Allow", allow));
        }
        if let Some(secs) = err.retry_after() {
            resp.headers.push(("Retry-After", secs.to_string()));
        }
        if resp.status >= 500 {
            resp.log = Some(format!("{}: {}", err.code(), err.message()));
        }
        resp
    }

    /// The value of a header (first match, case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body bytes when complete (tests and small answers).
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Bytes(b) => Some(b),
            Body::Download(_) => None,
        }
    }
}

/// The standard reason phrase of the status codes this extension sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_envelope_is_json_with_code() {
        let r = Response::error(&ApiError::NotFound("Ticket not found".into()), Format::Json);
        assert_eq!(r.status, 404);
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=UTF-8")
        );
        assert_eq!(
            std::str::from_utf8(r.bytes().unwrap()).unwrap(),
            r#"{"error":true,"message":"Ticket not found","code":"not_found"}"#
        );
    }

    #[test]
    fn only_server_errors_are_logged() {
        let r = Response::error(&ApiError::NotFound("Ticket not found".into()), Format::Json);
        assert_eq!(r.log, None);
        let r = Response::error(&ApiError::Internal("boom".into()), Format::Xml);
        assert_eq!(r.log.as_deref(), Some("internal_error: boom"));
    }

    #[test]
    fn error_405_sends_allow() {
        let r = Response::error(
            &ApiError::MethodNotAllowed(vec!["PATCH", "PUT"]),
            Format::Json,
        );
        assert_eq!(r.status, 405);
        assert_eq!(r.header("Allow"), Some("PATCH, PUT"));
    }

    #[test]
    fn error_in_xml_for_xml_urls() {
        let r = Response::error(
            &ApiError::invalid_field("invalid_limit", "limit", "bad <limit>"),
            Format::Xml,
        );
        let body = std::str::from_utf8(r.bytes().unwrap()).unwrap();
        assert!(body.contains("<error>true</error><message>bad &lt;limit&gt;</message>"));
        assert!(body.contains("<field>limit</field>"));
    }

    #[test]
    fn reasons_cover_codes_we_send() {
        assert_eq!(reason(413), "Content Too Large");
        assert_eq!(reason(599), "Internal Server Error");
    }
}
