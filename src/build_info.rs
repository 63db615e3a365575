//! Facts recorded by `build.rs` about the build: the PHP API it was built against (`phpinfo()` and
//! the config page show it, so a mismatch with the running PHP is easy to spot) and the profile.

/// `PHP_API` version of the headers used for the build (e.g. `20220829`), or `unknown`.
pub const PHP_API: &str = env!("OSTICKET_API_PHP_API");

/// The build: cargo profile and target, e.g. `release, x86_64-unknown-linux-gnu`.
pub const BUILD: &str = env!("OSTICKET_API_BUILD");
