#!/usr/bin/env bash
# Installs every Debian package the build, the stack and the tests need. Idempotent: when all are
# present it does not touch apt at all. Works unattended (CI, no stdin) on a fresh Debian 12 as root.
# Also checks the Rust toolchain (cargo, rustfmt, clippy), which is not a Debian package here.
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

command -v cargo >/dev/null 2>&1 ||
  die "cargo (Rust toolchain, >= 1.85) is required and not on PATH; install it with rustup"
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
