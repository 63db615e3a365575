#!/usr/bin/env bash
# Installs every Debian package the build, the stack and the tests need. Idempotent: when all are
# present it does not touch apt at all. Works unattended (CI, no stdin) on a fresh Debian 12 as root.
# Also the Rust toolchain (Rust >= 1.85 with rustfmt and clippy; Debian 12's rustc is too old):
# installed with rustup (https://rustup.rs, into ~/.cargo) when cargo is missing or too old.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGES=(
  # build: php-config + headers + php CLI for ext-php-rs' build script, libclang for bindgen
  php8.2-dev libclang-dev
  # PHP runtime for the tests and osTicket (embed: `cargo test --features embed`)
  php8.2-cli php8.2-fpm libphp8.2-embed libfcgi-bin
  php8.2-mysql php8.2-curl php8.2-mbstring php8.2-xml php8.2-intl php8.2-gd php8.2-apcu php8.2-zip
  # the private stack
  mariadb-server mariadb-client nginx apache2
  # test and lint tools (php-json-schema: the HTTP suites check every answer against docs/openapi.json)
  phpunit php-codesniffer php-json-schema curl ca-certificates git
  # the admin page's browser tests (tests/osticket/admin-browser.py): headless Chromium, its
  # WebDriver and Selenium, all Debian's (no browser download)
  chromium chromium-driver python3-selenium
)

missing=()
for p in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  is_root || die "missing Debian packages (${missing[*]}); run as root: bash scripts/deps.sh"
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  apt_log="$(mktemp)"
  trap 'rm -f "$apt_log"' EXIT
  if ! apt-get "${apt_opts[@]}" update </dev/null >"$apt_log" 2>&1; then
    cat "$apt_log" >&2
    die "apt-get update failed"
  fi
  # The packages' postinst scripts may start system services (MariaDB on 3306, nginx or Apache on
  # 80, php8.2-fpm on its socket); stack.sh never uses them and they do not collide with it.
  if ! apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}" </dev/null >"$apt_log" 2>&1; then
    tail -n 60 "$apt_log" >&2
    die "apt-get install failed"
  fi
  log "installed ${#missing[@]} package(s)"
else
  log "Debian packages: all ${#PACKAGES[@]} present"
fi

RUST_MIN=1.85
rust_ok() {
  local v
  v="$(cargo --version 2>/dev/null | awk '{print $2}')" || return 1
  [ -n "$v" ] && [ "$(printf '%s\n%s\n' "$RUST_MIN" "${v%%-*}" | sort -V | head -n1)" = "$RUST_MIN" ]
}
if ! rust_ok; then
  if command -v rustup >/dev/null 2>&1; then
    log "Rust is older than $RUST_MIN or missing: rustup toolchain install stable"
    rustup toolchain install stable --profile minimal -c rustfmt -c clippy </dev/null >&2 &&
      rustup default stable >&2 || die "rustup could not install the stable toolchain"
  else
    log "installing the Rust toolchain with rustup (https://rustup.rs) into ${CARGO_HOME:-$HOME/.cargo}"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
      sh -s -- -y --profile minimal -c rustfmt -c clippy </dev/null >&2 ||
      die "rustup's installer failed; install Rust >= $RUST_MIN with rustfmt and clippy by hand"
  fi
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
  export PATH
  rust_ok || die "cargo >= $RUST_MIN is still not on PATH (add ${CARGO_HOME:-$HOME/.cargo}/bin to PATH)"
fi
for tool in fmt clippy; do
  if ! cargo "$tool" --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
      log "adding rustup component for cargo $tool"
      component=rustfmt
      [ "$tool" = clippy ] && component=clippy
      rustup component add "$component" </dev/null >&2 || die "rustup component add $component failed"
    else
      die "cargo $tool is missing (install the rustfmt/clippy components)"
    fi
  fi
done
log "Rust toolchain: $(cargo --version)"
