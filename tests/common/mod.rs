//! What the database test binaries (`tests/db.rs`, `tests/search_index.rs`) share: a throwaway
//! MariaDB database named by `DATABASE_URL`, loaded with the osTicket-shaped schema and fixtures of
//! `tests/fixtures/` and the plugin's install step, dropped when the value is dropped (also when a
//! test fails), so that tests share nothing and may run in parallel.

use std::sync::atomic::{AtomicUsize, Ordering};

use mysql::prelude::Queryable;
use osticket_api::config::{Config, DbSettings};
use osticket_api::db::MysqlStore;
use osticket_api::schema;

const SCHEMA: &str = include_str!("../fixtures/schema.sql");
const SEED: &str = include_str!("../fixtures/seed.sql");

static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// A database of its own, with the configuration that reaches it.
pub struct Scratch {
    /// The extension's configuration for this database and table prefix.
    pub cfg: Config,
    url: String,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(opts) = mysql::Opts::from_url(&self.url) {
            if let Ok(mut conn) = mysql::Conn::new(opts) {
                let _ = conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.cfg.db.name));
            }
        }
    }
}

impl Scratch {
    /// The extension's store on this database.
    pub fn store(&self) -> MysqlStore {
        MysqlStore::new(&self.cfg.db)
    }

    /// A plain connection with this database selected.
    pub fn conn(&self) -> mysql::Conn {
        let mut c = mysql::Conn::new(mysql::Opts::from_url(&self.url).unwrap()).unwrap();
        c.query_drop(format!("USE `{}`", self.cfg.db.name)).unwrap();
        c
    }
}

/// A fresh database `osticket_api_<kind>_<pid>_<n>_<tag>` with the fixtures under `prefix`, or
/// `None` (the caller's test is skipped, and says so) when `DATABASE_URL` is not set.
pub fn scratch(kind: &str, tag: &str, prefix: &str) -> Option<Scratch> {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("{kind} tests skipped: DATABASE_URL is not set");
        return None;
    };
    let opts = mysql::Opts::from_url(&url).expect("DATABASE_URL");
    let name = format!(
        "osticket_api_{kind}_{}_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed),
        tag.trim_end_matches('_')
    );
    let mut conn = mysql::Conn::new(opts.clone()).expect("connect to DATABASE_URL");
    conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
        .unwrap();
    conn.query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        .unwrap();
    let mut cfg = Config::new("127.0.0.1:1", None, "x", "x", "x", prefix).unwrap();
    cfg.db = DbSettings {
        host: opts.get_ip_or_hostname().to_string(),
        port: Some(opts.get_tcp_port()),
        socket: None,
        name: name.clone(),
        user: opts.get_user().unwrap_or_default().to_string(),
        pass: opts.get_pass().unwrap_or_default().to_string(),
        ssl_ca: None,
    };
    // From here on the database is dropped whatever happens.
    let db = Scratch { cfg, url };
    conn.query_drop(format!("USE `{name}`")).unwrap();
    for sql in [SCHEMA, SEED] {
        conn.query_drop(sql.replace("%TABLE_PREFIX%", prefix))
            .unwrap();
    }
    // The plugin's install step (permission columns, its indexes).
    schema::install(&mut db.store(), &db.cfg.tables).expect("install columns");
    Some(db)
}
