//! `GET tickets-stats.php`: ticket counts overall, per department and per assigned agent.
//!
//! Three queries whatever the number of tickets: one `GROUP BY` aggregate over the tickets (its
//! result has at most departments × agents × statuses × 2 rows), the departments and the agents.
//! States follow osTicket: `open` and `closed` count only their state; archived and deleted tickets
//! are counted apart (the original counted them as open). Departments are keyed by their full name
//! (`Parent / Child`, as osTicket shows sub-departments), so equal sub-department names stay apart.
//! This module must not import `ext_php_rs` or `mysql`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;

use crate::dates;
use crate::error::{ApiError, Result};
use crate::freshness::{self, ChangeCache};
use crate::render::Node;
use crate::sql::{Param, Query, Row, Store, Tables};

/// The filters of the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Tickets created at or after this time (`YYYY-MM-DD HH:MM:SS`).
    pub since: Option<String>,
    /// Tickets created before this time.
    pub until: Option<String>,
    /// Only this department (id).
    pub department: Option<i64>,
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DD[T ]HH:MM[:SS]` into the database's datetime text.
pub fn parse_datetime(field: &str, raw: &str) -> Result<String> {
    let raw = raw.trim();
    let bad = || {
        ApiError::invalid_field(
            "invalid_date",
            field,
            format!(
                "Invalid date for {field}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, years {}-{}",
                dates::MIN_YEAR,
                dates::MAX_YEAR
            ),
        )
    };
    if !dates::has_four_digit_year(raw) {
        return Err(bad());
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return if dates::year_in_range(&d) {
            Ok(format!("{} 00:00:00", d.format("%Y-%m-%d")))
        } else {
            Err(bad())
        };
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(raw, fmt) {
            return if dates::year_in_range(&t) {
                Ok(t.format("%Y-%m-%d %H:%M:%S").to_string())
            } else {
                Err(bad())
            };
        }
    }
    Err(bad())
}

/// The aggregate: one row per (department, agent, state, overdue) with its count.
pub fn aggregate_query(tables: &Tables, f: &Filters) -> Query {
    let mut conds = Vec::new();
    let mut params = Vec::new();
    if let Some(since) = &f.since {
        conds.push("t.created >= ?");
        params.push(Param::from(since.as_str()));
    }
    if let Some(until) = &f.until {
        conds.push("t.created < ?");
        params.push(Param::from(until.as_str()));
    }
    if let Some(dept) = f.department {
        conds.push("t.dept_id = ?");
        params.push(Param::Int(dept));
    }
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    Query::new(
        format!(
            "SELECT g.dept_id, g.staff_id, s.state, g.isoverdue, SUM(g.n) FROM \
             (SELECT t.dept_id, t.staff_id, t.status_id, t.isoverdue, COUNT(*) AS n \
              FROM {ticket} t{filter} GROUP BY t.dept_id, t.staff_id, t.status_id, t.isoverdue) g \
             LEFT JOIN {status} s ON s.id = g.status_id \
             GROUP BY g.dept_id, g.staff_id, s.state, g.isoverdue",
            ticket = tables.t("ticket"),
            status = tables.t("ticket_status"),
        ),
        params,
    )
}

/// Departments with their parents, and the default department.
pub fn departments_query(tables: &Tables) -> Query {
    Query::new(
        format!(
            "SELECT d.id, d.pid, d.name, {default_dept} FROM {dept} d ORDER BY d.id",
            default_dept = crate::tickets::config_value(tables, "default_dept_id"),
            dept = tables.t("department"),
        ),
        vec![],
    )
}

/// Agents and the helpdesk's agent name format.
pub fn staff_query(tables: &Tables) -> Query {
    Query::new(
        format!(
            "SELECT s.staff_id, s.firstname, s.lastname, {agent_format} FROM {staff} s ORDER BY s.staff_id",
            agent_format = crate::tickets::config_value(tables, "agent_name_format"),
            staff = tables.t("staff"),
        ),
        vec![],
    )
}

/// Full department names (`Parent / Child`) by id, and the default department id.
pub fn department_names(rows: &[Row]) -> (HashMap<i64, String>, Option<i64>) {
    let by_id: HashMap<i64, (Option<i64>, String)> = rows
        .iter()
        .map(|r| (r.int(0), (r.opt_int(1).filter(|&p| p != 0), r.text(2))))
        .collect();
    let default = rows.first().and_then(|r| r.opt_int(3));
    let full = by_id
        .keys()
        .map(|&id| {
            let mut parts = Vec::new();
            let mut cur = Some(id);
            // Bounded walk up the tree: a corrupt cycle cannot loop forever.
            for _ in 0..32 {
                let Some(c) = cur else { break };
                let Some((pid, name)) = by_id.get(&c) else {
                    break;
                };
                parts.push(name.as_str());
                cur = *pid;
            }
            parts.reverse();
            (id, parts.join(" / "))
        })
        .collect();
    (full, default)
}

/// Resolves the `department` filter: id, full name (`Parent / Child`) or the department's own name
/// (`own` maps ids to own names; an own name shared by several departments is ambiguous).
pub fn resolve_department(
    names: &HashMap<i64, String>,
    own: &HashMap<i64, String>,
    raw: &str,
) -> Result<i64> {
    let raw = raw.trim();
    if let Ok(id) = raw.parse::<i64>() {
        if names.contains_key(&id) {
            return Ok(id);
        }
    }
    let wanted = raw.to_lowercase();
    let mut by_full = names.iter().filter(|(_, n)| n.to_lowercase() == wanted);
    if let Some((id, _)) = by_full.next() {
        return Ok(*id);
    }
    let short: Vec<i64> = own
        .iter()
        .filter(|(_, n)| n.trim().to_lowercase() == wanted)
        .map(|(id, _)| *id)
        .collect();
    match short.as_slice() {
        [id] => Ok(*id),
        [] => Err(ApiError::NotFound(format!("Department '{raw}' not found"))),
        _ => Err(ApiError::invalid_field(
            "ambiguous_department",
            "department",
            format!(
                "Department '{raw}' is ambiguous: use its full name (Parent / Child) or its id"
            ),
        )),
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    total: i64,
    open: i64,
    closed: i64,
    archived: i64,
    deleted: i64,
    overdue: i64,
}

impl Counts {
    fn add(&mut self, state: &str, overdue: bool, n: i64) {
        self.total += n;
        match state {
            "open" => self.open += n,
            "closed" => self.closed += n,
            "archived" => self.archived += n,
            "deleted" => self.deleted += n,
            _ => {}
        }
        if overdue {
            self.overdue += n;
        }
    }
}

/// Builds the response from the three queries' rows.
pub fn build(aggregate: &[Row], depts: &[Row], staff: &[Row]) -> Node {
    let (names, default_dept) = department_names(depts);
    let dept_name = |id: i64| -> String {
        names
            .get(&id)
            .or_else(|| default_dept.and_then(|d| names.get(&d)))
            .cloned()
            .unwrap_or_default()
    };
    let fmt = staff.first().map(|r| r.text(3)).unwrap_or_default();
    let staff_names: HashMap<i64, String> = staff
        .iter()
        .map(|r| {
            (
                r.int(0),
                crate::tickets::agent_name(&r.text(1), &r.text(2), &fmt),
            )
        })
        .collect();

    let mut all = Counts::default();
    let mut by_dept: BTreeMap<String, (i64, Counts)> = BTreeMap::new();
    let mut by_staff: HashMap<i64, (Counts, BTreeMap<String, Counts>)> = HashMap::new();
    for r in aggregate {
        let (dept, staff_id, state, overdue, n) =
            (r.int(0), r.int(1), r.text(2), r.int(3) != 0, r.int(4));
        all.add(&state, overdue, n);
        let name = dept_name(dept);
        let dept_id = if names.contains_key(&dept) {
            dept
        } else {
            default_dept.unwrap_or(dept)
        };
        by_dept
            .entry(name.clone())
            .or_insert((dept_id, Counts::default()))
            .1
            .add(&state, overdue, n);
        if staff_id != 0 && staff_names.contains_key(&staff_id) {
            let entry = by_staff.entry(staff_id).or_default();
            entry.0.add(&state, overdue, n);
            entry.1.entry(name).or_default().add(&state, overdue, n);
        }
    }

    let dept_node = Node::Map(
        by_dept
            .into_iter()
            .map(|(name, (id, c))| {
                (
                    name.into(),
                    Node::map(5)
                        .with("department_id", id)
                        .with("total", c.total)
                        .with("open", c.open)
                        .with("closed", c.closed)
                        .with("overdue", c.overdue),
                )
            })
            .collect(),
    );
    let mut staff_list: Vec<(String, i64, Counts, BTreeMap<String, Counts>)> = by_staff
        .into_iter()
        .map(|(id, (c, d))| (staff_names.get(&id).cloned().unwrap_or_default(), id, c, d))
        .collect();
    staff_list.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let staff_node = Node::List(
        staff_list
            .into_iter()
            .map(|(name, id, c, depts)| {
                Node::map(4)
                    .with("staff_id", id)
                    .with("staff_name", name)
                    .with("total", c.total)
                    .with(
                        "departments",
                        Node::Map(
                            depts
                                .into_iter()
                                .map(|(n, c)| {
                                    (
                                        n.into(),
                                        Node::map(3)
                                            .with("open", c.open)
                                            .with("closed", c.closed)
                                            .with("overdue", c.overdue),
                                    )
                                })
                                .collect(),
                        ),
                    )
            })
            .collect(),
    );
    Node::map(8)
        .with("total", all.total)
        .with("open", all.open)
        .with("closed", all.closed)
        .with("overdue", all.overdue)
        .with("archived", all.archived)
        .with("deleted", all.deleted)
        .with("by_department", dept_node)
        .with("by_staff", staff_node)
}

/// The statistics for the query parameters `since`, `until`, `department`.
pub fn stats(store: &mut dyn Store, tables: &Tables, query: &[(String, String)]) -> Result<Node> {
    crate::request::single_params(query, &["since", "until", "department"], &[])?;
    let depts = store.rows(&departments_query(tables))?;
    let mut f = Filters::default();
    for (k, v) in query {
        if v.trim().is_empty() {
            continue;
        }
        match k.as_str() {
            "since" => f.since = Some(parse_datetime("since", v)?),
            "until" => f.until = Some(parse_datetime("until", v)?),
            "department" => {
                let own = depts.iter().map(|r| (r.int(0), r.text(2))).collect();
                f.department = Some(resolve_department(&department_names(&depts).0, &own, v)?);
            }
            _ => {}
        }
    }
    let aggregate = aggregate_rows(store, tables, &f)?;
    let aggregate = aggregate.as_slice();
    let staff = store.rows(&staff_query(tables))?;
    Ok(build(aggregate, &depts, &staff))
}

/// The aggregates a worker keeps (one per database and filter combination).
static AGGREGATES: ChangeCache<Vec<Row>> = ChangeCache::new(16);

/// The aggregate rows, from the worker's cache when the ticket table has not changed since they
/// were computed ([`crate::freshness`]: exact, any committed change drops them). Counting a
/// million tickets takes a scan of as many index entries (about 0.2 s here); a dashboard polling
/// an unchanged helpdesk gets the cached figures.
fn aggregate_rows(store: &mut dyn Store, tables: &Tables, f: &Filters) -> Result<Arc<Vec<Row>>> {
    let mark = freshness::mark(store, tables)?;
    let key = mark.as_ref().map(|m| {
        format!(
            "{}|{}|{:?}|{:?}|{:?}",
            m.source,
            tables.raw("ticket"),
            f.since,
            f.until,
            f.department
        )
    });
    if let (Some(key), Some(changed)) = (&key, mark.as_ref().and_then(|m| m.changed.as_deref())) {
        if let Some(rows) = AGGREGATES.get(key, changed) {
            return Ok(rows);
        }
    }
    let rows = Arc::new(store.rows(&aggregate_query(tables, f))?);
    if let (Some(key), Some(changed)) = (key, mark.as_ref().and_then(|m| m.quiet_for(1))) {
        AGGREGATES.put(key, changed, Arc::clone(&rows));
    }
    Ok(rows)
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

    fn depts() -> Vec<Row> {
        vec![
            row(vec![Value::Int(1), Value::Null, s("Support"), s("1")]),
            row(vec![Value::Int(2), Value::Null, s("Sales"), s("1")]),
            row(vec![Value::Int(3), Value::Int(2), s("Team"), s("1")]),
            row(vec![Value::Int(4), Value::Int(1), s("Team"), s("1")]),
        ]
    }

    #[test]
    fn equal_sub_department_names_stay_apart() {
        let rows = depts();
        let (names, default) = department_names(&rows);
        let own: HashMap<i64, String> = rows.iter().map(|r| (r.int(0), r.text(2))).collect();
        let resolve = |raw: &str| resolve_department(&names, &own, raw);
        assert_eq!(names[&3], "Sales / Team");
        assert_eq!(names[&4], "Support / Team");
        assert_eq!(default, Some(1));
        assert_eq!(resolve("sales / team").unwrap(), 3);
        assert_eq!(resolve("4").unwrap(), 4);
        assert_eq!(resolve("Sales").unwrap(), 2);
        assert_eq!(resolve("Team").unwrap_err().status(), 400);
        assert_eq!(resolve("Nope").unwrap_err().status(), 404);
    }

    #[test]
    fn counts_follow_osticket_states_and_agents_are_strings() {
        let agg = vec![
            row(vec![
                Value::Int(1),
                Value::Int(0),
                s("open"),
                Value::Int(1),
                Value::Int(3),
            ]),
            row(vec![
                Value::Int(1),
                Value::Int(7),
                s("closed"),
                Value::Int(0),
                Value::Int(2),
            ]),
            row(vec![
                Value::Int(3),
                Value::Int(7),
                s("archived"),
                Value::Int(0),
                Value::Int(1),
            ]),
            row(vec![
                Value::Int(4),
                Value::Int(8),
                s("deleted"),
                Value::Int(0),
                Value::Int(1),
            ]),
            row(vec![
                Value::Int(99),
                Value::Int(0),
                s("open"),
                Value::Int(0),
                Value::Int(1),
            ]),
        ];
        let staff = vec![
            row(vec![Value::Int(7), s("Ada"), s("Lovelace"), s("full")]),
            row(vec![Value::Int(8), s("Alan"), s("Turing"), s("full")]),
        ];
        let json = String::from_utf8(to_json(&build(&agg, &depts(), &staff))).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"total":8,"open":4,"closed":2,"overdue":3,"archived":1,"deleted":1,"by_department":{"#,
                r#""Sales / Team":{"department_id":3,"total":1,"open":0,"closed":0,"overdue":0},"#,
                r#""Support":{"department_id":1,"total":6,"open":4,"closed":2,"overdue":3},"#,
                r#""Support / Team":{"department_id":4,"total":1,"open":0,"closed":0,"overdue":0}},"#,
                r#""by_staff":[{"staff_id":7,"staff_name":"Ada Lovelace","total":3,"departments":{"#,
                r#""Sales / Team":{"open":0,"closed":0,"overdue":0},"Support":{"open":0,"closed":2,"overdue":0}}},"#,
                r#"{"staff_id":8,"staff_name":"Alan Turing","total":1,"departments":{"Support / Team":{"open":0,"closed":0,"overdue":0}}}]}"#
            )
        );
    }

    #[test]
    fn filters_are_bound_parameters() {
        let f = Filters {
            since: Some("2026-01-01 00:00:00".into()),
            until: None,
            department: Some(3),
        };
        let q = aggregate_query(&Tables::new("ost_").unwrap(), &f);
        assert!(q.sql.contains("WHERE t.created >= ? AND t.dept_id = ?"));
        assert_eq!(
            q.params,
            vec![Param::from("2026-01-01 00:00:00"), Param::Int(3)]
        );
    }

    #[test]
    fn dates_are_validated() {
        assert_eq!(
            parse_datetime("since", "2026-02-03").unwrap(),
            "2026-02-03 00:00:00"
        );
        assert_eq!(
            parse_datetime("since", "2026-02-03T04:05:06").unwrap(),
            "2026-02-03 04:05:06"
        );
        let e = parse_datetime("until", "tomorrow").unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(e.field(), Some("until"));
        assert!(parse_datetime("since", "2026-02-30").is_err());
        for bad in [
            "-2030-01-01",
            "+10000-01-01",
            "0000-01-01",
            "1969-12-31",
            "1969-12-31T23:59:59",
            "10000-01-01",
        ] {
            let e = parse_datetime("created_from", bad).unwrap_err();
            assert_eq!(
                (e.status(), e.field()),
                (400, Some("created_from")),
                "{bad}"
            );
        }
        assert!(parse_datetime("until", "9999-12-31T23:59:59").is_ok());
    }
}

/// Generated filter dates (issue 8): any text is a date in 1970-9999 or a 400 naming the field.
#[cfg(test)]
mod props {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(fuzz::config("dates", 512))]

        #[test]
        fn any_text_is_a_sane_date_or_a_400_naming_the_field(
            raw in fuzz::text_from(&["2025", "-", "+", "01", "T", " ", ":", "00", "0000", "1969", "10000"], 8),
            field in proptest::sample::select(&["since", "until", "created_from", "created_to", "updated_since"][..]),
        ) {
            match parse_datetime(field, &raw) {
                Ok(stored) => {
                    let d = chrono::NaiveDateTime::parse_from_str(&stored, "%Y-%m-%d %H:%M:%S");
                    prop_assert!(d.is_ok_and(|d| dates::year_in_range(&d)), "{:?} -> {}", raw, stored);
                }
                Err(e) => prop_assert_eq!((e.status(), e.field()), (400, Some(field))),
            }
        }
    }
}
