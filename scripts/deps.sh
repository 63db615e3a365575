#!/usr/bin/env bash
# Installs every Debian package the build, the stack and the tests need (idempotent).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGES=(
  php8.2-dev libclang-dev libphp8.2-embed php8.2-cli php8.2-fpm libfcgi-bin
  php8.2-mysql php8.2-curl php8.2-mbstring php8.2-xml php8.2-intl php8.2-gd php8.2-apcu php8.2-zip
  mariadb-server mariadb-client nginx phpunit php-codesniffer curl ca-certificates git
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}); run as root"
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian's postinst scripts try to start services; they are not needed (stack.sh runs its own).
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || die "cargo (Rust toolchain) is required"
log "dependencies present"
