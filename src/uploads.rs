//! Attachments of the write path: decoding and checking before anything is written.
//!
//! Create and update bodies carry attachments as JSON, either in the plugin's short form
//! `{"<filename>": "data:<mime>[;base64],<payload>"}` or in osTicket core's long form
//! `{"name": .., "type": .., "data": .., "encoding": "base64"}`. [`parse_attachments`] turns
//! them into [`Upload`]s only when every file passes: a clean name, an extension of the
//! supported list (and of the helpdesk's own, if it has one), sizes within the [`Policy`]
//! (checked from the encoded length, before anything is decoded) and content whose magic bytes
//! match the extension. The stored MIME type comes from the extension, never from the client.
//! This module must not import `ext_php_rs` or `mysql`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;

use crate::error::ApiError;

/// Limits on the attachments of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Most files per request (default 5).
    pub max_files: usize,
    /// Largest decoded size of one file in bytes (default 10 MiB).
    pub max_file_size: u64,
    /// Largest decoded size of all files together in bytes (default 50 MiB).
    pub max_total: u64,
    /// The helpdesk's own allowed extensions, lower-case without dot; `None` adds no restriction
    /// beyond the supported list.
    pub allowed_extensions: Option<Vec<String>>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_files: 5,
            max_file_size: 10 * 1024 * 1024,
            max_total: 50 * 1024 * 1024,
            allowed_extensions: None,
        }
    }
}

/// One checked, decoded attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The file name, cleaned by [`sanitize_filename`].
    pub name: String,
    /// The MIME type that belongs to the extension.
    pub mime: String,
    /// The decoded content.
    pub data: Vec<u8>,
}

/// How a file's content is recognised.
#[derive(Debug, Clone, Copy)]
enum Content {
    /// Binary signature checked by the function.
    Magic(fn(&[u8]) -> bool),
    /// UTF-8 text without NUL bytes.
    Text,
}

/// The supported extensions (the original plugin's README list), their content check and the
/// MIME type they are stored under. SVG is not among them: see [`REFUSED_IMAGES`].
#[rustfmt::skip]
const TYPES: &[(&str, Content, &str)] = {
    use infer::archive::{is_7z, is_gz, is_pdf, is_rar, is_tar, is_zip};
    use infer::image::{is_bmp, is_gif, is_ico, is_jpeg, is_png, is_webp};
    use Content::{Magic, Text};
    &[
        ("png",  Magic(is_png),   "image/png"),
        ("jpg",  Magic(is_jpeg),  "image/jpeg"),
        ("jpeg", Magic(is_jpeg),  "image/jpeg"),
        ("gif",  Magic(is_gif),   "image/gif"),
        ("webp", Magic(is_webp),  "image/webp"),
        ("bmp",  Magic(is_bmp),   "image/bmp"),
        ("ico",  Magic(is_ico),   "image/vnd.microsoft.icon"),
        ("pdf",  Magic(is_pdf),   "application/pdf"),
        // Office 2007+ and OpenDocument files are ZIP containers, older Office files OLE2.
        ("doc",  Magic(is_ole2),  "application/msword"),
        ("docx", Magic(is_zip),   "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xls",  Magic(is_ole2),  "application/vnd.ms-excel"),
        ("xlsx", Magic(is_zip),   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("ppt",  Magic(is_ole2),  "application/vnd.ms-powerpoint"),
        ("pptx", Magic(is_zip),   "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ("odt",  Magic(is_zip),   "application/vnd.oasis.opendocument.text"),
        ("ods",  Magic(is_zip),   "application/vnd.oasis.opendocument.spreadsheet"),
        ("txt",  Text,            "text/plain"),
        ("md",   Text,            "text/markdown"),
        ("csv",  Text,            "text/csv"),
        ("json", Text,            "application/json"),
        ("xml",  Text,            "application/xml"),
        ("yaml", Text,            "application/yaml"),
        ("yml",  Text,            "application/yaml"),
        ("log",  Text,            "text/plain"),
        ("html", Text,            "text/html"),
        ("htm",  Text,            "text/html"),
        ("css",  Text,            "text/css"),
        ("js",   Text,            "text/javascript"),
        ("zip",  Magic(is_zip),   "application/zip"),
        ("tar",  Magic(is_tar),   "application/x-tar"),
        ("gz",   Magic(is_gz),    "application/gzip"),
        ("7z",   Magic(is_7z),    "application/x-7z-compressed"),
        ("rar",  Magic(is_rar),   "application/vnd.rar"),
    ]
};

/// Image types refused with 415 whatever their content: an SVG file is an XML document that can
/// carry script, and osTicket stores it as `image/svg+xml`, a type browsers run script in when
/// it is opened on its own. Clients send PNG instead, or put the SVG into a `.zip`.
pub const REFUSED_IMAGES: &[&str] = &["svg", "svgz"];

/// The OLE2 compound-file signature of DOC, XLS and PPT.
fn is_ole2(data: &[u8]) -> bool {
    data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// The extensions [`parse_attachments`] accepts, with the MIME type each is stored under.
pub fn supported_types() -> impl Iterator<Item = (&'static str, &'static str)> {
    TYPES.iter().map(|&(ext, _, mime)| (ext, mime))
}

/// An attachment as sent, before decoding.
struct Raw<'a> {
    name: &'a str,
    encoding: Encoding,
    payload: &'a str,
}

/// How an attachment's payload is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// Base64 (a `;base64` data URI, or the long form's `"encoding": "base64"`).
    Base64,
    /// `%XX` escapes (a data URI without `;base64`).
    Percent,
    /// The content itself (the long form without an encoding).
    Plain,
}

impl Encoding {
    fn of_data_uri(base64: bool) -> Self {
        if base64 {
            Encoding::Base64
        } else {
            Encoding::Percent
        }
    }
}

/// Decodes and checks the attachments in `value` (the JSON of the request field `field`).
///
/// Nothing is decoded before the file count, every name, extension and size has passed, so an
/// oversized request is refused without allocating its content.
pub fn parse_attachments(
    value: &Value,
    field: &str,
    policy: &Policy,
) -> Result<Vec<Upload>, ApiError> {
    take_attachments(value.clone(), field, policy)
}

/// [`parse_attachments`] of a value the caller gives up: each file's encoded text is freed as soon
/// as it is decoded, so the encoded and the decoded attachments are never all in memory at once
/// (the largest write: 67 MB of base64 and 50 MB of files).
pub fn take_attachments(
    value: Value,
    field: &str,
    policy: &Policy,
) -> Result<Vec<Upload>, ApiError> {
    let items = value.as_array().ok_or_else(|| {
        reject(
            400,
            "invalid_attachments",
            field,
            "Attachments must be an array",
        )
    })?;
    if items.len() > policy.max_files {
        return Err(reject(
            400,
            "too_many_attachments",
            field,
            format!(
                "At most {} attachments are allowed per request, got {}",
                policy.max_files,
                items.len()
            ),
        ));
    }
    let mut checked = Vec::with_capacity(items.len());
    let mut total: u64 = 0;
    for (index, item) in items.iter().enumerate() {
        let raw = raw_attachment(item, index, field)?;
        let name = sanitize_filename(raw.name).ok_or_else(|| {
            reject(
                400,
                "invalid_attachment_name",
                field,
                format!("Attachment #{} has no usable file name", index + 1),
            )
        })?;
        let (mime, content) = file_type(&name, field, policy)?;
        let size = decoded_len(raw.encoding, raw.payload);
        if size > policy.max_file_size {
            return Err(reject(
                413,
                "attachment_too_large",
                field,
                format!(
                    "Attachment \"{name}\" is {size} bytes; the limit is {} bytes per file",
                    policy.max_file_size
                ),
            ));
        }
        total = total.saturating_add(size);
        if total > policy.max_total {
            return Err(reject(
                413,
                "attachments_too_large",
                field,
                format!(
                    "Attachment \"{name}\" ({size} bytes) brings the attachments to {total} bytes; \
                     the limit is {} bytes in total",
                    policy.max_total
                ),
            ));
        }
        checked.push((name, mime, content));
    }
    let Value::Array(items) = value else {
        return Ok(Vec::new()); // checked above: an array
    };
    checked
        .into_iter()
        .zip(items)
        .enumerate()
        .map(|(index, ((name, mime, content), item))| {
            let raw = raw_attachment(&item, index, field)?;
            let data = decode(raw.encoding, raw.payload).ok_or_else(|| {
                reject(
                    400,
                    "invalid_attachment_data",
                    field,
                    format!("Attachment \"{name}\" is not validly encoded"),
                )
            })?;
            if !matches_content(content, &data) {
                return Err(reject(
                    415,
                    "attachment_content_mismatch",
                    field,
                    format!("Attachment \"{name}\": content does not match its file type"),
                ));
            }
            Ok(Upload {
                name,
                mime: mime.to_string(),
                data,
            })
        })
        .collect()
}

/// Reads one array element in either the short or osTicket's long form.
fn raw_attachment<'a>(item: &'a Value, index: usize, field: &str) -> Result<Raw<'a>, ApiError> {
    let shape_error = || {
        reject(
            400,
            "invalid_attachments",
            field,
            format!(
                "Attachment #{} must be {{\"<filename>\": \"data:<type>;base64,<data>\"}} \
                 or {{\"name\", \"type\", \"data\", \"encoding\"}}",
                index + 1
            ),
        )
    };
    let object = item.as_object().ok_or_else(shape_error)?;
    if let (Some(Value::String(name)), Some(Value::String(data))) =
        (object.get("name"), object.get("data"))
    {
        if let Some((_, base64, payload)) = parse_data_uri(data) {
            return Ok(Raw {
                name,
                encoding: Encoding::of_data_uri(base64),
                payload,
            });
        }
        let encoding = match object.get("encoding") {
            None | Some(Value::Null) => Encoding::Plain,
            Some(Value::String(e)) if e.is_empty() => Encoding::Plain,
            Some(Value::String(e)) if e.eq_ignore_ascii_case("base64") => Encoding::Base64,
            Some(_) => {
                return Err(reject(
                    400,
                    "invalid_attachment_data",
                    field,
                    format!("Attachment \"{name}\" has an unsupported encoding (use base64)"),
                ))
            }
        };
        return Ok(Raw {
            name,
            encoding,
            payload: data,
        });
    }
    let mut entries = object.iter();
    let (Some((name, value)), None) = (entries.next(), entries.next()) else {
        return Err(shape_error());
    };
    let uri = value.as_str().and_then(parse_data_uri);
    let (_, base64, payload) = uri.ok_or_else(|| {
        reject(
            400,
            "invalid_attachment_data",
            field,
            format!("Attachment \"{name}\" must be given as a data: URI"),
        )
    })?;
    Ok(Raw {
        name,
        encoding: Encoding::of_data_uri(base64),
        payload,
    })
}

/// The MIME type and content check for `name`'s extension, if it is supported and allowed.
fn file_type(
    name: &str,
    field: &str,
    policy: &Policy,
) -> Result<(&'static str, Content), ApiError> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_lowercase())
        .unwrap_or_default();
    if REFUSED_IMAGES.contains(&ext.as_str()) {
        return Err(reject(
            415,
            "unsupported_attachment_type",
            field,
            format!(
                "Attachment \"{name}\": SVG images are not accepted (they can carry script); \
                 send PNG, or the SVG inside a .zip"
            ),
        ));
    }
    let &(_, content, mime) = TYPES
        .iter()
        .find(|(known, _, _)| *known == ext)
        .ok_or_else(|| {
            reject(
                415,
                "unsupported_attachment_type",
                field,
                format!("Attachment \"{name}\": this file type is not supported"),
            )
        })?;
    let allowed = policy.allowed_extensions.as_ref().is_none_or(|list| {
        list.iter()
            .any(|a| a.trim().trim_start_matches('.').eq_ignore_ascii_case(&ext))
    });
    if !allowed {
        return Err(reject(
            415,
            "attachment_type_not_allowed",
            field,
            format!("Attachment \"{name}\": this helpdesk does not accept .{ext} files"),
        ));
    }
    Ok((mime, content))
}

/// Whether `data` looks like what the extension promises.
fn matches_content(content: Content, data: &[u8]) -> bool {
    let text = || {
        let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        std::str::from_utf8(body)
            .ok()
            .filter(|text| !text.contains('\0'))
    };
    match content {
        Content::Magic(is) => is(data),
        Content::Text => text().is_some(),
    }
}

/// The decoded size of `payload`, computed without decoding it. Exact for valid input.
fn decoded_len(encoding: Encoding, payload: &str) -> u64 {
    let bytes = payload.as_bytes();
    match encoding {
        Encoding::Plain => bytes.len() as u64,
        Encoding::Percent => {
            let escapes = bytes.iter().filter(|&&b| b == b'%').count();
            bytes.len().saturating_sub(2 * escapes) as u64
        }
        Encoding::Base64 => {
            let symbols = bytes.iter().filter(|b| !b.is_ascii_whitespace()).count();
            let padding = payload
                .trim_end()
                .bytes()
                .rev()
                .take(2)
                .take_while(|&b| b == b'=')
                .count();
            (symbols.saturating_sub(padding) as u64) * 3 / 4
        }
    }
}

/// Decodes `payload`; `None` when it is not valid in its encoding.
fn decode(encoding: Encoding, payload: &str) -> Option<Vec<u8>> {
    match encoding {
        Encoding::Plain => Some(payload.as_bytes().to_vec()),
        Encoding::Percent => percent_decode(payload),
        Encoding::Base64 => {
            // Strict (canonical, padded) base64; only line breaks and blanks are forgiven.
            let compact: Vec<u8> = payload
                .bytes()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            STANDARD.decode(compact).ok()
        }
    }
}

/// Decodes `%XX` escapes; `None` on a malformed escape.
fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        if b == b'%' {
            let (hex, more) = tail.split_at_checked(2)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            rest = more;
        } else {
            out.push(b);
        }
    }
    Some(out)
}

/// Splits a `data:` URI into its MIME type (lower-case, `text/plain` when omitted), whether it
/// is base64, and the still-encoded payload. `None` when `s` is not a data URI.
pub fn parse_data_uri(s: &str) -> Option<(String, bool, &str)> {
    let s = s.trim_start();
    let rest = s
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("data:"))
        .and(s.get(5..))?;
    let (header, payload) = rest.split_once(',')?;
    let mut parts = header.split(';').map(str::trim);
    let mime = parts.next().unwrap_or_default().to_ascii_lowercase();
    let base64 = parts.any(|p| p.eq_ignore_ascii_case("base64"));
    let mime = if mime.is_empty() {
        "text/plain".to_string()
    } else {
        let (kind, sub) = mime.split_once('/')?;
        let token = |t: &str| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
        };
        if !(token(kind) && token(sub)) {
            return None;
        }
        mime
    };
    Some((mime, base64, payload))
}

/// A whole `data:` URI decoded: its MIME type and content; `None` when `s` is not one or its
/// payload is malformed.
pub fn decode_data_uri(s: &str) -> Option<(String, Vec<u8>)> {
    let (mime, base64, payload) = parse_data_uri(s)?;
    let encoding = if base64 {
        Encoding::Base64
    } else {
        Encoding::Percent
    };
    Some((mime, decode(encoding, payload)?))
}

/// Cleans a client-supplied file name: drops any directory part (`/` or `\`), control and
/// bidirectional-override characters and characters reserved in file names, leading dots,
/// collapses blanks, and caps it at 255 bytes keeping the extension. `None` when nothing is left.
pub fn sanitize_filename(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name = String::with_capacity(base.len());
    for c in base.chars() {
        if c.is_whitespace() {
            if !name.is_empty() && !name.ends_with(' ') {
                name.push(' ');
            }
        } else if !(c.is_control() || is_invisible_format(c) || "<>:\"|?*".contains(c)) {
            name.push(c);
        }
    }
    let name = name.trim_start_matches(['.', ' ']).trim_end();
    if name.is_empty() {
        return None;
    }
    Some(truncate_keeping_extension(name, 255))
}

/// Characters that change how a name displays without being visible (e.g. an override making
/// `exe.txt` look like `txt.exe`).
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Cuts `name` to at most `max` bytes on a char boundary, keeping a short extension intact.
fn truncate_keeping_extension(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        // `.ext`, dot included: `stem.len()` is a char boundary of `name`.
        Some((stem, ext)) if !stem.is_empty() && ext.len() < 32 => {
            (stem, name.get(stem.len()..).unwrap_or_default())
        }
        _ => (name, ""),
    };
    let stem = prefix_within(stem, max.saturating_sub(ext.len()));
    format!("{}{ext}", stem.trim_end())
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn prefix_within(s: &str, max: usize) -> &str {
    let mut cut = max.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.get(..cut).unwrap_or_default()
}

/// An error about the attachments field. ApiError has no 413/415 constructor that carries a
/// field, so the `Invalid` variant is built with the status directly.
fn reject(status: u16, code: &'static str, field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Invalid {
        status,
        code,
        message: message.into(),
        field: Some(field.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
    const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff";
    const ZIP: &[u8] = b"PK\x03\x04\x14\0\0\0\x08\0";
    const OLE2: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0";

    fn uri(mime: &str, data: &[u8]) -> String {
        format!("data:{mime};base64,{}", STANDARD.encode(data))
    }

    fn one(name: &str, data: &[u8]) -> Value {
        json!([{ name: uri("application/octet-stream", data) }])
    }

    fn parse(value: &Value) -> Result<Vec<Upload>, ApiError> {
        parse_attachments(value, "attachments", &Policy::default())
    }

    fn status_of(value: &Value, policy: &Policy) -> u16 {
        match parse_attachments(value, "attachments", policy) {
            Ok(_) => 200,
            Err(e) => e.status(),
        }
    }

    #[test]
    fn accepts_short_form_with_mime_from_extension() {
        let got = parse(&json!([{ "shot.PNG": uri("text/html", PNG) }])).unwrap();
        assert_eq!(
            got,
            vec![Upload {
                name: "shot.PNG".into(),
                mime: "image/png".into(),
                data: PNG.to_vec()
            }]
        );
    }

    #[test]
    fn accepts_osticket_long_form() {
        let value = json!([
            { "name": "a.pdf", "type": "application/pdf", "data": STANDARD.encode(PDF), "encoding": "base64" },
            { "name": "b.txt", "type": "text/plain", "data": "plain text" },
            { "name": "c.png", "data": uri("image/png", PNG) },
        ]);
        let got = parse(&value).unwrap();
        assert_eq!(got[0].data, PDF);
        assert_eq!(got[1].data, b"plain text");
        assert_eq!(got[1].mime, "text/plain");
        assert_eq!(got[2].data, PNG);
    }

    #[test]
    fn rejects_unknown_long_form_encoding() {
        let value = json!([{ "name": "a.txt", "data": "x", "encoding": "quoted-printable" }]);
        let e = parse(&value).unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "invalid_attachment_data"));
    }

    #[test]
    fn accepts_percent_encoded_data_uri() {
        let value = json!([{ "note.txt": "data:text/plain;charset=utf-8,Hello%2C%20w%C3%B6rld" }]);
        let got = parse(&value).unwrap();
        assert_eq!(got[0].data, "Hello, wörld".as_bytes());
    }

    #[test]
    fn rejects_malformed_percent_escape() {
        let e = parse(&json!([{ "note.txt": "data:,50%zz" }])).unwrap_err();
        assert_eq!(e.code(), "invalid_attachment_data");
    }

    #[test]
    fn rejects_shapes_that_are_not_attachment_lists() {
        for value in [
            json!({ "a.txt": "data:,x" }),
            json!("data:,x"),
            json!(["data:,x"]),
            json!([{}]),
            json!([{ "a.txt": "data:,x", "b.txt": "data:,y" }]),
            json!([{ "a.txt": 5 }]),
            json!([{ "a.txt": "not a data uri" }]),
        ] {
            let e = parse(&value).unwrap_err();
            assert_eq!(e.status(), 400, "{value}");
            assert_eq!(e.field(), Some("attachments"), "{value}");
        }
    }

    #[test]
    fn rejects_empty_names() {
        for name in ["", "../", "...", " \t ", "dir/\u{202E}"] {
            let e = parse(&json!([{ name: "data:,x" }])).unwrap_err();
            assert_eq!(
                (e.status(), e.code()),
                (400, "invalid_attachment_name"),
                "{name:?}"
            );
        }
    }

    #[test]
    fn rejects_invalid_base64_and_tolerates_whitespace() {
        let e = parse(&json!([{ "a.txt": "data:text/plain;base64,aGVsbG8=!" }])).unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "invalid_attachment_data"));
        assert!(e.message().contains("a.txt"));
        // Unpadded is not canonical base64.
        assert!(parse(&json!([{ "a.txt": "data:text/plain;base64,aGVsbG8" }])).is_err());
        let ok = parse(&json!([{ "a.txt": "data:text/plain;base64,aGVs\r\nbG8g\n d29y bGQ=" }]));
        assert_eq!(ok.unwrap()[0].data, b"hello world");
    }

    #[test]
    fn refuses_more_files_than_the_limit() {
        let file = json!({ "a.txt": "data:,x" });
        let policy = Policy::default();
        assert_eq!(status_of(&json!(vec![file.clone(); 5]), &policy), 200);
        let e = parse(&json!(vec![file; 6])).unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "too_many_attachments"));
        assert!(e.message().contains('5'));
    }

    #[test]
    fn file_of_exactly_the_limit_passes_and_one_byte_more_is_413() {
        let policy = Policy {
            max_file_size: 12,
            ..Policy::default()
        };
        for (encode, label) in [(true, "base64"), (false, "percent")] {
            let file = |len: usize| {
                let text = "x".repeat(len);
                let data = if encode {
                    uri("text/plain", text.as_bytes())
                } else {
                    format!("data:,{}", text.replacen('x', "%78", 3))
                };
                json!([{ "big.txt": data }])
            };
            assert_eq!(status_of(&file(12), &policy), 200, "{label}");
            let e = parse_attachments(&file(13), "attachments", &policy).unwrap_err();
            assert_eq!(e.status(), 413, "{label}");
            assert_eq!(e.field(), Some("attachments"));
            let msg = e.message();
            assert!(
                msg.contains("big.txt") && msg.contains("13") && msg.contains("12"),
                "{msg}"
            );
        }
    }

    #[test]
    fn total_of_exactly_the_limit_passes_and_one_byte_more_is_413() {
        let policy = Policy {
            max_total: 20,
            ..Policy::default()
        };
        let files = |second: usize| {
            json!([
                { "a.txt": uri("text/plain", &[b'a'; 10]) },
                { "b.txt": uri("text/plain", &vec![b'b'; second]) },
            ])
        };
        assert_eq!(status_of(&files(10), &policy), 200);
        let e = parse_attachments(&files(11), "attachments", &policy).unwrap_err();
        assert_eq!((e.status(), e.code()), (413, "attachments_too_large"));
        let msg = e.message();
        assert!(
            msg.contains("b.txt") && msg.contains("21") && msg.contains("20"),
            "{msg}"
        );
    }

    #[test]
    fn oversized_payload_is_refused_before_decoding() {
        // 14 MB of base64 is about 10.5 MB decoded. The trailing '!' makes the payload invalid,
        // so a 413 (not a 400) proves the size was judged before any decoding was attempted.
        let mut data = String::with_capacity(14_000_030);
        data.push_str("data:text/plain;base64,");
        data.extend(std::iter::repeat_n('A', 14_000_000));
        data.push('!');
        let e = parse(&json!([{ "huge.txt": data }])).unwrap_err();
        assert_eq!(e.status(), 413);
        assert!(e.message().contains("huge.txt"));
    }

    #[test]
    fn decoded_len_is_exact_for_valid_base64() {
        for len in 0..20 {
            let encoded = STANDARD.encode(vec![7u8; len]);
            assert_eq!(decoded_len(Encoding::Base64, &encoded), len as u64);
        }
    }

    #[test]
    fn rejects_extensions_outside_the_supported_list() {
        for name in [
            "setup.exe",
            "noext",
            "archive.tar.bz2",
            "page.php",
            "x.svgz",
        ] {
            let e = parse(&one(name, b"x")).unwrap_err();
            assert_eq!(
                (e.status(), e.code()),
                (415, "unsupported_attachment_type"),
                "{name}"
            );
            assert!(e.message().contains(name));
        }
    }

    #[test]
    fn honours_the_helpdesks_own_extension_list() {
        let policy = Policy {
            allowed_extensions: Some(vec!["pdf".into(), ".TXT".into()]),
            ..Policy::default()
        };
        assert_eq!(status_of(&one("a.txt", b"x"), &policy), 200);
        let e = parse_attachments(&one("a.png", PNG), "attachments", &policy).unwrap_err();
        assert_eq!((e.status(), e.code()), (415, "attachment_type_not_allowed"));
    }

    #[test]
    fn png_named_pdf_is_415() {
        let e = parse(&one("report.pdf", PNG)).unwrap_err();
        assert_eq!((e.status(), e.code()), (415, "attachment_content_mismatch"));
        assert!(e.message().contains("report.pdf"));
        assert!(e.message().contains("content does not match"));
    }

    #[test]
    fn exe_named_png_is_415() {
        let e = parse(&one("cat.png", EXE)).unwrap_err();
        assert_eq!((e.status(), e.code()), (415, "attachment_content_mismatch"));
    }

    #[test]
    fn office_containers_match_zip_and_ole2_signatures() {
        for name in ["a.docx", "a.xlsx", "a.pptx", "a.odt", "a.ods", "a.zip"] {
            assert_eq!(
                status_of(&one(name, ZIP), &Policy::default()),
                200,
                "{name}"
            );
            assert_eq!(
                status_of(&one(name, OLE2), &Policy::default()),
                415,
                "{name}"
            );
        }
        for name in ["a.doc", "a.xls", "a.ppt"] {
            assert_eq!(
                status_of(&one(name, OLE2), &Policy::default()),
                200,
                "{name}"
            );
            assert_eq!(
                status_of(&one(name, ZIP), &Policy::default()),
                415,
                "{name}"
            );
        }
    }

    #[test]
    fn tar_is_recognised_by_ustar_at_257() {
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(status_of(&one("a.tar", &tar), &Policy::default()), 200);
        assert_eq!(
            status_of(&one("a.tar", &[0u8; 512]), &Policy::default()),
            415
        );
    }

    #[test]
    fn text_types_must_be_utf8_without_nul() {
        assert_eq!(
            status_of(
                &one("a.csv", "\u{feff}a;b\nä;ö\n".as_bytes()),
                &Policy::default()
            ),
            200
        );
        assert_eq!(status_of(&one("a.json", b""), &Policy::default()), 200);
        assert_eq!(
            status_of(&one("a.log", b"bad \xff byte"), &Policy::default()),
            415
        );
        assert_eq!(
            status_of(&one("a.txt", b"nul\0byte"), &Policy::default()),
            415
        );
        assert_eq!(status_of(&one("a.txt", PNG), &Policy::default()), 415);
    }

    /// Finding 5 of issue 8: SVG with script was stored as an image.
    #[test]
    fn svg_is_refused_with_415_whatever_its_content() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        for name in ["a.svg", "LOGO.SVG", "a.svgz", "dir/x.Svg"] {
            for data in [&svg[..], PNG, b"plain"] {
                let e = parse(&one(name, data)).unwrap_err();
                assert_eq!(
                    (e.status(), e.code(), e.field()),
                    (415, "unsupported_attachment_type", Some("attachments")),
                    "{name}"
                );
                assert!(e.message().contains("SVG"), "{}", e.message());
            }
        }
        // Long form and a data: URI typed image/svg+xml are refused by the name's extension;
        // the stored type always comes from the extension, never from the client.
        let long = json!([{ "name": "a.svg", "type": "image/svg+xml", "data": "PHN2Zy8+", "encoding": "base64" }]);
        assert_eq!(parse(&long).unwrap_err().status(), 415);
        let png = parse(&json!([{ "a.png": uri("image/svg+xml", PNG) }])).unwrap();
        assert_eq!(png[0].mime, "image/png");
        assert!(supported_types().all(|(ext, mime)| ext != "svg" && !mime.contains("svg")));
    }

    #[test]
    fn every_supported_extension_has_a_content_check_that_can_fail() {
        for (ext, _) in supported_types() {
            let name = format!("f.{ext}");
            assert_eq!(
                status_of(&one(&name, EXE), &Policy::default()),
                415,
                "{ext}"
            );
        }
    }

    #[test]
    fn sanitize_filename_strips_paths() {
        assert_eq!(
            sanitize_filename("../../etc/passwd.txt").as_deref(),
            Some("passwd.txt")
        );
        assert_eq!(
            sanitize_filename(r"C:\Users\me\report.pdf").as_deref(),
            Some("report.pdf")
        );
        assert_eq!(
            sanitize_filename(r"..\..//mixed\a.txt").as_deref(),
            Some("a.txt")
        );
    }

    #[test]
    fn sanitize_filename_cleans_characters_and_blanks() {
        assert_eq!(sanitize_filename(".htaccess").as_deref(), Some("htaccess"));
        assert_eq!(
            sanitize_filename(" . .hidden.txt").as_deref(),
            Some("hidden.txt")
        );
        assert_eq!(
            sanitize_filename("a\tb\n\r  c .txt ").as_deref(),
            Some("a b c .txt")
        );
        assert_eq!(
            sanitize_filename("nul\0l\u{7}.txt").as_deref(),
            Some("null.txt")
        );
        assert_eq!(
            sanitize_filename("invoice\u{202E}fdp.exe").as_deref(),
            Some("invoicefdp.exe")
        );
        assert_eq!(
            sanitize_filename("a<b>:\"c|?*.txt").as_deref(),
            Some("abc.txt")
        );
        assert_eq!(
            sanitize_filename("Übersicht 東京 отчёт.pdf").as_deref(),
            Some("Übersicht 東京 отчёт.pdf")
        );
        assert_eq!(sanitize_filename("  "), None);
        assert_eq!(sanitize_filename("a/b/"), None);
    }

    #[test]
    fn sanitize_filename_caps_length_on_a_char_boundary_keeping_the_extension() {
        // 300 bytes of three-byte characters: the 250 bytes left for the stem fall mid-character.
        let long = format!("{}.docx", "東".repeat(100));
        let name = sanitize_filename(&long).unwrap();
        assert_eq!(name, format!("{}.docx", "東".repeat(83)));
        assert_eq!(name.len(), 254);
        let exact = format!("{}.txt", "a".repeat(251));
        assert_eq!(sanitize_filename(&exact).unwrap(), exact);
    }

    #[test]
    fn parses_data_uris() {
        assert_eq!(
            parse_data_uri("data:Image/PNG;base64,iVBO"),
            Some(("image/png".into(), true, "iVBO"))
        );
        assert_eq!(
            parse_data_uri("DATA:text/plain;charset=UTF-8,a,b"),
            Some(("text/plain".into(), false, "a,b"))
        );
        assert_eq!(
            parse_data_uri("data:,x"),
            Some(("text/plain".into(), false, "x"))
        );
        assert_eq!(
            parse_data_uri("data:;base64,eA=="),
            Some(("text/plain".into(), true, "eA=="))
        );
        assert_eq!(parse_data_uri("data:image/png;base64"), None);
        assert_eq!(parse_data_uri("data:not a type,x"), None);
        assert_eq!(parse_data_uri("https://x.test/a.png"), None);
        assert_eq!(parse_data_uri("dat"), None);
    }
}

/// Generated data URIs, attachment lists and file names (issue 8): nothing panics, encodings
/// round-trip, cleaned names keep their promises.
#[cfg(test)]
mod props {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;
    use serde_json::json;

    const TOKENS: &[&str] = &[
        "data:",
        "DATA:",
        "data:,",
        ";base64",
        ",",
        ";",
        "image/png",
        "image/svg+xml",
        "text/plain",
        "%",
        "%2",
        "%zz",
        "%C3%BC",
        "=",
        "==",
        "AAAA",
        "iVBORw0KGgo",
        "\n",
        " ",
        "/",
        "\\",
        ".",
        ".txt",
        ".png",
        ".svg",
        "..",
        "\u{202e}",
    ];

    fn attachment() -> impl Strategy<Value = Value> {
        let name = || fuzz::text_from(TOKENS, 4);
        let data = || fuzz::text_from(TOKENS, 8);
        prop_oneof![
            (name(), data()).prop_map(|(n, d)| json!({ n: d })),
            (
                name(),
                data(),
                proptest::option::of(fuzz::text_from(&["base64", "BASE64", "x"], 1))
            )
                .prop_map(|(n, d, e)| json!({ "name": n, "data": d, "encoding": e })),
            Just(json!(null)),
            Just(json!([1])),
        ]
    }

    proptest! {
        #![proptest_config(fuzz::config("data-uri", 384))]

        #[test]
        fn any_data_uri_decodes_or_is_refused(s in fuzz::text_from(TOKENS, 12)) {
            let _ = parse_data_uri(&s);
            let _ = decode_data_uri(&s);
        }

        #[test]
        fn base64_and_percent_data_uris_round_trip(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let b64 = format!("data:application/octet-stream;base64,{}", STANDARD.encode(&data));
            prop_assert_eq!(decode_data_uri(&b64), Some(("application/octet-stream".into(), data.clone())));
            let pct: String = data.iter().map(|b| format!("%{b:02x}")).collect();
            prop_assert_eq!(decode_data_uri(&format!("data:,{pct}")), Some(("text/plain".into(), data)));
        }

        #[test]
        fn any_attachment_list_is_checked_without_panicking(
            items in proptest::collection::vec(attachment(), 0..7)
        ) {
            match parse_attachments(&Value::Array(items), "attachments", &Policy::default()) {
                Ok(files) => {
                    for f in files {
                        prop_assert!(!f.mime.contains("svg"), "{:?}", f.name);
                        prop_assert_eq!(sanitize_filename(&f.name), Some(f.name.clone()));
                    }
                }
                Err(e) => {
                    prop_assert!([400, 413, 415].contains(&e.status()));
                    prop_assert_eq!(e.field(), Some("attachments"));
                }
            }
        }

        #[test]
        fn cleaned_names_are_short_flat_and_stable(raw in fuzz::text_from(TOKENS, 80)) {
            if let Some(name) = sanitize_filename(&raw) {
                prop_assert!(!name.is_empty() && name.len() <= 255, "{:?}", raw);
                prop_assert!(!name.contains(['/', '\\']) && !name.starts_with('.'), "{:?}", name);
                prop_assert!(!name.chars().any(|c| c.is_control() || is_invisible_format(c)), "{:?}", name);
                prop_assert_eq!(sanitize_filename(&name), Some(name.clone()), "{:?}", raw);
            }
        }

        #[test]
        fn prefixes_end_on_a_character(s in fuzz::text_from(TOKENS, 8), max in 0usize..64) {
            let p = prefix_within(&s, max);
            prop_assert!(p.len() <= max && s.starts_with(p));
            prop_assert!(p.len() + 4 > max.min(s.len()), "{:?} {}", s, max);
        }
    }

    #[test]
    fn corpus_data_uris_decode_or_are_refused() {
        for s in fuzz::corpus_text("data-uri") {
            let _ = decode_data_uri(&s);
            let _ = sanitize_filename(&s);
            let one = json!([{ "name": "a.txt", "data": s.clone() }, { "a.png": s.clone() }]);
            if let Err(e) = parse_attachments(&one, "attachments", &Policy::default()) {
                assert!([400, 413, 415].contains(&e.status()), "{s:?}");
            }
        }
    }
}
