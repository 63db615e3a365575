//! The years a client may send in a date (`dueDate`, the search and statistics filters).
//!
//! chrono's `%Y` reads signed and five-digit years (`-2030`, `+10000`), which MariaDB stores as
//! the zero date `0000-00-00 00:00:00`. Dates here start with exactly four digits and a `-`, and
//! their year (as sent, and after conversion to UTC) lies in [`MIN_YEAR`]..=[`MAX_YEAR`]; everything
//! else is a 400 naming the field. This module must not import `ext_php_rs` or `mysql`.

use chrono::Datelike;

/// The first year a date may have (osTicket's timestamps start with the Unix epoch).
pub const MIN_YEAR: i32 = 1970;

/// The last year a date may have (the last of MariaDB's `DATETIME`).
pub const MAX_YEAR: i32 = 9999;

/// Whether `raw` (trimmed) starts like `YYYY-`: four ASCII digits, then a dash.
pub fn has_four_digit_year(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.len() > 4 && b.iter().take(4).all(u8::is_ascii_digit) && b.get(4) == Some(&b'-')
}

/// Whether the year of `date` lies in [`MIN_YEAR`]..=[`MAX_YEAR`].
pub fn year_in_range(date: &impl Datelike) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&date.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn only_four_digit_years_have_the_shape() {
        for ok in ["2025-01-31", "0000-01-01", "9999-12-31T23:59"] {
            assert!(has_four_digit_year(ok), "{ok}");
        }
        for bad in [
            "-2030-01-01",
            "+10000-01-01",
            "10000-01-01",
            "202-01-01",
            "2025",
            "२०२५-01-01",
            "",
        ] {
            assert!(!has_four_digit_year(bad), "{bad}");
        }
    }

    #[test]
    fn years_from_1970_to_9999_are_in_range() {
        let d = |y| NaiveDate::from_ymd_opt(y, 6, 1).unwrap();
        assert!(year_in_range(&d(1970)) && year_in_range(&d(9999)));
        assert!(!year_in_range(&d(1969)) && !year_in_range(&d(0)) && !year_in_range(&d(10000)));
    }
}
