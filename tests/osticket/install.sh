#!/usr/bin/env bash
# Installs a fresh osTicket 1.18 from $OSTICKET_SRC into $WEB_ROOT with osTicket's own web installer
# (setup/install.php, driven with curl through nginx + php-fpm), against the private MariaDB, and
# prepares it for tests on an offline machine. Re-running it starts from scratch again: the web root
# is wiped and the database dropped.
#
#   OSTICKET_SRC=/path/to/osTicket-v1.18.1 tests/osticket/install.sh
#
# Needs the stack (scripts/stack.sh start) serving the same WEB_ROOT. Env: OSTICKET_SRC (required),
# WEB_ROOT, HTTP_PORT, DB_* (scripts/lib.sh), OST_DB_NAME (default osticket), OST_ADMIN_USER /
# OST_ADMIN_PASS / OST_ADMIN_EMAIL (the administrator the installer creates).
#
# After it: no setup/, read-only include/ost-config.php, table prefix ost_, e-mail domain DNS checks
# off (verify_email_addrs=0), helpdesk_url = http://127.0.0.1:$HTTP_PORT/, no SMTP account, so
# osTicket sends mail with PHP's mail(), which php-fpm's sendmail_path hands to the mail sink.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

: "${OSTICKET_SRC:?OSTICKET_SRC must name a checkout or export of osTicket v1.18.x}"
[ -f "$OSTICKET_SRC/main.inc.php" ] && [ -f "$OSTICKET_SRC/setup/install.php" ] &&
  [ -f "$OSTICKET_SRC/include/ost-sampleconfig.php" ] ||
  die "OSTICKET_SRC=$OSTICKET_SRC is not an osTicket source tree (main.inc.php, setup/install.php, include/ost-sampleconfig.php)"
OST_DB_NAME="${OST_DB_NAME:-osticket}"
OST_ADMIN_USER="${OST_ADMIN_USER:-ostadmin}"
OST_ADMIN_PASS="${OST_ADMIN_PASS:-Admin-pass-123}"
OST_ADMIN_EMAIL="${OST_ADMIN_EMAIL:-admin@example.com}"
PREFIX=ost_
BASE="http://127.0.0.1:$HTTP_PORT"
SINK_SCRIPT="$STATE_DIR/mail/sink.sh" # written by scripts/stack.sh; php-fpm's sendmail_path

[[ "$OST_DB_NAME" =~ ^[A-Za-z0-9_]+$ ]] || die "OST_DB_NAME must be a plain identifier, got '$OST_DB_NAME'"
# The installer refuses predictable administrator names (class.installer.php).
case "${OST_ADMIN_USER,,}" in
  admin | admins | username | osticket) die "osTicket's installer rejects the administrator name '$OST_ADMIN_USER'" ;;
esac

# ---- PHP: version and extensions, for php-cli (plugin.php, seed.php) and php-fpm (the installer,
# every request). mysqli is the installer's only hard check (include/class.setup.php); the others are
# used unconditionally on paths the suites exercise: dom (HTML sanitising of thread bodies, html2text),
# xml (XML API), mbstring/iconv/intl (UTF-8 text, dates, numbers), gd + fileinfo (image and upload
# handling), openssl (osTicket's Crypto and random data), json, ctype, session.
REQUIRED_EXT="mysqli json mbstring iconv intl xml dom gd fileinfo openssl ctype session"
RECOMMENDED_EXT="phar zip apcu"
# php code printing "<version> <space-separated lowercase extension list> <sendmail_path>" lines.
PHP_PROBE='echo PHP_VERSION, "\n", strtolower(implode(" ", get_loaded_extensions())), "\n", ini_get("sendmail_path"), "\n";'

# check_php WHERE PROBE_OUTPUT: dies unless PHP >= 8.0 with every required extension.
check_php() {
  local where="$1" version exts missing="" ext
  version="$(sed -n 1p <<<"$2")"
  exts=" $(sed -n 2p <<<"$2") "
  [ -n "$version" ] || die "could not ask $where for its PHP version and extensions"
  php -r 'exit(version_compare($argv[1], "8.0", ">=") ? 0 : 1);' "$version" ||
    die "osTicket 1.18 needs PHP 8.0 or later; $where runs PHP $version"
  for ext in $REQUIRED_EXT; do
    [[ "$exts" == *" $ext "* ]] || missing+=" $ext"
  done
  [ -z "$missing" ] || die "$where lacks PHP extension(s) osTicket needs:$missing (Debian: apt-get install php8.2-<name>)"
  for ext in $RECOMMENDED_EXT; do
    [[ "$exts" == *" $ext "* ]] || warn "$where lacks the PHP extension $ext (osTicket recommends it)"
  done
}

cli_probe="$(php -r "$PHP_PROBE")" || die "php (CLI) does not run"
check_php "php-cli" "$cli_probe"

# ---- the stack must be up and serve WEB_ROOT
db_root -e 'SELECT 1' >/dev/null 2>&1 || die "MariaDB is not reachable on $DB_SOCKET: run scripts/stack.sh start first"
port_open "$HTTP_PORT" || die "nothing listens on 127.0.0.1:$HTTP_PORT: run scripts/stack.sh start first"

# ---- fresh tree
web_root_real="$(realpath -m "$WEB_ROOT")"
src_real="$(realpath "$OSTICKET_SRC")"
case "$web_root_real" in
  / | "$(realpath -m "${HOME:-/}")" | "$(realpath "$REPO")" | "$src_real" | "$src_real"/*)
    die "refusing to wipe WEB_ROOT=$WEB_ROOT (it must be a directory of its own)" ;;
esac
case "$src_real/" in
  "$web_root_real"/*) die "refusing to wipe WEB_ROOT=$WEB_ROOT: it contains OSTICKET_SRC" ;;
esac

log "copying osTicket from $OSTICKET_SRC into $WEB_ROOT (wiping it first)"
rm -rf "$WEB_ROOT"
mkdir -p "$WEB_ROOT"
tar -C "$OSTICKET_SRC" --exclude=.git -cf - . | tar -C "$WEB_ROOT" -xf -
cp "$WEB_ROOT/include/ost-sampleconfig.php" "$WEB_ROOT/include/ost-config.php"
chmod -R u+rwX,go+rX "$WEB_ROOT"
if is_root; then
  chown -R www-data:www-data "$WEB_ROOT"
  ensure_traversable www-data "$WEB_ROOT"
fi
# Writable for the web server (the installer writes the database settings into it).
chmod 0644 "$WEB_ROOT/include/ost-config.php"

# ---- what serves http://127.0.0.1:$HTTP_PORT/ must be this tree, through php-fpm: a probe script
# shows that, and tells which PHP and sendmail_path the installer and every request will get.
probe_name="probe-$$-$RANDOM.php"
printf '<?php %s' "$PHP_PROBE" >"$WEB_ROOT/$probe_name"
chmod 0644 "$WEB_ROOT/$probe_name"
fpm_probe="$(curl -sS --max-time 30 "$BASE/$probe_name" 2>&1)" || fpm_probe=""
rm -f "$WEB_ROOT/$probe_name"
if ! [[ "$(sed -n 1p <<<"$fpm_probe")" =~ ^[0-9]+\.[0-9]+ ]]; then
  die "$BASE/ does not run PHP from WEB_ROOT=$WEB_ROOT (start the stack with that WEB_ROOT: WEB_ROOT=$WEB_ROOT scripts/stack.sh start); got: $(head -c 300 <<<"$fpm_probe")"
fi
check_php "php-fpm" "$fpm_probe"
fpm_sendmail="$(sed -n 3p <<<"$fpm_probe")"
if [ "${fpm_sendmail%% *}" != "$SINK_SCRIPT" ] || [ ! -x "$SINK_SCRIPT" ]; then
  die "php-fpm's sendmail_path is '$fpm_sendmail', not the mail sink $SINK_SCRIPT: osTicket's mail would leave the machine (restart the stack with scripts/stack.sh)"
fi

# ---- database and the web installer
db_root -e "DROP DATABASE IF EXISTS \`$OST_DB_NAME\`; CREATE DATABASE \`$OST_DB_NAME\` CHARACTER SET utf8mb4;"

log "running osTicket's web installer ($BASE/setup/install.php)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
jar="$tmp/cookies"
curl -sS --max-time 60 -c "$jar" -o "$tmp/get.html" "$BASE/setup/install.php" ||
  die "GET $BASE/setup/install.php failed"
# dbhost with a port: osTicket's mysqli then connects over TCP to 127.0.0.1 (not a socket).
code="$(curl -sS --max-time 300 -b "$jar" -c "$jar" -o "$tmp/post.html" -w '%{http_code}' \
  --data-urlencode "s=install" \
  --data-urlencode "name=Demo Helpdesk" \
  --data-urlencode "email=support@example.com" \
  --data-urlencode "lang_id=en_US" \
  --data-urlencode "fname=Admin" \
  --data-urlencode "lname=User" \
  --data-urlencode "admin_email=$OST_ADMIN_EMAIL" \
  --data-urlencode "username=$OST_ADMIN_USER" \
  --data-urlencode "passwd=$OST_ADMIN_PASS" \
  --data-urlencode "passwd2=$OST_ADMIN_PASS" \
  --data-urlencode "prefix=$PREFIX" \
  --data-urlencode "dbhost=127.0.0.1:$DB_PORT" \
  --data-urlencode "dbname=$OST_DB_NAME" \
  --data-urlencode "dbuser=$DB_USER" \
  --data-urlencode "dbpass=$DB_PASS" \
  --data-urlencode "timezone=UTC" \
  "$BASE/setup/install.php")" || die "POST $BASE/setup/install.php failed"

config_rows() {
  db_root -N "$OST_DB_NAME" -e "SELECT COUNT(*) FROM \`${PREFIX}config\` WHERE namespace = 'core'" 2>/dev/null || echo 0
}
if ! grep -q "define('OSTINSTALLED',TRUE);" "$WEB_ROOT/include/ost-config.php" || [ "$(config_rows)" -lt 10 ]; then
  # The form shows what was wrong in <font class="error"> next to the fields (setup/inc/install.inc.php).
  php -r '$h = file_get_contents($argv[1]);
    preg_match_all("~<font class=\"error\">(.*?)</font>~s", $h, $m);
    foreach ($m[1] as $e) { $e = preg_replace("/^[\\s\\x{a0}]+|[\\s\\x{a0}]+\$/u", "", html_entity_decode(strip_tags($e))); if ($e !== "") fwrite(STDERR, "  installer: $e\n"); }' \
    "$tmp/post.html" || true
  die "osTicket's installer did not finish (HTTP $code; OSTINSTALLED missing or ${PREFIX}config empty)"
fi
grep -q "define('DBHOST','127.0.0.1:$DB_PORT');" "$WEB_ROOT/include/ost-config.php" ||
  die "ost-config.php does not name DBHOST 127.0.0.1:$DB_PORT"

# As osTicket asks after installing: no setup/, a read-only configuration file (owned by root when we
# are root, so that the web server cannot write it and the admin panel shows no warning).
rm -rf "$WEB_ROOT/setup"
chmod 0644 "$WEB_ROOT/include/ost-config.php"
if is_root; then
  chown root:root "$WEB_ROOT/include/ost-config.php"
fi

# Offline machine: no DNS lookups of e-mail domains (else every new user, hence every ticket create,
# fails); the URL we serve on (links in alerts).
db_root "$OST_DB_NAME" -e "INSERT INTO \`${PREFIX}config\` (namespace, \`key\`, value) VALUES
  ('core', 'verify_email_addrs', '0'), ('core', 'helpdesk_url', '$BASE/')
  ON DUPLICATE KEY UPDATE value = VALUES(value);"

# Mail: without an active SMTP account osTicket's Mailer falls back to its Sendmail transport, i.e.
# PHP's mail(), i.e. php-fpm's sendmail_path (checked above). A fresh install has none; make sure.
smtp="$(db_root -N "$OST_DB_NAME" -e "SELECT COUNT(*) FROM \`${PREFIX}email_account\` WHERE type = 'smtp' AND active = 1")"
[ "$smtp" -eq 0 ] || die "the new installation has $smtp active SMTP account(s); mail would not reach the sink"

# The help desk answers (no redirect to setup/, no database error).
home="$(curl -sS --max-time 60 -o "$tmp/home.html" -w '%{http_code}' "$BASE/index.php")" || home=000
[ "$home" = 200 ] && ! grep -qi 'Fatal Error' "$tmp/home.html" ||
  die "the installed help desk does not answer $BASE/index.php properly (HTTP $home)"

log "osTicket installed at $BASE/ (database $OST_DB_NAME, staff panel $BASE/scp/, $OST_ADMIN_USER / $OST_ADMIN_PASS)"
