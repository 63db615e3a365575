//! Names and numbers of a write request resolved to osTicket ids, with the original plugin's
//! messages (CONTRACT.md §4): an unknown one is a 404 naming the field, an inactive one a 400.
//! Numeric strings are ids; anything else is a name (case-insensitive, by the tables' collation).

use crate::error::{ApiError, Result};
use crate::sql::{Param, Query, Row, Store, Tables};
use crate::stats::{department_names, departments_query, resolve_department};
use crate::uploads::Policy;

/// A 404 about a request field.
pub fn not_found(field: &str, message: String) -> ApiError {
    ApiError::Invalid {
        status: 404,
        code: "not_found",
        message,
        field: Some(field.to_owned()),
    }
}

/// A 400 about an inactive (disabled, archived) object.
fn inactive(field: &str, what: &str) -> ApiError {
    ApiError::invalid_field("inactive", field, format!("{what} is not active"))
}

fn numeric(raw: &str) -> bool {
    !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit())
}

/// What one lookup needs: the table, its id column, the name columns, an "active" expression.
struct Kind {
    label: &'static str,
    table: &'static str,
    id: &'static str,
    names: &'static [&'static str],
    active: &'static str,
}

fn find(
    store: &mut dyn Store,
    tables: &Tables,
    kind: &Kind,
    field: &str,
    raw: &str,
) -> Result<(i64, bool, Row)> {
    let (cond, params) = if numeric(raw) {
        (format!("{} = ?", kind.id), vec![Param::from(raw)])
    } else {
        (
            kind.names
                .iter()
                .map(|c| format!("{c} = ?"))
                .collect::<Vec<_>>()
                .join(" OR "),
            kind.names.iter().map(|_| Param::from(raw)).collect(),
        )
    };
    let q = Query::new(
        format!(
            "SELECT {id}, {active} FROM {table} WHERE {cond} ORDER BY {id} LIMIT 1",
            id = kind.id,
            active = kind.active,
            table = tables.t(kind.table),
        ),
        params,
    );
    let row = store.first(&q)?.ok_or_else(|| {
        not_found(
            field,
            if numeric(raw) {
                format!("{} not found", kind.label)
            } else {
                format!("{} '{raw}' not found", kind.label)
            },
        )
    })?;
    Ok((row.int(0), row.int(1) != 0, row))
}

fn active_one(
    store: &mut dyn Store,
    tables: &Tables,
    kind: &Kind,
    field: &str,
    raw: &str,
) -> Result<i64> {
    let (id, active, _) = find(store, tables, kind, field, raw)?;
    if !active {
        return Err(inactive(field, kind.label));
    }
    Ok(id)
}

/// A department by id, full name (`Parent / Child`) or own name; must be active.
pub fn department(store: &mut dyn Store, tables: &Tables, field: &str, raw: &str) -> Result<i64> {
    let rows = store.rows(&departments_query(tables))?;
    let own = rows.iter().map(|r| (r.int(0), r.text(2))).collect();
    let id = resolve_department(&department_names(&rows).0, &own, raw).map_err(|e| match e {
        ApiError::NotFound(_) if numeric(raw) => {
            not_found(field, "Department not found".to_owned())
        }
        ApiError::NotFound(m) => not_found(field, m),
        ApiError::Invalid {
            status,
            code,
            message,
            ..
        } => ApiError::Invalid {
            status,
            code,
            message,
            field: Some(field.to_owned()),
        },
        other => other,
    })?;
    let flags = store
        .first(&Query::new(
            format!("SELECT flags FROM {} WHERE id = ?", tables.t("department")),
            vec![Param::Int(id)],
        ))?
        .map(|r| r.int(0))
        .unwrap_or(0);
    if flags & 0x4 == 0 {
        return Err(inactive(field, "Department"));
    }
    Ok(id)
}

/// A help topic by id or name (any level); must be active.
pub fn topic(store: &mut dyn Store, tables: &Tables, field: &str, raw: &str) -> Result<i64> {
    const K: Kind = Kind {
        label: "Help Topic",
        table: "help_topic",
        id: "topic_id",
        names: &["topic"],
        active: "flags & 2",
    };
    active_one(store, tables, &K, field, raw)
}

/// An SLA plan by id or name; must be active.
pub fn sla(store: &mut dyn Store, tables: &Tables, field: &str, raw: &str) -> Result<i64> {
    const K: Kind = Kind {
        label: "SLA",
        table: "sla",
        id: "id",
        names: &["name"],
        active: "flags & 1",
    };
    active_one(store, tables, &K, field, raw)
}

/// An agent by id, username or e-mail address; must be active.
pub fn staff(store: &mut dyn Store, tables: &Tables, field: &str, raw: &str) -> Result<i64> {
    const K: Kind = Kind {
        label: "Staff member",
        table: "staff",
        id: "staff_id",
        names: &["username", "email"],
        active: "isactive",
    };
    let (id, active, _) = find(store, tables, &K, field, raw).map_err(|e| match e {
        ApiError::Invalid {
            status: 404, field, ..
        } => ApiError::Invalid {
            status: 404,
            code: "not_found",
            message: "Staff member not found".into(),
            field,
        },
        other => other,
    })?;
    if !active {
        return Err(inactive(field, "Staff member"));
    }
    Ok(id)
}

/// A team by id or name; must be enabled.
pub fn team(store: &mut dyn Store, tables: &Tables, field: &str, raw: &str) -> Result<i64> {
    const K: Kind = Kind {
        label: "Team",
        table: "team",
        id: "team_id",
        names: &["name"],
        active: "flags & 1",
    };
    active_one(store, tables, &K, field, raw)
}

/// A priority by id, name (`normal`) or description (`Normal`).
pub fn priority(store: &mut dyn Store, tables: &Tables, field: &str, raw: &str) -> Result<i64> {
    const K: Kind = Kind {
        label: "Priority",
        table: "ticket_priority",
        id: "priority_id",
        names: &["priority", "priority_desc"],
        active: "1",
    };
    Ok(find(store, tables, &K, field, raw)?.0)
}

/// A ticket status by id or name, with its state (`open`, `closed`, `archived`, `deleted`).
pub fn status(
    store: &mut dyn Store,
    tables: &Tables,
    field: &str,
    raw: &str,
) -> Result<(i64, String)> {
    const K: Kind = Kind {
        label: "Status",
        table: "ticket_status",
        id: "id",
        names: &["name"],
        active: "1, state",
    };
    let (id, _, row) = find(store, tables, &K, field, raw)?;
    Ok((id, row.text(2)))
}

/// The current state of a ticket the write path needs, looked up by number only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    /// `ticket_id`
    pub id: i64,
    /// `number`
    pub number: String,
    /// Department, topic, status, SLA, agent, team, parent (0 when none).
    pub dept_id: i64,
    /// Help topic (0: none).
    pub topic_id: i64,
    /// Status.
    pub status_id: i64,
    /// SLA (0: none).
    pub sla_id: i64,
    /// Agent (0: unassigned).
    pub staff_id: i64,
    /// Team (0: none).
    pub team_id: i64,
    /// Parent ticket (0: none).
    pub pid: i64,
    /// The priority of the ticket form (0: none).
    pub priority_id: i64,
    /// `duedate` as stored (database time), if any.
    pub duedate: Option<String>,
}

/// A ticket by number (the write endpoints use the number only; no internal-id fallback).
pub fn ticket(store: &mut dyn Store, tables: &Tables, number: &str) -> Result<Option<Current>> {
    let q = Query::new(
        format!(
            "SELECT t.ticket_id, t.number, t.dept_id, t.topic_id, t.status_id, t.sla_id, \
             t.staff_id, t.team_id, COALESCE(t.ticket_pid, 0), COALESCE(cd.priority, 0), t.duedate \
             FROM {ticket} t LEFT JOIN {cdata} cd ON cd.ticket_id = t.ticket_id \
             WHERE t.number = ? LIMIT 1",
            ticket = tables.t("ticket"),
            cdata = tables.t("ticket__cdata"),
        ),
        vec![Param::from(number)],
    );
    Ok(store.first(&q)?.map(|r| Current {
        id: r.int(0),
        number: r.text(1),
        dept_id: r.int(2),
        topic_id: r.int(3),
        status_id: r.int(4),
        sla_id: r.int(5),
        staff_id: r.int(6),
        team_id: r.int(7),
        pid: r.int(8),
        priority_id: r.text(9).trim().parse().unwrap_or(0),
        duedate: r.opt_text(10),
    }))
}

/// The ancestors of ticket `id` (its parent, the parent's parent, ...), at most `depth` of them;
/// stops at a loop.
pub fn ancestors(
    store: &mut dyn Store,
    tables: &Tables,
    id: i64,
    depth: usize,
) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    let mut at = id;
    for _ in 0..depth {
        let pid = store
            .first(&Query::new(
                format!(
                    "SELECT COALESCE(ticket_pid, 0) FROM {} WHERE ticket_id = ?",
                    tables.t("ticket")
                ),
                vec![Param::Int(at)],
            ))?
            .map(|r| r.int(0))
            .unwrap_or(0);
        if pid == 0 || pid == id || out.contains(&pid) {
            break;
        }
        out.push(pid);
        at = pid;
    }
    Ok(out)
}

/// The attachment limits of a write: the API's own (`base`: 5 files, 10 MB each, 50 MB) narrowed
/// by the helpdesk's settings for the ticket form's message field, as osTicket's own API applies
/// them: attachments switched off (403), its largest file size, most files and file types
/// (`extensions`; the field's, else the helpdesk's "allowed file types").
pub fn attachment_policy(store: &mut dyn Store, tables: &Tables, base: &Policy) -> Result<Policy> {
    let setting = format!(
        "(SELECT value FROM {} WHERE namespace = 'core' AND `key` = ? LIMIT 1)",
        tables.t("config")
    );
    let row = store.first(&Query::new(
        format!(
            "SELECT (SELECT f.configuration FROM {field} f JOIN {form} fo ON fo.id = f.form_id \
             WHERE fo.type = 'T' AND f.name = 'message' ORDER BY f.id LIMIT 1), \
             {setting}, {setting}, {setting}",
            field = tables.t("form_field"),
            form = tables.t("form"),
        ),
        ["allow_attachments", "max_file_size", "allowed_filetypes"]
            .into_iter()
            .map(Param::from)
            .collect(),
    ))?;
    let Some(row) = row else {
        return Ok(base.clone());
    };
    let field: serde_json::Value = row
        .opt_text(0)
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or(serde_json::Value::Null);
    let number = |v: &serde_json::Value| match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let enabled = match field.get("attachments") {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(v) => number(v).is_some_and(|n| n != 0),
        // osTicket's default for the field: the helpdesk setting, itself true by default.
        None => row
            .opt_text(1)
            .is_none_or(|v| !matches!(v.trim(), "0" | "" | "false")),
    };
    if !enabled {
        return Err(ApiError::Invalid {
            status: 403,
            code: "attachments_disabled",
            message: "This helpdesk does not accept attachments (the ticket form's message field)"
                .into(),
            field: Some("attachments".into()),
        });
    }
    let mut policy = base.clone();
    let size = field
        .get("size")
        .and_then(number)
        .or_else(|| row.opt_text(2).and_then(|s| s.trim().parse().ok()))
        .filter(|&n| n > 0);
    if let Some(size) = size {
        policy.max_file_size = policy.max_file_size.min(size);
    }
    if let Some(max) = field.get("max").and_then(number).filter(|&n| n > 0) {
        policy.max_files = policy
            .max_files
            .min(usize::try_from(max).unwrap_or(usize::MAX));
    }
    let extensions = field
        .get("extensions")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
        .or_else(|| row.opt_text(3).filter(|s| !s.trim().is_empty()));
    if let Some(list) = extensions {
        let allowed: Vec<String> = list
            .split([',', ' ', ';', '\n'])
            .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
            .filter(|e| !e.is_empty())
            .collect();
        if !allowed.is_empty() {
            policy.allowed_extensions = Some(allowed);
        }
    }
    Ok(policy)
}
