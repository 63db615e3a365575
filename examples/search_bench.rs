//! Timings of `query` searches straight through the search function (no HTTP, no PHP), against an
//! existing osTicket database, with an index directory of its own.
//!
//! ```text
//! cargo run --release --example search_bench -- build SOCKET DATABASE DIR      # full build
//! cargo run --release --example search_bench -- time SOCKET DATABASE DIR [N]   # p50 per search
//! ```
//!
//! `SOCKET` is the MariaDB socket (user root, no password); the table prefix is `ost_`. `time`
//! runs every search `N` times (default 15) on the index path and prints p50 / p90 in ms, the
//! total and the first ids (`DIR` = `off`: the SQL path). Read-only on the database.

use std::path::PathBuf;
use std::time::Instant;

use osticket_api::config::DbSettings;
use osticket_api::db::MysqlStore;
use osticket_api::render::Node;
use osticket_api::search;
use osticket_api::sql::{Query, Store, Tables};

fn settings(socket: &str, name: &str) -> DbSettings {
    DbSettings {
        host: "localhost".into(),
        port: None,
        socket: Some(socket.into()),
        name: name.into(),
        user: "root".into(),
        pass: String::new(),
        ssl_ca: None,
    }
}

fn first_ids(p: &search::Page) -> Vec<i64> {
    match &p.items {
        Node::List(items) => items
            .iter()
            .take(3)
            .filter_map(|n| match n {
                Node::Map(m) => m
                    .iter()
                    .find(|(k, _)| k == "id")
                    .and_then(|(_, v)| match v {
                        Node::Int(i) => Some(*i),
                        _ => None,
                    }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [cmd, socket, name, dir, rest @ ..] = args.as_slice() else {
        return Err("usage: build|time SOCKET DATABASE DIR [N]".into());
    };
    let tables = Tables::new("ost_").map_err(|e| e.message())?;
    let mut store = MysqlStore::new(&settings(socket, name));
    let dir = PathBuf::from(dir);
    if cmd == "build" {
        let started = Instant::now();
        let p = search::index::writer::build(&mut store, &tables, &dir, true, &mut |d, t| {
            if d % 100_000 < 2000 {
                eprintln!("{d} / {t} ({:.0} s)", started.elapsed().as_secs_f64());
            }
        })
        .map_err(|e| e.message())?;
        eprintln!("built in {:.1} s: {p:?}", started.elapsed().as_secs_f64());
        return Ok(());
    }
    let n: usize = rest.first().and_then(|s| s.parse().ok()).unwrap_or(15);
    let index = (dir.as_os_str() != "off").then_some(dir.as_path());
    let one = |store: &mut MysqlStore, sql: &str| -> Result<String, String> {
        Ok(store
            .first(&Query::new(sql, vec![]))
            .map_err(|e| e.message())?
            .map(|r| r.text(0))
            .unwrap_or_default())
    };
    let subject = one(
        &mut store,
        "SELECT subject FROM ost_ticket__cdata WHERE ticket_id = 123457",
    )?;
    let number = one(
        &mut store,
        "SELECT number FROM ost_ticket WHERE ticket_id = 654321",
    )?;
    let dept = one(
        &mut store,
        "SELECT d.name FROM ost_ticket t JOIN ost_department d ON d.id = t.dept_id \
         GROUP BY d.id ORDER BY COUNT(*) DESC LIMIT 1",
    )?;
    let texts = [
        "zzqqxxnomatch".to_string(),
        "Network request #99".to_string(),
        subject,
        number,
        "printer".to_string(),
        "printer network".to_string(),
        "database on Windows".to_string(),
        "Password reset".to_string(),
    ];
    let extras: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("status", "Open")],
        vec![("sort", "updated"), ("order", "asc")],
        vec![("department", dept.as_str())],
    ];
    for text in &texts {
        for extra in &extras {
            let mut q = vec![("query".to_string(), text.clone())];
            q.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            let mut times = Vec::with_capacity(n);
            let mut last = None;
            for _ in 0..n {
                let t = Instant::now();
                let page = search::search_indexed(&mut store, &tables, index, &q, 30)
                    .map_err(|e| e.message())?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                last = Some(page);
            }
            // The plan alone (index lookup, no SQL page).
            let parsed = search::parse(&mut store, &tables, &q).map_err(|e| e.message())?;
            let mut plan_times = Vec::with_capacity(n);
            let mut kind = String::new();
            for _ in 0..n {
                let t = Instant::now();
                let plan = search::plan::plan(&mut store, &tables, index, &parsed)
                    .map_err(|e| e.message())?;
                plan_times.push(t.elapsed().as_secs_f64() * 1000.0);
                kind = match plan {
                    search::plan::Plan::Sql { .. } => "sql".into(),
                    search::plan::Plan::Scan { .. } => "scan".into(),
                    search::plan::Plan::Ids(..) => "ids".into(),
                    search::plan::Plan::Empty => "empty".into(),
                    search::plan::Plan::Ranked(_) => "ranked".into(),
                    search::plan::Plan::Paged(h) => format!("paged({})", h.len()),
                    search::plan::Plan::Filtered(_) => "filtered".into(),
                };
            }
            plan_times.sort_by(f64::total_cmp);
            times.sort_by(f64::total_cmp);
            let p50 = times.get(n / 2).copied().unwrap_or(0.0);
            let p90 = times.get(n * 9 / 10).copied().unwrap_or(0.0);
            let (total, first) = last
                .as_ref()
                .map(|p| (p.total, first_ids(p)))
                .unwrap_or_default();
            let extra: Vec<String> = extra.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let shown: String = text.chars().take(40).collect();
            println!(
                "{p50:8.1} {p90:8.1}  plan {:6.1} {kind:<12} total={:<8} first={first:?}  query={shown:?} {}",
                plan_times.get(n / 2).copied().unwrap_or(0.0),
                total.map_or("-".to_string(), |t| t.to_string()),
                extra.join("&")
            );
        }
    }
    Ok(())
}
