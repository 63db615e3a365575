//! Per-worker caches of results derived from osTicket's ticket table, valid exactly as long as the
//! table is unchanged: InnoDB (MariaDB 10.x, MySQL 5.7+) keeps the table's `UPDATE_TIME` in
//! memory and moves it on every committed insert, update or delete. It is NULL after a server
//! restart until the first change (nothing is cached then) and has a resolution of one second, so
//! a result is only cached once the table has been quiet for at least a second.
//!
//! Used by the statistics (the `GROUP BY` aggregate) and by deep search pages (checkpoints).
//! This module must not import `ext_php_rs` or `mysql`.

use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use crate::error::Result;
use crate::sql::{Param, Query, Store, Tables};

/// The ticket table's state: which server and database, its last change, the server's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// `host:port/database`, so one worker serving several helpdesks keeps them apart.
    pub source: String,
    /// `UPDATE_TIME` (`None` after a server restart until the first change).
    pub changed: Option<String>,
    /// The server's `NOW()`.
    pub now: String,
}

/// The query behind [`mark`].
pub fn mark_query(tables: &Tables) -> Query {
    Query::new(
        "SELECT CONCAT(@@hostname, ':', @@port, '/', DATABASE()), \
         CAST(UPDATE_TIME AS CHAR), CAST(NOW() AS CHAR) FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        vec![Param::from(tables.raw("ticket"))],
    )
}

/// The ticket table's [`Mark`] (one cheap query).
pub fn mark(store: &mut dyn Store, tables: &Tables) -> Result<Option<Mark>> {
    Ok(store.first(&mark_query(tables))?.map(|r| Mark {
        source: r.text(0),
        changed: r.opt_text(1),
        now: r.text(2),
    }))
}

impl Mark {
    /// The last change, when it lies at least `seconds` (at least 1) before now.
    pub fn quiet_for(&self, seconds: i64) -> Option<&str> {
        let parse = |t: &str| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok();
        let changed = self.changed.as_deref()?;
        let quiet = (parse(&self.now)? - parse(changed)?).num_seconds();
        (quiet >= seconds.max(1)).then_some(changed)
    }
}

/// A small cache of values derived from the ticket table, each kept with the `UPDATE_TIME` it was
/// computed at and only given out for that same time; the oldest entry goes first when full.
pub struct ChangeCache<T> {
    entries: Mutex<Vec<(String, String, Arc<T>)>>,
    capacity: usize,
}

impl<T> ChangeCache<T> {
    /// An empty cache of at most `capacity` entries.
    pub const fn new(capacity: usize) -> Self {
        ChangeCache {
            entries: Mutex::new(Vec::new()),
            capacity,
        }
    }

    /// The value computed for `key` when the table last changed at `changed`.
    pub fn get(&self, key: &str, changed: &str) -> Option<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .iter()
            .find(|(k, c, _)| k == key && c == changed)
            .map(|(_, _, v)| Arc::clone(v))
    }

    /// Keeps `value` for `key` (replacing an older one).
    pub fn put(&self, key: String, changed: &str, value: Arc<T>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|(k, _, _)| *k != key);
        if entries.len() >= self.capacity.max(1) {
            entries.remove(0);
        }
        entries.push((key, changed.to_owned(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(changed: Option<&str>, now: &str) -> Mark {
        Mark {
            source: "db".into(),
            changed: changed.map(str::to_owned),
            now: now.into(),
        }
    }

    #[test]
    fn only_a_table_quiet_long_enough_counts() {
        let m = at(Some("2026-11-23 10:00:00"), "2026-11-23 10:00:30");
        assert_eq!(m.quiet_for(30), Some("2026-11-23 10:00:00"));
        assert_eq!(m.quiet_for(31), None);
        // Within the second of the change: never (UPDATE_TIME has a one-second resolution).
        assert_eq!(
            at(Some("2026-11-23 10:00:00"), "2026-11-23 10:00:00").quiet_for(0),
            None
        );
        assert_eq!(
            at(None, "2026-11-23 10:00:30").quiet_for(1),
            None,
            "after a restart"
        );
    }

    #[test]
    fn values_are_given_out_only_for_the_time_they_were_made_at() {
        let cache: ChangeCache<u32> = ChangeCache::new(2);
        cache.put("a".into(), "t1", Arc::new(1));
        assert_eq!(cache.get("a", "t1").as_deref(), Some(&1));
        assert_eq!(cache.get("a", "t2"), None, "the table changed since");
        cache.put("a".into(), "t2", Arc::new(2));
        assert_eq!(cache.get("a", "t1"), None, "replaced");
        cache.put("b".into(), "t2", Arc::new(3));
        cache.put("c".into(), "t2", Arc::new(4));
        assert_eq!(cache.get("a", "t2"), None, "the oldest went when full");
        assert_eq!(cache.get("c", "t2").as_deref(), Some(&4));
    }
}
