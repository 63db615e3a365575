//! The plugin's stored settings as the configuration page edits them: the checks run before a
//! save (the largest download size, the acting agent) and the agents offered as "Act as agent".
//!
//! The acting agent never makes a write fail: an agent who has left or was deactivated since the
//! page was saved falls back to osTicket's system poster `API` ([`actor_fallback_warning`]), and
//! the page says so. Pure except for [`agents`], which reads the staff table through a [`Store`].
//! Must not import `ext_php_rs` or `mysql`.

use crate::error::Result;
use crate::sql::{Query, Store, Tables};

/// The largest value accepted for "Largest attachment download (MB)": 64 GiB.
pub const MAX_DOWNLOAD_MB: u64 = 65_536;

/// The label of the download cap on the configuration page (the messages name it).
pub const DOWNLOAD_LABEL: &str = "Largest attachment download (MB)";

/// Checks the posted download cap: a whole number from 1 to [`MAX_DOWNLOAD_MB`].
pub fn check_download_mb(raw: &str) -> std::result::Result<u64, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(format!("{DOWNLOAD_LABEL} is required"));
    }
    let digits = text.strip_prefix('+').unwrap_or(text);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{DOWNLOAD_LABEL} must be a whole number of megabytes from 1 to {MAX_DOWNLOAD_MB} (not \"{}\")",
            text.chars().take(20).collect::<String>()
        ));
    }
    match digits.parse::<u64>() {
        Ok(n) if (1..=MAX_DOWNLOAD_MB).contains(&n) => Ok(n),
        Ok(0) => Err(format!(
            "{DOWNLOAD_LABEL} must be at least 1 (0 would refuse every download)"
        )),
        _ => Err(format!(
            "{DOWNLOAD_LABEL} must be at most {MAX_DOWNLOAD_MB}"
        )),
    }
}

/// One active agent as the "Act as agent" choice offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// `username` (the stored value).
    pub username: String,
    /// `email`
    pub email: String,
    /// First and last name.
    pub name: String,
}

impl Agent {
    /// What the choice shows: `Name (username)`.
    pub fn label(&self) -> String {
        if self.name.trim().is_empty() {
            self.username.clone()
        } else {
            format!("{} ({})", self.name.trim(), self.username)
        }
    }
}

/// Active agents, by name.
pub fn agents_query(tables: &Tables) -> Query {
    Query::new(
        format!(
            "SELECT username, COALESCE(email, ''), TRIM(CONCAT(COALESCE(firstname, ''), ' ', COALESCE(lastname, ''))) \
             FROM {} WHERE isactive = 1 ORDER BY firstname, lastname, username",
            tables.t("staff")
        ),
        vec![],
    )
}

/// Reads the active agents.
pub fn agents(store: &mut dyn Store, tables: &Tables) -> Result<Vec<Agent>> {
    Ok(store
        .rows(&agents_query(tables))?
        .iter()
        .map(|r| Agent {
            username: r.text(0),
            email: r.text(1),
            name: r.text(2),
        })
        .collect())
}

/// The "Act as agent" field for a stored value: the agent it names (by username or e-mail, as
/// writes resolve it), or `None` for the system poster (empty value) or a value that names no
/// active agent.
pub fn chosen<'a>(agents: &'a [Agent], stored: &str) -> Option<&'a Agent> {
    let stored = stored.trim();
    if stored.is_empty() {
        return None;
    }
    agents.iter().find(|a| {
        a.username.to_lowercase() == stored.to_lowercase()
            || (!a.email.is_empty() && a.email.to_lowercase() == stored.to_lowercase())
    })
}

/// The check of a posted "Act as agent": empty (the system poster) or an active agent.
pub fn check_actor(agents: &[Agent], posted: &str) -> std::result::Result<(), String> {
    if posted.trim().is_empty() || chosen(agents, posted).is_some() {
        Ok(())
    } else {
        Err(format!(
            "Act as agent: \"{}\" is not an active agent; choose one from the list or the system poster",
            posted.trim().chars().take(64).collect::<String>()
        ))
    }
}

/// The warning of the configuration page (and osTicket's log) when the stored acting agent
/// names no active agent: writes are recorded as the system poster meanwhile.
pub fn actor_fallback_warning(stored: &str) -> String {
    format!(
        "The agent chosen as \"Act as agent\" ({}) has left or was deactivated: updates, notes and replies are recorded as the system poster \"API\" until another agent is chosen on the API Endpoints plugin's settings page",
        stored.trim().chars().take(64).collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(username: &str, email: &str, name: &str) -> Agent {
        Agent {
            username: username.into(),
            email: email.into(),
            name: name.into(),
        }
    }

    #[test]
    fn download_cap_accepts_whole_positive_numbers_only() {
        assert_eq!(check_download_mb("64"), Ok(64));
        assert_eq!(check_download_mb(" 1 "), Ok(1));
        assert_eq!(check_download_mb("+7"), Ok(7));
        assert_eq!(check_download_mb("65536"), Ok(MAX_DOWNLOAD_MB));
        for bad in [
            "0",
            "-5",
            "1.5",
            "",
            "abc",
            "65537",
            "99999999999999999999999",
            "٣",
        ] {
            let e = check_download_mb(bad).unwrap_err();
            assert!(e.starts_with(DOWNLOAD_LABEL), "{bad}: {e}");
        }
        assert!(check_download_mb("0").unwrap_err().contains("at least 1"));
        assert!(check_download_mb("-5")
            .unwrap_err()
            .contains("whole number"));
    }

    #[test]
    fn download_cap_accepts_exactly_the_range_around_its_edges() {
        let edges = [0i64, 1, MAX_DOWNLOAD_MB as i64, MAX_DOWNLOAD_MB as i64 + 1];
        for n in edges
            .iter()
            .flat_map(|e| e - 3..=e + 3)
            .chain([i64::MIN, i64::MAX])
        {
            let ok = check_download_mb(&n.to_string()).is_ok();
            assert_eq!(ok, (1..=MAX_DOWNLOAD_MB as i64).contains(&n), "{n}");
        }
        for s in [
            "６４",
            "6\u{301}4",
            "64 MB",
            "0x40",
            "1e3",
            "🙂",
            "\u{202e}46",
        ] {
            assert!(check_download_mb(s).is_err(), "{s}");
        }
    }

    #[test]
    fn the_actor_is_an_active_agent_by_username_or_email() {
        let list = [
            agent("ada", "ada@example.com", "Ada Lovelace"),
            agent("jürgen", "jü@example.com", "Jürgen Groß"),
        ];
        assert_eq!(
            chosen(&list, "ADA").map(|a| a.username.as_str()),
            Some("ada")
        );
        assert_eq!(
            chosen(&list, "jü@example.com").map(|a| a.username.as_str()),
            Some("jürgen")
        );
        assert!(chosen(&list, "").is_none());
        assert!(check_actor(&list, "").is_ok());
        assert!(check_actor(&list, "Jürgen").is_ok());
        let e = check_actor(&list, "alcie").unwrap_err();
        assert!(e.contains("\"alcie\" is not an active agent"), "{e}");
        assert_eq!(list[1].label(), "Jürgen Groß (jürgen)");
        assert_eq!(agent("bot", "", " ").label(), "bot");
        assert!(actor_fallback_warning("ghost").contains("(ghost)"));
    }

    #[test]
    fn agents_query_lists_active_agents_of_the_prefixed_table() {
        let q = agents_query(&Tables::new("ost_").unwrap());
        assert!(
            q.sql.contains("FROM `ost_staff` WHERE isactive = 1"),
            "{}",
            q.sql
        );
    }
}
