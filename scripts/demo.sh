#!/usr/bin/env bash
# Brings up the whole thing on this machine (as root, Debian 12):
#   packages, the extension, MariaDB + php-fpm + nginx on 127.0.0.1, osTicket 1.18 with the
#   API Endpoints plugin installed and enabled, demo data; then prints an API key and curl lines.
#
#   OSTICKET_SRC=/path/to/osTicket-v1.18.1 bash scripts/demo.sh     # bring up
#   bash scripts/demo.sh down                                       # stop everything
#
# osTicket is in no package registry: OSTICKET_SRC names a checkout/export of its v1.18.1 tag.
# Without it the script clones that tag from GitHub when the internet is reachable.
#
# The demo has a stack of its own, so that scripts/test.sh (state in .state/, ports 3317, 8088,
# 9188) never touches it: state in .state-demo/ (DEMO_STATE_DIR), MariaDB on 3316 (DEMO_DB_PORT),
# nginx on 8080 (DEMO_HTTP_PORT), Apache on 8081 (DEMO_APACHE_PORT), php-fpm on 9180 (DEMO_FPM_PORT),
# the release build.
set -euo pipefail
demo_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
export STATE_DIR="${DEMO_STATE_DIR:-$demo_repo/.state-demo}"
export DB_PORT="${DEMO_DB_PORT:-3316}" HTTP_PORT="${DEMO_HTTP_PORT:-8080}" FPM_PORT="${DEMO_FPM_PORT:-9180}" APACHE_PORT="${DEMO_APACHE_PORT:-8081}"
export DB_SOCKET="$STATE_DIR/mysql/mysqld.sock" MAIL_SINK="$STATE_DIR/mail/outbox.log"
export WEB_ROOT="$STATE_DIR/demo-www" EXT_SO="${DEMO_EXT_SO:-$demo_repo/target/release/libosticket_api.so}"
# shellcheck source=scripts/lib.sh
source "$demo_repo/scripts/lib.sh"

if [ "${1:-up}" = "down" ]; then
  bash "$REPO/scripts/stack.sh" stop
  exit 0
fi

banner "dependencies"
bash "$REPO/scripts/deps.sh"

banner "build (release)"
if [ -z "${DEMO_EXT_SO:-}" ]; then
  (cd "$REPO" && cargo build --release --lib)
else
  log "DEMO_EXT_SO=$DEMO_EXT_SO: using that build"
fi

banner "osTicket source"
if [ -z "${OSTICKET_SRC:-}" ]; then
  OSTICKET_SRC="$STATE_DIR/osticket-v1.18.1"
  if [ ! -f "$OSTICKET_SRC/main.inc.php" ]; then
    log "OSTICKET_SRC is not set: cloning osTicket v1.18.1"
    rm -rf "$OSTICKET_SRC"
    git clone --quiet --depth 1 --branch v1.18.1 https://github.com/osTicket/osTicket.git "$OSTICKET_SRC" ||
      die "cannot clone osTicket; set OSTICKET_SRC to a checkout of osTicket v1.18.1"
  fi
fi
[ -f "$OSTICKET_SRC/main.inc.php" ] || die "OSTICKET_SRC=$OSTICKET_SRC is not an osTicket tree"
export OSTICKET_SRC
log "using $OSTICKET_SRC"

banner "services"
bash "$REPO/scripts/stack.sh" start

banner "osTicket"
bash "$REPO/tests/osticket/install.sh"

banner "plugin"
bash "$REPO/scripts/package-plugin.sh" "$WEB_ROOT/include/plugins/api-endpoints"
chown -R www-data:www-data "$WEB_ROOT"
php -d "extension=$EXT_SO" "$REPO/tests/osticket/plugin.php" "$WEB_ROOT" install api-endpoints

banner "demo data"
FIXTURES="$STATE_DIR/demo-fixtures.json"
BASE="http://127.0.0.1:$HTTP_PORT"
php -d "extension=$EXT_SO" "$REPO/tests/osticket/seed.php" "$WEB_ROOT" "$FIXTURES" "$BASE"

KEY="$(php -r '$f = json_decode(file_get_contents($argv[1]), true); echo $f["keys"]["all"];' "$FIXTURES")"
NUMBER="$(php -r '$f = json_decode(file_get_contents($argv[1]), true); echo $f["tickets"]["open"]["number"];' "$FIXTURES")"
PARENT="$(php -r '$f = json_decode(file_get_contents($argv[1]), true); echo $f["tickets"]["parent"]["number"];' "$FIXTURES")"
FILE_ID="$(php -r '$f = json_decode(file_get_contents($argv[1]), true); echo $f["attachment"]["file_id"];' "$FIXTURES")"

cat <<INFO

osTicket is running at $BASE/  (staff panel: $BASE/scp/, user ostadmin, password Admin-pass-123)
API key (all permissions, for 127.0.0.1): $KEY

Try:
  curl -s -H 'X-API-Key: $KEY' $BASE/api/tickets-get.php/$NUMBER.json
  curl -s -H 'X-API-Key: $KEY' $BASE/api/tickets-get.php/$NUMBER.xml
  curl -s -H 'X-API-Key: $KEY' $BASE/api/tickets-statuses.php
  curl -s -i -H 'X-API-Key: $KEY' '$BASE/api/tickets-search.php?state=open&sort=updated&limit=2'
  curl -s -H 'X-API-Key: $KEY' $BASE/api/tickets-stats.php
  curl -s -H 'X-API-Key: $KEY' $BASE/api/tickets-subtickets-list.php/$PARENT.json
  curl -s -H 'X-API-Key: $KEY' $BASE/api/tickets-attachment-download.php/$FILE_ID.json
  curl -s -i $BASE/api/tickets-get.php/$NUMBER.json            # no key: 401

Writes (applied through osTicket's own methods):
  curl -s -X POST -H 'X-API-Key: $KEY' -H 'Content-Type: application/json' \\
    -d '{"name":"Jo Doe","email":"jo@example.com","subject":"Printer jam","message":"**Tray 2** is stuck","format":"markdown","priority":"High"}' \\
    $BASE/api/tickets.json                                       # 201, the new number
  curl -s -X PATCH -H 'X-API-Key: $KEY' -H 'Content-Type: application/json' \\
    -d '{"note":"Called the customer","staffId":"ada","dueDate":"2030-01-31T17:30:00+01:00"}' \\
    $BASE/api/tickets-update.php/$NUMBER.json

Stop it with: bash scripts/demo.sh down
INFO
