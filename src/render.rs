//! The response tree and its two encodings, JSON and XML.
//!
//! Handlers build a [`Node`] tree with keys in the order the wire contract lists them; this module
//! turns it into bytes. XML is always well-formed: element names that are not valid XML names (a
//! department called `Sales & Support`, a key `2024`) become `<item key="...">`, list entries are
//! `<item>`, and characters XML 1.0 forbids are replaced. This module must not import `ext_php_rs`
//! or `mysql`.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// The output format a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`
    Json,
    /// `application/xml`
    Xml,
}

impl Format {
    /// The `Content-Type` header value.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=UTF-8",
            Format::Xml => "application/xml; charset=UTF-8",
        }
    }

    /// Parses a URL suffix without the dot (`json`, `xml`); case-sensitive like the original.
    pub fn from_suffix(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }
}

/// A map key: usually a static name, sometimes data (a department name).
pub type Key = Cow<'static, str>;

/// A value of a response, with map keys in insertion order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `null`; an empty element in XML.
    Null,
    /// `true`/`false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Text.
    Str(String),
    /// A list; `<item>` elements in XML.
    List(Vec<Node>),
    /// An object with ordered keys.
    Map(Vec<(Key, Node)>),
}

impl Node {
    /// An empty ordered map with room for `n` entries.
    pub fn map(n: usize) -> Node {
        Node::Map(Vec::with_capacity(n))
    }

    /// Adds `key: value` to a map (does nothing on other nodes).
    pub fn push(&mut self, key: impl Into<Key>, value: impl Into<Node>) {
        if let Node::Map(entries) = self {
            entries.push((key.into(), value.into()));
        }
    }

    /// Builder form of [`Node::push`].
    pub fn with(mut self, key: impl Into<Key>, value: impl Into<Node>) -> Node {
        self.push(key, value);
        self
    }

    /// The value under `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl From<bool> for Node {
    fn from(v: bool) -> Self {
        Node::Bool(v)
    }
}
impl From<i64> for Node {
    fn from(v: i64) -> Self {
        Node::Int(v)
    }
}
impl From<String> for Node {
    fn from(v: String) -> Self {
        Node::Str(v)
    }
}
impl From<&str> for Node {
    fn from(v: &str) -> Self {
        Node::Str(v.to_owned())
    }
}
impl<T: Into<Node>> From<Option<T>> for Node {
    fn from(v: Option<T>) -> Self {
        v.map_or(Node::Null, Into::into)
    }
}
impl From<Vec<Node>> for Node {
    fn from(v: Vec<Node>) -> Self {
        Node::List(v)
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Int(i) => s.serialize_i64(*i),
            Node::Str(v) => s.serialize_str(v),
            Node::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k.as_ref(), v)?;
                }
                map.end()
            }
        }
    }
}

/// Encodes a tree in the requested format.
pub fn encode(node: &Node, format: Format) -> Vec<u8> {
    match format {
        Format::Json => to_json(node),
        Format::Xml => to_xml(node).into_bytes(),
    }
}

/// JSON bytes of a tree. Cannot fail: every `Node` is representable.
pub fn to_json(node: &Node) -> Vec<u8> {
    // Serialising a Node into a Vec has no failure path (no maps with non-string keys,
    // no I/O errors), so the fallback is never taken.
    serde_json::to_vec(node).unwrap_or_else(|_| b"null".to_vec())
}

/// The XML document `<?xml ...?><response>...</response>` of a tree.
pub fn to_xml(node: &Node) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write_element(&mut out, "response", None, node);
    out.push('\n');
    out
}

/// `true` if `name` can be used as an XML element name as is (a conservative ASCII subset,
/// excluding names starting with `xml`, which XML reserves).
pub fn is_xml_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    let Some(first) = bytes.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !name.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("xml"))
}

/// Text with the characters XML 1.0 forbids replaced by U+FFFD, then escaped.
pub fn xml_text(s: &str) -> Cow<'_, str> {
    let clean: Cow<'_, str> = if s.chars().all(is_xml_char) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    };
    match clean {
        Cow::Borrowed(b) => quick_xml::escape::escape(b),
        Cow::Owned(o) => Cow::Owned(quick_xml::escape::escape(o.as_str()).into_owned()),
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn write_element(out: &mut String, name: &str, key_attr: Option<&str>, node: &Node) {
    out.push('<');
    out.push_str(name);
    if let Some(key) = key_attr {
        out.push_str(" key=\"");
        out.push_str(&xml_text(key));
        out.push('"');
    }
    match node {
        Node::Null => out.push_str("/>"),
        Node::Str(s) if s.is_empty() => out.push_str("/>"),
        Node::List(items) if items.is_empty() => out.push_str("/>"),
        Node::Map(entries) if entries.is_empty() => out.push_str("/>"),
        Node::Bool(b) => {
            let _ = write!(out, ">{b}</{name}>");
        }
        Node::Int(i) => {
            let _ = write!(out, ">{i}</{name}>");
        }
        Node::Str(s) => {
            out.push('>');
            out.push_str(&xml_text(s));
            let _ = write!(out, "</{name}>");
        }
        Node::List(items) => {
            out.push('>');
            for item in items {
                write_element(out, "item", None, item);
            }
            let _ = write!(out, "</{name}>");
        }
        Node::Map(entries) => {
            out.push('>');
            for (k, v) in entries {
                if is_xml_name(k) {
                    write_element(out, k, None, v);
                } else {
                    write_element(out, "item", Some(k), v);
                }
            }
            let _ = write!(out, "</{name}>");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use quick_xml::Reader;

    /// Parses a whole document and fails on the first well-formedness error.
    fn assert_well_formed(xml: &str) {
        let mut reader = Reader::from_str(xml);
        reader.config_mut().check_end_names = true;
        let mut depth = 0i32;
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Start(_)) => depth += 1,
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::Text(t)) => {
                    let _ = t;
                }
                Ok(_) => {}
                Err(e) => panic!("malformed XML: {e}\n{xml}"),
            }
        }
        assert_eq!(depth, 0, "unbalanced XML:\n{xml}");
    }

    fn sample() -> Node {
        Node::map(4)
            .with("id", 5i64)
            .with("name", "Dev / osTicket & <Co>")
            .with("closed", Node::Null)
            .with("isOverdue", false)
            .with(
                "by_department",
                Node::map(2)
                    .with("Sales & Support / Ünits", Node::map(1).with("total", 3i64))
                    .with("2024", 1i64),
            )
            .with("children", Node::List(vec![Node::Int(1), Node::Int(2)]))
    }

    #[test]
    fn json_keeps_key_order_and_types() {
        let json = String::from_utf8(to_json(&sample())).unwrap();
        assert_eq!(
            json,
            r#"{"id":5,"name":"Dev / osTicket & <Co>","closed":null,"isOverdue":false,"by_department":{"Sales & Support / Ünits":{"total":3},"2024":1},"children":[1,2]}"#
        );
    }

    #[test]
    fn xml_never_uses_data_as_element_names() {
        let xml = to_xml(&sample());
        assert_well_formed(&xml);
        assert!(xml.contains("<item key=\"Sales &amp; Support / Ünits\"><total>3</total></item>"));
        assert!(xml.contains("<item key=\"2024\">1</item>"));
        assert!(xml.contains("<children><item>1</item><item>2</item></children>"));
        assert!(xml.contains("<closed/>"));
        assert!(xml.contains("<isOverdue>false</isOverdue>"));
    }

    #[test]
    fn xml_replaces_forbidden_control_characters() {
        let node = Node::map(1).with("body", "a\u{0}b\u{1b}c\u{FFFF}d\te");
        let xml = to_xml(&node);
        assert_well_formed(&xml);
        assert!(xml.contains("<body>a\u{FFFD}b\u{FFFD}c\u{FFFD}d\te</body>"));
    }

    #[test]
    fn xml_name_rules() {
        assert!(is_xml_name("staff_name"));
        assert!(is_xml_name("mime-type.x"));
        assert!(!is_xml_name("2024"));
        assert!(!is_xml_name("a b"));
        assert!(!is_xml_name(""));
        assert!(!is_xml_name("xmlThing"));
        assert!(!is_xml_name("Ünits"));
    }

    #[test]
    fn xml_escapes_attribute_quotes() {
        let node = Node::map(1).with("say \"hi\" <now>", 1i64);
        let xml = to_xml(&node);
        assert_well_formed(&xml);
    }

    #[test]
    fn empty_values_become_empty_elements() {
        let node = Node::map(3)
            .with("a", "")
            .with("b", Node::List(vec![]))
            .with("c", Node::map(0));
        let xml = to_xml(&node);
        assert!(xml.contains("<a/><b/><c/>"));
    }
}
