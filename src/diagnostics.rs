//! What a failure leaves behind: a request id per request (sent as `X-Request-Id`), the one log
//! line of a 5xx answer, and the message and location of a caught panic.
//!
//! Log lines never hold an API key or a request body: they name the request id, method,
//! endpoint, status, error code and the extension's own message, cut to [`MAX_MESSAGE`]
//! characters, with anything a panic message quotes between backticks (Rust's string-slicing
//! panics quote the string) left out. This module must not import `ext_php_rs` or `mysql`; the
//! binding layer writes the lines to PHP's error log.

use std::cell::{Cell, RefCell};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;
use std::time::{SystemTime, UNIX_EPOCH};

/// Longest message (in characters) a log line repeats.
pub const MAX_MESSAGE: usize = 300;

/// A new request id: 16 lower-case hex digits, unpredictable (std's randomly keyed hasher over
/// the clock, the process id and a counter), unique within a worker.
pub fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(nanos);
    format!("{:016x}", h.finish())
}

/// Whether `id` looks like a request id of [`request_id`] (what PHP may hand back).
pub fn is_request_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `text` made fit for one log line: backtick-quoted spans dropped, control characters (line
/// breaks included) replaced by spaces, at most [`MAX_MESSAGE`] characters.
pub fn scrub(text: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if c == '`' {
            if !quoted {
                out.push_str("`…`");
            }
            quoted = !quoted;
            continue;
        }
        if quoted {
            continue;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    if out.chars().count() > MAX_MESSAGE {
        out = out.chars().take(MAX_MESSAGE).collect();
        out.push('…');
    }
    out
}

/// The log line of a 5xx answer (or of a request that ended in a panic or a fatal error).
pub fn log_line(request_id: &str, method: &str, endpoint: &str, status: u16, what: &str) -> String {
    format!(
        "API Endpoints [request {request_id}]: {status} {} {}: {}",
        scrub(method),
        scrub(endpoint),
        scrub(what)
    )
}

thread_local! {
    /// The last panic of this thread, recorded by the hook: message and location.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Whether this thread is answering a request (panics are recorded, not printed).
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
}

/// Installs (once per process) a panic hook that, while [`capture`] is on, records the
/// panic's message and location for [`take_panic`] instead of printing it to stderr (which
/// php-fpm drops unless `catch_workers_output` is on); the binding layer catches the panic and
/// logs the record. Other panics go to the previous hook.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CAPTURING.with(Cell::get) {
                previous(info);
                return;
            }
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_owned());
            let at = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_else(|| "unknown location".to_owned());
            let record = format!("panic at {at}: {message}");
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(record));
        }));
    });
}

/// Turns recording of this thread's panics on (a request starts) or off (it ended); turning
/// it on forgets an earlier record.
pub fn capture(on: bool) {
    CAPTURING.with(|c| c.set(on));
    if on {
        LAST_PANIC.with(|p| p.borrow_mut().take());
    }
}

/// The panic recorded since [`capture`] was turned on (scrubbed), if any.
pub fn take_panic() -> Option<String> {
    LAST_PANIC
        .with(|p| p.borrow_mut().take())
        .map(|p| scrub(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_hex_and_differ() {
        let ids: Vec<String> = (0..100).map(|_| request_id()).collect();
        assert!(ids.iter().all(|i| is_request_id(i)), "{ids:?}");
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
        assert!(!is_request_id("0123456789abcdeg"));
        assert!(!is_request_id("abc"));
    }

    #[test]
    fn scrub_drops_quoted_text_and_line_breaks() {
        let panic = "byte index 5 is not a char boundary; it is inside 'ü' (bytes 4..6) of `Grüße, der Drucker`";
        let s = scrub(panic);
        assert!(!s.contains("Drucker"), "{s}");
        assert!(s.ends_with("of `…`"), "{s}");
        assert_eq!(scrub("a\r\nb\0c"), "a  b c");
        let long = "ж".repeat(1000);
        assert_eq!(scrub(&long).chars().count(), MAX_MESSAGE + 1);
    }

    #[test]
    fn log_lines_are_one_line_with_the_request_id() {
        let l = log_line(
            "00ff00ff00ff00ff",
            "PATCH",
            "tickets-update",
            500,
            "write_failed: x\ny",
        );
        assert_eq!(
            l,
            "API Endpoints [request 00ff00ff00ff00ff]: 500 PATCH tickets-update: write_failed: x y"
        );
    }

    #[test]
    fn the_hook_records_message_and_location() {
        install_panic_hook();
        capture(true);
        let text = String::from("Grüße");
        let caught = std::panic::catch_unwind(|| {
            // The message std gives a byte-index slice inside 'ü', which quotes the text.
            panic!("byte index 3 is not a char boundary of `{text}`")
        });
        capture(false);
        assert!(caught.is_err());
        let record = take_panic().unwrap();
        assert!(
            record.starts_with("panic at src/diagnostics.rs:"),
            "{record}"
        );
        assert!(record.contains("char boundary"), "{record}");
        assert!(!record.contains("Grüße"), "{record}");
        assert_eq!(take_panic(), None);
    }
}
