//! The admin page's "Search index" panel: the index's figures ([`super::status`] plus the
//! helpdesk's tickets, the commit's age and who is writing), as HTML for the page and as the JSON
//! answer of a rebuild step ([`super::step`]), which the page's script puts into the same cells.
//!
//! This module must not import `ext_php_rs` or `mysql`.

use std::path::Path;

use serde_json::{json, Map, Value};

use crate::error::Result;
use crate::schema::html_escape;
use crate::sql::{Param, Query, Store, Tables};

use super::step::{self, Outcome};
use super::writer::STATUS_LAG_CAP;
use super::Status;

/// Everything the panel shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Panel {
    /// The index's own figures.
    pub status: Status,
    /// Tickets in the helpdesk.
    pub tickets: u64,
    /// Seconds since the last commit (server clock).
    pub commit_age: Option<i64>,
    /// Seconds since the last step of a page that drives the build (its lease holds).
    pub page_step_age: Option<u64>,
    /// The writer lock is held right now (a build, catch-up or step is writing).
    pub writing: bool,
}

/// The figures of the index in `dir` (`None`: disabled).
pub fn panel(store: &mut dyn Store, tables: &Tables, dir: Option<&Path>) -> Result<Panel> {
    let status = super::status(store, tables, dir)?;
    let at = (!status.last_commit.is_empty()).then(|| status.last_commit.clone());
    let row = store.first(&Query::new(
        format!(
            "SELECT (SELECT COUNT(*) FROM {}), TIMESTAMPDIFF(SECOND, ?, NOW())",
            tables.t("ticket")
        ),
        vec![at.map_or(Param::Null, Param::from)],
    ))?;
    let lease = dir.and_then(step::lease);
    let page_step_age = lease
        .filter(|l| !l.owner.is_empty())
        .map(|l| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
                .saturating_sub(l.at)
        })
        .filter(|age| *age < step::LEASE_SECONDS && status.state == "building");
    Ok(Panel {
        writing: status.state == "building" && dir.is_some_and(step::writing),
        tickets: row
            .as_ref()
            .map_or(0, |r| u64::try_from(r.int(0)).unwrap_or(0)),
        commit_age: row.as_ref().and_then(|r| r.opt_int(1)),
        status,
        page_step_age,
    })
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes as `812 bytes`, `3.4 MB` (powers of 1024).
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS.get(unit).copied().unwrap_or("TB"))
}

fn ago(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{} s ago", s.max(0)),
        s if s < 7200 => format!("{} min ago", s / 60),
        s if s < 172_800 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

impl Panel {
    /// `ready`, `missing`, `building`, `disabled` or `unusable`.
    pub fn phase(&self) -> &str {
        let s = self.status.state.as_str();
        if s.starts_with("unusable") {
            "unusable"
        } else {
            s
        }
    }

    /// Percent of a build done (0 to 100; 100 when ready).
    pub fn percent(&self) -> u64 {
        match (self.phase(), self.status.progress) {
            ("ready", _) => 100,
            (_, Some((done, total))) if total > 0 => (done.min(total) * 100) / total,
            _ => 0,
        }
    }

    /// The panel's rows: key, label, text.
    pub fn rows(&self) -> Vec<(&'static str, &'static str, String)> {
        let st = &self.status;
        let state = match self.phase() {
            "ready" => "Ready: searches use the index".to_owned(),
            "missing" => "Not built: searches answer through SQL".to_owned(),
            "disabled" => {
                "Disabled (OSTICKET_API_SEARCH_INDEX is off): searches answer through SQL"
                    .to_owned()
            }
            "building" => {
                let (done, total) = st.progress.unwrap_or((0, 0));
                let how = match (self.page_step_age, self.writing) {
                    (Some(age), _) => {
                        format!("running from the admin page (last step {age} s ago)")
                    }
                    (None, true) => "running (another process is writing)".to_owned(),
                    (None, false) => "paused: Rebuild index resumes it".to_owned(),
                };
                format!(
                    "Building: {} % ({} of {} tickets), {how}; searches answer through SQL until it is done",
                    self.percent(),
                    thousands(done),
                    thousands(total)
                )
            }
            _ => format!(
                "Unusable ({}): searches answer through SQL; Start over rebuilds it",
                st.state.trim_start_matches("unusable: ")
            ),
        };
        let commit = match (st.last_commit.as_str(), self.commit_age) {
            ("", _) => "none".to_owned(),
            (at, Some(age)) => format!("{at} ({})", ago(age)),
            (at, None) => at.to_owned(),
        };
        let lag = match (st.lag, self.commit_age) {
            (Some(n), _) if n as usize >= STATUS_LAG_CAP => format!(
                "more than {} tickets changed since the last commit",
                thousands(STATUS_LAG_CAP as u64 - 1)
            ),
            (Some(0), _) => "none: no ticket changed since the last commit".to_owned(),
            (Some(n), Some(age)) => format!(
                "{} ticket{} changed since the last commit, {age} s ago (searches read them from SQL until cron or the next search catches up)",
                thousands(n),
                if n == 1 { "" } else { "s" }
            ),
            (Some(n), None) => format!("{} tickets changed since the last commit", thousands(n)),
            (None, _) => "—".to_owned(),
        };
        vec![
            ("state", "State", state),
            ("documents", "Documents indexed", thousands(st.documents)),
            (
                "tickets",
                "Tickets in the helpdesk",
                thousands(self.tickets),
            ),
            ("last_commit", "Last commit", commit),
            ("lag", "Lag", lag),
            ("size", "Size on disk", size(st.bytes)),
            (
                "dir",
                "Directory",
                if st.dir.is_empty() {
                    "—".to_owned()
                } else {
                    st.dir.clone()
                },
            ),
        ]
    }

    /// The figures as JSON: `phase`, `percent`, `documents`, `tickets`, `running`, and `figures`
    /// (key => text of each row).
    pub fn json(&self) -> Value {
        let figures: Map<String, Value> = self
            .rows()
            .into_iter()
            .map(|(k, _, v)| (k.to_owned(), Value::String(v)))
            .collect();
        json!({
            "phase": self.phase(),
            "percent": self.percent(),
            "documents": self.status.documents,
            "tickets": self.tickets,
            "running": self.page_step_age.is_some() || self.writing,
            "figures": figures,
        })
    }

    /// The panel's HTML: the figures, a progress bar and the two buttons, which post to
    /// `step_url` (the page's script, given separately, reads the `data-` attributes).
    pub fn html(&self, step_url: &str) -> String {
        let mut html = format!(
            "<div id=\"api-endpoints-search\" data-step-url=\"{}\" data-phase=\"{}\" data-percent=\"{}\" \
             data-documents=\"{}\" data-tickets=\"{}\"><table class=\"list\" style=\"width:100%\"><tbody>",
            html_escape(step_url),
            html_escape(self.phase()),
            self.percent(),
            self.status.documents,
            self.tickets
        );
        for (key, label, text) in self.rows() {
            html.push_str(&format!(
                "<tr><th style=\"width:14em\">{label}</th><td id=\"api-endpoints-search-{key}\">{}</td></tr>",
                html_escape(&text)
            ));
        }
        let off = if self.phase() == "disabled" {
            " disabled"
        } else {
            ""
        };
        html.push_str(&format!(
            "</tbody></table><div id=\"api-endpoints-search-progress\" role=\"progressbar\" aria-valuemin=\"0\" \
             aria-valuemax=\"100\" aria-valuenow=\"{p}\" style=\"margin:.5em 0;height:1.2em;border:1px solid #999;\
             background:#eee\"><div id=\"api-endpoints-search-bar\" style=\"height:100%;width:{p}%;background:#4a90d9\">\
             </div></div><p><button type=\"button\" class=\"button\" id=\"api-endpoints-search-rebuild\"{off}>Rebuild index</button> \
             <button type=\"button\" class=\"button\" id=\"api-endpoints-search-fresh\"{off}>Start over</button> \
             <span id=\"api-endpoints-search-message\" role=\"status\"></span></p>\
             <p><em>Rebuild index resumes an unfinished build (or starts a new one); Start over discards it. \
             The build runs in steps of a few seconds while this page is open: closing it pauses the build, \
             and the next click (or osTicket's cron) resumes it. Searches answer through SQL until it is done.</em></p></div>",
            p = self.percent(),
        ));
        html
    }
}

/// The HTTP status and JSON body of a step that was not run (bad input, the index is off, an error).
pub fn error_answer(status: u16, message: &str) -> (u16, String) {
    (
        status,
        json!({"error": true, "outcome": "error", "message": message}).to_string(),
    )
}

/// The HTTP status and JSON body answering a step: 200 (`outcome` `running` or `done`) or 409
/// (`busy`, with `message`), with the panel's figures after the step.
pub fn step_answer(outcome: &Outcome, panel: &Panel) -> (u16, String) {
    let mut body = panel.json();
    let (status, outcome, message, locked) = match outcome {
        Outcome::Running { done, total } => (
            200,
            "running",
            format!(
                "{} of {} tickets indexed",
                thousands(*done),
                thousands(*total)
            ),
            false,
        ),
        Outcome::Done => (200, "done", "The search index is built".to_owned(), false),
        Outcome::Busy { why, locked } => (409, "busy", why.clone(), *locked),
    };
    if let Value::Object(m) = &mut body {
        m.insert("outcome".into(), Value::from(outcome));
        m.insert("message".into(), Value::from(message));
        m.insert("locked".into(), Value::from(locked));
        m.insert("error".into(), Value::from(status != 200));
    }
    (status, body.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn building(done: u64, total: u64) -> Panel {
        Panel {
            status: Status {
                dir: "/tmp/ïndex-東京".into(),
                state: "building".into(),
                documents: done,
                progress: Some((done, total)),
                ..Status::default()
            },
            tickets: total,
            ..Panel::default()
        }
    }

    #[test]
    fn thousands_and_sizes_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(size(812), "812 bytes");
        assert_eq!(size(3 * 1024 * 1024 + 400 * 1024), "3.4 MB");
    }

    #[test]
    fn a_build_shows_its_percent_and_who_runs_it() {
        let mut p = building(250, 1000);
        assert_eq!((p.phase(), p.percent()), ("building", 25));
        assert!(p.rows()[0]
            .2
            .contains("25 % (250 of 1,000 tickets), paused"));
        p.page_step_age = Some(3);
        assert!(p.rows()[0]
            .2
            .contains("running from the admin page (last step 3 s ago)"));
        assert_eq!(p.json()["running"], true);
        let empty = building(0, 0);
        assert_eq!(empty.percent(), 0);
        let over = building(1200, 1000);
        assert_eq!(over.percent(), 100);
    }

    #[test]
    fn every_text_is_escaped_in_the_html() {
        let mut p = building(1, 2);
        p.status.dir = "/tmp/<script>alert('x')</script>&\"".into();
        let html = p.html("/scp/ajax.php/x?a=1&b=\"2\"");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
        assert!(html.contains("data-step-url=\"/scp/ajax.php/x?a=1&amp;b=&quot;2&quot;\""));
        assert!(html.contains("/tmp/&lt;script"));
    }

    #[test]
    fn the_states_read_as_sentences() {
        let mut p = Panel::default();
        p.status.state = "disabled".into();
        assert!(p
            .html("u")
            .contains("id=\"api-endpoints-search-rebuild\" disabled"));
        p.status.state = "unusable: the index has another schema; rebuild it".into();
        assert_eq!(p.phase(), "unusable");
        assert!(p.rows()[0]
            .2
            .starts_with("Unusable (the index has another schema"));
        p.status.state = "ready".into();
        p.status.lag = Some(3);
        p.commit_age = Some(42);
        p.status.last_commit = "2026-12-03 21:00:00".into();
        let rows = p.rows();
        assert_eq!(p.percent(), 100);
        assert!(rows[3].2.contains("(42 s ago)"), "{rows:?}");
        assert!(rows[4].2.starts_with("3 tickets changed"), "{rows:?}");
        p.status.lag = Some(STATUS_LAG_CAP as u64);
        assert!(p.rows()[4].2.starts_with("more than 10,000"));
    }

    #[test]
    fn a_busy_step_answers_409_with_its_reason() {
        let (status, body) = step_answer(
            &Outcome::Busy {
                why: "läuft schon".into(),
                locked: true,
            },
            &building(5, 10),
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(status, 409);
        assert_eq!(
            (
                v["outcome"].as_str(),
                v["message"].as_str(),
                v["locked"].as_bool()
            ),
            (Some("busy"), Some("läuft schon"), Some(true))
        );
        assert_eq!(v["percent"], 50);
        let (status, body) = step_answer(&Outcome::Done, &building(10, 10));
        assert_eq!(status, 200);
        assert!(body.contains("\"outcome\":\"done\""));
    }
}
