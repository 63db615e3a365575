//! `GET tickets-search.php`: filtered, sorted, paged ticket lists.
//!
//! Every parameter of the original (`query`, `status`, `department`, `limit`, `offset`, `sort`) keeps
//! its meaning, with the original's silent fallbacks turned into errors: an unknown status,
//! department, agent, team, topic, priority or parent is a 404 naming it, a malformed number a 400.
//! New: `email`, `staff`, `team`, `topic`, `priority`, `state`, `overdue`, `created_from`,
//! `created_to`, `updated_since`, `parent`, `order`, and `mode=fulltext` over osTicket's own
//! search index. The body stays a bare list; the total goes to `X-Total-Count` and a `Link` header.
//!
//! Totals: counting every match of a large helpdesk costs a scan of the matches (about 0.2 s per
//! million index entries), so, as GitLab's API does, the count stops at [`COUNT_CAP`]: up to it
//! `X-Total-Count` is exact, beyond it the header is left out unless the client asks for
//! `count=exact`. A `query` search is not counted at all without `count=exact` (its matches can
//! only be counted by reading every subject). Where the page itself shows the end of the list (a short page), the total is
//! known without counting. `Link` `rel="next"` comes from fetching one row more than the page.
//!
//! Queries: the name lookups the request needs (each one small), one page of ids, at most one
//! (bounded) count, one detail query for the page. This module must not import `ext_php_rs` or `mysql`.

pub mod index;
pub mod plan;

use std::sync::Arc;

use crate::error::{ApiError, Result};
use crate::freshness::{self, ChangeCache};
use crate::render::Node;
use crate::sql::{placeholders, Param, Query, Row, Store, Tables};
use crate::stats::{department_names, departments_query, parse_datetime, resolve_department};
use crate::tickets::config_value;

/// Default and largest page size (as the original).
pub const DEFAULT_LIMIT: u64 = 20;
/// Largest page size; larger values are clamped, like the original.
pub const MAX_LIMIT: u64 = 100;

/// Matches counted at most for `X-Total-Count` unless `count=exact` is asked for.
pub const COUNT_CAP: u64 = 10_000;

/// Sort keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// `created` (default, newest first)
    Created,
    /// `updated` (newest first)
    Updated,
    /// `number` (ascending)
    Number,
    /// `relevance` (best first): full-text search on the index; otherwise as `created`.
    Relevance,
}

/// The text of a `query` search and where its condition sits in [`Search::conds`].
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// The text searched for.
    pub query: String,
    /// `mode=fulltext`.
    pub fulltext: bool,
    /// Index of its condition in `conds`.
    pub cond: usize,
    /// Its parameters in `params`.
    pub params: std::ops::Range<usize>,
    /// A full-text search on a helpdesk without osTicket's `_search` table: only the search
    /// index can answer it.
    pub sql_unavailable: bool,
}

/// The validated request.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// `WHERE` conditions on `t` (ticket) and `cd` (cdata), AND-ed.
    pub conds: Vec<String>,
    /// Their parameters, in order.
    pub params: Vec<Param>,
    /// Whether the conditions need the ticket's form data (`cd`).
    pub needs_cdata: bool,
    /// Sort key.
    pub sort: Sort,
    /// `true` for ascending.
    pub ascending: bool,
    /// Page size.
    pub limit: u64,
    /// Rows skipped.
    pub offset: u64,
    /// `count=exact`: count every match, however many.
    pub exact_count: bool,
    /// A `query` condition: counting its matches means reading every subject (or the search
    /// index), so without `count=exact` the total is only given when the page shows it.
    pub has_text: bool,
    /// The `query` text, for the search index.
    pub text: Option<Text>,
    /// The conditions of `conds` other than the text, as the search index applies them.
    pub filters: Vec<Filter>,
}

/// A filter of the request, for the search index ([`plan`]); `conds` holds its SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// The attribute equals the id.
    Attr(index::filter::Attr, i64),
    /// The attribute is one of the ids (none: nothing matches).
    AnyOf(index::filter::Attr, Vec<i64>),
    /// The date is at or after the first, at or before the second (`YYYY-MM-DD HH:MM:SS`).
    Date(index::filter::Date, Option<String>, Option<String>),
}

/// A page of results with the total number of matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The tickets of the page (a list).
    pub items: Node,
    /// How many tickets match in all; `None` when more than [`COUNT_CAP`] match and no exact
    /// count was asked for.
    pub total: Option<u64>,
    /// Whether tickets follow this page.
    pub has_next: bool,
    /// Page size used.
    pub limit: u64,
    /// Offset used.
    pub offset: u64,
}

fn parse_uint(field: &str, raw: &str) -> Result<u64> {
    raw.trim().parse::<u64>().map_err(|_| {
        ApiError::invalid_field(
            "invalid_number",
            field,
            format!("Invalid value for {field}: expected a non-negative integer"),
        )
    })
}

fn parse_bool(field: &str, raw: &str) -> Result<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(ApiError::invalid_field(
            "invalid_boolean",
            field,
            format!("Invalid value for {field}: expected true or false"),
        )),
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Looks up one id by number or by name; 404 naming the value when nothing matches.
fn lookup(
    store: &mut dyn Store,
    label: &str,
    by_id: Query,
    by_name: Query,
    raw: &str,
) -> Result<i64> {
    let numeric = raw.bytes().all(|b| b.is_ascii_digit()) && !raw.is_empty();
    let q = if numeric { by_id } else { by_name };
    store
        .first(&q)?
        .map(|r| r.int(0))
        .ok_or_else(|| ApiError::NotFound(format!("{label} '{raw}' not found")))
}

fn id_or_name(
    tables: &Tables,
    table: &str,
    id_col: &str,
    name_cols: &[&str],
    raw: &str,
) -> (Query, Query) {
    let by_id = Query::new(
        format!(
            "SELECT {id_col} FROM {} WHERE {id_col} = ? LIMIT 1",
            tables.t(table)
        ),
        vec![Param::UInt(raw.parse::<u64>().unwrap_or(0))],
    );
    let cond = name_cols
        .iter()
        .map(|c| format!("{c} = ?"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let by_name = Query::new(
        format!(
            "SELECT {id_col} FROM {} WHERE {cond} ORDER BY {id_col} LIMIT 1",
            tables.t(table)
        ),
        name_cols.iter().map(|_| Param::from(raw)).collect(),
    );
    (by_id, by_name)
}

/// The parameters search understands (`departmentId` is accepted for `department`).
pub const PARAMS: &[&str] = &[
    "query",
    "mode",
    "status",
    "state",
    "department",
    "email",
    "staff",
    "team",
    "topic",
    "priority",
    "overdue",
    "created_from",
    "created_to",
    "updated_since",
    "parent",
    "sort",
    "order",
    "limit",
    "offset",
    "count",
];

/// Validates the parameters and resolves names to ids (a few small queries).
pub fn parse(store: &mut dyn Store, tables: &Tables, query: &[(String, String)]) -> Result<Search> {
    crate::request::single_params(query, PARAMS, &[("departmentId", "department")])?;
    let mut s = Search {
        conds: Vec::new(),
        params: Vec::new(),
        needs_cdata: false,
        sort: Sort::Created,
        ascending: false,
        limit: DEFAULT_LIMIT,
        offset: 0,
        exact_count: false,
        has_text: false,
        text: None,
        filters: Vec::new(),
    };
    let mut order: Option<bool> = None;
    let mut fulltext = false;
    let mut text: Option<String> = None;
    for (key, raw) in query {
        let v = raw.trim();
        if v.is_empty() {
            continue;
        }
        match key.as_str() {
            "limit" => {
                let n = parse_uint("limit", v)?;
                if n == 0 {
                    return Err(ApiError::invalid_field(
                        "invalid_limit",
                        "limit",
                        "limit must be at least 1",
                    ));
                }
                s.limit = n.min(MAX_LIMIT);
            }
            "offset" => s.offset = parse_uint("offset", v)?,
            "count" => {
                s.exact_count = match v.to_ascii_lowercase().as_str() {
                    "exact" => true,
                    "capped" => false,
                    _ => {
                        return Err(ApiError::invalid_field(
                            "invalid_count",
                            "count",
                            "Invalid count: use exact or capped",
                        ))
                    }
                }
            }
            "sort" => {
                // As the original: any other value sorts by creation, newest first.
                s.sort = match v.to_ascii_lowercase().as_str() {
                    "updated" => Sort::Updated,
                    "number" => Sort::Number,
                    "relevance" => Sort::Relevance,
                    _ => Sort::Created,
                }
            }
            "order" => {
                order = Some(match v.to_ascii_lowercase().as_str() {
                    "asc" => true,
                    "desc" => false,
                    _ => {
                        return Err(ApiError::invalid_field(
                            "invalid_order",
                            "order",
                            "Invalid order: use asc or desc",
                        ))
                    }
                })
            }
            "mode" => {
                fulltext = match v {
                    "fulltext" => true,
                    "subject" => false,
                    _ => {
                        return Err(ApiError::invalid_field(
                            "invalid_mode",
                            "mode",
                            "Invalid mode: use subject or fulltext",
                        ))
                    }
                }
            }
            "query" => text = Some(v.to_owned()),
            "status" => {
                let (a, b) = id_or_name(tables, "ticket_status", "id", &["name"], v);
                let id = lookup(store, "Status", a, b, v)?;
                s.conds.push("t.status_id = ?".into());
                s.params.push(Param::Int(id));
                s.filters
                    .push(Filter::Attr(index::filter::Attr::Status, id));
            }
            "state" => {
                let state = v.to_ascii_lowercase();
                if !matches!(state.as_str(), "open" | "closed" | "archived" | "deleted") {
                    return Err(ApiError::invalid_field(
                        "invalid_state",
                        "state",
                        "Invalid state: use open, closed, archived or deleted",
                    ));
                }
                // The statuses' ids, not a subquery: with them the database can walk the sort
                // order's index (a subquery made it read and sort every closed ticket).
                let ids = int_column(
                    store,
                    &Query::new(
                        format!(
                            "SELECT id FROM {} WHERE state = ?",
                            tables.t("ticket_status")
                        ),
                        vec![Param::Str(state)],
                    ),
                )?;
                s.any_of(index::filter::Attr::Status, "t.status_id", ids);
            }
            // `departmentId`: what a known client of the original sends (it was ignored there).
            "department" | "departmentId" => {
                let depts = store.rows(&departments_query(tables))?;
                let own = depts.iter().map(|r| (r.int(0), r.text(2))).collect();
                let id = resolve_department(&department_names(&depts).0, &own, v)?;
                s.conds.push("t.dept_id = ?".into());
                s.params.push(Param::Int(id));
                s.filters.push(Filter::Attr(index::filter::Attr::Dept, id));
            }
            "staff" => {
                let (a, b) = id_or_name(tables, "staff", "staff_id", &["username", "email"], v);
                let id = lookup(store, "Staff member", a, b, v)?;
                s.conds.push("t.staff_id = ?".into());
                s.params.push(Param::Int(id));
                s.filters.push(Filter::Attr(index::filter::Attr::Staff, id));
            }
            "team" => {
                let (a, b) = id_or_name(tables, "team", "team_id", &["name"], v);
                let id = lookup(store, "Team", a, b, v)?;
                s.conds.push("t.team_id = ?".into());
                s.params.push(Param::Int(id));
                s.filters.push(Filter::Attr(index::filter::Attr::Team, id));
            }
            "topic" => {
                let (a, b) = id_or_name(tables, "help_topic", "topic_id", &["topic"], v);
                let id = lookup(store, "Help Topic", a, b, v)?;
                s.conds.push("t.topic_id = ?".into());
                s.params.push(Param::Int(id));
                s.filters.push(Filter::Attr(index::filter::Attr::Topic, id));
            }
            "priority" => {
                let (a, b) = id_or_name(
                    tables,
                    "ticket_priority",
                    "priority_id",
                    &["priority", "priority_desc"],
                    v,
                );
                let id = lookup(store, "Priority", a, b, v)?;
                s.needs_cdata = true;
                s.conds.push("cd.priority = ?".into());
                s.params.push(Param::Str(id.to_string()));
                s.filters
                    .push(Filter::Attr(index::filter::Attr::Priority, id));
            }
            "email" => {
                let ids = int_column(
                    store,
                    &Query::new(
                        format!(
                            "SELECT DISTINCT user_id FROM {} WHERE address = ?",
                            tables.t("user_email")
                        ),
                        vec![Param::from(v)],
                    ),
                )?;
                s.any_of(index::filter::Attr::User, "t.user_id", ids);
            }
            "overdue" => {
                let overdue = i64::from(parse_bool("overdue", v)?);
                s.conds.push("t.isoverdue = ?".into());
                s.params.push(Param::Int(overdue));
                s.filters
                    .push(Filter::Attr(index::filter::Attr::Overdue, overdue));
            }
            "created_from" => {
                let from = parse_datetime("created_from", v)?;
                s.conds.push("t.created >= ?".into());
                s.params.push(Param::Str(from.clone()));
                s.filters
                    .push(Filter::Date(index::filter::Date::Created, Some(from), None));
            }
            "created_to" => {
                let mut end = parse_datetime("created_to", v)?;
                if v.len() == 10 {
                    end = end.replace(" 00:00:00", " 23:59:59");
                }
                s.conds.push("t.created <= ?".into());
                s.params.push(Param::Str(end.clone()));
                s.filters
                    .push(Filter::Date(index::filter::Date::Created, None, Some(end)));
            }
            "updated_since" => {
                let since = parse_datetime("updated_since", v)?;
                s.conds.push("t.updated >= ?".into());
                s.params.push(Param::Str(since.clone()));
                s.filters.push(Filter::Date(
                    index::filter::Date::Updated,
                    Some(since),
                    None,
                ));
            }
            "parent" => {
                let id = store
                    .first(&Query::new(
                        format!(
                            "SELECT ticket_id FROM {} WHERE number = ? LIMIT 1",
                            tables.t("ticket")
                        ),
                        vec![Param::from(v)],
                    ))?
                    .map(|r| r.int(0))
                    .ok_or_else(|| ApiError::NotFound(format!("Parent ticket '{v}' not found")))?;
                s.conds.push("t.ticket_pid = ?".into());
                s.params.push(Param::Int(id));
                s.filters
                    .push(Filter::Attr(index::filter::Attr::Parent, id));
            }
            _ => {}
        }
    }
    if let Some(text) = text {
        s.has_text = true;
        s.text = Some(Text {
            query: text.clone(),
            fulltext,
            cond: s.conds.len(),
            params: s.params.len()..s.params.len() + 2,
            sql_unavailable: false,
        });
        if fulltext {
            let exists = store.first(&Query::new(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                vec![Param::from(tables.raw("_search"))],
            ))?;
            if let (None, Some(t)) = (exists, s.text.as_mut()) {
                // Only an error when the search index cannot answer either.
                t.sql_unavailable = true;
            }
            s.conds.push(format!(
                // The UNION sits in a derived table: MariaDB then runs each MATCH once instead
                // of once per ticket (an IN over a bare UNION is a dependent subquery).
                "t.ticket_id IN (SELECT ft.id FROM (SELECT x.object_id AS id FROM {search} x \
                 WHERE x.object_type = 'T' AND MATCH(x.title, x.content) AGAINST (?) \
                 UNION SELECT th.object_id FROM {search} x JOIN {entry} e ON e.id = x.object_id \
                 JOIN {thread} th ON th.id = e.thread_id AND th.object_type = 'T' \
                 WHERE x.object_type = 'H' AND MATCH(x.title, x.content) AGAINST (?)) ft)",
                search = tables.t("_search"),
                entry = tables.t("thread_entry"),
                thread = tables.t("thread"),
            ));
            s.params.push(Param::Str(text.clone()));
            s.params.push(Param::Str(text));
        } else {
            s.needs_cdata = true;
            // A text beyond the BMP (emoji) cannot be compared with a utf8mb3 column as it is
            // (MariaDB: "Illegal mix of collations"); converted, it compares as utf8mb4 does.
            s.conds
                .push(if text.chars().any(|c| u32::from(c) > 0xFFFF) {
                    let (subject, number) = astral_safe(store, tables)?;
                    format!("({subject} LIKE ? OR {number} = ?)")
                } else {
                    "(cd.subject LIKE ? OR t.number = ?)".into()
                });
            s.params
                .push(Param::Str(format!("%{}%", like_escape(&text))));
            s.params.push(Param::Str(text));
        }
    }
    s.ascending = order.unwrap_or(s.sort == Sort::Number);
    Ok(s)
}

/// `cd.subject` and `t.number` as expressions that compare with a text beyond the BMP: as they
/// are in utf8mb4 columns, else converted to utf8mb4 under their collation's utf8mb4 form.
fn astral_safe(store: &mut dyn Store, tables: &Tables) -> Result<(String, String)> {
    let rows = store.rows(&Query::new(
        "SELECT TABLE_NAME, COLLATION_NAME FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND ((TABLE_NAME = ? AND COLUMN_NAME = 'subject') \
         OR (TABLE_NAME = ? AND COLUMN_NAME = 'number'))",
        vec![
            Param::from(tables.raw("ticket__cdata")),
            Param::from(tables.raw("ticket")),
        ],
    ))?;
    let expr = |table: &str, col: &str| {
        let collation = rows
            .iter()
            .find(|r| r.text(0) == tables.raw(table))
            .map(|r| r.text(1))
            .unwrap_or_default();
        if collation.starts_with("utf8mb4_") {
            return col.to_owned();
        }
        match index::fold::comparison_collation(&collation) {
            Some(c) => format!("CONVERT({col} USING utf8mb4) COLLATE {c}"),
            None => format!("CONVERT({col} USING utf8mb4)"),
        }
    };
    Ok((
        expr("ticket__cdata", "cd.subject"),
        expr("ticket", "t.number"),
    ))
}

/// The integers of a query's first column.
fn int_column(store: &mut dyn Store, q: &Query) -> Result<Vec<i64>> {
    Ok(store.rows(q)?.iter().map(|r| r.int(0)).collect())
}

impl Search {
    /// Adds `column IN (ids)` (nothing matches without ids).
    fn any_of(&mut self, attr: index::filter::Attr, column: &str, ids: Vec<i64>) {
        if ids.is_empty() {
            self.conds.push("1 = 0".into());
        } else {
            self.conds
                .push(format!("{column} IN ({})", placeholders(ids.len())));
            self.params.extend(ids.iter().map(|&i| Param::Int(i)));
        }
        self.filters.push(Filter::AnyOf(attr, ids));
    }

    fn sql_tail(&self, tables: &Tables) -> String {
        let mut sql = format!("FROM {} t", tables.t("ticket"));
        if self.needs_cdata {
            sql.push_str(&format!(
                " JOIN {} cd ON cd.ticket_id = t.ticket_id",
                tables.t("ticket__cdata")
            ));
        }
        if !self.conds.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&self.conds.join(" AND "));
        }
        sql
    }

    /// [`Search::page_query`] for a search restricted to candidate ids: MariaDB would turn an
    /// `IN` list of more than 1,000 values into a derived table (three times slower here), so
    /// that conversion is switched off for this statement (a comment elsewhere); the rows
    /// before `LIMIT` are counted for `FOUND_ROWS()`.
    pub fn page_query_counted(&self, tables: &Tables) -> Query {
        let q = self.page_query(tables);
        Query::new(
            format!(
                "/*M!100318 SET STATEMENT in_predicate_conversion_threshold = 0 FOR */ {}",
                q.sql.replacen("SELECT ", "SELECT SQL_CALC_FOUND_ROWS ", 1)
            ),
            q.params,
        )
    }

    /// The ids of every match, unordered.
    pub fn ids_query(&self, tables: &Tables) -> Query {
        Query::new(
            format!("SELECT t.ticket_id {}", self.sql_tail(tables)),
            self.params.clone(),
        )
    }

    /// The ids of the page, in order, and one more when there is one (to know about a next page).
    pub fn page_query(&self, tables: &Tables) -> Query {
        let dir = if self.ascending { "ASC" } else { "DESC" };
        let key = match self.sort {
            Sort::Created => "t.created",
            Sort::Updated => "t.updated",
            Sort::Number => "t.number",
            Sort::Relevance => "t.created",
        };
        let mut params = self.params.clone();
        params.push(Param::UInt(self.limit + 1));
        params.push(Param::UInt(self.offset));
        Query::new(
            format!(
                "SELECT t.ticket_id {} ORDER BY {key} {dir}, t.ticket_id {dir} LIMIT ? OFFSET ?",
                self.sql_tail(tables)
            ),
            params,
        )
    }

    /// [`Search::page_query`], stopped by MariaDB after `rows` examined rows (then the page
    /// may be short; other servers ignore the bound).
    pub fn page_query_bounded(&self, tables: &Tables, rows: u64) -> Query {
        let q = self.page_query(tables);
        Query::new(format!("{} /*M! ROWS EXAMINED {rows} */", q.sql), q.params)
    }

    fn sort_key(&self) -> &'static str {
        match self.sort {
            Sort::Created => "t.created",
            Sort::Updated => "t.updated",
            Sort::Number => "t.number",
            Sort::Relevance => "t.created",
        }
    }

    /// The page that starts `skip` rows after the ticket at (`key`, `id`) in the sort order:
    /// an index seek instead of skipping every row before it.
    pub fn page_query_after(&self, tables: &Tables, key: &str, id: i64, skip: u64) -> Query {
        let (dir, cmp) = if self.ascending {
            ("ASC", ">")
        } else {
            ("DESC", "<")
        };
        let sort = self.sort_key();
        let mut conds = self.conds.clone();
        conds.push(format!(
            "({sort} {cmp} ? OR ({sort} = ? AND t.ticket_id {cmp} ?))"
        ));
        let mut params = self.params.clone();
        params.extend([Param::from(key), Param::from(key), Param::Int(id)]);
        params.push(Param::UInt(self.limit + 1));
        params.push(Param::UInt(skip));
        let tail = Search {
            conds,
            ..self.clone()
        }
        .sql_tail(tables);
        Query::new(
            format!(
                "SELECT t.ticket_id {tail} ORDER BY {sort} {dir}, t.ticket_id {dir} LIMIT ? OFFSET ?"
            ),
            params,
        )
    }

    /// The sort keys (as text) and ids of the first `upto` tickets of the order, streamed once
    /// to pick the checkpoints of deep pages.
    pub fn walk_query(&self, tables: &Tables, upto: u64) -> Query {
        let dir = if self.ascending { "ASC" } else { "DESC" };
        let sort = self.sort_key();
        let mut params = self.params.clone();
        params.push(Param::UInt(upto));
        Query::new(
            format!(
                "SELECT CAST({sort} AS CHAR), t.ticket_id {tail} \
                 ORDER BY {sort} {dir}, t.ticket_id {dir} LIMIT ?",
                tail = self.sql_tail(tables)
            ),
            params,
        )
    }

    /// The number of matches: exact, or at most `COUNT_CAP + 1`.
    pub fn count_query(&self, tables: &Tables) -> Query {
        if self.exact_count {
            return Query::new(
                format!("SELECT COUNT(*) {}", self.sql_tail(tables)),
                self.params.clone(),
            );
        }
        let mut params = self.params.clone();
        params.push(Param::UInt(COUNT_CAP + 1));
        Query::new(
            format!(
                "SELECT COUNT(*) FROM (SELECT 1 {} LIMIT ?) m",
                self.sql_tail(tables)
            ),
            params,
        )
    }

    /// The total when the page alone tells it: a page that is not full (and not empty past the
    /// end) ends the list.
    pub fn total_from_page(&self, rows: usize) -> Option<u64> {
        let rows = rows as u64;
        (rows <= self.limit && (rows > 0 || self.offset == 0)).then_some(self.offset + rows)
    }
}

/// The list fields of the tickets `ids`.
pub fn details_query(tables: &Tables, ids: &[i64]) -> Query {
    Query::new(
        format!(
            "SELECT t.ticket_id, t.number, cd.subject, t.status_id, s.name, \
             COALESCE(p.priority_id, dp.priority_id), COALESCE(p.priority_desc, dp.priority_desc), \
             t.dept_id, COALESCE(d.name, dd.name), t.topic_id, ht.topic, t.created, t.updated, t.duedate, \
             t.staff_id, st.firstname, st.lastname, t.team_id, tm.name, t.sla_id, sla.name, \
             t.isoverdue, t.isanswered, \
             {agent_format} \
             FROM {ticket} t \
             LEFT JOIN {cdata} cd ON cd.ticket_id = t.ticket_id \
             LEFT JOIN {prio} p ON p.priority_id = cd.priority \
             LEFT JOIN {prio} dp ON dp.priority_id = {default_priority} \
             LEFT JOIN {status} s ON s.id = t.status_id \
             LEFT JOIN {dept} d ON d.id = t.dept_id \
             LEFT JOIN {dept} dd ON dd.id = {default_dept} \
             LEFT JOIN {topic} ht ON ht.topic_id = t.topic_id \
             LEFT JOIN {staff} st ON st.staff_id = t.staff_id \
             LEFT JOIN {team} tm ON tm.team_id = t.team_id \
             LEFT JOIN {sla} sla ON sla.id = t.sla_id \
             WHERE t.ticket_id IN ({ids})",
            agent_format = config_value(tables, "agent_name_format"),
            default_priority = config_value(tables, "default_priority_id"),
            default_dept = config_value(tables, "default_dept_id"),
            ticket = tables.t("ticket"),
            cdata = tables.t("ticket__cdata"),
            prio = tables.t("ticket_priority"),
            status = tables.t("ticket_status"),
            dept = tables.t("department"),
            topic = tables.t("help_topic"),
            staff = tables.t("staff"),
            team = tables.t("team"),
            sla = tables.t("sla"),
            ids = placeholders(ids.len()),
        ),
        ids.iter().map(|&id| Param::Int(id)).collect(),
    )
}

/// One list item from a [`details_query`] row.
pub fn item(r: &Row) -> Node {
    let named = |id: usize, name: usize| -> Node {
        if r.int(id) != 0 {
            r.opt_text(name).into()
        } else {
            Node::Null
        }
    };
    let staff = if r.int(14) != 0 && (r.opt_text(15).is_some() || r.opt_text(16).is_some()) {
        Node::Str(crate::tickets::agent_name(
            &r.text(15),
            &r.text(16),
            &r.text(23),
        ))
    } else {
        Node::Null
    };
    Node::map(22)
        .with("id", r.int(0))
        .with("number", r.text(1))
        .with("subject", r.text(2))
        .with("statusId", r.int(3))
        .with("status", r.text(4))
        .with("priorityId", r.int(5))
        .with("priority", r.text(6))
        .with("departmentId", r.int(7))
        .with("department", r.opt_text(8))
        .with("topicId", r.int(9))
        .with("topic", named(9, 10))
        .with("created", r.text(11))
        .with("updated", r.text(12))
        .with("dueDate", r.opt_text(13))
        .with("staffId", r.int(14))
        .with("staff", staff)
        .with("teamId", r.int(17))
        .with("team", named(17, 18))
        .with("slaId", r.int(19))
        .with("sla", named(19, 20))
        .with("isOverdue", r.int(21) != 0)
        .with("isAnswered", r.int(22) != 0)
}

/// Runs a search (SQL only; see [`search_indexed`]).
pub fn search(store: &mut dyn Store, tables: &Tables, query: &[(String, String)]) -> Result<Page> {
    search_with(store, tables, query, QUIET_SECONDS)
}

/// [`search`], with checkpoints made once the ticket table has been quiet for `quiet_seconds`.
pub fn search_with(
    store: &mut dyn Store,
    tables: &Tables,
    query: &[(String, String)],
    quiet_seconds: i64,
) -> Result<Page> {
    search_indexed(store, tables, None, query, quiet_seconds)
}

/// Runs a search, a `query` one through the search index in `index` when it can answer
/// ([`plan`]), else through SQL; both give the same tickets in the same order.
pub fn search_indexed(
    store: &mut dyn Store,
    tables: &Tables,
    index: Option<&std::path::Path>,
    query: &[(String, String)],
    quiet_seconds: i64,
) -> Result<Page> {
    let s = parse(store, tables, query)?;
    match plan::plan(store, tables, index, &s)? {
        plan::Plan::Sql { .. } if s.text.as_ref().is_some_and(|t| t.sql_unavailable) => {
            Err(ApiError::NotImplemented(
                "Full-text search needs osTicket's search index, which this helpdesk does not have"
                    .into(),
            ))
        }
        plan::Plan::Sql { count_text } => run(store, tables, &s, quiet_seconds, count_text, false),
        plan::Plan::Scan { total } => {
            // The page only: the index gave the total (no SQL count, also for count=exact).
            let page_only = Search {
                exact_count: false,
                ..s.clone()
            };
            let mut page = run(store, tables, &page_only, quiet_seconds, false, false)?;
            page.total = (s.exact_count || total <= COUNT_CAP).then_some(total);
            Ok(page)
        }
        plan::Plan::Ids(narrowed, capped) => {
            let mut page = run(store, tables, &narrowed, quiet_seconds, true, true)?;
            if capped {
                page.total = None;
            }
            Ok(page)
        }
        plan::Plan::Empty => Ok(Page {
            items: Node::List(Vec::new()),
            total: Some(0),
            has_next: false,
            limit: s.limit,
            offset: s.offset,
        }),
        plan::Plan::Ranked(ranked) => plan::ranked_page(store, tables, &s, ranked),
        plan::Plan::Filtered(f) => match plan::filtered_page(store, tables, &s, *f)? {
            Some(page) => Ok(page),
            None => run(store, tables, &s, quiet_seconds, false, false),
        },
        plan::Plan::Paged(hits) => plan::hits_page(store, tables, &s, hits),
    }
}

/// Runs a search through SQL; a `query` search is counted only when `count_text`. `narrowed`:
/// the search is restricted to candidate ids from the search index (at most 20,000): the page
/// query sorts every match anyway, so it counts them too (`FOUND_ROWS()`, no second scan).
fn run(
    store: &mut dyn Store,
    tables: &Tables,
    s: &Search,
    quiet_seconds: i64,
    count_text: bool,
    narrowed: bool,
) -> Result<Page> {
    let found_rows = narrowed && s.offset < CHECKPOINT_STEP;
    let page = match s.offset {
        _ if found_rows => s.page_query_counted(tables),
        o if o >= CHECKPOINT_STEP => match checkpoint(store, tables, s, quiet_seconds)? {
            Some((key, id, position)) => s.page_query_after(tables, &key, id, o - position - 1),
            None => s.page_query(tables),
        },
        _ => s.page_query(tables),
    };
    let mut ids: Vec<i64> = store.rows(&page)?.iter().map(|r| r.int(0)).collect();
    let known = if found_rows {
        store
            .first(&Query::new("SELECT FOUND_ROWS()", vec![]))?
            .and_then(|r| u64::try_from(r.int(0)).ok())
    } else if s.exact_count {
        None
    } else {
        s.total_from_page(ids.len())
    };
    let known = known.filter(|&n| !found_rows || s.exact_count || n <= COUNT_CAP);
    if found_rows && known.is_none() {
        // More than the cap: the capped rule leaves the total out.
        let has_next = ids.len() as u64 > s.limit;
        ids.truncate(usize::try_from(s.limit).unwrap_or(usize::MAX));
        return Ok(Page {
            items: Node::List(items(store, tables, &ids)?),
            total: None,
            has_next,
            limit: s.limit,
            offset: s.offset,
        });
    }
    let has_next = ids.len() as u64 > s.limit;
    ids.truncate(usize::try_from(s.limit).unwrap_or(usize::MAX));
    let total = match known {
        Some(n) => Some(n),
        None if s.has_text && !s.exact_count && !count_text => None,
        None => {
            let n = store
                .first(&s.count_query(tables))?
                .and_then(|r| u64::try_from(r.int(0)).ok())
                .unwrap_or(0);
            (s.exact_count || n <= COUNT_CAP).then_some(n)
        }
    };
    Ok(Page {
        items: Node::List(items(store, tables, &ids)?),
        total,
        has_next,
        limit: s.limit,
        offset: s.offset,
    })
}

/// The list items of tickets `ids`, in that order.
fn items(store: &mut dyn Store, tables: &Tables, ids: &[i64]) -> Result<Vec<Node>> {
    let mut items = Vec::with_capacity(ids.len());
    if !ids.is_empty() {
        let rows = store.rows(&details_query(tables, ids))?;
        for id in ids {
            if let Some(r) = rows.iter().find(|r| r.int(0) == *id) {
                items.push(item(r));
            }
        }
    }
    Ok(items)
}

/// Distance between two checkpoints of a deep page.
pub const CHECKPOINT_STEP: u64 = 10_000;

/// Checkpoints of search orders (key: database, SQL and parameters of the order): every
/// `CHECKPOINT_STEP`-th ticket's sort key and id.
static CHECKPOINTS: ChangeCache<Vec<(String, i64)>> = ChangeCache::new(8);
/// Checkpoints walked beyond the one a page needs, for the pages after it.
const CHECKPOINT_AHEAD: u64 = 10;
/// How long the ticket table must have been unchanged before checkpoints are made.
pub const QUIET_SECONDS: i64 = 30;

/// The checkpoint at or before `s.offset`: `(sort key, ticket id, 0-based position)`.
///
/// `OFFSET n` makes the database walk n index entries (0.2 s for 500,000 here). While the ticket
/// table is unchanged (its InnoDB `UPDATE_TIME`, as for the statistics), the worker remembers
/// every 10,000th ticket of the order once it has walked that far, and a deep page becomes a seek
/// to the nearest checkpoint plus at most 10,000 entries. Any change of the table drops them, and
/// they are only made once the table has been quiet for [`QUIET_SECONDS`] (a busy helpdesk gets
/// the plain `OFFSET`, never a walk it would throw away).
fn checkpoint(
    store: &mut dyn Store,
    tables: &Tables,
    s: &Search,
    quiet_seconds: i64,
) -> Result<Option<(String, i64, u64)>> {
    let Some(mark) = freshness::mark(store, tables)? else {
        return Ok(None);
    };
    let Some(changed) = mark.changed.as_deref() else {
        return Ok(None);
    };
    let key = format!(
        "{}|{}|{:?}",
        mark.source,
        s.walk_query(tables, 0).sql,
        s.params
    );
    let wanted = s.offset / CHECKPOINT_STEP;
    let points = match CHECKPOINTS.get(&key, changed) {
        Some(points) if points.len() as u64 >= wanted => points,
        // Only a table that has been quiet for a while is worth the walk: on a busy helpdesk
        // the checkpoints would be dropped before they are used, so it gets the plain OFFSET.
        _ if mark.quiet_for(quiet_seconds).is_none() => return Ok(None),
        _ => {
            // Walk (somewhat past) the deepest checkpoint this page needs, as OFFSET would,
            // keeping only every CHECKPOINT_STEP-th row.
            let upto = (wanted + CHECKPOINT_AHEAD) * CHECKPOINT_STEP;
            let mut points = Vec::with_capacity(usize::try_from(wanted).unwrap_or(0) + 16);
            let mut position = 0u64;
            let mut complete = true;
            store.for_each(&s.walk_query(tables, upto), &mut |r| {
                position += 1;
                if position % CHECKPOINT_STEP == 0 {
                    match r.opt_text(0) {
                        Some(k) => points.push((k, r.int(1))),
                        None => complete = false,
                    }
                }
                Ok(())
            })?;
            if !complete {
                return Ok(None);
            }
            let points = Arc::new(points);
            CHECKPOINTS.put(key, changed, Arc::clone(&points));
            points
        }
    };
    let j = usize::try_from(wanted.min(points.len() as u64)).unwrap_or(0);
    Ok(j.checked_sub(1)
        .and_then(|i| points.get(i))
        .map(|(k, id)| (k.clone(), *id, j as u64 * CHECKPOINT_STEP - 1)))
}

/// `Link` header with `rel="next"` / `rel="prev"` for a page, keeping the other parameters.
pub fn link_header(base_path: &str, page: &Page, query: &[(String, String)]) -> Option<String> {
    let url = |offset: u64| {
        let mut parts: Vec<String> = query
            .iter()
            .filter(|(k, _)| k != "offset" && k != "limit")
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        parts.push(format!("limit={}", page.limit));
        parts.push(format!("offset={offset}"));
        format!("<{base_path}?{}>", parts.join("&"))
    };
    let mut links = Vec::new();
    if page.has_next {
        links.push(format!("{}; rel=\"next\"", url(page.offset + page.limit)));
    }
    if page.offset > 0 {
        links.push(format!(
            "{}; rel=\"prev\"",
            url(page.offset.saturating_sub(page.limit))
        ));
    }
    (!links.is_empty()).then(|| links.join(", "))
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_escape("50%_off\\"), "50\\%\\_off\\\\");
    }

    #[test]
    fn page_query_sorts_with_a_tie_breaker_and_binds_paging() {
        let s = Search {
            conds: vec!["t.dept_id = ?".into()],
            params: vec![Param::Int(3)],
            needs_cdata: false,
            sort: Sort::Updated,
            ascending: false,
            limit: 20,
            offset: 40,
            exact_count: false,
            has_text: false,
            text: None,
            filters: Vec::new(),
        };
        let q = s.page_query(&Tables::new("ost_").unwrap());
        assert_eq!(
            q.sql,
            "SELECT t.ticket_id FROM `ost_ticket` t WHERE t.dept_id = ? ORDER BY t.updated DESC, t.ticket_id DESC LIMIT ? OFFSET ?"
        );
        assert_eq!(
            q.params,
            vec![Param::Int(3), Param::UInt(21), Param::UInt(40)],
            "one row more than the page tells whether a next page exists"
        );
        let c = s.count_query(&Tables::new("ost_").unwrap());
        assert_eq!(
            c.sql,
            "SELECT COUNT(*) FROM (SELECT 1 FROM `ost_ticket` t WHERE t.dept_id = ? LIMIT ?) m"
        );
        assert_eq!(c.params, vec![Param::Int(3), Param::UInt(COUNT_CAP + 1)]);
        let exact = Search {
            exact_count: true,
            ..s
        };
        assert_eq!(
            exact.count_query(&Tables::new("ost_").unwrap()).sql,
            "SELECT COUNT(*) FROM `ost_ticket` t WHERE t.dept_id = ?"
        );
    }

    #[test]
    fn a_short_page_tells_the_total() {
        let s = Search {
            conds: vec![],
            params: vec![],
            needs_cdata: false,
            sort: Sort::Created,
            ascending: false,
            limit: 20,
            offset: 40,
            exact_count: false,
            has_text: false,
            text: None,
            filters: Vec::new(),
        };
        assert_eq!(s.total_from_page(7), Some(47));
        assert_eq!(s.total_from_page(20), Some(60));
        assert_eq!(s.total_from_page(21), None, "a next page: count");
        assert_eq!(s.total_from_page(0), None, "past the end: count");
        let first = Search { offset: 0, ..s };
        assert_eq!(first.total_from_page(0), Some(0));
    }

    #[test]
    fn link_header_points_to_neighbour_pages() {
        let page = Page {
            items: Node::List(vec![]),
            total: Some(45),
            has_next: true,
            limit: 20,
            offset: 20,
        };
        let q = vec![
            ("status".to_string(), "Open Now".to_string()),
            ("offset".to_string(), "20".to_string()),
        ];
        assert_eq!(
            link_header("/api/tickets-search.php", &page, &q).unwrap(),
            "</api/tickets-search.php?status=Open%20Now&limit=20&offset=40>; rel=\"next\", </api/tickets-search.php?status=Open%20Now&limit=20&offset=0>; rel=\"prev\""
        );
        let last = Page {
            offset: 40,
            has_next: false,
            ..page
        };
        assert_eq!(
            link_header("/x", &last, &[]).unwrap(),
            "</x?limit=20&offset=20>; rel=\"prev\""
        );
    }

    #[test]
    fn booleans_and_numbers_are_validated() {
        assert!(parse_bool("overdue", "yes").unwrap());
        assert!(!parse_bool("overdue", "0").unwrap());
        assert_eq!(
            parse_bool("overdue", "maybe").unwrap_err().field(),
            Some("overdue")
        );
        assert_eq!(parse_uint("offset", "-1").unwrap_err().status(), 400);
        assert_eq!(parse_uint("offset", "12").unwrap(), 12);
    }
}
