//! The route table: every endpoint the extension answers, its methods, URL shape, permission and
//! messages. The OpenAPI document and the deployed entry scripts are derived from this table, so
//! a route cannot exist in one place and be missing in another.
//!
//! Checks run in the original plugin's order: URL shape (400), then method (405), then the API key
//! (401) and permission (401/403). This module must not import `ext_php_rs` or `mysql`.

use crate::auth::Permission;
use crate::error::{ApiError, Result};
use crate::render::Format;
use crate::request::Request;

/// What an endpoint does once the request is authorised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `GET tickets-get.php/{number}.{format}`
    GetTicket,
    /// `GET tickets-statuses.php[.format]`
    ListStatuses,
    /// `GET tickets-attachment-download.php/{file_id}.{format}`
    DownloadAttachment,
    /// `GET tickets-search.php[.format]?...`
    Search,
    /// `GET tickets-stats.php[.format]`
    Stats,
    /// `GET tickets-subtickets-parent.php/{child_number}.{format}`
    SubticketParent,
    /// `GET tickets-subtickets-list.php/{parent_number}.{format}`
    SubticketList,
    /// `PATCH|PUT tickets-update.php/{number}.{format}` (a write)
    UpdateTicket,
    /// `DELETE tickets-delete.php/{number}.{format}` (a write)
    DeleteTicket,
    /// `POST tickets-subtickets-create.php/{parent_number}.{format}` (a write)
    SubticketCreate,
    /// `DELETE tickets-subtickets-unlink.php/{child_number}.{format}` (a write)
    SubticketUnlink,
    /// `POST /api/tickets.{format}` through osTicket's API dispatcher (a write)
    CreateTicket,
}

impl Action {
    /// Whether the action changes the helpdesk (applied by the shell's write adapter).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Action::UpdateTicket
                | Action::DeleteTicket
                | Action::SubticketCreate
                | Action::SubticketUnlink
                | Action::CreateTicket
        )
    }
}

/// The PATH_INFO shapes endpoints accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathShape {
    /// `/{identifier}.json|xml`; the identifier has no `/` or `.`.
    Identifier,
    /// `/{digits}.json|xml`.
    FileId,
    /// empty, `.json`, `.xml`, `/.json` or `/.xml` (the format suffix alone).
    SuffixOnly,
    /// `/api/<endpoint>.json|xml`, routed by osTicket's own API dispatcher (`api/http.php`),
    /// which hands over the suffix as PATH_INFO; no entry script is deployed.
    Dispatched,
}

/// One endpoint.
#[derive(Debug)]
pub struct Route {
    /// Entry script name without `.php`: `api/<endpoint>.php`.
    pub endpoint: &'static str,
    /// Allowed methods, in the order the 405 message lists them.
    pub methods: &'static [&'static str],
    /// Accepted PATH_INFO shape.
    pub shape: PathShape,
    /// The message of the 400 answer for a URL of the wrong shape.
    pub bad_path: &'static str,
    /// Required permission (fallbacks in [`Permission::fallback`]).
    pub permission: Permission,
    /// Status when the key lacks the permission: 401 on ticket endpoints, 403 on subtickets.
    pub denied_status: u16,
    /// Message when the key lacks the permission.
    pub denied_message: &'static str,
    /// The handler.
    pub action: Action,
    /// One line for documentation.
    pub summary: &'static str,
    /// Name of the identifier in the path (`number`, `file_id`), if any.
    pub ident_name: Option<&'static str>,
}

/// Every route, in documentation order.
pub static ROUTES: &[Route] = &[
    Route {
        endpoint: "tickets",
        methods: &["POST"],
        shape: PathShape::Dispatched,
        bad_path: "URL not supported",
        permission: Permission::CreateTickets,
        denied_status: 401,
        denied_message: "API key not authorized",
        action: Action::CreateTicket,
        summary: "Create a ticket (core's create, plus Markdown, department, parent ticket, priority, due date, SLA, agent and team; attachments checked by content)",
        ident_name: None,
    },
    Route {
        endpoint: "tickets-get",
        methods: &["GET"],
        shape: PathShape::Identifier,
        bad_path: "Invalid URL format. Expected: /api/tickets-get.php/{ticket_number}.json",
        permission: Permission::ReadTickets,
        denied_status: 401,
        denied_message: "API key not authorized to read tickets",
        action: Action::GetTicket,
        summary: "Get a ticket with its thread, attachment metadata and child tickets",
        ident_name: Some("number"),
    },
    Route {
        endpoint: "tickets-attachment-download",
        methods: &["GET"],
        shape: PathShape::FileId,
        bad_path:
            "Invalid URL format. Expected: /api/tickets-attachment-download.php/{file_id}.json",
        permission: Permission::ReadTickets,
        denied_status: 401,
        denied_message: "API key not authorized to read attachments",
        action: Action::DownloadAttachment,
        summary: "Download a file attached to a ticket thread entry (base64)",
        ident_name: Some("file_id"),
    },
    Route {
        endpoint: "tickets-statuses",
        methods: &["GET"],
        shape: PathShape::SuffixOnly,
        bad_path: "Invalid URL format",
        permission: Permission::ReadStats,
        denied_status: 401,
        denied_message: "API key not authorized to read ticket statistics",
        action: Action::ListStatuses,
        summary: "List the helpdesk's ticket statuses",
        ident_name: None,
    },
    Route {
        endpoint: "tickets-search",
        methods: &["GET"],
        shape: PathShape::SuffixOnly,
        bad_path: "Invalid URL format",
        permission: Permission::SearchTickets,
        denied_status: 401,
        denied_message: "API key not authorized to search tickets",
        action: Action::Search,
        summary: "Search tickets (filters, sort, paging; total in X-Total-Count, pages in Link)",
        ident_name: None,
    },
    Route {
        endpoint: "tickets-stats",
        methods: &["GET"],
        shape: PathShape::SuffixOnly,
        bad_path: "Invalid URL format",
        permission: Permission::ReadStats,
        denied_status: 401,
        denied_message: "API key not authorized to read ticket statistics",
        action: Action::Stats,
        summary: "Ticket counts overall, per department and per agent (optional since, until, department)",
        ident_name: None,
    },
    Route {
        endpoint: "tickets-subtickets-parent",
        methods: &["GET"],
        shape: PathShape::Identifier,
        bad_path: "Invalid URL format. Expected: /api/tickets-subtickets-parent.php/{child_ticket_number}.json",
        permission: Permission::ManageSubtickets,
        denied_status: 403,
        denied_message: "API key not authorized for subticket operations",
        action: Action::SubticketParent,
        summary: "Get the parent of a child ticket (osTicket's ticket_pid)",
        ident_name: Some("number"),
    },
    Route {
        endpoint: "tickets-subtickets-list",
        methods: &["GET"],
        shape: PathShape::Identifier,
        bad_path: "Invalid URL format. Expected: /api/tickets-subtickets-list.php/{parent_ticket_number}.json",
        permission: Permission::ManageSubtickets,
        denied_status: 403,
        denied_message: "API key not authorized for subticket operations",
        action: Action::SubticketList,
        summary: "List the direct children of a parent ticket",
        ident_name: Some("number"),
    },
    Route {
        endpoint: "tickets-update",
        methods: &["PATCH", "PUT"],
        shape: PathShape::Identifier,
        bad_path: "Invalid URL format. Expected: /api/tickets-update.php/{ticket_number}.json",
        permission: Permission::UpdateTickets,
        denied_status: 401,
        denied_message: "API key not authorized to update tickets",
        action: Action::UpdateTicket,
        summary: "Update a ticket: department, topic, parent, status, SLA, agent, team, priority, due date, internal note, public reply",
        ident_name: Some("number"),
    },
    Route {
        endpoint: "tickets-delete",
        methods: &["DELETE"],
        shape: PathShape::Identifier,
        bad_path: "Invalid URL format. Expected: /api/tickets-delete.php/{ticket_number}.json",
        permission: Permission::DeleteTickets,
        denied_status: 401,
        denied_message: "API key not authorized to delete tickets",
        action: Action::DeleteTicket,
        summary: "Delete a ticket (its child tickets are released)",
        ident_name: Some("number"),
    },
    Route {
        endpoint: "tickets-subtickets-create",
        methods: &["POST"],
        shape: PathShape::Identifier,
        bad_path: "Invalid URL format. Expected: /api/tickets-subtickets-create.php/{parent_ticket_number}.json",
        permission: Permission::ManageSubtickets,
        denied_status: 403,
        denied_message: "API key not authorized for subticket operations",
        action: Action::SubticketCreate,
        summary: "Make a ticket the child of a parent ticket (body: childId)",
        ident_name: Some("number"),
    },
    Route {
        endpoint: "tickets-subtickets-unlink",
        methods: &["DELETE"],
        shape: PathShape::Identifier,
        bad_path: "Invalid URL format. Expected: /api/tickets-subtickets-unlink.php/{child_ticket_number}.json",
        permission: Permission::ManageSubtickets,
        denied_status: 403,
        denied_message: "API key not authorized for subticket operations",
        action: Action::SubticketUnlink,
        summary: "Release a child ticket from its parent",
        ident_name: Some("number"),
    },
];

/// A request matched to its route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    /// The route.
    pub route: &'static Route,
    /// Response format from the URL suffix (JSON when none).
    pub format: Format,
    /// The identifier from the path, for identifier shapes.
    pub ident: Option<String>,
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        self.endpoint == other.endpoint
    }
}
impl Eq for Route {}

/// The routes answered by a deployed `api/<endpoint>.php` entry script.
pub fn scripts() -> impl Iterator<Item = &'static Route> {
    ROUTES.iter().filter(|r| r.shape != PathShape::Dispatched)
}

/// The route of an endpoint name.
pub fn route_for(endpoint: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.endpoint == endpoint)
}

/// The format a request's URL asks for, as far as it can be told, for error answers.
pub fn format_hint(req: &Request) -> Format {
    if req.path_info.ends_with(b".xml") {
        Format::Xml
    } else {
        Format::Json
    }
}

/// Matches a request: unknown endpoint (404), URL shape (400), method (405).
pub fn resolve(req: &Request) -> Result<Matched> {
    let route = route_for(&req.endpoint)
        .ok_or_else(|| ApiError::NotFound(format!("Unknown API endpoint '{}'", req.endpoint)))?;
    let path = req.path_text(route.bad_path)?;
    let (ident, format) =
        parse_path(route.shape, path).ok_or_else(|| ApiError::BadPath(route.bad_path.into()))?;
    if !route.methods.contains(&req.method.as_str()) {
        return Err(ApiError::MethodNotAllowed(route.methods.to_vec()));
    }
    Ok(Matched {
        route,
        format,
        ident,
    })
}

/// Splits PATH_INFO into identifier and format for a shape; `None` when it does not fit.
pub fn parse_path(shape: PathShape, path: &str) -> Option<(Option<String>, Format)> {
    match shape {
        PathShape::SuffixOnly | PathShape::Dispatched => {
            let rest = path.strip_prefix('/').unwrap_or(path);
            if path.is_empty() {
                return Some((None, Format::Json));
            }
            let suffix = rest.strip_prefix('.')?;
            Some((None, Format::from_suffix(suffix)?))
        }
        PathShape::Identifier | PathShape::FileId => {
            let rest = path.strip_prefix('/')?;
            let (ident, suffix) = rest.rsplit_once('.')?;
            let format = Format::from_suffix(suffix)?;
            let ok = match shape {
                PathShape::FileId => !ident.is_empty() && ident.bytes().all(|b| b.is_ascii_digit()),
                _ => !ident.is_empty() && !ident.contains(['/', '.']),
            };
            ok.then(|| (Some(ident.to_owned()), format))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(endpoint: &str, method: &str, path: &[u8]) -> Request {
        Request {
            endpoint: endpoint.into(),
            method: method.into(),
            path_info: path.to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn identifier_paths() {
        let s = PathShape::Identifier;
        assert_eq!(
            parse_path(s, "/ABC123.json"),
            Some((Some("ABC123".into()), Format::Json))
        );
        assert_eq!(
            parse_path(s, "/123.xml"),
            Some((Some("123".into()), Format::Xml))
        );
        for bad in [
            "",
            "/",
            "/.json",
            "/a.b.json",
            "/a/b.json",
            "/a.JSON",
            "/a",
            "a.json",
            "/a.json/",
        ] {
            assert_eq!(parse_path(s, bad), None, "{bad}");
        }
    }

    #[test]
    fn file_id_paths_are_digits_only() {
        let s = PathShape::FileId;
        assert_eq!(
            parse_path(s, "/000.json"),
            Some((Some("000".into()), Format::Json))
        );
        assert_eq!(parse_path(s, "/12a.json"), None);
        assert_eq!(parse_path(s, "/-1.json"), None);
    }

    #[test]
    fn suffix_only_paths_accept_slash_forms() {
        let s = PathShape::SuffixOnly;
        assert_eq!(parse_path(s, ""), Some((None, Format::Json)));
        assert_eq!(parse_path(s, ".xml"), Some((None, Format::Xml)));
        assert_eq!(parse_path(s, "/.json"), Some((None, Format::Json)));
        assert_eq!(parse_path(s, "/.xml"), Some((None, Format::Xml)));
        assert_eq!(parse_path(s, "/"), None);
        assert_eq!(parse_path(s, "/anything"), None);
        assert_eq!(parse_path(s, ".csv"), None);
    }

    #[test]
    fn path_is_checked_before_method() {
        let e = resolve(&req("tickets-get", "POST", b"/x")).unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(
            e.message(),
            "Invalid URL format. Expected: /api/tickets-get.php/{ticket_number}.json"
        );
        let e = resolve(&req("tickets-get", "POST", b"/x.json")).unwrap_err();
        assert_eq!(e.status(), 405);
        assert_eq!(e.message(), "Method Not Allowed. Use GET");
    }

    #[test]
    fn method_is_case_sensitive_like_the_original() {
        assert_eq!(
            resolve(&req("tickets-get", "get", b"/x.json"))
                .unwrap_err()
                .status(),
            405
        );
    }

    #[test]
    fn unknown_endpoint_is_not_found() {
        assert_eq!(
            resolve(&req("tickets-nope", "GET", b""))
                .unwrap_err()
                .status(),
            404
        );
    }

    #[test]
    fn non_utf8_path_is_400_with_route_message() {
        let e = resolve(&req("tickets-get", "GET", b"/\xff\xfe.json")).unwrap_err();
        assert_eq!(e.status(), 400);
        assert!(e.message().contains("tickets-get.php"));
    }

    #[test]
    fn every_route_has_a_unique_endpoint_and_methods() {
        for (i, r) in ROUTES.iter().enumerate() {
            assert!(!r.methods.is_empty());
            assert!(
                r.endpoint.starts_with("tickets-") || r.shape == PathShape::Dispatched,
                "{}",
                r.endpoint
            );
            assert!(ROUTES[i + 1..].iter().all(|o| o.endpoint != r.endpoint));
        }
    }
}

/// Generated paths (issue 8): no PATH_INFO, endpoint or method panics.
#[cfg(test)]
mod props {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "/", ".json", ".xml", ".", "..", "ABC123", "123", "%2F", "\\", "/.json", "//", ".JSON",
    ];

    fn shapes() -> impl Strategy<Value = PathShape> {
        proptest::sample::select(
            &[
                PathShape::SuffixOnly,
                PathShape::Dispatched,
                PathShape::Identifier,
                PathShape::FileId,
            ][..],
        )
    }

    proptest! {
        #![proptest_config(fuzz::config("path", 512))]

        #[test]
        fn any_path_parses_or_is_refused(shape in shapes(), path in fuzz::text_from(TOKENS, 12)) {
            if let Some((Some(ident), _)) = parse_path(shape, &path) {
                prop_assert!(!ident.is_empty() && !ident.contains('/'), "{:?}", path);
            }
        }

        #[test]
        fn any_request_resolves_or_is_a_client_error(
            endpoint in prop_oneof![
                proptest::sample::select(ROUTES.iter().map(|r| r.endpoint).collect::<Vec<_>>())
                    .prop_map(str::to_owned),
                "[a-z-]{0,20}",
            ],
            method in proptest::sample::select(&["GET", "POST", "PUT", "PATCH", "DELETE", "get", ""][..]),
            path in fuzz::bytes_from(TOKENS, 12),
        ) {
            let req = Request {
                endpoint,
                method: method.to_owned(),
                path_info: path,
                ..Request::default()
            };
            if let Err(e) = resolve(&req) {
                prop_assert!((400..500).contains(&e.status()), "{:?}: {}", req, e.status());
            }
        }

        #[test]
        fn international_identifiers_round_trip(
            ident in fuzz::text_from(&["A", "1", "-", "_"], 8)
                .prop_filter("an identifier", |i| !i.is_empty() && !i.contains(['/', '.'])),
        ) {
            let path = format!("/{ident}.xml");
            prop_assert_eq!(
                parse_path(PathShape::Identifier, &path),
                Some((Some(ident.clone()), Format::Xml))
            );
        }
    }

    #[test]
    fn corpus_paths_resolve_or_are_client_errors() {
        for path in fuzz::corpus("path") {
            for route in ROUTES {
                let req = Request {
                    endpoint: route.endpoint.to_owned(),
                    method: route.methods.first().copied().unwrap_or("GET").to_owned(),
                    path_info: path.clone(),
                    ..Request::default()
                };
                if let Err(e) = resolve(&req) {
                    assert!((400..500).contains(&e.status()), "{path:?}");
                }
            }
        }
    }
}
