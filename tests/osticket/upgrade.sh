#!/usr/bin/env bash
# An in-place upgrade from the original plugin 2.3.4 on the real osTicket of tests/osticket/run.sh
# (run by it after the lifecycle checks, with this plugin uninstalled):
#
#   1. the original from $ORIGINAL_PLUGIN_SRC is installed and enabled through osTicket's plugin
#      manager, as an admin did (its entry scripts and .htaccess block deployed, columns added);
#   2. keys are granted and the settings changed, as on the original's configuration page;
#   3. the folder include/plugins/api-endpoints/ is replaced by this plugin (one rename: what an
#      admin does to upgrade), the plugin row and instance stay;
#   4. every endpoint is requested at once: the first request still finds the original's entry
#      scripts, later ones ours; none may answer a PHP error page;
#   5. grants, settings, registry row and instance are kept, the original's scripts and block
#      replaced by ours.
#
# Prints `real-osticket upgrade: N passed, N failed`, or `real-osticket upgrade: skipped (...)`
# without ORIGINAL_PLUGIN_SRC (the original's source is not part of this repository).
# Env: ORIGINAL_PLUGIN_SRC, WEB_ROOT, FIXTURES_JSON, OST_DB_NAME, the stack settings of scripts/lib.sh;
# PLUGIN_SRC and CLI_EXT when run.sh installs from a release bundle (its plugin folder, its .so).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$REPO"
NAME="real-osticket upgrade"

if [ -z "${ORIGINAL_PLUGIN_SRC:-}" ]; then
  echo "$NAME: skipped (ORIGINAL_PLUGIN_SRC is not set; point it at the original API Endpoints plugin's v2.3.4 source to test the in-place upgrade)"
  exit 0
fi
[ -f "$ORIGINAL_PLUGIN_SRC/lib/ApiBootstrap.php" ] && [ -f "$ORIGINAL_PLUGIN_SRC/plugin.php" ] ||
  die "ORIGINAL_PLUGIN_SRC=$ORIGINAL_PLUGIN_SRC is not the original plugin's source (no lib/ApiBootstrap.php)"
grep -qE "'version' *=> *'2\.3\.4'" "$ORIGINAL_PLUGIN_SRC/plugin.php" ||
  warn "ORIGINAL_PLUGIN_SRC does not look like version 2.3.4"

OST_DB_NAME="${OST_DB_NAME:-osticket}"
FIXTURES="${FIXTURES_JSON:?}"
BASE="http://127.0.0.1:$HTTP_PORT"
PLUGIN_DIR="$WEB_ROOT/include/plugins/api-endpoints"

passed=0
failed=0
done_line=0
tmp="$(mktemp -d)"
on_exit() {
  local rc=$?
  rm -rf "$tmp"
  if [ "$done_line" = 0 ]; then
    [ "$rc" -ne 0 ] && failed=$((failed + 1))
    echo "$NAME: $passed passed, $failed failed"
  fi
  exit "$rc"
}
trap on_exit EXIT

sink="$STATE_DIR/mail/sink.sh"
# CLI_EXT: the extension file for CLI runs (run.sh sets it; with a release bundle php-fpm reads its
# own from its ini and EXT_SO says so).
ostphp() { php -d "extension=${CLI_EXT:-$EXT_SO}" -d "sendmail_path=$sink" "$@"; }
plugin() { ostphp tests/osticket/plugin.php "$WEB_ROOT" "$@"; }
json_field() { php -r '$d = json_decode(stream_get_contents(STDIN), true); foreach (array_slice($argv, 1) as $k) { $d = $d[$k] ?? null; } echo is_bool($d) ? ($d ? "true" : "false") : (is_array($d) ? json_encode($d) : $d);' "$@"; }
db_value() { db_root -N "$OST_DB_NAME" -e "$1"; }
fixture() { json_field "$@" <"$FIXTURES"; }

# ---- 1. the original, as it was installed --------------------------------------------------------
log "installing the original plugin 2.3.4 from $ORIGINAL_PLUGIN_SRC"
# A site that never had this plugin: no permission columns but core's, no indexes of ours.
for column in can_update_tickets can_read_tickets can_search_tickets can_delete_tickets can_read_stats \
  can_manage_subtickets; do
  have="$(db_value "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$OST_DB_NAME'
    AND TABLE_NAME = 'ost_api_key' AND COLUMN_NAME = '$column'")"
  [ "$have" = 0 ] || db_value "ALTER TABLE ost_api_key DROP COLUMN $column"
done
rm -rf "$PLUGIN_DIR"
mkdir -p "$PLUGIN_DIR"
(cd "$ORIGINAL_PLUGIN_SRC" && tar --exclude=./tests --exclude=./.git -cf - .) | tar -xf - -C "$PLUGIN_DIR"
is_root && chown -R www-data:www-data "$PLUGIN_DIR"
installed="$(plugin install api-endpoints 2>"$tmp/install.err")" || {
  cat "$tmp/install.err" >&2
  die "installing the original plugin failed"
}
plugin_row="$(json_field id <<<"$installed")"
check "the original is installed as version 2.3.4" 2.3.4 "$(json_field version <<<"$installed")"
check "the original deployed its entry script" yes \
  "$(grep -q 'lib/ApiBootstrap.php' "$WEB_ROOT/api/tickets-get.php" 2>/dev/null && echo yes)"
check "the original inserted its .htaccess block" yes \
  "$(grep -q 'API Endpoints Plugin - Apache Rewrite Rules' "$WEB_ROOT/api/.htaccess" && echo yes)"
instance="$(db_value "SELECT id FROM ost_plugin_instance WHERE plugin_id = $plugin_row")"
# The original could write api/.htaccess (it inserted its block): so can the web server here.
is_root && chown www-data:www-data "$WEB_ROOT/api/.htaccess"

# ---- 2. grants and settings, as on the original's page -------------------------------------------
key="$(fixture keys all)"
read_key="$(fixture keys read)"
db_value "UPDATE ost_api_key SET can_create_tickets = 1, can_update_tickets = 1, can_read_tickets = 1,
  can_search_tickets = 1, can_delete_tickets = 1, can_read_stats = 1, can_manage_subtickets = 1
  WHERE apikey = '$key'"
db_value "UPDATE ost_api_key SET can_read_tickets = 1, can_search_tickets = 0, can_read_stats = 0
  WHERE apikey = '$read_key'"
grants() {
  db_value "SELECT GROUP_CONCAT(CONCAT_WS(':', id, can_create_tickets, can_update_tickets, can_read_tickets,
    can_search_tickets, can_delete_tickets, can_read_stats, can_manage_subtickets) ORDER BY id) FROM ost_api_key"
}
grants_before="$(grants)"
namespace="plugin.$plugin_row.instance.$instance"
settings() {
  db_value "SELECT GROUP_CONCAT(CONCAT(\`key\`, '=', value) ORDER BY \`key\`) FROM ost_config
    WHERE namespace = '$namespace' AND \`key\` IN ('enabled', 'require_markdown_plugin')"
}
settings_before="$(settings)"
check "the original's settings are stored" yes "$([ -n "$settings_before" ] && echo yes)"

# ---- 3. the folder replaced in one step ------------------------------------------------------------
log "replacing $PLUGIN_DIR with this plugin${PLUGIN_SRC:+ (from the release bundle)}"
if [ -n "${PLUGIN_SRC:-}" ]; then
  cp -a "$PLUGIN_SRC" "$tmp/new"
else
  bash scripts/package-plugin.sh "$tmp/new" 2>/dev/null
fi
is_root && chown -R www-data:www-data "$tmp/new"
mv "$PLUGIN_DIR" "$tmp/old"
mv "$tmp/new" "$PLUGIN_DIR"

# ---- 4. every endpoint, at once ---------------------------------------------------------------------
number="$(fixture tickets open number)"
parent="$(fixture tickets parent number)"
child="$(fixture tickets child number)"
file_id="$(fixture attachment file_id)"
# request NAME EXPECTED-STATUS METHOD PATH [BODY [TYPES]]: an answer with that status and one of the
# content types (a regex; default JSON; update and delete answer the ticket number as text), never a
# PHP error page.
request() {
  local name="$1" want="$2" method="$3" path="$4" body="${5:-}" type="${6:-application/json}" out
  out="$(curl -sS --max-time 60 -o "$tmp/$name.body" -D "$tmp/$name.head" -w '%{http_code} %{content_type}' \
    -X "$method" -H "X-API-Key: $key" -H 'Content-Type: application/json' -H 'Accept: application/json' \
    ${body:+--data-binary "$body"} "$BASE$path")" || out="000 curl-failed"
  check "$name answers $want" "$want" "${out%% *}"
  check "$name answers $type" yes "$([[ "${out#* }" =~ ^($type) ]] && echo yes)"
  check "$name is no PHP error page" no \
    "$(grep -qiE 'fatal error|<b>warning</b>|failed opening required|stack trace' "$tmp/$name.body" && echo yes || echo no)"
}
# The first requests start while the original's entry scripts are still in api/ (in parallel).
check "the original's entry scripts are still in api/ before the first request" 11 \
  "$(grep -l 'lib/ApiBootstrap.php' "$WEB_ROOT"/api/tickets-*.php 2>/dev/null | wc -l)"
request get-first 200 GET "/api/tickets-get.php/$number.json" &
request statuses-first 200 GET "/api/tickets-statuses.php" &
request stats-first 200 GET "/api/tickets-stats.php" &
wait
request get 200 GET "/api/tickets-get.php/$number.json"
request search 200 GET "/api/tickets-search.php?status=Open"
request stats 200 GET "/api/tickets-stats.php.json"
request statuses 200 GET "/api/tickets-statuses.php.json"
request download 200 GET "/api/tickets-attachment-download.php/$file_id.json"
request subtickets-list 200 GET "/api/tickets-subtickets-list.php/$parent.json"
request subtickets-parent 200 GET "/api/tickets-subtickets-parent.php/$child.json"
request update 200 PATCH "/api/tickets-update.php/$number.json" '{"note":"after the upgrade — Grüße"}' text/plain
request create 201 POST "/api/tickets.json" \
  '{"name":"Upgrade Client","email":"upgrade@example.com","subject":"after the upgrade — 升级","message":"Hello, Привет, مرحبا"}'
created="$(json_field number <"$tmp/create.body")"
request link 200 POST "/api/tickets-subtickets-create.php/$parent.json" "{\"childId\":\"$created\"}" 'application/json|text/plain'
request unlink 200 DELETE "/api/tickets-subtickets-unlink.php/$created.json" '' 'application/json|text/plain'
request delete 200 DELETE "/api/tickets-delete.php/$created.json" '' text/plain
# (The three first requests ran in subshells: their checks are repeated here by their bodies.)
for first in get-first statuses-first stats-first; do
  check "$first answered 200" 200 "$(head -n1 "$tmp/$first.head" | awk '{print $2}')"
  check "$first answered JSON without a PHP error" yes \
    "$(php -r 'echo is_array(json_decode(file_get_contents($argv[1]), true)) ? "yes" : "no";' "$tmp/$first.body")"
done

# ---- 5. what was kept and what was replaced -----------------------------------------------------------
status_json="$(plugin status api-endpoints)"
check "the plugin row is kept" "$plugin_row" "$(json_field id <<<"$status_json")"
check "osTicket records the new version" 3.0.0 "$(json_field version <<<"$status_json")"
check "the instance is kept" "$instance" "$(db_value "SELECT id FROM ost_plugin_instance WHERE plugin_id = $plugin_row")"
check "every key's grants are kept" "$grants_before" "$(grants)"
check "the settings are kept" "$settings_before" "$(settings)"
check "the original's entry scripts are replaced by ours" 0 \
  "$(grep -l 'lib/ApiBootstrap.php' "$WEB_ROOT"/api/tickets-*.php 2>/dev/null | wc -l)"
differing=0
for script in "$PLUGIN_DIR"/api/tickets-*.php; do
  cmp -s "$script" "$WEB_ROOT/api/${script##*/}" || differing=$((differing + 1))
done
check "our entry scripts are deployed" 0 "$differing"
check "the original's .htaccess block is gone" 0 \
  "$(grep -c 'API Endpoints Plugin - Apache Rewrite Rules' "$WEB_ROOT/api/.htaccess" || true)"
check "our .htaccess block is in place" same \
  "$(ostphp -r '$t = file_get_contents($argv[1]); echo osticket_api_htaccess($t, true) === $t ? "same" : "outdated";' \
    "$WEB_ROOT/api/.htaccess")"
check "the extension's indexes are added" 3 \
  "$(db_value "SELECT COUNT(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = '$OST_DB_NAME' AND INDEX_NAME LIKE 'osticket\\_api\\_%'")"
check "no temporary file left in api/" 0 "$(find "$WEB_ROOT/api" -maxdepth 1 -name '.*.tmp' | wc -l)"

done_line=1
echo "$NAME: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
