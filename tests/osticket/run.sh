#!/usr/bin/env bash
# The real-osTicket suite: installs osTicket 1.18 from $OSTICKET_SRC with its own web installer,
# installs the API Endpoints plugin through osTicket's plugin manager (as the admin panel does),
# seeds reference data through osTicket's own models and API, runs the HTTP suite against it, checks
# the plugin's write adapter against osTicket's own state (tests/osticket/writer-check.php), then
# checks the plugin lifecycle: disable, enable, instance off/on, uninstall, and that osTicket core's
# ticket API (with its e-mail alert) still works afterwards.
#
#   OSTICKET_SRC=/path/to/osTicket-v1.18.1 tests/osticket/run.sh
#
# Prints `http (real-osticket): N passed, N failed, N skipped` (from tests/http/run.sh),
# `real-osticket writer: N passed, N failed` (tests/osticket/writer-check.php: the write adapter
# against this osTicket), `real-osticket browser: N passed, N failed` (tests/osticket/admin-browser.py:
# the configuration page in headless Chromium; skipped with the reason when chromium, chromedriver
# or python3-selenium are missing), `real-osticket lifecycle: N passed, N failed` and
# `real-osticket upgrade: N passed, N failed` (an in-place upgrade from the original plugin 2.3.4;
# skipped with the reason unless ORIGINAL_PLUGIN_SRC names its source); exits non-zero when anything
# failed.
# Env: OSTICKET_SRC; ORIGINAL_PLUGIN_SRC (the original plugin's v2.3.4 source, never committed);
# OST_WEB_ROOT (default $STATE_DIR/osticket-www, so that the stand-in web roots stay untouched);
# OST_DB_NAME (default osticket); REPORT_DIR (screenshots of failed browser checks go to
# $REPORT_DIR/browser); the stack settings of scripts/lib.sh;
# RELEASE_BUNDLE=dist/api-endpoints-<version>.tar.gz (or .zip): install from the release bundle as
# an admin would instead of from the source tree: unpack it, check its SHA256SUMS, run its
# install-extension.sh against the stack's php-fpm (into a private extension and ini directory that
# php-fpm then reads), copy its plugin folder; the checks below then run on what it installed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$REPO"

if [ -z "${OSTICKET_SRC:-}" ]; then
  echo "real-osTicket suite: skipped (OSTICKET_SRC is not set; osTicket is in no package registry this machine reaches, so point OSTICKET_SRC at a checkout of osTicket v1.18.x to run it)"
  exit 0
fi
[ -f "$OSTICKET_SRC/main.inc.php" ] || die "OSTICKET_SRC=$OSTICKET_SRC is not an osTicket source tree"
export OSTICKET_SRC
export WEB_ROOT="${OST_WEB_ROOT:-$STATE_DIR/osticket-www}"
export OST_DB_NAME="${OST_DB_NAME:-osticket}"
export OST_ADMIN_EMAIL="${OST_ADMIN_EMAIL:-admin@example.com}"
BASE="http://127.0.0.1:$HTTP_PORT"
FIXTURES="$STATE_DIR/osticket-fixtures.json"
PLUGIN_DIR="$WEB_ROOT/include/plugins/api-endpoints"
NAME="real-osticket lifecycle"

passed=0
failed=0
summary_done=0
summary() {
  summary_done=1
  echo "$NAME: $passed passed, $failed failed"
}
# A setup step that dies still leaves a count line (counted as one failure) for the test runner.
tmp=""
on_exit() {
  local rc=$?
  [ -z "$tmp" ] || rm -rf "$tmp"
  if [ "$summary_done" = 0 ]; then
    [ "$rc" -ne 0 ] && failed=$((failed + 1))
    summary
  fi
  exit "$rc"
}
trap on_exit EXIT

PLUGIN_SRC="" # the plugin folder to install: a release bundle's, or (empty) the source tree's
CLI_EXT="$EXT_SO"
if [ -n "${RELEASE_BUNDLE:-}" ]; then
  bundle="$(cd "$(dirname "$RELEASE_BUNDLE")" && pwd -P)/$(basename "$RELEASE_BUNDLE")"
  [ -f "$bundle" ] || die "RELEASE_BUNDLE=$RELEASE_BUNDLE does not exist (bash scripts/release.sh)"
  unpacked="$STATE_DIR/release-install"
  log "installing from the release bundle $bundle into $unpacked"
  rm -rf "$unpacked"
  mkdir -p "$unpacked"
  case "$bundle" in
    *.zip) unzip -q "$bundle" -d "$unpacked" ;;
    *) tar -xzf "$bundle" -C "$unpacked" ;;
  esac
  bundle_dir="$(find "$unpacked" -mindepth 1 -maxdepth 1 -type d -name 'api-endpoints-*' | head -n 1)"
  [ -n "$bundle_dir" ] || die "$bundle holds no api-endpoints-<version>/ directory"
  (cd "$bundle_dir" && sha256sum --quiet -c SHA256SUMS) || die "the bundle's SHA256SUMS do not hold"
  # The stack's php-fpm reads its own configuration: the installer targets a private extension and
  # ini directory, and stack.sh starts php-fpm with PHP_INI_SCAN_DIR naming that ini directory.
  sh "$bundle_dir/install-extension.sh" --php-fpm "$(command -v "${FPM_BIN:-php-fpm8.2}" || echo "/usr/sbin/${FPM_BIN:-php-fpm8.2}")" \
    --ext-dir "$unpacked/ext" --ini-dir "$unpacked/ini" || die "the bundle's install-extension.sh failed"
  export EXT_SO=from-ini FPM_INI_DIR="$unpacked/ini"
  CLI_EXT="$unpacked/ext/osticket_api.so"
  PLUGIN_SRC="$bundle_dir/api-endpoints"
fi
[ -f "$CLI_EXT" ] || die "the extension $CLI_EXT is not built (cargo build --lib)"
# CLI runs load the extension as php-fpm does, and send any mail to the sink too.
sink="$STATE_DIR/mail/sink.sh"
ostphp() { php -d "extension=$CLI_EXT" -d "sendmail_path=$sink" "$@"; }
plugin() { ostphp tests/osticket/plugin.php "$WEB_ROOT" "$@"; }
json_field() { php -r '$d = json_decode(stream_get_contents(STDIN), true); foreach (array_slice($argv, 1) as $k) { $d = $d[$k] ?? null; } echo is_bool($d) ? ($d ? "true" : "false") : (is_array($d) ? json_encode($d) : $d);' "$@"; }
db_value() { db_root -N "$OST_DB_NAME" -e "$1"; }

log "starting the stack (web root $WEB_ROOT)"
stack_log="$STATE_DIR/osticket-stack.log"
mkdir -p "$STATE_DIR"
bash scripts/stack.sh start >"$stack_log" 2>&1 || {
  tail -n 20 "$stack_log" >&2
  die "the stack did not start (log: $stack_log)"
}

bash tests/osticket/install.sh

log "packaging the plugin into $PLUGIN_DIR and installing it through osTicket's plugin manager"
# php-plugin/ is the plugin directory, api/ its entry scripts (deployed into osTicket's api/ on enable).
if [ -n "$PLUGIN_SRC" ]; then
  # As an admin does: the bundle's folder becomes include/plugins/api-endpoints/.
  rm -rf "$PLUGIN_DIR"
  mkdir -p "$PLUGIN_DIR"
  cp -R "$PLUGIN_SRC/." "$PLUGIN_DIR/"
elif [ -f scripts/package-plugin.sh ]; then
  bash scripts/package-plugin.sh "$PLUGIN_DIR" 2>/dev/null
else
  rm -rf "$PLUGIN_DIR"
  mkdir -p "$PLUGIN_DIR/api"
  cp -R php-plugin/. "$PLUGIN_DIR/"
  cp api/*.php "$PLUGIN_DIR/api/"
  chmod -R a+rX "$PLUGIN_DIR"
fi
if is_root; then
  chown -R www-data:www-data "$PLUGIN_DIR"
fi
installed="$(plugin install api-endpoints)" || die "plugin.php install failed"
check "plugin id after install" "com.osticket:api-endpoints" "$(json_field plugin_id <<<"$installed")"
check "plugin active after install" true "$(json_field active <<<"$installed")"
check "plugin instance active after install" true "$(json_field instance_active <<<"$installed")"
check "entry script tickets-get.php deployed" yes "$([ -f "$WEB_ROOT/api/tickets-get.php" ] && echo yes)"
check "every entry script deployed" \
  "$(ostphp -r 'echo implode(" ", array_map(fn ($e) => "$e.php", osticket_api_endpoints()));' | tr ' ' '\n' | sort | tr '\n' ' ')" \
  "$(cd "$WEB_ROOT/api" && find . -maxdepth 1 -name 'tickets-*.php' -printf '%f\n' | sort | tr '\n' ' ')"
check ".htaccess block inserted" yes "$(grep -q 'API Endpoints' "$WEB_ROOT/api/.htaccess" && echo yes)"
perm_columns() {
  db_value "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION SEPARATOR ' ') FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = '$OST_DB_NAME' AND TABLE_NAME = 'ost_api_key' AND COLUMN_NAME LIKE 'can\\_%' AND COLUMN_NAME <> 'can_exec_cron'"
}
PERMS="can_create_tickets can_update_tickets can_read_tickets can_search_tickets can_delete_tickets can_read_stats can_manage_subtickets"
check "permission columns added in the original's order" "$PERMS" "$(perm_columns)"
our_indexes() {
  db_value "SELECT COUNT(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = '$OST_DB_NAME' AND INDEX_NAME LIKE 'osticket\\_api\\_%'"
}
check "the extension's indexes added on enable" 3 "$(our_indexes)"

log "seeding reference data into $FIXTURES"
ostphp tests/osticket/seed.php "$WEB_ROOT" "$FIXTURES" "$BASE"

status=0
if [ -f tests/http/run.sh ]; then
  FIXTURES_JSON="$FIXTURES" HTTP_SUITE_NAME=real-osticket bash tests/http/run.sh || status=1
else
  echo "http (real-osticket): skipped (tests/http/run.sh does not exist)"
fi

# ---- the write adapter against this osTicket ------------------------------------------------------
# tests/osticket/writer-check.php hands ApiEndpointsWriter::apply() the commands of
# docs/write-commands.md and reads osTicket's own state back (it creates and deletes its own tickets).
# Its own count line is replaced by one with the suite's prefix (scripts/test.sh adds up every
# "N passed, N failed" line); a check that fails, or the script dying early, fails this suite.
log "checking the write adapter against osTicket (tests/osticket/writer-check.php)"
writer_log="$STATE_DIR/writer-check.log"
writer_rc=0
ostphp tests/osticket/writer-check.php "$WEB_ROOT" >"$writer_log" 2>&1 || writer_rc=$?
writer_passed="$(grep -c '^ok ' "$writer_log" || true)"
writer_failed="$(grep -c '^FAIL ' "$writer_log" || true)"
if ! grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$writer_log"; then
  log "writer-check.php ended before its count line (exit status $writer_rc); its output:"
  sed 's/^/  /' "$writer_log" >&2
  writer_failed=$((writer_failed + 1))
elif [ "$writer_rc" -ne 0 ] || [ "$writer_failed" -gt 0 ]; then
  log "writer-check.php failed (exit status $writer_rc); the failed checks and anything else it printed:"
  grep -vE '^ok |^[0-9]+ passed, [0-9]+ failed$' "$writer_log" | sed 's/^/  /' >&2 || true
  [ "$writer_failed" -gt 0 ] || writer_failed=1
fi
echo "real-osticket writer: $writer_passed passed, $writer_failed failed"
if [ "$writer_rc" -ne 0 ] || [ "$writer_failed" -gt 0 ]; then
  status=1
fi

# ---- the configuration page in a browser -----------------------------------------------------------
# tests/osticket/admin-browser.py logs in as the administrator and drives the plugin's page in
# headless Chromium; a failed check keeps a screenshot and the page under $REPORT_DIR/browser.
browser_missing=""
for need in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$need" ] || browser_missing="$browser_missing ${need##*/}"
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null || browser_missing="$browser_missing python3-selenium"
if [ -n "$browser_missing" ]; then
  echo "real-osticket browser: skipped (not installed:$browser_missing; bash scripts/deps.sh installs Debian's chromium, chromium-driver and python3-selenium)"
else
  log "driving the configuration page in headless Chromium (tests/osticket/admin-browser.py)"
  shots="${REPORT_DIR:-$STATE_DIR/reports}/browser"
  rm -rf "$shots"
  browser_log="$STATE_DIR/admin-browser.log"
  browser_rc=0
  # The panel's checks also run search-index.php during a build (it must be refused), as php-fpm's user.
  as_web_user=""
  if is_root; then
    as_web_user="runuser -u www-data --"
  fi
  BASE="$BASE" FIXTURES_JSON="$FIXTURES" SCREENSHOT_DIR="$shots" \
    SEARCH_INDEX_CLI="$as_web_user php -d extension=$CLI_EXT $PLUGIN_DIR/search-index.php" \
    SEARCH_STEP_TEST="$([ -z "${RELEASE_BUNDLE:-}" ] && [ "${OSTICKET_API_TEST_FAULTS:-}" = 1 ] && echo 1)" \
    PLUGIN_VERSION="$(php -r 'echo (include $argv[1])["version"];' php-plugin/plugin.php)" \
    OST_ADMIN_USER="${OST_ADMIN_USER:-ostadmin}" OST_ADMIN_PASS="${OST_ADMIN_PASS:-Admin-pass-123}" \
    /usr/bin/python3 tests/osticket/admin-browser.py >"$browser_log" 2>&1 || browser_rc=$?
  browser_passed="$(grep -c '^ok ' "$browser_log" || true)"
  browser_failed="$(grep -c '^FAIL ' "$browser_log" || true)"
  if ! grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$browser_log"; then
    browser_failed=$((browser_failed + 1))
  fi
  if [ "$browser_rc" -ne 0 ] || [ "$browser_failed" -gt 0 ]; then
    log "admin-browser.py failed (exit status $browser_rc; screenshots in $shots):"
    grep -v '^ok ' "$browser_log" | sed 's/^/  /' >&2 || true
    [ "$browser_failed" -gt 0 ] || browser_failed=1
    status=1
  fi
  echo "real-osticket browser: $browser_passed passed, $browser_failed failed"
fi

# ---- the search index against this osTicket ------------------------------------------------------
# tests/osticket/search-check.php builds the index, changes tickets through osTicket's models and
# searches over HTTP at once (it creates and deletes its own tickets).
log "checking the search index against osTicket (tests/osticket/search-check.php)"
search_log="$STATE_DIR/search-check.log"
search_rc=0
ostphp tests/osticket/search-check.php "$WEB_ROOT" "$FIXTURES" >"$search_log" 2>&1 || search_rc=$?
search_passed="$(grep -c '^ok ' "$search_log" || true)"
search_failed="$(grep -c '^FAIL ' "$search_log" || true)"
if ! grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$search_log" || [ "$search_rc" -ne 0 ]; then
  log "search-check.php failed (exit status $search_rc); what it printed:"
  grep -vE '^ok ' "$search_log" | sed 's/^/  /' >&2 || true
  [ "$search_failed" -gt 0 ] || search_failed=1
  status=1
fi
echo "real-osticket search index: $search_passed passed, $search_failed failed"

# ---- lifecycle -----------------------------------------------------------------------------------
key="$(json_field keys all <"$FIXTURES")"
number="$(json_field tickets open number <"$FIXTURES")"
url="$BASE/api/tickets-get.php/$number.json"
# get: "<status> <content type>" of a GET of the open ticket with the `all` key; the body in $tmp/body.
tmp="$(mktemp -d)"
get() { curl -sS --max-time 60 -o "$tmp/body" -w '%{http_code} %{content_type}' -H "X-API-Key: $key" "$url"; }
# refused: "yes" when the answer is a JSON error with status 404 or 503 (the plugin is off).
refused() {
  local r code
  r="$(get)" || return 0
  code="${r%% *}"
  if [[ "$code" =~ ^(404|503)$ ]] && [[ "${r#* }" == application/json* ]] &&
    [ "$(json_field error <"$tmp/body")" = true ]; then
    echo yes
  else
    echo "HTTP $r: $(head -c 200 "$tmp/body")"
  fi
}
code() { local r; r="$(get)" || true; echo "${r%% *}"; }

check "enabled plugin answers" 200 "$(code)"

# "Act as agent" naming an agent who was deactivated since (the seed's `gone`): writes still apply,
# as osTicket's system poster, and osTicket's log gets a warning naming the agent.
instance_ns="$(db_value "SELECT CONCAT('plugin.', i.plugin_id, '.instance.', i.id) FROM ost_plugin_instance i
  JOIN ost_plugin p ON p.id = i.plugin_id WHERE p.install_path = 'plugins/api-endpoints' LIMIT 1")"
set_actor() {
  db_value "INSERT INTO ost_config (namespace, \`key\`, value, updated) VALUES ('$instance_ns', 'actor', '$1', NOW())
    ON DUPLICATE KEY UPDATE value = VALUES(value), updated = NOW()"
}
set_actor gone
ticket_id="$(json_field tickets open id <"$FIXTURES")"
note="Noted while the acting agent has left — Zoë ✓ $RANDOM"
noted="$(curl -sS --max-time 60 -o "$tmp/body" -w '%{http_code}' -X PATCH -H "X-API-Key: $key" \
  -H 'Content-Type: application/json' --data-binary "$(php -r 'echo json_encode(["note" => $argv[1]]);' "$note")" \
  "$BASE/api/tickets-update.php/$number.json")" || noted=000
check "a write with a deactivated acting agent succeeds" 200 "$noted"
check "the note is recorded as the system poster (no agent)" "0" \
  "$(db_value "SELECT e.staff_id FROM ost_thread_entry e JOIN ost_thread t ON t.id = e.thread_id
    WHERE t.object_type = 'T' AND t.object_id = $ticket_id AND e.body LIKE '%Zoë%' ORDER BY e.id DESC LIMIT 1")"
check "osTicket's log warns that the acting agent has left" 1 \
  "$(db_value "SELECT COUNT(*) > 0 FROM ost_syslog WHERE title = 'API Endpoints' AND log_type = 'Warning'
    AND log LIKE '%(gone) has left or was deactivated%'")"
set_actor ''
plugin disable >/dev/null
check "disabled plugin (list toggle) answers a JSON 404/503" yes "$(refused)"
plugin enable >/dev/null
check "re-enabled plugin answers" 200 "$(code)"
plugin disable-instance >/dev/null
check "plugin with its instance disabled answers a JSON 404/503" yes "$(refused)"
plugin enable-instance >/dev/null
check "plugin with its instance re-enabled answers" 200 "$(code)"

uninstalled="$(plugin uninstall)" || die "plugin.php uninstall failed"
check "plugin row gone after uninstall" false "$(json_field installed <<<"$uninstalled")"
check "uninstall removes the entry scripts" 0 "$(find "$WEB_ROOT/api" -maxdepth 1 -name 'tickets-*.php' | wc -l)"
check "uninstall removes the .htaccess block" 0 "$(grep -c 'API Endpoints' "$WEB_ROOT/api/.htaccess" || true)"
check "uninstall restores osTicket's .htaccess byte for byte" same \
  "$(cmp -s "$WEB_ROOT/api/.htaccess" "$OSTICKET_SRC/api/.htaccess" && echo same)"
check "osTicket's own api/http.php and api/api.inc.php stay" yes \
  "$([ -f "$WEB_ROOT/api/http.php" ] && [ -f "$WEB_ROOT/api/api.inc.php" ] && echo yes)"
check "permission columns kept for a reinstall or upgrade" "$PERMS" "$(perm_columns)"
check "the extension's indexes dropped on uninstall" 0 "$(our_indexes)"
check "entry script URL gone after uninstall" 404 "$(code)"

# osTicket core's own ticket API still creates tickets, and its new-ticket alert reaches the sink.
sink_before="$(stat -c %s "$MAIL_SINK" 2>/dev/null || echo 0)"
created="$(curl -sS --max-time 60 -o "$tmp/body" -w '%{http_code}' -X POST -H "X-API-Key: $key" \
  -H 'Content-Type: application/json' \
  -d '{"name":"Core Client","email":"core.client@example.com","subject":"after uninstall","message":"created by osTicket core"}' \
  "$BASE/api/tickets.json")" || created=000
check "core POST /api/tickets.json after uninstall" 201 "$created"
new_number="$(tr -d '[:space:]' <"$tmp/body")"
check "core answers the new ticket's number" 1 \
  "$(db_value "SELECT COUNT(*) FROM ost_ticket WHERE number = '${new_number//[^0-9A-Za-z-]/}'")"
# The alert: to the administrator, subject "New Ticket Alert", the ticket number in a base64 text
# part (osTicket's mails have CRLF line ends).
alert="$(tail -c +"$((sink_before + 1))" "$MAIL_SINK" 2>/dev/null | php -r '
  [$self, $admin, $number, $separator] = $argv;
  foreach (explode($separator, stream_get_contents(STDIN)) as $mail) {
      if (!preg_match("/^To: (.*)$/m", $mail, $to) || stripos($to[1], $admin) === false) continue;
      if (!preg_match("/^Subject: (.*)$/m", $mail, $s) || iconv_mime_decode(trim($s[1]), 0, "UTF-8") !== "New Ticket Alert") continue;
      preg_match_all("~\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)\r?\n~", $mail, $parts);
      foreach ($parts[1] as $b64) {
          if (strpos((string) base64_decode(preg_replace("/\s+/", "", $b64)), "#$number") !== false) { echo "yes"; exit; }
      }
  }
  echo "no";' "$OST_ADMIN_EMAIL" "$new_number" "$MAIL_SEPARATOR")" || alert=error
check "core's new-ticket alert reached the mail sink" yes "$alert"

# ---- in-place upgrade from the original 2.3.4 (tests/osticket/upgrade.sh) ---------------------------
WEB_ROOT="$WEB_ROOT" FIXTURES_JSON="$FIXTURES" OST_DB_NAME="$OST_DB_NAME" PLUGIN_SRC="$PLUGIN_SRC" CLI_EXT="$CLI_EXT" \
  bash tests/osticket/upgrade.sh ||
  status=1

summary
[ "$failed" -eq 0 ] || status=1
exit "$status"
