#!/usr/bin/env bash
# Common settings and helpers, sourced by every script. Everything lives under $STATE_DIR.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${STATE_DIR:-$REPO/.state}"
DB_PORT="${DB_PORT:-3317}"
DB_SOCKET="${DB_SOCKET:-$STATE_DIR/mysql/mysqld.sock}"
DB_USER="${DB_USER:-ost}"
DB_PASS="${DB_PASS:-ost-test-pw}"
HTTP_PORT="${HTTP_PORT:-8088}"
FPM_PORT="${FPM_PORT:-9188}"
EXT_SO="${EXT_SO:-$REPO/target/debug/libosticket_api.so}"
WEB_ROOT="${WEB_ROOT:-$STATE_DIR/www}"
MAIL_SINK="${MAIL_SINK:-$STATE_DIR/mail/outbox.log}"
export REPO STATE_DIR DB_PORT DB_SOCKET DB_USER DB_PASS HTTP_PORT FPM_PORT EXT_SO WEB_ROOT MAIL_SINK

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# wait_for_port PORT [SECONDS]: true once something listens on 127.0.0.1:PORT.
wait_for_port() {
  local port="$1" limit="${2:-30}" i
  for ((i = 0; i < limit * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# pid_alive FILE: true if FILE holds the pid of a running process.
pid_alive() {
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# db_root [args...]: the mariadb client as root over the private socket.
db_root() {
  mariadb --no-defaults --protocol=socket -S "$DB_SOCKET" -uroot "$@"
}
