//! Records which PHP API version the extension is built against, so `phpinfo()` can show it and a
//! mismatch with the running PHP is easy to spot. ext-php-rs' own build script does the binding
//! work; this one only asks `php-config` (or `$PHP_CONFIG`) for `--extension-dir`.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PHP_CONFIG");
    let php_config = std::env::var("PHP_CONFIG").unwrap_or_else(|_| "php-config".to_owned());
    let api = Command::new(&php_config)
        .arg("--extension-dir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|dir| {
            // Debian: /usr/lib/php/20220829; PHP's own build: .../no-debug-non-zts-20210902.
            dir.trim()
                .rsplit('/')
                .next()
                .and_then(|s| s.rsplit(|c: char| !c.is_ascii_digit()).next())
                .map(str::to_owned)
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=OSTICKET_API_PHP_API={api}");
    // The profile (`release`, `debug`) and target, shown on the config page beside the version.
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".to_owned());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=OSTICKET_API_BUILD={profile}, {target}");
}
