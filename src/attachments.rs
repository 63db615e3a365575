//! `GET tickets-attachment-download.php/{file_id}`: a file attached to a ticket thread entry,
//! base64 in a JSON/XML envelope, streamed from osTicket's `file_chunk` table.
//! This module must not import `ext_php_rs` or `mysql`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::error::{ApiError, Result};
use crate::render::{xml_text, Format};
use crate::response::{Body, Download, Response};
use crate::sql::{Param, Query, Store, Tables};

/// The file attached to an entry of a ticket thread, with its storage backend.
pub fn file_query(tables: &Tables, file_id: u32) -> Query {
    Query::new(
        format!(
            "SELECT f.id, f.name, f.type, f.size, f.bk \
             FROM {att} a \
             JOIN {entry} e ON e.id = a.object_id \
             JOIN {thread} th ON th.id = e.thread_id AND th.object_type = 'T' \
             LEFT JOIN {file} f ON f.id = a.file_id \
             WHERE a.file_id = ? AND a.type = 'H' \
             ORDER BY f.id DESC LIMIT 1",
            att = tables.t("attachment"),
            entry = tables.t("thread_entry"),
            thread = tables.t("thread"),
            file = tables.t("file"),
        ),
        vec![Param::from(file_id)],
    )
}

/// The chunks of a file stored in the database backend, in order.
pub fn chunks_query(tables: &Tables, file_id: u32) -> Query {
    Query::new(
        format!(
            "SELECT filedata FROM {} WHERE file_id = ? ORDER BY chunk_id",
            tables.t("file_chunk")
        ),
        vec![Param::from(file_id)],
    )
}

/// Parses the file id of the URL: digits, at least 1, within range; else 400 `Invalid file ID`.
pub fn parse_file_id(raw: &str) -> Result<u32> {
    raw.parse::<u32>()
        .ok()
        .filter(|&id| id >= 1)
        .ok_or_else(|| ApiError::invalid_field("invalid_file_id", "file_id", "Invalid file ID"))
}

/// The envelope around the base64 content: `(head, tail)` for the format.
pub fn envelope(
    file_id: u32,
    name: &str,
    mime: &str,
    size: u64,
    format: Format,
) -> (Vec<u8>, Vec<u8>) {
    match format {
        Format::Json => {
            let head = format!(
                "{{\"file_id\":{file_id},\"filename\":{},\"mime_type\":{},\"size\":{size},\"content\":\"",
                serde_json::Value::from(name),
                serde_json::Value::from(mime),
            );
            (head.into_bytes(), b"\"}".to_vec())
        }
        Format::Xml => {
            let head = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><file_id>{file_id}</file_id>\
                 <filename>{}</filename><mime_type>{}</mime_type><size>{size}</size><content>",
                xml_text(name),
                xml_text(mime),
            );
            (head.into_bytes(), b"</content></response>\n".to_vec())
        }
    }
}

/// Plans the download of `file_id` (checks, metadata, and the streamed body).
pub fn download(
    store: &mut dyn Store,
    tables: &Tables,
    file_id: &str,
    format: Format,
    max: u64,
) -> Result<Response> {
    let id = parse_file_id(file_id)?;
    let row = store
        .first(&file_query(tables, id))?
        .ok_or_else(|| ApiError::Denied("Attachment not accessible".into()))?;
    if row.get(0).is_null() {
        return Err(ApiError::NotFound("File not found".into()));
    }
    let size = u64::try_from(row.int(3)).unwrap_or(0);
    if size > max {
        return Err(ApiError::TooLarge(format!(
            "File is too large to download through the API: {size} bytes (limit {max} bytes)"
        )));
    }
    let backend = row.text(4);
    if backend != "D" {
        return Err(ApiError::NotImplemented(format!(
            "File {id} is kept in storage backend '{backend}', which the API cannot read; only files stored in the database can be downloaded"
        )));
    }
    let mime = match row.text(2) {
        m if m.is_empty() => "application/octet-stream".to_owned(),
        m => m,
    };
    let (head, tail) = envelope(id, &row.text(1), &mime, size, format);
    Ok(Response {
        status: 200,
        headers: vec![("Content-Type", format.content_type().to_owned())],
        body: Body::Download(Download {
            head,
            chunks: chunks_query(tables, id),
            tail,
            size,
        }),
    })
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
    fn file_id_must_be_a_positive_number() {
        assert_eq!(parse_file_id("28").unwrap(), 28);
        for bad in ["0", "000", "99999999999", ""] {
            let e = parse_file_id(bad).unwrap_err();
            assert_eq!(e.status(), 400);
            assert_eq!(e.message(), "Invalid file ID");
        }
    }

    #[test]
    fn file_query_requires_a_ticket_thread_entry() {
        let q = file_query(&Tables::new("ost_").unwrap(), 5);
        assert!(q.sql.contains("a.type = 'H'"));
        assert!(q.sql.contains("th.object_type = 'T'"));
        assert_eq!(q.params, vec![Param::UInt(5)]);
    }

    #[test]
    fn json_envelope_with_content_is_valid_json() {
        let (head, tail) = envelope(3, "a \"b\".txt", "text/plain", 5, Format::Json);
        let mut body = head;
        body.extend_from_slice(STANDARD.encode(b"hello").as_bytes());
        body.extend_from_slice(&tail);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["filename"], "a \"b\".txt");
        assert_eq!(v["content"], "aGVsbG8=");
        assert_eq!(v["size"], 5);
    }

    #[test]
    fn xml_envelope_escapes_names() {
        let (head, tail) = envelope(3, "<x>&.txt", "text/plain", 0, Format::Xml);
        let body = String::from_utf8([head, tail].concat()).unwrap();
        assert!(body.contains("<filename>&lt;x&gt;&amp;.txt</filename>"));
        assert!(body.ends_with("<content></content></response>\n"));
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
