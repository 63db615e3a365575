//! XML bodies of `POST /api/tickets.xml`, in the shape osTicket core's API documents
//! (`setup/doc/api/tickets.md`): the root element's attributes (`alert`, `autorespond`,
//! `source`) and child elements become fields; `<message type="text/html">` keeps its type;
//! `<attachments><file name=".." type=".." encoding="base64">..</file></attachments>` become
//! attachment objects of the long form. No DTDs or external entities are read.

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};

use super::body::Fields;
use crate::error::{ApiError, Result};

#[derive(Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
}

fn bad(what: impl std::fmt::Display) -> ApiError {
    ApiError::invalid("invalid_xml", format!("Invalid XML: {what}"))
}

/// Most nested elements a document may have (`<ticket><attachments><file>` needs three).
pub const MAX_DEPTH: usize = 16;

fn element(e: &quick_xml::events::BytesStart<'_>) -> Result<Element> {
    let mut el = Element {
        name: e.local_name().as_ref().to_owned(),
        ..Element::default()
    };
    // quick-xml's own duplicate check compares each attribute with all before it (quadratic in
    // their number); a set does the same in linear time.
    let mut seen = std::collections::HashSet::new();
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(bad)?;
        if !seen.insert(a.key.as_ref().to_owned()) {
            return Err(bad(format!("duplicate attribute {}", a.key.as_ref())));
        }
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(bad)?
            .into_owned();
        el.attrs
            .push((a.key.local_name().as_ref().to_owned(), value));
    }
    Ok(el)
}

/// Parses the document into its root element.
fn parse_tree(xml: &str) -> Result<Element> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let event = reader.read_event().map_err(bad)?;
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ApiError::invalid(
                        "too_deep",
                        format!("Invalid XML: nested deeper than {MAX_DEPTH} elements"),
                    ));
                }
                stack.push(element(&e)?);
            }
            Event::Empty(e) => {
                let el = element(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| bad("unbalanced end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c);
                }
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref().map_err(bad)? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.to_string();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| bad(format!("unknown entity &{name};")))?
                            .to_owned()
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&ch);
                }
            }
            Event::DocType(_) => return Err(bad("DOCTYPE declarations are not accepted")),
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(bad("unclosed element"));
    }
    root.ok_or_else(|| bad("no root element"))
}

fn attr<'a>(el: &'a Element, name: &str) -> Option<&'a str> {
    el.attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The fields of an XML create body.
pub fn parse(bytes: &[u8]) -> Result<Fields> {
    let xml = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
    let root = parse_tree(xml)?;
    let mut fields = Map::new();
    for (k, v) in &root.attrs {
        fields.insert(k.clone(), Value::String(v.clone()));
    }
    for child in &root.children {
        match child.name.as_str() {
            "attachments" => {
                let files = child
                    .children
                    .iter()
                    .map(|f| {
                        let mut o = Map::new();
                        o.insert("name".into(), attr(f, "name").unwrap_or("").into());
                        if let Some(t) = attr(f, "type") {
                            o.insert("type".into(), t.into());
                        }
                        if let Some(e) = attr(f, "encoding") {
                            o.insert("encoding".into(), e.into());
                        }
                        let data = if attr(f, "encoding").is_some() {
                            f.text.trim().to_owned()
                        } else {
                            f.text.clone()
                        };
                        o.insert("data".into(), data.into());
                        Value::Object(o)
                    })
                    .collect();
                fields.insert("attachments".into(), Value::Array(files));
            }
            "message" => {
                let html = attr(child, "type").is_some_and(|t| t.eq_ignore_ascii_case("text/html"));
                fields.insert("message".into(), child.text.clone().into());
                if html && !root.children.iter().any(|c| c.name == "format") {
                    fields.insert("format".into(), "html".into());
                }
            }
            name => {
                fields.insert(name.to_owned(), child.text.trim().to_owned().into());
            }
        }
    }
    if fields.is_empty() {
        return Err(ApiError::invalid("no_data", "No data provided"));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_documented_body_is_read() {
        let f = parse(
            br#"<?xml version="1.0" encoding="UTF-8"?>
<ticket alert="true" autorespond="false" source="API">
    <name>Angry User</name>
    <email>api@osticket.com</email>
    <subject>Testing &amp; API &#x263A;</subject>
    <message type="text/html"><![CDATA[<p>Message <b>here</b></p>]]></message>
    <attachments>
        <file name="file.txt" type="text/plain"><![CDATA[ File content ]]></file>
        <file name="image.gif" type="image/gif" encoding="base64">
            R0lGODlhAQABAIAAAAAAAAAAACwAAAAAAQABAAACAkQBADs=
        </file>
    </attachments>
    <ip>123.211.233.122</ip>
</ticket>"#,
        )
        .unwrap();
        assert_eq!(f["autorespond"], "false");
        assert_eq!(f["subject"], "Testing & API \u{263A}");
        assert_eq!(f["message"], "<p>Message <b>here</b></p>");
        assert_eq!(f["format"], "html");
        assert_eq!(f["attachments"][0]["data"], " File content ");
        assert_eq!(
            f["attachments"][1]["data"],
            "R0lGODlhAQABAIAAAAAAAAAAACwAAAAAAQABAAACAkQBADs="
        );
        assert_eq!(f["attachments"][1]["encoding"], "base64");
        assert_eq!(f["ip"], "123.211.233.122");
    }

    #[test]
    fn malformed_or_dangerous_xml_is_a_400() {
        for bad in [
            &b"<ticket><name>x</ticket>"[..],
            b"<ticket>",
            b"",
            b"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><ticket><name>&e;</name></ticket>",
            b"<ticket><name>&nope;</name></ticket>",
            b"\xff\xfe",
        ] {
            assert_eq!(parse(bad).unwrap_err().status(), 400);
        }
    }
}

/// Generated XML (issue 8): no bytes panic; documents of fields read back; depth is capped.
#[cfg(test)]
mod props {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "<",
        ">",
        "</",
        "/>",
        "<ticket>",
        "</ticket>",
        "<message>",
        "</message>",
        "<a>",
        "</a>",
        "<![CDATA[",
        "]]>",
        "&amp;",
        "&#x1F600;",
        "&#0;",
        "&nope;",
        "<?xml version=\"1.0\"?>",
        "<!DOCTYPE x>",
        "<!--",
        "-->",
        "=\"",
        "\"",
        " a=\"1\"",
        "<attachments>",
        "<file name=\"a.txt\">",
        "</file>",
        "</attachments>",
    ];

    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    proptest! {
        #![proptest_config(fuzz::config("xml", 384))]

        #[test]
        fn any_bytes_parse_or_are_a_400(raw in fuzz::bytes_from(TOKENS, 24)) {
            if let Err(e) = parse(&raw) {
                prop_assert_eq!(e.status(), 400, "{:?}", raw);
            }
        }

        #[test]
        fn fields_read_back(
            fields in proptest::collection::btree_map(
                "[a-z][a-zA-Z]{0,8}".prop_filter("not a special child", |n| n != "attachments" && n != "message"),
                fuzz::text_from(&["a", " ", "&", "<", "]]>"], 6)
                    // XML 1.0 cannot carry most control characters (a 400) and reads a
                    // carriage return as a line feed.
                    .prop_filter("XML characters", |t| !t.chars().any(|c| c.is_control() && !"\t\n".contains(c)) && !t.contains(['\u{fffe}', '\u{ffff}'])),
                1..6,
            )
        ) {
            let doc = format!(
                "<ticket>{}</ticket>",
                fields.iter().map(|(k, v)| format!("<{k}>{}</{k}>", escape(v))).collect::<String>()
            );
            let got = parse(doc.as_bytes());
            let got = got.map_err(|e| e.message());
            let got = got.as_ref().map(|f| f.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect::<Vec<_>>());
            let want: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.clone(), v.trim().to_owned())).collect();
            prop_assert_eq!(got, Ok(want), "{}", doc);
        }
    }

    #[test]
    fn deep_or_wide_documents_are_refused_or_read_quickly() {
        let deep = "<a>".repeat(100_000);
        let e = parse(deep.as_bytes()).unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "too_deep"));
        let attrs: String = (0..20_000).map(|i| format!(" a{i}=\"\"")).collect();
        let wide = format!("<ticket{attrs}><name>x</name></ticket>");
        let start = std::time::Instant::now();
        assert_eq!(parse(wide.as_bytes()).unwrap()["name"], "x");
        assert!(start.elapsed().as_secs() < 2, "{:?}", start.elapsed());
        let dup = parse(b"<ticket a=\"1\" a=\"2\"><name>x</name></ticket>").unwrap_err();
        assert_eq!(dup.code(), "invalid_xml");
    }

    #[test]
    fn corpus_documents_parse_or_are_a_400() {
        for raw in fuzz::corpus("xml") {
            if let Err(e) = parse(&raw) {
                assert_eq!(e.status(), 400, "{raw:?}");
            }
        }
    }
}
