//! Database-neutral query and row types, and the [`Store`] trait that `db/` implements.
//!
//! Every SQL statement of the crate is built as text plus bound parameters by pure functions in the
//! domain modules, so it can be unit-tested without a server. Only `src/db/` executes them. Table
//! names come from [`Tables`], which applies osTicket's table prefix. This module must not import
//! `ext_php_rs` or `mysql`.

use std::sync::Arc;

use crate::error::{ApiError, Result};

/// A bound parameter of a prepared statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// SQL NULL.
    Null,
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A text value.
    Str(String),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl From<u64> for Param {
    fn from(v: u64) -> Self {
        Param::UInt(v)
    }
}
impl From<u32> for Param {
    fn from(v: u32) -> Self {
        Param::UInt(u64::from(v))
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Str(v.to_owned())
    }
}
impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Str(v)
    }
}

/// One SQL statement with `?` placeholders and its parameters, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The statement text; values never appear in it, only `?`.
    pub sql: String,
    /// The values for the placeholders.
    pub params: Vec<Param>,
}

impl Query {
    /// A statement with parameters.
    pub fn new(sql: impl Into<String>, params: Vec<Param>) -> Self {
        Query {
            sql: sql.into(),
            params,
        }
    }
}

/// A value read from a result row. Dates and times arrive as text `YYYY-MM-DD HH:MM:SS`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A floating point number.
    Float(f64),
    /// Text or binary data, as stored.
    Bytes(Vec<u8>),
}

impl Value {
    /// The value as a signed integer, converting numeric text; `None` for NULL or non-numbers.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            Value::UInt(v) => i64::try_from(*v).ok(),
            Value::Float(v) => Some(*v as i64),
            Value::Bytes(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
            Value::Null => None,
        }
    }

    /// The value as text (invalid UTF-8 replaced), `None` for NULL.
    pub fn as_string(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Int(v) => Some(v.to_string()),
            Value::UInt(v) => Some(v.to_string()),
            Value::Float(v) => Some(v.to_string()),
            Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        }
    }

    /// `true` for SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// A result row: values in select order plus the column names shared by all rows of a result.
#[derive(Debug, Clone)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

static NULL: Value = Value::Null;

impl Row {
    /// A row from column names and values (same length).
    pub fn new(columns: Arc<[String]>, values: Vec<Value>) -> Self {
        Row { columns, values }
    }

    /// The value at `idx`, NULL when out of range.
    pub fn get(&self, idx: usize) -> &Value {
        self.values.get(idx).unwrap_or(&NULL)
    }

    /// The value of the column called `name` (case-insensitive), if the result has it.
    pub fn by_name(&self, name: &str) -> Option<&Value> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
            .and_then(|i| self.values.get(i))
    }

    /// The integer at `idx`, 0 for NULL.
    pub fn int(&self, idx: usize) -> i64 {
        self.get(idx).as_i64().unwrap_or(0)
    }

    /// The integer at `idx`, `None` for NULL.
    pub fn opt_int(&self, idx: usize) -> Option<i64> {
        self.get(idx).as_i64()
    }

    /// The text at `idx`, empty for NULL.
    pub fn text(&self, idx: usize) -> String {
        self.get(idx).as_string().unwrap_or_default()
    }

    /// The text at `idx`, `None` for NULL.
    pub fn opt_text(&self, idx: usize) -> Option<String> {
        self.get(idx).as_string()
    }

    /// The raw bytes at `idx` (empty for NULL or numbers).
    pub fn bytes(&self, idx: usize) -> &[u8] {
        match self.get(idx) {
            Value::Bytes(b) => b,
            _ => &[],
        }
    }

    /// The column names of the result this row belongs to.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }
}

/// What `db/` offers the core: run a statement and hand back rows.
pub trait Store {
    /// Runs a query and returns every row. Use only where the result is bounded.
    fn rows(&mut self, query: &Query) -> Result<Vec<Row>>;

    /// Runs a query and passes each row to `each` as it arrives, without buffering the result.
    fn for_each(&mut self, query: &Query, each: &mut dyn FnMut(Row) -> Result<()>) -> Result<()>;

    /// Runs a statement that returns no rows; returns the number of affected rows.
    fn execute(&mut self, query: &Query) -> Result<u64>;

    /// The first row of a query, if any.
    fn first(&mut self, query: &Query) -> Result<Option<Row>> {
        Ok(self.rows(query)?.into_iter().next())
    }
}

/// osTicket's table names with the configured prefix, quoted for SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    prefix: String,
}

impl Tables {
    /// Checks the prefix (letters, digits and `_` only, as osTicket's installer allows).
    pub fn new(prefix: &str) -> Result<Self> {
        if prefix.len() > 32
            || !prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(ApiError::Internal(
                "Invalid osTicket table prefix in configuration".into(),
            ));
        }
        Ok(Tables {
            prefix: prefix.to_owned(),
        })
    }

    /// The quoted name of osTicket table `name` (without prefix), e.g. `` `ost_ticket` ``.
    pub fn t(&self, name: &str) -> String {
        format!("`{}{}`", self.prefix, name)
    }

    /// The unquoted name with prefix, e.g. `ost_ticket` (for information_schema lookups).
    pub fn raw(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    /// The prefix itself.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

/// `?, ?, ?` with `n` placeholders (at least one), for `IN (...)` lists.
pub fn placeholders(n: usize) -> String {
    let n = n.max(1);
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_apply_prefix_and_quote() {
        let t = Tables::new("ost_").unwrap();
        assert_eq!(t.t("ticket"), "`ost_ticket`");
        assert_eq!(t.raw("api_key"), "ost_api_key");
    }

    #[test]
    fn tables_reject_prefix_that_could_inject_sql() {
        assert!(Tables::new("ost`; DROP TABLE x; --").is_err());
        assert!(Tables::new("a b").is_err());
        assert!(Tables::new("").is_ok());
    }

    #[test]
    fn placeholders_lists_question_marks() {
        assert_eq!(placeholders(3), "?, ?, ?");
        assert_eq!(placeholders(0), "?");
    }

    #[test]
    fn row_reads_by_index_and_name() {
        let cols: Arc<[String]> = vec!["id".to_string(), "Name".to_string()].into();
        let row = Row::new(cols, vec![Value::UInt(7), Value::Bytes(b"x\xffy".to_vec())]);
        assert_eq!(row.int(0), 7);
        assert_eq!(row.text(1), "x\u{fffd}y");
        assert_eq!(row.by_name("name"), Some(&Value::Bytes(b"x\xffy".to_vec())));
        assert!(row.by_name("missing").is_none());
        assert_eq!(row.int(9), 0);
        assert!(row.opt_text(9).is_none());
    }

    #[test]
    fn value_parses_numeric_text() {
        assert_eq!(Value::Bytes(b" 42".to_vec()).as_i64(), Some(42));
        assert_eq!(Value::Bytes(b"4x".to_vec()).as_i64(), None);
        assert_eq!(Value::UInt(u64::MAX).as_i64(), None);
    }
}
