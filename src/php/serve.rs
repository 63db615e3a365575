//! `osticket_api_serve()`: answers one endpoint request and writes the HTTP response.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendCallable, ZendHashTable, Zval};
use ext_php_rs::zend::{output_write, remove_header, set_header, set_response_code, BailoutGuard};

use crate::db::MysqlStore;
use crate::dispatch::Handled;
use crate::error::ApiError;
use crate::render::Format;
use crate::response::{Body, Response};
use crate::sql::Store;
use crate::write::body::MAX_BODY;
use crate::write::{self, Outcome};
use crate::{attachments, dispatch};

use super::convert;

/// Answers the current request of a deployed `api/tickets-*.php` entry script.
///
/// `$server` is `$_SERVER` after osTicket's bootstrap (so `REMOTE_ADDR` is osTicket's client
/// address), `$config` the plugin shell's runtime configuration, `$body` the request body: a
/// string, or better the stream `fopen('php://input', 'rb')`, read here in pieces so that a body
/// of 50 MB of attachments never becomes one PHP string (PHP's `memory_limit`).
/// Writes status, headers and body itself and returns `true`; for a valid write it answers
/// nothing and returns the command array for the plugin's write adapter instead
/// (docs/write-commands.md), to be finished with `osticket_api_complete()`. Never throws: every
/// failure, including a Rust panic, is answered as a JSON error.
#[php_function]
#[php(name = "osticket_api_serve")]
pub fn osticket_api_serve(server: &ZendHashTable, config: &ZendHashTable, body: &Zval) -> Zval {
    convert::clear_pending();
    let body = read_body(body);
    let endpoint = convert::get_text(config, "endpoint").filter(|e| !e.is_empty());
    let mut request = convert::request(server, body, endpoint);
    request.wildcard = convert::get_bool(config, "wildcard");
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let cfg = match convert::config(config) {
            Ok(cfg) => cfg,
            Err(err) => {
                send(&Response::error(&err, Format::Json), None);
                return None;
            }
        };
        // A PHP bailout (e.g. a client that hung up while output is written, with
        // ignore_user_abort off) longjmps over this frame: the guard still returns the pooled
        // connection, which would otherwise be lost for the rest of the worker's life.
        let mut store = BailoutGuard::new(MysqlStore::new(&cfg.db));
        match dispatch::handle(&request, &cfg, &mut *store) {
            Handled::Respond(response) => {
                send(&response, Some(&mut *store));
                None
            }
            Handled::Apply(command) => Some(command),
        }
    }));
    let mut answer = Zval::new();
    match outcome {
        Ok(Some(command)) => answer = convert::command(command),
        Ok(None) => answer.set_bool(true),
        Err(_) => {
            let err = ApiError::Internal("Internal error in the API extension".into());
            send(&Response::error(&err, Format::Json), None);
            answer.set_bool(true);
        }
    }
    answer
}

/// The request body from a string or a readable stream (read with PHP's own `fread`, a megabyte
/// at a time, up to one byte more than the write endpoints accept).
fn read_body(body: &Zval) -> Vec<u8> {
    if let Some(s) = body.zend_str() {
        return s.as_bytes().to_vec();
    }
    if !body.is_resource() {
        return Vec::new();
    }
    let Ok(fread) = ZendCallable::try_from_name("fread") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while out.len() <= MAX_BODY {
        let piece: i64 = 1 << 20;
        match fread.try_call(vec![body, &piece]) {
            Ok(chunk) => match chunk.zend_str() {
                Some(s) if !s.as_bytes().is_empty() => out.extend_from_slice(s.as_bytes()),
                _ => break,
            },
            Err(_) => break,
        }
    }
    out
}

/// The content of attachment `$index` of the write being applied, once (`null` afterwards):
/// the write adapter stores one file at a time.
#[php_function]
#[php(name = "osticket_api_attachment")]
pub fn osticket_api_attachment(index: i64) -> Zval {
    let mut zv = Zval::new();
    match usize::try_from(index).ok().and_then(convert::take_pending) {
        Some(bytes) => zv.set_binary(bytes),
        None => zv.set_null(),
    }
    zv
}

/// Answers a write: `$command` as `osticket_api_serve()` returned it, `$result` as the write
/// adapter returned it (`ok`, `number` or `status`, `code`, `message`, `field`).
#[php_function]
#[php(name = "osticket_api_complete")]
pub fn osticket_api_complete(command: &ZendHashTable, result: &ZendHashTable) -> bool {
    let answer = convert::get_text(command, "answer").unwrap_or_default();
    let body = convert::get_bytes(command, "answer_body").unwrap_or_default();
    let format = match convert::get_text(command, "format").as_deref() {
        Some("xml") => Format::Xml,
        _ => Format::Json,
    };
    let outcome = if convert::get_bool(result, "ok") {
        Outcome::Done {
            number: convert::get_text(result, "number").unwrap_or_default(),
            ticket_id: result.get("ticket_id").and_then(Zval::long).unwrap_or(0),
        }
    } else {
        Outcome::Failed {
            status: result
                .get("status")
                .and_then(Zval::long)
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(500),
            code: convert::get_text(result, "code").unwrap_or_default(),
            message: convert::get_text(result, "message")
                .unwrap_or_else(|| "The helpdesk could not apply the change".into()),
            field: convert::get_text(result, "field").filter(|f| !f.is_empty()),
        }
    };
    convert::clear_pending();
    let sent = catch_unwind(AssertUnwindSafe(|| {
        send(&write::complete(&answer, &body, format, outcome), None);
    }));
    if sent.is_err() {
        let err = ApiError::Internal("Internal error in the API extension".into());
        send(&Response::error(&err, Format::Json), None);
    }
    true
}

/// Writes a response through the SAPI. Streams download bodies chunk by chunk.
fn send(resp: &Response, store: Option<&mut dyn Store>) {
    // Failures here mean the headers were already sent; nothing better can be done.
    let _ = set_response_code(resp.status);
    for (name, value) in &resp.headers {
        let _ = set_header(&format!("{name}: {value}"));
    }
    // osTicket's bootstrap starts a PHP session even for API calls (it writes no row for them);
    // an API answer has no use for its cookie.
    let _ = remove_header("Set-Cookie");
    let _ = set_header("X-Content-Type-Options: nosniff");
    let _ = set_header("Cache-Control: no-store");
    match &resp.body {
        Body::Bytes(bytes) => {
            let _ = output_write(bytes);
        }
        Body::Download(dl) => {
            let _ = output_write(&dl.head);
            if let Some(store) = store {
                let _ = attachments::stream(store, dl, &mut |piece| {
                    let _ = output_write(piece);
                });
            }
            let _ = output_write(&dl.tail);
        }
    }
}

/// Registers the functions of this topic.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(osticket_api_serve))
        .function(wrap_function!(osticket_api_complete))
        .function(wrap_function!(osticket_api_attachment))
}
