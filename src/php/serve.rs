//! `osticket_api_serve()`: answers one endpoint request and writes the HTTP response.

use std::io::Read;
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
use crate::write::body::{self, MAX_BODY};
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
    write::body::set_streamed(None);
    let endpoint = convert::get_text(config, "endpoint").filter(|e| !e.is_empty());
    let mut request = convert::request(server, Vec::new(), endpoint);
    let json_write = matches!(request.method.as_str(), "POST" | "PUT" | "PATCH")
        && request.content_type.as_deref().is_some_and(|c| {
            let c = c.to_ascii_lowercase();
            c.contains("json") && !c.contains("xml")
        });
    request.body = read_body(body, json_write);
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

/// A body larger than this that is sent as JSON to a write (POST, PUT, PATCH) is parsed while it
/// is read: the fields are kept, the raw bytes are not (the largest create is 67 MB of JSON).
const STREAM_ABOVE: usize = 4 << 20;

/// The request body from a string or a readable stream (read with PHP's own `fread`, a megabyte
/// at a time, up to one byte more than the write endpoints accept). With `json_write`, a body
/// larger than [`STREAM_ABOVE`] that starts as a JSON object is parsed as it is read and handed to
/// [`body::set_streamed`]; the body returned is then empty.
fn read_body(body: &Zval, json_write: bool) -> Vec<u8> {
    if let Some(s) = body.zend_str() {
        return s.as_bytes().to_vec();
    }
    if !body.is_resource() {
        return Vec::new();
    }
    let Ok(fread) = ZendCallable::try_from_name("fread") else {
        return Vec::new();
    };
    let mut input = PhpInput {
        stream: body,
        fread,
        read: 0,
        ended: false,
        pending: Vec::new(),
        pos: 0,
    };
    let mut out = Vec::new();
    while out.len() <= MAX_BODY {
        match input.chunk() {
            Some(chunk) => out.extend_from_slice(&chunk),
            None => break,
        }
        let object = out.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if json_write && out.len() > STREAM_ABOVE && object && !input.ended {
            let prefix = std::io::Cursor::new(std::mem::take(&mut out));
            let reader = std::io::BufReader::with_capacity(1 << 20, prefix.chain(&mut input));
            let fields = body::parse_json_reader(reader, || false);
            let too_large = input.read > MAX_BODY;
            body::set_streamed(Some(match fields {
                Err(_) if too_large => Err(ApiError::TooLarge(format!(
                    "Request body too large: more than {MAX_BODY} bytes"
                ))),
                other => other,
            }));
            return Vec::new();
        }
    }
    out
}

/// A PHP stream read with `fread`, a megabyte at a time; reading stops with an error once more than
/// [`MAX_BODY`] bytes have come.
struct PhpInput<'a> {
    stream: &'a Zval,
    fread: ZendCallable<'a>,
    read: usize,
    ended: bool,
    /// The chunk being read by [`Read`], and how far.
    pending: Vec<u8>,
    pos: usize,
}

impl PhpInput<'_> {
    fn chunk(&mut self) -> Option<Vec<u8>> {
        if self.ended {
            return None;
        }
        let piece: i64 = 1 << 20;
        let chunk = match self.fread.try_call(vec![self.stream, &piece]) {
            Ok(chunk) => chunk.zend_str().map(|s| s.as_bytes().to_vec()),
            Err(_) => None,
        };
        match chunk {
            Some(c) if !c.is_empty() => {
                self.read += c.len();
                Some(c)
            }
            _ => {
                self.ended = true;
                None
            }
        }
    }
}

impl std::io::Read for &mut PhpInput<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.pending.len() {
            if self.read > MAX_BODY {
                return Err(std::io::Error::other("request body too large"));
            }
            match self.chunk() {
                Some(c) => (self.pending, self.pos) = (c, 0),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len() - self.pos);
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
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
