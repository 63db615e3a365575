#!/usr/bin/env bash
# shellcheck disable=SC2329 # the stage functions are called through run_stage and trap
# The one command that runs every test:
#
#   bash scripts/test.sh
#
# Stages: Debian packages, debug build of the extension, static checks (rustfmt, clippy, php -l,
# phpcs), the private stack (scripts/stack.sh), cargo test (unit + database tests), PHPUnit tests in
# tests/php/, the HTTP suite (tests/http/run.sh) and, when OSTICKET_SRC is set, the real-osTicket suite
# (tests/osticket/run.sh: the HTTP suite against osTicket 1.18, the write adapter's checks in
# tests/osticket/writer-check.php, the admin page in headless Chromium, the plugin lifecycle, the
# upgrade from 2.3.4 with ORIGINAL_PLUGIN_SRC). Later stages still run after a failure where
# that makes sense; a table at the end shows every stage's result and every suite's count line, and the
# exit status is non-zero if any stage failed.
#
# Environment (besides the settings in scripts/lib.sh):
#   KEEP_STACK=1       leave MariaDB, php-fpm, nginx and Apache running afterwards (default: stop them)
#   OSTICKET_SRC=DIR   a checkout of osTicket v1.18.x: also run the real-osTicket suite
#   ORIGINAL_PLUGIN_SRC=DIR  the original API Endpoints plugin 2.3.4: the real-osTicket suite also
#                      tests the in-place upgrade from it (tests/osticket/upgrade.sh)
#   RELEASE_BUNDLE=F   the real-osTicket suite installs from this release bundle (scripts/release.sh)
#   CARGO_TEST_ARGS    extra arguments for `cargo test`, e.g. "--features embed"
#   REPORT_DIR         JUnit reports and logs (default $STATE_DIR/reports)
#   CI=true            build with --locked (Cargo.lock must be up to date)
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO" || exit 1

REPORT_DIR="${REPORT_DIR:-$STATE_DIR/reports}"
mkdir -p "$REPORT_DIR"

CARGO_FLAGS=()
if [ "${CI:-}" = true ]; then
  CARGO_FLAGS=(--locked)
fi

# What the Rust tests, PHP tests and HTTP suites use to reach the stack and the extension.
DATABASE_URL="$(db_url)"
OSTICKET_API_SO="$EXT_SO"
RUST_BACKTRACE="${RUST_BACKTRACE:-1}"
export DATABASE_URL OSTICKET_API_SO RUST_BACKTRACE REPORT_DIR
# The test stack's php-fpm pool lets debug builds force failures (X-Test-Fault, tests/http/DiagnosticsTest.php).
export OSTICKET_API_TEST_FAULTS=1

readonly SKIPPED=200 # a stage function returns this when it had nothing to do

STAGE_NO=0
STAGE_NAMES=()
STAGE_RESULTS=()
STAGE_TIMES=()
STAGE_NOTES=()
SUMMARIES=() # one-line test counts of each suite, repeated at the end
NOTE=""      # set by a stage function: the notes column of its row
BUILD_OK=0
STACK_OK=0
START_TIME=$SECONDS

fmt_time() {
  local s="$1"
  if ((s >= 60)); then
    printf '%dm%02ds' $((s / 60)) $((s % 60))
  else
    printf '%ds' "$s"
  fi
}

record() {
  STAGE_NAMES+=("$1")
  STAGE_RESULTS+=("$2")
  STAGE_TIMES+=("$(fmt_time "$3")")
  STAGE_NOTES+=("$4")
}

# run_stage NAME FUNCTION: banner, run, record PASS / FAIL / SKIP (FUNCTION returned $SKIPPED).
run_stage() {
  local name="$1" fn="$2" start=$SECONDS rc result
  STAGE_NO=$((STAGE_NO + 1))
  banner "[$STAGE_NO] $name"
  NOTE=""
  "$fn"
  rc=$?
  case "$rc" in
    0) result=PASS ;;
    "$SKIPPED") result=SKIP ;;
    *) result=FAIL ;;
  esac
  if [ "$result" = FAIL ] && [ -z "$NOTE" ]; then
    NOTE="exit status $rc"
  fi
  echo "---- $name: $result${NOTE:+ ($NOTE)}"
  record "$name" "$result" $((SECONDS - start)) "$NOTE"
}

# skip_because REASON: print and note why a stage did not run; returns $SKIPPED.
skip_because() {
  echo "skipped: $1"
  NOTE="$1"
  return "$SKIPPED"
}

# last_summary_line LOG: the last "N passed, N failed..." line a suite printed.
last_summary_line() {
  grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 | sed 's/\x1b\[[0-9;]*m//g; s/^[[:space:]]*//'
}

# source_files DIR... : NUL-separated *.php files under the given directories that git tracks or
# would track (untracked but not ignored); plain `find` outside a git checkout.
php_files() {
  local dirs=() d
  for d in "$@"; do
    [ -d "$d" ] && dirs+=("$d")
  done
  [ ${#dirs[@]} -gt 0 ] || return 0
  if git -c safe.directory="$REPO" -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -c safe.directory="$REPO" -C "$REPO" ls-files -z --cached --others --exclude-standard -- "${dirs[@]}" |
      while IFS= read -r -d '' f; do
        case "$f" in *.php) [ -f "$f" ] && printf '%s\0' "$f" ;; esac
      done
  else
    find "${dirs[@]}" -type f -name '*.php' -print0
  fi
}

# ---- stages ----------------------------------------------------------------------------------------

stage_deps() {
  bash scripts/deps.sh || return 1
  {
    cargo --version
    php -r 'echo "PHP ", PHP_VERSION, PHP_ZTS ? " ZTS" : " NTS", "\n";'
    mariadbd --version 2>/dev/null || /usr/sbin/mariadbd --version
    nginx -v 2>&1 || /usr/sbin/nginx -v 2>&1
    apache2 -v 2>&1 | head -n 1 || /usr/sbin/apache2 -v 2>&1 | head -n 1
  } 2>&1 | sed 's/^/  /'
  return 0
}

stage_build() {
  if ! cargo build --lib "${CARGO_FLAGS[@]}"; then
    NOTE="cargo build failed: later stages that need the extension are skipped"
    return 1
  fi
  if [ ! -f "$EXT_SO" ]; then
    NOTE="build succeeded but $EXT_SO does not exist"
    return 1
  fi
  BUILD_OK=1
  NOTE="$(basename "$EXT_SO"), $(du -h "$EXT_SO" | cut -f1)"
}

stage_fmt() {
  cargo fmt --all -- --check
}

stage_clippy() {
  cargo clippy --all-targets "${CARGO_FLAGS[@]}" -- -D warnings
}

stage_php_lint() {
  local files=() f out failed=0
  mapfile -d '' files < <(php_files php-plugin api tests scripts)
  if [ ${#files[@]} -eq 0 ]; then
    skip_because "no PHP files"
    return
  fi
  for f in "${files[@]}"; do
    if ! out="$(php -n -l "$f" 2>&1)"; then
      printf '%s\n' "$out"
      failed=$((failed + 1))
    fi
  done
  NOTE="${#files[@]} files, $failed with syntax errors"
  echo "$NOTE"
  [ "$failed" -eq 0 ]
}

stage_phpcs() {
  local dirs=() d standard="PSR12" files=()
  for d in php-plugin api tests; do
    mapfile -d '' files < <(php_files "$d")
    [ ${#files[@]} -gt 0 ] && dirs+=("$d")
  done
  if [ ${#dirs[@]} -eq 0 ]; then
    skip_because "no PHP files in php-plugin/, api/ or tests/"
    return
  fi
  [ -f phpcs.xml ] && standard="$REPO/phpcs.xml"
  echo "phpcs --standard=${standard#"$REPO"/} ${dirs[*]}"
  # --report-width: phpcs otherwise asks stty, which complains without a terminal.
  phpcs --standard="$standard" --extensions=php --report-width=120 -s "${dirs[@]}" </dev/null
}

stage_stack() {
  bash scripts/stack.sh start || {
    NOTE="stack.sh start failed: database and HTTP stages cannot pass"
    return 1
  }
  STACK_OK=1
}

stage_cargo_test() {
  local log="$REPORT_DIR/cargo-test.log" rc extra=() line
  [ "$BUILD_OK" = 1 ] || {
    skip_because "the build failed"
    return
  }
  [ "$STACK_OK" = 1 ] || echo "note: the stack did not start; database tests will fail"
  if [ -n "${CARGO_TEST_ARGS:-}" ]; then
    read -r -a extra <<<"$CARGO_TEST_ARGS"
  fi
  echo "DATABASE_URL=$DATABASE_URL OSTICKET_API_SO=$OSTICKET_API_SO"
  cargo test "${CARGO_FLAGS[@]}" "${extra[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # Sum the "test result: ok. 5 passed; 0 failed; 1 ignored; ..." lines of every test binary.
  line="$(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
    /^test result: / {
      for (i = 1; i <= NF; i++) {
        if ($(i + 1) ~ /^passed/) p += $i
        if ($(i + 1) ~ /^failed/) f += $i
        if ($(i + 1) ~ /^ignored/) g += $i
      }
      n++
    }
    END { printf "cargo test: %d passed, %d failed, %d ignored (%d test binaries)", p, f, g, n }')"
  echo "$line"
  SUMMARIES+=("$line")
  NOTE="${line#cargo test: }"
  return "$rc"
}

stage_phpunit() {
  local tests=() config=() junit="$REPORT_DIR/phpunit-php.xml" rc line
  if [ -d tests/php ]; then
    mapfile -d '' tests < <(find tests/php -type f \( -name '*Test.php' -o -name '*.phpt' \) -print0)
  fi
  if [ ${#tests[@]} -eq 0 ]; then
    skip_because "no tests in tests/php/"
    return
  fi
  [ "$BUILD_OK" = 1 ] || {
    skip_because "the build failed"
    return
  }
  if [ -f tests/php/phpunit.xml ]; then
    config=(-c tests/php/phpunit.xml)
  elif [ -f tests/php/phpunit.xml.dist ]; then
    config=(-c tests/php/phpunit.xml.dist)
  else
    config=(tests/php)
  fi
  rm -f "$junit"
  # phpunit's own -d only calls ini_set(), which cannot load an extension: load it on php's command line.
  php -d "extension=$EXT_SO" -d zend.assertions=1 -d assert.exception=1 "$(command -v phpunit)" \
    --log-junit "$junit" "${config[@]}" </dev/null
  rc=$?
  line="$(php scripts/junit-summary.php "$junit" "PHPUnit (tests/php)")"
  echo "$line"
  SUMMARIES+=("$line")
  NOTE="${line#*: }"
  return "$rc"
}

# run_suite_script NAME SCRIPT LOG [EXPECTED...]: run a suite's own runner, keep its output, note its
# summary line. Each EXPECTED is the prefix of a count line the suite must print ("<prefix>: N passed,
# N failed"); a missing one counts as a failure (a part of the suite that silently did not run).
run_suite_script() {
  local name="$1" script="$2" log="$3" rc line counted=() expected
  shift 3
  bash "$script" </dev/null 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line="$(last_summary_line "$log")"
  if [ -n "$line" ]; then
    # Every count line of the suite (e.g. the HTTP tests and the lifecycle checks).
    mapfile -t counted < <(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | sed 's/\x1b\[[0-9;]*m//g; s/^[[:space:]]*//')
    SUMMARIES+=("${counted[@]}")
    NOTE="$line"
  else
    NOTE="no 'N passed, N failed' line in its output"
    SUMMARIES+=("$name: $NOTE")
    [ "$rc" -eq 0 ] && rc=1
  fi
  for expected in "$@"; do
    if ! printf '%s\n' "${counted[@]}" | grep -qF -- "$expected: "; then
      echo "$name: no '$expected: N passed, N failed' line in its output"
      SUMMARIES+=("$expected: 0 passed, 1 failed (no count line in the output)")
      [ "$rc" -eq 0 ] && rc=1
    fi
  done
  return "$rc"
}

stage_http() {
  [ -f tests/http/run.sh ] || {
    skip_because "tests/http/run.sh does not exist"
    return
  }
  [ "$BUILD_OK" = 1 ] || {
    skip_because "the build failed"
    return
  }
  [ "$STACK_OK" = 1 ] || {
    skip_because "the stack did not start"
    return
  }
  # Through nginx, Apache, and Apache with the installation under /support/.
  run_suite_script "HTTP suite" tests/http/run.sh "$REPORT_DIR/http-suite.log" \
    "http (standin)" "http (standin, apache)" "http (standin, apache /support/)"
}

stage_osticket() {
  if [ -z "${OSTICKET_SRC:-}" ]; then
    echo "real-osTicket suite: skipped (OSTICKET_SRC is not set; osTicket is in no package registry this machine reaches)"
    NOTE="OSTICKET_SRC is not set"
    return "$SKIPPED"
  fi
  if [ ! -f tests/osticket/run.sh ]; then
    echo "real-osTicket suite: skipped (tests/osticket/run.sh does not exist)"
    NOTE="tests/osticket/run.sh does not exist"
    return "$SKIPPED"
  fi
  [ "$BUILD_OK" = 1 ] || {
    skip_because "the build failed"
    return
  }
  [ "$STACK_OK" = 1 ] || {
    skip_because "the stack did not start"
    return
  }
  export OSTICKET_SRC
  # The HTTP suite against real osTicket, the write adapter's checks, the plugin lifecycle.
  run_suite_script "real-osTicket suite" tests/osticket/run.sh "$REPORT_DIR/osticket-suite.log" \
    "http (real-osticket)" "http (real-osticket, apache)" "http (real-osticket, apache /support/)" \
    "real-osticket writer" "real-osticket lifecycle"
}

stop_stack() {
  if [ "${KEEP_STACK:-0}" = 1 ]; then
    log "KEEP_STACK=1: the stack keeps running (bash scripts/stack.sh stop)"
  else
    bash scripts/stack.sh stop || warn "stack.sh stop failed"
  fi
}

on_interrupt() {
  trap - INT TERM
  echo
  warn "interrupted"
  stop_stack
  exit 130
}
trap on_interrupt INT TERM

# ---- run -------------------------------------------------------------------------------------------

run_stage "deps" stage_deps
run_stage "build (cargo build --lib)" stage_build
run_stage "rustfmt" stage_fmt
run_stage "clippy" stage_clippy
run_stage "php -l" stage_php_lint
run_stage "phpcs" stage_phpcs
run_stage "stack start" stage_stack
run_stage "cargo test" stage_cargo_test
run_stage "PHPUnit (tests/php)" stage_phpunit
run_stage "HTTP suite (tests/http)" stage_http
run_stage "real-osTicket suite" stage_osticket

banner "stopping the stack"
stop_stack

banner "summary"
failed=0
printf '%-3s %-26s %-6s %7s  %s\n' '#' stage result time notes
for i in "${!STAGE_NAMES[@]}"; do
  printf '%-3s %-26s %-6s %7s  %s\n' "$((i + 1))" "${STAGE_NAMES[$i]}" "${STAGE_RESULTS[$i]}" \
    "${STAGE_TIMES[$i]}" "${STAGE_NOTES[$i]}"
  [ "${STAGE_RESULTS[$i]}" = FAIL ] && failed=$((failed + 1))
done
if [ ${#SUMMARIES[@]} -gt 0 ]; then
  echo
  printf '%s\n' "${SUMMARIES[@]}"
fi
echo
# Grand total of every count line above, last, in the plain form CI reads.
total_passed=0
total_failed=0
total_skipped=0
for line in "${SUMMARIES[@]}"; do
  if [[ "$line" =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ (skipped|ignored))? ]]; then
    total_passed=$((total_passed + BASH_REMATCH[1]))
    total_failed=$((total_failed + BASH_REMATCH[2]))
    total_skipped=$((total_skipped + ${BASH_REMATCH[4]:-0}))
  fi
done
if [ "$failed" -gt 0 ]; then
  echo "RESULT: FAILED ($failed of ${#STAGE_NAMES[@]} stages failed) in $(fmt_time $((SECONDS - START_TIME)))"
  echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped"
  exit 1
fi
if [ "$total_passed" -eq 0 ]; then
  echo "RESULT: FAILED (no test ran) in $(fmt_time $((SECONDS - START_TIME)))"
  echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped"
  exit 1
fi
echo "RESULT: PASSED in $(fmt_time $((SECONDS - START_TIME)))"
echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped"
exit 0
