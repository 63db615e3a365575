//! What the plugin adds to osTicket's database on install/enable, and the API-key permission grid
//! of the config page. SQL is built here as text plus parameters; `db/` runs it. Column and table
//! names come from fixed lists, never from input. This module must not import `ext_php_rs` or
//! `mysql`.

use std::collections::BTreeSet;

use crate::auth::{Permission, PLUGIN_COLUMNS};
use crate::error::Result;
use crate::sql::{Param, Query, Store, Tables};

/// The columns `<prefix>api_key` has now.
pub fn columns_query(tables: &Tables) -> Query {
    Query::new(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        vec![Param::from(tables.raw("api_key"))],
    )
}

/// `ALTER TABLE` adding one plugin permission column (0 for existing keys), after `after` when
/// that column exists.
pub fn add_column(tables: &Tables, column: &str, after: Option<&str>) -> Query {
    let mut sql = format!(
        "ALTER TABLE {} ADD COLUMN `{column}` TINYINT(1) UNSIGNED NOT NULL DEFAULT 0",
        tables.t("api_key")
    );
    if let Some(after) = after {
        sql.push_str(&format!(" AFTER `{after}`"));
    }
    Query::new(sql, vec![])
}

fn existing_columns(store: &mut dyn Store, tables: &Tables) -> Result<BTreeSet<String>> {
    Ok(store
        .rows(&columns_query(tables))?
        .iter()
        .map(|r| r.text(0))
        .collect())
}

/// Adds the missing permission columns at the original plugin's positions. Idempotent; existing
/// columns and their values are kept. Returns one line per change.
pub fn install(store: &mut dyn Store, tables: &Tables) -> Result<Vec<String>> {
    let mut have = existing_columns(store, tables)?;
    let mut done = Vec::new();
    for (column, after) in PLUGIN_COLUMNS {
        if have.contains(*column) {
            continue;
        }
        let after = have.contains(*after).then_some(*after);
        store.execute(&add_column(tables, column, after))?;
        have.insert((*column).to_owned());
        done.push(format!("added column {}.{column}", tables.raw("api_key")));
    }
    done.extend(install_indexes(store, tables)?);
    Ok(done)
}

/// Indexes the extension's queries need and osTicket 1.18 lacks: `(name, table, columns)`.
/// Created on enable, dropped on uninstall; osTicket's own columns and indexes are never changed.
/// * `number`: every lookup by ticket number (get, subtickets, search by number) scans the table
///   without it;
/// * `updated`: `sort=updated` and `updated_since` (incremental sync);
/// * the stats aggregate reads this narrow covering index instead of whole ticket rows.
pub const INDEXES: &[(&str, &str, &str)] = &[
    ("osticket_api_number", "ticket", "`number`"),
    ("osticket_api_updated", "ticket", "`updated`"),
    (
        "osticket_api_stats",
        "ticket",
        "`dept_id`, `staff_id`, `status_id`, `isoverdue`",
    ),
];

/// The names of our indexes that exist on `table`.
pub fn indexes_query(tables: &Tables, table: &str) -> Query {
    Query::new(
        "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME LIKE 'osticket\\_api\\_%'",
        vec![Param::from(tables.raw(table))],
    )
}

/// Creates the missing indexes of [`INDEXES`]; returns one line per change.
pub fn install_indexes(store: &mut dyn Store, tables: &Tables) -> Result<Vec<String>> {
    let mut done = Vec::new();
    for (name, table, columns) in INDEXES {
        let have: BTreeSet<String> = store
            .rows(&indexes_query(tables, table))?
            .iter()
            .map(|r| r.text(0))
            .collect();
        if !have.contains(*name) {
            store.execute(&Query::new(
                format!("CREATE INDEX `{name}` ON {} ({columns})", tables.t(table)),
                vec![],
            ))?;
            done.push(format!("added index {name} on {}", tables.raw(table)));
        }
    }
    Ok(done)
}

/// Drops the indexes of [`INDEXES`] that exist (uninstall); returns one line per change.
pub fn drop_indexes(store: &mut dyn Store, tables: &Tables) -> Result<Vec<String>> {
    let mut done = Vec::new();
    for (name, table, _) in INDEXES {
        let have: BTreeSet<String> = store
            .rows(&indexes_query(tables, table))?
            .iter()
            .map(|r| r.text(0))
            .collect();
        if have.contains(*name) {
            store.execute(&Query::new(
                format!("DROP INDEX `{name}` ON {}", tables.t(table)),
                vec![],
            ))?;
            done.push(format!("dropped index {name} on {}", tables.raw(table)));
        }
    }
    Ok(done)
}

/// One API key as the config page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    /// `id`
    pub id: i64,
    /// `ipaddr`
    pub ip: String,
    /// `apikey` (never rendered in full)
    pub key: String,
    /// `isactive`
    pub active: bool,
    /// Permissions whose column exists, with their value.
    pub grants: Vec<(Permission, bool)>,
}

/// Every key, oldest first.
pub fn keys_query(tables: &Tables) -> Query {
    Query::new(
        format!("SELECT * FROM {} ORDER BY id", tables.t("api_key")),
        vec![],
    )
}

/// Reads the keys with the permission columns that exist.
pub fn keys(store: &mut dyn Store, tables: &Tables) -> Result<Vec<KeyRow>> {
    Ok(store
        .rows(&keys_query(tables))?
        .iter()
        .map(|r| KeyRow {
            id: r.by_name("id").and_then(|v| v.as_i64()).unwrap_or(0),
            ip: r
                .by_name("ipaddr")
                .and_then(|v| v.as_string())
                .unwrap_or_default(),
            key: r
                .by_name("apikey")
                .and_then(|v| v.as_string())
                .unwrap_or_default(),
            active: r.by_name("isactive").and_then(|v| v.as_i64()).unwrap_or(0) != 0,
            grants: Permission::ALL
                .into_iter()
                .filter_map(|p| {
                    r.by_name(p.column())
                        .map(|v| (p, v.as_i64().unwrap_or(0) != 0))
                })
                .collect(),
        })
        .collect())
}

/// The short name of a permission in the config form's field names (`api_key_<short>_permissions`).
pub fn form_name(p: Permission) -> &'static str {
    match p {
        Permission::CreateTickets => "create",
        Permission::UpdateTickets => "update",
        Permission::ReadTickets => "read",
        Permission::SearchTickets => "search",
        Permission::DeleteTickets => "delete",
        Permission::ReadStats => "stats",
        Permission::ManageSubtickets => "subticket",
    }
}

/// The hidden field that marks a submitted grid, so that a grid with every box unticked still
/// revokes (the original could not revoke the last permission).
pub const GRID_MARKER: &str = "api_key_permissions_grid";

/// A key shown without its secret: the first 8 and last 4 characters.
pub fn shorten_key(key: &str) -> String {
    let count = key.chars().count();
    if count <= 12 {
        return "…".to_owned();
    }
    let head: String = key.chars().take(8).collect();
    let tail: String = key.chars().skip(count - 4).collect();
    format!("{head}…{tail}")
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The permission grid of the config page.
pub fn grid_html(keys: &[KeyRow]) -> String {
    let mut html = String::from(
        "<table class=\"list\" style=\"width:100%\"><thead><tr><th>ID</th><th>IP address</th><th>API key</th><th>Status</th>",
    );
    for p in Permission::ALL {
        html.push_str(&format!(
            "<th title=\"{}\">{}</th>",
            p.column(),
            html_escape(p.label())
        ));
    }
    html.push_str("</tr></thead><tbody>");
    if keys.is_empty() {
        html.push_str(
            "<tr><td colspan=\"11\">No API keys yet: add one under Admin Panel → Manage → API Keys.</td></tr>",
        );
    }
    for k in keys {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td>",
            k.id,
            html_escape(&k.ip),
            html_escape(&shorten_key(&k.key)),
            if k.active { "Active" } else { "Inactive" }
        ));
        for p in Permission::ALL {
            match k.grants.iter().find(|(g, _)| *g == p) {
                Some((_, on)) => html.push_str(&format!(
                    "<td><input type=\"checkbox\" name=\"api_key_{}_permissions[{}]\" value=\"1\"{}></td>",
                    form_name(p),
                    k.id,
                    if *on { " checked" } else { "" }
                )),
                None => html.push_str("<td title=\"column missing\">–</td>"),
            }
        }
        html.push_str("</tr>");
    }
    html.push_str(&format!(
        "</tbody></table><input type=\"hidden\" name=\"{GRID_MARKER}\" value=\"1\">"
    ));
    html
}

/// What is wrong with a submitted grid, checked against the keys that exist: a box for a key id
/// that is no key's (deleted meanwhile, or forged), or for a permission whose column is missing.
/// One line per problem; empty when the grid can be saved.
pub fn grid_errors(keys: &[KeyRow], granted: &BTreeSet<(&'static str, i64)>) -> Vec<String> {
    let mut unknown: BTreeSet<i64> = BTreeSet::new();
    let mut missing: BTreeSet<&'static str> = BTreeSet::new();
    for (short, id) in granted {
        match keys.iter().find(|k| k.id == *id) {
            None => {
                unknown.insert(*id);
            }
            Some(k) => {
                if !k.grants.iter().any(|(p, _)| form_name(*p) == *short) {
                    missing.insert(short);
                }
            }
        }
    }
    let mut errors: Vec<String> = unknown
        .into_iter()
        .map(|id| format!("API key {id} does not exist (deleted meanwhile?): reload the page"))
        .collect();
    for short in missing {
        let column = Permission::ALL
            .into_iter()
            .find(|p| form_name(*p) == short)
            .map_or(short, Permission::column);
        errors.push(format!(
            "The column {column} is missing: reinstall the plugin to add it"
        ));
    }
    errors
}

/// Saves a submitted grid if [`grid_errors`] finds nothing wrong; otherwise writes nothing and
/// returns the errors.
pub fn apply_grid(
    store: &mut dyn Store,
    tables: &Tables,
    granted: &BTreeSet<(&'static str, i64)>,
) -> Result<Vec<String>> {
    let keys = keys(store, tables)?;
    let errors = grid_errors(&keys, granted);
    if errors.is_empty() {
        write_grid(store, tables, &keys, granted)?;
    }
    Ok(errors)
}

/// Writes every key's permission columns from the submitted grid: a permission is granted iff
/// its checkbox for that key was posted. `granted` holds `(permission, key id)` pairs.
pub fn save_grid(
    store: &mut dyn Store,
    tables: &Tables,
    granted: &BTreeSet<(&'static str, i64)>,
) -> Result<usize> {
    let keys = keys(store, tables)?;
    write_grid(store, tables, &keys, granted)
}

/// The `UPDATE` of one key's permission columns (those it has) from the submitted grid.
pub fn grid_update(
    tables: &Tables,
    key: &KeyRow,
    granted: &BTreeSet<(&'static str, i64)>,
) -> Option<Query> {
    if key.grants.is_empty() {
        return None;
    }
    let sets: Vec<String> = key
        .grants
        .iter()
        .map(|(p, _)| format!("`{}` = ?", p.column()))
        .collect();
    let mut params: Vec<Param> = key
        .grants
        .iter()
        .map(|(p, _)| Param::Int(i64::from(granted.contains(&(form_name(*p), key.id)))))
        .collect();
    params.push(Param::Int(key.id));
    Some(Query::new(
        format!(
            "UPDATE {} SET {} WHERE id = ?",
            tables.t("api_key"),
            sets.join(", ")
        ),
        params,
    ))
}

fn write_grid(
    store: &mut dyn Store,
    tables: &Tables,
    keys: &[KeyRow],
    granted: &BTreeSet<(&'static str, i64)>,
) -> Result<usize> {
    let mut updated = 0;
    for k in keys {
        if let Some(q) = grid_update(tables, k, granted) {
            store.execute(&q)?;
            updated += 1;
        }
    }
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Tables {
        Tables::new("ost_").unwrap()
    }

    #[test]
    fn add_column_sql_places_column_after_its_predecessor() {
        assert_eq!(
            add_column(&t(), "can_read_tickets", Some("can_update_tickets")).sql,
            "ALTER TABLE `ost_api_key` ADD COLUMN `can_read_tickets` TINYINT(1) UNSIGNED NOT NULL DEFAULT 0 AFTER `can_update_tickets`"
        );
        assert!(!add_column(&t(), "x", None).sql.contains("AFTER"));
    }

    #[test]
    fn columns_query_binds_the_prefixed_table_name() {
        let q = columns_query(&t());
        assert_eq!(q.params, vec![Param::from("ost_api_key")]);
    }

    #[test]
    fn keys_are_never_shown_in_full() {
        let key = "ABCDEFGH1234567890WXYZ";
        assert_eq!(shorten_key(key), "ABCDEFGH…WXYZ");
        assert_eq!(shorten_key("short"), "…");
        let html = grid_html(&[KeyRow {
            id: 4,
            ip: "<script>".into(),
            key: key.into(),
            active: true,
            grants: vec![
                (Permission::ReadTickets, true),
                (Permission::ReadStats, false),
            ],
        }]);
        assert!(!html.contains(key));
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("name=\"api_key_read_permissions[4]\" value=\"1\" checked"));
        assert!(html.contains("name=\"api_key_stats_permissions[4]\" value=\"1\">"));
        assert!(html.contains(GRID_MARKER));
    }

    #[test]
    fn form_names_match_the_original_checkbox_names() {
        let names: Vec<_> = Permission::ALL.into_iter().map(form_name).collect();
        assert_eq!(
            names,
            [
                "create",
                "update",
                "read",
                "search",
                "delete",
                "stats",
                "subticket"
            ]
        );
    }

    fn key(id: i64, grants: &[(Permission, bool)]) -> KeyRow {
        KeyRow {
            id,
            ip: "10.0.0.1".into(),
            key: "ABCDEFGH1234567890WXYZ".into(),
            active: true,
            grants: grants.to_vec(),
        }
    }

    #[test]
    fn grid_update_writes_every_column_and_revokes_what_was_not_posted() {
        let k = key(
            5,
            &[
                (Permission::CreateTickets, true),
                (Permission::ReadTickets, true),
                (Permission::ReadStats, false),
            ],
        );
        let granted = [("stats", 5i64), ("read", 9)].into_iter().collect();
        let q = grid_update(&t(), &k, &granted).unwrap();
        assert_eq!(
            q.sql,
            "UPDATE `ost_api_key` SET `can_create_tickets` = ?, `can_read_tickets` = ?, `can_read_stats` = ? WHERE id = ?"
        );
        assert_eq!(
            q.params,
            vec![Param::Int(0), Param::Int(0), Param::Int(1), Param::Int(5)]
        );
        assert!(grid_update(&t(), &key(6, &[]), &granted).is_none());
    }

    #[test]
    fn grid_errors_name_unknown_keys_and_missing_columns() {
        let keys = [key(1, &[(Permission::ReadTickets, false)])];
        let ok = [("read", 1i64)].into_iter().collect();
        assert!(grid_errors(&keys, &ok).is_empty());
        let bad = [("read", 99i64), ("stats", 1), ("read", 98)]
            .into_iter()
            .collect();
        let errors = grid_errors(&keys, &bad);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("API key 98 does not exist"));
        assert!(errors[1].starts_with("API key 99 does not exist"));
        assert!(errors[2].contains("can_read_stats is missing"));
    }
}
