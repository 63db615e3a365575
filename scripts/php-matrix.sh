#!/usr/bin/env bash
# Each release binary tested by the PHP it was built for (PHP 8.1, 8.2, 8.3, 8.4):
#
#   bash scripts/php-matrix.sh [8.1 8.2 8.3 8.4]
#
# Per version, with $STATE_DIR/release-bin/osticket_api-phpX.Y.so (built by scripts/release.sh when
# missing or stale; PHP 8.1/8.3/8.4 from scripts/php-builds.sh):
#   * the plugin shell's PHPUnit tests (tests/php) run by that version's CLI with the binary loaded:
#     the extension's functions, install/enable/uninstall, permission grid, endpoints answered
#     through the CLI against the test MariaDB;
#   * the HTTP suite (tests/http/run.sh) against the stand-in, served by that version's php-fpm
#     with the binary (routing, rendering, every endpoint, the database through the extension,
#     disable/enable/uninstall), the plugin installed by that version's CLI.
# Prints `php X.Y: N passed, N failed` per version and `php matrix: N passed, N failed`; exits
# non-zero on any failure. The private stack is restarted with Debian's php-fpm 8.2 and the debug
# build afterwards (scripts/stack.sh start).
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO" || exit 1

PHP_BUILDS="${PHP_BUILDS:-$STATE_DIR/php-builds}"
BIN_DIR="$STATE_DIR/release-bin"
REPORT_DIR="${REPORT_DIR:-$STATE_DIR/reports}/matrix"
mkdir -p "$REPORT_DIR"
minors=("$@")
[ ${#minors[@]} -gt 0 ] || minors=(8.1 8.2 8.3 8.4)

RELEASE_PHP="${minors[*]}" RELEASE_BUILD_ONLY=1 bash scripts/release.sh || die "building the release binaries failed"
bash scripts/stack.sh start >/dev/null || die "the stack did not start"

DATABASE_URL="$(db_url)"
export DATABASE_URL

lines=()
total_passed=0
total_failed=0
for minor in "${minors[@]}"; do
  banner "PHP $minor"
  so="$BIN_DIR/osticket_api-php$minor.so"
  if [ "$minor" = 8.2 ]; then
    bindir="$STATE_DIR/matrix-php-8.2"
    mkdir -p "$bindir"
    ln -sf "$(command -v php8.2)" "$bindir/php"
    fpm="$(command -v php-fpm8.2 || echo /usr/sbin/php-fpm8.2)"
  else
    bindir="$PHP_BUILDS/php-$minor/bin"
    fpm="$PHP_BUILDS/php-$minor/sbin/php-fpm"
  fi
  php="$bindir/php"
  echo "$("$php" -n -r 'echo "PHP ", PHP_VERSION, PHP_ZTS ? " ZTS" : " NTS";'), php-fpm $fpm, $so"
  passed=0
  failed=0

  # tests/php: PHPUnit itself and every PHP it spawns are this version.
  junit="$REPORT_DIR/php-$minor-phpunit.xml"
  rm -f "$junit"
  PATH="$bindir:$PATH" EXT_SO="$so" "$php" -d "extension=$so" -d zend.assertions=1 -d assert.exception=1 \
    "$(command -v phpunit)" --log-junit "$junit" -c tests/php/phpunit.xml </dev/null >"$REPORT_DIR/php-$minor-phpunit.log" 2>&1
  line="$(php scripts/junit-summary.php "$junit" "tests/php")"
  echo "  $line"
  [[ "$line" =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]] && passed=$((passed + BASH_REMATCH[1])) &&
    failed=$((failed + BASH_REMATCH[2]))
  [ -s "$junit" ] || failed=$((failed + 1))

  # tests/http: this version's php-fpm serves the stand-in with the binary.
  log="$REPORT_DIR/php-$minor-http.log"
  FPM_BIN="$fpm" EXT_SO="$so" PHP_CLI="$php" HTTP_SUITE_NAME="standin-php$minor" \
    REPORT_DIR="$REPORT_DIR" bash tests/http/run.sh </dev/null >"$log" 2>&1
  mapfile -t counts < <(grep -E '^http.*: [0-9]+ passed, [0-9]+ failed' "$log")
  if [ ${#counts[@]} -lt 2 ]; then
    echo "  tests/http: no count lines (log: $log)"
    tail -n 5 "$log" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
  for line in "${counts[@]}"; do
    echo "  $line"
    [[ "$line" =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]] && passed=$((passed + BASH_REMATCH[1])) &&
      failed=$((failed + BASH_REMATCH[2]))
  done
  if ! grep -q "PHP $minor" <(FPM_BIN="$fpm" "$fpm" -n -v 2>&1); then
    echo "  php-fpm $fpm is not PHP $minor"
    failed=$((failed + 1))
  fi
  lines+=("php $minor: $passed passed, $failed failed")
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
done

# Back to the everyday stack (Debian's php-fpm 8.2, the debug build).
bash scripts/stack.sh start >/dev/null 2>&1 || warn "restarting the everyday stack failed"

banner "PHP matrix"
printf '%s\n' "${lines[@]}"
echo "php matrix: $total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
