#!/usr/bin/env bash
# Prepares a benchmark target: a stack of its own (MariaDB, php-fpm with the RELEASE build of the
# extension, nginx; separate state directory and ports, so the test stack is left alone), a real
# osTicket 1.18 from $OSTICKET_SRC with the plugin installed and seeded API keys, then N generated
# tickets on top. Prints the bench.sh command line.
#
#   OSTICKET_SRC=/path/to/osTicket-v1.18.1 bash scripts/bench/prepare.sh [--tickets N] [--fresh]
#
#   --tickets N   tickets to generate (default 1000000); with an existing install only the
#                 difference to N is added
#   --fresh       reinstall osTicket and start from an empty database
#
# Settings (defaults): BENCH_STATE_DIR ($REPO/.state/bench-stack), BENCH_DB_PORT (3337),
# BENCH_HTTP_PORT (8108), BENCH_APACHE_PORT (8109), BENCH_FPM_PORT (9208). `bash scripts/bench/prepare.sh env` prints the
# exports for using that stack with stack.sh, gen-data.sh and bench.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
export STATE_DIR="${BENCH_STATE_DIR:-$here/../.state/bench-stack}"
export DB_PORT="${BENCH_DB_PORT:-3337}" HTTP_PORT="${BENCH_HTTP_PORT:-8108}" FPM_PORT="${BENCH_FPM_PORT:-9208}" APACHE_PORT="${BENCH_APACHE_PORT:-8109}"
export WEB_ROOT="$STATE_DIR/osticket-www" DB_SOCKET="$STATE_DIR/mysql/mysqld.sock"
export MAIL_SINK="$STATE_DIR/mail/outbox.log"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"
STATE_DIR="$(mkdir -p "$STATE_DIR" && cd "$STATE_DIR" && pwd -P)"
export STATE_DIR WEB_ROOT="$STATE_DIR/osticket-www" DB_SOCKET="$STATE_DIR/mysql/mysqld.sock"
export EXT_SO="$REPO/target/release/libosticket_api.so"
FIXTURES="$STATE_DIR/osticket-fixtures.json"

print_env() {
  local v
  for v in STATE_DIR DB_PORT HTTP_PORT FPM_PORT WEB_ROOT DB_SOCKET MAIL_SINK EXT_SO; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
}
if [ "${1:-}" = env ]; then
  print_env
  exit 0
fi

TICKETS=1000000
FRESH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tickets) TICKETS="${2:?}"; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    *) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
[[ "$TICKETS" =~ ^[0-9]+$ ]] || die "--tickets must be a whole number"
: "${OSTICKET_SRC:?OSTICKET_SRC must name a checkout of osTicket v1.18.x}"

cd "$REPO"
log "building the release extension"
cargo build --release --quiet || die "cargo build --release failed"
bash scripts/stack.sh start >/dev/null || die "the benchmark stack did not start"

if ((FRESH)) || [ ! -f "$WEB_ROOT/include/ost-config.php" ] || [ ! -f "$FIXTURES" ]; then
  OST_DB_NAME=osticket bash tests/osticket/install.sh
  bash scripts/package-plugin.sh "$WEB_ROOT/include/plugins/api-endpoints" 2>/dev/null
  chown -R www-data:www-data "$WEB_ROOT"
  php -d "extension=$EXT_SO" tests/osticket/plugin.php "$WEB_ROOT" install api-endpoints >/dev/null
  php -d "extension=$EXT_SO" tests/osticket/seed.php "$WEB_ROOT" "$FIXTURES" "http://127.0.0.1:$HTTP_PORT"
else
  # Same install: refresh the plugin's files from this checkout.
  bash scripts/package-plugin.sh "$WEB_ROOT/include/plugins/api-endpoints" 2>/dev/null
  cp api/*.php "$WEB_ROOT/api/"
  chown -R www-data:www-data "$WEB_ROOT/include/plugins/api-endpoints" "$WEB_ROOT/api"
fi

have="$(db_root -N osticket -e "SELECT COUNT(*) FROM ost_ticket")"
if ((have < TICKETS)); then
  bash scripts/gen-data.sh --db osticket --tickets $((TICKETS - have))
fi
key="$(php -r 'echo json_decode(file_get_contents($argv[1]), true)["keys"]["all"];' "$FIXTURES")"
echo
echo "benchmark target ready: http://127.0.0.1:$HTTP_PORT, database osticket, $(db_root -N osticket -e "SELECT COUNT(*) FROM ost_ticket") tickets"
echo "run:   eval \"\$(bash scripts/bench/prepare.sh env)\"; bash scripts/bench.sh --db osticket --key $key"
echo "stop:  eval \"\$(bash scripts/bench/prepare.sh env)\"; bash scripts/stack.sh stop"
