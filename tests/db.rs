//! Database tests: the request pipeline against a real MariaDB loaded with the osTicket-shaped
//! schema and fixtures of `tests/fixtures/` (`schema.sql`, `seed.sql`, the plugin's install step,
//! `grants.sql`).
//!
//! `DATABASE_URL` names the server, e.g. `mysql://ost:pw@127.0.0.1:3317/?prefer_socket=false`
//! (scripts/test.sh sets it); without it every test prints a note and passes. Each test creates
//! its own uniquely named database and drops it when it ends (also when it fails), so the tests
//! share nothing and may run in parallel.

// Test helpers may fail loudly (and index their own fixtures).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use base64::Engine as _;
use mysql::prelude::Queryable;
use osticket_api::attachments;
use osticket_api::auth::Permission;
use osticket_api::config::Config;
use osticket_api::db::MysqlStore;
use osticket_api::dispatch::respond as handle;
use osticket_api::error::Result;
use osticket_api::request::Request;
use osticket_api::response::{Body, Response};
use osticket_api::schema;
use osticket_api::sql::{Query, Row, Store, Tables};

const GRANTS: &str = include_str!("fixtures/grants.sql");

/// Every permission.
const ALL: &str = "KEY-ALL-0123456789ABCDEF";
/// `can_read_tickets` only.
const READ: &str = "KEY-READ-0123456789ABCDEF";
/// No permission.
const NONE: &str = "KEY-NONE-0123456789ABCDEF";
/// Every permission, but inactive.
const INACTIVE: &str = "KEY-INACTIVE-0123456789AB";
/// Every permission, for another client address.
const OTHER_IP: &str = "KEY-OTHERIP-0123456789ABC";
/// `can_read_stats` only.
const STATS: &str = "KEY-STATS-0123456789ABCDE";
/// `can_manage_subtickets` only.
const SUBTICKETS: &str = "KEY-SUBTICKETS-0123456789";

/// The 70-byte PNG of ticket 1's message, as its three chunks hold it.
const PIXEL_PNG_HEX: &str = "89504E470D0A1A0A0000000D494844520000000100000001080600\
    00001F15C4890000000D4944415478DA63FCCFC0500F000485018084A98C210000000049454E44AE426082";

/// A throwaway database loaded with the fixtures (tests/common) and the keys' grants.
type TestDb = common::Scratch;

/// A fresh database loaded with the fixtures and grants under `prefix`, or `None` (test skipped)
/// when no server is configured.
fn database(prefix: &str) -> Option<TestDb> {
    let mut db = common::scratch("test", prefix, prefix)?;
    db.cfg.active = true;
    db.conn()
        .query_drop(GRANTS.replace("%TABLE_PREFIX%", prefix))
        .unwrap();
    Some(db)
}

impl TestDb {
    /// Runs a request through the whole pipeline.
    fn send(&self, req: Request) -> Response {
        self.send_with(&self.cfg, req)
    }

    fn send_with(&self, cfg: &Config, req: Request) -> Response {
        handle(&req, cfg, &mut MysqlStore::new(&cfg.db))
    }

    /// `GET /api/<endpoint>.php<path>` from 127.0.0.1.
    fn get(&self, endpoint: &str, path: &[u8], key: Option<&str>) -> Response {
        self.send(request("GET", endpoint, path, key))
    }

    /// A statement's rows, straight from the database.
    fn rows(&self, sql: &str) -> Vec<Row> {
        self.store().rows(&Query::new(sql, vec![])).unwrap()
    }
}

fn request(method: &str, endpoint: &str, path: &[u8], key: Option<&str>) -> Request {
    Request {
        endpoint: endpoint.into(),
        script_name: format!("/api/{endpoint}.php"),
        method: method.into(),
        path_info: path.to_vec(),
        api_key: key.map(|k| k.as_bytes().to_vec()),
        remote_addr: "127.0.0.1".into(),
        ..Default::default()
    }
}

fn with_query(endpoint: &str, query: &[u8], key: &str) -> Request {
    Request {
        query_string: query.to_vec(),
        ..request("GET", endpoint, b"", Some(key))
    }
}

fn body(r: &Response) -> String {
    String::from_utf8(r.bytes().expect("complete body").to_vec()).unwrap()
}

fn json(r: &Response) -> serde_json::Value {
    serde_json::from_str(&body(r)).unwrap()
}

#[track_caller]
fn assert_error(r: &Response, status: u16, message: &str) {
    assert_eq!(r.status, status, "{}", body(r));
    assert_eq!(
        r.header("Content-Type"),
        Some("application/json; charset=UTF-8")
    );
    let v = json(r);
    assert_eq!(v["error"], true);
    assert_eq!(v["message"], message);
}

#[track_caller]
fn assert_well_formed_xml(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(e) => panic!("malformed XML: {e}\n{xml}"),
        }
    }
    assert_eq!(depth, 0, "unbalanced XML\n{xml}");
}

/// A [`Store`] that counts the statements it runs.
struct Counting {
    inner: MysqlStore,
    ran: usize,
}

impl Store for Counting {
    fn rows(&mut self, query: &Query) -> Result<Vec<Row>> {
        self.ran += 1;
        self.inner.rows(query)
    }
    fn for_each(&mut self, query: &Query, each: &mut dyn FnMut(Row) -> Result<()>) -> Result<()> {
        self.ran += 1;
        self.inner.for_each(query, each)
    }
    fn execute(&mut self, query: &Query) -> Result<u64> {
        self.ran += 1;
        self.inner.execute(query)
    }
}

mod get {
    use super::*;

    #[test]
    fn full_ticket_has_the_contract_keys_in_order_with_visible_thread_and_attachments() {
        let Some(db) = database("ost_") else { return };
        let r = db.get("tickets-get", b"/100001.json", Some(ALL));
        assert_eq!(r.status, 200, "{}", body(&r));
        assert_eq!(
            r.header("Content-Type"),
            Some("application/json; charset=UTF-8")
        );
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
    }

    #[test]
    fn closed_ticket_has_its_close_date_the_default_priority_and_no_fileless_attachments() {
        let Some(db) = database("ost_") else { return };
        assert_eq!(
            body(&db.get("tickets-get", b"/100002.json", Some(ALL))),
            concat!(
                r#"{"id":2,"number":"100002","subject":"Done already","statusId":3,"status":"Closed","priorityId":2,"priority":"Normal","#,
                r#""departmentId":1,"department":"Support","topicId":0,"topic":null,"userId":2,"#,
                r#""user":{"name":"John Roe","email":"john@example.com"},"staffId":0,"staff":null,"teamId":0,"team":null,"#,
                r#""slaId":1,"sla":"Default SLA","created":"2026-01-06 09:00:00","updated":"2026-01-06 12:00:00","duedate":null,"#,
                r#""closed":"2026-01-06 12:00:00","isOverdue":false,"isAnswered":true,"source":"Email","ip":"127.0.0.1","children":[],"thread":["#,
                r#"{"id":5,"type":"M","poster":"John Roe","timestamp":"2026-01-06 09:00:00","body":"Please close.","userId":2}]}"#
            )
        );
    }

    #[test]
    fn parent_lists_its_children_and_a_departed_agent_is_null() {
        let Some(db) = database("ost_") else { return };
        let v = json(&db.get("tickets-get", b"/100003.json", Some(ALL)));
        assert_eq!(v["children"], serde_json::json!([4]));
        // An empty priority answer ('' in the form data) means the default priority.
        assert_eq!(v["priorityId"], 2);
        assert_eq!(v["priority"], "Normal");
        let reply = &v["thread"][1];
        assert_eq!(reply["staffId"], 99);
        assert!(reply["staff"].is_null());
        assert!(reply.get("userId").is_none());
        // The child has its own thread and no children.
        let v = json(&db.get("tickets-get", b"/100004.json", Some(ALL)));
        assert_eq!(v["children"], serde_json::json!([]));
        assert_eq!(v["thread"][0]["body"], "Child.");
    }

    #[test]
    fn ticket_in_the_odd_department_is_correct_json_and_well_formed_xml() {
        let Some(db) = database("ost_") else { return };
        let v = json(&db.get("tickets-get", b"/100005.json", Some(ALL)));
        assert_eq!(v["subject"], "Ünïcödé <b>&</b> “quotes”");
        assert_eq!(v["department"], "Sales & Support / Ünits <2>");
        assert_eq!(v["staffId"], 1);
        assert_eq!(v["staff"], "Ada Lovelace");
        assert_eq!(v["teamId"], 1);
        assert_eq!(v["team"], "Night Shift");
        assert_eq!(v["duedate"], "2030-01-31 17:30:00");
        assert_eq!(v["isOverdue"], true);
        assert_eq!(v["isAnswered"], false);
        assert_eq!(v["user"]["name"], "Zoë Ørsted");
        assert_eq!(v["thread"][0]["body"], "Grüße & <b>bold</b> \0 and \x1a");

        // The body holds NUL and ^Z, the names & < / and non-ASCII: the XML is still well-formed.
        let r = db.get("tickets-get", b"/100005.xml", Some(ALL));
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("Content-Type"),
            Some("application/xml; charset=UTF-8")
        );
        let xml = body(&r);
        assert_well_formed_xml(&xml);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><id>5</id>"));
        assert!(xml.contains("<department>Sales &amp; Support / Ünits &lt;2&gt;</department>"));
        assert!(xml.contains("<isOverdue>true</isOverdue>"));
        assert!(xml.contains("<thread><item><id>8</id><type>M</type>"));
    }

    #[test]
    fn missing_department_and_user_name_fall_back_like_osticket() {
        let Some(db) = database("ost_") else { return };
        // osTicket moves tickets to the default department when it deletes theirs; a ticket
        // left without one still shows the default department, like `Ticket::getDept()`.
        db.store()
            .execute(&Query::new(
                "UPDATE ost_ticket SET dept_id = 0 WHERE ticket_id = 6",
                vec![],
            ))
            .unwrap();
        let v = json(&db.get("tickets-get", b"/3.json", Some(ALL)));
        assert_eq!(v["id"], 6);
        assert_eq!(v["departmentId"], 0);
        assert_eq!(v["department"], "Support");
        assert_eq!(v["user"]["name"], "no.name");
        assert_eq!(v["user"]["email"], "no.name@example.com");
        assert_eq!(v["ip"], "");
        assert_eq!(v["source"], "Other");
    }

    #[test]
    fn names_follow_the_helpdesk_name_formats() {
        let Some(db) = database("ost_") else { return };
        db.store()
            .execute(&Query::new(
                "UPDATE ost_config SET value = IF(`key` = 'agent_name_format', 'lastfirst', 'full') \
                 WHERE `key` IN ('agent_name_format', 'client_name_format')",
                vec![],
            ))
            .unwrap();
        db.store()
            .execute(&Query::new(
                "UPDATE ost_user SET name = 'Dr. Jane Quincy Doe' WHERE id = 1",
                vec![],
            ))
            .unwrap();
        let v = json(&db.get("tickets-get", b"/100001.json", Some(ALL)));
        assert_eq!(v["user"]["name"], "Jane Doe");
        assert_eq!(v["thread"][1]["staff"], "Lovelace, Ada");
        // Without the settings, osTicket's defaults apply (agents "First Last", users as entered).
        db.store()
            .execute(&Query::new(
                "DELETE FROM ost_config WHERE `key` LIKE '%name_format'",
                vec![],
            ))
            .unwrap();
        let v = json(&db.get("tickets-get", b"/100001.json", Some(ALL)));
        assert_eq!(v["user"]["name"], "Dr. Jane Quincy Doe");
        assert_eq!(v["thread"][1]["staff"], "Ada Lovelace");
    }

    #[test]
    fn number_wins_over_an_equal_internal_id() {
        let Some(db) = database("ost_") else { return };
        let v = json(&db.get("tickets-get", b"/3.json", Some(ALL)));
        assert_eq!(
            (v["id"].as_i64(), v["number"].as_str()),
            (Some(6), Some("3"))
        );
    }

    #[test]
    fn purely_numeric_identifier_falls_back_to_the_internal_id() {
        let Some(db) = database("ost_") else { return };
        let v = json(&db.get("tickets-get", b"/2.json", Some(ALL)));
        assert_eq!(
            (v["id"].as_i64(), v["number"].as_str()),
            (Some(2), Some("100002"))
        );
        let v = json(&db.get("tickets-get", b"/0002.json", Some(ALL)));
        assert_eq!(v["id"], 2);
    }

    #[test]
    fn unknown_zero_mixed_and_huge_identifiers_are_not_found() {
        let Some(db) = database("ost_") else { return };
        for bad in [
            &b"/0.json"[..],
            b"/000.json",
            b"/123abc.json",
            b"/2abc.json",
            b"/99999999999999999999.json",
            b"/4294967297.json",
            b"/NOPE.json",
            b"/%32.json",
        ] {
            let r = db.get("tickets-get", bad, Some(ALL));
            assert_error(&r, 404, "Ticket not found");
        }
        // Errors of .xml URLs keep the content, in XML.
        let r = db.get("tickets-get", b"/NOPE.xml", Some(ALL));
        assert_eq!(r.status, 404);
        assert!(body(&r).contains("<message>Ticket not found</message>"));
    }

    #[test]
    fn get_runs_a_fixed_number_of_queries_whatever_the_thread_length() {
        let Some(db) = database("ost_") else { return };
        let count = |path: &[u8]| {
            let mut store = Counting {
                inner: db.store(),
                ran: 0,
            };
            let r = handle(
                &request("GET", "tickets-get", path, Some(ALL)),
                &db.cfg,
                &mut store,
            );
            assert_eq!(r.status, 200, "{}", body(&r));
            store.ran
        };
        // Key + ticket + entries + attachments + children; one more for the id fallback.
        let long = count(b"/100001.json");
        assert_eq!(long, count(b"/100004.json"));
        assert_eq!(count(b"/2.json"), long + 1);
        assert!(long <= 5, "{long} queries");
        // Many more entries and attachments change nothing.
        db.store()
            .execute(&Query::new(
                "INSERT INTO ost_thread_entry (thread_id, type, poster, body, created, updated) \
                 SELECT 4, 'M', 'Jane Doe', CONCAT('more ', seq), NOW(), NOW() FROM seq_1_to_200",
                vec![],
            ))
            .unwrap();
        assert_eq!(count(b"/100004.json"), long);
        let v = json(&db.get("tickets-get", b"/100004.json", Some(ALL)));
        assert_eq!(v["thread"].as_array().unwrap().len(), 201);
    }
}

mod auth {
    use super::*;

    #[test]
    fn missing_unknown_inactive_and_foreign_address_keys_are_refused() {
        let Some(db) = database("ost_") else { return };
        let get = |key: Option<&str>| db.get("tickets-get", b"/100001.json", key);
        assert_error(&get(None), 401, "Valid API key required");
        assert_error(&get(Some("")), 401, "Valid API key required");
        assert_error(&get(Some("nope")), 401, "Valid API key required");
        assert_error(
            &get(Some(INACTIVE)),
            401,
            "API key not found/active or source IP not authorized",
        );
        assert_error(&get(Some(OTHER_IP)), 401, "Valid API key required");
        let mut from_other = request("GET", "tickets-get", b"/100001.json", Some(OTHER_IP));
        from_other.remote_addr = "10.9.8.7".into();
        assert_eq!(db.send(from_other).status, 200);
    }

    /// The `/api/wildcard/` route (the shell sets `wildcard`): a key registered for 0.0.0.0
    /// answers from any address there, and nowhere else.
    #[test]
    fn any_address_keys_are_accepted_on_the_wildcard_route_only() {
        let Some(db) = database("ost_") else { return };
        db.store()
            .execute(&Query::new(
                "INSERT INTO ost_api_key (isactive, ipaddr, apikey, can_read_tickets, notes, created, updated) \
                 VALUES (1, '0.0.0.0', 'ANY-ADDRESS-KEY', 1, '', NOW(), NOW())",
                vec![],
            ))
            .unwrap();
        for (addr, wildcard, status) in [
            ("10.9.8.7", false, 401),
            ("127.0.0.1", false, 401),
            ("10.9.8.7", true, 200),
            ("2001:db8::1", true, 200),
        ] {
            let mut req = request(
                "GET",
                "tickets-get",
                b"/100001.json",
                Some("ANY-ADDRESS-KEY"),
            );
            req.remote_addr = addr.into();
            req.wildcard = wildcard;
            assert_eq!(db.send(req).status, status, "{addr} wildcard={wildcard}");
        }
        // A key registered for another address stays refused on the wildcard route.
        let mut req = request("GET", "tickets-get", b"/100001.json", Some(OTHER_IP));
        req.wildcard = true;
        assert_eq!(db.send(req).status, 401);
    }

    #[test]
    fn key_without_the_permission_gets_the_endpoint_message() {
        let Some(db) = database("ost_") else { return };
        for (endpoint, path, message) in [
            (
                "tickets-get",
                &b"/100001.json"[..],
                "API key not authorized to read tickets",
            ),
            (
                "tickets-attachment-download",
                b"/1.json",
                "API key not authorized to read attachments",
            ),
            (
                "tickets-statuses",
                b"",
                "API key not authorized to read ticket statistics",
            ),
        ] {
            assert_error(&db.get(endpoint, path, Some(NONE)), 401, message);
            assert_error(&db.get(endpoint, path, Some(SUBTICKETS)), 401, message);
        }
        assert_eq!(
            db.get("tickets-get", b"/100001.json", Some(READ)).status,
            200
        );
        assert_error(
            &db.get("tickets-get", b"/100001.json", Some(STATS)),
            401,
            "API key not authorized to read tickets",
        );
    }

    #[test]
    fn switched_off_plugin_answers_404_before_checking_anything() {
        let Some(db) = database("ost_") else { return };
        let mut off = db.cfg.clone();
        off.active = false;
        for req in [
            request("GET", "tickets-get", b"/100001.json", Some(ALL)),
            request("GET", "tickets-get", b"/100001.json", None),
            request("POST", "tickets-get", b"/bad", None),
            request("GET", "tickets-attachment-download", b"/1.json", Some(ALL)),
            request("GET", "tickets-statuses", b"", Some(ALL)),
        ] {
            let r = db.send_with(&off, req);
            assert_eq!(r.status, 404, "{}", body(&r));
            assert_eq!(json(&r)["error"], true);
        }
    }
}

mod routing {
    use super::*;

    #[test]
    fn wrong_method_is_405_with_allow() {
        let Some(db) = database("ost_") else { return };
        for method in ["POST", "DELETE", "PATCH", "get"] {
            let r = db.send(request(method, "tickets-get", b"/100001.json", Some(ALL)));
            assert_error(&r, 405, "Method Not Allowed. Use GET");
            assert_eq!(r.header("Allow"), Some("GET"));
        }
        let r = db.send(request(
            "PUT",
            "tickets-attachment-download",
            b"/1.json",
            Some(ALL),
        ));
        assert_error(&r, 405, "Method Not Allowed. Use GET");
    }

    #[test]
    fn malformed_paths_are_400_with_the_endpoint_message() {
        let Some(db) = database("ost_") else { return };
        let get_msg = "Invalid URL format. Expected: /api/tickets-get.php/{ticket_number}.json";
        for path in [
            &b""[..],
            b"/",
            b"/100001",
            b"/100001.",
            b"/100001.txt",
            b"/100001.JSON",
            b"/.json",
            b"100001.json",
            b"/a/b.json",
            b"/1.2.json",
            b"/100001.json/",
            b"/\xff\xfe.json",
        ] {
            let r = db.get("tickets-get", path, Some(ALL));
            assert_error(&r, 400, get_msg);
        }
        let dl_msg =
            "Invalid URL format. Expected: /api/tickets-attachment-download.php/{file_id}.json";
        for path in [
            &b"/abc.json"[..],
            b"/-1.json",
            b"/+1.json",
            b"/1e3.json",
            b"/\xc3.json",
        ] {
            let r = db.get("tickets-attachment-download", path, Some(ALL));
            assert_error(&r, 400, dl_msg);
        }
        for path in [&b"/x"[..], b".txt", b"/.json/x"] {
            let r = db.get("tickets-statuses", path, Some(ALL));
            assert_error(&r, 400, "Invalid URL format");
        }
    }
}

mod statuses {
    use super::*;

    #[test]
    fn statuses_come_in_sort_order_with_every_state() {
        let Some(db) = database("ost_") else { return };
        let expected = concat!(
            r#"[{"id":1,"name":"Open","state":"open"},{"id":2,"name":"Resolved","state":"closed"},"#,
            r#"{"id":3,"name":"Closed","state":"closed"},{"id":4,"name":"Archived","state":"archived"},"#,
            r#"{"id":5,"name":"Deleted","state":"deleted"}]"#
        );
        for path in [&b""[..], b".json", b"/.json"] {
            let r = db.get("tickets-statuses", path, Some(ALL));
            assert_eq!(r.status, 200, "{}", body(&r));
            assert_eq!(body(&r), expected);
        }
        // The sort column decides, not the id.
        db.store()
            .execute(&Query::new(
                "UPDATE ost_ticket_status SET sort = 0 WHERE id = 5",
                vec![],
            ))
            .unwrap();
        let v = json(&db.get("tickets-statuses", b"", Some(ALL)));
        assert_eq!(v[0]["name"], "Deleted");
        let r = db.get("tickets-statuses", b".xml", Some(STATS));
        assert_eq!(r.status, 200);
        assert_well_formed_xml(&body(&r));
        assert_eq!(db.get("tickets-statuses", b"", Some(READ)).status, 200);
    }
}

mod download {
    use super::*;

    pub(super) fn pixel_png() -> Vec<u8> {
        (0..PIXEL_PNG_HEX.len() / 2)
            .map(|i| u8::from_str_radix(&PIXEL_PNG_HEX[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// The whole body of a streamed download, read through the real store.
    fn streamed(db: &TestDb, r: &Response) -> Vec<u8> {
        assert_eq!(r.status, 200);
        let Body::Download(dl) = &r.body else {
            panic!("expected a streamed body")
        };
        let mut out = dl.head.clone();
        let n =
            attachments::stream(&mut db.store(), dl, &mut |b| out.extend_from_slice(b)).unwrap();
        assert_eq!(n, dl.size);
        out.extend_from_slice(&dl.tail);
        out
    }

    #[test]
    fn ticket_attachment_streams_the_exact_file_bytes() {
        let Some(db) = database("ost_") else { return };
        // The fixture's chunks really are of different sizes.
        let sizes: Vec<i64> = db
            .rows("SELECT LENGTH(filedata) FROM ost_file_chunk WHERE file_id = 1 ORDER BY chunk_id")
            .iter()
            .map(|r| r.int(0))
            .collect();
        assert_eq!(sizes, [20, 1, 49]);
        let chunks: Vec<u8> = db
            .rows("SELECT filedata FROM ost_file_chunk WHERE file_id = 1 ORDER BY chunk_id")
            .iter()
            .flat_map(|r| r.bytes(0).to_vec())
            .collect();
        assert_eq!(chunks, pixel_png());

        let r = db.get("tickets-attachment-download", b"/1.json", Some(ALL));
        assert_eq!(
            r.header("Content-Type"),
            Some("application/json; charset=UTF-8")
        );
        let out = String::from_utf8(streamed(&db, &r)).unwrap();
        let content = base64::engine::general_purpose::STANDARD.encode(&chunks);
        assert_eq!(
            out,
            format!(
                r#"{{"file_id":1,"filename":"pixel.png","mime_type":"image/png","size":70,"content":"{content}"}}"#
            )
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(v["content"].as_str().unwrap())
            .unwrap();
        assert_eq!(decoded, chunks);
        // The inline file of the response downloads too; READ suffices.
        let r = db.get("tickets-attachment-download", b"/5.json", Some(READ));
        let v: serde_json::Value = serde_json::from_slice(&streamed(&db, &r)).unwrap();
        assert_eq!(v["filename"], "inline.png");
        assert_eq!(v["content"], content);
    }

    #[test]
    fn download_in_xml_is_well_formed_with_the_same_content() {
        let Some(db) = database("ost_") else { return };
        let r = db.get("tickets-attachment-download", b"/1.xml", Some(ALL));
        assert_eq!(
            r.header("Content-Type"),
            Some("application/xml; charset=UTF-8")
        );
        let xml = String::from_utf8(streamed(&db, &r)).unwrap();
        assert_well_formed_xml(&xml);
        let content = base64::engine::general_purpose::STANDARD.encode(pixel_png());
        assert_eq!(
            xml,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><file_id>1</file_id>\
                 <filename>pixel.png</filename><mime_type>image/png</mime_type><size>70</size>\
                 <content>{content}</content></response>\n"
            )
        );
    }

    #[test]
    fn zero_file_id_is_invalid() {
        let Some(db) = database("ost_") else { return };
        for path in [&b"/0.json"[..], b"/000.json", b"/99999999999.json"] {
            let r = db.get("tickets-attachment-download", path, Some(ALL));
            assert_error(&r, 400, "Invalid file ID");
        }
    }

    #[test]
    fn files_outside_ticket_threads_are_not_accessible() {
        let Some(db) = database("ost_") else { return };
        // 2: attached to a FAQ; 3: to a task's thread entry; 999: attached to nothing.
        for path in [&b"/2.json"[..], b"/3.json", b"/999.json"] {
            let r = db.get("tickets-attachment-download", path, Some(ALL));
            assert_error(&r, 403, "Attachment not accessible");
        }
    }

    #[test]
    fn attached_file_without_its_file_row_is_not_found() {
        let Some(db) = database("ost_") else { return };
        let r = db.get("tickets-attachment-download", b"/6.json", Some(ALL));
        assert_error(&r, 404, "File not found");
    }

    #[test]
    fn file_over_the_limit_is_413_naming_size_and_limit() {
        let Some(db) = database("ost_") else { return };
        let mut small = db.cfg.clone();
        small.max_download_bytes = 69;
        let r = db.send_with(
            &small,
            request("GET", "tickets-attachment-download", b"/1.json", Some(ALL)),
        );
        assert_eq!(r.status, 413, "{}", body(&r));
        let message = json(&r)["message"].as_str().unwrap().to_owned();
        assert!(
            message.contains("70 bytes") && message.contains("69 bytes"),
            "{message}"
        );
        small.max_download_bytes = 70;
        let r = db.send_with(
            &small,
            request("GET", "tickets-attachment-download", b"/1.json", Some(ALL)),
        );
        assert_eq!(r.status, 200);
    }

    #[test]
    fn file_in_another_storage_backend_is_501() {
        let Some(db) = database("ost_") else { return };
        let r = db.get("tickets-attachment-download", b"/4.json", Some(ALL));
        assert_eq!(r.status, 501, "{}", body(&r));
        let message = json(&r)["message"].as_str().unwrap().to_owned();
        assert!(message.contains("'F'"), "{message}");
    }
}

mod subtickets {
    use super::*;

    #[test]
    fn parent_and_children_come_from_ticket_pid() {
        let Some(db) = database("ost_") else { return };
        assert_eq!(
            body(&db.get("tickets-subtickets-parent", b"/100004.json", Some(ALL))),
            r#"{"parent":{"ticket_id":3,"number":"100003","subject":"Parent ticket","status":"Open"}}"#
        );
        assert_eq!(
            body(&db.get("tickets-subtickets-parent", b"/100001.json", Some(ALL))),
            r#"{"parent":null}"#
        );
        assert_eq!(
            body(&db.get("tickets-subtickets-list", b"/100003.json", Some(ALL))),
            r#"{"children":[{"ticket_id":4,"number":"100004","subject":"Child ticket","status":"Open"}]}"#
        );
        assert_eq!(
            body(&db.get("tickets-subtickets-list", b"/100004.json", Some(ALL))),
            r#"{"children":[]}"#
        );
    }

    #[test]
    fn subticket_errors_keep_the_original_messages() {
        let Some(db) = database("ost_") else { return };
        assert_error(
            &db.get("tickets-subtickets-list", b"/NOPE.json", Some(ALL)),
            404,
            "Parent ticket not found",
        );
        assert_error(
            &db.get("tickets-subtickets-parent", b"/NOPE.json", Some(ALL)),
            404,
            "Child ticket not found",
        );
        assert_error(
            &db.get("tickets-subtickets-parent", b"/0.json", Some(ALL)),
            400,
            "Invalid ticket number",
        );
        assert_error(
            &db.get("tickets-subtickets-list", b"/100003.json", Some(READ)),
            403,
            "API key not authorized for subticket operations",
        );
        assert_eq!(
            db.get("tickets-subtickets-list", b"/100003.json", Some(SUBTICKETS))
                .status,
            200
        );
    }
}

mod stats {
    use super::*;

    #[test]
    fn statistics_count_states_departments_and_agents() {
        let Some(db) = database("ost_") else { return };
        assert_eq!(
            body(&db.get("tickets-stats", b"", Some(ALL))),
            concat!(
                r#"{"total":6,"open":5,"closed":1,"overdue":1,"archived":0,"deleted":0,"by_department":{"#,
                r#""Parent Dept / Sales & Support / Ünits <2>":{"department_id":3,"total":1,"open":1,"closed":0,"overdue":1},"#,
                r#""Support":{"department_id":1,"total":5,"open":4,"closed":1,"overdue":0}},"#,
                r#""by_staff":[{"staff_id":1,"staff_name":"Ada Lovelace","total":1,"departments":{"#,
                r#""Parent Dept / Sales & Support / Ünits <2>":{"open":1,"closed":0,"overdue":1}}}]}"#
            )
        );
        assert_eq!(db.get("tickets-stats", b".xml", Some(READ)).status, 200);
    }

    #[test]
    fn statistics_filters() {
        let Some(db) = database("ost_") else { return };
        let stats = |q: &[u8]| db.send(with_query("tickets-stats", q, ALL));
        assert_eq!(json(&stats(b"since=2026-01-07"))["total"], 4);
        assert_eq!(
            json(&stats(b"since=2026-01-07&until=2026-01-09"))["total"],
            2
        );
        assert_eq!(
            json(&stats(
                b"department=Sales+%26+Support+%2F+%C3%9Cnits+%3C2%3E"
            ))["total"],
            1
        );
        assert_eq!(json(&stats(b"department=1"))["total"], 5);
        assert_error(
            &stats(b"department=Nope"),
            404,
            "Department 'Nope' not found",
        );
        assert_eq!(stats(b"since=yesterday").status, 400);
    }

    /// Statistics of an unchanged ticket table come from the worker's cache; any change of the
    /// table (here a status change and a delete) is seen at once.
    #[test]
    fn cached_statistics_follow_every_change() {
        let Some(db) = database("ost_") else { return };
        let run = |db: &TestDb| {
            let mut store = Counting {
                inner: db.store(),
                ran: 0,
            };
            let r = handle(&with_query("tickets-stats", b"", ALL), &db.cfg, &mut store);
            assert_eq!(r.status, 200, "{}", body(&r));
            (
                json(&r)["closed"].as_i64().unwrap(),
                json(&r)["total"].as_i64().unwrap(),
                store.ran,
            )
        };
        let change = |db: &TestDb, sql: &str| {
            db.store()
                .execute(&Query::new(sql.to_owned(), vec![]))
                .unwrap();
            // UPDATE_TIME has a resolution of a second: results within the second of a change
            // are not cached, so wait for the next one to see the cache at work.
            std::thread::sleep(std::time::Duration::from_millis(1100));
        };
        change(&db, "UPDATE ost_ticket SET isoverdue = isoverdue WHERE 0");
        let (closed, total, first) = run(&db);
        assert_eq!((closed, total), (1, 6));
        let (_, _, cached) = run(&db);
        assert_eq!(cached, first - 1, "the aggregate query is not run again");
        change(
            &db,
            "UPDATE ost_ticket SET status_id = 3 WHERE number = '100001'",
        );
        let (closed, total, ran) = run(&db);
        assert_eq!(
            (closed, total, ran),
            (2, 6, first),
            "a status change is counted"
        );
        change(&db, "DELETE FROM ost_ticket WHERE number = '100001'");
        let (closed, total, _) = run(&db);
        assert_eq!(
            (closed, total),
            (1, 5),
            "a deleted ticket is gone from the counts"
        );
    }
}

mod search {
    use super::*;

    fn ids(db: &TestDb, q: &[u8]) -> Vec<i64> {
        let r = db.send(with_query("tickets-search", q, ALL));
        assert_eq!(r.status, 200, "{} {}", String::from_utf8_lossy(q), body(&r));
        json(&r)
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    }

    #[test]
    fn search_items_have_the_contract_keys_and_a_total() {
        let Some(db) = database("ost_") else { return };
        let r = db.send(with_query("tickets-search", b"", ALL));
        assert_eq!(r.header("X-Total-Count"), Some("6"));
        assert!(r.header("Link").is_none());
        assert_eq!(ids(&db, b""), [6, 5, 4, 3, 2, 1]);
        // Key order and types of an item, from the raw body (serde_json's map would sort the keys).
        assert!(body(&r).ends_with(concat!(
            r#"{"id":1,"number":"100001","subject":"Printer on fire","statusId":1,"status":"Open","priorityId":3,"#,
            r#""priority":"High","departmentId":1,"department":"Support","topicId":1,"topic":"General Inquiry","#,
            r#""created":"2026-01-05 09:00:00","updated":"2026-01-05 10:00:00","dueDate":null,"staffId":0,"staff":null,"#,
            r#""teamId":0,"team":null,"slaId":1,"sla":"Default SLA","isOverdue":false,"isAnswered":true}]"#
        )), "{}", body(&r));
        let r = db.send(with_query(
            "tickets-search",
            b"limit=2&offset=2&status=Open",
            ALL,
        ));
        assert_eq!(r.header("X-Total-Count"), Some("5"));
        assert_eq!(
            r.header("Link"),
            Some("</api/tickets-search.php?status=Open&limit=2&offset=4>; rel=\"next\", </api/tickets-search.php?status=Open&limit=2&offset=0>; rel=\"prev\"")
        );
        assert_eq!(db.send(with_query("tickets-search", b"", READ)).status, 200);
        assert_error(
            &db.send(with_query("tickets-search", b"", NONE)),
            401,
            "API key not authorized to search tickets",
        );
    }

    #[test]
    fn search_filters_and_sorts() {
        let Some(db) = database("ost_") else { return };
        assert_eq!(ids(&db, b"status=Closed"), [2]);
        assert_eq!(ids(&db, b"status=3"), [2]);
        assert_eq!(ids(&db, b"state=closed"), [2]);
        assert_eq!(ids(&db, b"department=Support"), [6, 4, 3, 2, 1]);
        assert_eq!(
            ids(
                &db,
                b"department=Parent+Dept+%2F+Sales+%26+Support+%2F+%C3%9Cnits+%3C2%3E"
            ),
            [5]
        );
        assert_eq!(ids(&db, b"staff=ada"), [5]);
        assert_eq!(ids(&db, b"staff=1"), [5]);
        assert_eq!(ids(&db, b"team=Night+Shift"), [5]);
        assert_eq!(ids(&db, b"priority=High"), [1]);
        assert_eq!(ids(&db, b"topic=General+Inquiry"), [1]);
        assert_eq!(ids(&db, b"email=jane%40example.com"), [4, 3, 1]);
        assert_eq!(ids(&db, b"overdue=true"), [5]);
        assert_eq!(ids(&db, b"query=printer"), [1]);
        assert_eq!(ids(&db, b"query=100004"), [4]);
        assert!(ids(&db, b"query=50%25_").is_empty());
        assert_eq!(ids(&db, b"parent=100003"), [4]);
        assert_eq!(ids(&db, b"created_from=2026-01-09"), [6, 5]);
        assert_eq!(ids(&db, b"created_to=2026-01-06"), [2, 1]);
        assert_eq!(ids(&db, b"updated_since=2026-01-10"), [6]);
        assert_eq!(ids(&db, b"sort=number&order=asc"), [1, 2, 3, 4, 5, 6]);
        assert_eq!(ids(&db, b"sort=number"), [1, 2, 3, 4, 5, 6]);
        assert_eq!(ids(&db, b"sort=updated&order=asc"), [1, 2, 3, 4, 5, 6]);
        // Unknown sort values fall back to created, newest first (as the original).
        assert_eq!(ids(&db, b"sort=priority"), ids(&db, b"sort=created"));
        assert_eq!(ids(&db, b"sort=priority&order=asc"), [1, 2, 3, 4, 5, 6]);
        // departmentId is the known client's name for department.
        assert_eq!(ids(&db, b"departmentId=Support"), [6, 4, 3, 2, 1]);
        assert_eq!(ids(&db, b"limit=500").len(), 6);
    }

    #[test]
    fn search_rejects_unknown_names_and_bad_values() {
        let Some(db) = database("ost_") else { return };
        let search = |q: &[u8]| db.send(with_query("tickets-search", q, ALL));
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
            assert_error(&search(q), status, msg);
        }
        for q in [
            &b"limit=0"[..],
            b"limit=abc",
            b"offset=-1",
            b"status[]=Closed",
            b"status=Open&status=Closed",
            b"department=1&departmentId=1",
            b"order=up",
            b"overdue=maybe",
            b"state=gone",
            b"created_from=soon",
            b"query=%FF",
        ] {
            assert_eq!(search(q).status, 400, "{}", String::from_utf8_lossy(q));
        }
        assert_eq!(search(b"query=x&mode=fulltext").status, 501);
    }

    #[test]
    fn full_text_mode_finds_subjects_and_thread_bodies_through_osticket_index() {
        let Some(db) = database("ost_") else { return };
        let mut store = db.store();
        for sql in [
            "CREATE TABLE ost__search (object_type varchar(8) NOT NULL, object_id int(11) unsigned NOT NULL, \
             title text, content text, PRIMARY KEY (object_type, object_id), FULLTEXT KEY search (title, content)) \
             ENGINE=InnoDB",
            // osTicket's rows: 'T' tickets (number + subject), 'H' thread entries, 'U' users.
            "INSERT INTO ost__search VALUES ('T', 1, '100001 Printer on fire', ''), \
             ('H', 6, '', 'the toner smells like a printer'), ('H', 3, '', 'nothing here'), \
             ('U', 1, 'Printer Person', ''), ('H', 8, '', 'zebra'), ('T', 5, '100005 zebra crossing', '')",
        ] {
            store.execute(&Query::new(sql.to_owned(), vec![])).unwrap();
        }
        let ids = |q: &[u8]| -> Vec<i64> {
            let r = db.send(with_query("tickets-search", q, ALL));
            assert_eq!(r.status, 200, "{}", body(&r));
            let mut ids: Vec<i64> = json(&r)
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap())
                .collect();
            ids.sort();
            ids
        };
        // Ticket 1 by its subject, ticket 3 by an entry of its thread; the user row counts for nothing.
        assert_eq!(ids(b"query=printer&mode=fulltext"), [1, 3]);
        // Subject and body of the same ticket (5): listed once.
        assert_eq!(ids(b"query=zebra&mode=fulltext"), [5]);
        assert_eq!(
            ids(b"query=printer&mode=fulltext&state=closed"),
            Vec::<i64>::new()
        );
        // The subject mode does not read bodies.
        assert_eq!(ids(b"query=toner"), Vec::<i64>::new());
    }
}

mod plugin_schema {
    use super::*;

    #[test]
    fn install_is_idempotent_and_indexes_come_and_go() {
        let Some(db) = database("ost_") else { return };
        let tables = Tables::new("ost_").unwrap();
        let mut store = db.store();
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
    }

    #[test]
    fn saving_the_grid_changes_only_what_the_admin_changed_and_keeps_changes_made_elsewhere() {
        let Some(db) = database("ost_") else { return };
        let tables = Tables::new("ost_").unwrap();
        let mut store = db.store();
        let before = schema::keys(&mut store, &tables).unwrap();
        let page = |keys: &[schema::KeyRow]| schema::PostedGrid {
            loaded: keys
                .iter()
                .map(|k| {
                    (
                        k.id,
                        schema::decode_loaded(&schema::encode_loaded(k)).unwrap(),
                    )
                })
                .collect(),
            ticked: keys
                .iter()
                .flat_map(|k| {
                    k.grants
                        .iter()
                        .filter(|(_, on)| *on)
                        .map(|(p, _)| (schema::form_name(*p), k.id))
                })
                .collect(),
        };
        // Two admins load the page; the first unticks every box of key 1 (revoking its last
        // permission too) and saves.
        let mut first = page(&before);
        let mut second = page(&before);
        first.ticked.retain(|(_, id)| *id != 1);
        let saved = schema::apply_grid(&mut store, &tables, &first).unwrap();
        let granted_before = before[0].grants.iter().filter(|(_, on)| *on).count();
        assert_eq!((saved.changed, saved.notices.len()), (granted_before, 0));
        // Meanwhile a key is added elsewhere with core's create permission.
        store
            .execute(&Query::new(
                "INSERT INTO ost_api_key (isactive, ipaddr, apikey, can_create_tickets, can_read_tickets, created, updated) \
                 VALUES (1, '10.9.9.9', 'NEWKEY-0123456789ABCDEF', 1, 1, NOW(), NOW())",
                vec![],
            ))
            .unwrap();
        // The second admin's stale page: grants read to key 2 (READ has it; so search) and revokes
        // key 1's read (changed on both sides: reported, left as it is).
        second.ticked.insert(("search", 2));
        second.ticked.remove(&("read", 1));
        let saved = schema::apply_grid(&mut store, &tables, &second).unwrap();
        assert_eq!(saved.changed, 1, "{saved:?}");
        assert_eq!(saved.notices.len(), 1, "{saved:?}");
        assert!(saved.notices[0].starts_with("API key 1, Read: also changed elsewhere"));
        let after = schema::keys(&mut store, &tables).unwrap();
        let grant = |id: i64, p: Permission| {
            after
                .iter()
                .find(|k| k.id == id)
                .and_then(|k| k.grants.iter().find(|(g, _)| *g == p))
                .map(|(_, on)| *on)
        };
        assert!(
            after[0].grants.iter().all(|(_, on)| !on),
            "key 1 stays revoked"
        );
        assert_eq!(grant(2, Permission::SearchTickets), Some(true));
        let new = after.iter().find(|k| k.ip == "10.9.9.9").unwrap();
        assert_eq!(
            grant(new.id, Permission::CreateTickets),
            Some(true),
            "the new key keeps core's permission"
        );
        assert_error(
            &db.get("tickets-get", b"/100001.json", Some(ALL)),
            401,
            "API key not authorized to read tickets",
        );
        assert_eq!(
            db.get("tickets-get", b"/100001.json", Some(READ)).status,
            200
        );
    }
}

#[test]
fn table_prefix_is_honoured() {
    let Some(db) = database("xyz_") else { return };
    let r = db.get("tickets-get", b"/100001.json", Some(ALL));
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(json(&r)["priority"], "High");
    let r = db.get("tickets-attachment-download", b"/1.json", Some(ALL));
    assert_eq!(r.status, 200);
    assert_eq!(db.get("tickets-statuses", b"", Some(ALL)).status, 200);
    assert!(
        db.rows("SHOW TABLES LIKE 'ost\\_%'").is_empty(),
        "nothing under the default prefix"
    );
    // A wrong prefix fails cleanly with a database error, not a panic.
    let mut wrong = db.cfg.clone();
    wrong.tables = Tables::new("ost_").unwrap();
    let r = db.send_with(
        &wrong,
        request("GET", "tickets-get", b"/100001.json", Some(ALL)),
    );
    assert_error(&r, 500, "Database error");
}

/// The write path up to the command: everything is resolved and validated against the database
/// (the command is applied by the plugin's adapter, tested on real osTicket).
mod writes {
    use super::*;
    use osticket_api::dispatch::{handle as handle_write, Handled};
    use osticket_api::write::Cmd;

    fn write(db: &TestDb, method: &str, endpoint: &str, path: &[u8], body: &str) -> Handled {
        let req = Request {
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
            ..request(method, endpoint, path, Some(ALL))
        };
        handle_write(&req, &db.cfg, &mut db.store())
    }

    fn command(h: Handled) -> Cmd {
        match h {
            Handled::Apply(c) => c,
            Handled::Respond(r) => panic!("expected a command, got {} {}", r.status, body(&r)),
        }
    }

    fn error(h: Handled) -> (u16, serde_json::Value) {
        match h {
            Handled::Respond(r) => (r.status, json(&r)),
            Handled::Apply(c) => panic!("expected an error, got a command {c:?}"),
        }
    }

    fn int(c: &Cmd, key: &str) -> i64 {
        match c.get(key) {
            Some(Cmd::Int(i)) => *i,
            other => panic!("{key}: {other:?}"),
        }
    }

    fn steps(c: &Cmd) -> Vec<&Cmd> {
        match c.get("steps") {
            Some(Cmd::List(l)) => l.iter().collect(),
            other => panic!("steps: {other:?}"),
        }
    }

    fn name(step: &Cmd) -> &str {
        match step.get("do") {
            Some(Cmd::Str(s)) => s,
            other => panic!("do: {other:?}"),
        }
    }

    #[test]
    fn update_resolves_names_and_keeps_only_changes_in_order() {
        let Some(db) = database("ost_") else { return };
        let c = command(write(
            &db,
            "PATCH",
            "tickets-update",
            b"/100001.json",
            r#"{"noteTitle":"T","note":"**hi**","dueDate":"2030-01-31T17:30:00+01:00",
                "priority":"low","staffId":"ada","teamId":"Night Shift","slaId":"Default SLA",
                "statusId":"Closed","departmentId":"Parent Dept / Sales & Support / Ünits <2>"}"#,
        ));
        assert_eq!(int(&c, "ticket_id"), 1);
        let s = steps(&c);
        let names: Vec<&str> = s.iter().map(|s| name(s)).collect();
        // The documented order; SLA 1 is the ticket's already but is handed over with the others
        // (the adapter skips it when it still is when its turn comes).
        assert_eq!(
            names,
            ["transfer", "sla", "priority", "due", "team", "staff", "note", "status"]
        );
        let order: Vec<&str> = osticket_api::write::update::ORDER
            .iter()
            .copied()
            .filter(|n| names.contains(n))
            .collect();
        assert_eq!(names, order);
        assert_eq!(int(s[0], "dept_id"), 3);
        assert_eq!(int(s[1], "sla_id"), 1);
        assert_eq!(int(s[2], "priority_id"), 1);
        assert_eq!(
            s[3].get("due"),
            Some(&Cmd::Str("2030-01-31 16:30:00".into()))
        );
        assert_eq!(s[3].get("due_utc"), Some(&Cmd::Bool(true)));
        assert_eq!(int(s[5], "staff_id"), 1);
        assert_eq!(
            s[6].get("body"),
            Some(&Cmd::Str("<p><strong>hi</strong></p>\n".into()))
        );
        assert_eq!(s[6].get("format"), Some(&Cmd::Str("html".into())));
        assert_eq!(int(s[7], "status_id"), 3);
        // Text stays text: handed over as written, for osTicket's text body.
        let c = command(write(
            &db,
            "PATCH",
            "tickets-update",
            b"/100001.json",
            r#"{"reply":"<b>x</b> *y*","replyFormat":"text","alert":false}"#,
        ));
        let s = steps(&c);
        assert_eq!(s[0].get("body"), Some(&Cmd::Str("<b>x</b> *y*".into())));
        assert_eq!(s[0].get("format"), Some(&Cmd::Str("text".into())));
        // Unassigning what is assigned; a change to nothing answers at once with the number.
        let c = command(write(
            &db,
            "PUT",
            "tickets-update",
            b"/100005.json",
            r#"{"staffId":null,"teamId":0}"#,
        ));
        let s = steps(&c);
        assert_eq!((int(s[0], "team_id"), int(s[1], "staff_id")), (0, 0));
        match write(
            &db,
            "PATCH",
            "tickets-update",
            b"/100001.json",
            r#"{"statusId":1,"slaId":1}"#,
        ) {
            Handled::Respond(r) => assert_eq!((r.status, body(&r)), (200, "100001".into())),
            Handled::Apply(c) => panic!("nothing to apply, got {c:?}"),
        }
    }

    #[test]
    fn invalid_updates_are_refused_before_anything_is_applied() {
        let Some(db) = database("ost_") else { return };
        let cases: &[(&str, u16, &str, &str)] = &[
            (r#"{"departmentId":"Nope"}"#, 404, "departmentId", "Department 'Nope' not found"),
            (r#"{"departmentId":99}"#, 404, "departmentId", "Department not found"),
            (r#"{"topicId":"General Inquiry"}"#, 400, "topicId", "Help Topic is not active"),
            (r#"{"statusId":"Gone"}"#, 404, "statusId", "Status 'Gone' not found"),
            (r#"{"staffId":"nobody"}"#, 404, "staffId", "Staff member not found"),
            (r#"{"teamId":"Day Shift"}"#, 404, "teamId", "Team 'Day Shift' not found"),
            (r#"{"priority":"urgent"}"#, 404, "priority", "Priority 'urgent' not found"),
            (r#"{"statusId":1.5}"#, 400, "statusId", "statusId must be a number or a string"),
            (r#"{"dueDate":"tomorrow"}"#, 400, "dueDate", "Invalid date format for dueDate. Expected ISO 8601 format (e.g., \"2025-01-31\" or \"2025-01-31T17:30:00\")"),
            (r#"{"note":"x","noteFormat":"rtf"}"#, 400, "noteFormat", "Invalid format. Allowed: markdown, html, text"),
            (r#"{"attachments":[{"a.txt":"data:text/plain,hi"}]}"#, 400, "attachments", "Attachments can only be added with a note or a reply"),
            (r#"{"parentTicketNumber":"100001"}"#, 400, "parentTicketNumber", "Cannot link ticket to itself"),
            (r#"{"parentTicketNumber":"100004"}"#, 400, "parentTicketNumber", "Parent ticket cannot be a child of another ticket"),
            // A valid field before an invalid one changes nothing either: no command at all.
            (r#"{"statusId":"Closed","staffId":"nobody"}"#, 404, "staffId", "Staff member not found"),
        ];
        for (body_json, status, field, message) in cases {
            let (s, e) = error(write(
                &db,
                "PATCH",
                "tickets-update",
                b"/100001.json",
                body_json,
            ));
            assert_eq!(
                (s, e["field"].as_str(), e["message"].as_str()),
                (*status, Some(*field), Some(*message)),
                "{body_json}"
            );
        }
        let (s, e) = error(write(
            &db,
            "PATCH",
            "tickets-update",
            b"/1.json",
            r#"{"statusId":1}"#,
        ));
        assert_eq!(
            (s, e["message"].as_str()),
            (404, Some("Ticket not found")),
            "number only"
        );
        let (s, e) = error(write(&db, "PATCH", "tickets-update", b"/100001.json", "[1"));
        assert_eq!(s, 400);
        assert!(e["message"].as_str().unwrap().starts_with("Invalid JSON: "));
    }

    #[test]
    fn the_helpdesk_attachment_settings_narrow_the_limits() {
        let Some(db) = database("ost_") else { return };
        let png = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            super::download::pixel_png(),
        );
        let note = |files: &str| format!(r#"{{"note":"see","attachments":[{files}]}}"#);
        let txt = r#"{"a.txt":"data:text/plain,hello"}"#;
        let img = format!(r#"{{"p.png":"data:image/png;base64,{png}"}}"#);
        // Defaults: both accepted, the bytes in the command.
        let c = command(write(
            &db,
            "PATCH",
            "tickets-update",
            b"/100001.json",
            &note(&format!("{txt},{img}")),
        ));
        let files = match steps(&c)[0].get("attachments") {
            Some(Cmd::List(l)) => l.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(files[0].get("data"), Some(&Cmd::Blob(b"hello".to_vec())));
        assert_eq!(files[1].get("type"), Some(&Cmd::Str("image/png".into())));
        let set = |config: &str| {
            db.store()
                .execute(&Query::new(
                    "REPLACE INTO ost_form_field (id, form_id, type, label, name, sort, configuration, created, updated) \
                     VALUES (21, 2, 'thread', 'Issue Details', 'message', 2, ?, NOW(), NOW())".to_owned(),
                    vec![osticket_api::sql::Param::Str(config.into())],
                ))
                .unwrap();
        };
        set(r#"{"attachments":false}"#);
        let (s, e) = error(write(
            &db,
            "PATCH",
            "tickets-update",
            b"/100001.json",
            &note(txt),
        ));
        assert_eq!((s, e["code"].as_str()), (403, Some("attachments_disabled")));
        set(r#"{"attachments":true,"size":"4","max":"1","extensions":".txt, .pdf"}"#);
        let (s, e) = error(write(
            &db,
            "PATCH",
            "tickets-update",
            b"/100001.json",
            &note(txt),
        ));
        assert_eq!(
            (s, e["code"].as_str()),
            (413, Some("attachment_too_large")),
            "5 bytes over a 4-byte limit"
        );
        set(r#"{"attachments":true,"max":"1","extensions":".txt, .pdf"}"#);
        let (s, _) = error(write(
            &db,
            "PATCH",
            "tickets-update",
            b"/100001.json",
            &note(&format!("{txt},{txt}")),
        ));
        assert_eq!(s, 400, "one file at most");
        let (s, e) = error(write(
            &db,
            "PATCH",
            "tickets-update",
            b"/100001.json",
            &note(&img),
        ));
        assert_eq!(
            (s, e["code"].as_str()),
            (415, Some("attachment_type_not_allowed"))
        );
        command(write(
            &db,
            "PATCH",
            "tickets-update",
            b"/100001.json",
            &note(txt),
        ));
    }

    #[test]
    fn the_acting_agent_is_resolved_and_one_who_is_gone_falls_back_to_the_system_poster() {
        let Some(db) = database("ost_") else { return };
        let send = |actor: &str| {
            let mut cfg = db.cfg.clone();
            cfg.actor = actor.into();
            let req = Request {
                content_type: Some("application/json".into()),
                body: br#"{"statusId":"Closed"}"#.to_vec(),
                ..request("PATCH", "tickets-update", b"/100001.json", Some(ALL))
            };
            handle_write(&req, &cfg, &mut db.store())
        };
        assert_eq!(
            int(&command(send("")), "actor_id"),
            0,
            "none: osTicket's poster API"
        );
        assert_eq!(int(&command(send("ada")), "actor_id"), 1);
        assert_eq!(int(&command(send("ada@example.com")), "actor_id"), 1);
        // An agent who is gone (unknown name, or deactivated) never fails the write: the system
        // poster, with the warning for osTicket's log once an hour per worker.
        let ghost = format!("ghost-{}", std::process::id());
        let c = command(send(&ghost));
        assert_eq!(int(&c, "actor_id"), 0);
        match c.get("actor_warning") {
            Some(Cmd::Str(w)) => assert!(w.contains(&ghost) && w.contains("system poster"), "{w}"),
            other => panic!("no actor_warning: {other:?}"),
        }
        let again = command(send(&ghost));
        assert_eq!(int(&again, "actor_id"), 0);
        assert!(again.get("actor_warning").is_none(), "logged once an hour");
        db.store()
            .execute(&Query::new(
                "INSERT IGNORE INTO ost_staff (username, firstname, email, isactive, created, updated) \
                 VALUES ('left.agent', 'Zoë', 'left@example.com', 0, NOW(), NOW())",
                vec![],
            ))
            .unwrap();
        let c = command(send("left.agent"));
        assert_eq!(int(&c, "actor_id"), 0, "a deactivated agent");
    }

    #[test]
    fn delete_and_links_check_numbers_and_relations() {
        let Some(db) = database("ost_") else { return };
        let c = command(write(&db, "DELETE", "tickets-delete", b"/100003.json", ""));
        assert_eq!(
            (int(&c, "ticket_id"), c.get("op")),
            (3, Some(&Cmd::Str("delete".into())))
        );
        // Numbers only: `3` is ticket 6's number; `2` is an internal id but no number.
        let c = command(write(&db, "DELETE", "tickets-delete", b"/3.json", ""));
        assert_eq!(int(&c, "ticket_id"), 6);
        let (s, e) = error(write(&db, "DELETE", "tickets-delete", b"/2.json", ""));
        assert_eq!((s, e["message"].as_str()), (404, Some("Ticket not found")));
        let link = |parent: &[u8], child: &str| {
            write(
                &db,
                "POST",
                "tickets-subtickets-create",
                parent,
                &format!(r#"{{"childId":"{child}"}}"#),
            )
        };
        let c = command(link(b"/100001.json", "100005"));
        assert_eq!((int(&c, "parent_id"), int(&c, "child_id")), (1, 5));
        let (s, e) = error(link(b"/100003.json", "100004"));
        assert_eq!(
            (s, e["message"].as_str()),
            (409, Some("Subticket relationship already exists"))
        );
        let (s, e) = error(link(b"/100001.json", "100004"));
        assert_eq!(
            (s, e["message"].as_str()),
            (409, Some("Child ticket already has a different parent"))
        );
        let (s, e) = error(link(b"/100001.json", "100001"));
        assert_eq!(
            (s, e["message"].as_str()),
            (400, Some("Cannot link ticket to itself"))
        );
        let (s, e) = error(link(b"/100004.json", "100001"));
        assert_eq!((s, e["code"].as_str()), (422, Some("parent_is_child")));
        let (s, e) = error(write(
            &db,
            "DELETE",
            "tickets-subtickets-unlink",
            b"/100001.json",
            "",
        ));
        assert_eq!(
            (s, e["message"].as_str()),
            (404, Some("Child has no parent to unlink"))
        );
        assert_eq!(
            int(
                &command(write(
                    &db,
                    "DELETE",
                    "tickets-subtickets-unlink",
                    b"/100004.json",
                    ""
                )),
                "child_id"
            ),
            4
        );
    }

    #[test]
    fn create_checks_the_key_first_then_every_field() {
        let Some(db) = database("ost_") else { return };
        let create = |key: Option<&str>, body: &str| {
            let req = Request {
                content_type: Some("application/json".into()),
                body: body.as_bytes().to_vec(),
                ..request("POST", "tickets", b".json", key)
            };
            handle_write(&req, &db.cfg, &mut db.store())
        };
        let (s, e) = error(create(None, "not json"));
        assert_eq!(
            (s, e["message"].as_str()),
            (401, Some("Valid API key required"))
        );
        let (s, e) = error(create(Some(READ), "{}"));
        assert_eq!(
            (s, e["message"].as_str()),
            (401, Some("API key not authorized"))
        );
        // A user form with a phone field, as osTicket has.
        db.store()
            .execute(&Query::new(
                "INSERT INTO ost_form (id, type, title, created, updated) VALUES (1, 'U', 'Contact', NOW(), NOW())"
                    .to_owned(),
                vec![],
            ))
            .unwrap();
        db.store()
            .execute(&Query::new(
                "INSERT INTO ost_form_field (id, form_id, type, label, name, sort, created, updated) \
                 VALUES (30, 1, 'phone', 'Phone', 'phone', 1, NOW(), NOW())"
                    .to_owned(),
                vec![],
            ))
            .unwrap();
        let ok = r##"{"name":"Jo","email":"jo@example.com","subject":"Hi","message":"# Title","format":"md",
                    "departmentId":"Support","priority":"High","phone":"555","parentTicketNumber":"100001",
                    "ip":"10.0.0.1","uid":1,"statusId":3,"duedate":"2020-01-01","noteTitle":"x"}"##;
        let c = command(create(Some(ALL), ok));
        assert_eq!((int(&c, "dept_id"), int(&c, "parent_id")), (1, 1));
        let data = c.get("data").unwrap();
        assert_eq!(
            data.get("message"),
            Some(&Cmd::Str("<h1>Title</h1>\n".into()))
        );
        assert_eq!(data.get("priorityId"), Some(&Cmd::Int(3)));
        assert_eq!(
            data.get("phone"),
            Some(&Cmd::Str("555".into())),
            "form fields go to osTicket"
        );
        assert_eq!(data.get("ip"), Some(&Cmd::Str("10.0.0.1".into())));
        for dropped in ["uid", "statusId", "duedate", "noteTitle"] {
            assert_eq!(
                data.get(dropped),
                None,
                "{dropped} must not reach Ticket::create()"
            );
        }
        for (bad, field) in [
            (
                r#"{"email":"jo@example.com","subject":"s","message":"m"}"#,
                "name",
            ),
            (
                r#"{"name":"Jo","email":"jo@","subject":"s","message":"m"}"#,
                "email",
            ),
            (
                r#"{"name":"Jo","email":"jo@example.com","subject":"s","message":"m","staffId":"nobody"}"#,
                "staffId",
            ),
            (
                r#"{"name":"Jo","email":"jo@example.com","subject":"s","message":"m","source":"Fax"}"#,
                "source",
            ),
            (
                r#"{"name":"Jo","email":"jo@example.com","subject":"s","message":"m","parentTicketNumber":"100004"}"#,
                "parentTicketNumber",
            ),
        ] {
            let (s, e) = error(create(Some(ALL), bad));
            assert!(s == 400 || s == 404, "{bad}: {s}");
            assert_eq!(e["field"].as_str(), Some(field), "{bad}");
        }
    }
}

/// Deep pages through checkpoints give exactly what `OFFSET` gives.
#[test]
fn deep_pages_through_checkpoints_match_plain_offsets() {
    let Some(db) = database("ost_") else { return };
    // 30,000 more tickets (MariaDB's sequence engine), some sharing a creation second.
    db.store()
        .execute(&Query::new(
            "INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, sla_id, topic_id, \
             staff_id, team_id, ip_address, source, isoverdue, isanswered, created, updated) \
             SELECT 100 + seq, CONCAT('N', LPAD(seq, 6, '0')), 1, 1 + seq % 3, 1 + seq % 3, 1, 0, 0, 0, \
             '', 'API', 0, 0, '2025-01-01' + INTERVAL (seq DIV 3) MINUTE, \
             '2025-06-01' + INTERVAL (seq * 7919 % 30000) MINUTE FROM seq_1_to_30000"
                .to_owned(),
            vec![],
        ))
        .unwrap();
    /// Records the SQL it runs.
    struct Recording {
        inner: MysqlStore,
        sql: Vec<String>,
    }
    impl Store for Recording {
        fn rows(&mut self, query: &Query) -> Result<Vec<Row>> {
            self.sql.push(query.sql.clone());
            self.inner.rows(query)
        }
        fn for_each(
            &mut self,
            query: &Query,
            each: &mut dyn FnMut(Row) -> Result<()>,
        ) -> Result<()> {
            self.sql.push(query.sql.clone());
            self.inner.for_each(query, each)
        }
        fn execute(&mut self, query: &Query) -> Result<u64> {
            self.inner.execute(query)
        }
    }
    let seeks = std::cell::Cell::new(0);
    let ids = |q: &str, quiet: i64| -> Vec<i64> {
        let query = osticket_api::request::parse_query(q.as_bytes()).unwrap();
        let mut store = Recording {
            inner: db.store(),
            sql: Vec::new(),
        };
        let page =
            osticket_api::search::search_with(&mut store, &db.cfg.tables, &query, quiet).unwrap();
        if store
            .sql
            .iter()
            .any(|s| s.contains("AND t.ticket_id <") || s.contains("AND t.ticket_id >"))
        {
            seeks.set(seeks.get() + 1);
        }
        match page.items {
            osticket_api::render::Node::List(items) => items
                .iter()
                .map(|i| match i.get("id") {
                    Some(osticket_api::render::Node::Int(id)) => *id,
                    other => panic!("{other:?}"),
                })
                .collect(),
            other => panic!("{other:?}"),
        }
    };
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for q in [
        "offset=10000&limit=7",
        "offset=19999&limit=3",
        "offset=25003&limit=100",
        "offset=29990&limit=50",
        "offset=10000&limit=5&sort=updated",
        "offset=12345&limit=5&sort=number",
        "offset=12345&limit=5&sort=number&order=desc",
        "offset=10001&limit=5&state=open&sort=created&order=asc",
        "offset=10001&limit=5&department=1",
    ] {
        // The same tickets through another cache key (a filter that keeps every ticket), and
        // never quiet enough for checkpoints: the plain OFFSET.
        let plain = ids(&format!("{q}&created_from=1970-01-01"), i64::MAX);
        assert!(!plain.is_empty(), "{q}");
        assert_eq!(ids(q, 0), plain, "{q}: first walk");
        assert_eq!(ids(q, 0), plain, "{q}: from the checkpoints");
    }
    assert_eq!(
        seeks.get(),
        18,
        "every deep page with checkpoints is a seek"
    );
}
