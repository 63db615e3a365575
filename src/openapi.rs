//! The OpenAPI 3.1 document of the endpoints, generated from the route table ([`ROUTES`]).
//!
//! Paths, methods, permissions and error messages come from the table itself, and the response
//! schema of each route is chosen by an exhaustive `match` on its [`Action`], so a route cannot be
//! added without documentation nor documented without existing. `docs/openapi.json` is this
//! document; a test fails when the committed file differs (run with `UPDATE_OPENAPI=1` to refresh).
//! This module must not import `ext_php_rs` or `mysql`.

use serde_json::{json, Map, Value};

use crate::routes::{Action, PathShape, Route, ROUTES};

/// The response schema (a `$ref` into components) of an action.
fn response_schema(action: Action) -> Value {
    match action {
        Action::GetTicket => json!({"$ref": "#/components/schemas/Ticket"}),
        Action::ListStatuses => {
            json!({"type": "array", "items": {"$ref": "#/components/schemas/Status"}})
        }
        Action::DownloadAttachment => json!({"$ref": "#/components/schemas/Download"}),
        Action::Search => {
            json!({"type": "array", "items": {"$ref": "#/components/schemas/TicketListItem"}})
        }
        Action::Stats => json!({"$ref": "#/components/schemas/Stats"}),
        Action::SubticketParent => json!({
            "type": "object",
            "required": ["parent"],
            "properties": {"parent": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/TicketSummary"}]}}
        }),
        Action::SubticketList => json!({
            "type": "object",
            "required": ["children"],
            "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/TicketSummary"}}}
        }),
        Action::UpdateTicket | Action::DeleteTicket | Action::CreateTicket => {
            json!({"type": "string", "minLength": 1, "description": "The ticket's number"})
        }
        Action::SubticketCreate => json!({
            "type": "object",
            "required": ["success", "message", "parent", "child"],
            "properties": {
                "success": {"type": "boolean"}, "message": {"type": "string"},
                "parent": {"$ref": "#/components/schemas/TicketSummary"},
                "child": {"$ref": "#/components/schemas/TicketSummary"}
            }
        }),
        Action::SubticketUnlink => json!({
            "type": "object",
            "required": ["success", "message", "child"],
            "properties": {
                "success": {"type": "boolean"}, "message": {"type": "string"},
                "child": {"$ref": "#/components/schemas/TicketSummary"}
            }
        }),
    }
}

/// The request body of a write action, if it has one.
fn request_body(action: Action) -> Option<Value> {
    let id = json!({"oneOf": [{"type": "integer"}, {"type": "string"}]});
    let attachments = json!({
        "type": "array", "maxItems": 5,
        "description": "Objects {\"<file name>\": \"data:<mime>;base64,<data>\"} (or osTicket's {name, type, data, encoding}); at most 10 MB each, 50 MB in all; types checked by content",
        "items": {"type": "object"}
    });
    let schema = match action {
        Action::UpdateTicket => json!({
            "type": "object",
            "description": "Other fields are ignored and named in X-Ignored-Fields; a body with none of these fields is 400 unknown_field, naming the closest known field",
            "properties": {
                "departmentId": {"description": "Department id, name or full name Parent / Child (a transfer)", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "topicId": {"description": "Help topic id or name", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "parentTicketNumber": {"description": "Number of the parent ticket", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "statusId": {"description": "Status id or name (open or closed states); a change osTicket refuses is 409", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "status": {"description": "Synonym of statusId (the name GET answers use); with statusId, both must name the same status", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "slaId": {"description": "SLA id or name, 0 for none; the due date is recomputed", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "staffId": {"description": "Agent id, username or e-mail; 0 or null unassigns", "oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
                "teamId": {"description": "Team id or name; 0 or null unassigns", "oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
                "priority": {"description": "Priority id, name or description (also priorityId)", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "dueDate": {"description": "ISO 8601 date or date-time (offsets converted); null clears", "oneOf": [{"type": "string"}, {"type": "null"}]},
                "note": {"type": "string", "description": "Internal note"},
                "noteTitle": {"type": "string", "description": "Default API Update"},
                "noteFormat": {"type": "string", "enum": ["markdown", "html", "text"]},
                "reply": {"type": "string", "description": "Public reply, e-mailed to the user"},
                "replyFormat": {"type": "string", "enum": ["markdown", "html", "text"]},
                "alert": {"type": "boolean", "description": "false: the reply is not e-mailed"},
                "attachments": attachments
            }
        }),
        Action::CreateTicket => json!({
            "type": "object",
            "required": ["name", "email", "subject", "message"],
            "additionalProperties": {"description": "Custom fields of the helpdesk's forms, phone, ip: passed to osTicket as core's API does"},
            "properties": {
                "name": {"type": "string"}, "email": {"type": "string"}, "subject": {"type": "string"},
                "message": {"type": "string", "description": "Text, or an RFC 2397 data: URI (text/html); with format, Markdown, HTML or text"},
                "format": {"type": "string", "enum": ["markdown", "html", "text"]},
                "alert": {"type": "boolean"}, "autorespond": {"type": "boolean"},
                "source": {"type": "string", "enum": ["Web", "Email", "Phone", "API", "Other"]},
                "topicId": {"description": "Help topic id or name", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "priority": {"description": "Priority id, name or description (also priorityId)", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "departmentId": {"description": "Department id, name or full name Parent / Child", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "parentTicketNumber": {"description": "Number of the parent ticket", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "dueDate": {"type": "string", "description": "ISO 8601 date or date-time"},
                "slaId": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                "staffId": {"description": "Agent id, username or e-mail", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "teamId": {"description": "Team id or name", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                "attachments": attachments.clone()
            }
        }),
        Action::SubticketCreate => json!({
            "type": "object", "required": ["childId"],
            "description": "Other fields are ignored and named in X-Ignored-Fields",
            "properties": {"childId": {"description": "Number of the child ticket", "oneOf": [id.clone(), id]}}
        }),
        _ => return None,
    };
    Some(json!({"required": true, "content": {"application/json": {"schema": schema}}}))
}

/// The URL paths (relative to the helpdesk root) under which a route answers.
pub fn paths_of(route: &Route) -> Vec<(String, Option<&'static str>)> {
    let base = format!("/api/{}.php", route.endpoint);
    match route.shape {
        PathShape::Identifier | PathShape::FileId => {
            let name = route.ident_name.unwrap_or("id");
            let mut paths = vec![
                (format!("{base}/{{{name}}}.json"), Some("json")),
                (format!("{base}/{{{name}}}.xml"), Some("xml")),
            ];
            // Update through osTicket's API dispatcher as well (the plugin shell's routes).
            if route.action == Action::UpdateTicket {
                paths.extend([
                    (format!("/api/tickets/{{{name}}}.json"), Some("json")),
                    (format!("/api/tickets/{{{name}}}.xml"), Some("xml")),
                    (format!("/api/tickets/{{{name}}}"), None),
                ]);
            }
            paths
        }
        // Create, also under the API Key Wildcard plugin's route (any-address keys accepted).
        PathShape::Dispatched => vec![
            (format!("/api/{}.json", route.endpoint), Some("json")),
            (format!("/api/{}.xml", route.endpoint), Some("xml")),
            (
                format!("/api/wildcard/{}.json", route.endpoint),
                Some("json"),
            ),
            (format!("/api/wildcard/{}.xml", route.endpoint), Some("xml")),
        ],
        PathShape::SuffixOnly => vec![
            (base.clone(), None),
            (format!("{base}.json"), Some("json")),
            (format!("{base}.xml"), Some("xml")),
        ],
    }
}

/// Sets `key` of a JSON object (`value[key] = ..` would panic on a non-object).
fn insert(value: &mut Value, key: &str, item: Value) {
    if let Some(object) = value.as_object_mut() {
        object.insert(key.to_owned(), item);
    }
}

/// Adds a response header to a response object (its `headers` map made when missing).
fn add_header(response: &mut Value, name: &str, header: Value) {
    let Some(object) = response.as_object_mut() else {
        return;
    };
    let headers = object
        .entry("headers")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(headers) = headers.as_object_mut() {
        headers.insert(name.to_owned(), header);
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
            "application/xml": {"schema": {"$ref": "#/components/schemas/Error"}}
        }
    })
}

fn operation(route: &Route, method: &str, format: Option<&str>) -> Value {
    let mut params = Vec::new();
    if let Some(name) = route.ident_name {
        let schema = match route.shape {
            PathShape::FileId => json!({"type": "string", "pattern": "^[0-9]+$"}),
            _ => json!({"type": "string", "pattern": "^[^/.]+$"}),
        };
        params.push(json!({"name": name, "in": "path", "required": true, "schema": schema}));
    }
    let query_params: &[(&str, &str)] = match route.action {
        Action::Search => &[
            ("query", "Text in the subject (case- and accent-insensitive, as the database compares), or an exact ticket number; with mode=fulltext: words, \"phrases\" and prefix* in subjects, thread entries, user names and e-mails (the extension's search index; without it osTicket's)"),
            ("mode", "subject (default) or fulltext"),
            ("status", "Status id or name"),
            ("state", "open, closed, archived or deleted"),
            ("department", "Department id, name, or full name Parent / Child"),
            ("departmentId", "Same as department (what some clients of the original send); not together with it"),
            ("email", "Requester e-mail address"),
            ("staff", "Assigned agent: id, username or e-mail"),
            ("team", "Assigned team: id or name"),
            ("topic", "Help topic: id or name"),
            ("priority", "Priority: id, name or description"),
            ("overdue", "true or false"),
            ("created_from", "Created at or after (YYYY-MM-DD[THH:MM:SS])"),
            ("created_to", "Created at or before (a date includes the whole day)"),
            ("updated_since", "Updated at or after: incremental sync"),
            ("parent", "Number of the parent ticket"),
            ("sort", "created (default), updated, number or relevance (mode=fulltext on the search index: best match first); any other value sorts by created, as the original did"),
            ("order", "asc or desc (default: desc, number: asc)"),
            ("limit", "Page size, 1-100 (default 20; larger values are clamped to 100)"),
            ("offset", "Rows to skip (default 0)"),
            ("count", "capped (default): X-Total-Count only when at most 10000 tickets match (for a query search answered without the search index, only when the page ends the list); exact: always, at the cost of counting every match"),
        ],
        Action::Stats => &[
            ("since", "Tickets created at or after (YYYY-MM-DD[THH:MM:SS])"),
            ("until", "Tickets created before"),
            ("department", "Department id, name, or full name Parent / Child"),
        ],
        _ => &[],
    };
    for (name, description) in query_params {
        params.push(json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}}));
    }
    let content_type = match format {
        Some("xml") => "application/xml",
        _ => "application/json",
    };
    let mut responses = Map::new();
    let (ok_status, mut ok) = match route.action {
        // The original's update and delete answers: the number as text, whatever the suffix.
        Action::UpdateTicket | Action::DeleteTicket => (
            "200",
            json!({
                "description": "Done (or nothing to change): the ticket's number as text/plain",
                "content": {"text/plain": {"schema": response_schema(route.action)}}
            }),
        ),
        // Core's create answer, or an object for a client that asks for JSON.
        Action::CreateTicket => (
            "201",
            json!({
                "description": "Created: the new ticket's number as text/plain (osTicket core's answer); with `Accept: application/json` an object with the number and the ticket's id",
                "content": {
                    "text/plain": {"schema": response_schema(route.action)},
                    "application/json": {"schema": {
                        "type": "object",
                        "required": ["number", "ticket_id"],
                        "properties": {"number": {"type": "string", "minLength": 1}, "ticket_id": {"type": "integer", "minimum": 1}}
                    }}
                }
            }),
        ),
        _ => (
            "200",
            json!({
                "description": "Success",
                "content": {content_type: {"schema": response_schema(route.action)}}
            }),
        ),
    };
    add_header(
        &mut ok,
        "X-Request-Id",
        json!({"$ref": "#/components/headers/X-Request-Id"}),
    );
    if route.action == Action::Search {
        for (name, header) in [
            (
                "X-Total-Count",
                json!({"description": "Number of matching tickets; left out when more than 10000 match or, for a query search answered without the search index, when the page does not end the list, unless count=exact", "schema": {"type": "integer"}}),
            ),
            (
                "Link",
                json!({"description": "RFC 8288 links to the next and previous pages", "schema": {"type": "string"}}),
            ),
        ] {
            add_header(&mut ok, name, header);
        }
    }
    responses.insert(ok_status.into(), ok);
    responses.insert("400".into(), error_response(route.bad_path));
    responses.insert(
        "401".into(),
        error_response("Missing, unknown or inactive API key, or the key lacks the permission"),
    );
    if route.denied_status != 401 {
        responses.insert(
            route.denied_status.to_string(),
            error_response(route.denied_message),
        );
    }
    responses.insert(
        "404".into(),
        error_response("Not found, or the API Endpoints plugin is disabled"),
    );
    responses.insert(
        "405".into(),
        error_response("Method not allowed (see the Allow header)"),
    );
    if route.action == Action::DownloadAttachment {
        responses.insert("403".into(), error_response("Attachment not accessible"));
        responses.insert(
            "413".into(),
            error_response("The file exceeds the download size limit"),
        );
        responses.insert(
            "501".into(),
            error_response("The file lives in a storage backend the extension cannot read"),
        );
    }
    if route.action == Action::Search {
        responses.insert(
            "501".into(),
            error_response("mode=fulltext on a helpdesk without osTicket's search index table"),
        );
    }
    if route.action.is_write() {
        responses.insert(
            "409".into(),
            error_response("osTicket refused the change, or the link exists already"),
        );
        responses.insert(
            "413".into(),
            error_response("The request body, an attachment or all of them are too large, or a message, note, reply or note title is longer than osTicket keeps whole (code too_long, field named)"),
        );
    }
    if matches!(route.action, Action::UpdateTicket | Action::CreateTicket) {
        responses.insert(
            "415".into(),
            error_response("An attachment's type is not allowed or does not match its content"),
        );
    }
    if route.action == Action::SubticketCreate {
        responses.insert(
            "422".into(),
            error_response("The parent is itself a child, or the link would make a cycle"),
        );
    }
    responses.insert(
        "500".into(),
        error_response("Internal error (logged to PHP's error log with the X-Request-Id)"),
    );
    let mut unavailable = error_response("Database unavailable, or busy beyond the bounded lock wait (code database_busy); or the osticket_api extension is missing or of another version (extension_missing, extension_mismatch)");
    add_header(
        &mut unavailable,
        "Retry-After",
        json!({"$ref": "#/components/headers/Retry-After"}),
    );
    responses.insert("503".into(), unavailable);
    if matches!(route.action, Action::UpdateTicket | Action::SubticketCreate) {
        for response in responses.values_mut() {
            add_header(
                response,
                "X-Ignored-Fields",
                json!({"$ref": "#/components/headers/X-Ignored-Fields"}),
            );
        }
    }
    let mut permission = route.permission.column().to_owned();
    if let Some(fallback) = route.permission.fallback() {
        permission.push_str(" (or ");
        permission.push_str(fallback.column());
        permission.push(')');
    }
    let mut op = json!({
        "operationId": format!("{}-{}-{}", route.endpoint, method.to_ascii_lowercase(), format.unwrap_or("default")),
        "summary": route.summary,
        "description": format!("Requires the API key permission `{permission}`."),
        "tags": ["tickets"],
        "parameters": params,
        "responses": responses,
    });
    if let Some(body) = request_body(route.action) {
        insert(&mut op, "requestBody", body);
    }
    op
}

/// The complete OpenAPI 3.1 document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        for (path, format) in paths_of(route) {
            let mut item = Map::new();
            for method in route.methods {
                item.insert(
                    method.to_ascii_lowercase(),
                    operation(route, method, format),
                );
            }
            paths.insert(path, Value::Object(item));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "osTicket API Endpoints (native edition)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Ticket endpoints for osTicket 1.18, drop-in compatible with the API Endpoints plugin 2.3.4. Authenticate with the X-API-Key header of a key registered for the client's IP address."
        },
        "servers": [{"url": "{helpdesk}", "variables": {"helpdesk": {"default": "http://127.0.0.1:8088"}}}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
            "schemas": schemas(),
            "headers": {
                "X-Request-Id": {"description": "The request's id (16 hex digits); a 5xx answer's line in PHP's error log carries it", "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}},
                "Retry-After": {"description": "Seconds to wait before trying again (database unavailable or busy)", "schema": {"type": "integer", "minimum": 1}},
                "X-Ignored-Fields": {"description": "Body fields the endpoint does not know and ignored, comma-separated, sorted, percent-encoded where not plain ASCII; only when there were any", "schema": {"type": "string"}}
            },
        }
    })
}

fn schemas() -> Value {
    let nullable_string = json!({"type": ["string", "null"]});
    json!({
        "Error": {
            "type": "object",
            "required": ["error", "message", "code"],
            "properties": {
                "error": {"const": true},
                "message": {"type": "string"},
                "code": {"type": "string", "description": "Stable machine-readable code"},
                "field": {"type": "string", "description": "The request field the error is about"}
            }
        },
        "Status": {
            "type": "object",
            "required": ["id", "name", "state"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "state": {"type": "string", "enum": ["open", "closed", "archived", "deleted"]}
            }
        },
        "Attachment": {
            "type": "object",
            "required": ["id", "file_id", "filename", "size", "mime_type", "inline"],
            "properties": {
                "id": {"type": "integer"},
                "file_id": {"type": "integer"},
                "filename": {"type": "string"},
                "size": {"type": "integer"},
                "mime_type": {"type": "string"},
                "inline": {"type": "boolean"}
            }
        },
        "ThreadEntry": {
            "type": "object",
            "required": ["id", "type", "poster", "timestamp", "body"],
            "properties": {
                "id": {"type": "integer"},
                "type": {"type": "string", "enum": ["M", "R", "N"], "description": "M message, R response, N internal note"},
                "poster": {"type": "string"},
                "timestamp": {"type": "string"},
                "body": {"type": "string"},
                "staffId": {"type": "integer"},
                "staff": nullable_string,
                "userId": {"type": "integer"},
                "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
                "attachment_count": {"type": "integer"}
            }
        },
        "Ticket": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "number": {"type": "string"},
                "subject": {"type": "string"},
                "statusId": {"type": "integer"},
                "status": {"type": "string"},
                "priorityId": {"type": "integer"},
                "priority": {"type": "string"},
                "departmentId": {"type": "integer"},
                "department": nullable_string,
                "topicId": {"type": "integer"},
                "topic": nullable_string,
                "userId": {"type": "integer"},
                "user": {"type": "object", "properties": {"name": {"type": "string"}, "email": {"type": "string"}}},
                "staffId": {"type": "integer"},
                "staff": nullable_string,
                "teamId": {"type": "integer"},
                "team": nullable_string,
                "slaId": {"type": "integer"},
                "sla": nullable_string,
                "created": {"type": "string"},
                "updated": {"type": "string"},
                "duedate": nullable_string,
                "closed": nullable_string,
                "isOverdue": {"type": "boolean"},
                "isAnswered": {"type": "boolean"},
                "source": {"type": "string"},
                "ip": {"type": "string"},
                "children": {"type": "array", "items": {"type": "integer"}},
                "thread": {"type": "array", "items": {"$ref": "#/components/schemas/ThreadEntry"}}
            }
        },
        "Counts": {
            "type": "object",
            "properties": {
                "department_id": {"type": "integer"},
                "total": {"type": "integer"},
                "open": {"type": "integer"},
                "closed": {"type": "integer"},
                "overdue": {"type": "integer"}
            }
        },
        "Stats": {
            "type": "object",
            "required": ["total", "open", "closed", "overdue", "by_department", "by_staff"],
            "properties": {
                "total": {"type": "integer"},
                "open": {"type": "integer", "description": "tickets in a status of state open"},
                "closed": {"type": "integer"},
                "overdue": {"type": "integer"},
                "archived": {"type": "integer"},
                "deleted": {"type": "integer"},
                "by_department": {"type": "object", "description": "keyed by the department's full name (Parent / Child)", "additionalProperties": {"$ref": "#/components/schemas/Counts"}},
                "by_staff": {"type": "array", "items": {"type": "object", "properties": {
                    "staff_id": {"type": "integer"},
                    "staff_name": {"type": "string"},
                    "total": {"type": "integer"},
                    "departments": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Counts"}}
                }}}
            }
        },
        "TicketListItem": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"}, "number": {"type": "string"}, "subject": {"type": "string"},
                "statusId": {"type": "integer"}, "status": {"type": "string"},
                "priorityId": {"type": "integer"}, "priority": {"type": "string"},
                "departmentId": {"type": "integer"}, "department": nullable_string,
                "topicId": {"type": "integer"}, "topic": nullable_string,
                "created": {"type": "string"}, "updated": {"type": "string"}, "dueDate": nullable_string,
                "staffId": {"type": "integer"}, "staff": nullable_string,
                "teamId": {"type": "integer"}, "team": nullable_string,
                "slaId": {"type": "integer"}, "sla": nullable_string,
                "isOverdue": {"type": "boolean"}, "isAnswered": {"type": "boolean"}
            }
        },
        "TicketSummary": {
            "type": "object",
            "required": ["ticket_id", "number", "subject", "status"],
            "properties": {
                "ticket_id": {"type": "integer"},
                "number": {"type": "string"},
                "subject": {"type": ["string", "null"]},
                "status": {"type": ["string", "null"]}
            }
        },
        "Download": {
            "type": "object",
            "required": ["file_id", "filename", "mime_type", "size", "content"],
            "properties": {
                "file_id": {"type": "integer"},
                "filename": {"type": "string"},
                "mime_type": {"type": "string"},
                "size": {"type": "integer"},
                "content": {"type": "string", "contentEncoding": "base64"}
            }
        }
    })
}

/// The document as pretty-printed JSON with a trailing newline (the form of `docs/openapi.json`).
pub fn to_pretty_json() -> String {
    let mut s = serde_json::to_string_pretty(&document()).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;
    use crate::routes::resolve;

    #[test]
    fn every_route_and_method_is_documented() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        for route in ROUTES {
            for (path, _) in paths_of(route) {
                let item = paths.get(&path).unwrap_or_else(|| panic!("{path} missing"));
                for m in route.methods {
                    assert!(item.get(m.to_ascii_lowercase()).is_some(), "{m} {path}");
                }
                assert_eq!(item.as_object().unwrap().len(), route.methods.len());
            }
        }
    }

    #[test]
    fn every_documented_path_resolves_to_a_route() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().unwrap() {
            // `/api/<endpoint>.php<path info>`, the dispatcher's `/api/[wildcard/]<endpoint>.<format>`,
            // or its update route `/api/tickets/{number}[.<format>]`.
            let (endpoint, path_info) = match path.split_once(".php") {
                Some((script, rest)) => (script.trim_start_matches("/api/"), rest.to_owned()),
                None => match path.strip_prefix("/api/tickets/") {
                    Some(rest) if rest.contains('.') => ("tickets-update", format!("/{rest}")),
                    Some(rest) => ("tickets-update", format!("/{rest}.json")),
                    None => {
                        let (script, format) = path.rsplit_once('.').unwrap();
                        let script = script.trim_start_matches("/api/");
                        (script.trim_start_matches("wildcard/"), format!(".{format}"))
                    }
                },
            };
            let path_info = path_info
                .replace("{number}", "ABC123")
                .replace("{file_id}", "42");
            for method in item.as_object().unwrap().keys() {
                let req = Request {
                    endpoint: endpoint.into(),
                    method: method.to_ascii_uppercase(),
                    path_info: path_info.clone().into_bytes(),
                    ..Default::default()
                };
                assert!(resolve(&req).is_ok(), "{method} {path} does not resolve");
            }
        }
    }

    #[test]
    fn committed_document_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");
        let current = to_pretty_json();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &current).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == current,
            "docs/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test openapi` and commit it"
        );
    }

    #[test]
    fn every_search_parameter_is_documented() {
        let doc = document();
        let params = doc["paths"]["/api/tickets-search.php"]["get"]["parameters"]
            .as_array()
            .unwrap();
        let documented: Vec<&str> = params.iter().filter_map(|p| p["name"].as_str()).collect();
        for name in crate::search::PARAMS.iter().chain(&["departmentId"]) {
            assert!(documented.contains(name), "{name} is not documented");
        }
    }

    #[test]
    fn writes_answer_what_the_endpoints_send() {
        let doc = document();
        let op = |path: &str, method: &str| doc["paths"][path][method]["responses"].clone();
        let create = op("/api/tickets.json", "post");
        assert!(create.get("200").is_none());
        assert_eq!(
            create["201"]["content"]["text/plain"]["schema"]["type"],
            "string"
        );
        assert_eq!(
            create["201"]["content"]["application/json"]["schema"]["required"],
            json!(["number", "ticket_id"])
        );
        assert_eq!(
            op("/api/wildcard/tickets.xml", "post")["201"],
            create["201"]
        );
        for (path, method) in [
            ("/api/tickets-update.php/{number}.json", "patch"),
            ("/api/tickets-update.php/{number}.xml", "put"),
            ("/api/tickets/{number}", "patch"),
            ("/api/tickets-delete.php/{number}.xml", "delete"),
        ] {
            let ok = &op(path, method)["200"]["content"];
            assert_eq!(ok.as_object().unwrap().len(), 1, "{method} {path}");
            assert_eq!(
                ok["text/plain"]["schema"]["type"], "string",
                "{method} {path}"
            );
        }
        let unlink = op("/api/tickets-subtickets-unlink.php/{number}.xml", "delete");
        assert!(unlink["200"]["content"]["application/xml"].is_object());
    }

    #[test]
    fn document_is_openapi_3_1() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["components"]["schemas"]["Ticket"].is_object());
    }
}
