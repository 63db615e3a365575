//! API-key authentication with osTicket core semantics, and the plugin's permission columns.
//!
//! A key is looked up by the `X-API-Key` value **and** the client address (`ipaddr`), exactly as
//! osTicket's `API::lookupByKey()`; no row means 401 `Valid API key required`, an inactive row 401
//! `API key not found/active or source IP not authorized`. Permissions are the columns the
//! original plugin added to `<prefix>api_key`; a missing column denies. This module must not
//! import `ext_php_rs` or `mysql`.

use crate::error::{ApiError, Result};
use crate::request::Request;
use crate::routes::Route;
use crate::sql::{Param, Query, Row, Store, Tables};

/// A permission an endpoint can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// osTicket core's `can_create_tickets`.
    CreateTickets,
    /// `can_update_tickets`
    UpdateTickets,
    /// `can_read_tickets`
    ReadTickets,
    /// `can_search_tickets` (falls back to read)
    SearchTickets,
    /// `can_delete_tickets`
    DeleteTickets,
    /// `can_read_stats` (falls back to read)
    ReadStats,
    /// `can_manage_subtickets`
    ManageSubtickets,
}

/// The plugin's permission columns in the order (and `AFTER` position) the original added them.
pub const PLUGIN_COLUMNS: &[(&str, &str)] = &[
    ("can_update_tickets", "can_create_tickets"),
    ("can_read_tickets", "can_update_tickets"),
    ("can_search_tickets", "can_read_tickets"),
    ("can_delete_tickets", "can_search_tickets"),
    ("can_read_stats", "can_delete_tickets"),
    ("can_manage_subtickets", "can_read_stats"),
];

impl Permission {
    /// Every permission, in the config page's order.
    pub const ALL: [Permission; 7] = [
        Permission::CreateTickets,
        Permission::UpdateTickets,
        Permission::ReadTickets,
        Permission::SearchTickets,
        Permission::DeleteTickets,
        Permission::ReadStats,
        Permission::ManageSubtickets,
    ];

    /// The column in `<prefix>api_key`.
    pub fn column(self) -> &'static str {
        match self {
            Permission::CreateTickets => "can_create_tickets",
            Permission::UpdateTickets => "can_update_tickets",
            Permission::ReadTickets => "can_read_tickets",
            Permission::SearchTickets => "can_search_tickets",
            Permission::DeleteTickets => "can_delete_tickets",
            Permission::ReadStats => "can_read_stats",
            Permission::ManageSubtickets => "can_manage_subtickets",
        }
    }

    /// A short label for the admin page.
    pub fn label(self) -> &'static str {
        match self {
            Permission::CreateTickets => "Create",
            Permission::UpdateTickets => "Update",
            Permission::ReadTickets => "Read",
            Permission::SearchTickets => "Search",
            Permission::DeleteTickets => "Delete",
            Permission::ReadStats => "Statistics",
            Permission::ManageSubtickets => "Subtickets",
        }
    }

    /// The permission that also grants this one (the original's fallbacks).
    pub fn fallback(self) -> Option<Permission> {
        match self {
            Permission::SearchTickets | Permission::ReadStats => Some(Permission::ReadTickets),
            _ => None,
        }
    }

    /// The permission of a column name.
    pub fn from_column(column: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.column() == column)
    }
}

/// An authenticated API key with the permission columns it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// `<prefix>api_key.id`
    pub id: i64,
    granted: Vec<Permission>,
}

impl ApiKey {
    /// A key with explicit grants (tests and the config page).
    pub fn new(id: i64, granted: Vec<Permission>) -> Self {
        ApiKey { id, granted }
    }

    /// Reads the grants from a `SELECT *` row of the key table; missing columns deny.
    pub fn from_row(row: &Row) -> Self {
        let id = row.by_name("id").and_then(|v| v.as_i64()).unwrap_or(0);
        let granted = Permission::ALL
            .into_iter()
            .filter(|p| {
                row.by_name(p.column())
                    .and_then(|v| v.as_i64())
                    .is_some_and(|v| v != 0)
            })
            .collect();
        ApiKey { id, granted }
    }

    /// `true` if the key holds `p` directly or through its fallback.
    pub fn has(&self, p: Permission) -> bool {
        self.granted.contains(&p) || p.fallback().is_some_and(|f| self.granted.contains(&f))
    }

    /// The route's permission error unless the key may use it.
    pub fn require(&self, route: &Route) -> Result<()> {
        if self.has(route.permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                status: route.denied_status,
                message: route.denied_message,
            })
        }
    }
}

/// The address under which the "API Key Wildcard" plugin registers a key valid from anywhere.
pub const ANY_ADDRESS: &str = "0.0.0.0";

/// The lookup of a key by value and client address (osTicket's `API::getIdByKey`). With
/// `wildcard` (the `/api/wildcard/` route only), a row registered for [`ANY_ADDRESS`] matches
/// too; a row for the client's own address wins over it.
pub fn key_query(tables: &Tables, key: &str, ip: &str, wildcard: bool) -> Query {
    if wildcard {
        return Query::new(
            format!(
                "SELECT * FROM {} WHERE apikey = ? AND ipaddr IN (?, ?) ORDER BY ipaddr = ? LIMIT 1",
                tables.t("api_key")
            ),
            vec![
                Param::from(key),
                Param::from(ip),
                Param::from(ANY_ADDRESS),
                Param::from(ANY_ADDRESS),
            ],
        );
    }
    Query::new(
        format!(
            "SELECT * FROM {} WHERE apikey = ? AND ipaddr = ? LIMIT 1",
            tables.t("api_key")
        ),
        vec![Param::from(key), Param::from(ip)],
    )
}

/// Authenticates a request: 401 unless an active key matches key and client address.
pub fn authenticate(store: &mut dyn Store, tables: &Tables, req: &Request) -> Result<ApiKey> {
    let (Some(key), ip) = (req.api_key_text(), req.remote_addr.trim()) else {
        return Err(ApiError::KeyRequired);
    };
    if ip.is_empty() || key.len() > 255 {
        return Err(ApiError::KeyRequired);
    }
    let row = store
        .first(&key_query(tables, key, ip, req.wildcard))?
        .ok_or(ApiError::KeyRequired)?;
    let active = row
        .by_name("isactive")
        .and_then(|v| v.as_i64())
        .is_some_and(|v| v != 0);
    if !active {
        return Err(ApiError::KeyInactive);
    }
    Ok(ApiKey::from_row(&row))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::route_for;
    use crate::sql::Value;
    use std::sync::Arc;

    fn row(cols: &[(&str, Value)]) -> Row {
        let names: Arc<[String]> = cols.iter().map(|(n, _)| n.to_string()).collect();
        Row::new(names, cols.iter().map(|(_, v)| v.clone()).collect())
    }

    #[test]
    fn search_and_stats_fall_back_to_read() {
        let k = ApiKey::new(1, vec![Permission::ReadTickets]);
        assert!(k.has(Permission::SearchTickets));
        assert!(k.has(Permission::ReadStats));
        assert!(!k.has(Permission::ManageSubtickets));
        assert!(!k.has(Permission::UpdateTickets));
    }

    #[test]
    fn create_does_not_grant_read() {
        let k = ApiKey::new(1, vec![Permission::CreateTickets]);
        assert!(!k.has(Permission::ReadTickets));
    }

    #[test]
    fn missing_column_denies() {
        let r = row(&[
            ("id", Value::Int(3)),
            ("isactive", Value::Int(1)),
            ("can_create_tickets", Value::Int(1)),
        ]);
        let k = ApiKey::from_row(&r);
        assert_eq!(k.id, 3);
        assert!(k.has(Permission::CreateTickets));
        assert!(!k.has(Permission::ReadTickets));
    }

    #[test]
    fn denied_uses_route_message_and_status() {
        let k = ApiKey::new(1, vec![]);
        let e = k.require(route_for("tickets-get").unwrap()).unwrap_err();
        assert_eq!(e.status(), 401);
        assert_eq!(e.message(), "API key not authorized to read tickets");
        let e = k
            .require(route_for("tickets-attachment-download").unwrap())
            .unwrap_err();
        assert_eq!(e.message(), "API key not authorized to read attachments");
    }

    #[test]
    fn key_query_binds_key_and_ip() {
        let q = key_query(&Tables::new("ost_").unwrap(), "K'1", "127.0.0.1", false);
        assert_eq!(
            q.sql,
            "SELECT * FROM `ost_api_key` WHERE apikey = ? AND ipaddr = ? LIMIT 1"
        );
        assert_eq!(q.params, vec![Param::from("K'1"), Param::from("127.0.0.1")]);
    }

    #[test]
    fn wildcard_key_query_also_matches_the_any_address_row_after_the_client_s_own() {
        let q = key_query(&Tables::new("ost_").unwrap(), "K", "10.1.2.3", true);
        assert_eq!(
            q.sql,
            "SELECT * FROM `ost_api_key` WHERE apikey = ? AND ipaddr IN (?, ?) ORDER BY ipaddr = ? LIMIT 1"
        );
        assert_eq!(
            q.params,
            vec![
                Param::from("K"),
                Param::from("10.1.2.3"),
                Param::from("0.0.0.0"),
                Param::from("0.0.0.0")
            ]
        );
    }

    #[test]
    fn plugin_columns_chain_after_each_other() {
        assert_eq!(PLUGIN_COLUMNS[0].1, "can_create_tickets");
        for w in PLUGIN_COLUMNS.windows(2) {
            assert_eq!(w[1].1, w[0].0);
        }
        for (c, _) in PLUGIN_COLUMNS {
            assert!(Permission::from_column(c).is_some());
        }
    }
}
