//! `GET tickets-attachment-download.php/{file_id}`: a file attached to a ticket thread entry,
//! base64 in a JSON/XML envelope, streamed from osTicket's `file_chunk` table.
//!
//! Unlike the original (CONTRACT.md §11 S3), only files attached (`attachment.type 'H'`) to an
//! entry of a *ticket* thread (`thread.object_type 'T'`) are served; files of FAQs, tasks,
//! drafts or canned responses are 403 `Attachment not accessible`. Files over the configured
//! limit are 413. osTicket keeps a file's bytes in the backend named by `file.bk`: `D` is the
//! database (`file_chunk` rows by `chunk_id`), the only one this extension can read; the others
//! (`F` file system and `3` S3 from osTicket's storage plugins, `6` osTicket 1.6's upload folder)
//! are 501. [`download`] only plans the answer: [`stream`] encodes the chunks as they arrive, so
//! memory stays bounded by one chunk. This module must not import `ext_php_rs` or `mysql`.

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
             LIMIT 1",
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

/// Parses the file id of the URL: ASCII digits only, at least 1, within range; else 400
/// `Invalid file ID`.
pub fn parse_file_id(raw: &str) -> Result<u32> {
    Some(raw)
        .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|r| r.parse::<u32>().ok())
        .filter(|&id| id >= 1)
        .ok_or_else(|| ApiError::invalid_field("invalid_file_id", "file_id", "Invalid file ID"))
}

/// What a storage backend letter of `file.bk` stands for, for the 501 message.
pub fn backend_name(bk: &str) -> &'static str {
    match bk {
        "D" => "the database",
        "F" => "the file system (osTicket's storage-fs plugin)",
        "3" => "S3-compatible object storage (osTicket's storage-s3 plugin)",
        "6" => "osTicket 1.6's upload folder",
        _ => "an unknown storage plugin",
    }
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
            "File {id} is kept in storage backend '{backend}' ({}), which this API cannot read; only files stored in the database can be downloaded",
            backend_name(&backend)
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
        log: None,
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
            let (head, rest) = data.split_at_checked(need).unwrap_or((data, &[]));
            self.carry.extend_from_slice(head);
            data = rest;
            if self.carry.len() < 3 {
                return;
            }
            let carry = std::mem::take(&mut self.carry);
            self.emit(&carry, sink);
        }
        let (whole, rest) = data
            .split_at_checked(data.len() / 3 * 3)
            .unwrap_or((data, &[]));
        self.emit(whole, sink);
        self.carry.extend_from_slice(rest);
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
        sink(self.buf.get(..n).unwrap_or_default());
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
    use crate::render::Node;
    use crate::sql::{Row, Value};
    use std::sync::Arc;

    /// A store holding one file row (or none) and its chunks; counts the statements it ran.
    struct FakeStore {
        file: Option<Vec<Value>>,
        chunks: Vec<Vec<u8>>,
        ran: usize,
    }

    fn row(values: Vec<Value>) -> Row {
        let cols: Arc<[String]> = (0..values.len()).map(|i| format!("c{i}")).collect();
        Row::new(cols, values)
    }

    impl Store for FakeStore {
        fn rows(&mut self, query: &Query) -> Result<Vec<Row>> {
            let mut out = Vec::new();
            self.for_each(query, &mut |r| {
                out.push(r);
                Ok(())
            })?;
            Ok(out)
        }
        fn for_each(
            &mut self,
            query: &Query,
            each: &mut dyn FnMut(Row) -> Result<()>,
        ) -> Result<()> {
            self.ran += 1;
            if query.sql.starts_with("SELECT filedata") {
                for c in &self.chunks {
                    each(row(vec![Value::Bytes(c.clone())]))?;
                }
            } else if let Some(f) = &self.file {
                each(row(f.clone()))?;
            }
            Ok(())
        }
        fn execute(&mut self, _: &Query) -> Result<u64> {
            Ok(0)
        }
    }

    fn s(v: &str) -> Value {
        Value::Bytes(v.as_bytes().to_vec())
    }

    /// A 1000-byte file in chunks of different sizes (none a multiple of 3).
    fn store(backend: &str) -> FakeStore {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 31 % 256) as u8).collect();
        let chunks = [0usize, 1, 5, 6, 500, 1000]
            .windows(2)
            .map(|w| data[w[0]..w[1]].to_vec())
            .collect();
        FakeStore {
            file: Some(vec![
                Value::Int(7),
                s("r\u{e9}sum\u{e9} \"<1>\".bin"),
                s("application/x-thing"),
                Value::UInt(1000),
                s(backend),
            ]),
            chunks,
            ran: 0,
        }
    }

    fn streamed(store: &mut FakeStore, format: Format, max: u64) -> Result<Vec<u8>> {
        let tables = Tables::new("ost_").unwrap();
        let resp = download(store, &tables, "7", format, max)?;
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("Content-Type"), Some(format.content_type()));
        let Body::Download(dl) = &resp.body else {
            panic!("expected a streamed body")
        };
        assert_eq!(dl.size, 1000);
        let mut out = dl.head.clone();
        let n = stream(store, dl, &mut |b| out.extend_from_slice(b))?;
        assert_eq!(n, 1000);
        out.extend_from_slice(&dl.tail);
        Ok(out)
    }

    #[test]
    fn streamed_download_is_exactly_the_one_shot_json() {
        let mut fake = store("D");
        let whole = fake.chunks.concat();
        let out = streamed(&mut fake, Format::Json, 1000).unwrap();
        // The same answer encoded in one go by the renderer every other endpoint uses.
        let one_shot = crate::render::to_json(
            &Node::map(5)
                .with("file_id", 7i64)
                .with("filename", "r\u{e9}sum\u{e9} \"<1>\".bin")
                .with("mime_type", "application/x-thing")
                .with("size", 1000i64)
                .with("content", STANDARD.encode(&whole)),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(one_shot).unwrap()
        );
        assert_eq!(fake.ran, 2, "one metadata query, one chunk query");
    }

    #[test]
    fn streamed_download_in_xml_is_well_formed_and_complete() {
        let mut fake = store("D");
        let whole = fake.chunks.concat();
        let out = String::from_utf8(streamed(&mut fake, Format::Xml, u64::MAX).unwrap()).unwrap();
        assert_eq!(
            out,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><file_id>7</file_id>\
                 <filename>r\u{e9}sum\u{e9} &quot;&lt;1&gt;&quot;.bin</filename>\
                 <mime_type>application/x-thing</mime_type><size>1000</size>\
                 <content>{}</content></response>\n",
                STANDARD.encode(&whole)
            )
        );
    }

    #[test]
    fn download_refuses_what_it_cannot_or_may_not_serve() {
        let tables = Tables::new("ost_").unwrap();
        let status = |fake: &mut FakeStore, id: &str, max: u64| {
            download(fake, &tables, id, Format::Json, max)
                .map(|r| r.status)
                .unwrap_or_else(|e| e.status())
        };
        // Not attached to a ticket thread entry: no row at all.
        let mut none = store("D");
        none.file = None;
        assert_eq!(status(&mut none, "7", u64::MAX), 403);
        // Attached, but the file row is gone.
        let mut gone = store("D");
        gone.file = Some(vec![
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        ]);
        assert_eq!(status(&mut gone, "7", u64::MAX), 404);
        // Too large: the message names size and limit.
        let err = download(&mut store("D"), &tables, "7", Format::Json, 999).unwrap_err();
        assert_eq!(err.status(), 413);
        assert!(err.message().contains("1000 bytes"), "{}", err.message());
        assert!(err.message().contains("999 bytes"), "{}", err.message());
        // Another storage backend.
        let err = download(&mut store("F"), &tables, "7", Format::Json, u64::MAX).unwrap_err();
        assert_eq!(err.status(), 501);
        assert!(err.message().contains("'F'"), "{}", err.message());
        // A bad id is refused before any query.
        let mut fake = store("D");
        assert_eq!(status(&mut fake, "0", u64::MAX), 400);
        assert_eq!(fake.ran, 0);
    }

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
        for bad in ["0", "000", "99999999999", "", "+5", " 5", "5 ", "-1", "５"] {
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
