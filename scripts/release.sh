#!/usr/bin/env bash
# The release bundle: dist/api-endpoints-<version>.tar.gz and .zip with
#   api-endpoints/                      the plugin folder (php-plugin/ + the api/ entry scripts)
#   extensions/osticket_api-phpX.Y.so   the extension for PHP 8.1, 8.2, 8.3 and 8.4 (x86_64, NTS)
#   install-extension.sh                installs the right one into the PHP that serves osTicket
#   INSTALL, LICENSE, VERSION, SHA256SUMS
# then checks its own output: both archives unpack to the same files, the checksums hold, every
# binary loads into the PHP it was built for and reports the bundle's version, the installer puts
# it into that PHP's configuration (a private extension and ini directory), the glibc symbol versions
# the binaries need are no newer than GLIBC_MAX (default 2.35: Ubuntu 22.04, the oldest target).
#
#   bash scripts/release.sh            build what changed, assemble, check
#   RELEASE_CHECK_ONLY=1 bash scripts/release.sh   check the existing bundle only
#   RELEASE_BUILD_ONLY=1 bash scripts/release.sh   only build the binaries into $STATE_DIR/release-bin
#
# PHP 8.2 is Debian 12's (php8.2-dev); 8.1, 8.3 and 8.4 come from scripts/php-builds.sh. The release
# builds share one target directory ($STATE_DIR/release-target) and run one after the other under
# `nice -n 19` with `-j$JOBS` (default 2): between PHP minors only ext-php-rs and this crate are
# rebuilt. A binary whose sources and PHP are unchanged since its last build is reused.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

# RELEASE_PHP: the PHP minors to build (all four for a bundle; fewer while working on one).
read -r -a MINORS <<<"${RELEASE_PHP:-8.1 8.2 8.3 8.4}"
JOBS="${JOBS:-2}"
GLIBC_MAX="${GLIBC_MAX:-2.35}"
PHP_BUILDS="${PHP_BUILDS:-$STATE_DIR/php-builds}"
BIN_DIR="$STATE_DIR/release-bin"
DIST="$REPO/dist"

VERSION="$(php -n -r 'echo (include "php-plugin/plugin.php")["version"];')"
CRATE_VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
[ "$VERSION" = "$CRATE_VERSION" ] ||
  die "php-plugin/plugin.php says $VERSION, Cargo.toml says $CRATE_VERSION: the plugin and the extension must carry one version"
NAME="api-endpoints-$VERSION"

# php_of X.Y / php_config_of X.Y: the PHP CLI and php-config of a minor.
php_of() {
  if [ "$1" = 8.2 ]; then command -v php8.2; else echo "$PHP_BUILDS/php-$1/bin/php"; fi
}
php_config_of() {
  if [ "$1" = 8.2 ]; then command -v php-config8.2; else echo "$PHP_BUILDS/php-$1/bin/php-config"; fi
}

# source_key X.Y: what a binary depends on (tracked and changed sources, the lock file, the PHP).
source_key() {
  {
    git -c safe.directory="$REPO" ls-files -s -- src build.rs Cargo.toml Cargo.lock
    git -c safe.directory="$REPO" diff HEAD -- src build.rs Cargo.toml Cargo.lock
    git -c safe.directory="$REPO" ls-files --others --exclude-standard -- src | xargs -r sha256sum
    "$(php_of "$1")" -n -v
    rustc --version
  } | sha256sum | cut -d' ' -f1
}

build_all() {
  local minor so key start
  bash scripts/deps.sh
  local builds=()
  for minor in "${MINORS[@]}"; do
    [ "$minor" = 8.2 ] || builds+=("$minor")
  done
  [ ${#builds[@]} -eq 0 ] || bash scripts/php-builds.sh "${builds[@]}"
  mkdir -p "$BIN_DIR"
  for minor in "${MINORS[@]}"; do
    so="$BIN_DIR/osticket_api-php$minor.so"
    key="$(source_key "$minor")"
    if [ -f "$so" ] && [ "$key" = "$(cat "$so.key" 2>/dev/null)" ]; then
      log "PHP $minor: $so is up to date"
      continue
    fi
    log "PHP $minor: cargo build --release ($(php_config_of "$minor"))"
    start=$SECONDS
    PHP="$(php_of "$minor")" PHP_CONFIG="$(php_config_of "$minor")" CARGO_TARGET_DIR="$STATE_DIR/release-target" \
      nice -n 19 cargo build --release --lib --locked -j "$JOBS" ||
      die "the release build for PHP $minor failed"
    install -m 0644 "$STATE_DIR/release-target/release/libosticket_api.so" "$so"
    printf '%s\n' "$key" >"$so.key"
    log "PHP $minor: built in $((SECONDS - start))s"
    echo "$minor $((SECONDS - start))" >>"$BIN_DIR/build-times"
  done
}

assemble() {
  local stage="$STATE_DIR/release-stage/$NAME" minor
  rm -rf "$STATE_DIR/release-stage"
  mkdir -p "$stage/extensions" "$DIST"
  bash scripts/package-plugin.sh "$stage/api-endpoints" 2>/dev/null
  for minor in "${MINORS[@]}"; do
    install -m 0644 "$BIN_DIR/osticket_api-php$minor.so" "$stage/extensions/"
  done
  install -m 0755 packaging/install-extension.sh "$stage/install-extension.sh"
  install -m 0644 packaging/INSTALL "$stage/INSTALL"
  install -m 0644 LICENSE "$stage/LICENSE"
  printf '%s\n' "$VERSION" >"$stage/VERSION"
  (cd "$stage" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)
  rm -f "$DIST/$NAME.tar.gz" "$DIST/$NAME.zip"
  # Reproducible-ish: fixed owner and order.
  tar -C "$STATE_DIR/release-stage" --owner=0 --group=0 --numeric-owner --sort=name -czf "$DIST/$NAME.tar.gz" "$NAME"
  (cd "$STATE_DIR/release-stage" && zip -q -r -X "$DIST/$NAME.zip" "$NAME")
  log "wrote $DIST/$NAME.tar.gz and $DIST/$NAME.zip"
}

# ---- the check -------------------------------------------------------------------------------------

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  echo "  ok: $*"
}
bad() {
  failed=$((failed + 1))
  echo "  FAILED: $*"
}

check_bundle() {
  local tmp minor so php out glibc fpm plugin_diff
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now
  trap "rm -rf '$tmp'" RETURN
  banner "release check: $NAME"
  mkdir -p "$tmp/tar" "$tmp/zip"
  if tar -xzf "$DIST/$NAME.tar.gz" -C "$tmp/tar"; then ok "tar.gz unpacks"; else bad "tar.gz does not unpack"; fi
  if unzip -q "$DIST/$NAME.zip" -d "$tmp/zip"; then ok "zip unpacks"; else bad "zip does not unpack"; fi
  if diff -r "$tmp/tar" "$tmp/zip" >/dev/null; then ok "tar.gz and zip hold the same files"; else bad "tar.gz and zip differ"; fi
  local b="$tmp/tar/$NAME"
  if (cd "$b" && sha256sum --quiet -c SHA256SUMS); then ok "SHA256SUMS holds"; else bad "SHA256SUMS does not hold"; fi
  if [ "$(cd "$b" && find . -type f ! -name SHA256SUMS | wc -l)" = "$(wc -l <"$b/SHA256SUMS")" ]; then
    ok "SHA256SUMS lists every file"
  else
    bad "SHA256SUMS does not list every file"
  fi
  for f in INSTALL LICENSE VERSION install-extension.sh api-endpoints/plugin.php api-endpoints/api/tickets-get.php; do
    if [ -s "$b/$f" ]; then ok "has $f"; else bad "$f is missing"; fi
  done
  plugin_diff="$(diff -r "$REPO/php-plugin" "$b/api-endpoints" 2>&1 | grep -v '^Only in .*api-endpoints: api$' || true)"
  if [ -z "$plugin_diff" ] && diff -r "$REPO/api" "$b/api-endpoints/api" >/dev/null; then
    ok "the plugin folder is php-plugin/ + api/"
  else
    bad "the plugin folder differs from php-plugin/ + api/: $plugin_diff"
  fi
  if [ "$(cat "$b/VERSION")" = "$VERSION" ]; then ok "VERSION is $VERSION"; else bad "VERSION is not $VERSION"; fi
  for minor in "${MINORS[@]}"; do
    so="$b/extensions/osticket_api-php$minor.so"
    php="$(php_of "$minor")"
    if [ ! -f "$so" ]; then
      bad "extensions/osticket_api-php$minor.so is missing"
      continue
    fi
    out="$("$php" -n -d "extension=$so" -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION, " ", phpversion("osticket_api"), " ", function_exists("osticket_api_serve") ? "serve" : "-";' 2>&1)" || true
    if [ "$out" = "$minor $VERSION serve" ]; then
      ok "PHP $minor ($("$php" -n -r 'echo PHP_VERSION;')) loads osticket_api-php$minor.so, version $VERSION"
    else
      bad "PHP $minor does not load osticket_api-php$minor.so: $out"
    fi
    glibc="$(objdump -T "$so" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)"
    if [ "$(printf '%s\n%s\n' "$glibc" "$GLIBC_MAX" | sort -V | tail -n 1)" = "$GLIBC_MAX" ]; then
      ok "osticket_api-php$minor.so needs glibc >= $glibc (at most $GLIBC_MAX allowed)"
    else
      bad "osticket_api-php$minor.so needs glibc $glibc, newer than $GLIBC_MAX"
    fi
    # The installer, into a private extension and ini directory of that PHP's php-fpm.
    fpm="$(if [ "$minor" = 8.2 ]; then command -v php-fpm8.2 || echo /usr/sbin/php-fpm8.2; else echo "$PHP_BUILDS/php-$minor/sbin/php-fpm"; fi)"
    if out="$(sh "$b/install-extension.sh" --php-fpm "$fpm" --ext-dir "$tmp/ext-$minor" --ini-dir "$tmp/ini-$minor" 2>&1)" &&
      [ "$(PHP_INI_SCAN_DIR=":$tmp/ini-$minor" "$php" -r 'echo phpversion("osticket_api");' 2>&1)" = "$VERSION" ]; then
      ok "install-extension.sh installs osticket_api-php$minor.so for php-fpm $minor"
    else
      bad "install-extension.sh for php-fpm $minor: $out"
    fi
  done
  # A binary for another PHP is refused with a message, and nothing is written.
  mkdir -p "$tmp/wrong/extensions"
  cp "$b/install-extension.sh" "$tmp/wrong/"
  cp "$b/extensions/osticket_api-php8.1.so" "$tmp/wrong/extensions/osticket_api-php8.2.so"
  fpm="$(command -v php-fpm8.2 || echo /usr/sbin/php-fpm8.2)"
  if out="$(sh "$tmp/wrong/install-extension.sh" --php-fpm "$fpm" --ext-dir "$tmp/wrong-ext" --ini-dir "$tmp/wrong-ini" 2>&1)"; then
    bad "install-extension.sh accepted a binary built for PHP 8.1 on php-fpm 8.2"
  elif [ ! -e "$tmp/wrong-ext" ] && [ ! -e "$tmp/wrong-ini" ] && [[ "$out" == *"does not load"* ]]; then
    ok "install-extension.sh refuses a binary built for another PHP and changes nothing"
  else
    bad "install-extension.sh with a wrong binary: $out"
  fi
  echo "glibc: the binaries need GLIBC $(for minor in "${MINORS[@]}"; do objdump -T "$b/extensions/osticket_api-php$minor.so" | grep -o 'GLIBC_[0-9.]*'; done | sed 's/GLIBC_//' | sort -uV | tail -n 1) or newer (Debian 12: 2.36, Ubuntu 22.04: 2.35, Ubuntu 24.04: 2.39, Debian 13: 2.41)"
  ls -l "$DIST/$NAME.tar.gz" "$DIST/$NAME.zip" | awk '{ print "  " $5 " bytes  " $9 }'
  echo "release check: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

if [ "${RELEASE_CHECK_ONLY:-0}" != 1 ]; then
  build_all
  [ "${RELEASE_BUILD_ONLY:-0}" = 1 ] && exit 0
  assemble
fi
check_bundle
