//! Runtime configuration handed over by the plugin shell on every call.
//!
//! The database settings are osTicket's own (`DBHOST`, `DBNAME`, `DBUSER`, `DBPASS`,
//! `TABLE_PREFIX`, `DBSSLCA`...); this module parses them the way osTicket's mysqli connection
//! reads them. This module must not import `ext_php_rs` or `mysql`.

use crate::error::{ApiError, Result};
use crate::sql::Tables;

/// Where and how to reach osTicket's database.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DbSettings {
    /// Host name or address for TCP (`localhost` when a socket is used).
    pub host: String,
    /// TCP port; `None` means 3306.
    pub port: Option<u16>,
    /// Unix socket path; when set it is used instead of TCP.
    pub socket: Option<String>,
    /// Database name.
    pub name: String,
    /// User name.
    pub user: String,
    /// Password.
    pub pass: String,
    /// CA file for TLS (osTicket's `DBSSLCA`); TLS is requested when set.
    pub ssl_ca: Option<String>,
}

impl DbSettings {
    /// Parses osTicket's `DBHOST` forms: `host`, `host:port`, `host:/path/to.sock`, `[v6]:port`.
    /// Like mysqli, `localhost` without a port means the default Unix socket (`default_socket`,
    /// from PHP's `mysqli.default_socket`, else Debian's `/run/mysqld/mysqld.sock`).
    pub fn parse_host(
        dbhost: &str,
        default_socket: Option<&str>,
    ) -> Result<(String, Option<u16>, Option<String>)> {
        let dbhost = dbhost.trim();
        if dbhost.is_empty() {
            return Err(ApiError::Internal("osTicket DBHOST is empty".into()));
        }
        let bad_port = || ApiError::Internal(format!("Invalid port in osTicket DBHOST '{dbhost}'"));
        // [v6]:port or [v6]
        if let Some(rest) = dbhost.strip_prefix('[') {
            let (addr, tail) = rest.split_once(']').ok_or_else(bad_port)?;
            let port = match tail.strip_prefix(':') {
                Some(p) => Some(p.parse::<u16>().map_err(|_| bad_port())?),
                None if tail.is_empty() => None,
                None => return Err(bad_port()),
            };
            return Ok((addr.to_owned(), port, None));
        }
        match dbhost.split_once(':') {
            Some((host, rest)) if rest.starts_with('/') => {
                let host = if host.is_empty() { "localhost" } else { host };
                Ok((host.to_owned(), None, Some(rest.to_owned())))
            }
            Some((host, rest)) if !rest.contains(':') => {
                let port = rest.parse::<u16>().map_err(|_| bad_port())?;
                Ok((host.to_owned(), Some(port), None))
            }
            // A bare IPv6 address without brackets.
            Some(_) => Ok((dbhost.to_owned(), None, None)),
            None if dbhost.eq_ignore_ascii_case("localhost") => {
                let socket = default_socket
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or("/run/mysqld/mysqld.sock");
                Ok((dbhost.to_owned(), None, Some(socket.to_owned())))
            }
            None => Ok((dbhost.to_owned(), None, None)),
        }
    }
}

/// Everything one call needs besides the request.
#[derive(Debug, Clone)]
pub struct Config {
    /// Database connection settings.
    pub db: DbSettings,
    /// osTicket's table names (prefix applied).
    pub tables: Tables,
    /// `true` when the plugin is installed, its instance active and its `enabled` switch on.
    pub active: bool,
    /// Largest attachment the download endpoint will send, in bytes.
    pub max_download_bytes: u64,
    /// Username or e-mail of the agent writes are made as (plugin config; empty: osTicket's
    /// system poster `API`, as the original).
    pub actor: String,
    /// Limits and types for attachments of writes.
    pub upload_policy: crate::uploads::Policy,
    /// Directory of the search index (`None`: search answers through SQL only).
    pub search_index: Option<std::path::PathBuf>,
}

/// Default cap of the attachment download endpoint (its JSON body is about 4/3 of this).
pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 64 * 1024 * 1024;

impl Config {
    /// A configuration from osTicket's settings.
    pub fn new(
        dbhost: &str,
        default_socket: Option<&str>,
        name: &str,
        user: &str,
        pass: &str,
        prefix: &str,
    ) -> Result<Self> {
        let (host, port, socket) = DbSettings::parse_host(dbhost, default_socket)?;
        Ok(Config {
            db: DbSettings {
                host,
                port,
                socket,
                name: name.to_owned(),
                user: user.to_owned(),
                pass: pass.to_owned(),
                ssl_ca: None,
            },
            tables: Tables::new(prefix)?,
            active: false,
            max_download_bytes: DEFAULT_MAX_DOWNLOAD_BYTES,
            actor: String::new(),
            upload_policy: crate::uploads::Policy::default(),
            search_index: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_and_port() {
        assert_eq!(
            DbSettings::parse_host("127.0.0.1:3317", None).unwrap(),
            ("127.0.0.1".into(), Some(3317), None)
        );
        assert_eq!(
            DbSettings::parse_host("db.example", None).unwrap(),
            ("db.example".into(), None, None)
        );
    }

    #[test]
    fn parses_socket_forms() {
        assert_eq!(
            DbSettings::parse_host("localhost:/tmp/my.sock", None).unwrap(),
            ("localhost".into(), None, Some("/tmp/my.sock".into()))
        );
        assert_eq!(
            DbSettings::parse_host("localhost", Some("/var/run/x.sock")).unwrap(),
            ("localhost".into(), None, Some("/var/run/x.sock".into()))
        );
        assert_eq!(
            DbSettings::parse_host("localhost", Some(""))
                .unwrap()
                .2
                .as_deref(),
            Some("/run/mysqld/mysqld.sock")
        );
    }

    #[test]
    fn parses_ipv6() {
        assert_eq!(
            DbSettings::parse_host("[::1]:3307", None).unwrap(),
            ("::1".into(), Some(3307), None)
        );
        assert_eq!(
            DbSettings::parse_host("::1", None).unwrap(),
            ("::1".into(), None, None)
        );
    }

    #[test]
    fn rejects_bad_ports_and_empty_host() {
        assert!(DbSettings::parse_host("h:99999", None).is_err());
        assert!(DbSettings::parse_host("h:abc", None).is_err());
        assert!(DbSettings::parse_host(" ", None).is_err());
    }

    #[test]
    fn config_rejects_bad_prefix() {
        assert!(Config::new("h", None, "d", "u", "p", "x;y").is_err());
        let c = Config::new("h:1", None, "d", "u", "p", "ost_").unwrap();
        assert!(!c.active);
        assert_eq!(c.tables.t("ticket"), "`ost_ticket`");
    }
}
