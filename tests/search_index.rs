//! The search index against the SQL path on generated data (a real MariaDB, as tests/db.rs):
//! for a generated set of `query` searches (German, Cyrillic, Hebrew, CJK, emoji, combining marks,
//! numbers, no match, one or two characters) with generated filters, sorts, orders and pages, the
//! index path answers the same tickets in the same order with the same totals as SQL alone; also
//! right after tickets change, are created and deleted behind the index's back (with and without
//! a catch-up), and when the index is locked, corrupt or gone. Full text: words, phrases, prefixes,
//! e-mail, relevance order and filters.
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
        tickets.push(format!(
            "({id}, '{number}', {user}, {status}, {dept}, '2026-02-{day:02} {hour:02}:00:00', '2026-03-{d2:02} {hour:02}:{m:02}:00')",
            user = 1 + rng.below(3),
            status = 1 + rng.below(3),
            dept = 1 + rng.below(3),
            d2 = 1 + rng.below(28),
            m = rng.below(60),
        ));
        cdata.push((id, subj.clone()));
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
        "INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, created, updated) VALUES {}",
        rows.join(",")
    ))
    .unwrap();
    conn.exec_batch(
        "INSERT INTO ost_ticket__cdata (ticket_id, subject) VALUES (?, ?)",
        cdata.iter().map(|(id, s)| (id, s)),
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
