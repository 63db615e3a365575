//! # osticket_api
//!
//! A PHP extension that answers the REST endpoints of osTicket's "API Endpoints" plugin (get,
//! search, update, delete, statistics, statuses, attachment download, subtickets), as a drop-in
//! replacement for the original PHP plugin: same URLs, parameters, status codes and response
//! shapes, with its bugs fixed.
//!
//! Layout: the core (everything but `db` and `php`) is plain Rust and knows neither PHP nor
//! MySQL. [`db`] is the only module that uses the `mysql` crate, [`php`] the only one that uses
//! `ext_php_rs`. Reads go straight to SQL built by pure functions ([`sql::Query`]); writes (later)
//! are validated here and applied by the plugin shell through osTicket's own domain methods.

pub mod attachments;
pub mod auth;
pub mod bounds;
pub mod build_info;
pub mod config;
pub mod dates;
pub mod db;
pub mod deploy;
pub mod diagnostics;
pub mod dispatch;
pub mod error;
pub mod freshness;
#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod i18n_tests;
pub mod markdown;
pub mod openapi;
pub mod php;
pub mod render;
pub mod request;
pub mod response;
pub mod routes;
pub mod schema;
pub mod search;
pub mod serialize;
pub mod settings;
pub mod sql;
pub mod stats;
pub mod statuses;
pub mod subtickets;
pub mod tickets;
pub mod uploads;
pub mod write;
