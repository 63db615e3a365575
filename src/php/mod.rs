//! The binding layer: the only module that imports `ext_php_rs`.
//!
//! It converts PHP values into the core's plain types, calls the core, and turns the core's
//! answers back into PHP values or HTTP output. Every exported function catches Rust panics, so a
//! bug answers a JSON 500 (or a PHP exception on admin calls) and never takes a php-fpm worker down.
//! Each topic registers its own functions: [`serve`] (the endpoints) and [`admin`] (what the
//! plugin shell needs on install, enable and its config page).

mod admin;
mod convert;
mod search;
mod serve;

use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

/// `phpinfo()` / `php --ri osticket_api` rows.
extern "C" fn info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_row!("osticket_api support", "enabled");
    info_table_row!("version", env!("CARGO_PKG_VERSION"));
    info_table_row!("build", crate::build_info::BUILD);
    info_table_row!("built for PHP API", crate::build_info::PHP_API);
    info_table_row!("endpoints", crate::routes::ROUTES.len().to_string());
    info_table_end!();
}

/// The module: name and version from Cargo, functions registered per topic.
#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    let module = serve::register(module);
    let module = admin::register(module);
    let module = search::register(module);
    module.info_function(info)
}

/// The module entry, for embed tests that register the module themselves.
#[cfg(feature = "embed")]
pub fn module_entry() -> *mut ModuleEntry {
    get_module()
}
