//! The search index against the SQL path on generated data (a real MariaDB, as tests/db.rs):
//! for a generated set of `query` searches (German, Cyrillic, Hebrew, CJK, emoji, combining marks,
//! numbers, no match, one or two characters) with generated filters, sorts, orders and pages, the
//! index path answers the same tickets in the same order with the same totals as SQL alone; also
//! right after tickets change, are created and deleted behind the index's back (with and without
//! a catch-up), and when the index is locked, corrupt or gone. Full text: words, phrases, prefixes,
//! e-mail, relevance order and filters; CJK, Hangul and Thai words inside sentences (against a
//! substring oracle); totals past the cap; an index of an older format is not used until rebuilt.
//!
//! The data and queries come from a seed printed at the start (`SEARCH_SEED=<n>` repeats a run).
//! Without `DATABASE_URL` every test prints a note and passes.

// Test helpers may fail loudly (and index their own fixtures).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::path::{Path, PathBuf};

use mysql::prelude::Queryable;
use osticket_api::render::Node;
use osticket_api::search::{self, index, Page};

/// A throwaway database (tests/common) and an index directory of its own.
struct TestDb {
    db: common::Scratch,
    dir: PathBuf,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl std::ops::Deref for TestDb {
    type Target = common::Scratch;

    fn deref(&self) -> &common::Scratch {
        &self.db
    }
}

impl TestDb {
    fn search(&self, dir: Option<&Path>, q: &[(String, String)]) -> Page {
        search::search_indexed(&mut self.store(), &self.cfg.tables, dir, q, 30).unwrap()
    }

    fn build(&self) {
        index::writer::build(
            &mut self.store(),
            &self.cfg.tables,
            &self.dir,
            true,
            &mut |_, _| {},
        )
        .unwrap();
    }
}

fn database(tag: &str) -> Option<TestDb> {
    let db = common::scratch("search", tag, "ost_")?;
    let dir = std::env::temp_dir().join(format!("osticket-api-search-test-{}", db.cfg.db.name));
    Some(TestDb { db, dir })
}

/// xorshift64*: small, seeded, good enough to pick words.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let seed = std::env::var("SEARCH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("SEARCH_SEED={seed}");
        Rng(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const WORDS: &[&str] = &[
    "Drucker",
    "printer",
    "Straße",
    "STRASSE",
    "Müller",
    "muller",
    "Ärger",
    "network",
    "request",
    "#99",
    "東京",
    "サーバー",
    "障害",
    "Привет",
    "ошибка",
    "שלום",
    "café",
    "cafe\u{301}",
    "naïve",
    "CRM",
    "account",
    "customer",
    "Ünïcödé",
    "50%",
    "under_score",
    "back\\slash",
    "zz",
    "ab",
    // LIKE compares character by character: `ﬁ` is not `fi`, `й` is not `и`, and in
    // unicode_ci characters without weight (U+200B, U+00AD) only equal themselves.
    "ﬁle",
    "file",
    "йод",
    "иод",
    "soft\u{AD}ware",
    "software",
    "zero\u{200B}width",
    "aaaaaaa",
];
const EMOJI: &[&str] = &["😀", "🎉", "👩‍💻", "🇩🇪"];

fn subject(rng: &mut Rng, emoji: bool) -> String {
    let n = 1 + rng.below(5);
    let mut parts: Vec<String> = (0..n).map(|_| rng.pick(WORDS).to_string()).collect();
    if emoji && rng.below(3) == 0 {
        let at = rng.below(parts.len() + 1);
        parts.insert(at, rng.pick(EMOJI).to_string());
    }
    let s = parts.join(if rng.below(4) == 0 { "" } else { " " });
    match rng.below(4) {
        0 => s.to_uppercase(),
        1 => s.to_lowercase(),
        _ => s,
    }
}

/// `n` generated tickets (ids from 1000) with one or two thread entries each.
fn generate(db: &TestDb, rng: &mut Rng, n: usize, emoji: bool) -> Vec<(i64, String, String)> {
    let mut conn = db.conn();
    let mut tickets = Vec::new();
    let mut made = Vec::new();
    let mut cdata = Vec::new();
    let mut threads = Vec::new();
    let mut entries = Vec::new();
    for i in 0..n {
        let id = 1000 + i as i64;
        let number = if rng.below(5) == 0 {
            format!("AB-{}", 500 + i)
        } else {
            format!("{}", 200_000 + i)
        };
        let subj = subject(rng, emoji);
        let day = 1 + rng.below(28);
        let hour = rng.below(24);
        let parent = if i > 0 && rng.below(10) == 0 {
            (1000 + rng.below(i) as i64).to_string()
        } else {
            "NULL".into()
        };
        tickets.push(format!(
            "({id}, '{number}', {user}, {status}, {dept}, '2026-02-{day:02} {hour:02}:00:00', '2026-03-{d2:02} {hour:02}:{m:02}:00', \
             {staff}, {team}, {topic}, {overdue}, {parent})",
            user = 1 + rng.below(3),
            status = 1 + rng.below(4),
            dept = 1 + rng.below(3),
            d2 = 1 + rng.below(28),
            m = rng.below(60),
            staff = rng.below(2),
            team = rng.below(2),
            topic = rng.below(2),
            overdue = u8::from(rng.below(4) == 0),
        ));
        // Priorities as osTicket stores them (the id as text), and values that equal no id.
        let priority = match rng.below(8) {
            0 => None,
            1 => Some("02".to_string()),
            2 => Some("3 ".to_string()),
            n => Some(((n % 4) + 1).to_string()),
        };
        cdata.push((id, subj.clone(), priority));
        threads.push(format!("({id}, {id}, 'T', NOW())"));
        for e in 0..1 + rng.below(2) {
            let body = format!(
                "<p>{} <b>{}</b> {}</p>",
                rng.pick(WORDS),
                rng.pick(WORDS),
                if e == 0 {
                    "toner cartridge"
                } else {
                    "paper jam"
                }
            );
            entries.push((id, body));
        }
        made.push((id, number, subj));
    }
    let rows = tickets;
    conn.query_drop(format!(
        "INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, created, updated, \
         staff_id, team_id, topic_id, isoverdue, ticket_pid) VALUES {}",
        rows.join(",")
    ))
    .unwrap();
    conn.exec_batch(
        "INSERT INTO ost_ticket__cdata (ticket_id, subject, priority) VALUES (?, ?, ?)",
        cdata.iter().map(|(id, s, p)| (id, s, p)),
    )
    .unwrap();
    conn.query_drop(format!(
        "INSERT INTO ost_thread (id, object_id, object_type, created) VALUES {}",
        threads.join(",")
    ))
    .unwrap();
    conn.exec_batch(
        "INSERT INTO ost_thread_entry (thread_id, staff_id, user_id, type, flags, poster, body, format, created, updated) \
         VALUES (?, 0, 1, 'M', 0, 'x', ?, 'html', NOW(), NOW())",
        entries.iter().map(|(id, b)| (id, b)),
    )
    .unwrap();
    made
}

fn ids(p: &Page) -> Vec<i64> {
    match &p.items {
        Node::List(items) => items
            .iter()
            .map(|n| match n {
                Node::Map(m) => m
                    .iter()
                    .find(|(k, _)| k == "id")
                    .and_then(|(_, v)| match v {
                        Node::Int(i) => Some(*i),
                        _ => None,
                    })
                    .unwrap(),
                _ => panic!("not a map"),
            })
            .collect(),
        _ => panic!("not a list"),
    }
}

fn chars_slice(s: &str, from: usize, len: usize) -> String {
    s.chars().skip(from).take(len).collect()
}

/// A generated query text: a piece of a subject (its case and accents changed), a word, a
/// number, or nothing that exists.
fn text(rng: &mut Rng, made: &[(i64, String, String)]) -> String {
    let (_, number, subj) = rng.pick(made).clone();
    let t = match rng.below(8) {
        0..=2 => {
            let n = subj.chars().count();
            let from = rng.below(n);
            chars_slice(&subj, from, 1 + rng.below(12))
        }
        3 => subj.to_uppercase().replace('A', "Ä").replace('O', "ö"),
        4 => rng.pick(WORDS).to_string(),
        5 => number,
        6 => format!("{} {}", rng.pick(EMOJI), rng.pick(WORDS)),
        _ => "zzqqxxnomatch".to_string(),
    };
    if t.trim().is_empty() {
        "printer".into()
    } else {
        t
    }
}

fn params(rng: &mut Rng, text: &str, exact: bool) -> Vec<(String, String)> {
    let mut q = vec![("query".to_string(), text.to_string())];
    let mut add = |k: &str, v: &str| q.push((k.to_string(), v.to_string()));
    match rng.below(5) {
        0 => add("state", "open"),
        1 => add("status", "Closed"),
        2 => add("department", "Support"),
        3 => add("email", "john@example.com"),
        _ => {}
    }
    add("sort", ["created", "updated", "number"][rng.below(3)]);
    if rng.below(2) == 0 {
        add("order", ["asc", "desc"][rng.below(2)]);
    }
    add("limit", ["3", "20", "100"][rng.below(3)]);
    if rng.below(3) == 0 {
        add("offset", ["2", "10"][rng.below(2)]);
    }
    if exact {
        add("count", "exact");
    }
    q
}

/// Same ids, order, next page and (exact) totals as SQL for `n` generated searches; returns how
/// many of them the index narrowed down.
fn assert_equivalent(
    db: &TestDb,
    rng: &mut Rng,
    made: &[(i64, String, String)],
    n: usize,
) -> usize {
    let mut narrowed = 0;
    for _ in 0..n {
        let t = text(rng, made);
        let exact = rng.below(2) == 0;
        let q = params(rng, &t, exact);
        let parsed = search::parse(&mut db.store(), &db.cfg.tables, &q).unwrap();
        if !matches!(
            search::plan::plan(&mut db.store(), &db.cfg.tables, Some(&db.dir), &parsed).unwrap(),
            search::plan::Plan::Sql { .. }
        ) {
            narrowed += 1;
        }
        let sql = db.search(None, &q);
        let idx = db.search(Some(&db.dir), &q);
        assert_eq!(ids(&idx), ids(&sql), "same tickets for {q:?}");
        assert_eq!(idx.has_next, sql.has_next, "same next page for {q:?}");
        if exact || sql.total.is_some() {
            assert_eq!(idx.total, sql.total, "same total for {q:?}");
        } else if let Some(total) = idx.total {
            // The index path counts every `query` search (the SQL path only with count=exact).
            let mut exact_q = q.clone();
            exact_q.push(("count".into(), "exact".into()));
            let n = db.search(None, &exact_q).total.unwrap();
            assert!(n <= 10_000, "capped rule for {q:?}");
            assert_eq!(total, n, "the index path's total is exact for {q:?}");
        }
    }
    narrowed
}

fn equivalence(tag: &str, convert: Option<&str>) {
    let Some(db) = database(tag) else { return };
    let mut rng = Rng::seeded();
    let emoji = convert.is_some();
    if let Some(collation) = convert {
        db.conn()
            .query_drop(format!(
                "ALTER TABLE ost_ticket__cdata CONVERT TO CHARACTER SET utf8mb4 COLLATE {collation}"
            ))
            .unwrap();
    }
    let mut made = generate(&db, &mut rng, 1200, emoji);
    db.build();
    let status = index::status(&mut db.store(), &db.cfg.tables, Some(&db.dir)).unwrap();
    assert_eq!(status.state, "ready");
    assert_eq!(status.documents, 1200 + 6, "every ticket is a document");
    let narrowed = assert_equivalent(&db, &mut rng, &made, 150);
    if convert == Some("utf8mb4_bin") {
        assert_eq!(narrowed, 0, "no fold for this collation: SQL answers");
    } else {
        assert!(narrowed > 75, "the index answered only {narrowed} of 150");
    }

    // Changes behind the index's back: new subjects, new tickets, deletions; searched at once.
    let mut conn = db.conn();
    for (id, _, subj) in made.iter_mut().take(40).skip(20) {
        *subj = format!("Frischer Wind {subj}");
        conn.exec_drop(
            "UPDATE ost_ticket__cdata SET subject = ? WHERE ticket_id = ?",
            (&*subj, *id),
        )
        .unwrap();
        conn.exec_drop(
            "UPDATE ost_ticket SET updated = NOW() WHERE ticket_id = ?",
            (*id,),
        )
        .unwrap();
    }
    conn.query_drop("DELETE FROM ost_ticket WHERE ticket_id BETWEEN 1100 AND 1104")
        .unwrap();
    let q = vec![("query".to_string(), "Frischer Wind".to_string())];
    assert_eq!(
        ids(&db.search(Some(&db.dir), &q)),
        ids(&db.search(None, &q))
    );
    assert_eq!(db.search(Some(&db.dir), &q).total, Some(20));
    assert_equivalent(&db, &mut rng, &made, 40);

    // A writer held elsewhere (a rebuild): no catch-up, the changed tickets come from SQL.
    let held = tantivy::Index::open_in_dir(&db.dir).unwrap();
    let _writer: tantivy::IndexWriter = held.writer_with_num_threads(1, 15_000_000).unwrap();
    conn.exec_drop(
        "UPDATE ost_ticket__cdata SET subject = 'Gesperrt während des Umbaus' WHERE ticket_id = 1200",
        (),
    )
    .unwrap();
    conn.exec_drop(
        "UPDATE ost_ticket SET updated = NOW() WHERE ticket_id = 1200",
        (),
    )
    .unwrap();
    let q = vec![("query".to_string(), "während".to_string())];
    assert_eq!(ids(&db.search(Some(&db.dir), &q)), vec![1200]);
    assert_equivalent(&db, &mut rng, &made, 20);
    drop(_writer);

    // The command line's catch-up sweeps the deleted tickets away: the index alone answers
    // searches without filters again.
    sweep(&db);
    assert_equivalent(&db, &mut rng, &made, 30);

    // Corrupt, then gone: SQL answers.
    std::fs::write(db.dir.join("meta.json"), b"{ not json").unwrap();
    assert_equivalent(&db, &mut rng, &made, 10);
    std::fs::remove_dir_all(&db.dir).unwrap();
    assert_equivalent(&db, &mut rng, &made, 10);
}

/// What `search-index.php catch-up` does: every changed ticket, deleted ones swept away. A
/// commit in the second of the last change would not count as fresh (UPDATE_TIME has seconds).
fn sweep(db: &TestDb) {
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let h = index::handle(&db.dir).unwrap();
    let done = index::writer::catch_up(&mut db.store(), &db.cfg.tables, &h, usize::MAX, true)
        .unwrap()
        .unwrap();
    assert!(matches!(done, index::writer::CatchUp::Done(_)), "{done:?}");
}

fn plan_of(db: &TestDb, q: &[(String, String)]) -> search::plan::Plan {
    let parsed = search::parse(&mut db.store(), &db.cfg.tables, q).unwrap();
    search::plan::plan(&mut db.store(), &db.cfg.tables, Some(&db.dir), &parsed).unwrap()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Dense matches around the 10,000 of the capped rule: the same pages and totals as SQL,
/// whether the index alone answers (built or swept, nothing changed since), SQL checks its
/// matches (a ticket deleted or changed since), or filters apply.
#[test]
fn dense_matches_and_totals_around_the_cap() {
    let Some(db) = database("dense") else { return };
    let mut rng = Rng::seeded();
    let n = 10_004;
    let mut conn = db.conn();
    for chunk in (0..n).collect::<Vec<i64>>().chunks(2000) {
        let tickets: Vec<String> = chunk
            .iter()
            .map(|i| {
                format!(
                    "({id}, '{num}', 1, {status}, {dept}, '2026-01-{d:02} {h:02}:00:00', '2026-02-{d2:02} 10:{m:02}:00')",
                    id = 20_000 + i,
                    num = 700_000 + i,
                    status = 1 + rng.below(3),
                    dept = 1 + rng.below(3),
                    d = 1 + rng.below(28),
                    h = rng.below(24),
                    d2 = 1 + rng.below(28),
                    m = rng.below(60),
                )
            })
            .collect();
        conn.query_drop(format!(
            "INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, created, updated) VALUES {}",
            tickets.join(",")
        ))
        .unwrap();
        let subjects: Vec<String> = chunk
            .iter()
            .map(|i| {
                let s = if i % 7 == 0 {
                    "PRINTER"
                } else {
                    "Drucker/printer"
                };
                format!(
                    "({}, '{s} {} ß')",
                    20_000 + i,
                    rng.pick(&["Straße", "Bär", "東京"])
                )
            })
            .collect();
        conn.query_drop(format!(
            "INSERT INTO ost_ticket__cdata (ticket_id, subject) VALUES {}",
            subjects.join(",")
        ))
        .unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(1100));
    db.build();
    // `totals`: whether the index path must give the total (the capped rule); while a deleted
    // ticket may linger in the index, more than 5,000 matches run the plain scan without one.
    let check_with = |q: &[(String, String)], totals: bool| {
        let sql = db.search(None, q);
        let idx = db.search(Some(&db.dir), q);
        assert_eq!(ids(&idx), ids(&sql), "same tickets for {q:?}");
        assert_eq!(idx.has_next, sql.has_next, "same next page for {q:?}");
        let mut exact_q = q.to_vec();
        exact_q.push(("count".into(), "exact".into()));
        let exact = db.search(None, &exact_q).total.unwrap();
        // A short page tells the total on either path.
        let want = sql.total.or((exact <= 10_000).then_some(exact));
        // With filters, a text of more than 5,000 matches runs the plain scan (no total).
        let text = q.iter().find(|(k, _)| k == "query").unwrap().1.clone();
        let text_matches = db
            .search(None, &pairs(&[("query", &text), ("count", "exact")]))
            .total
            .unwrap();
        let filtered = q.iter().any(|(k, _)| k == "state" || k == "department");
        let totals = totals && !(filtered && text_matches > 5_000);
        if totals || idx.total.is_some() {
            assert_eq!(idx.total, want, "the capped rule for {q:?}");
        }
        assert_eq!(
            db.search(Some(&db.dir), &exact_q).total,
            Some(exact),
            "count=exact for {q:?}"
        );
        exact
    };
    let check = |q: &[(String, String)]| check_with(q, true);
    let queries = |extra: &[(&str, &str)]| {
        let mut out = Vec::new();
        for text in ["printer", "PRINTER str", "r/print", "printer bar"] {
            for sort in [
                &[][..],
                &[("sort", "updated"), ("order", "asc")],
                &[("sort", "number")],
            ] {
                let mut q = pairs(&[("query", text), ("limit", "20")]);
                q.extend(pairs(sort));
                q.extend(pairs(extra));
                out.push(q);
            }
        }
        out
    };
    let all = pairs(&[("query", "printer")]);
    // More than 10,000: the plain scan gives the page (no total); with count=exact the index
    // sorts and counts every match.
    assert!(matches!(plan_of(&db, &all), search::plan::Plan::Sql { .. }));
    let all_exact = pairs(&[("query", "printer"), ("count", "exact")]);
    assert!(matches!(
        plan_of(&db, &all_exact),
        search::plan::Plan::Paged(_)
    ));
    // The generated tickets and the fixtures' printer ticket.
    let base = check(&all);
    assert_eq!(base, n as u64 + 1);
    for q in queries(&[]).iter().chain(&queries(&[("offset", "9990")])) {
        check(q);
    }
    for q in queries(&[("state", "open")]) {
        check(&q);
    }
    // Four tickets deleted, one changed behind the index's back: SQL checks the matches.
    conn.query_drop("DELETE FROM ost_ticket WHERE ticket_id IN (20001, 20002, 20500, 29000)")
        .unwrap();
    conn.query_drop("UPDATE ost_ticket__cdata SET subject = 'Scanner' WHERE ticket_id = 20003")
        .unwrap();
    conn.query_drop("UPDATE ost_ticket SET updated = NOW() WHERE ticket_id = 20003")
        .unwrap();
    assert_eq!(check_with(&all, false), base - 5);
    assert!(!matches!(plan_of(&db, &all), search::plan::Plan::Paged(_)));
    for q in queries(&[]) {
        check_with(&q, false);
    }
    sweep(&db);
    assert!(matches!(plan_of(&db, &all), search::plan::Plan::Paged(_)));
    assert_eq!(check(&all), base - 5, "exactly the cap: a total");
    for q in queries(&[])
        .iter()
        .chain(&queries(&[("department", "Support")]))
    {
        check(q);
    }
    // Swept: a text of more than 5,000 exact matches with filters is ordered and counted by the
    // index's columns (the total, not the plain scan).
    for extra in [
        &[("department", "Support")][..],
        &[("state", "open"), ("sort", "updated")],
    ] {
        let mut q = pairs(&[("query", "printer")]);
        q.extend(pairs(extra));
        assert!(
            matches!(plan_of(&db, &q), search::plan::Plan::Filtered(_)),
            "{q:?}"
        );
        let mut exact_q = q.clone();
        exact_q.push(("count".into(), "exact".into()));
        let n = db.search(None, &exact_q).total.unwrap();
        let idx = db.search(Some(&db.dir), &q);
        assert_eq!(ids(&idx), ids(&db.search(None, &q)), "{q:?}");
        assert_eq!(idx.total, (n <= 10_000).then_some(n), "{q:?}");
    }
}

/// An index of an older format (here: the subject trigrams as hashes without positions) is
/// answered through SQL, and the rebuild replaces it.
#[test]
fn an_older_format_answers_through_sql_until_rebuilt() {
    let Some(db) = database("old") else { return };
    let mut rng = Rng::seeded();
    let made = generate(&db, &mut rng, 200, false);
    std::fs::create_dir_all(&db.dir).unwrap();
    let mut b = tantivy::schema::Schema::builder();
    let id = b.add_u64_field("id", tantivy::schema::INDEXED | tantivy::schema::FAST);
    b.add_u64_field("grams", tantivy::schema::INDEXED);
    let old = tantivy::Index::create_in_dir(&db.dir, b.build()).unwrap();
    let mut w: tantivy::IndexWriter = old.writer_with_num_threads(1, 15_000_000).unwrap();
    w.add_document(tantivy::doc!(id => 1000u64)).unwrap();
    w.commit().unwrap();
    drop(w);
    let q = pairs(&[("query", "printer"), ("count", "exact")]);
    assert!(matches!(plan_of(&db, &q), search::plan::Plan::Sql { .. }));
    let status = index::status(&mut db.store(), &db.cfg.tables, Some(&db.dir)).unwrap();
    assert!(status.state.starts_with("unusable"), "{}", status.state);
    assert_equivalent(&db, &mut rng, &made, 10);
    db.build();
    assert!(!matches!(plan_of(&db, &q), search::plan::Plan::Sql { .. }));
    let status = index::status(&mut db.store(), &db.cfg.tables, Some(&db.dir)).unwrap();
    assert_eq!(status.state, "ready");
    assert_eq!(status.documents, 200 + 6);
    assert_equivalent(&db, &mut rng, &made, 30);
}

#[test]
fn index_answers_like_sql_on_utf8mb3_general_ci() {
    equivalence("mb3", None);
}

#[test]
fn index_answers_like_sql_on_utf8mb4_general_ci_with_emoji() {
    equivalence("mb4", Some("utf8mb4_general_ci"));
}

#[test]
fn index_answers_like_sql_on_utf8mb4_unicode_ci() {
    equivalence("uca", Some("utf8mb4_unicode_ci"));
}

#[test]
fn binary_subjects_answer_through_sql() {
    equivalence("bin", Some("utf8mb4_bin"));
}

#[test]
fn fulltext_finds_words_phrases_prefixes_and_people() {
    let Some(db) = database("ft") else { return };
    let mut rng = Rng::seeded();
    generate(&db, &mut rng, 300, false);
    db.build();
    let q = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        v.push(("mode".into(), "fulltext".into()));
        v
    };
    let count = |sql: &str| -> u64 { db.conn().query_first::<u64, _>(sql).unwrap().unwrap() };
    // Every generated ticket has "toner cartridge" in its first entry (an HTML body).
    let all = db.search(
        Some(&db.dir),
        &q(&[("query", "\"toner cartridge\""), ("count", "exact")]),
    );
    assert_eq!(all.total, Some(300));
    let jam = count("SELECT COUNT(DISTINCT th.object_id) FROM ost_thread_entry e JOIN ost_thread th ON th.id = e.thread_id WHERE e.body LIKE '%paper jam%'");
    let p = db.search(
        Some(&db.dir),
        &q(&[("query", "\"paper jam\""), ("limit", "100")]),
    );
    assert_eq!(p.total, Some(jam));
    assert_eq!(
        db.search(Some(&db.dir), &q(&[("query", "\"jam paper\"")]))
            .total,
        Some(0),
        "a phrase keeps its order"
    );
    assert_eq!(
        db.search(Some(&db.dir), &q(&[("query", "cartri*")])).total,
        Some(300),
        "prefix"
    );
    // The user's e-mail, with a filter; relevance order is by score, the page in order.
    let john = count("SELECT COUNT(*) FROM ost_ticket WHERE user_id = 2");
    let by_mail = db.search(
        Some(&db.dir),
        &q(&[
            ("query", "john@example.com"),
            ("sort", "relevance"),
            ("limit", "100"),
        ]),
    );
    assert_eq!(by_mail.total, Some(john));
    let open = db.search(
        Some(&db.dir),
        &q(&[
            ("query", "toner"),
            ("state", "open"),
            ("sort", "relevance"),
            ("count", "exact"),
        ]),
    );
    assert_eq!(
        open.total,
        Some(count(
            "SELECT COUNT(*) FROM ost_ticket WHERE ticket_id >= 1000 AND status_id = 1"
        ))
    );
    // Accents folded: a subject word "Müller" is found as MULLER.
    let m = db.search(
        Some(&db.dir),
        &q(&[("query", "MULLER"), ("count", "exact")]),
    );
    let spaced = count(
        "SELECT COUNT(*) FROM ost_ticket__cdata WHERE CONCAT(' ', subject, ' ') LIKE '% müller %'",
    );
    assert!(m.total.unwrap() >= spaced, "accent-folded words");
}

/// Tickets `(id, subject, [html bodies])` inserted as they are (user 1, open, department 1).
fn insert(db: &TestDb, tickets: &[(i64, String, Vec<String>)]) {
    let mut conn = db.conn();
    for (id, subject, bodies) in tickets {
        conn.exec_drop(
            "INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, created, updated) \
             VALUES (?, ?, 1, 1, 1, NOW(), NOW())",
            (id, format!("CJK-{id}")),
        )
        .unwrap();
        conn.exec_drop(
            "INSERT INTO ost_ticket__cdata (ticket_id, subject) VALUES (?, ?)",
            (id, subject),
        )
        .unwrap();
        conn.exec_drop(
            "INSERT INTO ost_thread (id, object_id, object_type, created) VALUES (?, ?, 'T', NOW())",
            (id, id),
        )
        .unwrap();
        for body in bodies {
            conn.exec_drop(
                "INSERT INTO ost_thread_entry (thread_id, staff_id, user_id, type, flags, poster, body, format, created, updated) \
                 VALUES (?, 0, 1, 'M', 0, 'x', ?, 'html', NOW(), NOW())",
                (id, body),
            )
            .unwrap();
        }
    }
}

/// Han, kana and Hangul letters (the characters the generated CJK queries are cut from).
fn cjk_letter(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー' | '\u{AC00}'..='\u{D7A3}')
}

fn nfc(s: &str) -> String {
    icu_normalizer::ComposingNormalizer::new_nfc()
        .normalize(s)
        .into_owned()
}

#[test]
fn fulltext_finds_cjk_words_in_bodies_and_subjects() {
    let Some(db) = database("cjk") else { return };
    let mut rng = Rng::seeded();
    let i18n: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/i18n.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let fixture = |k: &str| i18n["values"][k].as_str().unwrap().to_owned();
    let s = |v: &str| v.to_string();
    let tickets: Vec<(i64, String, Vec<String>)> = vec![
        (
            5001,
            s("東京のサーバー障害"),
            vec![s("<p>東京都に住んでいます。</p>")],
        ),
        (
            5002,
            s("北京办公室"),
            vec![fixture("chinese"), s("黑猫很可爱")],
        ),
        (5003, s("서울 사무실"), vec![fixture("korean")]),
        (5004, s("京都 visit"), vec![s("<b>京都</b>で会いましょう")]),
        (
            5005,
            s("Drucker kaputt"),
            vec![fixture("japanese"), fixture("thai")],
        ),
        // Decomposed kana and jamo: found by their composed forms.
        (
            5006,
            s("\u{1112}\u{1161}\u{11AB}\u{1100}\u{1173}\u{11AF} 문서"),
            vec![s("か\u{3099}っこうの先生")],
        ),
        (5007, s("大阪支店"), vec![s("東の京の都")]),
        (5008, s("printer ✓"), vec![s("Die Straße in 東京 tower")]),
    ];
    insert(&db, &tickets);
    // Noise: generated tickets (their words include 東京, サーバー and 障害).
    let made = generate(&db, &mut rng, 60, false);
    db.build();
    let q = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        v.push(("mode".into(), "fulltext".into()));
        v
    };
    // The text of every ticket with CJK text, composed as the index composes it.
    let mut texts: Vec<(i64, String)> = tickets
        .iter()
        .map(|(id, subject, bodies)| {
            let bodies: Vec<String> = bodies
                .iter()
                .map(|b| index::text::body_text(b, "html"))
                .collect();
            (*id, nfc(&format!("{subject} {}", bodies.join(" "))))
        })
        .collect();
    {
        let mut conn = db.conn();
        for (id, _, subject) in &made {
            let bodies: Vec<String> = conn
                .exec(
                    "SELECT body FROM ost_thread_entry WHERE thread_id = ?",
                    (id,),
                )
                .unwrap();
            let bodies: Vec<String> = bodies
                .iter()
                .map(|b| index::text::body_text(b, "html"))
                .collect();
            texts.push((*id, nfc(&format!("{subject} {}", bodies.join(" ")))));
        }
    }
    let expect = |word: &str| -> Vec<i64> {
        let word = nfc(word);
        let mut v: Vec<i64> = texts
            .iter()
            .filter(|(_, t)| t.contains(&word))
            .map(|(id, _)| *id)
            .collect();
        v.sort_unstable();
        v
    };
    let found = |word: &str, relevance: bool| -> (Vec<i64>, Option<u64>) {
        let mut params = vec![("query", word), ("limit", "100"), ("count", "exact")];
        if relevance {
            params.push(("sort", "relevance"));
        }
        let p = db.search(Some(&db.dir), &q(&params));
        let mut got = ids(&p);
        got.sort_unstable();
        (got, p.total)
    };
    // Words inside sentences (bodies and subjects), one character, kana and kanji, Hangul, Thai.
    for (word, want) in [
        ("東京", vec![5001, 5008]),
        ("京都", vec![5001, 5004]),
        ("都に住", vec![5001]),
        ("打印机", vec![5002]),
        ("猫", vec![5002]),
        ("서울", vec![5003]),
        ("고장", vec![5003]),
        ("プリンター", vec![5005]),
        ("壊れ", vec![5005]),
        ("がっこう", vec![5006]),
        ("한글", vec![5006]),
        ("เครื่องพิมพ์", vec![5005]),
        ("大阪", vec![5007]),
    ] {
        let mut want = want;
        // Generated subjects may hold the word too.
        want.extend(expect(word).into_iter().filter(|id| *id < 5000));
        want.sort_unstable();
        assert_eq!(expect(word), want, "the oracle agrees for {word}");
        for relevance in [false, true] {
            assert_eq!(
                found(word, relevance),
                (want.clone(), Some(want.len() as u64)),
                "{word} (relevance: {relevance})"
            );
        }
    }
    // Not found: the characters in another order, or not in a row.
    for word in ["京東", "都京", "서사", "東京に", "北京大阪", "ーバサ"] {
        assert_eq!(found(word, false), (vec![], Some(0)), "{word}");
    }
    // A phrase across the space, and prefixes.
    assert_eq!(found("\"東京 tower\"", true).0, vec![5008]);
    assert_eq!(found("\"tower 東京\"", true).0, Vec::<i64>::new());
    assert_eq!(found("東京都*", false).0, vec![5001]);
    assert_eq!(found("サーバ*", false).0, expect("サーバ"));
    // Generated: pieces of the CJK runs of every text, and those pieces reversed.
    let mut hits = 0;
    for n in 0..80 {
        let (_, text) = rng.pick(&texts).clone();
        let chars: Vec<char> = text.chars().collect();
        let starts: Vec<usize> = (0..chars.len()).filter(|&i| cjk_letter(chars[i])).collect();
        if starts.is_empty() {
            continue;
        }
        let from = *rng.pick(&starts);
        let mut word: String = chars[from..]
            .iter()
            .take(1 + rng.below(4))
            .take_while(|c| cjk_letter(**c))
            .collect();
        if n % 3 == 0 {
            word = word.chars().rev().collect();
        }
        let want = expect(&word);
        hits += usize::from(!want.is_empty());
        let (got, total) = found(&word, n % 2 == 0);
        assert_eq!(got, want, "{word:?}");
        assert_eq!(total, Some(want.len() as u64), "{word:?}");
    }
    // About half: reversed pieces and pieces of texts without CJK rarely match.
    assert!(hits > 25, "the generated words were found ({hits} of 80)");

    // An index of the previous format (no format in its payload) is not used until rebuilt.
    let old = {
        let index = tantivy::Index::open_in_dir(&db.dir).unwrap();
        let raw = index.load_metas().unwrap().payload.unwrap();
        let mut p: serde_json::Value = serde_json::from_str(&raw).unwrap();
        p.as_object_mut().unwrap().remove("format");
        let mut w: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut c = w.prepare_commit().unwrap();
        c.set_payload(&p.to_string());
        c.commit().unwrap();
        p
    };
    assert!(old.get("fold").is_some());
    let plan = |word: &str| {
        let parsed = search::parse(
            &mut db.store(),
            &db.cfg.tables,
            &q(&[("query", word), ("sort", "relevance")]),
        )
        .unwrap();
        search::plan::plan(&mut db.store(), &db.cfg.tables, Some(&db.dir), &parsed).unwrap()
    };
    assert!(matches!(plan("東京"), search::plan::Plan::Sql { .. }));
    let status = index::status(&mut db.store(), &db.cfg.tables, Some(&db.dir)).unwrap();
    assert!(
        status.state.starts_with("unusable: ") && status.state.contains("rebuild"),
        "{status:?}"
    );
    // `rebuild` (resuming by default) starts over.
    db.build();
    let status = index::status(&mut db.store(), &db.cfg.tables, Some(&db.dir)).unwrap();
    assert_eq!(status.state, "ready");
    assert!(matches!(plan("東京"), search::plan::Plan::Ranked(_)));
    assert_eq!(found("東京", false).0, expect("東京"));
}

#[test]
fn fulltext_totals_follow_the_capped_rule() {
    let Some(db) = database("cap") else { return };
    const N: u64 = 10_010;
    let mut conn = db.conn();
    for sql in [
        "INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, created, updated) \
         SELECT 10000 + seq, CONCAT('C', seq), 1, 1 + seq % 2, 1, NOW() - INTERVAL seq MINUTE, NOW() FROM seq_1_to_10010",
        "INSERT INTO ost_ticket__cdata (ticket_id, subject) \
         SELECT 10000 + seq, CONCAT('常見問題 common ', IF(seq % 500 = 0, 'rare ', ''), seq) FROM seq_1_to_10010",
        "INSERT INTO ost_thread (id, object_id, object_type, created) SELECT 10000 + seq, 10000 + seq, 'T', NOW() FROM seq_1_to_10010",
        "INSERT INTO ost_thread_entry (thread_id, staff_id, user_id, type, flags, poster, body, format, created, updated) \
         SELECT 10000 + seq, 0, 1, 'M', 0, 'x', '<p>Der Drucker druckt nicht</p>', 'html', NOW(), NOW() FROM seq_1_to_10010",
    ] {
        conn.query_drop(sql).unwrap();
    }
    // Rows saved in the second a build starts count as changed after it (UPDATE_TIME has
    // seconds); 10,010 of them would be more than a search reads from SQL.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    db.build();
    let search = |pairs: &[(&str, &str)]| -> Page {
        let mut v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        v.push(("mode".into(), "fulltext".into()));
        db.search(Some(&db.dir), &v)
    };
    for word in ["common", "問題", "drucker"] {
        for sort in ["created", "relevance"] {
            // More than 10,000 matches: the top 20 without a total, unless count=exact.
            let p = search(&[("query", word), ("sort", sort)]);
            assert_eq!(ids(&p).len(), 20, "{word} {sort}");
            assert!(p.has_next, "{word} {sort}");
            assert_eq!(p.total, None, "{word} {sort}: capped");
            let p = search(&[("query", word), ("sort", sort), ("count", "exact")]);
            assert_eq!(ids(&p).len(), 20, "{word} {sort}");
            assert_eq!(p.total, Some(N), "{word} {sort}: count=exact");
            // A filter leaves 5,005: exact again.
            let p = search(&[("query", word), ("sort", sort), ("state", "open")]);
            assert_eq!(p.total, Some(N / 2), "{word} {sort}: filtered");
        }
    }
    for sort in ["number", "relevance"] {
        let p = search(&[("query", "RARE"), ("sort", sort), ("limit", "5")]);
        assert_eq!((ids(&p).len(), p.total), (5, Some(N / 500)), "{sort}");
    }
}

/// Generated filters (one to three kinds of every filter the search has), sort, order and page.
fn filter_params(rng: &mut Rng, made: &[(i64, String, String)]) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let (k, v): (&str, String) = match rng.below(13) {
            0 => (
                "status",
                rng.pick(&["Open", "Resolved", "Closed", "Archived"])
                    .to_string(),
            ),
            1 => (
                "state",
                rng.pick(&["open", "closed", "archived", "deleted"])
                    .to_string(),
            ),
            2 => (
                "department",
                rng.pick(&["Support", "Parent Dept", "Sales & Support / Ünits <2>"])
                    .to_string(),
            ),
            3 => ("staff", "ada".into()),
            4 => ("team", "Night Shift".into()),
            5 => ("topic", "General Inquiry".into()),
            6 => (
                "priority",
                rng.pick(&["low", "normal", "high", "emergency"])
                    .to_string(),
            ),
            7 => (
                "email",
                rng.pick(&[
                    "jane@example.com",
                    "JOHN@example.com",
                    "zoe@example.com",
                    "nobody@example.com",
                ])
                .to_string(),
            ),
            8 => ("overdue", rng.pick(&["true", "false"]).to_string()),
            9 => ("created_from", format!("2026-02-{:02}", 1 + rng.below(28))),
            10 => ("created_to", format!("2026-02-{:02}", 1 + rng.below(28))),
            11 => (
                "updated_since",
                format!(
                    "2026-03-{:02} {:02}:30:00",
                    1 + rng.below(28),
                    rng.below(24)
                ),
            ),
            // The first tickets are the parents of the later ones.
            _ => ("parent", made[rng.below(40.min(made.len()))].1.clone()),
        };
        if !q.iter().any(|(key, _)| key == k) {
            q.push((k.to_string(), v));
        }
    }
    let mut add = |k: &str, v: &str| q.push((k.to_string(), v.to_string()));
    add("sort", ["created", "updated", "number"][rng.below(3)]);
    if rng.below(3) > 0 {
        add("order", ["asc", "desc"][rng.below(2)]);
    }
    add("limit", ["1", "3", "20", "100"][rng.below(4)]);
    match rng.below(6) {
        0 => add("offset", "5"),
        1 => add("offset", "40"),
        2 => add("offset", "2500"),
        _ => {}
    }
    if rng.below(4) == 0 {
        add("count", "exact");
    }
    q
}

/// Same answer (or the same error) with and without the index for `n` generated filtered
/// searches, answered in turn in the three ways the index path has (the database's walk of the
/// sort order with enough rows, one too short for the page, the index's own order); returns how
/// many the index answered.
fn assert_filters_equivalent(
    db: &TestDb,
    rng: &mut Rng,
    made: &[(i64, String, String)],
    n: usize,
) -> usize {
    let mut answered = 0;
    for i in 0..n {
        // The walk with its rows, none, one too short for most pages; forced on this small data.
        search::plan::set_dense_walk([search::plan::DENSE_WALK, 0, 40][i % 3]);
        search::plan::set_always_walk(i % 3 != 1);
        let q = filter_params(rng, made);
        let tables = &db.cfg.tables;
        let sql = search::search_indexed(&mut db.store(), tables, None, &q, 30);
        let parsed = search::parse(&mut db.store(), tables, &q);
        if let Ok(parsed) = &parsed {
            if matches!(
                search::plan::plan(&mut db.store(), tables, Some(&db.dir), parsed).unwrap(),
                search::plan::Plan::Filtered(_)
            ) {
                answered += 1;
            }
        }
        let idx = search::search_indexed(&mut db.store(), tables, Some(&db.dir), &q, 30);
        match (sql, idx) {
            (Ok(sql), Ok(idx)) => {
                assert_eq!(ids(&idx), ids(&sql), "same tickets for {q:?}");
                assert_eq!(idx.has_next, sql.has_next, "same next page for {q:?}");
                assert_eq!(idx.total, sql.total, "same total for {q:?}");
            }
            (Err(a), Err(b)) => assert_eq!(a.message(), b.message(), "same error for {q:?}"),
            (a, b) => panic!(
                "{q:?}: SQL {:?}, index {:?}",
                a.map(|p| p.total),
                b.map(|p| p.total)
            ),
        }
    }
    answered
}

#[test]
fn filtered_searches_answer_like_sql() {
    let Some(db) = database("filters") else {
        return;
    };
    let mut rng = Rng::seeded();
    let made = generate(&db, &mut rng, 1500, false);
    db.build();
    let answered = assert_filters_equivalent(&db, &mut rng, &made, 400);
    assert!(answered > 250, "the index answered only {answered} of 400");

    // Changes behind the index's back, searched at once: saved through osTicket (updated moves),
    // new tickets, a deletion recorded by the plugin, and changes that osTicket would not make
    // (a status changed and a ticket deleted without a trace): the page is checked in SQL.
    let mut conn = db.conn();
    conn.query_drop(
        "UPDATE ost_ticket SET status_id = 1 + (ticket_id % 4), isoverdue = 1 - isoverdue, \
         updated = NOW() WHERE ticket_id BETWEEN 1200 AND 1260",
    )
    .unwrap();
    conn.query_drop(
        "INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, created, updated) \
         SELECT ticket_id + 10000, CONCAT('N', number), user_id, status_id, dept_id, NOW(), NOW() \
         FROM ost_ticket WHERE ticket_id BETWEEN 1000 AND 1030",
    )
    .unwrap();
    conn.query_drop("DELETE FROM ost_ticket WHERE ticket_id BETWEEN 1300 AND 1310")
        .unwrap();
    conn.query_drop(
        "INSERT INTO ost_osticket_api_deleted (ticket_id, deleted) \
         SELECT seq, NOW() FROM seq_1300_to_1310",
    )
    .unwrap();
    assert_filters_equivalent(&db, &mut rng, &made, 150);

    // Held writer (a rebuild elsewhere): the changed tickets come from SQL.
    let held = tantivy::Index::open_in_dir(&db.dir).unwrap();
    let writer: tantivy::IndexWriter = held.writer_with_num_threads(1, 15_000_000).unwrap();
    conn.query_drop("UPDATE ost_ticket SET dept_id = 2, updated = NOW() WHERE ticket_id < 1100")
        .unwrap();
    assert_filters_equivalent(&db, &mut rng, &made, 100);
    drop(writer);

    // Deleted without a trace (no record, not through osTicket): the newest ticket of a status.
    // The first search meets it on its page, answers through SQL and makes the index forget it;
    // the next one is the index's again.
    let (gone, status): (i64, i64) = conn
        .query_first(
            "SELECT ticket_id, status_id FROM ost_ticket ORDER BY created DESC, ticket_id DESC LIMIT 1",
        )
        .unwrap()
        .unwrap();
    conn.exec_drop("DELETE FROM ost_ticket WHERE ticket_id = ?", (gone,))
        .unwrap();
    let name = ["Open", "Resolved", "Closed", "Archived"][usize::try_from(status - 1).unwrap()];
    // Only the index's own order meets the deleted ticket; the walk of the database's order
    // cannot tell (the total stays one too high until the index reads the ticket again).
    search::plan::set_dense_walk(0);
    search::plan::set_always_walk(false);
    let q = vec![
        ("status".to_string(), name.to_string()),
        ("limit".to_string(), "5".to_string()),
    ];
    let sql = db.search(None, &q);
    for _ in 0..2 {
        let idx = db.search(Some(&db.dir), &q);
        assert_eq!((ids(&idx), idx.total), (ids(&sql), sql.total), "{q:?}");
    }
    let parsed = search::parse(&mut db.store(), &db.cfg.tables, &q).unwrap();
    assert!(matches!(
        search::plan::plan(&mut db.store(), &db.cfg.tables, Some(&db.dir), &parsed).unwrap(),
        search::plan::Plan::Filtered(_)
    ));

    // Deleted by hand where no page meets them, beside a change: the command line's catch-up
    // sees more documents than tickets and sweeps them; with nothing deleted it need not.
    let documents = || {
        index::status(&mut db.store(), &db.cfg.tables, Some(&db.dir))
            .unwrap()
            .documents
    };
    let tickets = || -> u64 {
        db.conn()
            .query_first("SELECT COUNT(*) FROM ost_ticket")
            .unwrap()
            .unwrap()
    };
    let catch_up = || {
        let h = index::handle(&db.dir).unwrap();
        index::writer::catch_up(&mut db.store(), &db.cfg.tables, &h, usize::MAX, true)
            .unwrap()
            .unwrap();
    };
    catch_up();
    assert_eq!(documents(), tickets());
    conn.query_drop("UPDATE ost_ticket SET updated = NOW() WHERE ticket_id = 1020")
        .unwrap();
    conn.query_drop("DELETE FROM ost_ticket WHERE ticket_id BETWEEN 2300 AND 2302")
        .unwrap();
    catch_up();
    assert_eq!(documents(), tickets(), "the sweep removed them");
}

/// Full text sorted by a date or the number comes from the index's columns: for generated
/// words, filters, sorts and pages it equals the ranked matches (the whole set, by relevance)
/// ordered by SQL, with the same total.
#[test]
fn fulltext_by_date_orders_every_match_like_sql() {
    let Some(db) = database("ftdate") else { return };
    let mut rng = Rng::seeded();
    let made = generate(&db, &mut rng, 600, false);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    db.build();
    let mut filtered_plans = 0;
    for i in 0..60 {
        let word = [
            "toner",
            "paper jam",
            "\"toner cartridge\"",
            "cartri*",
            "john@example.com",
        ][i % 5]
            .to_string();
        let word = if i % 7 == 0 {
            rng.pick(WORDS).to_string()
        } else {
            word
        };
        let mut base = vec![
            ("query".to_string(), word.clone()),
            ("mode".to_string(), "fulltext".to_string()),
        ];
        match rng.below(4) {
            0 => base.push(("state".into(), "open".into())),
            1 => base.push(("department".into(), "Support".into())),
            2 => base.push((
                "created_from".into(),
                format!("2026-02-{:02}", 1 + rng.below(28)),
            )),
            _ => {}
        }
        // Every match, by relevance (at most 300 here).
        let mut all = base.clone();
        all.extend([
            ("sort".into(), "relevance".into()),
            ("limit".into(), "100".into()),
        ]);
        let mut set = Vec::new();
        for offset in [0, 100, 200, 300, 400, 500] {
            let mut q = all.clone();
            q.push(("offset".into(), offset.to_string()));
            set.extend(ids(&db.search(Some(&db.dir), &q)));
        }
        let sort = ["created", "updated", "number"][rng.below(3)];
        let asc = rng.below(2) == 0;
        let expected: Vec<i64> = if set.is_empty() {
            Vec::new()
        } else {
            let dir = if asc { "ASC" } else { "DESC" };
            db.conn()
                .query(format!(
                    "SELECT ticket_id FROM ost_ticket WHERE ticket_id IN ({}) ORDER BY {sort} {dir}, ticket_id {dir}",
                    set.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
                ))
                .unwrap()
        };
        let (limit, offset) = (
            [3usize, 20, 100][rng.below(3)],
            [0usize, 5, 40][rng.below(3)],
        );
        let mut q = base.clone();
        q.extend([
            ("sort".into(), sort.into()),
            ("order".into(), if asc { "asc" } else { "desc" }.into()),
            ("limit".into(), limit.to_string()),
            ("offset".into(), offset.to_string()),
        ]);
        let parsed = search::parse(&mut db.store(), &db.cfg.tables, &q).unwrap();
        if matches!(
            search::plan::plan(&mut db.store(), &db.cfg.tables, Some(&db.dir), &parsed).unwrap(),
            search::plan::Plan::Filtered(_)
        ) {
            filtered_plans += 1;
        }
        let page = db.search(Some(&db.dir), &q);
        let want: Vec<i64> = expected.iter().skip(offset).take(limit).copied().collect();
        assert_eq!(ids(&page), want, "{q:?}");
        assert_eq!(page.total, Some(expected.len() as u64), "{q:?}");
        assert_eq!(page.has_next, expected.len() > offset + limit, "{q:?}");
    }
    assert!(
        filtered_plans > 30,
        "the columns answered {filtered_plans} of 60"
    );
    let _ = made;
}
