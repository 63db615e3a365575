#!/usr/bin/env bash
# The real-osTicket suite: installs osTicket 1.18 from $OSTICKET_SRC with its web installer,
# installs and enables the plugin through osTicket's plugin manager, seeds data through osTicket's
# own models, runs the HTTP suite against it, then checks disable, enable and uninstall.
# Prints `http (real-osticket): ...` and `real-osticket lifecycle: N passed, N failed`.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$REPO"

if [ -z "${OSTICKET_SRC:-}" ]; then
  echo "real-osTicket suite: skipped (OSTICKET_SRC is not set; osTicket is in no package registry this machine reaches)"
  exit 0
fi
OST_ROOT="$STATE_DIR/osticket-www"
export WEB_ROOT="$OST_ROOT"
BASE="http://127.0.0.1:$HTTP_PORT"
FIXTURES="$STATE_DIR/osticket-fixtures.json"

bash scripts/stack.sh start >/dev/null 2>&1 || die "the stack did not start"
bash tests/osticket/install.sh
bash scripts/package-plugin.sh "$OST_ROOT/include/plugins/api-endpoints" 2>/dev/null
chown -R www-data:www-data "$OST_ROOT"
plugin() { php -d "extension=$EXT_SO" tests/osticket/plugin.php "$OST_ROOT" "$@"; }
plugin install api-endpoints
php -d "extension=$EXT_SO" tests/osticket/seed.php "$OST_ROOT" "$FIXTURES" "$BASE"

status=0
FIXTURES_JSON="$FIXTURES" HTTP_SUITE_NAME=real-osticket bash tests/http/run.sh || status=1

passed=0
failed=0
check() { # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    log "lifecycle FAILED: $1: expected '$2', got '$3'"
  fi
}
fx() { php -r '$f = json_decode(file_get_contents($argv[1]), true); echo $f["keys"]["all"], " ", $f["tickets"]["open"]["number"], "\n";' "$FIXTURES"; }
read -r key number < <(fx)
url="$BASE/api/tickets-get.php/$number.json"
code() { curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $key" "$url"; }

check "entry scripts deployed" "$(php -d "extension=$EXT_SO" -r 'echo count(osticket_api_endpoints());')" \
  "$(find "$OST_ROOT/api" -name 'tickets-*.php' | wc -l)"
check ".htaccess block inserted" 1 "$(grep -c 'BEGIN API Endpoints plugin' "$OST_ROOT/api/.htaccess")"
check "permission columns added in order" \
  "can_create_tickets can_update_tickets can_read_tickets can_search_tickets can_delete_tickets can_read_stats can_manage_subtickets" \
  "$(db_root -N osticket -e "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION SEPARATOR ' ') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'osticket' AND TABLE_NAME = 'ost_api_key' AND COLUMN_NAME LIKE 'can\\_%' AND COLUMN_NAME <> 'can_exec_cron'")"
our_indexes() { db_root -N osticket -e "SELECT COUNT(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'osticket' AND INDEX_NAME LIKE 'osticket\\_api\\_%'"; }
check "indexes added on enable" 3 "$(our_indexes)"
check "enabled plugin answers" 200 "$(code)"
plugin disable >/dev/null
check "disabled plugin answers 404" 404 "$(code)"
check "disabled plugin answers JSON" "application/json; charset=UTF-8" \
  "$(curl -s -o /dev/null -w '%{content_type}' -H "X-API-Key: $key" "$url")"
plugin enable >/dev/null
check "re-enabled plugin answers" 200 "$(code)"
plugin uninstall >/dev/null
check "uninstall drops the indexes" 0 "$(our_indexes)"
check "uninstall removes the entry scripts" 0 "$(find "$OST_ROOT/api" -name 'tickets-*.php' | wc -l)"
check "uninstall restores .htaccess byte for byte" same \
  "$(cmp -s "$OST_ROOT/api/.htaccess" "$OSTICKET_SRC/api/.htaccess" && echo same)"
check "osTicket's own API files stay" yes \
  "$([ -f "$OST_ROOT/api/http.php" ] && [ -f "$OST_ROOT/api/api.inc.php" ] && echo yes)"
check "permission columns kept for a reinstall" 1 \
  "$(db_root -N osticket -e "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'osticket' AND TABLE_NAME = 'ost_api_key' AND COLUMN_NAME = 'can_read_tickets'")"
check "osTicket core still creates tickets" 201 "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H "X-API-Key: $key" -H 'Content-Type: application/json' \
  -d '{"name":"Jane Doe","email":"jane@example.com","subject":"after uninstall","message":"core API"}' \
  "$BASE/api/tickets.json")"
echo "real-osticket lifecycle: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit "$status"
