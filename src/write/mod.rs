//! The write path (docs/write-commands.md): requests are parsed, resolved and validated here in
//! full; a request without any error becomes a [`Cmd`] tree that the plugin shell's write adapter
//! applies with osTicket's own domain methods. [`complete`] turns the adapter's result into the
//! HTTP answer. This module must not import `ext_php_rs` or `mysql`.

pub mod body;
pub mod create;
pub mod links;
pub mod resolve;
pub mod update;
pub mod xml;

use std::borrow::Cow;

use crate::error::ApiError;
use crate::render::{Format, Node};
use crate::response::Response;

/// A command value: what PHP receives as an array (binary strings for attachment data).
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// `null`
    Null,
    /// `true`/`false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Text.
    Str(String),
    /// Bytes (a PHP binary string).
    Bytes(Vec<u8>),
    /// Bytes the adapter fetches when it needs them (attachment contents): PHP receives an index
    /// for `osticket_api_attachment()`, so at most one file at a time counts against PHP's
    /// `memory_limit` instead of every file of the request at once.
    Blob(Vec<u8>),
    /// A list (a PHP list).
    List(Vec<Cmd>),
    /// A map with ordered keys (a PHP array with string keys).
    Map(Vec<(Cow<'static, str>, Cmd)>),
}

impl Cmd {
    /// An empty map.
    pub fn map() -> Cmd {
        Cmd::Map(Vec::new())
    }

    /// The map with one more entry.
    pub fn with(mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Cmd>) -> Cmd {
        if let Cmd::Map(entries) = &mut self {
            entries.push((key.into(), value.into()));
        }
        self
    }

    /// A map entry.
    pub fn get(&self, key: &str) -> Option<&Cmd> {
        match self {
            Cmd::Map(entries) => entries.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl From<bool> for Cmd {
    fn from(v: bool) -> Self {
        Cmd::Bool(v)
    }
}
impl From<i64> for Cmd {
    fn from(v: i64) -> Self {
        Cmd::Int(v)
    }
}
impl From<&str> for Cmd {
    fn from(v: &str) -> Self {
        Cmd::Str(v.to_owned())
    }
}
impl From<String> for Cmd {
    fn from(v: String) -> Self {
        Cmd::Str(v)
    }
}
impl<T: Into<Cmd>> From<Option<T>> for Cmd {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cmd::Null, Into::into)
    }
}

/// How a successful write is answered (carried in the command, so [`complete`] needs no query).
#[derive(Debug, Clone, PartialEq)]
pub enum Success {
    /// `200 text/plain` with the ticket number (the original's update and delete answers).
    Number,
    /// `201 text/plain` with the new ticket's number (core's create answer).
    Created,
    /// `201` JSON `{"number", "ticket_id"}` (a create whose client accepts JSON).
    CreatedJson,
    /// A rendered body in the request's format, status 200.
    Body(Node),
}

/// A validated write: the command for the adapter and how success is answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// The command (a map with `op`, `format`, `actor_id`, ...).
    pub command: Cmd,
    /// The answer on success.
    pub success: Success,
    /// The format of the request's URL.
    pub format: Format,
}

impl Write {
    /// The command as handed to PHP, with what [`complete`] needs to answer.
    pub fn into_command(self) -> Cmd {
        let (kind, body) = match self.success {
            Success::Number => ("number", Cmd::Null),
            Success::Created => ("created", Cmd::Null),
            Success::CreatedJson => ("created_json", Cmd::Null),
            Success::Body(node) => (
                "body",
                Cmd::Bytes(crate::render::encode(&node, self.format)),
            ),
        };
        self.command
            .with(
                "format",
                match self.format {
                    Format::Json => "json",
                    Format::Xml => "xml",
                },
            )
            .with("answer", kind)
            .with("answer_body", body)
    }
}

/// What the adapter reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Applied; the ticket's number (a new one for create).
    Done {
        /// The ticket's number.
        number: String,
        /// The ticket's id.
        ticket_id: i64,
    },
    /// Refused or failed.
    Failed {
        /// HTTP status.
        status: u16,
        /// Stable code.
        code: String,
        /// Message.
        message: String,
        /// The request field it is about.
        field: Option<String>,
    },
}

/// The HTTP answer to a write: `answer`/`answer_body`/`format` from the command, `outcome` from
/// the adapter.
pub fn complete(answer: &str, answer_body: &[u8], format: Format, outcome: Outcome) -> Response {
    match outcome {
        Outcome::Done { number, ticket_id } => match answer {
            "number" => Response::plain(200, &number),
            "created" => Response::plain(201, &number),
            "created_json" => Response::with_status(
                201,
                &Node::map(2)
                    .with("number", number)
                    .with("ticket_id", ticket_id),
                Format::Json,
            ),
            _ => Response {
                status: 200,
                headers: vec![("Content-Type", format.content_type().to_owned())],
                body: crate::response::Body::Bytes(answer_body.to_vec()),
                log: None,
            },
        },
        Outcome::Failed {
            status,
            code,
            message,
            field,
        } => {
            let status = if (400..=599).contains(&status) {
                status
            } else {
                500
            };
            let err = ApiError::Invalid {
                status,
                code: known_code(&code),
                message,
                field,
            };
            Response::error(&err, format)
        }
    }
}

/// The adapter's codes, as static strings (anything else is `write_failed`).
fn known_code(code: &str) -> &'static str {
    const CODES: &[&str] = &[
        "status_refused",
        "transfer_refused",
        "assign_refused",
        "create_refused",
        "not_found",
        "too_long",
        "database_busy",
        "write_failed",
    ];
    CODES
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("write_failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_answers_keep_the_original_shapes() {
        let done = || Outcome::Done {
            number: "123456".into(),
            ticket_id: 7,
        };
        let r = complete("number", b"", Format::Json, done());
        assert_eq!((r.status, r.bytes()), (200, Some(&b"123456"[..])));
        assert_eq!(r.header("Content-Type"), Some("text/plain; charset=UTF-8"));
        let r = complete("created", b"", Format::Json, done());
        assert_eq!((r.status, r.bytes()), (201, Some(&b"123456"[..])));
        let r = complete("created_json", b"", Format::Xml, done());
        assert_eq!(
            (r.status, r.bytes()),
            (201, Some(&br#"{"number":"123456","ticket_id":7}"#[..]))
        );
        let r = complete("body", b"{\"success\":true}", Format::Json, done());
        assert_eq!(
            (r.status, r.bytes()),
            (200, Some(&b"{\"success\":true}"[..]))
        );
        assert_eq!(r.header("Content-Type"), Some(Format::Json.content_type()));
    }

    #[test]
    fn failures_become_the_error_envelope() {
        let r = complete(
            "number",
            b"",
            Format::Json,
            Outcome::Failed {
                status: 409,
                code: "status_refused".into(),
                message: "This ticket cannot be closed".into(),
                field: Some("statusId".into()),
            },
        );
        assert_eq!(r.status, 409);
        let v: serde_json::Value = serde_json::from_slice(r.bytes().unwrap()).unwrap();
        assert_eq!(v["code"], "status_refused");
        assert_eq!(v["field"], "statusId");
        let odd = complete(
            "number",
            b"",
            Format::Json,
            Outcome::Failed {
                status: 200,
                code: "whatever".into(),
                message: "x".into(),
                field: None,
            },
        );
        assert_eq!(odd.status, 500, "a failure is never a success status");
        let v: serde_json::Value = serde_json::from_slice(odd.bytes().unwrap()).unwrap();
        assert_eq!(v["code"], "write_failed");
        let busy = complete(
            "number",
            b"",
            Format::Json,
            Outcome::Failed {
                status: 503,
                code: "database_busy".into(),
                message: "locked".into(),
                field: None,
            },
        );
        assert_eq!(busy.status, 503);
        assert_eq!(busy.header("Retry-After"), Some("5"));
        let v: serde_json::Value = serde_json::from_slice(busy.bytes().unwrap()).unwrap();
        assert_eq!(v["code"], "database_busy");
    }
}
