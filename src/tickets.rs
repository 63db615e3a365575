//! `GET tickets-get.php/{number}`: one ticket with thread, attachment metadata and children.
//!
//! Four queries whatever the thread's length (five when a purely numeric identifier falls back to
//! the internal id): the ticket (with status, department, default department, topic, user and
//! e-mail, staff, team, SLA, form data (`ticket__cdata`: subject, priority), default priority and
//! the name formats joined), its visible thread entries, their attachments, its children. Names,
//! e-mails and bodies are strings, formatted like osTicket's `PersonsName`; `isOverdue` and
//! `isAnswered` are booleans (DESIGN.md compatibility rules). This module must not import
//! `ext_php_rs` or `mysql`.

use std::collections::HashMap;

use crate::error::{ApiError, Result};
use crate::render::Node;
use crate::sql::{Param, Query, Row, Store, Tables, Value};

/// osTicket's `ThreadEntry::FLAG_HIDDEN`: `Thread::getEntries()` leaves such entries out.
pub const FLAG_HIDDEN: i64 = 0x0004;

/// osTicket's default `agent_name_format` when the helpdesk has none stored ("First Last").
pub const DEFAULT_AGENT_FORMAT: &str = "full";

/// osTicket's default `client_name_format` when the helpdesk has none stored (as entered).
pub const DEFAULT_CLIENT_FORMAT: &str = "original";

/// The columns of [`ticket_query`], in order.
mod col {
    pub const ID: usize = 0;
    pub const NUMBER: usize = 1;
    pub const SUBJECT: usize = 2;
    pub const STATUS_ID: usize = 3;
    pub const STATUS: usize = 4;
    pub const STATE: usize = 5;
    pub const PRIORITY_ID: usize = 6;
    pub const PRIORITY: usize = 7;
    pub const DEFAULT_PRIORITY_ID: usize = 8;
    pub const DEFAULT_PRIORITY: usize = 9;
    pub const DEPT_ID: usize = 10;
    pub const DEPT: usize = 11;
    pub const DEFAULT_DEPT: usize = 12;
    pub const TOPIC_ID: usize = 13;
    pub const TOPIC: usize = 14;
    pub const USER_ID: usize = 15;
    pub const USER_ROW: usize = 16;
    pub const USER_NAME: usize = 17;
    pub const USER_EMAIL: usize = 18;
    pub const STAFF_ID: usize = 19;
    pub const STAFF_ROW: usize = 20;
    pub const STAFF_FIRST: usize = 21;
    pub const STAFF_LAST: usize = 22;
    pub const TEAM_ID: usize = 23;
    pub const TEAM: usize = 24;
    pub const SLA_ID: usize = 25;
    pub const SLA: usize = 26;
    pub const CREATED: usize = 27;
    pub const UPDATED: usize = 28;
    pub const DUEDATE: usize = 29;
    pub const CLOSED: usize = 30;
    pub const OVERDUE: usize = 31;
    pub const ANSWERED: usize = 32;
    pub const SOURCE: usize = 33;
    pub const IP: usize = 34;
    pub const AGENT_FORMAT: usize = 35;
    pub const CLIENT_FORMAT: usize = 36;
    /// Number of columns.
    #[cfg(test)]
    pub const COUNT: usize = 37;
}

/// The columns of [`entries_query`], in order.
mod ecol {
    pub const ID: usize = 0;
    pub const TYPE: usize = 1;
    pub const POSTER: usize = 2;
    pub const CREATED: usize = 3;
    pub const BODY: usize = 4;
    pub const STAFF_ID: usize = 5;
    pub const STAFF_ROW: usize = 6;
    pub const STAFF_FIRST: usize = 7;
    pub const STAFF_LAST: usize = 8;
    pub const USER_ID: usize = 9;
}

/// The columns of [`attachments_query`], in order.
mod acol {
    pub const ID: usize = 0;
    pub const ENTRY_ID: usize = 1;
    pub const FILE_ID: usize = 2;
    pub const NAME: usize = 3;
    pub const SIZE: usize = 4;
    pub const MIME: usize = 5;
    pub const INLINE: usize = 6;
}

/// A subquery reading osTicket's core setting `key` (a fixed name from this crate, never input).
pub fn config_value(tables: &Tables, key: &'static str) -> String {
    format!(
        "(SELECT c.value FROM {} c WHERE c.namespace = 'core' AND c.`key` = '{key}')",
        tables.t("config")
    )
}

/// The ticket row by number (`by_id` false) or by internal id (`by_id` true), with everything the
/// response needs joined. The priority is the ticket form's answer as osTicket materialises it in
/// `ticket__cdata.priority` (a priority id as text), the helpdesk's default priority beside it.
pub fn ticket_query(tables: &Tables, ident: &str, by_id: bool) -> Query {
    let sql = format!(
        "SELECT t.ticket_id, t.number, cd.subject, t.status_id, s.name, s.state, \
         p.priority_id, p.priority_desc, dp.priority_id, dp.priority_desc, \
         t.dept_id, d.name, dd.name, t.topic_id, ht.topic, \
         t.user_id, u.id, u.name, ue.address, t.staff_id, st.staff_id, st.firstname, st.lastname, \
         t.team_id, tm.name, t.sla_id, sla.name, t.created, t.updated, t.duedate, t.closed, \
         t.isoverdue, t.isanswered, t.source, t.ip_address, {agent}, {client} \
         FROM {ticket} t \
         LEFT JOIN {cdata} cd ON cd.ticket_id = t.ticket_id \
         LEFT JOIN {status} s ON s.id = t.status_id \
         LEFT JOIN {prio} p ON p.priority_id = cd.priority \
         LEFT JOIN {prio} dp ON dp.priority_id = {default_prio} \
         LEFT JOIN {dept} d ON d.id = t.dept_id \
         LEFT JOIN {dept} dd ON dd.id = {default_dept} \
         LEFT JOIN {topic} ht ON ht.topic_id = t.topic_id \
         LEFT JOIN {user} u ON u.id = t.user_id \
         LEFT JOIN {email} ue ON ue.id = u.default_email_id \
         LEFT JOIN {staff} st ON st.staff_id = t.staff_id \
         LEFT JOIN {team} tm ON tm.team_id = t.team_id \
         LEFT JOIN {sla} sla ON sla.id = t.sla_id \
         WHERE {cond} LIMIT 1",
        agent = config_value(tables, "agent_name_format"),
        client = config_value(tables, "client_name_format"),
        default_prio = config_value(tables, "default_priority_id"),
        default_dept = config_value(tables, "default_dept_id"),
        ticket = tables.t("ticket"),
        cdata = tables.t("ticket__cdata"),
        status = tables.t("ticket_status"),
        prio = tables.t("ticket_priority"),
        dept = tables.t("department"),
        topic = tables.t("help_topic"),
        user = tables.t("user"),
        email = tables.t("user_email"),
        staff = tables.t("staff"),
        team = tables.t("team"),
        sla = tables.t("sla"),
        cond = if by_id {
            "t.ticket_id = ?"
        } else {
            "t.number = ?"
        },
    );
    let param = match (by_id, ident.parse::<u64>()) {
        (true, Ok(id)) => Param::UInt(id),
        _ => Param::from(ident),
    };
    Query::new(sql, vec![param])
}

/// The visible entries of the ticket's thread (`object_type 'T'`, not `FLAG_HIDDEN`), in
/// osTicket's order (created, id), with the posting agent's name.
pub fn entries_query(tables: &Tables, ticket_id: i64) -> Query {
    Query::new(
        format!(
            "SELECT e.id, e.type, e.poster, e.created, e.body, e.staff_id, st.staff_id, \
             st.firstname, st.lastname, e.user_id \
             FROM {thread} th \
             JOIN {entry} e ON e.thread_id = th.id \
             LEFT JOIN {staff} st ON st.staff_id = e.staff_id \
             WHERE th.object_type = 'T' AND th.object_id = ? AND (e.flags & {FLAG_HIDDEN}) = 0 \
             ORDER BY e.created, e.id",
            thread = tables.t("thread"),
            entry = tables.t("thread_entry"),
            staff = tables.t("staff"),
        ),
        vec![Param::Int(ticket_id)],
    )
}

/// The thread-entry attachments (`type 'H'`) that have a file, of the same entries as
/// [`entries_query`], in one query for all of them. The name is the attachment's own name when
/// set (osTicket lets an attachment rename its file), else the file's.
pub fn attachments_query(tables: &Tables, ticket_id: i64) -> Query {
    Query::new(
        format!(
            "SELECT a.id, a.object_id, a.file_id, COALESCE(NULLIF(a.name, ''), f.name), f.size, \
             f.type, a.inline \
             FROM {thread} th \
             JOIN {entry} e ON e.thread_id = th.id \
             JOIN {att} a ON a.object_id = e.id AND a.type = 'H' \
             JOIN {file} f ON f.id = a.file_id \
             WHERE th.object_type = 'T' AND th.object_id = ? AND (e.flags & {FLAG_HIDDEN}) = 0 \
             ORDER BY a.object_id, a.id",
            thread = tables.t("thread"),
            entry = tables.t("thread_entry"),
            att = tables.t("attachment"),
            file = tables.t("file"),
        ),
        vec![Param::Int(ticket_id)],
    )
}

/// The bodies osTicket moved out of thread entries (`body` empty): from 65,000 characters on it keeps
/// a body as an inline `text/html` or `text/plain` attachment, and reads it back from there
/// (`ThreadEntry::getBody()`: every such attachment, in order). Rows: entry id, a chunk of the body,
/// in order; files in the database backend only (others stay an empty body).
pub fn moved_bodies_query(tables: &Tables, entry_ids: &[i64]) -> Query {
    Query::new(
        format!(
            "SELECT a.object_id, c.filedata FROM {att} a \
             JOIN {file} f ON f.id = a.file_id \
             JOIN {chunk} c ON c.file_id = f.id \
             WHERE a.type = 'H' AND a.inline = 1 AND a.object_id IN ({ids}) \
             AND f.type IN ('text/html', 'text/plain') AND f.bk = 'D' \
             ORDER BY a.object_id, a.id, c.chunk_id",
            att = tables.t("attachment"),
            file = tables.t("file"),
            chunk = tables.t("file_chunk"),
            ids = crate::sql::placeholders(entry_ids.len()),
        ),
        entry_ids.iter().map(|&id| Param::Int(id)).collect(),
    )
}

/// `row` with the value of column `idx` replaced.
fn with_value(row: &Row, idx: usize, value: Value) -> Row {
    let values = (0..row.columns().len())
        .map(|i| {
            if i == idx {
                value.clone()
            } else {
                row.get(i).clone()
            }
        })
        .collect();
    Row::new(std::sync::Arc::from(row.columns().to_vec()), values)
}

/// The ids of the tickets whose parent is this one.
pub fn children_query(tables: &Tables, ticket_id: i64) -> Query {
    Query::new(
        format!(
            "SELECT ticket_id FROM {} WHERE ticket_pid = ? ORDER BY ticket_id",
            tables.t("ticket")
        ),
        vec![Param::Int(ticket_id)],
    )
}

/// The internal id an identifier may fall back to: ASCII digits only, non-zero and within the
/// range of osTicket's `ticket_id` column. `123abc`, `0` and 20-digit numbers have none.
pub fn numeric_id(ident: &str) -> Option<u32> {
    if ident.is_empty() || !ident.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ident.parse::<u32>().ok().filter(|&id| id > 0)
}

/// A name split into parts the way osTicket's `PersonsName::splitName()` does it: a first word
/// with a period is a salutation, a last word with a period a suffix, the word before the
/// suffix the last name and whatever lies between first and last name the middle.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NameParts {
    /// `Dr.`, `Mr.`: a leading word with a period.
    pub salutation: String,
    /// The first name.
    pub first: String,
    /// Words between first and last name.
    pub middle: String,
    /// The last name.
    pub last: String,
    /// `Jr.`, `Sr.`: a trailing word with a period.
    pub suffix: String,
}

/// PHP truthiness of a string: empty and `"0"` are false (osTicket tests parts that way).
fn truthy(s: &str) -> bool {
    !s.is_empty() && s != "0"
}

/// Splits a name as entered into [`NameParts`] (words are separated by single spaces; a single
/// word with periods such as `J.Doe` is split at the periods).
pub fn split_name(name: &str) -> NameParts {
    let mut words: Vec<&str> = name.split(' ').collect();
    if words.len() == 1 && name.contains('.') {
        words = name.split('.').collect();
    }
    let word = |i: usize| words.get(i).copied().unwrap_or("");
    let size = words.len();
    let (salutation, first) = if word(0).contains('.') {
        (word(0), word(1))
    } else {
        ("", word(0))
    };
    let tail = word(size.saturating_sub(1));
    let suffix = if tail.contains('.') { tail } else { "" };
    let start = if truthy(salutation) { 2 } else { 1 };
    let end = if truthy(suffix) {
        size.checked_sub(2)
    } else {
        size.checked_sub(1)
    };
    let mut middle: Vec<&str> = match end {
        Some(end) if end >= start => (start..=end).map(word).collect(),
        _ => Vec::new(),
    };
    let last = if middle.len() > 1 {
        middle.pop().unwrap_or("")
    } else {
        let only = middle.first().copied().unwrap_or("");
        middle.clear();
        only
    };
    NameParts {
        salutation: salutation.to_owned(),
        first: first.to_owned(),
        middle: middle.join(" "),
        last: last.to_owned(),
        suffix: suffix.to_owned(),
    }
}

/// `X.` for a part `Xyz` (first character), empty for an empty part.
fn initial(part: &str) -> String {
    match part.chars().next() {
        Some(c) if truthy(part) => format!("{c}."),
        _ => String::new(),
    }
}

/// The non-empty parts joined by spaces (PHP's `implode(' ', array_filter(...))`).
fn join_present(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| truthy(p))
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Formats a name in one of osTicket's name formats (`first`, `last`, `full`, `legal`,
/// `lastfirst`, `formal`, `short`, `shortformal`, `complete`, `original`); an unknown format
/// is `original`, as in `PersonsName`. `original` is the name as entered. The result is trimmed
/// (osTicket leaves a dangling space in e.g. `short` for a one-word name; HTML hides it, JSON
/// would not).
pub fn format_name(parts: &NameParts, original: &str, format: &str) -> String {
    let p = parts;
    let out = match format {
        "first" => p.first.clone(),
        "last" => p.last.clone(),
        "full" => format!("{} {}", p.first, p.last),
        "legal" => join_present(&[&p.first, &initial(&p.middle), &p.last]),
        "lastfirst" => {
            let mut s = format!("{}, {}", p.last, p.first)
                .trim_matches([',', ' '])
                .to_owned();
            if truthy(&p.suffix) {
                s.push_str(", ");
                s.push_str(&p.suffix);
            }
            s
        }
        "formal" => format!("{} {}", p.salutation, p.last),
        "short" => format!("{} {}", p.first, initial(&p.last)),
        "shortformal" => format!("{} {}", initial(&p.first), p.last),
        "complete" => join_present(&[
            &p.salutation,
            &p.first,
            &initial(&p.middle),
            &p.last,
            &p.suffix,
        ]),
        _ => original.to_owned(),
    };
    out.trim().to_owned()
}

/// A staff member's name like osTicket's `AgentsName` (first and last name, no other parts) in
/// the helpdesk's `agent_name_format`; an empty format means osTicket's default, `full`.
pub fn agent_name(first: &str, last: &str, format: &str) -> String {
    let parts = NameParts {
        first: first.to_owned(),
        last: last.to_owned(),
        ..NameParts::default()
    };
    let format = if format.is_empty() {
        DEFAULT_AGENT_FORMAT
    } else {
        format
    };
    format_name(&parts, &format!("{first} {last}"), format)
}

/// A user's name like osTicket's `User::getName()` (`UsersName`) in the helpdesk's
/// `client_name_format`: the name as entered, split for the other formats; a user without a name
/// is called by the local part of their e-mail address. An empty format means osTicket's default,
/// `original`.
pub fn user_name(name: &str, email: &str, format: &str) -> String {
    let name = if truthy(name) {
        name
    } else {
        email.split('@').next().unwrap_or("")
    };
    let format = if format.is_empty() {
        DEFAULT_CLIENT_FORMAT
    } else {
        format
    };
    format_name(&split_name(name), name, format)
}

/// The agent's formatted name when the row exists (`row` = the joined primary key), else null.
fn staff_node(row: &Row, exists: usize, first: usize, last: usize, format: &str) -> Node {
    if row.get(exists).is_null() {
        return Node::Null;
    }
    Node::Str(agent_name(&row.text(first), &row.text(last), format))
}

/// The attachment items of [`attachments_query`] rows, by thread entry id.
fn attachments_by_entry(attachments: &[Row]) -> HashMap<i64, Vec<Node>> {
    let mut by_entry: HashMap<i64, Vec<Node>> = HashMap::new();
    for a in attachments {
        by_entry.entry(a.int(acol::ENTRY_ID)).or_default().push(
            Node::map(6)
                .with("id", a.int(acol::ID))
                .with("file_id", a.int(acol::FILE_ID))
                .with("filename", a.text(acol::NAME))
                .with("size", a.int(acol::SIZE))
                .with("mime_type", a.text(acol::MIME))
                .with("inline", a.int(acol::INLINE) != 0),
        );
    }
    by_entry
}

/// One thread entry: `id, type, poster, timestamp, body`, then `staffId`+`staff` for agents'
/// entries, `userId` for users' entries, `attachments`+`attachment_count` when it has files.
fn entry_node(e: &Row, agent_fmt: &str, by_entry: &mut HashMap<i64, Vec<Node>>) -> Node {
    let id = e.int(ecol::ID);
    let mut n = Node::map(10)
        .with("id", id)
        .with("type", e.text(ecol::TYPE))
        .with("poster", e.text(ecol::POSTER))
        .with("timestamp", e.text(ecol::CREATED))
        .with("body", e.text(ecol::BODY));
    if e.int(ecol::STAFF_ID) != 0 {
        n.push("staffId", e.int(ecol::STAFF_ID));
        n.push(
            "staff",
            staff_node(
                e,
                ecol::STAFF_ROW,
                ecol::STAFF_FIRST,
                ecol::STAFF_LAST,
                agent_fmt,
            ),
        );
    }
    if e.int(ecol::USER_ID) != 0 {
        n.push("userId", e.int(ecol::USER_ID));
    }
    if let Some(list) = by_entry.remove(&id).filter(|l| !l.is_empty()) {
        let count = i64::try_from(list.len()).unwrap_or(i64::MAX);
        n.push("attachments", Node::List(list));
        n.push("attachment_count", count);
    }
    n
}

/// Builds the response (CONTRACT.md §3.2 keys in order) from the ticket row and the rows of the
/// entries, attachments and children queries.
pub fn ticket_node(t: &Row, entries: &[Row], attachments: &[Row], children: &[Row]) -> Node {
    let agent_fmt = t.text(col::AGENT_FORMAT);
    let client_fmt = t.text(col::CLIENT_FORMAT);
    // The ticket's own priority when its form answer names an existing one, else the default.
    let (priority_id, priority) = if t.get(col::PRIORITY_ID).is_null() {
        (
            t.int(col::DEFAULT_PRIORITY_ID),
            t.text(col::DEFAULT_PRIORITY),
        )
    } else {
        (t.int(col::PRIORITY_ID), t.text(col::PRIORITY))
    };
    let department = t
        .opt_text(col::DEPT)
        .or_else(|| t.opt_text(col::DEFAULT_DEPT));
    let staff = staff_node(
        t,
        col::STAFF_ROW,
        col::STAFF_FIRST,
        col::STAFF_LAST,
        &agent_fmt,
    );
    // Topic, team and SLA: their name when the ticket has one, null for 0 (none).
    let name_if_set = |id: usize, name: usize| -> Node {
        if t.int(id) != 0 {
            t.opt_text(name).into()
        } else {
            Node::Null
        }
    };
    let closed = if t.text(col::STATE) == "closed" {
        t.opt_text(col::CLOSED).into()
    } else {
        Node::Null
    };
    let user = if t.get(col::USER_ROW).is_null() {
        Node::map(2)
            .with("name", Node::Null)
            .with("email", Node::Null)
    } else {
        let email = t.text(col::USER_EMAIL);
        Node::map(2)
            .with(
                "name",
                user_name(&t.text(col::USER_NAME), &email, &client_fmt),
            )
            .with("email", t.opt_text(col::USER_EMAIL))
    };

    let mut by_entry = attachments_by_entry(attachments);
    let thread: Vec<Node> = entries
        .iter()
        .map(|e| entry_node(e, &agent_fmt, &mut by_entry))
        .collect();

    Node::map(30)
        .with("id", t.int(col::ID))
        .with("number", t.text(col::NUMBER))
        .with("subject", t.text(col::SUBJECT))
        .with("statusId", t.int(col::STATUS_ID))
        .with("status", t.text(col::STATUS))
        .with("priorityId", priority_id)
        .with("priority", priority)
        .with("departmentId", t.int(col::DEPT_ID))
        .with("department", department)
        .with("topicId", t.int(col::TOPIC_ID))
        .with("topic", name_if_set(col::TOPIC_ID, col::TOPIC))
        .with("userId", t.int(col::USER_ID))
        .with("user", user)
        .with("staffId", t.int(col::STAFF_ID))
        .with("staff", staff)
        .with("teamId", t.int(col::TEAM_ID))
        .with("team", name_if_set(col::TEAM_ID, col::TEAM))
        .with("slaId", t.int(col::SLA_ID))
        .with("sla", name_if_set(col::SLA_ID, col::SLA))
        .with("created", t.text(col::CREATED))
        .with("updated", t.text(col::UPDATED))
        .with("duedate", t.opt_text(col::DUEDATE))
        .with("closed", closed)
        .with("isOverdue", t.int(col::OVERDUE) != 0)
        .with("isAnswered", t.int(col::ANSWERED) != 0)
        .with("source", t.text(col::SOURCE))
        .with("ip", t.text(col::IP))
        .with(
            "children",
            Node::List(children.iter().map(|c| Node::Int(c.int(0))).collect()),
        )
        .with("thread", Node::List(thread))
}

/// Finds the ticket row: by number, then by internal id for purely numeric identifiers
/// (CONTRACT.md §4.1 with the §11 S5 fix: no string-to-number coercion).
pub fn find(store: &mut dyn Store, tables: &Tables, ident: &str) -> Result<Option<Row>> {
    if let Some(row) = store.first(&ticket_query(tables, ident, false))? {
        return Ok(Some(row));
    }
    match numeric_id(ident) {
        Some(id) => store.first(&ticket_query(tables, &id.to_string(), true)),
        None => Ok(None),
    }
}

/// The ticket addressed by `ident` (number first; id fallback for purely numeric identifiers);
/// 404 `Ticket not found` when there is none.
pub fn get(store: &mut dyn Store, tables: &Tables, ident: &str) -> Result<Node> {
    let t =
        find(store, tables, ident)?.ok_or_else(|| ApiError::NotFound("Ticket not found".into()))?;
    let id = t.int(col::ID);
    let mut entries = store.rows(&entries_query(tables, id))?;
    let moved: Vec<i64> = entries
        .iter()
        // NULL, or '' as MariaDB stores it in the NOT NULL column (osTicket compares `== null`).
        .filter(|e| e.bytes(ecol::BODY).is_empty())
        .map(|e| e.int(ecol::ID))
        .collect();
    if !moved.is_empty() {
        let mut bodies: HashMap<i64, Vec<u8>> = HashMap::new();
        for r in store.rows(&moved_bodies_query(tables, &moved))? {
            bodies
                .entry(r.int(0))
                .or_default()
                .extend_from_slice(r.bytes(1));
        }
        for e in &mut entries {
            if let Some(body) = bodies.remove(&e.int(ecol::ID)) {
                *e = with_value(e, ecol::BODY, Value::Bytes(body));
            }
        }
    }
    let attachments = store.rows(&attachments_query(tables, id))?;
    let children = store.rows(&children_query(tables, id))?;
    Ok(ticket_node(&t, &entries, &attachments, &children))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::to_json;
    use crate::sql::Value;
    use std::sync::Arc;

    fn tables() -> Tables {
        Tables::new("ost_").unwrap()
    }

    #[test]
    fn moved_bodies_are_read_from_inline_text_attachments_in_the_database() {
        let q = moved_bodies_query(&tables(), &[7, 9]);
        assert!(q.sql.contains("a.object_id IN (?, ?)"), "{}", q.sql);
        assert!(q.sql.contains("a.inline = 1") && q.sql.contains("f.bk = 'D'"));
        assert!(q.sql.contains("f.type IN ('text/html', 'text/plain')"));
        assert!(q.sql.ends_with("ORDER BY a.object_id, a.id, c.chunk_id"));
        assert_eq!(q.params, vec![Param::Int(7), Param::Int(9)]);
        let r = row(vec![
            Value::Int(1),
            Value::Null,
            Value::Bytes(b"x".to_vec()),
        ]);
        let r = with_value(&r, 1, Value::Bytes("жж".as_bytes().to_vec()));
        assert_eq!(
            (r.int(0), r.text(1), r.text(2)),
            (1, "жж".into(), "x".into())
        );
    }

    fn row(values: Vec<Value>) -> Row {
        let cols: Arc<[String]> = (0..values.len()).map(|i| format!("c{i}")).collect();
        Row::new(cols, values)
    }

    fn s(v: &str) -> Value {
        Value::Bytes(v.as_bytes().to_vec())
    }

    fn i(v: i64) -> Value {
        Value::Int(v)
    }

    /// A ticket row as [`ticket_query`] returns it: open, department 2, user 3, staff 5, no
    /// topic/team/SLA, priority High (3), default priority Normal (2).
    fn ticket_values() -> Vec<Value> {
        let v = vec![
            i(7),                     // ID
            s("123456"),              // NUMBER
            s("Printer <on> fire"),   // SUBJECT
            i(1),                     // STATUS_ID
            s("Open"),                // STATUS
            s("open"),                // STATE
            i(3),                     // PRIORITY_ID
            s("High"),                // PRIORITY
            i(2),                     // DEFAULT_PRIORITY_ID
            s("Normal"),              // DEFAULT_PRIORITY
            i(2),                     // DEPT_ID
            s("Support"),             // DEPT
            s("Default"),             // DEFAULT_DEPT
            i(0),                     // TOPIC_ID
            Value::Null,              // TOPIC
            i(3),                     // USER_ID
            i(3),                     // USER_ROW
            s("Jane Q. Doe"),         // USER_NAME
            s("jane@example.com"),    // USER_EMAIL
            i(5),                     // STAFF_ID
            i(5),                     // STAFF_ROW
            s("Ada"),                 // STAFF_FIRST
            s("Lovelace"),            // STAFF_LAST
            i(0),                     // TEAM_ID
            Value::Null,              // TEAM
            i(0),                     // SLA_ID
            Value::Null,              // SLA
            s("2026-01-01 10:00:00"), // CREATED
            s("2026-01-02 10:00:00"), // UPDATED
            Value::Null,              // DUEDATE
            s("2026-01-03 10:00:00"), // CLOSED
            i(1),                     // OVERDUE
            i(0),                     // ANSWERED
            s("API"),                 // SOURCE
            s("127.0.0.1"),           // IP
            s("full"),                // AGENT_FORMAT
            s("original"),            // CLIENT_FORMAT
        ];
        assert_eq!(v.len(), col::COUNT);
        v
    }

    fn ticket_with(changes: &[(usize, Value)]) -> Row {
        let mut v = ticket_values();
        for (idx, value) in changes {
            v[*idx] = value.clone();
        }
        row(v)
    }

    fn entry(id: i64, kind: &str, staff: Option<(i64, &str, &str)>, user: i64) -> Row {
        let (staff_id, staff_row, first, last) = match staff {
            Some((sid, f, l)) => (i(sid), i(sid), s(f), s(l)),
            None => (i(0), Value::Null, Value::Null, Value::Null),
        };
        row(vec![
            i(id),
            s(kind),
            s("Poster"),
            s("2026-01-01 10:00:00"),
            s("Body"),
            staff_id,
            staff_row,
            first,
            last,
            i(user),
        ])
    }

    fn json(node: &Node) -> String {
        String::from_utf8(to_json(node)).unwrap()
    }

    /// The select list of a statement, split at top-level commas.
    fn select_list(sql: &str) -> Vec<String> {
        let body = sql.strip_prefix("SELECT ").unwrap();
        let (mut depth, mut cur, mut out) = (0i32, String::new(), Vec::new());
        for (pos, c) in body.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(cur.trim().to_owned());
                    cur.clear();
                    continue;
                }
                ' ' if depth == 0 && body.get(pos..).is_some_and(|r| r.starts_with(" FROM ")) => {
                    break
                }
                _ => {}
            }
            cur.push(c);
        }
        out.push(cur.trim().to_owned());
        out
    }

    #[test]
    fn ticket_query_binds_number_or_id_never_inlines_them() {
        let q = ticket_query(&tables(), "ABC123", false);
        assert!(q.sql.ends_with("WHERE t.number = ? LIMIT 1"));
        assert_eq!(q.params, vec![Param::from("ABC123")]);
        let q = ticket_query(&tables(), "42", true);
        assert!(q.sql.ends_with("WHERE t.ticket_id = ? LIMIT 1"));
        assert_eq!(q.params, vec![Param::UInt(42)]);
        assert!(!q.sql.contains("42"));
    }

    #[test]
    fn ticket_query_selects_the_columns_the_mapping_reads() {
        let q = ticket_query(&tables(), "1", false);
        let cols = select_list(&q.sql);
        assert_eq!(cols.len(), col::COUNT, "{cols:?}");
        assert_eq!(cols[col::SUBJECT], "cd.subject");
        assert_eq!(cols[col::PRIORITY_ID], "p.priority_id");
        assert_eq!(cols[col::DEFAULT_PRIORITY_ID], "dp.priority_id");
        assert_eq!(cols[col::USER_ROW], "u.id");
        assert_eq!(cols[col::STAFF_ROW], "st.staff_id");
        assert_eq!(cols[col::IP], "t.ip_address");
        assert!(cols[col::AGENT_FORMAT].contains("'agent_name_format'"));
        assert!(cols[col::CLIENT_FORMAT].contains("'client_name_format'"));
    }

    #[test]
    fn ticket_query_joins_form_data_priority_and_defaults_with_the_prefix() {
        let q = ticket_query(&Tables::new("xyz_").unwrap(), "1", false);
        for join in [
            "FROM `xyz_ticket` t",
            "LEFT JOIN `xyz_ticket__cdata` cd ON cd.ticket_id = t.ticket_id",
            "LEFT JOIN `xyz_ticket_priority` p ON p.priority_id = cd.priority",
            "LEFT JOIN `xyz_ticket_priority` dp ON dp.priority_id = (SELECT c.value FROM `xyz_config` c WHERE c.namespace = 'core' AND c.`key` = 'default_priority_id')",
            "LEFT JOIN `xyz_department` dd ON dd.id = (SELECT c.value FROM `xyz_config` c WHERE c.namespace = 'core' AND c.`key` = 'default_dept_id')",
            "LEFT JOIN `xyz_user_email` ue ON ue.id = u.default_email_id",
        ] {
            assert!(q.sql.contains(join), "missing {join}\n{}", q.sql);
        }
        assert!(!q.sql.contains("ost_"));
    }

    #[test]
    fn entries_are_the_visible_ones_of_the_ticket_thread_in_osticket_order() {
        let q = entries_query(&tables(), 9);
        assert_eq!(
            q.sql,
            "SELECT e.id, e.type, e.poster, e.created, e.body, e.staff_id, st.staff_id, \
             st.firstname, st.lastname, e.user_id \
             FROM `ost_thread` th \
             JOIN `ost_thread_entry` e ON e.thread_id = th.id \
             LEFT JOIN `ost_staff` st ON st.staff_id = e.staff_id \
             WHERE th.object_type = 'T' AND th.object_id = ? AND (e.flags & 4) = 0 \
             ORDER BY e.created, e.id"
        );
        assert_eq!(q.params, vec![Param::Int(9)]);
    }

    #[test]
    fn attachments_are_thread_entry_files_of_the_same_entries() {
        let q = attachments_query(&tables(), 9);
        assert!(q
            .sql
            .contains("JOIN `ost_attachment` a ON a.object_id = e.id AND a.type = 'H'"));
        assert!(q.sql.contains("JOIN `ost_file` f ON f.id = a.file_id"));
        assert!(q
            .sql
            .contains("WHERE th.object_type = 'T' AND th.object_id = ? AND (e.flags & 4) = 0"));
        assert!(q.sql.contains("COALESCE(NULLIF(a.name, ''), f.name)"));
        assert_eq!(q.params, vec![Param::Int(9)]);
    }

    #[test]
    fn children_are_tickets_pointing_at_the_parent() {
        let q = children_query(&tables(), 3);
        assert_eq!(
            q.sql,
            "SELECT ticket_id FROM `ost_ticket` WHERE ticket_pid = ? ORDER BY ticket_id"
        );
        assert_eq!(q.params, vec![Param::Int(3)]);
    }

    #[test]
    fn numeric_fallback_only_for_plain_digits_in_range() {
        assert_eq!(numeric_id("123"), Some(123));
        assert_eq!(numeric_id("0123"), Some(123));
        assert_eq!(numeric_id("4294967295"), Some(u32::MAX));
        for none in [
            "0",
            "000",
            "123abc",
            " 12",
            "+12",
            "-1",
            "1e3",
            "4294967296",
            "99999999999999999999",
            "",
            "１２", // full-width digits are not ASCII digits
        ] {
            assert_eq!(numeric_id(none), None, "{none}");
        }
    }

    #[test]
    fn names_split_like_persons_name() {
        let p = split_name("Dr. Jane Q. Public Jr.");
        assert_eq!(
            p,
            NameParts {
                salutation: "Dr.".into(),
                first: "Jane".into(),
                middle: "Q.".into(),
                last: "Public".into(),
                suffix: "Jr.".into(),
            }
        );
        let p = split_name("Jane Mary Ann Doe");
        assert_eq!((p.first.as_str(), p.middle.as_str()), ("Jane", "Mary Ann"));
        assert_eq!(p.last, "Doe");
        let p = split_name("J.Everybody");
        assert_eq!((p.first.as_str(), p.last.as_str()), ("J", "Everybody"));
        let p = split_name("Cher");
        assert_eq!((p.first.as_str(), p.last.as_str()), ("Cher", ""));
        assert_eq!(split_name(""), NameParts::default());
    }

    #[test]
    fn every_osticket_name_format() {
        let name = "Dr. Jane Quincy Public Jr.";
        let p = split_name(name);
        for (format, want) in [
            ("first", "Jane"),
            ("last", "Public"),
            ("full", "Jane Public"),
            ("legal", "Jane Q. Public"),
            ("lastfirst", "Public, Jane, Jr."),
            ("formal", "Dr. Public"),
            ("short", "Jane P."),
            ("shortformal", "J. Public"),
            ("complete", "Dr. Jane Q. Public Jr."),
            ("original", name),
            ("no-such-format", name),
        ] {
            assert_eq!(format_name(&p, name, format), want, "{format}");
        }
    }

    #[test]
    fn agent_names_follow_the_helpdesk_format() {
        assert_eq!(agent_name("Ada", "Lovelace", "full"), "Ada Lovelace");
        assert_eq!(agent_name("Ada", "Lovelace", ""), "Ada Lovelace");
        assert_eq!(agent_name("Ada", "Lovelace", "lastfirst"), "Lovelace, Ada");
        assert_eq!(agent_name("Ada", "Lovelace", "short"), "Ada L.");
        assert_eq!(agent_name("Ada", "Lovelace", "shortformal"), "A. Lovelace");
        assert_eq!(agent_name("Ada", "Lovelace", "formal"), "Lovelace");
        assert_eq!(agent_name("Ada", "Lovelace", "legal"), "Ada Lovelace");
        assert_eq!(agent_name("Ada", "Lovelace", "complete"), "Ada Lovelace");
        assert_eq!(agent_name("Ada", "Lovelace", "original"), "Ada Lovelace");
        assert_eq!(agent_name("Ada", "", "short"), "Ada");
        assert_eq!(agent_name("", "Lovelace", "lastfirst"), "Lovelace");
        assert_eq!(agent_name("Ádám", "Éva", "shortformal"), "Á. Éva");
    }

    #[test]
    fn user_names_are_as_entered_by_default_else_formatted() {
        assert_eq!(
            user_name("Jane Q. Doe", "jane@example.com", "original"),
            "Jane Q. Doe"
        );
        assert_eq!(
            user_name("Jane Q. Doe", "jane@example.com", ""),
            "Jane Q. Doe"
        );
        assert_eq!(
            user_name("Jane Q. Doe", "jane@example.com", "full"),
            "Jane Doe"
        );
        assert_eq!(
            user_name("Jane Q. Doe", "jane@example.com", "lastfirst"),
            "Doe, Jane"
        );
        assert_eq!(user_name("", "jane.d@example.com", "original"), "jane.d");
    }

    #[test]
    fn ticket_node_has_contract_keys_in_order_and_types() {
        let entries = vec![
            entry(11, "M", None, 3),
            entry(12, "R", Some((5, "Ada", "Lovelace")), 0),
            entry(13, "N", Some((9, "Gone", "Agent")), 0),
        ];
        let atts = vec![
            row(vec![
                i(90),
                i(11),
                i(28),
                s("shot.png"),
                Value::UInt(1234),
                s("image/png"),
                i(0),
            ]),
            row(vec![
                i(91),
                i(11),
                i(29),
                s("logo.gif"),
                i(10),
                s("image/gif"),
                i(1),
            ]),
        ];
        let children = vec![row(vec![i(8)]), row(vec![i(9)])];
        let node = ticket_node(&row(ticket_values()), &entries, &atts, &children);
        assert_eq!(
            json(&node),
            concat!(
                r#"{"id":7,"number":"123456","subject":"Printer <on> fire","statusId":1,"status":"Open","#,
                r#""priorityId":3,"priority":"High","departmentId":2,"department":"Support","topicId":0,"topic":null,"#,
                r#""userId":3,"user":{"name":"Jane Q. Doe","email":"jane@example.com"},"staffId":5,"staff":"Ada Lovelace","#,
                r#""teamId":0,"team":null,"slaId":0,"sla":null,"created":"2026-01-01 10:00:00","updated":"2026-01-02 10:00:00","#,
                r#""duedate":null,"closed":null,"isOverdue":true,"isAnswered":false,"source":"API","ip":"127.0.0.1","#,
                r#""children":[8,9],"thread":["#,
                r#"{"id":11,"type":"M","poster":"Poster","timestamp":"2026-01-01 10:00:00","body":"Body","userId":3,"#,
                r#""attachments":[{"id":90,"file_id":28,"filename":"shot.png","size":1234,"mime_type":"image/png","inline":false},"#,
                r#"{"id":91,"file_id":29,"filename":"logo.gif","size":10,"mime_type":"image/gif","inline":true}],"attachment_count":2},"#,
                r#"{"id":12,"type":"R","poster":"Poster","timestamp":"2026-01-01 10:00:00","body":"Body","staffId":5,"staff":"Ada Lovelace"},"#,
                r#"{"id":13,"type":"N","poster":"Poster","timestamp":"2026-01-01 10:00:00","body":"Body","staffId":9,"staff":"Gone Agent"}]}"#
            )
        );
    }

    #[test]
    fn without_a_priority_answer_the_default_priority_applies() {
        let t = ticket_with(&[
            (col::PRIORITY_ID, Value::Null),
            (col::PRIORITY, Value::Null),
        ]);
        let node = ticket_node(&t, &[], &[], &[]);
        assert_eq!(node.get("priorityId"), Some(&Node::Int(2)));
        assert_eq!(node.get("priority"), Some(&Node::Str("Normal".into())));
    }

    #[test]
    fn unassigned_or_deleted_staff_is_null_with_the_stored_id() {
        let t = ticket_with(&[
            (col::STAFF_ID, i(0)),
            (col::STAFF_ROW, Value::Null),
            (col::STAFF_FIRST, Value::Null),
            (col::STAFF_LAST, Value::Null),
        ]);
        let node = ticket_node(&t, &[], &[], &[]);
        assert_eq!(node.get("staffId"), Some(&Node::Int(0)));
        assert_eq!(node.get("staff"), Some(&Node::Null));
        let t = ticket_with(&[(col::STAFF_ROW, Value::Null)]);
        let node = ticket_node(&t, &[], &[], &[]);
        assert_eq!(node.get("staffId"), Some(&Node::Int(5)));
        assert_eq!(node.get("staff"), Some(&Node::Null));
    }

    #[test]
    fn closed_date_only_for_closed_states() {
        for (state, want) in [
            ("closed", Node::Str("2026-01-03 10:00:00".into())),
            ("open", Node::Null),
            ("archived", Node::Null),
            ("deleted", Node::Null),
        ] {
            let node = ticket_node(&ticket_with(&[(col::STATE, s(state))]), &[], &[], &[]);
            assert_eq!(node.get("closed"), Some(&want), "{state}");
        }
    }

    #[test]
    fn missing_department_falls_back_to_the_default_department() {
        let t = ticket_with(&[(col::DEPT_ID, i(0)), (col::DEPT, Value::Null)]);
        let node = ticket_node(&t, &[], &[], &[]);
        assert_eq!(node.get("departmentId"), Some(&Node::Int(0)));
        assert_eq!(node.get("department"), Some(&Node::Str("Default".into())));
        let t = ticket_with(&[(col::DEPT, Value::Null), (col::DEFAULT_DEPT, Value::Null)]);
        let node = ticket_node(&t, &[], &[], &[]);
        assert_eq!(node.get("department"), Some(&Node::Null));
    }

    #[test]
    fn ticket_without_user_row_or_form_data() {
        let t = ticket_with(&[
            (col::USER_ROW, Value::Null),
            (col::USER_NAME, Value::Null),
            (col::USER_EMAIL, Value::Null),
            (col::SUBJECT, Value::Null),
        ]);
        let node = ticket_node(&t, &[], &[], &[]);
        assert_eq!(
            json(node.get("user").unwrap()),
            r#"{"name":null,"email":null}"#
        );
        assert_eq!(node.get("subject"), Some(&Node::Str(String::new())));
        assert_eq!(node.get("thread"), Some(&Node::List(vec![])));
        assert_eq!(node.get("children"), Some(&Node::List(vec![])));
    }

    #[test]
    fn names_use_the_helpdesk_formats() {
        let t = ticket_with(&[
            (col::AGENT_FORMAT, s("lastfirst")),
            (col::CLIENT_FORMAT, s("full")),
        ]);
        let node = ticket_node(
            &t,
            &[entry(1, "R", Some((5, "Ada", "Lovelace")), 0)],
            &[],
            &[],
        );
        assert_eq!(node.get("staff"), Some(&Node::Str("Lovelace, Ada".into())));
        assert_eq!(
            node.get("user").and_then(|u| u.get("name")),
            Some(&Node::Str("Jane Doe".into()))
        );
        let Some(Node::List(thread)) = node.get("thread") else {
            panic!("thread")
        };
        assert_eq!(
            thread[0].get("staff"),
            Some(&Node::Str("Lovelace, Ada".into()))
        );
    }

    /// A store answering by statement shape, recording what ran.
    struct FakeStore {
        ticket_by_number: Option<Row>,
        ticket_by_id: Option<Row>,
        entries: Vec<Row>,
        ran: Vec<Query>,
    }

    impl Store for FakeStore {
        fn rows(&mut self, query: &Query) -> Result<Vec<Row>> {
            self.ran.push(query.clone());
            let sql = &query.sql;
            Ok(if sql.ends_with("t.number = ? LIMIT 1") {
                self.ticket_by_number.iter().cloned().collect()
            } else if sql.ends_with("t.ticket_id = ? LIMIT 1") {
                self.ticket_by_id.iter().cloned().collect()
            } else if sql.starts_with("SELECT e.id") {
                self.entries.clone()
            } else {
                Vec::new()
            })
        }
        fn for_each(
            &mut self,
            query: &Query,
            each: &mut dyn FnMut(Row) -> Result<()>,
        ) -> Result<()> {
            for r in self.rows(query)? {
                each(r)?;
            }
            Ok(())
        }
        fn execute(&mut self, _: &Query) -> Result<u64> {
            Ok(0)
        }
    }

    fn fake(by_number: bool, by_id: bool, entries: usize) -> FakeStore {
        FakeStore {
            ticket_by_number: by_number.then(|| row(ticket_values())),
            ticket_by_id: by_id.then(|| row(ticket_values())),
            entries: (0..entries)
                .map(|n| entry(n as i64 + 1, "M", None, 3))
                .collect(),
            ran: Vec::new(),
        }
    }

    #[test]
    fn get_runs_a_fixed_number_of_queries_whatever_the_thread_length() {
        for entries in [0, 1, 500] {
            let mut store = fake(true, false, entries);
            let node = get(&mut store, &tables(), "123456").unwrap();
            assert_eq!(store.ran.len(), 4, "{entries} entries");
            let Some(Node::List(thread)) = node.get("thread") else {
                panic!("thread")
            };
            assert_eq!(thread.len(), entries);
        }
    }

    #[test]
    fn get_falls_back_to_the_id_only_for_numeric_identifiers() {
        let mut store = fake(false, true, 0);
        assert!(get(&mut store, &tables(), "7").is_ok());
        assert_eq!(store.ran.len(), 5);
        assert_eq!(store.ran[1].params, vec![Param::UInt(7)]);

        for ident in ["7abc", "0", "99999999999999999999"] {
            let mut store = fake(false, true, 0);
            let err = get(&mut store, &tables(), ident).unwrap_err();
            assert_eq!(err.status(), 404);
            assert_eq!(err.message(), "Ticket not found");
            assert_eq!(store.ran.len(), 1, "{ident}: no id lookup");
        }
    }
}
