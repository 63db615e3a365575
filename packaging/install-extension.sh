#!/bin/sh
# Installs the osticket_api PHP extension of this bundle into the PHP that serves osTicket.
#
#   sh install-extension.sh [--php-fpm BIN] [--ext-dir DIR] [--ini-dir DIR] [--dry-run]
#
# 1. Finds the PHP that serves osTicket: the php-fpm given with --php-fpm, else the running php-fpm
#    master process, else the one php-fpm installed (/usr/sbin/php-fpm*, /usr/local/sbin/php-fpm);
#    several different ones: it asks for --php-fpm.
# 2. Picks extensions/osticket_api-phpX.Y.so for that PHP's X.Y and checks that this php-fpm loads it
#    (`php-fpm -n -d extension=... -m`) before anything is changed.
# 3. Copies it into PHP's extension directory as osticket_api.so (or --ext-dir) and writes the ini
#    line: Debian/Ubuntu /etc/php/X.Y/mods-available/osticket_api.ini + `phpenmod -v X.Y`, else
#    osticket_api.ini in PHP's scan directory (or --ini-dir: a directory PHP_INI_SCAN_DIR names).
# 4. Checks that php-fpm now loads it with its whole configuration (`php-fpm -m`); if not, it undoes
#    its changes. Then it says which service to restart.
# A wrong or missing binary is a message and exit status 1; PHP's configuration stays as it was.
set -eu

HERE="$(cd "$(dirname "$0")" && pwd)"
FPM=""
EXT_DIR=""
INI_DIR=""
INI_DIR_GIVEN=0
DRY_RUN=0

say() { printf '%s\n' "$*"; }
fail() {
  printf 'install-extension: %s\n' "$*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --php-fpm) FPM="${2:?--php-fpm needs a program}"; shift 2 ;;
    --ext-dir) EXT_DIR="${2:?--ext-dir needs a directory}"; shift 2 ;;
    --ini-dir) INI_DIR="${2:?--ini-dir needs a directory}"; INI_DIR_GIVEN=1; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown option $1 (see --help)" ;;
  esac
done

# ---- 1. which php-fpm ------------------------------------------------------------------------------

# The executables of running php-fpm master processes, one a line.
running_fpms() {
  for d in /proc/[0-9]*; do
    cmd="$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" || continue
    case "$cmd" in
      "php-fpm: master process"*) readlink "$d/exe" 2>/dev/null || true ;;
    esac
  done | sed 's/ (deleted)$//' | sort -u
}

installed_fpms() {
  for f in /usr/sbin/php-fpm* /usr/local/sbin/php-fpm /usr/bin/php-fpm*; do
    [ -x "$f" ] && [ ! -d "$f" ] && readlink -f "$f"
  done | sort -u
}

if [ -z "$FPM" ]; then
  found="$(running_fpms)"
  how="running"
  if [ -z "$found" ]; then
    found="$(installed_fpms)"
    how="installed"
  fi
  count="$(printf '%s' "$found" | grep -c . || true)"
  if [ "$count" -eq 0 ]; then
    fail "no php-fpm found (none running, none in /usr/sbin or /usr/local/sbin): name the one that serves osTicket with --php-fpm"
  elif [ "$count" -gt 1 ]; then
    fail "several php-fpm are $how: $(printf '%s' "$found" | tr '\n' ' ')- name the one that serves osTicket with --php-fpm"
  fi
  FPM="$found"
  say "php-fpm serving osTicket: $FPM ($how)"
else
  command -v "$FPM" >/dev/null 2>&1 || fail "--php-fpm $FPM: no such program"
fi

version_line="$("$FPM" -n -v 2>/dev/null | head -n 1)" || true
case "$version_line" in
  PHP\ [0-9]*) ;;
  *) fail "$FPM -v did not print a PHP version: is it php-fpm?" ;;
esac
PHP_MINOR="$(printf '%s' "$version_line" | sed -n 's/^PHP \([0-9]*\.[0-9]*\).*/\1/p')"
case "$("$FPM" -n -i 2>/dev/null | grep -i '^Thread Safety')" in
  *enabled*) fail "$FPM is a thread-safe (ZTS) PHP; this bundle's extensions are for non-thread-safe PHP, as distributions ship php-fpm" ;;
esac

# ---- 2. which binary, and does it load ------------------------------------------------------------

SO="$HERE/extensions/osticket_api-php$PHP_MINOR.so"
if [ ! -f "$SO" ]; then
  have="$(cd "$HERE/extensions" 2>/dev/null && ls osticket_api-php*.so 2>/dev/null | sed 's/^osticket_api-php//; s/\.so$//' | tr '\n' ' ')"
  fail "PHP $PHP_MINOR ($FPM) has no binary in this bundle (it has PHP ${have:-none}); nothing was changed"
fi
say "binary for PHP $PHP_MINOR: extensions/osticket_api-php$PHP_MINOR.so"

modules="$("$FPM" -n -d html_errors=0 -d "extension=$SO" -m 2>&1)" || true
if ! printf '%s\n' "$modules" | grep -qx 'osticket_api' || printf '%s' "$modules" | grep -qi 'warning'; then
  fail "$FPM does not load $SO; nothing was changed. PHP said: $(printf '%s' "$modules" | grep -i -m 3 -E 'warning|error' | tr '\n' ' ')"
fi

# ---- 3. install ----------------------------------------------------------------------------------

info="$("$FPM" -i 2>/dev/null)" || true
if [ -z "$EXT_DIR" ]; then
  EXT_DIR="$(printf '%s\n' "$info" | sed -n 's/^extension_dir => \([^ ]*\) => .*/\1/p' | head -n 1)"
  [ -n "$EXT_DIR" ] || fail "could not read extension_dir from $FPM -i; name it with --ext-dir"
fi
TARGET="$EXT_DIR/osticket_api.so"

DEBIAN=0
MODS="/etc/php/$PHP_MINOR/mods-available"
if [ -z "$INI_DIR" ] && [ -d "$MODS" ] && command -v phpenmod >/dev/null 2>&1; then
  DEBIAN=1
  INI="$MODS/osticket_api.ini"
else
  if [ -z "$INI_DIR" ]; then
    INI_DIR="$(printf '%s\n' "$info" | sed -n 's/^Scan this dir for additional .ini files => \(.*\)$/\1/p' | head -n 1)"
    case "$INI_DIR" in
      "" | "(none)") fail "$FPM reads no directory of .ini files: add \"extension=$TARGET\" to its php.ini by hand, or name a directory it reads with --ini-dir" ;;
    esac
    INI_DIR="${INI_DIR%%:*}"
  fi
  INI="$INI_DIR/50-osticket_api.ini"
fi

if [ "$DRY_RUN" = 1 ]; then
  say "dry run: would copy $SO to $TARGET and write $INI$([ "$DEBIAN" = 1 ] && printf ' + phpenmod -v %s osticket_api' "$PHP_MINOR")"
  exit 0
fi

mkdir -p "$EXT_DIR" "$(dirname "$INI")"
backup=""
if [ -f "$TARGET" ]; then
  backup="$TARGET.previous"
  cp -p "$TARGET" "$backup"
fi
had_ini=0
[ -f "$INI" ] && had_ini=1
# A new file (new inode) beside, then renamed: a running php-fpm keeps the copy it mapped.
cp "$SO" "$TARGET.new"
chmod 0644 "$TARGET.new"
mv -f "$TARGET.new" "$TARGET"
if [ "$DEBIAN" = 1 ]; then
  printf '; osticket_api (API Endpoints plugin for osTicket)\n; priority=20\nextension=osticket_api.so\n' >"$INI"
  phpenmod -v "$PHP_MINOR" osticket_api
else
  printf '; osticket_api (API Endpoints plugin for osTicket)\nextension=%s\n' "$TARGET" >"$INI"
fi

undo() {
  if [ "$DEBIAN" = 1 ] && [ "$had_ini" = 0 ]; then
    phpdismod -v "$PHP_MINOR" osticket_api 2>/dev/null || true
  fi
  [ "$had_ini" = 0 ] && rm -f "$INI"
  if [ -n "$backup" ]; then
    mv -f "$backup" "$TARGET"
  else
    rm -f "$TARGET"
  fi
}

# ---- 4. check ------------------------------------------------------------------------------------

scan_env=""
if [ "$INI_DIR_GIVEN" = 1 ]; then
  # PHP reads --ini-dir only when PHP_INI_SCAN_DIR names it; keep the compiled-in one as well.
  scan_env=":$INI_DIR"
fi
if [ -n "$scan_env" ]; then
  loaded="$(PHP_INI_SCAN_DIR="$scan_env" "$FPM" -d html_errors=0 -m 2>&1)" || true
else
  loaded="$("$FPM" -d html_errors=0 -m 2>&1)" || true
fi
if ! printf '%s\n' "$loaded" | grep -qx 'osticket_api' || printf '%s' "$loaded" | grep -qi -E 'warning|unable to load'; then
  undo
  fail "after installing, $FPM does not load osticket_api; the change was undone. PHP said: $(printf '%s' "$loaded" | grep -i -m 3 -E 'warning|error' | tr '\n' ' ')"
fi
rm -f "$backup"
ver="$(cat "$HERE/VERSION" 2>/dev/null || true)"

say "installed osticket_api ${ver:-} for PHP $PHP_MINOR: $TARGET, $INI"
service="php-fpm"
[ "$DEBIAN" = 1 ] && service="php$PHP_MINOR-fpm"
if [ -n "$scan_env" ]; then
  say "php-fpm must be started with PHP_INI_SCAN_DIR=$scan_env to read $INI"
fi
say "now restart php-fpm (it loads extensions only when it starts): systemctl restart $service"
