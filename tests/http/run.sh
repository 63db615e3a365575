#!/usr/bin/env bash
# The HTTP suite: PHPUnit tests that call the endpoints through nginx and Apache + php-fpm with the extension.
#
#   FIXTURES_JSON=file tests/http/run.sh   against an installation described by the file
#                                          (the real-osTicket harness does this)
#   tests/http/run.sh                      against the CI stand-in: a web root from tests/standin
#                                          + the plugin, a database from tests/fixtures/schema.sql,
#                                          the plugin installed through the stand-in's admin CLI,
#                                          data from tests/http/standin-seed.php; afterwards
#                                          disable/enable/uninstall checks.
# Prints `http (<HTTP_SUITE_NAME, default standin>): N passed, N failed, N skipped` for the run
# through nginx, `http (<name>, apache): ...` and `http (<name>, apache /support/): ...` for the runs
# through Apache (HTTP_SERVERS picks the servers), and, on the stand-in, `http lifecycle (standin):
# ...`; exits non-zero on any failure. HTTP_LIFECYCLE=0 skips
# the lifecycle checks (the stand-in then stays installed and seeded, for poking at it with curl).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$REPO"

NAME="${HTTP_SUITE_NAME:-standin}"
# Which installation the tests talk to (WriteTest applies changes only on real osTicket).
export HTTP_SUITE="$NAME"
REPORT_DIR="${REPORT_DIR:-$STATE_DIR/reports}"
mkdir -p "$REPORT_DIR"
BASE="http://127.0.0.1:$HTTP_PORT"
status=0

# junit_summary REPORT NAME: the suite's one-line count.
junit_summary() {
  if [ -f scripts/junit-summary.php ]; then
    php scripts/junit-summary.php "$1" "$2"
  else
    php -r '$x = @simplexml_load_file($argv[1]); $c = ["p" => 0, "f" => 0, "s" => 0];
      foreach ($x ? $x->xpath("//testcase") : [] as $t) {
        $k = ($t->failure || $t->error || $t->warning) ? "f" : ($t->skipped ? "s" : "p"); $c[$k]++; }
      printf("%s: %d passed, %d failed, %d skipped\n", $argv[2], $c["p"], $c["f"], $c["s"]);' "$1" "$2"
  fi
}

if [ -z "${FIXTURES_JSON:-}" ]; then
  STANDIN_ROOT="$STATE_DIR/standin-www"
  STANDIN_DB="${STANDIN_DB:-osticket_standin}"
  [ -f "$EXT_SO" ] || die "the extension $EXT_SO does not exist (cargo build first)"
  for f in tests/standin/main.inc.php tests/standin/cli.php tests/fixtures/schema.sql; do
    [ -f "$f" ] || die "$f does not exist: the stand-in cannot be built"
  done
  log "building the stand-in at $STANDIN_ROOT (database $STANDIN_DB)"
  rm -rf "$STANDIN_ROOT"
  mkdir -p "$STANDIN_ROOT"
  cp -R tests/standin/. "$STANDIN_ROOT/"
  # shellcheck disable=SC2016 # PHP variables in the generated file
  printf '<?php\n$standinConfig = %s;\n' "$(php -r 'var_export(["prefix" => "ost_",
    "dbhost" => "127.0.0.1:" . $argv[1], "dbname" => $argv[2], "dbuser" => $argv[3], "dbpass" => $argv[4]]);' \
    "$DB_PORT" "$STANDIN_DB" "$DB_USER" "$DB_PASS")" >"$STANDIN_ROOT/include/ost-config.php"
  bash scripts/package-plugin.sh "$STANDIN_ROOT/include/plugins/api-endpoints" 2>/dev/null
  if is_root; then
    chown -R www-data:www-data "$STANDIN_ROOT"
  fi
  stack_log="$REPORT_DIR/http-$NAME-stack.log"
  WEB_ROOT="$STANDIN_ROOT" bash scripts/stack.sh start >"$stack_log" 2>&1 ||
    die "the stack did not start (log: $stack_log)"
  db_root -e "DROP DATABASE IF EXISTS \`$STANDIN_DB\`; CREATE DATABASE \`$STANDIN_DB\` CHARACTER SET utf8mb4;"
  sed 's/%TABLE_PREFIX%/ost_/g' tests/fixtures/schema.sql | db_root "$STANDIN_DB"
  # PHP_CLI: a CLI of the PHP version EXT_SO is built for (scripts/php-matrix.sh).
  cli() { "${PHP_CLI:-php}" -d "extension=$EXT_SO" "$STANDIN_ROOT/cli.php" "$@" >/dev/null; }
  cli install api-endpoints || die "installing the plugin on the stand-in failed"
  FIXTURES_JSON="$STATE_DIR/standin-fixtures.json"
  php tests/http/standin-seed.php "$STANDIN_DB" "$FIXTURES_JSON" "$BASE" ost_ >/dev/null ||
    die "seeding the stand-in failed"
fi
export FIXTURES_JSON

# The suite runs once per web server (HTTP_SERVERS, default all three): nginx at the site root,
# Apache at the site root and Apache with the same installation under the sub-path /support/
# (osTicket's api/.htaccess plus the plugin's block route the API there). The nginx run prints
# `http (<name>): ...`, the others `http (<name>, <server>): ...`.
declare -A SERVER_BASE=(
  [nginx]="$BASE"
  [apache]="http://127.0.0.1:$APACHE_PORT"
  [apache-support]="http://127.0.0.1:$APACHE_PORT/support"
)
declare -A SERVER_LABEL=([nginx]="" [apache]=", apache" [apache-support]=", apache /support/")
read -r -a servers <<<"${HTTP_SERVERS:-nginx apache apache-support}"
# Every server's base URL, for the tests that compare the servers' answers (ServerParityTest).
parity=""
for server in "${servers[@]}"; do
  [ -n "${SERVER_BASE[$server]:-}" ] || die "unknown server '$server' in HTTP_SERVERS (nginx, apache, apache-support)"
  parity+="${parity:+ }$server=${SERVER_BASE[$server]}"
done
export HTTP_SERVER_BASES="$parity"
for server in "${servers[@]}"; do
  junit="$REPORT_DIR/http-$NAME-$server.xml"
  rm -f "$junit"
  log "HTTP suite ($NAME) against $server: ${SERVER_BASE[$server]}"
  HTTP_SERVER="$server" HTTP_BASE_URL="${SERVER_BASE[$server]}" \
    phpunit -c tests/http/phpunit.xml --log-junit "$junit" || status=1
  junit_summary "$junit" "http ($NAME${SERVER_LABEL[$server]})"
done

if [ -n "${STANDIN_ROOT:-}" ] && [ "${HTTP_LIFECYCLE:-1}" != 0 ]; then
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
  fx() { php -r 'echo array_reduce(explode(".", $argv[2]), fn ($v, $k) => $v[$k], json_decode(file_get_contents($argv[1]), true));' "$FIXTURES_JSON" "$1"; }
  key="$(fx keys.all)"
  url="$BASE/api/tickets-get.php/$(fx tickets.open.number).json"
  body="$STATE_DIR/lifecycle-body"
  # answer: "<status> <content type> <error flag of a JSON body>"
  answer() {
    local code type
    read -r code type < <(curl -s -o "$body" -w '%{http_code} %{content_type}\n' -H "X-API-Key: $key" "$url")
    printf '%s %s %s' "$code" "${type%%;*}" \
      "$(php -r '$b = json_decode(file_get_contents($argv[1]), true); echo is_array($b) ? var_export($b["error"] ?? null, true) : "not-json";' "$body")"
  }
  check "enabled plugin answers" "200 application/json NULL" "$(answer)"
  cli disable
  check "disabled plugin answers a JSON 404" "404 application/json true" "$(answer)"
  cli enable
  check "re-enabled plugin answers again" "200 application/json NULL" "$(answer)"
  cli uninstall
  check "uninstall removes the entry scripts" 0 "$(find "$STANDIN_ROOT/api" -name 'tickets-*.php' | wc -l)"
  check "uninstall keeps the permission columns" 1 \
    "$(db_root -N "$STANDIN_DB" -e "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$STANDIN_DB' AND TABLE_NAME = 'ost_api_key' AND COLUMN_NAME = 'can_read_tickets'")"
  check "the stand-in's own api.inc.php stays" yes "$([ -f "$STANDIN_ROOT/api/api.inc.php" ] && echo yes)"
  echo "http lifecycle ($NAME): $lifecycle_passed passed, $lifecycle_failed failed"
  [ "$lifecycle_failed" -eq 0 ] || status=1
fi
exit "$status"
