//! `POST /api/tickets.json|xml` (the plugin's route on osTicket's API dispatcher, shadowing
//! core's): what core's create accepts, plus `format`, `departmentId`, `parentTicketNumber`,
//! `priority`, `dueDate`, `slaId`, `staffId` and `teamId`. Everything is checked here; the
//! adapter then calls `Ticket::create()` with the variables core's API would hand it, so
//! numbering, filters, auto-responses, alerts and signals stay osTicket's.

use serde_json::Value;

use super::body::{self, Fields};
use super::resolve;
use super::update::{attachments_cmd, due_field, format_field, parent, priority_field};
use super::Cmd;
use crate::error::{ApiError, Result};
use crate::markdown::{self, BodyFormat};
use crate::sql::{Query, Store, Tables};
use crate::uploads::{self, Policy};

/// Keys this module reads itself; every other field goes to `Ticket::create()` as core's API
/// would pass it (custom form fields, `phone`, `ip`, ...).
const OWN: &[&str] = &[
    "name",
    "email",
    "subject",
    "message",
    "format",
    "alert",
    "autorespond",
    "source",
    "topicId",
    "priorityId",
    "priority",
    "departmentId",
    "deptId",
    "parentTicketNumber",
    "dueDate",
    "slaId",
    "staffId",
    "teamId",
    "attachments",
];

/// Sources osTicket knows (`Ticket::getSources()`).
const SOURCES: &[&str] = &["Web", "Email", "Phone", "API", "Other"];

fn required(fields: &Fields, name: &str) -> Result<String> {
    match body::text(fields, name)?.map(|s| markdown::clean_text(&s).trim().to_owned()) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(ApiError::invalid_field(
            "missing_field",
            name,
            format!("{name} is required"),
        )),
    }
}

/// The message as osTicket stores it: `(body, "html"|"text")`. With `format` the body is
/// rendered (Markdown) and sanitised; without it core's rules hold: plain text, or an RFC 2397
/// `data:` URI (`text/html` gives HTML, sanitised here).
pub fn message(fields: &Fields) -> Result<(String, &'static str)> {
    let raw = required(fields, "message")?;
    if fields.get("format").is_some_and(|v| !v.is_null()) {
        let format = format_field(fields, "format")?;
        return Ok(match format {
            BodyFormat::Text => (raw, "text"),
            _ => (
                markdown::render(&raw, format).map_err(|e| e.for_field("message"))?,
                "html",
            ),
        });
    }
    // `get`, not `[..5]`: the 5th byte of "Grüße" or "Привет" is inside a character.
    if raw
        .get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"))
    {
        let (mime, data) = uploads::decode_data_uri(&raw).ok_or_else(|| {
            ApiError::invalid_field(
                "invalid_message",
                "message",
                "message is not a valid data: URI",
            )
        })?;
        let text = String::from_utf8(data).map_err(|_| {
            ApiError::invalid_field("invalid_message", "message", "message is not UTF-8 text")
        })?;
        return Ok(if mime == "text/html" {
            (
                markdown::sanitize_html(&text).map_err(|e| e.for_field("message"))?,
                "html",
            )
        } else {
            (text, "text")
        });
    }
    Ok((raw, "text"))
}

/// The names of the fields of osTicket's ticket (`T`), user (`U`) and help-topic (`G`) forms,
/// the custom fields core's API accepts.
fn form_field_names(store: &mut dyn Store, tables: &Tables) -> Result<Vec<String>> {
    Ok(store
        .rows(&Query::new(
            format!(
                "SELECT DISTINCT f.name FROM {field} f JOIN {form} fo ON fo.id = f.form_id \
                 WHERE fo.type IN ('T', 'U', 'G') AND f.name <> ''",
                field = tables.t("form_field"),
                form = tables.t("form"),
            ),
            vec![],
        ))?
        .iter()
        .map(|r| r.text(0))
        .filter(|n| !OWN.contains(&n.as_str()))
        .collect())
}

fn email_ok(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Validates a create request and returns the command.
pub fn build(
    store: &mut dyn Store,
    tables: &Tables,
    fields: &mut Fields,
    policy: &Policy,
) -> Result<Cmd> {
    let name = required(fields, "name")?;
    let email = required(fields, "email")?;
    if !email_ok(&email) {
        return Err(ApiError::invalid_field(
            "invalid_email",
            "email",
            "Valid email address required",
        ));
    }
    let subject = required(fields, "subject")?;
    let (body_html, body_type) = message(fields)?;
    let alert = body::flag(fields, "alert")?.unwrap_or(true);
    let autorespond = body::flag(fields, "autorespond")?.unwrap_or(true);
    let source = match body::text(fields, "source")? {
        None => "API".to_owned(),
        Some(s) => SOURCES
            .iter()
            .find(|k| k.eq_ignore_ascii_case(s.trim()))
            .map(|k| (*k).to_owned())
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "invalid_source",
                    "source",
                    "Invalid source: use Web, Email, Phone, API or Other",
                )
            })?,
    };
    let mut data = Cmd::map()
        .with("name", name)
        .with("email", email)
        .with("subject", subject)
        .with("message", body_html)
        .with("message_type", body_type);
    if let Some(raw) = body::ident(fields, "topicId")?.filter(|r| !r.is_empty() && r != "0") {
        data = data.with("topicId", resolve::topic(store, tables, "topicId", &raw)?);
    }
    if let Some(id) = priority_field(store, tables, fields)? {
        data = data.with("priorityId", id);
    }
    let extra: Vec<&String> = fields
        .keys()
        .filter(|k| !OWN.contains(&k.as_str()))
        .collect();
    let allowed = if extra.is_empty() {
        Vec::new()
    } else {
        form_field_names(store, tables)?
    };
    for (key, value) in fields.iter() {
        // Only what core's API lets through reaches Ticket::create(): the fields of the ticket,
        // user and topic forms and `ip`. Anything else (Ticket::create() also reads `uid`,
        // `statusId`, `duedate`, ... which would let a client pick another user or skip rules)
        // is dropped, as the original plugin ignored unknown fields.
        if OWN.contains(&key.as_str()) || !(key == "ip" || allowed.iter().any(|a| a == key)) {
            continue;
        }
        let v = match value {
            Value::Null => continue,
            Value::String(s) => Cmd::Str(s.clone()),
            Value::Bool(b) => Cmd::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Cmd::Int(i),
                None => Cmd::Str(n.to_string()),
            },
            _ => {
                return Err(ApiError::invalid_field(
                    "invalid_type",
                    key.as_str(),
                    format!("{key} must be a string or a number"),
                ))
            }
        };
        data = data.with(key.clone(), v);
    }
    let mut cmd = Cmd::map()
        .with("op", "create")
        .with("source", source)
        .with("alert", alert)
        .with("autorespond", autorespond);
    let dept = body::ident(fields, "departmentId")?.or(body::ident(fields, "deptId")?);
    if let Some(raw) = dept.filter(|r| !r.is_empty()) {
        cmd = cmd.with(
            "dept_id",
            resolve::department(store, tables, "departmentId", &raw)?,
        );
    }
    if let Some(raw) = body::ident(fields, "parentTicketNumber")?.filter(|r| !r.is_empty()) {
        cmd = cmd.with("parent_id", parent(store, tables, None, &raw)?);
    }
    if let Some(raw) = body::ident(fields, "slaId")?.filter(|r| !r.is_empty() && r != "0") {
        cmd = cmd.with("sla_id", resolve::sla(store, tables, "slaId", &raw)?);
    }
    if let Some(raw) = body::ident(fields, "staffId")?.filter(|r| !r.is_empty() && r != "0") {
        cmd = cmd.with("staff_id", resolve::staff(store, tables, "staffId", &raw)?);
    }
    if let Some(raw) = body::ident(fields, "teamId")?.filter(|r| !r.is_empty() && r != "0") {
        cmd = cmd.with("team_id", resolve::team(store, tables, "teamId", &raw)?);
    }
    if let Some(Some((due, utc))) = due_field(fields)? {
        cmd = cmd.with("due", due).with("due_utc", utc);
    }
    let files = match fields.remove("attachments") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => uploads::take_attachments(
            v,
            "attachments",
            &resolve::attachment_policy(store, tables, policy)?,
        )?,
    };
    Ok(cmd
        .with("data", data)
        .with("attachments", attachments_cmd(files)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(json: &str) -> Fields {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn messages_follow_core_unless_a_format_is_given() {
        let m = |j: &str| message(&fields(j)).unwrap();
        assert_eq!(m(r#"{"message":"a <b>"}"#), ("a <b>".into(), "text"));
        // Text starting with multi-byte characters is text (not sliced inside a character).
        for text in ["жжжжж", "ab✓de", "你好世界啊", "e\u{301}e\u{301}e"] {
            let json = serde_json::json!({ "message": text }).to_string();
            assert_eq!(m(&json).1, "text", "{text}");
        }
        assert_eq!(
            m(r#"{"message":"data:text/html,<p>x</p><script>y</script>"}"#),
            ("<p>x</p>".into(), "html")
        );
        assert_eq!(
            m(r#"{"message":"data:text/plain;base64,aGVsbG8="}"#),
            ("hello".into(), "text")
        );
        assert_eq!(
            m(r#"{"message":"**hi**","format":"markdown"}"#),
            ("<p><strong>hi</strong></p>\n".into(), "html")
        );
        assert_eq!(
            m(r#"{"message":"<i>x</i>","format":"html"}"#),
            ("<i>x</i>".into(), "html")
        );
        assert_eq!(
            m(r#"{"message":"a\nb","format":"text"}"#),
            ("a\nb".into(), "text")
        );
        assert_eq!(
            message(&fields(r#"{"message":"x","format":"rtf"}"#))
                .unwrap_err()
                .message(),
            "Invalid format. Allowed: markdown, html, text"
        );
        assert_eq!(
            message(&fields(r#"{"message":"  "}"#)).unwrap_err().field(),
            Some("message")
        );
    }

    /// Finding 1 of issue 8: a message whose 5th byte is inside a character was sliced there.
    #[test]
    fn messages_whose_fifth_byte_is_inside_a_character_are_plain_text() {
        for text in [
            "Grüße, der Drucker im 2. Stock ist defekt.",
            "Принтер не работает",
            "你好，请帮忙",
            "Hi 😀 the printer is on fire",
            "dat😀a:",
            "dataé:x",
            "😀",
            "ü",
        ] {
            assert!(!text.is_char_boundary(5) || text.len() < 5, "{text}");
            let body = serde_json::json!({ "message": text });
            let got = message(body.as_object().unwrap()).unwrap();
            assert_eq!(got, (text.to_owned(), "text"), "{text}");
        }
        // A data: URI with non-Latin text is still decoded.
        let got = message(&fields(
            r#"{"message":"data:text/plain;charset=utf-8,Gr%C3%BC%C3%9Fe"}"#,
        ))
        .unwrap();
        assert_eq!(got, ("Grüße".to_owned(), "text"));
    }

    #[test]
    fn email_addresses_are_checked() {
        for ok in ["a@b.co", "first.last+tag@example.org"] {
            assert!(email_ok(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.co", "a@.co", "a b@c.de", "a@b.co."] {
            assert!(!email_ok(bad), "{bad}");
        }
    }
}

/// Generated create messages (issue 8): any text, with or without `format`, is stored or is a
/// 400 naming `message`; without `format` and `data:`, text is stored as sent.
#[cfg(test)]
mod props {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "data:",
        "DATA:",
        "data:text/html,",
        ";base64,",
        "<div>",
        ">",
        "- ",
        "*",
        "&amp;",
        "%C3%BC",
        " ",
        "\n",
    ];

    proptest! {
        #![proptest_config(fuzz::config("create-message", 256))]

        #[test]
        fn any_message_is_stored_or_refused_naming_it(
            text in fuzz::text_from(TOKENS, 16),
            format in proptest::option::of(proptest::sample::select(&["markdown", "html", "text", "rtf"][..])),
        ) {
            let mut fields = Fields::new();
            fields.insert("message".into(), text.clone().into());
            if let Some(f) = format {
                fields.insert("format".into(), f.into());
            }
            match message(&fields) {
                Ok((_, kind)) => prop_assert!(kind == "html" || kind == "text"),
                Err(e) => {
                    prop_assert_eq!(e.status(), 400);
                    prop_assert!(matches!(e.field(), Some("message" | "format")), "{:?}", e);
                }
            }
            // NUL and a leading BOM are dropped before anything else (markdown::clean_text).
            let cleaned = crate::markdown::clean_text(&text).trim().to_owned();
            let plain = format.is_none()
                && !cleaned.is_empty()
                && !cleaned.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("data:"));
            if plain {
                prop_assert_eq!(message(&fields).unwrap(), (cleaned, "text"));
            }
        }
    }
}
