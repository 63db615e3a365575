//! `GET tickets-get.php/{number}`: one ticket with thread, attachment metadata and children.
//!
//! Five queries whatever the thread's length: the ticket (with status, department, topic, user,
//! staff, team, SLA, defaults and name formats joined), its form answers (subject, priority), its
//! visible thread entries, their attachments, its children. Names, e-mails and bodies are strings;
//! `isOverdue`/`isAnswered` booleans (DESIGN.md compatibility rules). This module must not import
//! `ext_php_rs` or `mysql`.

use std::collections::HashMap;

use crate::error::{ApiError, Result};
use crate::render::Node;
use crate::sql::{Param, Query, Row, Store, Tables};

/// osTicket's `ThreadEntry::FLAG_HIDDEN`: such entries are not part of the visible thread.
pub const FLAG_HIDDEN: i64 = 0x0004;

/// The columns of [`ticket_query`], in order.
mod col {
    pub const ID: usize = 0;
    pub const NUMBER: usize = 1;
    pub const STATUS_ID: usize = 2;
    pub const STATUS: usize = 3;
    pub const STATE: usize = 4;
    pub const DEPT_ID: usize = 5;
    pub const DEPT: usize = 6;
    pub const DEFAULT_DEPT: usize = 7;
    pub const TOPIC_ID: usize = 8;
    pub const TOPIC: usize = 9;
    pub const USER_ID: usize = 10;
    pub const USER_NAME: usize = 11;
    pub const USER_EMAIL: usize = 12;
    pub const STAFF_ID: usize = 13;
    pub const STAFF_FIRST: usize = 14;
    pub const STAFF_LAST: usize = 15;
    pub const TEAM_ID: usize = 16;
    pub const TEAM: usize = 17;
    pub const SLA_ID: usize = 18;
    pub const SLA: usize = 19;
    pub const CREATED: usize = 20;
    pub const UPDATED: usize = 21;
    pub const DUEDATE: usize = 22;
    pub const CLOSED: usize = 23;
    pub const OVERDUE: usize = 24;
    pub const ANSWERED: usize = 25;
    pub const SOURCE: usize = 26;
    pub const IP: usize = 27;
    pub const DEFAULT_PRIORITY_ID: usize = 28;
    pub const DEFAULT_PRIORITY: usize = 29;
    pub const AGENT_FORMAT: usize = 30;
    pub const CLIENT_FORMAT: usize = 31;
}

/// A subquery reading osTicket's core setting `key` (a fixed name, never input).
pub fn config_value(tables: &Tables, key: &str) -> String {
    format!(
        "(SELECT c.value FROM {} c WHERE c.namespace = 'core' AND c.`key` = '{key}')",
        tables.t("config")
    )
}

/// The ticket row by number (`by_id` false) or by internal id (`by_id` true).
pub fn ticket_query(tables: &Tables, ident: &str, by_id: bool) -> Query {
    let default_dept = config_value(tables, "default_dept_id");
    let default_prio = config_value(tables, "default_priority_id");
    let sql = format!(
        "SELECT t.ticket_id, t.number, t.status_id, s.name, s.state, t.dept_id, d.name, dd.name, \
         t.topic_id, ht.topic, t.user_id, u.name, ue.address, t.staff_id, st.firstname, st.lastname, \
         t.team_id, tm.name, t.sla_id, sla.name, t.created, t.updated, t.duedate, t.closed, \
         t.isoverdue, t.isanswered, t.source, t.ip_address, dp.priority_id, dp.priority_desc, \
         {agent}, {client} \
         FROM {ticket} t \
         LEFT JOIN {status} s ON s.id = t.status_id \
         LEFT JOIN {dept} d ON d.id = t.dept_id \
         LEFT JOIN {dept} dd ON dd.id = {default_dept} \
         LEFT JOIN {topic} ht ON ht.topic_id = t.topic_id \
         LEFT JOIN {user} u ON u.id = t.user_id \
         LEFT JOIN {email} ue ON ue.id = u.default_email_id \
         LEFT JOIN {staff} st ON st.staff_id = t.staff_id \
         LEFT JOIN {team} tm ON tm.team_id = t.team_id \
         LEFT JOIN {sla} sla ON sla.id = t.sla_id \
         LEFT JOIN {prio} dp ON dp.priority_id = {default_prio} \
         WHERE {cond} LIMIT 1",
        agent = config_value(tables, "agent_name_format"),
        client = config_value(tables, "client_name_format"),
        ticket = tables.t("ticket"),
        status = tables.t("ticket_status"),
        dept = tables.t("department"),
        topic = tables.t("help_topic"),
        user = tables.t("user"),
        email = tables.t("user_email"),
        staff = tables.t("staff"),
        team = tables.t("team"),
        sla = tables.t("sla"),
        prio = tables.t("ticket_priority"),
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

/// The ticket form's answers that the response needs: subject and priority (with its name).
pub fn answers_query(tables: &Tables, ticket_id: i64) -> Query {
    Query::new(
        format!(
            "SELECT f.name, v.value, v.value_id, p.priority_id, p.priority_desc \
             FROM {entry} e \
             JOIN {values} v ON v.entry_id = e.id \
             JOIN {field} f ON f.id = v.field_id \
             LEFT JOIN {prio} p ON p.priority_id = v.value_id AND f.name = 'priority' \
             WHERE e.object_type = 'T' AND e.object_id = ? AND f.name IN ('subject', 'priority') \
             ORDER BY e.id, f.id",
            entry = tables.t("form_entry"),
            values = tables.t("form_entry_values"),
            field = tables.t("form_field"),
            prio = tables.t("ticket_priority"),
        ),
        vec![Param::Int(ticket_id)],
    )
}

/// The visible entries of the ticket's thread, oldest first.
pub fn entries_query(tables: &Tables, ticket_id: i64) -> Query {
    Query::new(
        format!(
            "SELECT e.id, e.type, e.poster, e.created, e.body, e.staff_id, st.firstname, \
             st.lastname, e.user_id \
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

/// The attachments (with a file) of the visible entries of the ticket's thread.
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
             ORDER BY a.id",
            thread = tables.t("thread"),
            entry = tables.t("thread_entry"),
            att = tables.t("attachment"),
            file = tables.t("file"),
        ),
        vec![Param::Int(ticket_id)],
    )
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

/// `true` when `ident` may fall back to an internal id: ASCII digits only, non-zero, in range.
pub fn numeric_id(ident: &str) -> Option<u32> {
    if ident.is_empty() || !ident.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ident.parse::<u32>().ok().filter(|&id| id > 0)
}

/// Formats a staff member's name like osTicket's `AgentsName` with the helpdesk's format.
pub fn agent_name(first: &str, last: &str, format: &str) -> String {
    let first = first.trim();
    let last = last.trim();
    let initial = |s: &str| {
        s.chars()
            .next()
            .map(|c| format!("{c}."))
            .unwrap_or_default()
    };
    let joined = |a: &str, sep: &str, b: &str| match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a}{sep}{b}"),
    };
    match format {
        "first" => first.to_owned(),
        "last" | "formal" => last.to_owned(),
        "lastfirst" => joined(last, ", ", first),
        "short" => joined(first, " ", &initial(last)),
        "shortformal" => joined(&initial(first), " ", last),
        _ => joined(first, " ", last),
    }
}

/// Formats a user's name like osTicket's `UsersName`: as entered by default (`original`), or split
/// into first and last name for the other formats.
pub fn user_name(raw: &str, format: &str) -> String {
    let raw = raw.trim();
    if format.is_empty() || format == "original" || format == "complete" {
        return raw.to_owned();
    }
    let (first, last) = match raw.split_once(',') {
        Some((last, first)) => (first.trim(), last.trim()),
        None => {
            let mut words = raw.split_whitespace();
            let first = words.next().unwrap_or("");
            (first, words.last().unwrap_or(""))
        }
    };
    agent_name(first, last, format)
}

fn staff_node(first: Option<String>, last: Option<String>, format: &str) -> Node {
    match (first, last) {
        (None, None) => Node::Null,
        (first, last) => Node::Str(agent_name(
            first.as_deref().unwrap_or(""),
            last.as_deref().unwrap_or(""),
            format,
        )),
    }
}

/// Subject and priority from the form answers.
#[derive(Debug, Default, PartialEq)]
pub struct Answers {
    /// The subject, `''` if none.
    pub subject: String,
    /// The priority id and description, if the ticket has a known priority.
    pub priority: Option<(i64, String)>,
}

/// Reads [`answers_query`] rows.
pub fn answers_from_rows(rows: &[Row]) -> Answers {
    let mut out = Answers::default();
    for r in rows {
        match r.text(0).as_str() {
            "subject" if out.subject.is_empty() => out.subject = r.text(1),
            "priority" if out.priority.is_none() => {
                if let Some(id) = r.opt_int(3) {
                    out.priority = Some((id, r.text(4)));
                }
            }
            _ => {}
        }
    }
    out
}

/// Builds the response from the ticket row and the rows of the other queries.
pub fn ticket_node(
    t: &Row,
    answers: &Answers,
    entries: &[Row],
    attachments: &[Row],
    children: &[Row],
) -> Node {
    let agent_fmt = t.text(col::AGENT_FORMAT);
    let client_fmt = t.text(col::CLIENT_FORMAT);
    let (priority_id, priority) = match &answers.priority {
        Some((id, name)) => (*id, name.clone()),
        None => (
            t.int(col::DEFAULT_PRIORITY_ID),
            t.text(col::DEFAULT_PRIORITY),
        ),
    };
    let department = t
        .opt_text(col::DEPT)
        .or_else(|| t.opt_text(col::DEFAULT_DEPT));
    let staff = if t.int(col::STAFF_ID) != 0 {
        staff_node(
            t.opt_text(col::STAFF_FIRST),
            t.opt_text(col::STAFF_LAST),
            &agent_fmt,
        )
    } else {
        Node::Null
    };
    let nonzero_name = |id: usize, name: usize| -> Node {
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

    let mut by_entry: HashMap<i64, Vec<Node>> = HashMap::new();
    for a in attachments {
        by_entry.entry(a.int(1)).or_default().push(
            Node::map(6)
                .with("id", a.int(0))
                .with("file_id", a.int(2))
                .with("filename", a.text(3))
                .with("size", a.int(4))
                .with("mime_type", a.text(5))
                .with("inline", a.int(6) != 0),
        );
    }
    let thread: Vec<Node> = entries
        .iter()
        .map(|e| {
            let mut n = Node::map(10)
                .with("id", e.int(0))
                .with("type", e.text(1))
                .with("poster", e.text(2))
                .with("timestamp", e.text(3))
                .with("body", e.text(4));
            if e.int(5) != 0 {
                n.push("staffId", e.int(5));
                n.push(
                    "staff",
                    staff_node(e.opt_text(6), e.opt_text(7), &agent_fmt),
                );
            }
            if e.int(8) != 0 {
                n.push("userId", e.int(8));
            }
            if let Some(list) = by_entry.remove(&e.int(0)) {
                let count = list.len() as i64;
                n.push("attachments", Node::List(list));
                n.push("attachment_count", count);
            }
            n
        })
        .collect();

    Node::map(30)
        .with("id", t.int(col::ID))
        .with("number", t.text(col::NUMBER))
        .with("subject", answers.subject.clone())
        .with("statusId", t.int(col::STATUS_ID))
        .with("status", t.text(col::STATUS))
        .with("priorityId", priority_id)
        .with("priority", priority)
        .with("departmentId", t.int(col::DEPT_ID))
        .with("department", department)
        .with("topicId", t.int(col::TOPIC_ID))
        .with("topic", nonzero_name(col::TOPIC_ID, col::TOPIC))
        .with("userId", t.int(col::USER_ID))
        .with(
            "user",
            Node::map(2)
                .with("name", user_name(&t.text(col::USER_NAME), &client_fmt))
                .with("email", t.text(col::USER_EMAIL)),
        )
        .with("staffId", t.int(col::STAFF_ID))
        .with("staff", staff)
        .with("teamId", t.int(col::TEAM_ID))
        .with("team", nonzero_name(col::TEAM_ID, col::TEAM))
        .with("slaId", t.int(col::SLA_ID))
        .with("sla", nonzero_name(col::SLA_ID, col::SLA))
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

/// Finds the ticket row: by number, then by internal id for purely numeric identifiers.
pub fn find(store: &mut dyn Store, tables: &Tables, ident: &str) -> Result<Option<Row>> {
    if let Some(row) = store.first(&ticket_query(tables, ident, false))? {
        return Ok(Some(row));
    }
    match numeric_id(ident) {
        Some(id) => store.first(&ticket_query(tables, &id.to_string(), true)),
        None => Ok(None),
    }
}

/// The ticket addressed by `ident` (number first; id fallback for purely numeric identifiers).
pub fn get(store: &mut dyn Store, tables: &Tables, ident: &str) -> Result<Node> {
    let t =
        find(store, tables, ident)?.ok_or_else(|| ApiError::NotFound("Ticket not found".into()))?;
    let id = t.int(col::ID);
    let answers = answers_from_rows(&store.rows(&answers_query(tables, id))?);
    let entries = store.rows(&entries_query(tables, id))?;
    let attachments = store.rows(&attachments_query(tables, id))?;
    let children = store.rows(&children_query(tables, id))?;
    Ok(ticket_node(&t, &answers, &entries, &attachments, &children))
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

    fn row(values: Vec<Value>) -> Row {
        let cols: Arc<[String]> = (0..values.len()).map(|i| format!("c{i}")).collect();
        Row::new(cols, values)
    }

    fn s(v: &str) -> Value {
        Value::Bytes(v.as_bytes().to_vec())
    }

    fn ticket_row(staff_id: i64, state: &str) -> Row {
        row(vec![
            Value::Int(7),
            s("123456"),
            Value::Int(1),
            s("Open"),
            s(state),
            Value::Int(2),
            s("Support"),
            s("Default"),
            Value::Int(0),
            Value::Null,
            Value::Int(3),
            s("Jane Q. Doe"),
            s("jane@example.com"),
            Value::Int(staff_id),
            s("Ada"),
            s("Lovelace"),
            Value::Int(0),
            Value::Null,
            Value::Int(0),
            Value::Null,
            s("2026-01-01 10:00:00"),
            s("2026-01-02 10:00:00"),
            Value::Null,
            s("2026-01-03 10:00:00"),
            Value::Int(1),
            Value::Int(0),
            s("API"),
            s("127.0.0.1"),
            Value::Int(2),
            s("Normal"),
            s("full"),
            s("original"),
        ])
    }

    #[test]
    fn ticket_query_binds_number_or_id() {
        let q = ticket_query(&tables(), "ABC123", false);
        assert!(q.sql.contains("WHERE t.number = ? LIMIT 1"));
        assert_eq!(q.params, vec![Param::from("ABC123")]);
        let q = ticket_query(&tables(), "42", true);
        assert!(q.sql.contains("WHERE t.ticket_id = ? LIMIT 1"));
        assert_eq!(q.params, vec![Param::UInt(42)]);
        assert!(q.sql.contains("FROM `ost_ticket` t"));
        assert!(!q.sql.contains("42"));
    }

    #[test]
    fn entries_exclude_hidden_and_use_ticket_threads() {
        let q = entries_query(&tables(), 9);
        assert!(q.sql.contains("th.object_type = 'T'"));
        assert!(q.sql.contains("(e.flags & 4) = 0"));
        assert!(q.sql.ends_with("ORDER BY e.created, e.id"));
        assert_eq!(q.params, vec![Param::Int(9)]);
    }

    #[test]
    fn numeric_fallback_only_for_plain_digits() {
        assert_eq!(numeric_id("123"), Some(123));
        assert_eq!(numeric_id("0"), None);
        assert_eq!(numeric_id("000"), None);
        assert_eq!(numeric_id("123abc"), None);
        assert_eq!(numeric_id(" 12"), None);
        assert_eq!(numeric_id("99999999999999999999"), None);
        assert_eq!(numeric_id(""), None);
    }

    #[test]
    fn agent_names_follow_the_helpdesk_format() {
        assert_eq!(agent_name("Ada", "Lovelace", "full"), "Ada Lovelace");
        assert_eq!(agent_name("Ada", "Lovelace", ""), "Ada Lovelace");
        assert_eq!(agent_name("Ada", "Lovelace", "lastfirst"), "Lovelace, Ada");
        assert_eq!(agent_name("Ada", "Lovelace", "short"), "Ada L.");
        assert_eq!(agent_name("Ada", "Lovelace", "shortformal"), "A. Lovelace");
        assert_eq!(agent_name("Ada", "", "full"), "Ada");
    }

    #[test]
    fn user_names_are_as_entered_by_default() {
        assert_eq!(user_name(" Jane Q. Doe ", "original"), "Jane Q. Doe");
        assert_eq!(user_name("Jane Q. Doe", "full"), "Jane Doe");
        assert_eq!(user_name("Doe, Jane", "full"), "Jane Doe");
        assert_eq!(user_name("Doe, Jane", "lastfirst"), "Doe, Jane");
    }

    #[test]
    fn ticket_node_has_contract_keys_in_order_and_types() {
        let answers = Answers {
            subject: "Printer <on> fire".into(),
            priority: Some((3, "High".into())),
        };
        let entries = vec![
            row(vec![
                Value::Int(11),
                s("M"),
                s("Jane"),
                s("2026-01-01 10:00:00"),
                s("<p>Hi</p>"),
                Value::Int(0),
                Value::Null,
                Value::Null,
                Value::Int(3),
            ]),
            row(vec![
                Value::Int(12),
                s("R"),
                s("Ada Lovelace"),
                s("2026-01-01 11:00:00"),
                s("Hello"),
                Value::Int(5),
                s("Ada"),
                s("Lovelace"),
                Value::Int(0),
            ]),
        ];
        let atts = vec![row(vec![
            Value::Int(90),
            Value::Int(11),
            Value::Int(28),
            s("shot.png"),
            Value::UInt(1234),
            s("image/png"),
            Value::Int(0),
        ])];
        let children = vec![row(vec![Value::Int(8)]), row(vec![Value::Int(9)])];
        let node = ticket_node(&ticket_row(5, "open"), &answers, &entries, &atts, &children);
        let json = String::from_utf8(to_json(&node)).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"id":7,"number":"123456","subject":"Printer <on> fire","statusId":1,"status":"Open","#,
                r#""priorityId":3,"priority":"High","departmentId":2,"department":"Support","topicId":0,"topic":null,"#,
                r#""userId":3,"user":{"name":"Jane Q. Doe","email":"jane@example.com"},"staffId":5,"staff":"Ada Lovelace","#,
                r#""teamId":0,"team":null,"slaId":0,"sla":null,"created":"2026-01-01 10:00:00","updated":"2026-01-02 10:00:00","#,
                r#""duedate":null,"closed":null,"isOverdue":true,"isAnswered":false,"source":"API","ip":"127.0.0.1","#,
                r#""children":[8,9],"thread":["#,
                r#"{"id":11,"type":"M","poster":"Jane","timestamp":"2026-01-01 10:00:00","body":"<p>Hi</p>","userId":3,"#,
                r#""attachments":[{"id":90,"file_id":28,"filename":"shot.png","size":1234,"mime_type":"image/png","inline":false}],"attachment_count":1},"#,
                r#"{"id":12,"type":"R","poster":"Ada Lovelace","timestamp":"2026-01-01 11:00:00","body":"Hello","staffId":5,"staff":"Ada Lovelace"}]}"#
            )
        );
    }

    #[test]
    fn unassigned_ticket_has_null_staff_and_default_priority() {
        let node = ticket_node(&ticket_row(0, "closed"), &Answers::default(), &[], &[], &[]);
        assert_eq!(node.get("staffId"), Some(&Node::Int(0)));
        assert_eq!(node.get("staff"), Some(&Node::Null));
        assert_eq!(node.get("priorityId"), Some(&Node::Int(2)));
        assert_eq!(node.get("priority"), Some(&Node::Str("Normal".into())));
        assert_eq!(
            node.get("closed"),
            Some(&Node::Str("2026-01-03 10:00:00".into()))
        );
        assert_eq!(node.get("subject"), Some(&Node::Str(String::new())));
    }

    #[test]
    fn answers_pick_subject_and_priority() {
        let rows = vec![
            row(vec![
                s("subject"),
                s("Hello"),
                Value::Null,
                Value::Null,
                Value::Null,
            ]),
            row(vec![
                s("priority"),
                s("High"),
                Value::Int(3),
                Value::Int(3),
                s("High"),
            ]),
        ];
        assert_eq!(
            answers_from_rows(&rows),
            Answers {
                subject: "Hello".into(),
                priority: Some((3, "High".into()))
            }
        );
    }
}
