//! Database tests: the request pipeline against a real MariaDB loaded with the osTicket-shaped
//! schema and fixtures of `tests/fixtures/`. `DATABASE_URL` names the server (scripts/test.sh
//! sets it); each run creates and drops its own databases.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may fail loudly

use mysql::prelude::Queryable;
use osticket_api::attachments;
use osticket_api::config::{Config, DbSettings};
use osticket_api::db::MysqlStore;
use osticket_api::dispatch::handle;
use osticket_api::request::Request;
use osticket_api::response::{Body, Response};
use osticket_api::schema;
use osticket_api::sql::{Store, Tables};

const SCHEMA: &str = include_str!("fixtures/schema.sql");
const SEED: &str = include_str!("fixtures/seed.sql");
const GRANTS: &str = include_str!("fixtures/grants.sql");
const ALL: &str = "KEY-ALL-0123456789ABCDEF";

/// A throwaway database loaded with the fixtures; dropped when the value is dropped.
struct TestDb {
    settings: DbSettings,
    url: String,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(opts) = mysql::Opts::from_url(&self.url) {
            if let Ok(mut conn) = mysql::Conn::new(opts) {
                let _ =
                    conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.settings.name));
            }
        }
    }
}

/// A fresh database loaded with the fixtures under `prefix`, or `None` (test skipped) when no
/// server is configured.
fn database(prefix: &str) -> Option<TestDb> {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("db tests skipped: DATABASE_URL is not set");
        return None;
    };
    let opts = mysql::Opts::from_url(&url).expect("DATABASE_URL");
    let name = format!(
        "osticket_api_test_{}_{}",
        std::process::id(),
        prefix.trim_end_matches('_')
    );
    let mut conn = mysql::Conn::new(opts.clone()).expect("connect to DATABASE_URL");
    conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
        .unwrap();
    conn.query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        .unwrap();
    conn.query_drop(format!("USE `{name}`")).unwrap();
    for sql in [SCHEMA, SEED] {
        conn.query_drop(sql.replace("%TABLE_PREFIX%", prefix))
            .unwrap();
    }
    let settings = DbSettings {
        host: opts.get_ip_or_hostname().to_string(),
        port: Some(opts.get_tcp_port()),
        socket: None,
        name,
        user: opts.get_user().unwrap_or_default().to_string(),
        pass: opts.get_pass().unwrap_or_default().to_string(),
        ssl_ca: None,
    };
    // The plugin's install step adds the permission columns; then the fixture keys get grants.
    let tables = Tables::new(prefix).unwrap();
    schema::install(&mut MysqlStore::new(&settings), &tables).expect("install columns");
    conn.query_drop(GRANTS.replace("%TABLE_PREFIX%", prefix))
        .unwrap();
    Some(TestDb { settings, url })
}

fn config(db: &DbSettings, prefix: &str) -> Config {
    let mut cfg = Config::new("127.0.0.1:1", None, "x", "x", "x", prefix).unwrap();
    cfg.db = db.clone();
    cfg.active = true;
    cfg
}

fn get(cfg: &Config, endpoint: &str, path: &[u8], key: Option<&str>) -> Response {
    let req = Request {
        endpoint: endpoint.into(),
        method: "GET".into(),
        path_info: path.to_vec(),
        api_key: key.map(|k| k.as_bytes().to_vec()),
        remote_addr: "127.0.0.1".into(),
        ..Default::default()
    };
    handle(&req, cfg, &mut MysqlStore::new(&cfg.db))
}

fn body(r: &Response) -> String {
    String::from_utf8(r.bytes().expect("complete body").to_vec()).unwrap()
}

fn json(r: &Response) -> serde_json::Value {
    serde_json::from_str(&body(r)).unwrap()
}

fn assert_error(r: &Response, status: u16, message: &str) {
    assert_eq!(r.status, status, "{}", body(r));
    let v = json(r);
    assert_eq!(v["error"], true);
    assert_eq!(v["message"], message);
}

#[test]
fn database_behaviour() {
    let Some(db) = database("ost_") else { return };
    let cfg = config(&db.settings, "ost_");

    // The full ticket, with exact JSON (key order, types, hidden entry excluded).
    let r = get(&cfg, "tickets-get", b"/100001.json", Some(ALL));
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(
        body(&r),
        concat!(
            r#"{"id":1,"number":"100001","subject":"Printer on fire","statusId":1,"status":"Open","priorityId":3,"priority":"High","#,
            r#""departmentId":1,"department":"Support","topicId":1,"topic":"General Inquiry","userId":1,"#,
            r#""user":{"name":"Jane Doe","email":"jane@example.com"},"staffId":0,"staff":null,"teamId":0,"team":null,"#,
            r#""slaId":1,"sla":"Default SLA","created":"2026-01-05 09:00:00","updated":"2026-01-05 10:00:00","duedate":null,"#,
            r#""closed":null,"isOverdue":false,"isAnswered":true,"source":"API","ip":"127.0.0.1","children":[],"thread":["#,
            r#"{"id":1,"type":"M","poster":"Jane Doe","timestamp":"2026-01-05 09:00:00","body":"It burns.","userId":1,"#,
            r#""attachments":[{"id":1,"file_id":1,"filename":"pixel.png","size":70,"mime_type":"image/png","inline":false}],"attachment_count":1},"#,
            r#"{"id":2,"type":"R","poster":"Ada Lovelace","timestamp":"2026-01-05 09:30:00","body":"We are on it.","staffId":1,"staff":"Ada Lovelace","#,
            r#""attachments":[{"id":5,"file_id":5,"filename":"shown-name.png","size":70,"mime_type":"image/png","inline":true}],"attachment_count":1},"#,
            r#"{"id":3,"type":"N","poster":"Ada Lovelace","timestamp":"2026-01-05 09:45:00","body":"Customer is VIP.","staffId":1,"staff":"Ada Lovelace"}]}"#
        )
    );

    // Closed ticket: close date; default priority.
    let v = json(&get(&cfg, "tickets-get", b"/100002.json", Some(ALL)));
    assert_eq!(v["closed"], "2026-01-06 12:00:00");
    assert_eq!(v["priority"], "Normal");
    // Parent lists its child; the child's thread is its own.
    assert_eq!(
        json(&get(&cfg, "tickets-get", b"/100003.json", Some(ALL)))["children"],
        serde_json::json!([4])
    );
    // Unicode ticket: sub-department, staff, team, SLA, due date, overdue.
    let v = json(&get(&cfg, "tickets-get", b"/100005.json", Some(ALL)));
    assert_eq!(v["department"], "Sales & Support / Ünits <2>");
    assert_eq!(v["staff"], "Ada Lovelace");
    assert_eq!(v["team"], "Night Shift");
    assert_eq!(v["duedate"], "2030-01-31 17:30:00");
    assert_eq!(v["isOverdue"], true);
    assert_eq!(v["user"]["name"], "Zoë Ørsted");
    // Its XML is well-formed although the body holds NUL and ^Z and the names hold & < /.
    let r = get(&cfg, "tickets-get", b"/100005.xml", Some(ALL));
    assert_eq!(
        r.header("Content-Type"),
        Some("application/xml; charset=UTF-8")
    );
    let xml = body(&r);
    let mut reader = quick_xml::Reader::from_str(&xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("malformed XML: {e}\n{xml}"),
        }
    }
    assert!(xml.contains("<department>Sales &amp; Support / Ünits &lt;2&gt;</department>"));

    // Identifiers: the number wins over an equal id; purely numeric ids fall back; nothing else does.
    assert_eq!(
        json(&get(&cfg, "tickets-get", b"/3.json", Some(ALL)))["number"],
        "3"
    );
    assert_eq!(
        json(&get(&cfg, "tickets-get", b"/2.json", Some(ALL)))["number"],
        "100002"
    );
    for bad in [
        &b"/0.json"[..],
        b"/123abc.json",
        b"/99999999999999999999.json",
        b"/NOPE.json",
        b"/000.json",
    ] {
        assert_error(
            &get(&cfg, "tickets-get", bad, Some(ALL)),
            404,
            "Ticket not found",
        );
    }

    // Authentication and permissions.
    assert_error(
        &get(&cfg, "tickets-get", b"/100001.json", None),
        401,
        "Valid API key required",
    );
    assert_error(
        &get(&cfg, "tickets-get", b"/100001.json", Some("nope")),
        401,
        "Valid API key required",
    );
    assert_error(
        &get(
            &cfg,
            "tickets-get",
            b"/100001.json",
            Some("KEY-INACTIVE-0123456789AB"),
        ),
        401,
        "API key not found/active or source IP not authorized",
    );
    assert_error(
        &get(
            &cfg,
            "tickets-get",
            b"/100001.json",
            Some("KEY-OTHERIP-0123456789ABC"),
        ),
        401,
        "Valid API key required",
    );
    assert_error(
        &get(
            &cfg,
            "tickets-get",
            b"/100001.json",
            Some("KEY-NONE-0123456789ABCDEF"),
        ),
        401,
        "API key not authorized to read tickets",
    );
    assert_eq!(
        get(
            &cfg,
            "tickets-statuses",
            b"",
            Some("KEY-READ-0123456789ABCDEF")
        )
        .status,
        200
    );
    assert_error(
        &get(
            &cfg,
            "tickets-statuses",
            b"",
            Some("KEY-SUBTICKETS-0123456789"),
        ),
        401,
        "API key not authorized to read ticket statistics",
    );

    // Statuses in sort order.
    let v = json(&get(&cfg, "tickets-statuses", b".json", Some(ALL)));
    let states: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["open", "closed", "closed", "archived", "deleted"]);

    // Downloads: only files of ticket thread entries, in the database backend, under the cap.
    let r = get(&cfg, "tickets-attachment-download", b"/1.json", Some(ALL));
    assert_eq!(r.status, 200);
    let Body::Download(dl) = &r.body else {
        panic!("expected a streamed body")
    };
    let mut out = dl.head.clone();
    let streamed = attachments::stream(&mut MysqlStore::new(&cfg.db), dl, &mut |b| {
        out.extend_from_slice(b)
    })
    .unwrap();
    out.extend_from_slice(&dl.tail);
    assert_eq!(streamed, 70);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["filename"], "pixel.png");
    assert_eq!(v["size"], 70);
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v["content"].as_str().unwrap())
        .unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(bytes.len(), 70);
    assert_error(
        &get(&cfg, "tickets-attachment-download", b"/0.json", Some(ALL)),
        400,
        "Invalid file ID",
    );
    assert_error(
        &get(&cfg, "tickets-attachment-download", b"/2.json", Some(ALL)),
        403,
        "Attachment not accessible",
    );
    assert_error(
        &get(&cfg, "tickets-attachment-download", b"/3.json", Some(ALL)),
        403,
        "Attachment not accessible",
    );
    assert_error(
        &get(&cfg, "tickets-attachment-download", b"/999.json", Some(ALL)),
        403,
        "Attachment not accessible",
    );
    assert_eq!(
        get(&cfg, "tickets-attachment-download", b"/4.json", Some(ALL)).status,
        501
    );
    let mut small = cfg.clone();
    small.max_download_bytes = 69;
    assert_eq!(
        get(&small, "tickets-attachment-download", b"/1.json", Some(ALL)).status,
        413
    );

    // Subtickets, natively from ticket_pid.
    assert_eq!(
        body(&get(
            &cfg,
            "tickets-subtickets-parent",
            b"/100004.json",
            Some(ALL)
        )),
        r#"{"parent":{"ticket_id":3,"number":"100003","subject":"Parent ticket","status":"Open"}}"#
    );
    assert_eq!(
        body(&get(
            &cfg,
            "tickets-subtickets-parent",
            b"/100001.json",
            Some(ALL)
        )),
        r#"{"parent":null}"#
    );
    assert_eq!(
        body(&get(
            &cfg,
            "tickets-subtickets-list",
            b"/100003.json",
            Some(ALL)
        )),
        r#"{"children":[{"ticket_id":4,"number":"100004","subject":"Child ticket","status":"Open"}]}"#
    );
    assert_eq!(
        body(&get(
            &cfg,
            "tickets-subtickets-list",
            b"/100004.json",
            Some(ALL)
        )),
        r#"{"children":[]}"#
    );
    assert_error(
        &get(&cfg, "tickets-subtickets-list", b"/NOPE.json", Some(ALL)),
        404,
        "Parent ticket not found",
    );
    assert_error(
        &get(&cfg, "tickets-subtickets-parent", b"/NOPE.json", Some(ALL)),
        404,
        "Child ticket not found",
    );
    assert_error(
        &get(&cfg, "tickets-subtickets-parent", b"/0.json", Some(ALL)),
        400,
        "Invalid ticket number",
    );
    assert_error(
        &get(
            &cfg,
            "tickets-subtickets-list",
            b"/100003.json",
            Some("KEY-READ-0123456789ABCDEF"),
        ),
        403,
        "API key not authorized for subticket operations",
    );

    // Statistics from SQL aggregates.
    assert_eq!(
        body(&get(&cfg, "tickets-stats", b"", Some(ALL))),
        concat!(
            r#"{"total":6,"open":5,"closed":1,"overdue":1,"archived":0,"deleted":0,"by_department":{"#,
            r#""Parent Dept / Sales & Support / Ünits <2>":{"department_id":3,"total":1,"open":1,"closed":0,"overdue":1},"#,
            r#""Support":{"department_id":1,"total":5,"open":4,"closed":1,"overdue":0}},"#,
            r#""by_staff":[{"staff_id":1,"staff_name":"Ada Lovelace","total":1,"departments":{"#,
            r#""Parent Dept / Sales & Support / Ünits <2>":{"open":1,"closed":0,"overdue":1}}}]}"#
        )
    );
    let filtered = |q: &[u8]| {
        let req = Request {
            endpoint: "tickets-stats".into(),
            method: "GET".into(),
            query_string: q.to_vec(),
            api_key: Some(ALL.as_bytes().to_vec()),
            remote_addr: "127.0.0.1".into(),
            ..Default::default()
        };
        handle(&req, &cfg, &mut MysqlStore::new(&cfg.db))
    };
    assert_eq!(json(&filtered(b"since=2026-01-07"))["total"], 4);
    assert_eq!(
        json(&filtered(b"since=2026-01-07&until=2026-01-09"))["total"],
        2
    );
    assert_eq!(
        json(&filtered(
            b"department=Sales+%26+Support+%2F+%C3%9Cnits+%3C2%3E"
        ))["total"],
        1
    );
    assert_eq!(json(&filtered(b"department=1"))["total"], 5);
    assert_error(
        &filtered(b"department=Nope"),
        404,
        "Department 'Nope' not found",
    );
    assert_eq!(filtered(b"since=yesterday").status, 400);
    assert_eq!(
        get(
            &cfg,
            "tickets-stats",
            b".xml",
            Some("KEY-READ-0123456789ABCDEF")
        )
        .status,
        200
    );

    // Search: filters, sort, paging, totals.
    let search = |q: &[u8], key: &str| {
        let req = Request {
            endpoint: "tickets-search".into(),
            script_name: "/api/tickets-search.php".into(),
            method: "GET".into(),
            query_string: q.to_vec(),
            api_key: Some(key.as_bytes().to_vec()),
            remote_addr: "127.0.0.1".into(),
            ..Default::default()
        };
        handle(&req, &cfg, &mut MysqlStore::new(&cfg.db))
    };
    let ids = |q: &[u8]| -> Vec<i64> {
        let r = search(q, ALL);
        assert_eq!(r.status, 200, "{} {}", String::from_utf8_lossy(q), body(&r));
        json(&r)
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    let r = search(b"", ALL);
    assert_eq!(r.header("X-Total-Count"), Some("6"));
    assert!(r.header("Link").is_none());
    assert_eq!(ids(b""), [6, 5, 4, 3, 2, 1]);
    // Key order and types of an item, from the raw body (serde_json's map would sort the keys).
    assert!(body(&r).ends_with(concat!(
        r#"{"id":1,"number":"100001","subject":"Printer on fire","statusId":1,"status":"Open","priorityId":3,"#,
        r#""priority":"High","departmentId":1,"department":"Support","topicId":1,"topic":"General Inquiry","#,
        r#""created":"2026-01-05 09:00:00","updated":"2026-01-05 10:00:00","dueDate":null,"staffId":0,"staff":null,"#,
        r#""teamId":0,"team":null,"slaId":1,"sla":"Default SLA","isOverdue":false,"isAnswered":true}]"#
    )), "{}", body(&r));
    let first = &json(&r)[5];
    assert_eq!(first["priority"], "High");
    assert_eq!(first["subject"], "Printer on fire");
    assert_eq!(ids(b"status=Closed"), [2]);
    assert_eq!(ids(b"status=3"), [2]);
    assert_eq!(ids(b"state=closed"), [2]);
    assert_eq!(ids(b"department=Support").len(), 5);
    assert_eq!(
        ids(b"department=Parent+Dept+%2F+Sales+%26+Support+%2F+%C3%9Cnits+%3C2%3E"),
        [5]
    );
    assert_eq!(ids(b"staff=ada"), [5]);
    assert_eq!(ids(b"staff=1"), [5]);
    assert_eq!(ids(b"team=Night+Shift"), [5]);
    assert_eq!(ids(b"priority=High"), [1]);
    assert_eq!(ids(b"topic=General+Inquiry"), [1]);
    assert_eq!(ids(b"email=jane%40example.com"), [4, 3, 1]);
    assert_eq!(ids(b"overdue=true"), [5]);
    assert_eq!(ids(b"query=printer"), [1]);
    assert_eq!(ids(b"query=100004"), [4]);
    assert!(ids(b"query=50%25_").is_empty());
    assert_eq!(ids(b"parent=100003"), [4]);
    assert_eq!(ids(b"created_from=2026-01-09"), [6, 5]);
    assert_eq!(ids(b"created_to=2026-01-06"), [2, 1]);
    assert_eq!(ids(b"updated_since=2026-01-10"), [6]);
    assert_eq!(ids(b"sort=number&order=asc"), [1, 2, 3, 4, 5, 6]);
    assert_eq!(ids(b"sort=number"), [1, 2, 3, 4, 5, 6]);
    assert_eq!(ids(b"sort=updated&order=asc"), [1, 2, 3, 4, 5, 6]);
    assert_eq!(ids(b"limit=500").len(), 6);
    let r = search(b"limit=2&offset=2&status=Open", ALL);
    assert_eq!(r.header("X-Total-Count"), Some("5"));
    assert_eq!(
        r.header("Link"),
        Some("</api/tickets-search.php?status=Open&limit=2&offset=4>; rel=\"next\", </api/tickets-search.php?status=Open&limit=2&offset=0>; rel=\"prev\"")
    );
    for (q, status, msg) in [
        (&b"status=Nope"[..], 404, "Status 'Nope' not found"),
        (b"status=99", 404, "Status '99' not found"),
        (b"department=Nope", 404, "Department 'Nope' not found"),
        (b"staff=ghost", 404, "Staff member 'ghost' not found"),
        (b"team=Nope", 404, "Team 'Nope' not found"),
        (b"topic=Nope", 404, "Help Topic 'Nope' not found"),
        (b"priority=Nope", 404, "Priority 'Nope' not found"),
        (b"parent=NOPE", 404, "Parent ticket 'NOPE' not found"),
    ] {
        assert_error(&search(q, ALL), status, msg);
    }
    for q in [
        &b"limit=0"[..],
        b"limit=abc",
        b"offset=-1",
        b"sort=nope",
        b"order=up",
        b"overdue=maybe",
        b"state=gone",
        b"created_from=soon",
        b"query=%FF",
    ] {
        assert_eq!(search(q, ALL).status, 400, "{}", String::from_utf8_lossy(q));
    }
    assert_eq!(search(b"query=x&mode=fulltext", ALL).status, 501);
    assert_eq!(search(b"", "KEY-READ-0123456789ABCDEF").status, 200);
    assert_error(
        &search(b"", "KEY-NONE-0123456789ABCDEF"),
        401,
        "API key not authorized to search tickets",
    );

    // Switched off: 404 before anything else.
    let mut off = cfg.clone();
    off.active = false;
    assert_eq!(
        get(&off, "tickets-get", b"/100001.json", Some(ALL)).status,
        404
    );

    // The permission grid: install is idempotent, saving revokes what is not posted.
    let tables = Tables::new("ost_").unwrap();
    let mut store = MysqlStore::new(&cfg.db);
    assert!(schema::install(&mut store, &tables).unwrap().is_empty());
    let ours = |store: &mut MysqlStore| {
        store
            .rows(&schema::indexes_query(&tables, "ticket"))
            .unwrap()
            .len()
    };
    assert_eq!(ours(&mut store), schema::INDEXES.len());
    assert_eq!(
        schema::drop_indexes(&mut store, &tables).unwrap().len(),
        schema::INDEXES.len()
    );
    assert_eq!(ours(&mut store), 0);
    assert!(schema::drop_indexes(&mut store, &tables)
        .unwrap()
        .is_empty());
    assert_eq!(
        schema::install_indexes(&mut store, &tables).unwrap().len(),
        schema::INDEXES.len()
    );
    let granted = [("read", 2i64)].into_iter().collect();
    schema::save_grid(&mut store, &tables, &granted).unwrap();
    let keys = schema::keys(&mut store, &tables).unwrap();
    let all = keys.iter().find(|k| k.id == 1).unwrap();
    assert!(
        all.grants.iter().all(|(_, on)| !on),
        "revoked everything of key 1"
    );
    assert_error(
        &get(&cfg, "tickets-get", b"/100001.json", Some(ALL)),
        401,
        "API key not authorized to read tickets",
    );
    assert_eq!(
        get(
            &cfg,
            "tickets-get",
            b"/100001.json",
            Some("KEY-READ-0123456789ABCDEF")
        )
        .status,
        200
    );
}

#[test]
fn table_prefix_is_honoured() {
    let Some(db) = database("xyz_") else { return };
    let cfg = config(&db.settings, "xyz_");
    let r = get(&cfg, "tickets-get", b"/100001.json", Some(ALL));
    assert_eq!(r.status, 200, "{}", body(&r));
    let mut store = MysqlStore::new(&cfg.db);
    let rows = store
        .rows(&osticket_api::sql::Query::new(
            "SHOW TABLES LIKE 'ost\\_%'",
            vec![],
        ))
        .unwrap();
    assert!(rows.is_empty(), "nothing under the default prefix");
    // A wrong prefix fails cleanly with a database error, not a panic.
    let wrong = config(&db.settings, "ost_");
    assert_eq!(
        get(&wrong, "tickets-get", b"/100001.json", Some(ALL)).status,
        500
    );
}
