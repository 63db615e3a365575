//! Nesting limits of message bodies, checked in one linear pass before a body is parsed.
//!
//! `pulldown-cmark` and `html5ever` (inside the `ammonia` sanitiser) are linear in the size of a
//! document but not in its depth: every block quote or list level a Markdown line opens is
//! revisited by each later line, and the HTML tree builder walks its stack of open elements (and
//! its list of active formatting elements) for every tag. 100 KB of `>` or `<div>` kept a worker
//! busy for more than 30 s. Bodies deeper than the limits below are refused before either parser
//! sees them, so the cost of rendering and sanitising stays linear in the input.
//!
//! The scans over-estimate depth rather than emulate the parsers exactly: a document they pass is
//! never deeper than the limit in the parsers' own terms; a few odd documents (e.g. more than
//! [`MAX_HTML_DEPTH`] formatting tags left open) are refused although a browser would flatten them.
//! This module must not import `ext_php_rs` or `mysql`.

/// Most nested block quotes and list levels a Markdown body may have.
pub const MAX_MARKDOWN_DEPTH: usize = 32;

/// Most nested HTML elements a body may have (HTML bodies, raw HTML inside Markdown and the HTML
/// Markdown renders to: each Markdown list level is two elements, `<ul><li>`), and most
/// formatting elements (`<b>`, `<i>`, `<a>`, ...) left open at once.
pub const MAX_HTML_DEPTH: usize = 100;

/// Whether no line of the Markdown `body` opens more than `max` containers (block quotes and list
/// items). Per line, each `>` and list marker of the line's prefix is one level and every two
/// columns of indentation before or between them may continue one level of an enclosing list.
pub fn markdown_within(body: &str, max: usize) -> bool {
    body.split(['\n', '\r']).all(|line| line_depth(line) <= max)
}

/// Whether a marker character followed by `tail` is a marker (a blank or the line's end follows).
fn after_marker(tail: &[u8]) -> bool {
    matches!(tail.first(), None | Some(b' ' | b'\t'))
}

/// `tail` without the one blank that belongs to the marker before it.
fn skip_blank(tail: &[u8]) -> &[u8] {
    match tail.split_first() {
        Some((b' ' | b'\t', rest)) => rest,
        _ => tail,
    }
}

/// The container levels the prefix of one Markdown line may stand for. The blank that follows a
/// marker belongs to it; other blanks are indentation.
fn line_depth(line: &str) -> usize {
    let (mut markers, mut columns) = (0usize, 0usize);
    let mut rest = line.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            b' ' => columns += 1,
            b'\t' => columns += 4,
            b'>' | b'-' | b'*' | b'+' if b == b'>' || after_marker(tail) => {
                markers += 1;
                rest = skip_blank(tail);
                continue;
            }
            b'0'..=b'9' => {
                let digits = tail.iter().take_while(|d| d.is_ascii_digit()).count();
                let Some((&delim, after)) = tail.get(digits..).and_then(<[u8]>::split_first) else {
                    break;
                };
                if digits >= 9 || !matches!(delim, b'.' | b')') || !after_marker(after) {
                    break;
                }
                markers += 1;
                rest = skip_blank(after);
                continue;
            }
            _ => break,
        }
        rest = tail;
    }
    if markers == 0 {
        // Lines without markers open nothing; indentation alone only continues what is open.
        return 0;
    }
    markers + columns / 2
}

/// Elements that never have content (their end tags are ignored or errors).
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "frame", "keygen", "basefont", "bgsound", "image", "isindex",
];

/// Formatting elements: kept in html5ever's list of active formatting elements and reopened
/// after a block closes them implicitly.
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// Elements that end the search for an element "in scope" (HTML's default scope, plus `button`,
/// `ol` and `ul` to cover the button and list-item scopes, and the integration points of SVG and
/// MathML).
const SCOPE_BOUNDARY: &[&str] = &[
    "applet",
    "caption",
    "html",
    "table",
    "td",
    "th",
    "marquee",
    "object",
    "template",
    "button",
    "ol",
    "ul",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
    "annotation-xml",
    "foreignobject",
    "desc",
    "title",
    "svg",
    "math",
];

/// Elements that are not "special" in the HTML parsing algorithm: an end tag that is not itself
/// special only looks past these (and `address`, `div`, `p`) for its start tag.
const ORDINARY: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i",
    "ins", "kbd", "label", "mark", "nobr", "q", "rb", "rp", "rt", "rtc", "ruby", "s", "samp",
    "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var",
];

/// Start tags that close an open `p` (and, for the list items, an open item of their kind).
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "header",
    "hgroup",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "search",
    "section",
    "summary",
    "ul",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "listing",
    "form",
    "plaintext",
    "table",
    "hr",
    "xmp",
    "li",
    "dd",
    "dt",
];

/// HTML tags that leave SVG/MathML content (they are HTML elements even inside `<svg>`).
const BREAKS_OUT_OF_FOREIGN: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
    "font",
];

/// The open elements as the scan sees them, deepest last.
struct Stack {
    open: Vec<String>,
    /// Formatting start tags without their end tag yet.
    formatting: usize,
}

impl Stack {
    /// Pops through `name` if it is found before an element for which `stop` holds.
    fn pop_to(&mut self, name: &str, stop: impl Fn(&str) -> bool) -> bool {
        for (i, el) in self.open.iter().enumerate().rev() {
            if el == name {
                self.open.truncate(i);
                return true;
            }
            if stop(el) {
                return false;
            }
        }
        false
    }

    fn foreign(&self) -> bool {
        self.open.iter().any(|e| e == "svg" || e == "math")
    }

    fn start(&mut self, name: String, self_closing: bool) {
        if VOID.contains(&name.as_str()) {
            return;
        }
        if self_closing && self.foreign() && !BREAKS_OUT_OF_FOREIGN.contains(&name.as_str()) {
            return;
        }
        if CLOSES_P.contains(&name.as_str()) {
            self.pop_to("p", |e| SCOPE_BOUNDARY.contains(&e));
        }
        if matches!(name.as_str(), "li" | "dd" | "dt") {
            let passable = |e: &str| matches!(e, "address" | "div" | "p") || ORDINARY.contains(&e);
            let kinds: &[&str] = if name == "li" { &["li"] } else { &["dd", "dt"] };
            for kind in kinds {
                if self.pop_to(kind, |e| !passable(e)) {
                    break;
                }
            }
        }
        if FORMATTING.contains(&name.as_str()) {
            self.formatting += 1;
        }
        self.open.push(name);
    }

    fn end(&mut self, name: &str) {
        if FORMATTING.contains(&name) {
            // html5ever pops a formatting element only when nothing special is open inside it
            // (otherwise the adoption agency moves elements and the depth stays); the element
            // also leaves the list of active formatting elements only then.
            if self.pop_to(name, |e| !ORDINARY.contains(&e)) {
                self.formatting = self.formatting.saturating_sub(1);
            }
        } else if ORDINARY.contains(&name) {
            self.pop_to(name, |e| !ORDINARY.contains(&e));
        } else {
            self.pop_to(name, |e| SCOPE_BOUNDARY.contains(&e));
        }
    }
}

/// Whether the HTML `html` nests at most `max` elements deep and leaves at most `max` formatting
/// elements open at any point. One pass over the bytes; the work per tag is bounded by `max`.
pub fn html_within(html: &str, max: usize) -> bool {
    let mut stack = Stack {
        open: Vec::new(),
        formatting: 0,
    };
    let bytes = html.as_bytes();
    let mut rest = bytes;
    while let Some(at) = rest.iter().position(|&b| b == b'<') {
        let Some(tag) = rest.get(at + 1..) else {
            break;
        };
        let closing = tag.first() == Some(&b'/');
        let tag = if closing {
            tag.get(1..).unwrap_or_default()
        } else {
            tag
        };
        // Comments, declarations and `<` that starts no tag: move on by one byte. Tags inside
        // comments or raw text are counted as tags: an over-estimate, never an under-estimate.
        if !tag.first().is_some_and(u8::is_ascii_alphabetic) {
            rest = tag;
            continue;
        }
        let name_len = tag
            .iter()
            .take_while(|b| !(b.is_ascii_whitespace() || matches!(b, b'/' | b'>')))
            .count();
        let (name, after) = tag.split_at_checked(name_len).unwrap_or((tag, &[]));
        let end = after.iter().position(|&b| b == b'>');
        let self_closing = end.is_some_and(|e| e > 0 && after.get(e - 1) == Some(&b'/'));
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        if closing {
            stack.end(&name);
        } else {
            stack.start(name, self_closing);
            if stack.open.len() > max || stack.formatting > max {
                return false;
            }
        }
        // An unterminated tag swallows the rest of the document.
        rest = match end {
            Some(e) => after.get(e + 1..).unwrap_or_default(),
            None => break,
        };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_limit(check: fn(&str, usize) -> bool, doc: &str) -> usize {
        // The smallest limit the document passes.
        (0..400).find(|&max| check(doc, max)).unwrap_or(usize::MAX)
    }

    #[test]
    fn markdown_depth_counts_quotes_list_markers_and_indentation() {
        let d = |doc: &str| depth_limit(markdown_within, doc);
        assert_eq!(d("plain text\n\nmore"), 0);
        assert_eq!(d("> quote"), 1);
        assert_eq!(d("> > > quote"), 3);
        assert_eq!(d(">>>>"), 4);
        assert_eq!(d("- a\n  - b\n    - c"), 3);
        assert_eq!(d("1. a\n   1) b"), 2);
        assert_eq!(d("> - 1. x"), 3);
        assert_eq!(d("-not a list\n*emphasis*\n2023. a year"), 1);
        assert_eq!(d("1234567890. long number"), 0);
        // Indentation alone opens nothing (code blocks, continuation lines).
        assert_eq!(d(&format!("{}code", " ".repeat(300))), 0);
        assert!(!markdown_within(&">".repeat(100_000), MAX_MARKDOWN_DEPTH));
        assert!(!markdown_within(&"- ".repeat(50_000), MAX_MARKDOWN_DEPTH));
    }

    #[test]
    fn html_depth_follows_open_elements() {
        let d = |doc: &str| depth_limit(html_within, doc);
        assert_eq!(d("text only"), 0);
        assert_eq!(d("<p>a</p><p>b</p>"), 1);
        assert_eq!(d("<div><div><span>x</span></div></div>"), 3);
        assert_eq!(d("<br><img src=x><hr/>"), 0);
        assert_eq!(d("<p>a<p>b<p>c"), 1, "a p closes the open p");
        assert_eq!(d("<ul><li>a<li>b<li>c</ul>"), 2, "an li closes the open li");
        assert_eq!(d("<table><tr><td>a</td><td>b</td></tr></table>"), 3);
        assert_eq!(d("<svg><path/><path/><path/></svg>"), 1);
        assert_eq!(d("<DIV><Div></dIV></div>"), 2);
        assert_eq!(d("a < b > c <3 <!-- x --> <!doctype html>"), 0);
        assert_eq!(d(&"<div>".repeat(300)), 300);
        assert_eq!(d(&"<b>x</b>".repeat(1000)), 1);
    }

    #[test]
    fn html_end_tags_outside_scope_do_not_pop() {
        // `</div>` cannot close a div outside the table it is in: html5ever ignores it.
        let doc = "<div><table><tr><td></div>".repeat(50);
        assert!(!html_within(&doc, 100));
        // A formatting end tag with a block inside it leaves the depth as it is.
        assert!(!html_within(&"<b><div></b>".repeat(60), 100));
        // Formatting elements that a closing p leaves open still count.
        assert!(!html_within(
            &(1..200)
                .map(|i| format!("<p><b id={i}></p>"))
                .collect::<String>(),
            100
        ));
    }

    #[test]
    fn ordinary_editor_html_passes() {
        let doc = "<p>Hello <strong>you</strong>,</p><blockquote><p>quoted <em>text</em><br></p></blockquote>\
                   <ol><li>one</li><li>two<ul><li>nested</li></ul></li></ol>\
                   <table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>";
        assert!(html_within(&doc.repeat(500), 8));
    }
}
