//! `DELETE tickets-delete.php/{number}`, `POST tickets-subtickets-create.php/{parent}` and
//! `DELETE tickets-subtickets-unlink.php/{child}`: checks and commands. Links live in osTicket's
//! own `ticket_pid` column (what osTicket and the Subticket Manager plugin read); the messages and
//! the checks' order are the original's (CONTRACT.md §3.5, §3.11, §3.12); an existing link is a
//! 409 Conflict (the original said 422).

use super::body::{self, Fields};
use super::resolve;
use super::{Cmd, Success};
use crate::error::{ApiError, Result};
use crate::render::Node;
use crate::sql::{Param, Query, Row, Store, Tables};
use crate::subtickets::{subject_expr, ticket_summary};

/// The ticket `number` as the subticket answers show it: columns id, id, number, subject, status,
/// parent id (0: none).
fn summary(store: &mut dyn Store, tables: &Tables, number: &str) -> Result<Option<Row>> {
    store.first(&Query::new(
        format!(
            "SELECT t.ticket_id, t.ticket_id, t.number, {subject}, s.name, COALESCE(t.ticket_pid, 0) \
             FROM {ticket} t LEFT JOIN {status} s ON s.id = t.status_id \
             WHERE t.number = ? LIMIT 1",
            subject = subject_expr(tables, "t"),
            ticket = tables.t("ticket"),
            status = tables.t("ticket_status"),
        ),
        vec![Param::from(number)],
    ))
}

/// `DELETE tickets-delete.php/{number}`: by number only (no internal-id fallback on delete).
pub fn delete(store: &mut dyn Store, tables: &Tables, number: &str) -> Result<(Cmd, Success)> {
    let t = resolve::ticket(store, tables, number)?
        .ok_or_else(|| ApiError::NotFound("Ticket not found".into()))?;
    Ok((
        Cmd::map()
            .with("op", "delete")
            .with("ticket_id", t.id)
            .with("number", t.number),
        Success::Number,
    ))
}

/// The one field a subticket-create body understands.
pub const FIELDS: &[&str] = &["childId"];

/// The original's message for a subticket-create body without `childId`.
const MISSING_CHILD: &str = "Missing childId in request body";

/// `childId` of a subticket-create body, checked before authentication (as the original); a
/// body with other fields only names them and the closest known one.
pub fn child_field(fields: &Fields) -> Result<String> {
    body::unknown_fields(fields, FIELDS, Some(MISSING_CHILD))?;
    match body::ident(fields, "childId")? {
        Some(c) if !c.is_empty() && c != "0" => Ok(c),
        _ => Err(ApiError::invalid_field(
            "missing_child",
            "childId",
            MISSING_CHILD,
        )),
    }
}

/// `POST tickets-subtickets-create.php/{parent}` with `{"childId": "<child number>"}`.
pub fn link(
    store: &mut dyn Store,
    tables: &Tables,
    parent_number: &str,
    child_number: &str,
) -> Result<(Cmd, Success)> {
    if parent_number == "0" {
        return Err(ApiError::invalid_field(
            "invalid_ticket_number",
            "number",
            "Invalid parent ticket number",
        ));
    }
    if parent_number == child_number {
        return Err(ApiError::invalid_field(
            "self_link",
            "childId",
            "Cannot link ticket to itself",
        ));
    }
    let parent = summary(store, tables, parent_number)?
        .ok_or_else(|| ApiError::NotFound("Parent ticket not found".into()))?;
    let child = summary(store, tables, child_number)?
        .ok_or_else(|| ApiError::NotFound("Child ticket not found".into()))?;
    let unprocessable = |code, msg: &str| ApiError::Invalid {
        status: 422,
        code,
        message: msg.to_owned(),
        field: Some("childId".into()),
    };
    match child.int(5) {
        0 => {}
        pid if pid == parent.int(0) => {
            return Err(ApiError::Invalid {
                status: 409,
                code: "link_exists",
                message: "Subticket relationship already exists".into(),
                field: Some("childId".into()),
            })
        }
        _ => {
            return Err(ApiError::Invalid {
                status: 409,
                code: "child_has_parent",
                message: "Child ticket already has a different parent".into(),
                field: Some("childId".into()),
            })
        }
    }
    if parent.int(5) != 0 {
        return Err(unprocessable(
            "parent_is_child",
            "Parent ticket cannot be a child of another ticket",
        ));
    }
    if resolve::ancestors(store, tables, parent.int(0), 10)?.contains(&child.int(0)) {
        return Err(unprocessable(
            "cycle",
            "The parent ticket is a descendant of the child ticket",
        ));
    }
    let answer = Node::map(4)
        .with("success", true)
        .with("message", "Subticket relationship created successfully")
        .with("parent", ticket_summary(&parent, false))
        .with("child", ticket_summary(&child, false));
    Ok((
        Cmd::map()
            .with("op", "link")
            .with("parent_id", parent.int(0))
            .with("child_id", child.int(0))
            .with("number", child.text(2)),
        Success::Body(answer),
    ))
}

/// `DELETE tickets-subtickets-unlink.php/{child}`.
pub fn unlink(
    store: &mut dyn Store,
    tables: &Tables,
    child_number: &str,
) -> Result<(Cmd, Success)> {
    if child_number == "0" {
        return Err(ApiError::invalid_field(
            "invalid_ticket_number",
            "number",
            "Invalid child ticket number",
        ));
    }
    let child = summary(store, tables, child_number)?
        .ok_or_else(|| ApiError::NotFound("Child ticket not found".into()))?;
    if child.int(5) == 0 {
        return Err(ApiError::NotFound("Child has no parent to unlink".into()));
    }
    let answer = Node::map(3)
        .with("success", true)
        .with("message", "Subticket relationship removed successfully")
        .with("child", ticket_summary(&child, false));
    Ok((
        Cmd::map()
            .with("op", "unlink")
            .with("child_id", child.int(0))
            .with("number", child.text(2)),
        Success::Body(answer),
    ))
}
