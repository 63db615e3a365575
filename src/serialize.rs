//! Writes the sanitiser's DOM back to HTML in one linear pass.
//!
//! html5ever's serialiser (behind `ammonia::Document::to_string`) looks for the next `<` or `>`
//! in the rest of a text node before it escapes each `&` or no-break space, so a text node of
//! 100 KB of `&` costs 10^10 byte comparisons (seconds). This writer produces the same bytes
//! (the Markdown fixtures and a property test compare it with html5ever's) with one pass over each
//! text and an explicit stack instead of recursion. It needs the `ammonia_unstable` cfg set in
//! `.cargo/config.toml`. This module must not import `ext_php_rs` or `mysql`.

#[cfg(not(ammonia_unstable))]
compile_error!(
    "build with `--cfg ammonia_unstable` (set in .cargo/config.toml; a RUSTFLAGS variable \
     replaces that list, so add it there too)"
);

use ammonia::rcdom::{Handle, NodeData};
use ammonia::Document;

const HTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// Elements without content: no end tag and no children are written.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements whose text is written as it is (html5ever's serialiser with scripting enabled).
const RAW_TEXT: &[&str] = &[
    "style",
    "script",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
    "noscript",
];

/// The sanitised document as HTML, byte for byte what `document.to_string()` gives.
pub fn to_html(document: &Document) -> String {
    let root = document.to_dom_node();
    let mut out = String::new();
    // Work items: a node to open, or the end tag of an element to close.
    enum Step {
        Node(Handle, bool),
        Close(String),
    }
    let mut steps: Vec<Step> = root
        .children
        .borrow()
        .iter()
        .rev()
        .map(|child| Step::Node(child.clone(), false))
        .collect();
    while let Some(step) = steps.pop() {
        let (node, raw_parent) = match step {
            Step::Close(name) => {
                out.push_str("</");
                out.push_str(&name);
                out.push('>');
                continue;
            }
            Step::Node(node, raw_parent) => (node, raw_parent),
        };
        match &node.data {
            NodeData::Element { name, attrs, .. } => {
                let local: &str = &name.local;
                out.push('<');
                out.push_str(local);
                for attr in attrs.borrow().iter() {
                    out.push(' ');
                    out.push_str(attribute_prefix(&attr.name.ns, &attr.name.local));
                    out.push_str(&attr.name.local);
                    out.push_str("=\"");
                    escape(&mut out, &attr.value, true);
                    out.push('"');
                }
                out.push('>');
                let html = &*name.ns == HTML_NS;
                if html && VOID.contains(&local) {
                    continue;
                }
                let raw = html && RAW_TEXT.contains(&local);
                steps.push(Step::Close(local.to_owned()));
                steps.extend(
                    node.children
                        .borrow()
                        .iter()
                        .rev()
                        .map(|child| Step::Node(child.clone(), raw)),
                );
            }
            NodeData::Text { contents } => {
                let text = contents.borrow();
                if raw_parent {
                    out.push_str(&text);
                } else {
                    escape(&mut out, &text, false);
                }
            }
            NodeData::Comment { contents } => {
                out.push_str("<!--");
                out.push_str(contents);
                out.push_str("-->");
            }
            NodeData::Doctype { name } => {
                out.push_str("<!DOCTYPE ");
                out.push_str(name);
                out.push('>');
            }
            NodeData::ProcessingInstruction { target, contents } => {
                out.push_str("<?");
                out.push_str(target);
                out.push(' ');
                out.push_str(contents);
                out.push('>');
            }
            NodeData::Document => {}
        }
    }
    out
}

/// The prefix html5ever writes before an attribute name of namespace `ns`.
fn attribute_prefix(ns: &str, local: &str) -> &'static str {
    match ns {
        "" => "",
        "http://www.w3.org/XML/1998/namespace" => "xml:",
        "http://www.w3.org/2000/xmlns/" if local == "xmlns" => "",
        "http://www.w3.org/2000/xmlns/" => "xmlns:",
        "http://www.w3.org/1999/xlink" => "xlink:",
        _ => "unknown_namespace:",
    }
}

/// Appends `text` with `&`, no-break space, `<` and `>` escaped (and `"` in attribute values).
fn escape(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}
