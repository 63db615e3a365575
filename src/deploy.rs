//! Web-server integration generated from the route table: the `api/.htaccess` block (Apache) and
//! the nginx snippet shown on the config page. This module must not import `ext_php_rs` or `mysql`.
