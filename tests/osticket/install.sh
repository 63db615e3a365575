#!/usr/bin/env bash
# Installs a fresh osTicket 1.18 from $OSTICKET_SRC into $WEB_ROOT with its real web installer,
# against the private MariaDB, and prepares it for tests on an offline machine (no e-mail domain
# DNS checks, helpdesk URL with our port). The stack (scripts/stack.sh) must be running.
#
# Env: OSTICKET_SRC (required), OST_DB_NAME (default osticket), OST_ADMIN_USER/OST_ADMIN_PASS.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

: "${OSTICKET_SRC:?OSTICKET_SRC must name a checkout of osTicket v1.18.x}"
[ -f "$OSTICKET_SRC/main.inc.php" ] && [ -f "$OSTICKET_SRC/setup/install.php" ] ||
  die "OSTICKET_SRC=$OSTICKET_SRC is not an osTicket source tree"
OST_DB_NAME="${OST_DB_NAME:-osticket}"
OST_ADMIN_USER="${OST_ADMIN_USER:-ostadmin}"
OST_ADMIN_PASS="${OST_ADMIN_PASS:-Admin-pass-123}"
BASE="http://127.0.0.1:$HTTP_PORT"

modules="$(php -m)"
for ext in mysqli gd intl mbstring xml json curl; do
  grep -qix "$ext" <<<"$modules" || die "osTicket needs the PHP extension $ext"
done

log "copying osTicket into $WEB_ROOT"
rm -rf "$WEB_ROOT"
mkdir -p "$WEB_ROOT"
cp -R "$OSTICKET_SRC/." "$WEB_ROOT/"
rm -rf "$WEB_ROOT/.git"
cp "$WEB_ROOT/include/ost-sampleconfig.php" "$WEB_ROOT/include/ost-config.php"
chown -R www-data:www-data "$WEB_ROOT"
chmod 0666 "$WEB_ROOT/include/ost-config.php"

db_root -e "DROP DATABASE IF EXISTS \`$OST_DB_NAME\`; CREATE DATABASE \`$OST_DB_NAME\` CHARACTER SET utf8mb4;"

log "running osTicket's web installer"
jar="$(mktemp)"
page="$(mktemp)"
trap 'rm -f "$jar" "$page"' EXIT
curl -fsS -c "$jar" -o /dev/null "$BASE/setup/install.php"
curl -fsS -b "$jar" -c "$jar" -o "$page" \
  --data-urlencode "s=install" --data-urlencode "name=Demo Helpdesk" \
  --data-urlencode "email=support@example.com" --data-urlencode "lang_id=en_US" \
  --data-urlencode "fname=Admin" --data-urlencode "lname=User" \
  --data-urlencode "admin_email=admin@example.com" --data-urlencode "username=$OST_ADMIN_USER" \
  --data-urlencode "passwd=$OST_ADMIN_PASS" --data-urlencode "passwd2=$OST_ADMIN_PASS" \
  --data-urlencode "prefix=ost_" --data-urlencode "dbhost=127.0.0.1:$DB_PORT" \
  --data-urlencode "dbname=$OST_DB_NAME" --data-urlencode "dbuser=$DB_USER" \
  --data-urlencode "dbpass=$DB_PASS" --data-urlencode "timezone=UTC" \
  "$BASE/setup/install.php"
if ! grep -q "define('OSTINSTALLED',TRUE);" "$WEB_ROOT/include/ost-config.php"; then
  grep -o 'class="error"[^<]*<[^>]*>[^<]*' "$page" | grep -v '"></' >&2 || true
  die "osTicket's installer did not finish"
fi

# As osTicket asks after installing: no setup/, read-only configuration.
rm -rf "$WEB_ROOT/setup"
chmod 0644 "$WEB_ROOT/include/ost-config.php"
# Offline machine: no DNS check of e-mail domains; the URL we serve on.
db_root "$OST_DB_NAME" -e "INSERT INTO ost_config (namespace, \`key\`, value) VALUES
  ('core', 'verify_email_addrs', '0'), ('core', 'helpdesk_url', '$BASE/')
  ON DUPLICATE KEY UPDATE value = VALUES(value);"
log "osTicket installed at $BASE/ (staff panel $BASE/scp/, $OST_ADMIN_USER / $OST_ADMIN_PASS)"
