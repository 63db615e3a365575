//! `GET tickets-get.php/{number}`: one ticket with thread, attachment metadata and children.
//! This module must not import `ext_php_rs` or `mysql`.

use crate::error::{ApiError, Result};
use crate::render::Node;
use crate::sql::{Store, Tables};

/// The ticket addressed by `ident` (number first; id fallback for purely numeric identifiers).
pub fn get(_store: &mut dyn Store, _tables: &Tables, _ident: &str) -> Result<Node> {
    Err(ApiError::NotFound("Ticket not found".into()))
}
