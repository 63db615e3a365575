//! The one error type of the core and its mapping to the wire.
//!
//! Every failure a request can meet is an [`ApiError`]. Each variant knows its HTTP status and a
//! stable machine code; [`ApiError::message`] keeps the original plugin's message strings where
//! CONTRACT.md names one. This module must not import `ext_php_rs` or `mysql`.

use thiserror::Error;

/// A failure that ends a request with an error response.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApiError {
    /// The URL does not have the shape the endpoint expects (400).
    #[error("{0}")]
    BadPath(String),
    /// A request parameter or body field is invalid (400, or the status given).
    #[error("{message}")]
    Invalid {
        /// HTTP status (400 unless a more specific one applies).
        status: u16,
        /// Stable machine code, e.g. `invalid_file_id`.
        code: &'static str,
        /// Human-readable message.
        message: String,
        /// The request field the problem is about, if any.
        field: Option<String>,
    },
    /// The HTTP method is not allowed on this endpoint (405 with an `Allow` header).
    #[error("Method Not Allowed. Use {}", .0.join(", "))]
    MethodNotAllowed(Vec<&'static str>),
    /// No API key, or none that matches key and client address (401).
    #[error("Valid API key required")]
    KeyRequired,
    /// The key exists for this address but is inactive (401).
    #[error("API key not found/active or source IP not authorized")]
    KeyInactive,
    /// The key lacks the permission the endpoint needs (401 or 403, message per endpoint).
    #[error("{message}")]
    Forbidden {
        /// 401 on ticket endpoints, 403 on subticket endpoints (as the original).
        status: u16,
        /// Message of the original plugin for this endpoint.
        message: &'static str,
    },
    /// The thing addressed does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// Access to an existing object is refused (403).
    #[error("{0}")]
    Denied(String),
    /// The request or the answer would be too large (413).
    #[error("{0}")]
    TooLarge(String),
    /// The endpoints are switched off: plugin disabled or not installed (404).
    #[error("{0}")]
    Disabled(String),
    /// The database could not be reached or failed (503 when unreachable, 500 otherwise).
    #[error("{message}")]
    Database {
        /// `true` when the server could not be reached at all.
        unavailable: bool,
        /// What went wrong, without credentials.
        message: String,
    },
    /// A lock held by another connection outlasted the bounded wait (503 with `Retry-After`).
    #[error("{0}")]
    Busy(String),
    /// A failure inside the extension that the client cannot fix (500).
    #[error("{0}")]
    Internal(String),
    /// The feature exists but this installation cannot serve it (501).
    #[error("{0}")]
    NotImplemented(String),
}

/// The `Retry-After` of every 503 answer (database unreachable or busy), in seconds.
pub const RETRY_AFTER_SECS: u64 = 5;

/// Shorthand for results of the core.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl ApiError {
    /// A 400 error with a stable code and no field.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            status: 400,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A 400 error about one request field.
    pub fn invalid_field(
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ApiError::Invalid {
            status: 400,
            code,
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadPath(_) => 400,
            ApiError::Invalid { status, .. } => *status,
            ApiError::MethodNotAllowed(_) => 405,
            ApiError::KeyRequired | ApiError::KeyInactive => 401,
            ApiError::Forbidden { status, .. } => *status,
            ApiError::NotFound(_) | ApiError::Disabled(_) => 404,
            ApiError::Denied(_) => 403,
            ApiError::TooLarge(_) => 413,
            ApiError::Database { unavailable, .. } => {
                if *unavailable {
                    503
                } else {
                    500
                }
            }
            ApiError::Busy(_) => 503,
            ApiError::Internal(_) => 500,
            ApiError::NotImplemented(_) => 501,
        }
    }

    /// A stable machine-readable code, the same for every message of a kind.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadPath(_) => "invalid_url",
            ApiError::Invalid { code, .. } => code,
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::KeyRequired => "api_key_required",
            ApiError::KeyInactive => "api_key_inactive",
            ApiError::Forbidden { .. } => "permission_denied",
            ApiError::NotFound(_) => "not_found",
            ApiError::Denied(_) => "access_denied",
            ApiError::TooLarge(_) => "too_large",
            ApiError::Disabled(_) => "endpoint_disabled",
            ApiError::Database { unavailable, .. } => {
                if *unavailable {
                    "database_unavailable"
                } else {
                    "database_error"
                }
            }
            ApiError::Busy(_) => "database_busy",
            ApiError::Internal(_) => "internal_error",
            ApiError::NotImplemented(_) => "not_implemented",
        }
    }

    /// The message sent to the client.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The request field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// Seconds for the `Retry-After` header of an answer that says "try again later" (503).
    pub fn retry_after(&self) -> Option<u64> {
        (self.status() == 503).then_some(RETRY_AFTER_SECS)
    }

    /// Methods for the `Allow` header of a 405 answer.
    pub fn allow(&self) -> Option<String> {
        match self {
            ApiError::MethodNotAllowed(methods) => Some(methods.join(", ")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_not_allowed_lists_methods_like_the_original() {
        let e = ApiError::MethodNotAllowed(vec!["PATCH", "PUT"]);
        assert_eq!(e.status(), 405);
        assert_eq!(e.message(), "Method Not Allowed. Use PATCH, PUT");
        assert_eq!(e.allow().as_deref(), Some("PATCH, PUT"));
    }

    #[test]
    fn key_errors_keep_core_messages() {
        assert_eq!(ApiError::KeyRequired.message(), "Valid API key required");
        assert_eq!(
            ApiError::KeyInactive.message(),
            "API key not found/active or source IP not authorized"
        );
        assert_eq!(ApiError::KeyInactive.status(), 401);
    }

    #[test]
    fn database_errors_distinguish_unreachable() {
        let down = ApiError::Database {
            unavailable: true,
            message: "x".into(),
        };
        let broken = ApiError::Database {
            unavailable: false,
            message: "x".into(),
        };
        assert_eq!(down.status(), 503);
        assert_eq!(broken.status(), 500);
        assert_eq!(down.retry_after(), Some(RETRY_AFTER_SECS));
        assert_eq!(broken.retry_after(), None);
        let busy = ApiError::Busy("locked".into());
        assert_eq!((busy.status(), busy.code()), (503, "database_busy"));
        assert_eq!(busy.retry_after(), Some(RETRY_AFTER_SECS));
        assert_ne!(down.code(), broken.code());
    }

    #[test]
    fn invalid_field_carries_field_name() {
        let e = ApiError::invalid_field("invalid_limit", "limit", "bad");
        assert_eq!(e.status(), 400);
        assert_eq!(e.field(), Some("limit"));
        assert_eq!(e.code(), "invalid_limit");
    }
}
