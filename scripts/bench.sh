#!/usr/bin/env bash
# Benchmarks the API endpoints through nginx + php-fpm on 127.0.0.1 with wrk (Debian package `wrk`;
# installed here when missing): per endpoint and parameter mix, requests/s and p50/p90/p99/max
# latency, sequentially (1 connection) and with 4 connections, each for a bounded time. Two floors
# in the same run: a bare php-fpm script (`<?php echo 'ok';`) and, against a real osTicket web root,
# osTicket's API bootstrap alone (a script that requires api/api.inc.php and exits).
#
#   bench.sh --key API_KEY --db DATABASE [options]
#
# Options:
#   --base-url URL      default http://127.0.0.1:$HTTP_PORT
#   --key KEY           X-API-Key with read, search, stats and subticket permissions ($BENCH_API_KEY)
#   --db NAME           the helpdesk's database, to pick random ticket numbers and parents ($DB_NAME)
#   --prefix P          table prefix (default: $TABLE_PREFIX, else ost_)
#   --web-root DIR      where the floor scripts go (default $WEB_ROOT); floors are skipped when it
#                       is not a local directory of this server
#   --duration S        seconds per measurement (default 10), after a 2 s warm-up per mix
#   --concurrency LIST  connection counts, default "1 4"
#   --only REGEX        only the mixes whose name matches
#   --department NAME   for the department filter (default: the department with most tickets)
#   --query WORD        for the subject filter (default printer)
#   --label TEXT        free text stored with the results (e.g. "1M tickets, release build")
#   --probe-timeout S   a mix whose trial request takes longer is reported as a timeout (default 30)
#   --settle S          after each run, wait up to S seconds (default 120) until the statements of
#                       requests that wrk or a trial gave up on have finished in the database
#   --kill-stragglers   then end the ones still running (KILL QUERY); meant for benchmark databases
#   --between CMD       shell command run after every wrk run (each ends with requests in flight
#                       that wrk abandons), e.g. "bash scripts/stack.sh restart-fpm"
#
# Every mix is first tried with a few requests: one that does not answer 200 (e.g. 404 for an
# endpoint that does not exist yet) is reported with its status and not measured. Output: an aligned
# table on stdout and a TSV copy in $STATE_DIR/bench/bench-<time>.tsv (also bench-latest.tsv).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BASE_URL="http://127.0.0.1:$HTTP_PORT"
KEY="${BENCH_API_KEY:-}"
DB="${DB_NAME:-}"
P="${TABLE_PREFIX:-ost_}"
ROOT="$WEB_ROOT"
DURATION=10
WARMUP=2
PROBE_TIMEOUT=30
SETTLE_MAX=120
KILL_STRAGGLERS=0
BETWEEN=""
CONCS="1 4"
ONLY=""
DEPARTMENT=""
QUERY=printer
LABEL=""
DB_HOST="${DB_HOST:-127.0.0.1}"
OUT_DIR="$STATE_DIR/bench"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --base-url) BASE_URL="${2:?}"; shift 2 ;;
    --key) KEY="${2:?}"; shift 2 ;;
    --db) DB="${2:?}"; shift 2 ;;
    --prefix) P="${2?}"; shift 2 ;;
    --web-root) ROOT="${2:?}"; shift 2 ;;
    --duration) DURATION="${2:?}"; shift 2 ;;
    --concurrency) CONCS="${2:?}"; shift 2 ;;
    --only) ONLY="${2:?}"; shift 2 ;;
    --department) DEPARTMENT="${2:?}"; shift 2 ;;
    --query) QUERY="${2:?}"; shift 2 ;;
    --label) LABEL="${2:?}"; shift 2 ;;
    --probe-timeout) PROBE_TIMEOUT="${2:?}"; shift 2 ;;
    --settle) SETTLE_MAX="${2:?}"; shift 2 ;;
    --kill-stragglers) KILL_STRAGGLERS=1; shift ;;
    --between) BETWEEN="${2:?}"; shift 2 ;;
    -h | --help) usage ;;
    *) log "unknown option: $1"; usage ;;
  esac
done
BASE_URL="${BASE_URL%/}"
[[ "$DURATION" =~ ^[0-9]+$ ]] && ((DURATION >= 1 && DURATION <= 300)) || die "--duration: 1..300 seconds"
for c in $CONCS; do
  [[ "$c" =~ ^[0-9]+$ ]] && ((c >= 1 && c <= 64)) || die "--concurrency: numbers between 1 and 64"
done
[[ "$BASE_URL" =~ ^https?://(127\.0\.0\.1|localhost)(:[0-9]+)?$ ]] ||
  die "--base-url must be on 127.0.0.1 (got $BASE_URL)"
[ -n "$KEY" ] || warn "no API key (--key): the endpoints will answer 401"
[[ "$P" =~ ^[A-Za-z0-9_]*$ ]] || die "table prefix '$P': letters, digits and _ only"

if ! command -v wrk >/dev/null 2>&1; then
  is_root || die "wrk is not installed (Debian package wrk); run as root or: apt-get install wrk"
  log "installing the Debian package wrk"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk </dev/null >/dev/null 2>&1 ||
    { apt-get update -q </dev/null >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk </dev/null >/dev/null 2>&1; } ||
    die "apt-get install wrk failed"
fi

WORK="$(mktemp -d)"
FLOOR_FILES=()
cleanup() {
  rm -rf "$WORK"
  local f
  for f in "${FLOOR_FILES[@]}"; do rm -f "$f"; done
}
trap cleanup EXIT

qdb() {
  MYSQL_PWD="$DB_PASS" mariadb --no-defaults --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" \
    --default-character-set=utf8mb4 -N -B "$DB" "$@"
}
urlenc() { php -r 'echo rawurlencode($argv[1]);' "$1"; }

# ---- what we run against ---------------------------------------------------------------------------

TICKETS="?"
if [ -n "$DB" ]; then
  qdb -e 'SELECT 1' >/dev/null 2>&1 || die "cannot reach database $DB on $DB_HOST:$DB_PORT"
  TICKETS="$(qdb -e "SELECT COUNT(*) FROM ${P}ticket")"
  log "database $DB: $TICKETS tickets; picking random ticket numbers and parents"
  qdb -e "SELECT number FROM ${P}ticket ORDER BY RAND() LIMIT 1000" |
    sed 's|.*|/api/tickets-get.php/&.json|' >"$WORK/get.paths"
  qdb -e "SELECT p.number FROM ${P}ticket p JOIN (SELECT DISTINCT ticket_pid FROM ${P}ticket
      WHERE ticket_pid IS NOT NULL ORDER BY RAND() LIMIT 500) c ON c.ticket_pid = p.ticket_id" |
    sed 's|.*|/api/tickets-subtickets-list.php/&.json|' >"$WORK/subtickets.paths"
  if [ -z "$DEPARTMENT" ]; then
    DEPARTMENT="$(qdb -e "SELECT d.name FROM (SELECT dept_id, COUNT(*) AS c FROM ${P}ticket GROUP BY dept_id
      ORDER BY c DESC LIMIT 1) x JOIN ${P}department d ON d.id = x.dept_id")"
  fi
  OPEN_STATUS="$(qdb -e "SELECT name FROM ${P}ticket_status WHERE state = 'open' ORDER BY sort, id LIMIT 1")"
else
  warn "no --db: ticket get and subticket list are skipped"
fi
OPEN_STATUS="${OPEN_STATUS:-Open}"

EXT="unknown"
if [ -f "$STATE_DIR/fpm/extension.loaded" ] && [ "$BASE_URL" = "http://127.0.0.1:$HTTP_PORT" ]; then
  EXT="$(cut -d' ' -f1 "$STATE_DIR/fpm/extension.loaded")"
  case "$EXT" in */debug/*) warn "php-fpm runs a DEBUG build of the extension ($EXT): set EXT_SO to the release .so" ;; esac
fi

# Floors: bare script; osTicket's API bootstrap only in a real osTicket web root.
REAL_OST=0
if [ -d "$ROOT" ] && [ -w "$ROOT" ]; then
  floor="$ROOT/bench-floor-$$.php"
  printf '%s\n' "<?php echo 'ok';" >"$floor"
  chmod 644 "$floor"
  FLOOR_FILES+=("$floor")
  echo "/bench-floor-$$.php" >"$WORK/floor-php.paths"
  if [ -f "$ROOT/api/api.inc.php" ] && [ -f "$ROOT/include/class.osticket.php" ]; then
    REAL_OST=1
    floor="$ROOT/api/bench-floor-$$.php"
    printf '%s\n' "<?php" "// scripts/bench.sh: osTicket's API bootstrap alone." \
      "require __DIR__ . '/api.inc.php';" "exit;" >"$floor"
    chmod 644 "$floor"
    FLOOR_FILES+=("$floor")
    echo "/api/bench-floor-$$.php" >"$WORK/floor-bootstrap.paths"
  fi
else
  warn "web root $ROOT is not a writable local directory: floors skipped"
fi

# ---- the mixes -------------------------------------------------------------------------------------

MIXES=() # "name|paths file|key (1 = send it)"
add_mix() { MIXES+=("$1|$2|$3"); }
one() { printf '%s\n' "$2" >"$WORK/$1.paths"; }

[ -f "$WORK/floor-php.paths" ] && add_mix "floor: bare php-fpm script" floor-php 0
if [ -f "$WORK/floor-bootstrap.paths" ]; then
  add_mix "floor: osTicket api.inc.php bootstrap" floor-bootstrap 0
fi
one statuses /api/tickets-statuses.php
add_mix "tickets-statuses" statuses 1
[ -s "$WORK/get.paths" ] && add_mix "tickets-get (random number)" get 1
S=/api/tickets-search.php
one search-all "$S"
add_mix "tickets-search (no filter)" search-all 1
one search-status "$S?status=$(urlenc "$OPEN_STATUS")"
add_mix "tickets-search status=$OPEN_STATUS" search-status 1
if [ -n "$DEPARTMENT" ]; then
  one search-dept "$S?department=$(urlenc "$DEPARTMENT")"
  add_mix "tickets-search department=$DEPARTMENT" search-dept 1
fi
one search-updated "$S?sort=updated"
add_mix "tickets-search sort=updated" search-updated 1
[ -s "$WORK/subtickets.paths" ] && add_mix "tickets-subtickets-list (random parent)" subtickets 1
one stats /api/tickets-stats.php
add_mix "tickets-stats" stats 1
# The mixes most likely to be slow come last.
if [[ "$TICKETS" =~ ^[0-9]+$ ]] && ((TICKETS > 500020)); then
  one search-offset "$S?offset=500000"
  add_mix "tickets-search offset=500000" search-offset 1
fi
one search-query "$S?query=$(urlenc "$QUERY")"
add_mix "tickets-search query=$QUERY" search-query 1
one search-fulltext "$S?query=$(urlenc "$QUERY")&mode=fulltext"
add_mix "tickets-search query=$QUERY mode=fulltext" search-fulltext 1
# The search cases of issue 11: no match, a few matches, one ticket's full subject, a number, several
# words, full text by relevance, and a filter with an ascending sort.
one search-nomatch "$S?query=zzqqxxnomatch"
add_mix "tickets-search query=zzqqxxnomatch" search-nomatch 1
one search-rare "$S?query=$(urlenc 'Network request #99')"
add_mix "tickets-search query=Network request #99" search-rare 1
if [ -n "$DB" ]; then
  qdb -e "SELECT cd.subject FROM ${P}ticket__cdata cd JOIN (SELECT FLOOR(MAX(ticket_id) / 2) AS m
      FROM ${P}ticket) x ON cd.ticket_id >= x.m ORDER BY cd.ticket_id LIMIT 1" >"$WORK/subject.txt"
  qdb -e "SELECT number FROM ${P}ticket ORDER BY RAND() LIMIT 200" |
    sed "s|.*|$S?query=&|" >"$WORK/search-number.paths"
  one search-subject "$S?query=$(urlenc "$(head -n 1 "$WORK/subject.txt")")"
  add_mix "tickets-search query=<one ticket's full subject>" search-subject 1
  add_mix "tickets-search query=<random ticket number>" search-number 1
fi
one search-words "$S?query=$(urlenc "$QUERY network")&mode=fulltext&sort=relevance"
add_mix "tickets-search query=$QUERY network mode=fulltext sort=relevance" search-words 1
one search-open-asc "$S?state=open&sort=updated&order=asc"
add_mix "tickets-search state=open sort=updated order=asc" search-open-asc 1

# ---- measuring -------------------------------------------------------------------------------------

# probe PATHS_FILE SEND_KEY: distinct status codes of up to 5 requests, e.g. "200" or "200,404";
# "timeout" when one took longer than PROBE_TIMEOUT seconds.
probe() {
  local codes=() path code hdr=()
  [ "$2" = 1 ] && [ -n "$KEY" ] && hdr=(-H "X-API-Key: $KEY")
  while read -r path; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time "$PROBE_TIMEOUT" "${hdr[@]}" "$BASE_URL$path" || true)"
    [ "${code:-000}" = 000 ] && code="timeout>${PROBE_TIMEOUT}s"
    codes+=("$code")
  done < <(head -n 5 "$1")
  printf '%s\n' "${codes[@]}" | sort -u | paste -sd, -
}

# settle: requests that the client gave up on (wrk stops at the end of a run, probes time out)
# go on in php-fpm and MariaDB and would slow down the next measurement. Wait up to SETTLE_MAX
# seconds until no statement runs in the helpdesk database; with --kill-stragglers, end the ones
# still running then (KILL QUERY).
settle() {
  [ -n "$DB" ] || return 0
  local i ids
  for ((i = 0; i < SETTLE_MAX; i++)); do
    ids="$(qdb -e "SELECT id FROM information_schema.PROCESSLIST WHERE db = DATABASE()
      AND id <> CONNECTION_ID() AND command IN ('Query', 'Execute')" 2>/dev/null || true)"
    [ -z "$ids" ] && return 0
    ((i == 2)) && log "waiting for $(wc -w <<<"$ids") statement(s) left over from aborted requests"
    sleep 1
  done
  if ((KILL_STRAGGLERS)); then
    log "ending $(wc -w <<<"$ids") statement(s) still running after ${SETTLE_MAX}s (KILL QUERY)"
    for i in $ids; do qdb -e "KILL QUERY $i" 2>/dev/null || true; done
  else
    warn "statements still running after ${SETTLE_MAX}s; later rows may be slowed down (see --kill-stragglers)"
  fi
}

# run_wrk PATHS_FILE SEND_KEY CONNECTIONS SECONDS: prints wrk's RESULT line.
run_wrk() {
  local key=""
  [ "$2" = 1 ] && key="$KEY"
  BENCH_PATHS="$1" BENCH_API_KEY="$key" timeout $(($4 + 60)) \
    wrk -t1 -c"$3" -d"$4"s --timeout 30s -s "$REPO/scripts/bench/wrk.lua" "$BASE_URL" 2>&1 |
    grep '^RESULT ' || echo "RESULT failed=1"
  if [ -n "$BETWEEN" ]; then
    bash -c "$BETWEEN" >/dev/null 2>&1 || warn "--between command failed: $BETWEEN"
  fi
}

mkdir -p "$OUT_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"
TSV="$OUT_DIR/bench-$STAMP.tsv"
printf 'time\tlabel\tbase_url\ttickets\tmix\texample_path\tconcurrency\thttp\trequests\treq_per_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tnon_2xx\tsocket_errors\n' >"$TSV"
ROWS=()

log "base $BASE_URL, $TICKETS tickets, extension $EXT, ${DURATION}s per measurement, connections: $CONCS"
for m in "${MIXES[@]}"; do
  IFS='|' read -r name file sendkey <<<"$m"
  [ -z "$ONLY" ] || [[ "$name" =~ $ONLY ]] || continue
  paths="$WORK/$file.paths"
  example="$(head -n 1 "$paths")"
  codes="$(probe "$paths" "$sendkey")"
  settle
  if [ "$codes" != 200 ]; then
    log "$name: HTTP $codes on $example -> not measured"
    for c in $CONCS; do
      ROWS+=("$name|$c|$codes|||||||")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\t\t\t\t\t\t\t\n' "$STAMP" "$LABEL" "$BASE_URL" "$TICKETS" "$name" \
        "$example" "$c" "$codes" >>"$TSV"
    done
    continue
  fi
  run_wrk "$paths" "$sendkey" 4 "$WARMUP" >/dev/null
  for c in $CONCS; do
    settle
    res="$(run_wrk "$paths" "$sendkey" "$c" "$DURATION")"
    declare -A R=([requests]=0 [duration_us]=1 [p50_us]=0 [p90_us]=0 [p99_us]=0 [max_us]=0 [status_errors]=0
      [connect_errors]=0 [read_errors]=0 [write_errors]=0 [timeouts]=0 [failed]=0)
    for kv in ${res#RESULT }; do R["${kv%%=*}"]="${kv#*=}"; done
    if [ "${R[failed]}" = 1 ]; then
      log "$name c=$c: wrk failed"
      ROWS+=("$name|$c|wrk failed|||||||")
      continue
    fi
    read -r rps p50 p90 p99 max < <(awk -v n="${R[requests]}" -v d="${R[duration_us]}" -v a="${R[p50_us]}" \
      -v b="${R[p90_us]}" -v c="${R[p99_us]}" -v m="${R[max_us]}" \
      'BEGIN { printf "%.1f %.2f %.2f %.2f %.2f\n", n / (d / 1e6), a / 1e3, b / 1e3, c / 1e3, m / 1e3 }')
    sock=$((R[connect_errors] + R[read_errors] + R[write_errors] + R[timeouts]))
    log "$name c=$c: $rps req/s, p50 ${p50} ms, p99 ${p99} ms (${R[requests]} requests, ${R[status_errors]} non-2xx)"
    ROWS+=("$name|$c|200|$rps|$p50|$p90|$p99|$max|${R[requests]}|${R[status_errors]}/$sock")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t200\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$STAMP" "$LABEL" "$BASE_URL" "$TICKETS" \
      "$name" "$example" "$c" "${R[requests]}" "$rps" "$p50" "$p90" "$p99" "$max" "${R[status_errors]}" "$sock" >>"$TSV"
    unset R
  done
done
settle
ln -sf "$(basename "$TSV")" "$OUT_DIR/bench-latest.tsv"

# ---- report ----------------------------------------------------------------------------------------

echo
echo "bench: $BASE_URL, $TICKETS tickets${LABEL:+, $LABEL}; ${DURATION}s per row; $(date '+%Y-%m-%d %H:%M')"
echo "extension: $EXT; floors: bare php-fpm$([ "$REAL_OST" = 1 ] && echo ", osTicket API bootstrap" || echo " (no real osTicket web root: no bootstrap floor)")"
fmt='%-44s %4s %-11s %9s %9s %9s %9s %9s %9s %8s\n'
printf "$fmt" "mix" "conn" "HTTP" "req/s" "p50 ms" "p90 ms" "p99 ms" "max ms" "requests" "err"
for r in "${ROWS[@]}"; do
  IFS='|' read -r name c code rps p50 p90 p99 max n err <<<"$r"
  # shellcheck disable=SC2059 # the format is ours
  printf "$fmt" "$name" "$c" "$code" "${rps:--}" "${p50:--}" "${p90:--}" "${p99:--}" "${max:--}" "${n:--}" "${err:--}"
done
echo "err = responses >= 400 / socket errors and timeouts during the measurement"
echo "TSV: $TSV"
