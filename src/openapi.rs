//! The OpenAPI 3.1 document of the endpoints, generated from the route table.
//! This module must not import `ext_php_rs` or `mysql`.
