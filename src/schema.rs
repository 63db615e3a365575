//! What the plugin adds to osTicket's database on install/enable and removes on uninstall, and the
//! API-key permission grid of the config page. SQL is built here as text plus parameters; `db/`
//! runs it. This module must not import `ext_php_rs` or `mysql`.
