//! The only module that talks to MariaDB/MySQL (through the `mysql` crate).
//!
//! One small connection pool per php-fpm worker process and per database settings, created lazily
//! inside a request (never at module start-up, which runs in the fpm master before it forks).
//! Connections are taken on first use and returned when the [`MysqlStore`] is dropped. Every
//! statement is a server-side prepared statement with bound parameters. Errors are classified once
//! here: unreachable server (503) versus everything else (500).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{OptsBuilder, Pool, PoolConstraints, PoolOpts, PooledConn};

use crate::config::DbSettings;
use crate::error::{ApiError, Result};
use crate::sql::{Param, Query, Row, Store, Value};

/// How long a request waits for a free pooled connection before failing with 503.
const CONNECT_WAIT: Duration = Duration::from_secs(5);

/// Longest a statement may run on MariaDB before the server stops it (answered 503).
const STATEMENT_LIMIT: Duration = Duration::from_secs(20);

/// Longest a statement waits for a row lock (`innodb_lock_wait_timeout`) or a table/metadata lock
/// (`lock_wait_timeout`, e.g. behind `LOCK TABLES ... WRITE`) before it fails: answered 503 with
/// `Retry-After`, so a stalled table does not hold every php-fpm worker.
pub const LOCK_WAIT: Duration = Duration::from_secs(4);

static POOLS: OnceLock<Mutex<HashMap<DbSettings, Pool>>> = OnceLock::new();

fn pool(settings: &DbSettings) -> Result<Pool> {
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(p) = pools.get(settings) {
        return Ok(p.clone());
    }
    if settings.ssl_ca.is_some() {
        return Err(ApiError::Database {
            unavailable: true,
            message: "TLS connections to the database (DBSSLCA) need the extension built with TLS support".into(),
        });
    }
    let constraints =
        PoolConstraints::new(0, 2).ok_or_else(|| ApiError::Internal("pool constraints".into()))?;
    let mut opts = OptsBuilder::new()
        .ip_or_hostname(Some(settings.host.clone()))
        .tcp_port(settings.port.unwrap_or(3306))
        .user(Some(settings.user.clone()))
        .pass(Some(settings.pass.clone()))
        .db_name(Some(settings.name.clone()))
        .prefer_socket(false)
        .tcp_connect_timeout(Some(Duration::from_secs(5)))
        .read_timeout(Some(Duration::from_secs(60)))
        .write_timeout(Some(Duration::from_secs(60)))
        // A runaway statement (a full-text search for a word in every second thread entry of
        // a big helpdesk) is stopped by the server instead of holding a worker. MariaDB only
        // (the versioned comment); MySQL runs the plain SET.
        .init(vec![format!(
            "SET @osticket_api = 1, SESSION innodb_lock_wait_timeout = {lock}, \
             SESSION lock_wait_timeout = {lock} /*M!100108 , SESSION max_statement_time = {} */",
            STATEMENT_LIMIT.as_secs(),
            lock = LOCK_WAIT.as_secs(),
        )])
        .pool_opts(
            // No COM_RESET_CONNECTION when a connection returns to the pool: it would also drop
            // the prepared-statement cache (one extra round trip per statement per request), and
            // this crate never changes session state (no SET, no temporary tables, no open
            // transactions across requests).
            PoolOpts::default()
                .with_constraints(constraints)
                .with_reset_connection(false),
        );
    if let Some(socket) = &settings.socket {
        opts = opts.socket(Some(socket.clone()));
    }
    let p = Pool::new(opts).map_err(classify)?;
    pools.insert(settings.clone(), p.clone());
    Ok(p)
}

/// Maps a driver error to the core error: connection problems are "unavailable".
fn classify(err: mysql::Error) -> ApiError {
    let unavailable = matches!(
        err,
        mysql::Error::IoError(_) | mysql::Error::DriverError(_) | mysql::Error::UrlError(_)
    ) || matches!(&err, mysql::Error::MySqlError(e) if matches!(e.code, 1040 | 1044 | 1045 | 1049 | 1203 | 2002 | 2003 | 2006 | 2013));
    if matches!(&err, mysql::Error::MySqlError(e) if e.code == 1969) {
        eprintln!("osticket_api: statement stopped after {STATEMENT_LIMIT:?}: {err}");
        return ApiError::Database {
            unavailable: true,
            message: format!(
                "The query took longer than {} s and was stopped; narrow it down",
                STATEMENT_LIMIT.as_secs()
            ),
        };
    }
    if matches!(&err, mysql::Error::MySqlError(e) if matches!(e.code, 1205 | 1213)) {
        eprintln!("osticket_api: lock wait: {err}");
        return ApiError::Busy(format!(
            "The database is busy: a lock was held for more than {} s; try again later",
            LOCK_WAIT.as_secs()
        ));
    }
    // The driver's text can name hosts, tables and SQL: it goes to the server log (php-fpm's
    // worker output), the client gets a generic message.
    eprintln!("osticket_api: database error: {err}");
    ApiError::Database {
        unavailable,
        message: if unavailable {
            "Database unavailable".to_owned()
        } else {
            "Database error".to_owned()
        },
    }
}

/// A [`Store`] on osTicket's database; connects on first use.
pub struct MysqlStore {
    settings: DbSettings,
    conn: Option<PooledConn>,
}

impl MysqlStore {
    /// A store for these settings; no connection is made yet.
    pub fn new(settings: &DbSettings) -> Self {
        MysqlStore {
            settings: settings.clone(),
            conn: None,
        }
    }

    fn conn(&mut self) -> Result<&mut PooledConn> {
        if self.conn.is_none() {
            let conn = pool(&self.settings)?
                .try_get_conn(CONNECT_WAIT)
                .map_err(classify)?;
            self.conn = Some(conn);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| ApiError::Internal("no database connection".into()))
    }
}

fn to_params(params: &[Param]) -> mysql::Params {
    if params.is_empty() {
        return mysql::Params::Empty;
    }
    mysql::Params::Positional(
        params
            .iter()
            .map(|p| match p {
                Param::Null => mysql::Value::NULL,
                Param::Int(v) => mysql::Value::Int(*v),
                Param::UInt(v) => mysql::Value::UInt(*v),
                Param::Str(s) => mysql::Value::Bytes(s.as_bytes().to_vec()),
            })
            .collect(),
    )
}

fn to_value(v: mysql::Value) -> Value {
    match v {
        mysql::Value::NULL => Value::Null,
        mysql::Value::Bytes(b) => Value::Bytes(b),
        mysql::Value::Int(i) => Value::Int(i),
        mysql::Value::UInt(u) => Value::UInt(u),
        mysql::Value::Float(f) => Value::Float(f64::from(f)),
        mysql::Value::Double(d) => Value::Float(d),
        mysql::Value::Date(y, mo, d, h, mi, s, _) => {
            Value::Bytes(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}").into_bytes())
        }
        mysql::Value::Time(neg, days, h, mi, s, _) => {
            let hours = u64::from(days) * 24 + u64::from(h);
            let sign = if neg { "-" } else { "" };
            Value::Bytes(format!("{sign}{hours:02}:{mi:02}:{s:02}").into_bytes())
        }
    }
}

fn convert_row(columns: &Arc<[String]>, row: mysql::Row) -> Row {
    Row::new(
        columns.clone(),
        row.unwrap().into_iter().map(to_value).collect(),
    )
}

/// Runs a query and hands each row to `each`: `Err` for a database error, `Ok(Err)` for an
/// error of `each`.
fn each_row(
    conn: &mut PooledConn,
    sql: &str,
    params: &[Param],
    each: &mut dyn FnMut(Row) -> Result<()>,
) -> std::result::Result<Result<()>, mysql::Error> {
    let mut result = conn.exec_iter(sql, to_params(params))?;
    let mut columns: Option<Arc<[String]>> = None;
    if let Some(set) = result.iter() {
        for row in set {
            let row = row?;
            let cols = columns.get_or_insert_with(|| {
                row.columns_ref()
                    .iter()
                    .map(|c| c.name_str().into_owned())
                    .collect()
            });
            // On error the result set is dropped, which drains it: the connection stays usable.
            if let Err(err) = each(convert_row(cols, row)) {
                return Ok(Err(err));
            }
        }
    }
    Ok(Ok(()))
}

/// "Illegal mix of collations" (1267, 1270, 1271).
fn collation_mix(err: &mysql::Error) -> bool {
    matches!(err, mysql::Error::MySqlError(e) if matches!(e.code, 1267 | 1270 | 1271))
}

/// A text parameter with a character outside the Basic Multilingual Plane.
fn astral(p: &Param) -> bool {
    matches!(p, Param::Str(s) if s.chars().any(|c| u32::from(c) > 0xFFFF))
}

/// The parameter with every character outside the Basic Multilingual Plane replaced by U+FFFD.
fn bmp_only(p: &Param) -> Param {
    match p {
        Param::Str(s) if astral(p) => Param::Str(
            s.chars()
                .map(|c| if u32::from(c) > 0xFFFF { '\u{FFFD}' } else { c })
                .collect(),
        ),
        other => other.clone(),
    }
}

impl Store for MysqlStore {
    fn rows(&mut self, query: &Query) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        self.for_each(query, &mut |row| {
            out.push(row);
            Ok(())
        })?;
        Ok(out)
    }

    fn for_each(&mut self, query: &Query, each: &mut dyn FnMut(Row) -> Result<()>) -> Result<()> {
        let conn = self.conn()?;
        match each_row(conn, &query.sql, &query.params, each) {
            Err(err) if collation_mix(&err) && query.params.iter().any(astral) => {
                // osTicket 1.18's tables are utf8 (3-byte): a value with characters outside the
                // Basic Multilingual Plane (emoji, rare CJK) cannot be compared with them
                // (error 1267) and cannot be stored in them either. Such characters become
                // U+FFFD, so the value matches nothing instead of failing the request.
                let params: Vec<Param> = query.params.iter().map(bmp_only).collect();
                each_row(conn, &query.sql, &params, each).map_err(classify)?
            }
            other => other.map_err(classify)?,
        }
    }

    fn execute(&mut self, query: &Query) -> Result<u64> {
        let params = to_params(&query.params);
        let conn = self.conn()?;
        let result = conn
            .exec_iter(query.sql.as_str(), params)
            .map_err(classify)?;
        let affected = result.affected_rows();
        drop(result);
        Ok(affected)
    }
}
