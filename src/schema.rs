//! What the plugin adds to osTicket's database on install/enable, and the API-key permission grid
//! of the config page. SQL is built here as text plus parameters; `db/` runs it. Column and table
//! names come from fixed lists, never from input. This module must not import `ext_php_rs` or
//! `mysql`.

use std::collections::{BTreeMap, BTreeSet};

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
    store.execute(&tombstones_table(tables))?;
    Ok(done)
}

/// The plugin's table of deleted tickets (`ticket_id`, `deleted`): osTicket deletes a ticket's
/// row, so the search index learns of a deletion from the row the plugin writes here when
/// osTicket's model deletes a ticket (its `model.deleted` signal).
pub const TOMBSTONES: &str = "osticket_api_deleted";

/// `CREATE TABLE IF NOT EXISTS` of [`TOMBSTONES`].
pub fn tombstones_table(tables: &Tables) -> Query {
    Query::new(
        format!(
            "CREATE TABLE IF NOT EXISTS {} (ticket_id INT UNSIGNED NOT NULL PRIMARY KEY, \
             deleted DATETIME NOT NULL, KEY deleted (deleted)) DEFAULT CHARSET=utf8",
            tables.t(TOMBSTONES)
        ),
        vec![],
    )
}

/// Records that ticket `id` was deleted (now).
pub fn tombstone(tables: &Tables, id: i64) -> Query {
    Query::new(
        format!(
            "INSERT INTO {} (ticket_id, deleted) VALUES (?, NOW()) \
             ON DUPLICATE KEY UPDATE deleted = NOW()",
            tables.t(TOMBSTONES)
        ),
        vec![Param::Int(id)],
    )
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
    store.execute(&Query::new(
        format!("DROP TABLE IF EXISTS {}", tables.t(TOMBSTONES)),
        vec![],
    ))?;
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

/// The hidden fields that carry each key's cells as they were when the page was loaded
/// (`api_key_permissions_loaded[<id>]`), so that a save changes only what the admin changed.
pub const LOADED_FIELD: &str = "api_key_permissions_loaded";

/// A key's cells when the page was loaded, in [`Permission::ALL`] order: granted or not, `None`
/// where the column is missing.
pub type Loaded = [Option<bool>; 7];

/// A key's cells as [`LOADED_FIELD`] carries them: `1`, `0` or `-` (column missing) per permission.
pub fn encode_loaded(key: &KeyRow) -> String {
    Permission::ALL
        .into_iter()
        .map(|p| match key.grants.iter().find(|(g, _)| *g == p) {
            Some((_, true)) => '1',
            Some((_, false)) => '0',
            None => '-',
        })
        .collect()
}

/// Reads a [`LOADED_FIELD`] value; `None` when it is not seven of `1`, `0`, `-`.
pub fn decode_loaded(text: &str) -> Option<Loaded> {
    let mut cells = [None; 7];
    let mut chars = text.chars();
    for cell in &mut cells {
        *cell = match chars.next()? {
            '1' => Some(true),
            '0' => Some(false),
            '-' => None,
            _ => return None,
        };
    }
    chars.next().is_none().then_some(cells)
}

/// A submitted grid: each key's cells as the page was loaded, and the boxes that were ticked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostedGrid {
    /// Key id => its cells when the page was loaded.
    pub loaded: BTreeMap<i64, Loaded>,
    /// `(permission form name, key id)` of every ticked box.
    pub ticked: BTreeSet<(&'static str, i64)>,
}

/// One cell the admin changed since the page was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The key's id.
    pub id: i64,
    /// The permission.
    pub permission: Permission,
    /// The value the admin set (the page was loaded with the opposite).
    pub granted: bool,
}

impl PostedGrid {
    /// The cells whose box differs from what the page was loaded with.
    pub fn changes(&self) -> Vec<Change> {
        let mut out = Vec::new();
        for (id, cells) in &self.loaded {
            for (p, cell) in Permission::ALL.into_iter().zip(cells) {
                let Some(was) = cell else { continue };
                let now = self.ticked.contains(&(form_name(p), *id));
                if now != *was {
                    out.push(Change {
                        id: *id,
                        permission: p,
                        granted: now,
                    });
                }
            }
        }
        out
    }

    /// What cannot have come from the page: a ticked box of a key the page did not show (forged or
    /// from another form), or of a cell the page showed without a box.
    pub fn errors(&self) -> Vec<String> {
        let mut errors = Vec::new();
        let mut foreign = BTreeSet::new();
        for (short, id) in &self.ticked {
            match self.loaded.get(id) {
                None => {
                    foreign.insert(*id);
                }
                Some(cells) => {
                    let shown = Permission::ALL
                        .into_iter()
                        .zip(cells)
                        .any(|(p, c)| form_name(p) == *short && c.is_some());
                    if !shown {
                        errors.push(format!(
                            "API key {id}: the {short} box was not on the page: reload the page"
                        ));
                    }
                }
            }
        }
        let mut all: Vec<String> = foreign
            .into_iter()
            .map(|id| format!("API key {id} was not on the page that was saved: reload the page"))
            .collect();
        all.append(&mut errors);
        all
    }
}

/// The permission grid of the config page. With `pending` (a save that was refused), the boxes
/// of the keys it holds show what the admin had ticked and keep the values the page was first
/// loaded with, so that the next save still changes only what the admin changed.
pub fn grid_html(keys: &[KeyRow], pending: Option<&PostedGrid>) -> String {
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
        let kept = pending.and_then(|p| p.loaded.get(&k.id).map(|cells| (p, cells)));
        let loaded = match kept {
            Some((_, cells)) => cells
                .iter()
                .map(|c| match c {
                    Some(true) => '1',
                    Some(false) => '0',
                    None => '-',
                })
                .collect(),
            None => encode_loaded(k),
        };
        html.push_str(&format!(
            "<tr data-key-id=\"{id}\"><td>{id}<input type=\"hidden\" name=\"{LOADED_FIELD}[{id}]\" value=\"{loaded}\"></td><td>{}</td><td><code>{}</code></td><td>{}</td>",
            html_escape(&k.ip),
            html_escape(&shorten_key(&k.key)),
            if k.active { "Active" } else { "Inactive" },
            id = k.id,
        ));
        for (i, p) in Permission::ALL.into_iter().enumerate() {
            let shown = match kept {
                Some((posted, cells)) => cells
                    .get(i)
                    .copied()
                    .flatten()
                    .map(|_| posted.ticked.contains(&(form_name(p), k.id))),
                None => k.grants.iter().find(|(g, _)| *g == p).map(|(_, on)| *on),
            };
            match shown {
                Some(on) => html.push_str(&format!(
                    "<td><input type=\"checkbox\" name=\"api_key_{}_permissions[{}]\" value=\"1\"{}></td>",
                    form_name(p),
                    k.id,
                    if on { " checked" } else { "" }
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

/// The `UPDATE` of one changed cell, applied only while the cell still holds the value the page
/// was loaded with (0 rows: changed elsewhere meanwhile, or the key is gone).
pub fn cell_update(tables: &Tables, change: &Change) -> Query {
    let column = change.permission.column();
    Query::new(
        format!(
            "UPDATE {} SET `{column}` = ? WHERE id = ? AND `{column}` = ?",
            tables.t("api_key")
        ),
        vec![
            Param::Int(i64::from(change.granted)),
            Param::Int(change.id),
            Param::Int(i64::from(!change.granted)),
        ],
    )
}

/// What a save of the grid did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GridSaved {
    /// Why nothing was written (a grid the page cannot have sent).
    pub errors: Vec<String>,
    /// Cells written.
    pub changed: usize,
    /// Cells the admin changed that were left alone, one line each: the key was deleted, its
    /// column is missing, or the cell was changed elsewhere since the page was loaded.
    pub notices: Vec<String>,
}

/// Saves the cells the admin changed since the page was loaded and nothing else: keys added
/// meanwhile and cells changed elsewhere (another admin, the API Keys page) keep their values; a
/// cell changed on both sides is reported in [`GridSaved::notices`], not overwritten.
pub fn apply_grid(
    store: &mut dyn Store,
    tables: &Tables,
    posted: &PostedGrid,
) -> Result<GridSaved> {
    let errors = posted.errors();
    if !errors.is_empty() {
        return Ok(GridSaved {
            errors,
            ..GridSaved::default()
        });
    }
    let changes = posted.changes();
    if changes.is_empty() {
        return Ok(GridSaved::default());
    }
    let before = keys(store, tables)?;
    let mut saved = GridSaved::default();
    let mut gone = BTreeSet::new();
    for change in &changes {
        let Some(key) = before.iter().find(|k| k.id == change.id) else {
            gone.insert(change.id);
            continue;
        };
        if !key.grants.iter().any(|(p, _)| *p == change.permission) {
            saved.notices.push(format!(
                "The column {} is missing: reinstall the plugin to add it",
                change.permission.column()
            ));
            continue;
        }
        if store.execute(&cell_update(tables, change))? > 0 {
            saved.changed += 1;
        } else {
            saved.notices.push(format!(
                "API key {}, {}: also changed elsewhere since this page was loaded (now {}); left as it is",
                change.id,
                change.permission.label(),
                if change.granted { "granted" } else { "not granted" }
            ));
        }
    }
    let mut notices: Vec<String> = gone
        .into_iter()
        .map(|id| {
            format!("API key {id} was deleted since this page was loaded: its changes were dropped")
        })
        .collect();
    notices.append(&mut saved.notices);
    saved.notices = notices;
    Ok(saved)
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
        let html = grid_html(
            &[KeyRow {
                id: 4,
                ip: "<script>".into(),
                key: key.into(),
                active: true,
                grants: vec![
                    (Permission::ReadTickets, true),
                    (Permission::ReadStats, false),
                ],
            }],
            None,
        );
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

    fn posted(loaded: &[(i64, &str)], ticked: &[(&'static str, i64)]) -> PostedGrid {
        PostedGrid {
            loaded: loaded
                .iter()
                .map(|(id, l)| (*id, decode_loaded(l).unwrap()))
                .collect(),
            ticked: ticked.iter().copied().collect(),
        }
    }

    #[test]
    fn loaded_cells_round_trip_and_reject_anything_else() {
        let k = key(
            5,
            &[
                (Permission::CreateTickets, true),
                (Permission::ReadTickets, true),
                (Permission::ReadStats, false),
            ],
        );
        assert_eq!(encode_loaded(&k), "1-1--0-");
        assert_eq!(decode_loaded("1-1--0-").map(|c| c[2]), Some(Some(true)));
        for bad in [
            "",
            "1-1--0",
            "1-1--0-0",
            "1-1--0x",
            "1-1--0é",
            "ｌ-1--0-",
            "1-1--0\u{301}",
        ] {
            assert!(decode_loaded(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn only_the_cells_the_admin_changed_are_changes() {
        // Loaded: create granted, read not, search column missing.
        let p = posted(
            &[(5, "100-000"), (6, "0000000")],
            &[("read", 5), ("read", 6)],
        );
        let changes = p.changes();
        assert_eq!(
            changes,
            vec![
                Change {
                    id: 5,
                    permission: Permission::CreateTickets,
                    granted: false
                },
                Change {
                    id: 5,
                    permission: Permission::ReadTickets,
                    granted: true
                },
                Change {
                    id: 6,
                    permission: Permission::ReadTickets,
                    granted: true
                },
            ]
        );
        // Every combination of loaded and ticked for one cell: a change iff they differ.
        for loaded in ["0", "1"] {
            for tick in [false, true] {
                let l = format!("{loaded}000000");
                let t: &[(&'static str, i64)] = if tick { &[("create", 1)] } else { &[] };
                let n = posted(&[(1, l.as_str())], t).changes().len();
                assert_eq!(n == 1, (loaded == "1") != tick, "{loaded} {tick}");
            }
        }
        assert!(p.errors().is_empty());
    }

    #[test]
    fn boxes_the_page_did_not_show_are_errors() {
        let p = posted(
            &[(5, "00-0000")],
            &[("search", 5), ("read", 9), ("read", 5)],
        );
        assert_eq!(
            p.errors(),
            vec![
                "API key 9 was not on the page that was saved: reload the page".to_owned(),
                "API key 5: the read box was not on the page: reload the page".to_owned(),
            ]
        );
    }

    #[test]
    fn a_cell_is_written_only_while_it_holds_the_loaded_value() {
        let q = cell_update(
            &t(),
            &Change {
                id: 7,
                permission: Permission::ReadStats,
                granted: true,
            },
        );
        assert_eq!(
            q.sql,
            "UPDATE `ost_api_key` SET `can_read_stats` = ? WHERE id = ? AND `can_read_stats` = ?"
        );
        assert_eq!(q.params, vec![Param::Int(1), Param::Int(7), Param::Int(0)]);
    }

    #[test]
    fn a_refused_save_shows_what_the_admin_ticked_and_keeps_the_loaded_values() {
        let k = key(
            3,
            &[
                (Permission::ReadTickets, true),
                (Permission::ReadStats, false),
            ],
        );
        let fresh = grid_html(std::slice::from_ref(&k), None);
        assert!(fresh.contains("name=\"api_key_permissions_loaded[3]\" value=\"--1--0-\""));
        assert!(fresh.contains("name=\"api_key_read_permissions[3]\" value=\"1\" checked"));
        let p = posted(&[(3, "--0--0-")], &[("stats", 3)]);
        let again = grid_html(&[k], Some(&p));
        assert!(again.contains("name=\"api_key_permissions_loaded[3]\" value=\"--0--0-\""));
        assert!(again.contains("name=\"api_key_read_permissions[3]\" value=\"1\">"));
        assert!(again.contains("name=\"api_key_stats_permissions[3]\" value=\"1\" checked"));
    }
}
