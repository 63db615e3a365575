//! Functions the plugin shell calls outside of requests to endpoints: version, the endpoint list
//! for deployment, schema installation, the API-key permission grid, web-server snippets.

use ext_php_rs::prelude::*;

use crate::routes::ROUTES;

/// The extension's version (the crate version).
#[php_function]
#[php(name = "osticket_api_version")]
pub fn osticket_api_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The entry scripts to deploy into osTicket's `api/` directory, e.g. `tickets-get`.
#[php_function]
#[php(name = "osticket_api_endpoints")]
pub fn osticket_api_endpoints() -> Vec<&'static str> {
    ROUTES.iter().map(|r| r.endpoint).collect()
}

/// Registers the functions of this topic.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(osticket_api_version))
        .function(wrap_function!(osticket_api_endpoints))
}
