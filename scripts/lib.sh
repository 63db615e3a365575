#!/usr/bin/env bash
# Common settings and helpers, sourced by every script in scripts/ (test harnesses may source it too):
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Every setting can be overridden from the environment. The defaults keep all state inside the
# repository (`.state/`, git-ignored) and all traffic on 127.0.0.1. The settings are exported so that
# programs started by the scripts (cargo test, phpunit, tests/http/run.sh) see the same values.

# Repository root, derived from this file's location (never a machine-specific path).
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

# Private state of the test stack: datadir, sockets, pid files, configs, logs, web root, mail outbox.
STATE_DIR="${STATE_DIR:-$REPO/.state}"

# MariaDB: a private instance (own datadir, socket, port), never the system one.
DB_PORT="${DB_PORT:-3317}"
DB_SOCKET="${DB_SOCKET:-$STATE_DIR/mysql/mysqld.sock}"
DB_USER="${DB_USER:-ost}"
DB_PASS="${DB_PASS:-ost-test-pw}"

# nginx (HTTP_PORT, serving WEB_ROOT) in front of php-fpm (FPM_PORT).
HTTP_PORT="${HTTP_PORT:-8088}"
FPM_PORT="${FPM_PORT:-9188}"
WEB_ROOT="${WEB_ROOT:-$STATE_DIR/www}"

# Apache (mpm_event, mod_rewrite, mod_proxy_fcgi to the same php-fpm) on APACHE_PORT, serving the
# same WEB_ROOT with `AllowOverride FileInfo`, so that osTicket's api/.htaccess takes effect.
APACHE_PORT="${APACHE_PORT:-8089}"

# The extension php-fpm loads. Debug build by default; point EXT_SO at the release .so to use that.
EXT_SO="${EXT_SO:-$REPO/target/debug/libosticket_api.so}"

# Outgoing mail: php-fpm's sendmail_path is a script that appends every message to MAIL_SINK,
# followed by an empty line and a line holding exactly MAIL_SEPARATOR.
MAIL_SINK="${MAIL_SINK:-$STATE_DIR/mail/outbox.log}"
MAIL_SEPARATOR="${MAIL_SEPARATOR:------ end of message -----}"

export REPO STATE_DIR DB_PORT DB_SOCKET DB_USER DB_PASS HTTP_PORT FPM_PORT APACHE_PORT EXT_SO WEB_ROOT \
  MAIL_SINK MAIL_SEPARATOR

# rustup installs cargo into ~/.cargo/bin, which non-login shells (CI) often lack on PATH.
if ! command -v cargo >/dev/null 2>&1; then
  for ost_cargo_bin in "${CARGO_HOME:-${HOME:-/root}/.cargo}/bin" "${HOME:-/root}/.cargo/bin"; do
    if [ -x "$ost_cargo_bin/cargo" ]; then
      PATH="$ost_cargo_bin:$PATH"
      export PATH
      break
    fi
  done
  unset ost_cargo_bin
fi

# ---- logging ---------------------------------------------------------------------------------------

# log MESSAGE...: a timestamped line on stderr.
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# warn MESSAGE...: a log line marked as a warning.
warn() { log "WARNING: $*"; }
# die MESSAGE...: log the message and exit 1.
die() {
  log "ERROR: $*"
  exit 1
}
# banner TITLE: a visible section header on stdout.
banner() { printf '\n======== %s ========\n' "$*"; }

# ---- shell test suites ---------------------------------------------------------------------------

# check DESCRIPTION EXPECTED ACTUAL: one check of a shell suite (tests/osticket/run.sh, upgrade.sh):
# counts it in the caller's `passed`/`failed` and logs a failure under the caller's `NAME`.
check() {
  if [ "$2" = "$3" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    log "$NAME FAILED: $1: expected '$2', got '$3'"
  fi
}

# ---- database --------------------------------------------------------------------------------------

# db_url [DBNAME]: URL of the private database for the Rust side, TCP forced (the mysql crate would
# otherwise silently switch to a unix socket it finds by itself).
db_url() {
  printf 'mysql://%s:%s@127.0.0.1:%s/%s?prefer_socket=false' "$DB_USER" "$DB_PASS" "$DB_PORT" "${1:-}"
}

# db_root [args...]: the mariadb client as root over the private socket (unix_socket authentication,
# so it needs the OS user root).
db_root() {
  mariadb --no-defaults --protocol=socket -S "$DB_SOCKET" -uroot "$@"
}

# ---- processes and ports ---------------------------------------------------------------------------

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  # shellcheck disable=SC2016 # \$1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# wait_for_port PORT [SECONDS=30]: true once something listens on 127.0.0.1:PORT.
wait_for_port() {
  local port="$1" limit="${2:-30}" i
  for ((i = 0; i < limit * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# pid_from_file FILE [COMM_REGEX]: print the pid recorded in FILE if that process is alive and, with
# COMM_REGEX, its command name matches (so that a recycled pid is never taken for ours).
pid_from_file() {
  local file="$1" comm_re="${2:-}" pid comm
  [ -s "$file" ] || return 1
  read -r pid <"$file" || [ -n "${pid:-}" ] || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -n "$comm_re" ]; then
    comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
    [[ "$comm" =~ $comm_re ]] || return 1
  fi
  printf '%s\n' "$pid"
}

# pid_alive FILE [COMM_REGEX]: true if FILE holds the pid of a running process.
pid_alive() { pid_from_file "$@" >/dev/null; }

# stop_pid PID NAME [SECONDS=60]: SIGTERM one process, wait for it to exit, SIGKILL after the limit.
stop_pid() {
  local pid="$1" name="$2" limit="${3:-60}" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  warn "$name (pid $pid) did not stop within ${limit}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# ensure_traversable USER DIR: make sure USER can reach DIR, adding o+x (enter, not list) to each
# directory on the way that USER cannot enter. The state directory may sit under a root-owned tree
# (for example /root/... in CI), while MariaDB runs as `mysql` and php-fpm/nginx workers as `www-data`.
# No-op unless running as root.
ensure_traversable() {
  local user="$1" target dir path="" parts=()
  is_root || return 0
  target="$(cd "$2" && pwd -P)" || return 1
  IFS=/ read -r -a parts <<<"$target"
  # From / downwards (parts[0] is ""), so that only the directories that really block the way change.
  for dir in "${parts[@]}"; do
    path="${path%/}/$dir"
    if ! runuser -u "$user" -- test -x "$path" 2>/dev/null; then
      log "chmod o+x $path (so that '$user' can reach $target)"
      chmod o+x "$path"
    fi
  done
}
