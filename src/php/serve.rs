//! `osticket_api_serve()`: answers one endpoint request and writes the HTTP response.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ext_php_rs::binary_slice::BinarySlice;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use ext_php_rs::zend::{output_write, remove_header, set_header, set_response_code};

use crate::db::MysqlStore;
use crate::error::ApiError;
use crate::render::Format;
use crate::response::{Body, Response};
use crate::sql::Store;
use crate::{attachments, dispatch};

use super::convert;

/// Answers the current request of a deployed `api/tickets-*.php` entry script.
///
/// `$server` is `$_SERVER` after osTicket's bootstrap (so `REMOTE_ADDR` is osTicket's client
/// address), `$config` the plugin shell's runtime configuration, `$body` the raw request body.
/// Writes status, headers and body itself and returns `true`. Never throws: every failure,
/// including a Rust panic, is answered as a JSON error.
#[php_function]
#[php(name = "osticket_api_serve")]
pub fn osticket_api_serve(
    server: &ZendHashTable,
    config: &ZendHashTable,
    body: Option<BinarySlice<u8>>,
) -> bool {
    let body = body.map(|b| b.to_vec()).unwrap_or_default();
    let endpoint = convert::get_text(config, "endpoint").filter(|e| !e.is_empty());
    let request = convert::request(server, body, endpoint);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let cfg = match convert::config(config) {
            Ok(cfg) => cfg,
            Err(err) => return send(&Response::error(&err, Format::Json), None),
        };
        let mut store = MysqlStore::new(&cfg.db);
        let response = dispatch::handle(&request, &cfg, &mut store);
        send(&response, Some(&mut store));
    }));
    if outcome.is_err() {
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
    module.function(wrap_function!(osticket_api_serve))
}
