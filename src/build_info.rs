//! Facts recorded by `build.rs` about the PHP the extension was built against.

/// `PHP_API` version of the headers used for the build (e.g. `20220829`), or `unknown`.
pub const PHP_API: &str = env!("OSTICKET_API_PHP_API");
