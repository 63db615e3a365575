//! A ticket's filter and sort attributes as the index keeps them, converted so that the index
//! compares them exactly as the database does (or marks them as unusable):
//!
//! * dates (`DATETIME`, read as text) become seconds; a date that does not parse (osTicket
//!   databases may hold `0000-00-00 00:00:00`) becomes [`i64::MIN`], which sorts and compares
//!   below every real date, as the zero date does in SQL;
//! * `cd.priority` (text holding the priority's id) is a number only when it is written as the
//!   database would compare it with the id (`'2'`, and `'2 '`: the column's collation ignores
//!   trailing spaces); anything else never equals an id, in SQL as here ([`NONE`]);
//! * `t.number` orders as text under the column's collation; its sort key is its first 8 bytes,
//!   upper-cased, big-endian (a shorter number is padded with zero bytes, and sorts first as in
//!   SQL). That orders like `utf8*_general_ci` and `unicode_ci` only for ASCII letters, digits
//!   and `-` (osTicket's number formats) of at most 8 characters; any other
//!   number is [`NONE`] and a `sort=number` search answers through SQL while one exists.
//!
//! This module must not import `ext_php_rs`, `mysql` or `tantivy`.

use chrono::NaiveDateTime;

use super::schema::NONE;

/// The attributes of one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketAttrs {
    /// `status_id`
    pub status: u64,
    /// `dept_id`
    pub dept: u64,
    /// `staff_id`
    pub staff: u64,
    /// `team_id`
    pub team: u64,
    /// `topic_id`
    pub topic: u64,
    /// `user_id`
    pub user: u64,
    /// `isoverdue`
    pub overdue: u64,
    /// `ticket_pid` (0: none)
    pub parent: u64,
    /// `cd.priority` ([`NONE`]: not an id)
    pub priority: u64,
    /// `created` in seconds
    pub created: i64,
    /// `updated` in seconds
    pub updated: i64,
    /// Sort key of `number` ([`NONE`]: not orderable here)
    pub number_key: u64,
}

impl Default for TicketAttrs {
    fn default() -> Self {
        TicketAttrs {
            status: 0,
            dept: 0,
            staff: 0,
            team: 0,
            topic: 0,
            user: 0,
            overdue: 0,
            parent: 0,
            priority: NONE,
            created: i64::MIN,
            updated: i64::MIN,
            number_key: NONE,
        }
    }
}

/// Seconds of a `YYYY-MM-DD HH:MM:SS` date ([`i64::MIN`] when it does not parse).
pub fn seconds(date: &str) -> i64 {
    NaiveDateTime::parse_from_str(date.trim(), "%Y-%m-%d %H:%M:%S")
        .map_or(i64::MIN, |d| d.and_utc().timestamp())
}

/// `cd.priority` as the id it equals in SQL, or [`NONE`].
pub fn priority(raw: Option<&str>) -> u64 {
    let Some(v) = raw.map(|r| r.trim_end_matches(' ')) else {
        return NONE;
    };
    match v.parse::<u64>() {
        Ok(n) if n.to_string() == v && n != NONE => n,
        _ => NONE,
    }
}

/// The sort key of a ticket number, or [`NONE`] when it would not order as the database does.
pub fn number_key(number: Option<&str>) -> u64 {
    let Some(n) = number else { return NONE };
    let bytes = n.as_bytes();
    if bytes.is_empty()
        || bytes.len() > 8
        || !bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        return NONE;
    }
    let mut key = [0u8; 8];
    for (k, b) in key.iter_mut().zip(bytes) {
        *k = b.to_ascii_uppercase();
    }
    let v = u64::from_be_bytes(key);
    if v == NONE {
        NONE
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_seconds_and_bad_ones_sort_first() {
        assert_eq!(seconds("1970-01-01 00:00:01"), 1);
        assert!(seconds("2026-03-01 10:00:00") > seconds("2026-02-28 23:59:59"));
        assert_eq!(seconds("0000-00-00 00:00:00"), i64::MIN);
        assert_eq!(seconds(""), i64::MIN);
    }

    #[test]
    fn priorities_equal_ids_as_sql_compares_them() {
        assert_eq!(priority(Some("2")), 2);
        assert_eq!(priority(Some("2  ")), 2);
        assert_eq!(priority(Some("02")), NONE);
        assert_eq!(priority(Some(" 2")), NONE);
        assert_eq!(priority(Some("zwei")), NONE);
        assert_eq!(priority(Some("")), NONE);
        assert_eq!(priority(None), NONE);
    }

    #[test]
    fn number_keys_order_as_text() {
        let mut numbers = [
            "100", "99", "1000", "10", "AB-7", "ab-70", "A", "000123", "Z9",
        ];
        numbers.sort_by_key(|n| (n.to_ascii_uppercase(), *n));
        let keys: Vec<u64> = numbers.iter().map(|n| number_key(Some(n))).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted, "{numbers:?}");
        assert_eq!(number_key(Some("ab-7")), number_key(Some("AB-7")));
        for bad in ["123456789", "Nº-1", "12 3", "", "ä1", "A_1", "1.2"] {
            assert_eq!(number_key(Some(bad)), NONE, "{bad}");
        }
        assert_eq!(number_key(None), NONE);
    }
}
