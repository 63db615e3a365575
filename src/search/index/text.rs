//! Thread entry bodies as plain text for the full-text index: tags dropped (with the content of
//! `script` and `style`), block ends become spaces, character references decoded.
//! This module must not import `ext_php_rs`, `mysql` or `tantivy`.

/// The text of a body stored with `format` (`html` or `text`).
pub fn body_text(body: &str, format: &str) -> String {
    if format.eq_ignore_ascii_case("html") {
        html_to_text(body)
    } else {
        body.to_owned()
    }
}

/// The text content of an HTML fragment.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        let (text, tail) = rest.split_at_checked(i).unwrap_or((rest, ""));
        out.push_str(text);
        if let Some(inner) = tail.strip_prefix('<') {
            let (tag, after) = inner.split_once('>').unwrap_or((inner, ""));
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            out.push(' ');
            rest = after;
            if (name == "script" || name == "style") && !closing {
                let close = format!("</{name}");
                // ASCII lowercasing keeps every byte offset.
                rest = match rest.to_ascii_lowercase().find(&close) {
                    Some(j) => rest.get(j..).unwrap_or_default(),
                    None => "",
                };
            }
        } else if let Some(after_amp) = tail.strip_prefix('&') {
            // A character reference ends with `;` within 11 characters of the `&`.
            let reference = after_amp
                .char_indices()
                .take(11)
                .find(|&(_, c)| c == ';')
                .and_then(|(j, _)| after_amp.split_at_checked(j))
                .and_then(|(name, semi)| entity(name).map(|c| (c, semi)));
            match reference {
                Some((c, semi)) => {
                    out.push(c);
                    rest = semi.strip_prefix(';').unwrap_or(semi);
                }
                None => {
                    out.push('&');
                    rest = after_amp;
                }
            }
        } else {
            rest = tail;
            break;
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(n);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_go_and_entities_are_decoded() {
        assert_eq!(
            html_to_text("<p>Drucker&nbsp;im <b>3.</b> Stock&#8212;&amp;</p>").trim(),
            "Drucker im  3.  Stock—&"
        );
        assert_eq!(
            html_to_text("a<style>p{x}</style>b<SCRIPT>x()</script>c").replace(' ', ""),
            "abc"
        );
        assert_eq!(
            html_to_text("Fish & chips &unknown; 日本"),
            "Fish & chips &unknown; 日本"
        );
        assert_eq!(html_to_text("<br>😀<br/>"), " 😀 ");
        assert_eq!(html_to_text("unterminated <b"), "unterminated  ");
        assert_eq!(html_to_text("<日"), " ");
        assert_eq!(html_to_text("&#xZZ; &#99999999; &"), "&#xZZ; &#99999999; &");
        assert_eq!(body_text("<b>x</b>", "text"), "<b>x</b>");
    }
}
