//! `PATCH|PUT tickets-update.php/{number}`: every field of CONTRACT.md §3.3 plus `teamId`,
//! `priority`, `reply`, `replyFormat` and `alert`, resolved and validated before anything is
//! written. The fields become steps in one documented order ([`ORDER`]); a request in which no
//! field would change anything has none. When one field changes something, every given field is
//! handed over, because an earlier step can change what a later one finds (a transfer reopens a
//! closed ticket, so a `statusId` the ticket had before still matters): the write adapter skips
//! each step that changes nothing on the ticket as it is when the step runs.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::Value;

use super::body::{self, Fields};
use super::resolve::{self, Current};
use super::Cmd;
use crate::dates;
use crate::error::{ApiError, Result};
use crate::markdown::{self, BodyFormat};
use crate::sql::{Store, Tables};
use crate::uploads::{self, Policy};

/// The order in which the fields of one update are applied (as an agent would in the staff panel),
/// as step names: one request means the same as its fields sent one request at a time in this order.
pub const ORDER: &[&str] = &[
    "transfer", "topic", "sla", "priority", "due", "team", "staff", "parent", "note", "reply",
    "status",
];

/// Title of a note without `noteTitle` (as the original).
pub const DEFAULT_NOTE_TITLE: &str = "API Update";

/// The fields an update understands (`status` is a synonym of `statusId`, `priorityId` of
/// `priority`); others are ignored and named in `X-Ignored-Fields`.
pub const FIELDS: &[&str] = &[
    "departmentId",
    "topicId",
    "parentTicketNumber",
    "statusId",
    "status",
    "slaId",
    "staffId",
    "teamId",
    "priority",
    "priorityId",
    "dueDate",
    "note",
    "noteTitle",
    "noteFormat",
    "reply",
    "replyFormat",
    "alert",
    "attachments",
];

/// `statusId` or its synonym `status` (the name the GET answer uses), each an id or a name,
/// resolved to `(id, state)`; both may be sent when they name the same status.
fn status_field(
    store: &mut dyn Store,
    tables: &Tables,
    fields: &Fields,
) -> Result<Option<(i64, String)>> {
    let mut found: Option<(&str, (i64, String))> = None;
    for name in ["statusId", "status"] {
        let Some(raw) = body::ident(fields, name)? else {
            continue;
        };
        let status = resolve::status(store, tables, name, &raw)?;
        match &found {
            Some((first, (id, _))) if *id != status.0 => {
                return Err(ApiError::invalid_field(
                    "conflicting_fields",
                    name,
                    format!("{first} and {name} name different statuses"),
                ))
            }
            Some(_) => {}
            None => found = Some((name, status)),
        }
    }
    Ok(found.map(|(_, s)| s))
}

/// Parses a body format field: `markdown` (default), `html`, `text` and the original's aliases.
pub fn format_field(fields: &Fields, name: &str) -> Result<BodyFormat> {
    match body::text(fields, name)? {
        None => Ok(BodyFormat::Markdown),
        Some(raw) if raw.trim().is_empty() => Err(ApiError::invalid_field(
            "invalid_format",
            name,
            "Format cannot be empty",
        )),
        Some(raw) => BodyFormat::parse(&raw).ok_or_else(|| {
            ApiError::invalid_field(
                "invalid_format",
                name,
                "Invalid format. Allowed: markdown, html, text",
            )
        }),
    }
}

/// A due date: `null` or blank clears it; `YYYY-MM-DD` (midnight), `YYYY-MM-DD[T ]HH:MM[:SS]`
/// in the helpdesk's time zone, or with `Z`/`±HH:MM` (converted, not dropped as the original
/// did). Returns `(Y-m-d H:i:s, utc)`.
pub fn due_date(raw: Option<&str>) -> Result<Option<(String, bool)>> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::invalid_field(
            "invalid_date",
            "dueDate",
            "Invalid date format for dueDate. Expected ISO 8601 format (e.g., \"2025-01-31\" or \"2025-01-31T17:30:00\")",
        )
    };
    // A date and time as sent, and as stored (`utc`: converted from the offset sent).
    let checked = |local: NaiveDateTime, stored: NaiveDateTime, utc: bool| {
        if dates::year_in_range(&local) && dates::year_in_range(&stored) {
            Ok(Some((stored.format("%Y-%m-%d %H:%M:%S").to_string(), utc)))
        } else {
            Err(bad())
        }
    };
    if !dates::has_four_digit_year(raw) {
        return Err(bad());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(raw) {
        return checked(dt.naive_local(), dt.naive_utc(), true);
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(raw, f) {
            return checked(dt, dt, false);
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S%:z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(raw, f) {
            return checked(dt.naive_local(), dt.naive_utc(), true);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let midnight = d.and_time(NaiveTime::MIN);
        return checked(midnight, midnight, false);
    }
    Err(bad())
}

/// `priority` (or the original's `priorityId`) resolved to a priority id; `None` when absent.
pub fn priority_field(
    store: &mut dyn Store,
    tables: &Tables,
    fields: &Fields,
) -> Result<Option<i64>> {
    let prio = match body::ident(fields, "priority")? {
        Some(p) => Some(("priority", p)),
        None => body::ident(fields, "priorityId")?.map(|p| ("priorityId", p)),
    };
    match prio.filter(|(_, raw)| !raw.is_empty()) {
        Some((name, raw)) => Ok(Some(resolve::priority(store, tables, name, &raw)?)),
        None => Ok(None),
    }
}

/// `dueDate`: `None` when absent, `Some(None)` to clear it (`null` or blank), else [`due_date`].
pub fn due_field(fields: &Fields) -> Result<Option<Option<(String, bool)>>> {
    match fields.get("dueDate") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(due_date(Some(s))?)),
        Some(_) => Err(ApiError::invalid_field(
            "invalid_type",
            "dueDate",
            "dueDate must be a string or null",
        )),
    }
}

/// Attachments as command values.
pub fn attachments_cmd(files: Vec<uploads::Upload>) -> Cmd {
    Cmd::List(
        files
            .into_iter()
            .map(|f| {
                Cmd::map()
                    .with("name", f.name)
                    .with("type", f.mime)
                    .with("size", i64::try_from(f.data.len()).unwrap_or(i64::MAX))
                    .with("data", Cmd::Blob(f.data))
            })
            .collect(),
    )
}

/// A message body field: `(body, format)` with `format` `text` for literal text (osTicket escapes
/// it and shows it as it is) and `html` for Markdown and HTML rendered to safe HTML; `None` when
/// absent or blank.
fn message(
    fields: &Fields,
    name: &str,
    format_name: &str,
) -> Result<Option<(String, &'static str)>> {
    let Some(text) = body::text(fields, name)? else {
        return Ok(None);
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(match format_field(fields, format_name)? {
        // NUL and a leading BOM go as in every other format and field (markdown::clean_text).
        BodyFormat::Text => (markdown::clean_text(&text).into_owned(), "text"),
        format => (
            markdown::render(&text, format).map_err(|e| e.for_field(name))?,
            "html",
        ),
    }))
}

/// Resolves the parent of `ticket` named by `parentTicketNumber`: number first, then a plain
/// internal id; not the ticket itself, not a child of another ticket, no cycle.
pub fn parent(
    store: &mut dyn Store,
    tables: &Tables,
    ticket_id: Option<i64>,
    raw: &str,
) -> Result<i64> {
    let field = "parentTicketNumber";
    let found = match resolve::ticket(store, tables, raw)? {
        Some(t) => Some(t),
        None if raw.bytes().all(|b| b.is_ascii_digit()) && !raw.is_empty() => {
            let by_id = crate::sql::Query::new(
                format!(
                    "SELECT number FROM {} WHERE ticket_id = ?",
                    tables.t("ticket")
                ),
                vec![crate::sql::Param::from(raw)],
            );
            match store.first(&by_id)? {
                Some(r) => resolve::ticket(store, tables, &r.text(0))?,
                None => None,
            }
        }
        None => None,
    };
    let p = found.ok_or_else(|| resolve::not_found(field, "Parent ticket not found".into()))?;
    if Some(p.id) == ticket_id {
        return Err(ApiError::invalid_field(
            "self_link",
            field,
            "Cannot link ticket to itself",
        ));
    }
    if p.pid != 0 {
        return Err(ApiError::invalid_field(
            "parent_is_child",
            field,
            "Parent ticket cannot be a child of another ticket",
        ));
    }
    Ok(p.id)
}

/// Validates an update and returns the ticket and the steps in [`ORDER`]: none when no field would
/// change anything, else every given field (see the module documentation).
pub fn build(
    store: &mut dyn Store,
    tables: &Tables,
    number: &str,
    fields: &mut Fields,
    policy: &Policy,
) -> Result<(Current, Vec<Cmd>)> {
    let t = resolve::ticket(store, tables, number)?
        .ok_or_else(|| ApiError::NotFound("Ticket not found".into()))?;
    // (step, changes the ticket as it is now)
    let mut steps: Vec<(Cmd, bool)> = Vec::new();
    let step = |name: &'static str| Cmd::map().with("do", name);

    if let Some(raw) = body::ident(fields, "departmentId")? {
        let id = resolve::department(store, tables, "departmentId", &raw)?;
        steps.push((step("transfer").with("dept_id", id), id != t.dept_id));
    }
    if let Some(raw) = body::ident(fields, "topicId")? {
        let id = resolve::topic(store, tables, "topicId", &raw)?;
        steps.push((step("topic").with("topic_id", id), id != t.topic_id));
    }
    if let Some(raw) = body::ident(fields, "slaId")? {
        let id = if raw.is_empty() || raw == "0" {
            0
        } else {
            resolve::sla(store, tables, "slaId", &raw)?
        };
        steps.push((step("sla").with("sla_id", id), id != t.sla_id));
    }
    if let Some(id) = priority_field(store, tables, fields)? {
        steps.push((
            step("priority").with("priority_id", id),
            id != t.priority_id,
        ));
    }
    if let Some(due) = due_field(fields)? {
        let changes = due.is_some() || t.duedate.is_some();
        let (value, utc) = due.map_or((None, false), |(v, u)| (Some(v), u));
        steps.push((step("due").with("due", value).with("due_utc", utc), changes));
    }
    for (name, current, kind, key) in [
        ("teamId", t.team_id, "team", "team_id"),
        ("staffId", t.staff_id, "staff", "staff_id"),
    ] {
        if !fields.contains_key(name) {
            continue;
        }
        let id = match body::ident(fields, name)? {
            None => 0,
            Some(raw) if raw.is_empty() || raw == "0" => 0,
            Some(raw) if kind == "staff" => resolve::staff(store, tables, name, &raw)?,
            Some(raw) => resolve::team(store, tables, name, &raw)?,
        };
        steps.push((step(kind).with(key, id), id != current));
    }
    if let Some(raw) = body::ident(fields, "parentTicketNumber")? {
        let id = parent(store, tables, Some(t.id), &raw)?;
        if resolve::ancestors(store, tables, id, 10)?.contains(&t.id) {
            return Err(ApiError::invalid_field(
                "cycle",
                "parentTicketNumber",
                "The parent ticket is a descendant of this ticket",
            ));
        }
        steps.push((step("parent").with("parent_id", id), id != t.pid));
    }
    let status = status_field(store, tables, fields)?;
    let note = message(fields, "note", "noteFormat")?;
    let reply = message(fields, "reply", "replyFormat")?;
    let title = body::text(fields, "noteTitle")?
        .map(|s| markdown::clean_text(&s).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_NOTE_TITLE.to_owned());
    let alert = body::flag(fields, "alert")?.unwrap_or(true);
    let mut files = match fields.remove("attachments") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) if a.is_empty() => None,
        Some(v) => {
            if note.is_none() && reply.is_none() {
                return Err(ApiError::invalid_field(
                    "attachments_need_entry",
                    "attachments",
                    "Attachments can only be added with a note or a reply",
                ));
            }
            Some(uploads::take_attachments(
                v,
                "attachments",
                &resolve::attachment_policy(store, tables, policy)?,
            )?)
        }
    };
    if let Some((body, format)) = note {
        let files = attachments_cmd(files.take().unwrap_or_default());
        let note = step("note")
            .with("title", title)
            .with("body", body)
            .with("format", format)
            .with("attachments", files);
        steps.push((note, true));
    }
    if let Some((body, format)) = reply {
        let files = attachments_cmd(files.take().unwrap_or_default());
        let reply = step("reply")
            .with("body", body)
            .with("format", format)
            .with("attachments", files)
            .with("alert", alert);
        steps.push((reply, true));
    }
    if let Some((id, state)) = status {
        steps.push((
            step("status").with("status_id", id).with("state", state),
            id != t.status_id,
        ));
    }
    if !steps.iter().any(|(_, changes)| *changes) {
        return Ok((t, Vec::new()));
    }
    Ok((t, steps.into_iter().map(|(s, _)| s).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_bodies_drop_nul_and_a_leading_bom_like_every_other_format() {
        for format in ["text", "markdown", "html"] {
            let f: Fields = serde_json::from_value(serde_json::json!({
                "note": "\u{FEFF}Grüße\u{0}вам 😀", "noteFormat": format,
            }))
            .unwrap();
            let (body, _) = message(&f, "note", "noteFormat").unwrap().unwrap();
            assert!(
                !body.contains('\0') && !body.contains('\u{FEFF}'),
                "{format}: {body:?}"
            );
            assert!(body.contains("Grüßeвам"), "{format}: {body:?}");
        }
    }

    #[test]
    fn due_dates_are_iso_8601_and_offsets_are_converted() {
        let ok = |raw: &str| due_date(Some(raw)).unwrap().unwrap();
        assert_eq!(ok("2025-01-31"), ("2025-01-31 00:00:00".into(), false));
        assert_eq!(
            ok("2025-01-31T17:30:00"),
            ("2025-01-31 17:30:00".into(), false)
        );
        assert_eq!(
            ok("2025-01-31 17:30"),
            ("2025-01-31 17:30:00".into(), false)
        );
        assert_eq!(
            ok("2025-01-31T17:30:00+01:00"),
            ("2025-01-31 16:30:00".into(), true)
        );
        assert_eq!(
            ok("2025-01-31T17:30:00Z"),
            ("2025-01-31 17:30:00".into(), true)
        );
        assert_eq!(
            ok("2025-01-31T17:30+0200"),
            ("2025-01-31 15:30:00".into(), true)
        );
        assert_eq!(due_date(None).unwrap(), None);
        assert_eq!(due_date(Some("  ")).unwrap(), None);
        assert_eq!(ok("1970-01-01"), ("1970-01-01 00:00:00".into(), false));
        assert_eq!(
            ok("9999-12-31T23:59:59"),
            ("9999-12-31 23:59:59".into(), false)
        );
        for bad in [
            "tomorrow",
            "2025-02-30",
            "31.01.2025",
            "2025-01-31T25:00:00",
            // Finding 4 of issue 8: these were stored as the zero date.
            "-2030-01-01",
            "+10000-01-01",
            "10000-01-01",
            "0000-01-01",
            "1969-12-31T23:59:59",
            "+2025-01-31",
            // In range as sent, out of range once converted to UTC.
            "9999-12-31T23:00:00-02:00",
            "1970-01-01T00:30:00+01:00",
        ] {
            let e = due_date(Some(bad)).unwrap_err();
            assert_eq!((e.status(), e.field()), (400, Some("dueDate")), "{bad}");
        }
    }

    #[test]
    fn the_documented_order_is_the_order_of_the_steps() {
        // build() itself is checked against MariaDB (tests/db.rs) and real osTicket (HTTP suite).
        let docs = include_str!("../../docs/write-commands.md");
        let mut last = 0;
        for name in ORDER {
            let at = docs
                .get(last..)
                .unwrap_or_default()
                .find(&format!("| `{name}` |"))
                .unwrap_or_else(|| {
                    panic!("docs/write-commands.md lists `{name}` after the one before")
                });
            last += at;
        }
    }

    #[test]
    fn formats_keep_the_original_messages() {
        let f: Fields = serde_json::from_str(r#"{"a":"MD","b":" ","c":"rtf","d":3}"#).unwrap();
        assert_eq!(format_field(&f, "a").unwrap(), BodyFormat::Markdown);
        assert_eq!(format_field(&f, "none").unwrap(), BodyFormat::Markdown);
        assert_eq!(
            format_field(&f, "b").unwrap_err().message(),
            "Format cannot be empty"
        );
        assert_eq!(
            format_field(&f, "c").unwrap_err().message(),
            "Invalid format. Allowed: markdown, html, text"
        );
        assert_eq!(format_field(&f, "d").unwrap_err().status(), 400);
    }
}

/// Generated dates (issue 8): any text is a date in 1970-9999 or a 400 naming `dueDate`.
#[cfg(test)]
mod props {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "2025", "-", "+", "01", "31", "T", " ", ":", "00", "Z", "+01:00", "-0200", ".5", "0000",
        "1969", "1970", "9999", "10000", "-2030", "+10000", "12", "24", "60", "٢٠٢٥",
    ];

    /// `YYYY-MM-DD HH:MM:SS` with a year in range.
    fn stored_ok(s: &str) -> bool {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .is_ok_and(|d| dates::year_in_range(&d) && s.len() == 19)
    }

    proptest! {
        #![proptest_config(fuzz::config("dates", 512))]

        #[test]
        fn any_text_is_a_sane_date_or_a_400_naming_due_date(raw in fuzz::text_from(TOKENS, 8)) {
            match due_date(Some(&raw)) {
                Ok(Some((stored, _))) => prop_assert!(stored_ok(&stored), "{:?} -> {}", raw, stored),
                Ok(None) => prop_assert!(raw.trim().is_empty()),
                Err(e) => prop_assert_eq!((e.status(), e.field()), (400, Some("dueDate"))),
            }
        }

        #[test]
        fn every_date_in_range_is_read_exactly(
            y in dates::MIN_YEAR..=dates::MAX_YEAR, m in 1u32..=12, d in 1u32..=28,
            h in 0u32..24, mi in 0u32..60, s in 0u32..60,
        ) {
            let date = format!("{y:04}-{m:02}-{d:02}");
            let time = format!("{h:02}:{mi:02}:{s:02}");
            prop_assert_eq!(due_date(Some(&date)).unwrap(), Some((format!("{date} 00:00:00"), false)));
            for sep in ["T", " "] {
                prop_assert_eq!(
                    due_date(Some(&format!("{date}{sep}{time}"))).unwrap(),
                    Some((format!("{date} {time}"), false))
                );
            }
        }

        #[test]
        fn years_out_of_range_are_refused(
            y in prop_oneof![-300_000i32..dates::MIN_YEAR, (dates::MAX_YEAR + 1)..300_000],
            sign in proptest::sample::select(&["", "+", "-"][..]),
            time in proptest::sample::select(&["", "T10:00", " 10:00:00", "T10:00:00Z", "T10:00:00+02:00"][..]),
        ) {
            let raw = format!("{sign}{:04}-06-15{time}", y.unsigned_abs());
            let year_ok = sign != "-" && (dates::MIN_YEAR..=dates::MAX_YEAR).contains(&y.abs());
            if !year_ok {
                let e = due_date(Some(&raw)).unwrap_err();
                prop_assert_eq!((e.status(), e.field()), (400, Some("dueDate")), "{}", raw);
            }
        }
    }

    #[test]
    fn corpus_dates_are_sane_or_refused() {
        for raw in fuzz::corpus_text("dates") {
            match due_date(Some(&raw)) {
                Ok(Some((stored, _))) => assert!(stored_ok(&stored), "{raw:?} -> {stored}"),
                Ok(None) => assert!(raw.trim().is_empty()),
                Err(e) => assert_eq!(e.field(), Some("dueDate"), "{raw:?}"),
            }
            if let Ok(stored) = crate::stats::parse_datetime("since", &raw) {
                assert!(stored_ok(&stored), "{raw:?} -> {stored}");
            }
        }
    }
}
