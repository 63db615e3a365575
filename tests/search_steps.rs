//! The search index's build in bounded steps (the admin page's "Rebuild index" button and cron)
//! against a real MariaDB, as tests/search_index.rs: steps of a generated size reach the whole
//! index and never go back; a build resumes where its last step stopped, also in another page
//! once the first page's lease has expired; while a page drives a build, another page, cron and
//! the command line's build are refused and change nothing; a writer held elsewhere refuses a
//! step; the admin panel's figures follow.
//!
//! Without `DATABASE_URL` every test prints a note and passes.

// Test helpers may fail loudly (and index their own fixtures).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use mysql::prelude::Queryable;
use osticket_api::search::index::{self, panel, step, writer};

struct TestDb {
    db: common::Scratch,
    dir: PathBuf,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn database(tag: &str, tickets: usize) -> Option<TestDb> {
    let db = common::scratch("steps", tag, "ost_")?;
    let dir = std::env::temp_dir().join(format!("osticket-api-steps-test-{}", db.cfg.db.name));
    let mut conn = db.conn();
    let subjects = [
        "Drucker streikt — Straße 5",
        "Принтер не печатает",
        "プリンターが動かない 東京",
        "המדפסת לא עובדת",
        "Printer ✓ on fire (utf8mb3: no emoji)",
        "Cafe\u{301} au lait",
    ];
    let rows: Vec<String> = (0..tickets)
        .map(|i| {
            format!(
                "({id}, '{n}', 1, 1, 1, NOW(), NOW())",
                id = 5000 + i,
                n = 700_000 + i
            )
        })
        .collect();
    conn.query_drop(format!(
        "INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, created, updated) VALUES {}",
        rows.join(",")
    ))
    .unwrap();
    conn.exec_batch(
        "INSERT INTO ost_ticket__cdata (ticket_id, subject) VALUES (?, ?)",
        (0..tickets).map(|i| (5000 + i, subjects[i % subjects.len()])),
    )
    .unwrap();
    Some(TestDb { db, dir })
}

impl TestDb {
    fn step(&self, owner: &str, mode: step::Mode, limit: u64) -> step::Outcome {
        step::step(
            &mut self.db.store(),
            &self.db.cfg.tables,
            &self.dir,
            owner,
            mode,
            Duration::from_secs(30),
            limit,
        )
        .unwrap()
    }

    fn tickets(&self) -> u64 {
        self.db
            .conn()
            .query_first::<u64, _>("SELECT COUNT(*) FROM ost_ticket")
            .unwrap()
            .unwrap()
    }

    fn status(&self) -> index::Status {
        index::status(&mut self.db.store(), &self.db.cfg.tables, Some(&self.dir)).unwrap()
    }

    fn opstamp(&self) -> u64 {
        tantivy::Index::open_in_dir(&self.dir)
            .unwrap()
            .load_metas()
            .unwrap()
            .opstamp
    }

    /// Makes the lease look `ago` seconds old (a page closed that long ago).
    fn age_lease(&self, ago: u64) {
        let l = step::lease(&self.dir).unwrap();
        let raw = format!(r#"{{"owner":"{}","at":{}}}"#, l.owner, l.at - ago);
        std::fs::write(self.dir.join("osticket-build-lease.json"), raw).unwrap();
    }
}

/// Runs `owner`'s steps of `limit` tickets until done; the `done` figures seen.
fn run_to_done(db: &TestDb, owner: &str, first: step::Mode, limit: u64) -> Vec<u64> {
    let mut seen = Vec::new();
    let mut mode = first;
    for _ in 0..10_000 {
        match db.step(owner, mode, limit) {
            step::Outcome::Running { done, total } => {
                assert!(done <= total, "{done} of {total}");
                seen.push(done);
            }
            step::Outcome::Done => return seen,
            busy => panic!("{owner}'s step was refused: {busy:?}"),
        }
        mode = step::Mode::Continue;
    }
    panic!("no end after 10,000 steps");
}

/// A step size from the clock (printed): 1 to 97 tickets.
fn step_size() -> u64 {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.subsec_nanos() as u64)
        % 97
        + 1;
    eprintln!("step size {n}");
    n
}

#[test]
fn steps_build_the_whole_index_and_never_go_back() {
    let Some(db) = database("whole", 240) else {
        return;
    };
    let limit = step_size();
    let seen = run_to_done(&db, "page-aaaaaaaa", step::Mode::Rebuild, limit);
    let tickets = db.tickets();
    assert_eq!(
        seen.len() as u64,
        tickets / limit,
        "one running step per full step"
    );
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    let st = db.status();
    assert_eq!((st.state.as_str(), st.documents), ("ready", tickets));
    assert_eq!(
        step::lease(&db.dir),
        None,
        "a finished build keeps no lease"
    );
    // The next step of a finished build changes nothing.
    let before = db.opstamp();
    assert_eq!(
        db.step("page-aaaaaaaa", step::Mode::Continue, limit),
        step::Outcome::Done
    );
    assert_eq!(db.opstamp(), before);
    let p = panel::panel(&mut db.db.store(), &db.db.cfg.tables, Some(&db.dir)).unwrap();
    assert_eq!((p.phase(), p.percent(), p.tickets), ("ready", 100, tickets));
}

#[test]
fn a_build_resumes_where_it_stopped_also_in_another_page_after_the_lease() {
    let Some(db) = database("resume", 120) else {
        return;
    };
    let first = db.step("page-aaaaaaaa", step::Mode::Fresh, 50);
    assert!(
        matches!(first, step::Outcome::Running { done: 50, .. }),
        "{first:?}"
    );
    let p = panel::panel(&mut db.db.store(), &db.db.cfg.tables, Some(&db.dir)).unwrap();
    assert_eq!(p.phase(), "building");
    assert_eq!(p.status.progress.map(|(done, _)| done), Some(50));
    assert!(p.page_step_age.is_some(), "the page drives it: {p:?}");
    // The page was closed a minute ago: another page resumes (does not restart) the build.
    db.age_lease(60);
    let p = panel::panel(&mut db.db.store(), &db.db.cfg.tables, Some(&db.dir)).unwrap();
    assert_eq!(p.page_step_age, None, "nobody drives it: {p:?}");
    assert!(p.rows()[0].2.contains("paused"), "{:?}", p.rows());
    let seen = run_to_done(&db, "page-bbbbbbbb", step::Mode::Rebuild, 50);
    assert_eq!(seen.first(), Some(&100), "resumed after 50: {seen:?}");
    assert_eq!(db.status().documents, db.tickets());
    // Start over on a ready index begins again from the first ticket.
    let again = db.step("page-bbbbbbbb", step::Mode::Fresh, 10);
    assert!(
        matches!(again, step::Outcome::Running { done: 10, .. }),
        "{again:?}"
    );
    assert_eq!(db.status().documents, 10);
}

#[test]
fn while_a_page_drives_the_build_others_are_refused_and_change_nothing() {
    let Some(db) = database("lease", 90) else {
        return;
    };
    assert!(matches!(
        db.step("page-aaaaaaaa", step::Mode::Rebuild, 20),
        step::Outcome::Running { done: 20, .. }
    ));
    let before = db.opstamp();
    for (who, mode) in [
        ("page-bbbbbbbb", step::Mode::Rebuild),
        ("page-bbbbbbbb", step::Mode::Fresh),
        ("", step::Mode::Continue),
    ] {
        match db.step(who, mode, 20) {
            step::Outcome::Busy { why, locked } => {
                assert!(!locked);
                assert!(
                    why.contains("already being rebuilt from the admin page"),
                    "{why}"
                );
            }
            other => panic!("{who:?} {mode:?} was not refused: {other:?}"),
        }
    }
    let cli = writer::build(
        &mut db.db.store(),
        &db.db.cfg.tables,
        &db.dir,
        false,
        &mut |_, _| {},
    );
    let err = cli.err().map(|e| e.message()).unwrap_or_default();
    assert!(err.contains("already being rebuilt"), "{err}");
    assert_eq!(db.opstamp(), before, "the refused writers changed nothing");
    assert_eq!(step::lease(&db.dir).unwrap().owner, "page-aaaaaaaa");
    // The page goes on with its own build.
    let seen = run_to_done(&db, "page-aaaaaaaa", step::Mode::Continue, 20);
    assert_eq!(seen.first(), Some(&40), "{seen:?}");
    assert_eq!(db.status().documents, db.tickets());
}

#[test]
fn a_step_is_refused_while_another_process_holds_the_writer() {
    let Some(db) = database("locked", 30) else {
        return;
    };
    run_to_done(&db, "page-aaaaaaaa", step::Mode::Rebuild, 1000);
    let before = db.opstamp();
    let held = tantivy::Index::open_in_dir(&db.dir).unwrap();
    let w: tantivy::IndexWriter = held.writer_with_num_threads(1, 15_000_000).unwrap();
    match db.step("page-aaaaaaaa", step::Mode::Fresh, 10) {
        step::Outcome::Busy { why, locked } => {
            assert!(locked);
            assert_eq!(why, step::LOCKED);
        }
        other => panic!("not refused: {other:?}"),
    }
    let p = panel::panel(&mut db.db.store(), &db.db.cfg.tables, Some(&db.dir)).unwrap();
    assert_eq!(p.phase(), "ready");
    drop(w);
    assert_eq!(db.opstamp(), before);
    assert_eq!(db.status().documents, db.tickets());
}

#[test]
fn start_over_replaces_an_unreadable_index_and_rebuild_does_not() {
    let Some(db) = database("unusable", 40) else {
        return;
    };
    run_to_done(&db, "page-aaaaaaaa", step::Mode::Rebuild, 1000);
    std::fs::write(db.dir.join("meta.json"), b"{ not json").unwrap();
    let p = panel::panel(&mut db.db.store(), &db.db.cfg.tables, Some(&db.dir)).unwrap();
    assert_eq!(p.phase(), "unusable", "{p:?}");
    let refused = step::step(
        &mut db.db.store(),
        &db.db.cfg.tables,
        &db.dir,
        "page-aaaaaaaa",
        step::Mode::Rebuild,
        Duration::from_secs(5),
        u64::MAX,
    );
    assert!(
        refused.is_err(),
        "a resumable rebuild keeps an unreadable index: {refused:?}"
    );
    assert_eq!(
        std::fs::read(db.dir.join("meta.json")).unwrap(),
        b"{ not json",
        "and leaves it alone"
    );
    std::fs::write(db.dir.join("unrelated.txt"), "kept").unwrap();
    assert!(run_to_done(&db, "page-aaaaaaaa", step::Mode::Fresh, 1000).is_empty());
    let st = db.status();
    assert_eq!((st.state.as_str(), st.documents), ("ready", db.tickets()));
    assert_eq!(
        std::fs::read_to_string(db.dir.join("unrelated.txt")).unwrap(),
        "kept",
        "only the index's own files are replaced"
    );
}

#[test]
fn cron_goes_on_with_a_paused_build_without_taking_a_lease() {
    let Some(db) = database("cron", 60) else {
        return;
    };
    assert!(matches!(
        db.step("page-aaaaaaaa", step::Mode::Rebuild, 25),
        step::Outcome::Running { done: 25, .. }
    ));
    db.age_lease(LEASE_EXPIRED);
    // What osTicket's cron does (osticket_api_search_index('cron')): steps with no owner.
    assert!(matches!(
        db.step("", step::Mode::Continue, 25),
        step::Outcome::Running { done: 50, .. }
    ));
    let l = step::lease(&db.dir).unwrap();
    assert_eq!(l.owner, "page-aaaaaaaa", "cron took no lease: {l:?}");
    // So a page may take the build back at once.
    assert!(run_to_done(&db, "page-bbbbbbbb", step::Mode::Continue, 25).is_empty());
    assert_eq!(db.status().documents, db.tickets());
}

const LEASE_EXPIRED: u64 = step::LEASE_SECONDS + 1;
