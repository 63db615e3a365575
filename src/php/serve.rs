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
use crate::write::{self, Cmd, Outcome};
use crate::{attachments, diagnostics, dispatch};

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
    let (answer, fatal) = serve(server, config, body);
    if fatal {
        // A PHP fatal error after the extension ran (what "Maximum execution time" is when PHP
        // code exceeds it): the plugin's shutdown function logs it and answers. Everything of
        // the request is dropped already; `answer` is `true`, which owns nothing.
        forced_fatal();
    }
    answer
}

/// [`osticket_api_serve`]: the answer, and whether the `fatal` test fault asks for a PHP fatal
/// error afterwards.
fn serve(server: &ZendHashTable, config: &ZendHashTable, body: &Zval) -> (Zval, bool) {
    convert::clear_pending();
    diagnostics::install_panic_hook();
    diagnostics::capture(true);
    let id = diagnostics::request_id();
    set_request_id(&id);
    write::body::set_streamed(None);
    let endpoint = convert::get_text(config, "endpoint").filter(|e| !e.is_empty());
    let mut request = convert::request(server, Vec::new(), endpoint);
    let json_write = matches!(request.method.as_str(), "POST" | "PUT" | "PATCH")
        && request.content_type.as_deref().is_some_and(|c| {
            let c = c.to_ascii_lowercase();
            c.contains("json") && !c.contains("xml")
        });
    request.body = read_body(body, json_write);
    request.wildcard = convert::get_bool(config, "wildcard");
    let ctx = LogContext {
        id: &id,
        method: &request.method,
        endpoint: &request.endpoint,
    };
    let fault = test_fault(server);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let cfg = match convert::config(config) {
            Ok(cfg) => cfg,
            Err(err) => {
                send(&Response::error(&err, Format::Json), None, &ctx);
                return None;
            }
        };
        if fault.as_deref() == Some("write") {
            // A command the write adapter cannot apply: its failure path, as a real one.
            return Some(
                write::Write {
                    command: Cmd::map().with("op", "test_fault"),
                    success: write::Success::Number,
                    format: Format::Json,
                }
                .into_command()
                .with("request_id", id.clone())
                .with("method", request.method.clone())
                .with("endpoint", request.endpoint.clone()),
            );
        }
        if fault.as_deref() == Some("fatal") {
            return None;
        }
        if let Some(resp) = fault.as_deref().and_then(forced_failure) {
            send(&resp, None, &ctx);
            return None;
        }
        // A PHP bailout (e.g. a client that hung up while output is written, with
        // ignore_user_abort off) longjmps over this frame: the guard still returns the pooled
        // connection, which would otherwise be lost for the rest of the worker's life.
        let mut store = BailoutGuard::new(MysqlStore::new(&cfg.db));
        match dispatch::handle(&request, &cfg, &mut *store) {
            Handled::Respond(response) => {
                send(&response, Some(&mut *store), &ctx);
                None
            }
            Handled::Apply(command) => Some(
                command
                    .with("request_id", id.clone())
                    .with("method", request.method.clone())
                    .with("endpoint", request.endpoint.clone()),
            ),
        }
    }));
    let mut answer = Zval::new();
    match outcome {
        Ok(Some(command)) => answer = convert::command(command),
        Ok(None) => answer.set_bool(true),
        Err(_) => {
            panicked(&ctx);
            answer.set_bool(true);
        }
    }
    diagnostics::capture(false);
    (answer, fault.as_deref() == Some("fatal"))
}

/// Raises a PHP fatal error (`E_USER_ERROR`) for the `fatal` test fault.
fn forced_fatal() {
    if let Ok(trigger) = ZendCallable::try_from_name("trigger_error") {
        let message = "forced test fatal error (X-Test-Fault)";
        let level: i64 = 256; // E_USER_ERROR
        let _ = trigger.try_call(vec![&message, &level]);
    }
}

/// Who a log line is about.
struct LogContext<'a> {
    id: &'a str,
    method: &'a str,
    endpoint: &'a str,
}

/// Answers a caught panic with the JSON 500 and logs its message and location.
fn panicked(ctx: &LogContext<'_>) {
    let what = diagnostics::take_panic().unwrap_or_else(|| "panic (no record)".to_owned());
    log(&diagnostics::log_line(
        ctx.id,
        ctx.method,
        ctx.endpoint,
        500,
        &format!("internal_error: {what}"),
    ));
    let err = ApiError::Internal("Internal error in the API extension".into());
    let mut resp = Response::error(&err, Format::Json);
    resp.log = None;
    send(&resp, None, ctx);
}

thread_local! {
    /// The id of the request this worker answers (for `osticket_api_request_id()`).
    static REQUEST_ID: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn set_request_id(id: &str) {
    REQUEST_ID.with(|r| id.clone_into(&mut r.borrow_mut()));
}

/// The id of the request being answered (`X-Request-Id`), for the plugin shell's own log lines
/// (a fatal error caught by its shutdown function); empty before the first request.
#[php_function]
#[php(name = "osticket_api_request_id")]
pub fn osticket_api_request_id() -> String {
    REQUEST_ID.with(|r| r.borrow().clone())
}

/// Writes one line to PHP's error log (`error_log()`, so PHP's `error_log` setting decides
/// where it goes).
fn log(line: &str) {
    if let Ok(error_log) = ZendCallable::try_from_name("error_log") {
        let _ = error_log.try_call(vec![&line]);
    }
}

/// The `X-Test-Fault` request header, honoured only by debug builds whose php-fpm pool sets
/// `OSTICKET_API_TEST_FAULTS=1` (the test stack): release builds have no such switch.
#[cfg(debug_assertions)]
fn test_fault(server: &ZendHashTable) -> Option<String> {
    if std::env::var("OSTICKET_API_TEST_FAULTS").as_deref() != Ok("1") {
        return None;
    }
    convert::get_text(server, "HTTP_X_TEST_FAULT")
}

#[cfg(not(debug_assertions))]
fn test_fault(_server: &ZendHashTable) -> Option<String> {
    None
}

/// The failure a test fault forces: `panic` panics (as a defect would), `internal` answers an
/// internal error (`write` hands the adapter a command it cannot apply, see above).
#[allow(clippy::panic)] // the point of the switch, in test builds only
fn forced_failure(fault: &str) -> Option<Response> {
    match fault {
        "panic" => panic!("forced test panic (X-Test-Fault) of `a message body`"),
        "internal" => Some(Response::error(
            &ApiError::Internal("forced test failure (X-Test-Fault)".into()),
            Format::Json,
        )),
        _ => None,
    }
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
        let mut rest = self.pending.get(self.pos..).unwrap_or_default();
        let n = std::io::Read::read(&mut rest, buf)?;
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
    let id = convert::get_text(command, "request_id")
        .filter(|i| diagnostics::is_request_id(i))
        .unwrap_or_else(diagnostics::request_id);
    let ignored = convert::get_text(command, "ignored_fields").filter(|i| !i.is_empty());
    let method = convert::get_text(command, "method").unwrap_or_default();
    let endpoint = convert::get_text(command, "endpoint").unwrap_or_default();
    let ctx = LogContext {
        id: &id,
        method: &method,
        endpoint: &endpoint,
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
    diagnostics::capture(true);
    let sent = catch_unwind(AssertUnwindSafe(|| {
        let mut resp = write::complete(&answer, &body, format, outcome);
        if let Some(ignored) = ignored {
            resp.headers.push(("X-Ignored-Fields", ignored));
        }
        send(&resp, None, &ctx);
    }));
    if sent.is_err() {
        panicked(&ctx);
    }
    diagnostics::capture(false);
    true
}

/// Writes a response through the SAPI, with `X-Request-Id`; logs a 5xx answer's line. Streams
/// download bodies chunk by chunk.
fn send(resp: &Response, store: Option<&mut dyn Store>, ctx: &LogContext<'_>) {
    if let Some(what) = &resp.log {
        log(&diagnostics::log_line(
            ctx.id,
            ctx.method,
            ctx.endpoint,
            resp.status,
            what,
        ));
    }
    // Failures here mean the headers were already sent; nothing better can be done.
    let _ = set_response_code(resp.status);
    for (name, value) in &resp.headers {
        let _ = set_header(&format!("{name}: {value}"));
    }
    let _ = set_header(&format!("X-Request-Id: {}", ctx.id));
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
                let streamed = attachments::stream(store, dl, &mut |piece| {
                    let _ = output_write(piece);
                });
                // The status is sent already: the client sees a cut body, the log says why.
                if let Err(err) = streamed {
                    log(&diagnostics::log_line(
                        ctx.id,
                        ctx.method,
                        ctx.endpoint,
                        resp.status,
                        &format!("download cut short: {}: {}", err.code(), err.message()),
                    ));
                }
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
        .function(wrap_function!(osticket_api_request_id))
}
