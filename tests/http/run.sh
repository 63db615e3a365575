#!/usr/bin/env bash
# The HTTP suite: PHPUnit tests that call the endpoints through nginx + php-fpm with the extension.
#
#   FIXTURES_JSON=file tests/http/run.sh   against an installation described by the file
#                                          (the real-osTicket harness does this)
#   tests/http/run.sh                      against the CI stand-in: builds a web root from
#                                          tests/standin + the plugin, a database from
#                                          tests/fixtures, installs the plugin through the
#                                          stand-in's admin CLI, then also checks disable/enable
#                                          and uninstall.
# Prints `http (<name>): N passed, N failed, N skipped`; exits non-zero on failure.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$REPO"

NAME="${HTTP_SUITE_NAME:-standin}"
REPORT_DIR="${REPORT_DIR:-$STATE_DIR/reports}"
mkdir -p "$REPORT_DIR"
BASE="http://127.0.0.1:$HTTP_PORT"
status=0

lifecycle_passed=0
lifecycle_failed=0
check() { # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    lifecycle_passed=$((lifecycle_passed + 1))
  else
    lifecycle_failed=$((lifecycle_failed + 1))
    log "lifecycle FAILED: $1: expected '$2', got '$3'"
  fi
}

if [ -z "${FIXTURES_JSON:-}" ]; then
  STANDIN_ROOT="$STATE_DIR/standin-www"
  STANDIN_DB="${STANDIN_DB:-osticket_standin}"
  log "building the stand-in at $STANDIN_ROOT (database $STANDIN_DB)"
  WEB_ROOT="$STANDIN_ROOT" bash scripts/stack.sh start >/dev/null 2>&1 || die "the stack did not start"
  rm -rf "$STANDIN_ROOT"
  mkdir -p "$STANDIN_ROOT"
  cp -R tests/standin/. "$STANDIN_ROOT/"
  cp tests/fixtures/standin-htaccess "$STANDIN_ROOT/api/.htaccess" 2>/dev/null || true
  cat >"$STANDIN_ROOT/include/ost-config.php" <<CONF
<?php
\$standinConfig = ['prefix' => 'ost_', 'dbhost' => '127.0.0.1:$DB_PORT', 'dbname' => '$STANDIN_DB',
    'dbuser' => '$DB_USER', 'dbpass' => '$DB_PASS'];
CONF
  bash scripts/package-plugin.sh "$STANDIN_ROOT/include/plugins/api-endpoints" 2>/dev/null
  chown -R www-data:www-data "$STANDIN_ROOT"
  db_root -e "DROP DATABASE IF EXISTS \`$STANDIN_DB\`; CREATE DATABASE \`$STANDIN_DB\` CHARACTER SET utf8mb4;"
  for f in schema seed; do
    sed 's/%TABLE_PREFIX%/ost_/g' "tests/fixtures/$f.sql" | db_root "$STANDIN_DB"
  done
  php -d "extension=$EXT_SO" "$STANDIN_ROOT/cli.php" install api-endpoints >/dev/null
  sed 's/%TABLE_PREFIX%/ost_/g' tests/fixtures/grants.sql | db_root "$STANDIN_DB"
  FIXTURES_JSON="$STATE_DIR/standin-fixtures.json"
  sed "s|%BASE_URL%|$BASE|" tests/fixtures/standin-fixtures.json >"$FIXTURES_JSON"
fi
export FIXTURES_JSON

junit="$REPORT_DIR/http-$NAME.xml"
rm -f "$junit"
phpunit -c tests/http/phpunit.xml --log-junit "$junit" || status=1
php scripts/junit-summary.php "$junit" "http ($NAME)"

if [ -n "${STANDIN_ROOT:-}" ]; then
  key="$(php -r 'echo json_decode(file_get_contents($argv[1]), true)["keys"]["all"];' "$FIXTURES_JSON")"
  url="$BASE/api/tickets-get.php/100001.json"
  code() { curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $key" "$url"; }
  cli() { php -d "extension=$EXT_SO" "$STANDIN_ROOT/cli.php" "$@" >/dev/null; }
  check "enabled plugin answers" 200 "$(code)"
  cli disable
  check "disabled plugin answers 404" 404 "$(code)"
  check "disabled plugin answers JSON" "application/json; charset=UTF-8" \
    "$(curl -s -o /dev/null -w '%{content_type}' -H "X-API-Key: $key" "$url")"
  cli enable
  check "re-enabled plugin answers" 200 "$(code)"
  cli uninstall
  check "uninstall removes the entry scripts" 0 "$(find "$STANDIN_ROOT/api" -name 'tickets-*.php' | wc -l)"
  check "uninstall keeps the permission columns" 1 \
    "$(db_root -N "$STANDIN_DB" -e "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$STANDIN_DB' AND TABLE_NAME = 'ost_api_key' AND COLUMN_NAME = 'can_read_tickets'")"
  check "the stand-in's own api.inc.php stays" yes "$([ -f "$STANDIN_ROOT/api/api.inc.php" ] && echo yes)"
  echo "http lifecycle (standin): $lifecycle_passed passed, $lifecycle_failed failed"
  [ "$lifecycle_failed" -eq 0 ] || status=1
fi
exit "$status"
