//! `GET tickets-subtickets-parent.php/{child}` and `tickets-subtickets-list.php/{parent}`: parent and
//! child links read natively from osTicket's `ticket_pid` column (no third-party plugin needed).
//! One query each. This module must not import `ext_php_rs` or `mysql`.

use crate::error::{ApiError, Result};
use crate::render::Node;
use crate::sql::{Param, Query, Row, Store, Tables};

/// The subject of ticket `alias` from its form answers (osTicket keeps it in the ticket form).
pub fn subject_expr(tables: &Tables, alias: &str) -> String {
    format!(
        "(SELECT v.value FROM {entry} e JOIN {values} v ON v.entry_id = e.id \
         JOIN {field} f ON f.id = v.field_id \
         WHERE e.object_type = 'T' AND e.object_id = {alias}.ticket_id AND f.name = 'subject' \
         ORDER BY e.id LIMIT 1)",
        entry = tables.t("form_entry"),
        values = tables.t("form_entry_values"),
        field = tables.t("form_field"),
    )
}

/// The child by number with its parent's id, number, subject and status (NULLs without parent).
pub fn parent_query(tables: &Tables, child_number: &str) -> Query {
    Query::new(
        format!(
            "SELECT c.ticket_id, p.ticket_id, p.number, {subject}, s.name \
             FROM {ticket} c \
             LEFT JOIN {ticket} p ON p.ticket_id = c.ticket_pid \
             LEFT JOIN {status} s ON s.id = p.status_id \
             WHERE c.number = ? LIMIT 1",
            subject = subject_expr(tables, "p"),
            ticket = tables.t("ticket"),
            status = tables.t("ticket_status"),
        ),
        vec![Param::from(child_number)],
    )
}

/// The parent by number (first row, children columns NULL when it has none) and its direct
/// children, oldest first.
pub fn children_query(tables: &Tables, parent_number: &str) -> Query {
    Query::new(
        format!(
            "SELECT p.ticket_id, c.ticket_id, c.number, {subject}, s.name \
             FROM {ticket} p \
             LEFT JOIN {ticket} c ON c.ticket_pid = p.ticket_id \
             LEFT JOIN {status} s ON s.id = c.status_id \
             WHERE p.number = ? \
             ORDER BY c.created, c.ticket_id",
            subject = subject_expr(tables, "c"),
            ticket = tables.t("ticket"),
            status = tables.t("ticket_status"),
        ),
        vec![Param::from(parent_number)],
    )
}

fn check_number(number: &str) -> Result<()> {
    if number == "0" {
        return Err(ApiError::invalid_field(
            "invalid_ticket_number",
            "number",
            "Invalid ticket number",
        ));
    }
    Ok(())
}

pub(crate) fn ticket_summary(r: &Row, subject_or_null: bool) -> Node {
    let subject = match r.opt_text(3) {
        Some(s) => Node::Str(s),
        None if subject_or_null => Node::Null,
        None => Node::Str(String::new()),
    };
    let status = match r.opt_text(4) {
        Some(s) => Node::Str(s),
        None if subject_or_null => Node::Null,
        None => Node::Str("Unknown".into()),
    };
    Node::map(4)
        .with("ticket_id", r.int(1))
        .with("number", r.text(2))
        .with("subject", subject)
        .with("status", status)
}

/// `{"parent": null | {ticket_id, number, subject, status}}` for the child `number`.
pub fn parent(store: &mut dyn Store, tables: &Tables, number: &str) -> Result<Node> {
    check_number(number)?;
    let row = store
        .first(&parent_query(tables, number))?
        .ok_or_else(|| ApiError::NotFound("Child ticket not found".into()))?;
    let parent = if row.get(1).is_null() {
        Node::Null
    } else {
        ticket_summary(&row, true)
    };
    Ok(Node::map(1).with("parent", parent))
}

/// `{"children": [{ticket_id, number, subject, status}]}` for the parent `number`.
pub fn children(store: &mut dyn Store, tables: &Tables, number: &str) -> Result<Node> {
    check_number(number)?;
    let rows = store.rows(&children_query(tables, number))?;
    if rows.is_empty() {
        return Err(ApiError::NotFound("Parent ticket not found".into()));
    }
    let list = rows
        .iter()
        .filter(|r| !r.get(1).is_null())
        .map(|r| ticket_summary(r, false))
        .collect();
    Ok(Node::map(1).with("children", Node::List(list)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::to_json;
    use crate::sql::Value;
    use std::sync::Arc;

    fn row(values: Vec<Value>) -> Row {
        let cols: Arc<[String]> = (0..values.len()).map(|i| format!("c{i}")).collect();
        Row::new(cols, values)
    }

    fn s(v: &str) -> Value {
        Value::Bytes(v.as_bytes().to_vec())
    }

    #[test]
    fn queries_bind_the_number_and_use_ticket_pid() {
        let t = Tables::new("ost_").unwrap();
        let q = parent_query(&t, "100004");
        assert!(q.sql.contains("ON p.ticket_id = c.ticket_pid"));
        assert!(q.sql.contains("WHERE c.number = ?"));
        assert_eq!(q.params, vec![Param::from("100004")]);
        let q = children_query(&t, "100003");
        assert!(q.sql.contains("ON c.ticket_pid = p.ticket_id"));
        assert!(q.sql.ends_with("ORDER BY c.created, c.ticket_id"));
        assert!(!q.sql.contains("100003"));
    }

    #[test]
    fn summaries_have_the_original_fallbacks() {
        let r = row(vec![
            Value::Int(1),
            Value::Int(4),
            s("100004"),
            Value::Null,
            Value::Null,
        ]);
        assert_eq!(
            String::from_utf8(to_json(&ticket_summary(&r, false))).unwrap(),
            r#"{"ticket_id":4,"number":"100004","subject":"","status":"Unknown"}"#
        );
        assert_eq!(
            String::from_utf8(to_json(&ticket_summary(&r, true))).unwrap(),
            r#"{"ticket_id":4,"number":"100004","subject":null,"status":null}"#
        );
    }

    #[test]
    fn zero_is_an_invalid_ticket_number() {
        let e = check_number("0").unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(e.message(), "Invalid ticket number");
        assert!(check_number("00").is_ok());
    }
}
