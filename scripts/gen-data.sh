#!/usr/bin/env bash
# Fills an osTicket 1.18 database with realistic tickets for benchmarks, set-based in SQL:
#
#   gen-data.sh --db NAME --tickets N [options]
#
# Adds to what is there (a real osTicket install or the project's CI schema, tests/fixtures/schema.sql)
# without touching existing rows: reference data the generator needs (departments with
# sub-departments, agents, teams, SLAs, help topics, a status for every state, the ticket form) is
# created only when missing; new ids continue above the existing maximum of each table and their
# ranges are reserved through AUTO_INCREMENT; ticket numbers are unique digit strings above every
# existing numeric number.
#
# Per ticket: the ticket row (status of every state, department, topic, SLA, due dates, overdue
# flag, agent and team assignment, source, parent links through ticket_pid), the ticket form entry
# (subject, priority) and its ticket__cdata row, a thread (object_type 'T') with 1-20 entries
# (messages M from the user, responses R and internal notes N from agents; HTML or text), files for
# a small fraction of the entries (file + file_chunk rows in 500 KiB chunks, attachment rows of type
# 'H', some inline), the rows of osTicket's search index (<prefix>_search: 'T', 'H', 'U'), and, when
# the table exists, thread events (created, assigned, closed). Users come with an e-mail address.
#
# Rows are made by INSERT ... SELECT from MariaDB's Sequence engine (seq_1_to_N) in batches, one
# client session per batch; every value is a function of the ticket's index and --seed, so a run is
# reproducible on the same starting database. Indexes stay in place.
#
# Options:
#   --db NAME          database (default: $DB_NAME)                     [required]
#   --prefix P         osTicket's table prefix (default: $TABLE_PREFIX, else ost_)
#   --tickets N        tickets to add (default 1000)
#   --users N          users to add (default: tickets/5, at least 10)
#   --batch N          tickets per batch (default: tickets/10, between 1000 and 50000)
#   --years N          spread the creation dates over the last N years (default 3)
#   --seed S           varies the content between runs (default: the first new ticket id)
#   --no-search        do not write <prefix>_search rows
#   --no-events        do not write thread_event rows
#   --init-schema      create the database when missing and load tests/fixtures/schema.sql into it
#                      when it has no <prefix>ticket table (a scratch database for benchmarks)
#   --schema FILE      the schema file for --init-schema
#
# GEN_SQL_DIR=DIR keeps each batch's SQL there; GEN_PROFILE=1 prints the slow statements of each batch.
# Connection (scripts/lib.sh): 127.0.0.1:$DB_PORT (DB_HOST overrides), user $DB_USER / $DB_PASS.
# Run it while the helpdesk is quiet: entries, files and attachments take ids above the maxima
# read at the start of each batch.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/gen/pools.sh
source "$REPO/scripts/gen/pools.sh"

DB_HOST="${DB_HOST:-127.0.0.1}"
DB="${DB_NAME:-}"
P="${TABLE_PREFIX:-ost_}"
TICKETS=1000
USERS=""
BATCH=""
YEARS=3
SEED=""
WITH_SEARCH=1
WITH_EVENTS=1
INIT_SCHEMA=0
SCHEMA_FILE="$REPO/tests/fixtures/schema.sql"
CHUNK=512000 # osTicket's CHUNK_SIZE (500 KiB) for files kept in the database

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --db) DB="${2:?}"; shift 2 ;;
    --prefix) P="${2?}"; shift 2 ;;
    --tickets) TICKETS="${2:?}"; shift 2 ;;
    --users) USERS="${2:?}"; shift 2 ;;
    --batch) BATCH="${2:?}"; shift 2 ;;
    --years) YEARS="${2:?}"; shift 2 ;;
    --seed) SEED="${2:?}"; shift 2 ;;
    --no-search) WITH_SEARCH=0; shift ;;
    --no-events) WITH_EVENTS=0; shift ;;
    --init-schema) INIT_SCHEMA=1; shift ;;
    --schema) SCHEMA_FILE="${2:?}"; shift 2 ;;
    -h | --help) usage ;;
    *) log "unknown option: $1"; usage ;;
  esac
done

[ -n "$DB" ] || die "no database: pass --db NAME (or set DB_NAME)"
[[ "$DB" =~ ^[A-Za-z0-9_]+$ ]] || die "database name '$DB': letters, digits and _ only"
[[ "$P" =~ ^[A-Za-z0-9_]*$ ]] || die "table prefix '$P': letters, digits and _ only"
for v in TICKETS YEARS; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "--${v,,} must be a whole number"
done
((TICKETS >= 1)) || die "--tickets must be at least 1"
((YEARS >= 1)) || die "--years must be at least 1"
if [ -z "$USERS" ]; then
  USERS=$((TICKETS / 5))
  ((USERS >= 10)) || USERS=10
fi
[[ "$USERS" =~ ^[0-9]+$ ]] && ((USERS >= 1)) || die "--users must be at least 1"
if [ -z "$BATCH" ]; then
  BATCH=$((TICKETS / 10))
  ((BATCH >= 1000)) || BATCH=1000
  ((BATCH <= 50000)) || BATCH=50000
fi
[[ "$BATCH" =~ ^[0-9]+$ ]] && ((BATCH >= 1)) || die "--batch must be at least 1"
# Batches start at multiples of 50: a child ticket (index i) points to index i - i % 50.
BATCH=$(((BATCH + 49) / 50 * 50))

# ---- database access -------------------------------------------------------------------------------

# q [mariadb args...]: the mariadb client on the target database (SQL on stdin or -e).
q() {
  MYSQL_PWD="$DB_PASS" mariadb --no-defaults --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" \
    --default-character-set=utf8mb4 -N -B "$@"
}
qdb() { q "$DB" "$@"; }

# lit VALUE: VALUE as an SQL string literal.
lit() {
  local v="${1//\\/\\\\}"
  printf "'%s'" "${v//\'/\'\'}"
}

# elt EXPR ARRAY_NAME: SQL picking one element of the bash array by the integer EXPR.
elt() {
  local -n arr="$2"
  local out="ELT(1 + (($1) MOD ${#arr[@]})" s
  for s in "${arr[@]}"; do
    out+=", $(lit "$s")"
  done
  printf '%s)' "$out"
}

# Hashes: MD5 of the salted index, cut into 32-bit numbers (CRC32 would be cheaper, but it is
# linear, so fields taken from CRCs of neighbouring indexes come out correlated).
# H MD5_EXPR N: the N-th 32-bit number (0..3) of an MD5 hex string.
H() { printf 'CAST(CONV(SUBSTR(%s, %d, 8), 16, 10) AS UNSIGNED)' "$1" $((1 + 8 * $2)); }
# F HASH N: the N-th 10-bit field (0..2) of a 32-bit hash; B HASH N: the N-th 5-bit field (0..5).
F() { printf '((%s >> %d) & 1023)' "$1" $((10 * $2)); }
B() { printf '((%s >> %d) & 31)' "$1" $((5 * $2)); }

fmt_secs() {
  local s="$1"
  if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}
# now_ms: milliseconds since the epoch.
now_ms() { date +%s%3N; }
# human N: 1234567 -> 1.2M
human() {
  awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%.1fM", n / 1e6; else if (n >= 1e4) printf "%.0fk", n / 1e3;
    else if (n >= 1e3) printf "%.1fk", n / 1e3; else printf "%d", n }'
}

# ---- schema ----------------------------------------------------------------------------------------

if ((INIT_SCHEMA)); then
  q -e "CREATE DATABASE IF NOT EXISTS \`$DB\` CHARACTER SET utf8mb4" || die "cannot create database $DB"
  if [ -z "$(qdb -e "SHOW TABLES LIKE '${P}ticket'")" ]; then
    [ -f "$SCHEMA_FILE" ] || die "schema file $SCHEMA_FILE not found"
    log "loading $(basename "$SCHEMA_FILE") into $DB (prefix '$P')"
    sed "s/%TABLE_PREFIX%/$P/g" "$SCHEMA_FILE" | qdb || die "loading $SCHEMA_FILE failed"
  fi
fi

qdb -e 'SELECT 1' >/dev/null 2>&1 ||
  die "cannot reach database '$DB' on $DB_HOST:$DB_PORT as $DB_USER (stack running? bash scripts/stack.sh start)"
[ "$(qdb -e "SELECT COUNT(*) FROM seq_1_to_3")" = 3 ] ||
  die "MariaDB's Sequence engine (seq_1_to_N tables) is not available"

# COLS[table.column]=1 for every column; REQ[table]=columns that need a value (NOT NULL, no default).
declare -A COLS=() REQ=() TABLES=()
while IFS=$'\t' read -r tbl col req; do
  COLS["$tbl.$col"]=1
  TABLES["$tbl"]=1
  if [ "$req" = 1 ]; then REQ["$tbl"]+=" $col"; fi
done < <(qdb -e "SELECT SUBSTRING(TABLE_NAME, LENGTH($(lit "$P")) + 1), COLUMN_NAME,
    IS_NULLABLE = 'NO' AND COLUMN_DEFAULT IS NULL AND EXTRA NOT LIKE '%auto_increment%'
  FROM information_schema.COLUMNS
  WHERE TABLE_SCHEMA = DATABASE() AND LEFT(TABLE_NAME, LENGTH($(lit "$P"))) = $(lit "$P")")

has_table() { [ -n "${TABLES[$1]:-}" ]; }
has_col() { [ -n "${COLS[$1.$2]:-}" ]; }

for t in ticket thread thread_entry user user_email department staff team sla help_topic ticket_status \
  ticket_priority form form_field form_entry form_entry_values file file_chunk attachment; do
  has_table "$t" || die "table ${P}$t not found in $DB: not an osTicket 1.18 database (or wrong --prefix)"
done

# ins TABLE TAIL [COLUMN EXPR]...: INSERT INTO <table> (columns) SELECT exprs TAIL; columns the
# table lacks are left out (osTicket's schema has more than the CI schema), and every column that
# needs a value must be among the pairs.
ins() {
  local table="$1" tail="$2" c e
  shift 2
  local cols=() exprs=() given=" "
  while [ $# -gt 0 ]; do
    c="$1" e="$2"
    shift 2
    has_col "$table" "$c" || continue
    cols+=("\`$c\`")
    exprs+=("$e")
    given+="$c "
  done
  for c in ${REQ[$table]:-}; do
    [[ "$given" == *" $c "* ]] || {
      # Also inside a here-document, where a failing substitution goes unnoticed: the statement
      # below fails the batch with this message.
      log "ERROR: ${P}$table.$c is NOT NULL without a default and the generator has no value for it"
      printf "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'gen-data: no value for %s%s.%s';\n" "$P" "$table" "$c"
      return 1
    }
  done
  local IFS=,
  printf 'INSERT INTO `%s%s` (%s)\nSELECT %s\n%s;\nSET @rows = @rows + ROW_COUNT();\n' \
    "$P" "$table" "${cols[*]}" "${exprs[*]}" "$tail"
}

# ---- reference data --------------------------------------------------------------------------------

ref_sql() {
  local d name parent s first last dept t sla topic tdept tsla tprio tpname role
  echo "SET @rows = 0;"
  # A status for every state.
  local state sname sort=100
  for state in open closed archived deleted; do
    case "$state" in
      open) sname=Open ;; closed) sname=Closed ;; archived) sname=Archived ;; deleted) sname=Deleted ;;
    esac
    sort=$((sort + 1))
    ins ticket_status "FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM ${P}ticket_status WHERE state = '$state')
      AND NOT EXISTS (SELECT 1 FROM ${P}ticket_status WHERE name = '$sname')" \
      name "'$sname'" state "'$state'" mode 3 flags 0 sort "$sort" properties "'{}'" \
      created 'NOW()' updated 'NOW()'
  done
  # The four standard priorities.
  local pr
  for pr in "low/Low/#DDFFDD/4" "normal/Normal/#FFFFF0/3" "high/High/#FEE7E7/2" "emergency/Emergency/#FEE7E7/1"; do
    IFS=/ read -r pkey pdesc pcolor purg <<<"$pr"
    ins ticket_priority "FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM ${P}ticket_priority WHERE priority = '$pkey')" \
      priority "'$pkey'" priority_desc "'$pdesc'" priority_color "'$pcolor'" priority_urgency "$purg" ispublic 1
  done
  # SLAs.
  for s in "${SLAS[@]}"; do
    name="${s%/*}"
    ins sla "FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM ${P}sla WHERE name = $(lit "$name"))" \
      name "$(lit "$name")" grace_period "${s##*/}" flags 3 created 'NOW()' updated 'NOW()'
  done
  # Departments: top level first, then sub-departments; new rows get their path afterwards.
  for d in "${DEPARTMENTS[@]}"; do
    [[ "$d" == */* ]] && continue
    ins department "FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM ${P}department WHERE name = $(lit "$d") AND pid IS NULL)" \
      pid NULL name "$(lit "$d")" signature "''" flags 4 ispublic 1 path "'/gen-new/'" \
      created 'NOW()' updated 'NOW()'
  done
  for d in "${DEPARTMENTS[@]}"; do
    [[ "$d" == */* ]] || continue
    parent="${d%%/*}" name="${d#*/}"
    ins department "FROM ${P}department par WHERE par.name = $(lit "$parent") AND par.pid IS NULL
      AND NOT EXISTS (SELECT 1 FROM ${P}department x WHERE x.name = $(lit "$name") AND x.pid = par.id)
      ORDER BY par.id LIMIT 1" \
      pid par.id name "$(lit "$name")" signature "''" flags 4 ispublic 1 path "'/gen-new/'" \
      created 'NOW()' updated 'NOW()'
  done
  if has_col department path; then
    echo "UPDATE ${P}department SET path = CONCAT('/', id, '/') WHERE path = '/gen-new/' AND pid IS NULL;"
    echo "UPDATE ${P}department d JOIN ${P}department par ON par.id = d.pid
      SET d.path = CONCAT(par.path, d.id, '/') WHERE d.path = '/gen-new/';"
  fi
  # Agents.
  role=0
  has_table role && role="(SELECT COALESCE(MIN(id), 0) FROM ${P}role)"
  for s in "${STAFF[@]}"; do
    dept="${s#*/}" first="${s%% *}" last="${s%/*}"
    last="${last#* }"
    local uname
    uname="$(printf '%s.%s' "$first" "$last" | LC_ALL=C.UTF-8 iconv -f UTF-8 -t ASCII//TRANSLIT | tr -dc 'A-Za-z.' | tr 'A-Z' 'a-z')"
    ins staff "FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM ${P}staff WHERE username = $(lit "$uname"))" \
      dept_id "COALESCE((SELECT id FROM ${P}department WHERE name = $(lit "$dept") ORDER BY id LIMIT 1), 0)" \
      role_id "$role" username "$(lit "$uname")" firstname "$(lit "$first")" lastname "$(lit "$last")" \
      email "$(lit "$uname@helpdesk.example.com")" signature "''" isactive 1 created 'NOW()' updated 'NOW()'
  done
  # Teams, each with a few agents when the helpdesk has team_member.
  local ti=0
  for t in "${TEAMS[@]}"; do
    ins team "FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM ${P}team WHERE name = $(lit "$t"))" \
      name "$(lit "$t")" flags 1 lead_id 0 created 'NOW()' updated 'NOW()'
    if has_table team_member; then
      echo "INSERT INTO ${P}team_member (team_id, staff_id, flags)
        SELECT t.team_id, s.staff_id, 0 FROM ${P}team t
        JOIN (SELECT staff_id, ROW_NUMBER() OVER (ORDER BY staff_id) AS rn FROM ${P}staff WHERE isactive = 1) s
          ON s.rn % ${#TEAMS[@]} = $ti
        WHERE t.name = $(lit "$t") AND NOT EXISTS (SELECT 1 FROM ${P}team_member m WHERE m.team_id = t.team_id)
        LIMIT 4;"
    fi
    ti=$((ti + 1))
  done
  # Help topics (parent::child for sub-topics).
  for t in "${TOPICS[@]}"; do
    IFS=/ read -r topic tdept tsla tprio <<<"$t"
    local pid_expr=0 tname="$topic" cond="topic_pid = 0"
    if [[ "$topic" == *::* ]]; then
      tpname="${topic%%::*}" tname="${topic#*::}"
      pid_expr="COALESCE((SELECT topic_id FROM ${P}help_topic WHERE topic = $(lit "$tpname") AND topic_pid = 0 LIMIT 1), 0)"
      cond="topic_pid = $pid_expr"
    fi
    ins help_topic "FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM ${P}help_topic WHERE topic = $(lit "$tname") AND $cond)" \
      topic_pid "$pid_expr" topic "$(lit "$tname")" ispublic 1 flags 2 \
      dept_id "COALESCE((SELECT id FROM ${P}department WHERE name = $(lit "$tdept") ORDER BY id LIMIT 1), 0)" \
      sla_id "COALESCE((SELECT id FROM ${P}sla WHERE name = $(lit "$tsla")), 0)" \
      priority_id "COALESCE((SELECT priority_id FROM ${P}ticket_priority WHERE priority = $(lit "$tprio")), 0)" \
      created 'NOW()' updated 'NOW()'
  done
  # The ticket form with its subject and priority fields.
  ins form "FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM ${P}form WHERE type = 'T')" \
    type "'T'" title "'Ticket Details'" created 'NOW()' updated 'NOW()'
  local fname flabel ftype fsort
  for s in "subject/Issue Summary/text/1" "priority/Priority Level/priority/3"; do
    IFS=/ read -r fname flabel ftype fsort <<<"$s"
    ins form_field "FROM ${P}form f WHERE f.type = 'T'
      AND NOT EXISTS (SELECT 1 FROM ${P}form_field x WHERE x.form_id = f.id AND x.name = '$fname')
      ORDER BY f.id LIMIT 1" \
      form_id f.id type "'$ftype'" label "'$flabel'" name "'$fname'" sort "$fsort" \
      created 'NOW()' updated 'NOW()'
  done
  # osTicket's search index (MysqlSearchBackend creates it on first use, with this shape).
  if ((WITH_SEARCH)) && ! has_table _search; then
    echo "CREATE TABLE IF NOT EXISTS ${P}_search (
      object_type varchar(8) not null, object_id int(11) unsigned not null,
      title text collate utf8_general_ci, content text collate utf8_general_ci,
      primary key object (object_type, object_id), fulltext key search (title, content)
    ) ENGINE=InnoDB CHARSET=utf8;"
  fi
  echo "SELECT @rows;"
}

T0=$(now_ms)
log "database $DB (prefix '$P') on $DB_HOST:$DB_PORT: adding $TICKETS tickets, $USERS users, batches of $BATCH"
sql="$(ref_sql)" || die "cannot build the reference-data SQL"
ref_rows="$(qdb <<<"$sql")" || die "creating reference data failed"
if ((WITH_SEARCH)) && ! has_table _search; then
  TABLES[_search]=1
  for c in object_type object_id title content; do COLS["_search.$c"]=1; done
fi
log "reference data: $ref_rows row(s) added"

# Optional parts.
HAS_CDATA=0
if has_col ticket__cdata subject && has_col ticket__cdata priority; then HAS_CDATA=1; fi
((WITH_SEARCH)) || TABLES[_search]=""
HAS_EVENTS=0
if ((WITH_EVENTS)) && has_table thread_event && has_table event; then HAS_EVENTS=1; fi

# ---- starting point: id bases, number range, reference ids -----------------------------------------

IFS=$'\t' read -r TB HB FEB UB EMB MAXNUM TFORM F_SUBJ F_PRIO NOW < <(qdb -e "SELECT
  (SELECT COALESCE(MAX(ticket_id), 0) FROM ${P}ticket),
  (SELECT COALESCE(MAX(id), 0) FROM ${P}thread),
  (SELECT COALESCE(MAX(id), 0) FROM ${P}form_entry),
  (SELECT COALESCE(MAX(id), 0) FROM ${P}user),
  (SELECT COALESCE(MAX(id), 0) FROM ${P}user_email),
  (SELECT COALESCE(MAX(CAST(number AS UNSIGNED)), 0) FROM ${P}ticket WHERE number REGEXP '^[0-9]{1,18}\$'),
  (SELECT MIN(id) FROM ${P}form WHERE type = 'T'),
  (SELECT MIN(ff.id) FROM ${P}form_field ff JOIN ${P}form f ON f.id = ff.form_id AND f.type = 'T' WHERE ff.name = 'subject'),
  (SELECT MIN(ff.id) FROM ${P}form_field ff JOIN ${P}form f ON f.id = ff.form_id AND f.type = 'T' WHERE ff.name = 'priority'),
  DATE_FORMAT(NOW(), '%Y-%m-%d %H:%i:%s')")
[ -n "$F_SUBJ" ] && [ "$F_SUBJ" != NULL ] && [ "$F_PRIO" != NULL ] || die "the ticket form has no subject/priority field"
SEED="${SEED:-$((TB + 1))}"
SALT="$(lit "g$SEED:")"
# Numbers: NBASE + ((i * NP + NOFF) mod NM) is a permutation of [NBASE, NBASE + NM) for i < NM, NM a
# power of ten at least 10 x the ticket count, NBASE above every existing numeric number
NM=1000
while ((NM < TICKETS * 10)); do NM=$((NM * 10)); done
NBASE=$(((MAXNUM / NM + 1) * NM))
# ... and with more digits than the existing numbers (osTicket's default format is 6 random digits).
p10=1
while ((p10 <= MAXNUM)); do p10=$((p10 * 10)); done
((NBASE >= p10)) || NBASE=$p10
NP=7368787 # prime, so coprime with powers of ten
NOFF=$((SEED * 7919 % NM))
SPAN=$((YEARS * 365 * 86400))

# Reserve the id ranges that later rows refer to by formula (ticket, thread, form entry, user, e-mail).
qdb -e "ALTER TABLE ${P}ticket AUTO_INCREMENT = $((TB + TICKETS + 1));
  ALTER TABLE ${P}thread AUTO_INCREMENT = $((HB + TICKETS + 1));
  ALTER TABLE ${P}form_entry AUTO_INCREMENT = $((FEB + TICKETS + 1));
  ALTER TABLE ${P}user AUTO_INCREMENT = $((UB + USERS + 1));
  ALTER TABLE ${P}user_email AUTO_INCREMENT = $((EMB + USERS + 1));" || die "cannot reserve id ranges"

declare -A ADDED=()
add_counts() { # add_counts "k=v k=v ..."
  local kv
  for kv in $1; do
    ADDED["${kv%%=*}"]=$((${ADDED["${kv%%=*}"]:-0} + ${kv#*=}))
  done
}

# ---- users -----------------------------------------------------------------------------------------

UH="$(H "MD5(CONCAT($SALT, 'u', s.seq))" 0)"
user_name() { # user_name HASH_EXPR
  printf "CONCAT(%s, ' ', %s)" "$(elt "$1" FIRST_NAMES)" "$(elt "($1) DIV 128" LAST_NAMES)"
}
user_sql() { # user_sql LO HI
  local lo="$1" hi="$2" email
  email="CONCAT($(elt "$UH" EMAIL_FIRST), '.', $(elt "($UH) DIV 128" EMAIL_LAST), $UB + s.seq, '@', $(elt "($UH) DIV 16384" EMAIL_DOMAINS))"
  echo "SET @rows = 0;"
  ins user "FROM seq_${lo}_to_${hi} s" \
    id "$UB + s.seq" org_id 0 default_email_id "$EMB + s.seq" status 0 name "$(user_name "$UH")" \
    created "'$NOW' - INTERVAL $SPAN SECOND - INTERVAL (s.seq MOD 1000) HOUR" \
    updated "'$NOW' - INTERVAL $SPAN SECOND - INTERVAL (s.seq MOD 1000) HOUR"
  echo "SET @r_user = @rows, @rows = 0;"
  ins user_email "FROM seq_${lo}_to_${hi} s" \
    id "$EMB + s.seq" user_id "$UB + s.seq" flags 0 address "$email"
  echo "SET @r_email = @rows, @rows = 0;"
  if has_table _search; then
    ins _search "FROM ${P}user u JOIN ${P}user_email e ON e.id = u.default_email_id
      WHERE u.id BETWEEN $((UB + lo)) AND $((UB + hi))" \
      object_type "'U'" object_id u.id title u.name content e.address
  fi
  echo "SELECT CONCAT('user=', @r_user, ' user_email=', @r_email, ' _search=', @rows);"
}

UBATCH=100000
ub_total=$(((USERS + UBATCH - 1) / UBATCH))
for ((b = 0; b < ub_total; b++)); do
  lo=$((b * UBATCH + 1))
  hi=$(((b + 1) * UBATCH))
  ((hi <= USERS)) || hi=$USERS
  t1=$(now_ms)
  sql="$(user_sql "$lo" "$hi")" || die "cannot build the user SQL"
  out="$(qdb <<<"$sql")" || die "user batch $((b + 1)) failed"
  add_counts "$out"
  ms=$(($(now_ms) - t1))
  printf '[%s] users   batch %d/%d  %s/%s  %.1f s\n' "$(date +%H:%M:%S)" $((b + 1)) "$ub_total" \
    "$(human "$hi")" "$(human "$USERS")" "$(awk -v m="$ms" 'BEGIN{print m/1000}')" >&2
done

# ---- tickets ---------------------------------------------------------------------------------------

# Body of a thread entry (text); ge.* = entry, g.* = ticket, rs = agent of the entry.
E2='ge.eh2'
E3='ge.eh3'
sentences() { # sentences POOL COUNT_EXPR SLOTS
  local pool="$1" cnt="$2" slots="$3" k out
  out="CONCAT_WS(' ', $(elt "$(B "$E2" 0)" "$pool")"
  for ((k = 1; k < slots; k++)); do
    out+=", IF($cnt > $k, $(elt "$(B "$E2" "$k")" "$pool"), NULL)"
  done
  printf '%s)' "$out"
}
POSTER_USER="$(user_name g.uh)"
TXT="CASE ge.type
  WHEN 'M' THEN CONCAT($(elt "$(B "$E3" 1)" MSG_GREETING), '\n\n', $(sentences MSG_SENTENCES "(1 + $(B "$E3" 0) MOD 5)" 5),
    '\n\n', $(elt "$(B "$E2" 5)" MSG_CLOSING), '\n', $POSTER_USER)
  WHEN 'R' THEN CONCAT($(elt "$(B "$E3" 1)" RESP_GREETING), '\n\n', $(sentences RESP_SENTENCES "(1 + $(B "$E3" 0) MOD 4)" 4),
    '\n\n', $(elt "$(B "$E2" 5)" RESP_CLOSING), '\n', rs.firstname, ' ', rs.lastname)
  ELSE $(sentences NOTE_SENTENCES "(1 + $(B "$E3" 0) MOD 2)" 2)
END"
BODY="IF(ge.html, CONCAT('<p>', REPLACE(REPLACE($TXT, '\n\n', '</p><p>'), '\n', '<br />'), '</p>'), $TXT)"
PNG_HEX='89504E470D0A1A0A0000000D494844520000001000000010080200000090916836000000097048597300000EC400000EC401952B0E1B0000001D4944415428CF63646068106060201EB1300830900446358C6A183A1A001E0A029E602D4C6D0000000049454E44AE426082'

# The run's clock as SQL datetime literals (user variables would turn datetimes into strings).
NOWX="TIMESTAMP'$NOW'"
STARTX="(TIMESTAMP'$NOW' - INTERVAL $SPAN SECOND)"

b64url() { printf "REPLACE(REPLACE(REPLACE(TO_BASE64(%s), '=', ''), '+', '-'), '/', '_')" "$1"; }

ticket_sql() { # ticket_sql LO HI
  local lo="$1" hi="$2"
  cat <<SQL
SET SESSION max_heap_table_size = 1073741824, tmp_table_size = 1073741824;
SET @rows = 0;

-- Reference sets, numbered from 0 for picking by hash.
CREATE TEMPORARY TABLE rd (PRIMARY KEY (k)) ENGINE=MEMORY
  SELECT CAST(ROW_NUMBER() OVER (ORDER BY id) - 1 AS UNSIGNED) AS k, id FROM ${P}department
  WHERE (flags & 4) OR NOT EXISTS (SELECT 1 FROM ${P}department WHERE flags & 4);
CREATE TEMPORARY TABLE rs (PRIMARY KEY (k), KEY (id)) ENGINE=MEMORY
  SELECT CAST(ROW_NUMBER() OVER (ORDER BY staff_id) - 1 AS UNSIGNED) AS k, staff_id AS id,
    COALESCE(firstname, '') AS firstname, COALESCE(lastname, '') AS lastname, username
  FROM ${P}staff WHERE isactive = 1;
CREATE TEMPORARY TABLE rt (PRIMARY KEY (k)) ENGINE=MEMORY
  SELECT CAST(ROW_NUMBER() OVER (ORDER BY team_id) - 1 AS UNSIGNED) AS k, team_id AS id FROM ${P}team;
CREATE TEMPORARY TABLE rsla (PRIMARY KEY (k)) ENGINE=MEMORY
  SELECT CAST(ROW_NUMBER() OVER (ORDER BY id) - 1 AS UNSIGNED) AS k, id, grace_period AS grace FROM ${P}sla;
CREATE TEMPORARY TABLE rtop (PRIMARY KEY (k)) ENGINE=MEMORY
  SELECT CAST(ROW_NUMBER() OVER (ORDER BY topic_id) - 1 AS UNSIGNED) AS k, topic_id AS id FROM ${P}help_topic;
CREATE TEMPORARY TABLE rst (PRIMARY KEY (state, k)) ENGINE=MEMORY
  SELECT CAST(state AS CHAR(16)) AS state, CAST(ROW_NUMBER() OVER (PARTITION BY state ORDER BY sort, id) - 1 AS UNSIGNED) AS k,
    id, name FROM ${P}ticket_status WHERE state IN ('open', 'closed', 'archived', 'deleted');
CREATE TEMPORARY TABLE rstc (PRIMARY KEY (state)) ENGINE=MEMORY SELECT state, COUNT(*) AS c FROM rst GROUP BY state;
CREATE TEMPORARY TABLE rp (PRIMARY KEY (pkey)) ENGINE=MEMORY
  SELECT CAST(priority AS CHAR(60)) AS pkey, priority_id AS id, priority_desc AS pdesc FROM ${P}ticket_priority;
SELECT COUNT(*) INTO @nd FROM rd;
SELECT COUNT(*) INTO @ns FROM rs;
SELECT COUNT(*) INTO @nt FROM rt;
SELECT COUNT(*) INTO @nsla FROM rsla;
SELECT COUNT(*) INTO @ntop FROM rtop;
SELECT MIN(priority_id), MIN(priority_desc) INTO @pdef, @pdefdesc FROM ${P}ticket_priority;

-- Tickets: hashes, then derived attributes in two steps, then the thread-entry offsets.
CREATE TEMPORARY TABLE gm (PRIMARY KEY (i)) ENGINE=MEMORY
SELECT s.seq AS i, CAST(MD5(CONCAT($SALT, 'a', s.seq)) AS CHAR(32)) AS m1,
  CAST(MD5(CONCAT($SALT, 'b', s.seq)) AS CHAR(32)) AS m2, CAST(MD5(CONCAT($SALT, 'c', s.seq)) AS CHAR(32)) AS m3
FROM seq_${lo}_to_${hi} s;
CREATE TEMPORARY TABLE g0 (PRIMARY KEY (i)) ENGINE=MEMORY
SELECT i, $(H m1 0) AS h1, $(H m1 1) AS h2, $(H m1 2) AS h3, $(H m1 3) AS h4, $(H m2 0) AS h5, $(H m2 1) AS h6,
  $(H m2 2) AS h7, $(H m2 3) AS h8, $(H m3 0) AS h9
FROM gm;

CREATE TEMPORARY TABLE g1 (PRIMARY KEY (i)) ENGINE=MEMORY
SELECT x.*,
  CAST(CASE
    WHEN $(F x.h1 0) MOD 100 < IF(x.i > $TICKETS * 0.97, 70, 6) THEN 'open'
    WHEN $(F x.h1 0) MOD 100 < IF(x.i > $TICKETS * 0.97, 73, 9) THEN 'archived'
    WHEN $(F x.h1 0) MOD 100 < IF(x.i > $TICKETS * 0.97, 75, 11) THEN 'deleted'
    ELSE 'closed' END AS CHAR(16)) AS state,
  LEAST($STARTX + INTERVAL (FLOOR((x.i - 1) * $SPAN / $TICKETS) + $(F x.h5 0) * 3) SECOND,
    $NOWX - INTERVAL 2 HOUR) AS tc,
  3600 * (1 + $(F x.h5 1) MOD 47) + $(F x.h5 2) * 3 AS gap,
  1 + FLOOR(19.99 * POW($(F x.h1 2) / 1024, 4)) AS n0,
  rd.id AS dept_id,
  IF($(F x.h2 1) MOD 10 = 0, 0, COALESCE(rtop.id, 0)) AS topic_id,
  IF($(F x.h3 1) MOD 100 < 15, COALESCE(rt.id, 0), 0) AS team_id,
  COALESCE(rp.id, @pdef) AS priority_id, CAST(COALESCE(rp.pdesc, @pdefdesc) AS CHAR(30)) AS priority_desc,
  CAST(CASE WHEN $(F x.h4 1) MOD 100 < 40 THEN 'Email' WHEN $(F x.h4 1) MOD 100 < 80 THEN 'Web'
    WHEN $(F x.h4 1) MOD 100 < 90 THEN 'API' WHEN $(F x.h4 1) MOD 100 < 97 THEN 'Phone'
    ELSE 'Other' END AS CHAR(8)) AS source,
  IF($(F x.h6 2) MOD 10 < 8, COALESCE(rsla.id, 0), 0) AS sla_id, COALESCE(rsla.grace, 0) AS grace,
  1 + x.h7 MOD $USERS AS uk,
  $(H "MD5(CONCAT($SALT, 'u', 1 + x.h7 MOD $USERS))" 0) AS uh,
  $UB + 1 + x.h7 MOD $USERS AS user_id,
  CAST(CONCAT($(elt "$(F x.h6 0)" SUBJ_PROBLEM), ' ', $(elt "$(F x.h6 1)" SUBJ_OBJECT),
    $(elt "$(F x.h3 0)" SUBJ_QUALIFIER)) AS CHAR(255)) AS subject,
  CAST($NBASE + ((x.i * $NP + $NOFF) MOD $NM) AS CHAR(20)) AS number
FROM g0 x
JOIN rd ON rd.k = $(F x.h2 0) MOD @nd
LEFT JOIN rtop ON rtop.k = $(F x.h2 1) MOD @ntop
LEFT JOIN rt ON rt.k = $(F x.h3 2) MOD @nt
LEFT JOIN rsla ON rsla.k = $(F x.h4 2) MOD @nsla
LEFT JOIN rp ON rp.pkey = CASE WHEN $(F x.h4 0) MOD 100 < 20 THEN 'low' WHEN $(F x.h4 0) MOD 100 < 80 THEN 'normal'
  WHEN $(F x.h4 0) MOD 100 < 95 THEN 'high' ELSE 'emergency' END;

CREATE TEMPORARY TABLE g2 (PRIMARY KEY (i)) ENGINE=MEMORY
SELECT y.*,
  IF(y.state = 'open', $(F y.h1 1) MOD 100 < 45, $(F y.h1 1) MOD 100 < 92) AS answered,
  rst.id AS status_id, CAST(rst.name AS CHAR(60)) AS status_name,
  IF($(F y.h2 2) MOD 100 < IF(y.state = 'open', 55, 80), COALESCE(rs.id, 0), 0) AS staff_id,
  IF($(F y.h8 1) MOD 10 = 0, y.tc + INTERVAL (1 + $(F y.h8 2) MOD 14) DAY, NULL) AS due0,
  IF(y.sla_id > 0, y.tc + INTERVAL y.grace HOUR, NULL) AS est0,
  IF(y.source IN ('Web', 'API'), CONCAT('10.', y.h7 MOD 256, '.', (y.h7 DIV 256) MOD 256, '.', 1 + (y.h7 DIV 65536) MOD 254), '') AS ip,
  IF(y.i > 50 AND y.i MOD 50 BETWEEN 1 AND 3 AND $(F y.h9 1) MOD 10 < 6, $TB + y.i - y.i MOD 50, NULL) AS ticket_pid
FROM g1 y
JOIN rstc ON rstc.state = y.state
JOIN rst ON rst.state = y.state AND rst.k = $(F y.h9 2) MOD rstc.c
LEFT JOIN rs ON rs.k = $(F y.h8 0) MOD @ns;

CREATE TEMPORARY TABLE g (PRIMARY KEY (i)) ENGINE=MEMORY
SELECT z.*, CAST(SUM(z.n) OVER (ORDER BY z.i) - z.n AS UNSIGNED) AS e_off FROM (
  SELECT w.*, $TB + w.i AS ticket_id, $HB + w.i AS thread_id, $FEB + w.i AS fe_id,
    IF(w.answered AND w.n0 < 2, 2, w.n0) AS n,
    LEAST(w.tc + INTERVAL (IF(w.answered AND w.n0 < 2, 2, w.n0) - 1) * w.gap SECOND, $NOWX) AS last,
    IF(w.state IN ('closed', 'archived'),
      LEAST(w.tc + INTERVAL (IF(w.answered AND w.n0 < 2, 2, w.n0) - 1) * w.gap SECOND, $NOWX), NULL) AS closed,
    COALESCE(w.state = 'open' AND COALESCE(w.due0, w.est0) < $NOWX AND $(F w.h9 0) MOD 10 < 8, 0) AS isoverdue
  FROM g2 w) z;

SELECT COALESCE(MAX(id), 0) INTO @eb FROM ${P}thread_entry;
SELECT COALESCE(MAX(id), 0) INTO @fb FROM ${P}file;
SELECT COALESCE(MAX(id), 0) INTO @ab FROM ${P}attachment;

-- Thread entries: hashes first, then type, agent, format and attachment count.
CREATE TEMPORARY TABLE ge0 (PRIMARY KEY (id)) ENGINE=MEMORY
SELECT @eb + g.e_off + s.seq AS id, g.i, s.seq AS k, @eb + g.e_off + 1 AS first_id,
  CAST(MD5(CONCAT($SALT, 'E', g.i, ':', s.seq)) AS CHAR(32)) AS em,
  LEAST(g.tc + INTERVAL (s.seq - 1) * g.gap SECOND, $NOWX) AS created
FROM g JOIN seq_1_to_20 s ON s.seq <= g.n;

CREATE TEMPORARY TABLE ge1 (PRIMARY KEY (id)) ENGINE=MEMORY
SELECT id, i, k, first_id, created, $(H em 0) AS eh, $(H em 1) AS eh2, $(H em 2) AS eh3 FROM ge0;

CREATE TEMPORARY TABLE ge (PRIMARY KEY (id), KEY (i)) ENGINE=MEMORY
SELECT e.*,
  CAST(CASE WHEN e.k = 1 THEN 'M' WHEN e.k = 2 AND g.answered THEN 'R'
    WHEN $(F e.eh 0) MOD 100 < 15 THEN 'N' WHEN g.answered AND e.k MOD 2 = 0 THEN 'R' ELSE 'M' END AS CHAR(1)) AS type,
  $(F e.eh 1) MOD 100 < 85 AS html,
  CASE WHEN $(F e.eh 2) < 16 THEN 1 WHEN $(F e.eh 2) < 20 THEN 2 ELSE 0 END AS natt,
  IF(g.staff_id > 0, g.staff_id, rs.id) AS agent_id
FROM ge1 e JOIN g ON g.i = e.i LEFT JOIN rs ON rs.k = (e.eh DIV 1024) MOD @ns;
SET @ne = (SELECT COUNT(*) FROM ge);

$(ins ticket "FROM g" \
  ticket_id g.ticket_id ticket_pid g.ticket_pid number g.number user_id g.user_id user_email_id 0 \
  status_id g.status_id dept_id g.dept_id sla_id g.sla_id topic_id g.topic_id staff_id g.staff_id \
  team_id g.team_id email_id 0 lock_id 0 flags 0 sort 0 ip_address g.ip source g.source \
  isoverdue g.isoverdue isanswered g.answered \
  duedate "IF(g.closed IS NOT NULL AND g.due0 <= g.closed, NULL, g.due0)" \
  est_duedate "IF(g.closed IS NOT NULL AND g.est0 <= g.closed, NULL, g.est0)" \
  reopened NULL closed g.closed lastupdate g.last created g.tc updated g.last)
SET @r_ticket = @rows, @rows = 0;

$(ins thread "FROM g JOIN ge ON ge.i = g.i GROUP BY g.i" \
  id "MIN(g.thread_id)" object_id "MIN(g.ticket_id)" object_type "'T'" \
  lastresponse "MAX(IF(ge.type = 'R', ge.created, NULL))" lastmessage "MAX(IF(ge.type = 'M', ge.created, NULL))" \
  created "MIN(g.tc)")
SET @r_thread = @rows, @rows = 0;

$(ins thread_entry "FROM ge JOIN g ON g.i = ge.i LEFT JOIN rs ON rs.id = ge.agent_id" \
  id ge.id pid "IF(ge.type = 'R', ge.first_id, 0)" thread_id g.thread_id \
  staff_id "IF(ge.type = 'M', 0, COALESCE(ge.agent_id, 0))" user_id "IF(ge.type = 'M', g.user_id, 0)" \
  type ge.type flags "IF(ge.k = 1, 1, 0) | IF(ge.html, 64, 0)" \
  poster "IF(ge.type = 'M', $POSTER_USER, CONCAT(rs.firstname, ' ', rs.lastname))" \
  source "IF(ge.type = 'M', IF(ge.k = 1, g.source, IF(g.source = 'Web', 'Web', 'Email')), '')" \
  title "CASE WHEN ge.k = 1 THEN g.subject WHEN ge.type = 'N' THEN $(elt "$(F ge.eh3 2)" NOTE_TITLES) ELSE NULL END" \
  body "$BODY" format "IF(ge.html, 'html', 'text')" ip_address "IF(ge.type = 'M', g.ip, '')" \
  created ge.created updated ge.created)
SET @r_entry = @rows, @rows = 0;

$(ins form_entry "FROM g" \
  id g.fe_id form_id "$TFORM" object_id g.ticket_id object_type "'T'" sort 1 created g.tc updated g.tc)
SET @r_fe = @rows, @rows = 0;
$(ins form_entry_values "FROM g" entry_id g.fe_id field_id "$F_SUBJ" value g.subject value_id NULL)
$(ins form_entry_values "FROM g" entry_id g.fe_id field_id "$F_PRIO" value g.priority_desc value_id g.priority_id)
SET @r_fev = @rows, @rows = 0;
$(if ((HAS_CDATA)); then
  ins ticket__cdata "FROM g" ticket_id g.ticket_id subject g.subject priority "CAST(g.priority_id AS CHAR)"
fi)
SET @r_cdata = @rows, @rows = 0;

-- Files: contents made in SQL, hashed like AttachmentFile::_getKeyAndHash, cut into chunks.
CREATE TEMPORARY TABLE ga0 (PRIMARY KEY (rn)) ENGINE=MEMORY
SELECT CAST(ROW_NUMBER() OVER (ORDER BY ge.id, s.seq) AS UNSIGNED) AS rn, ge.id AS entry_id, ge.html, ge.created,
  $(H "MD5(CONCAT($SALT, 'x', ge.id, ':', s.seq))" 0) AS ah
FROM ge JOIN seq_1_to_2 s ON s.seq <= ge.natt;

CREATE TEMPORARY TABLE ga1 ENGINE=Aria
SELECT @fb + a.rn AS fid, @ab + a.rn AS aid, a.entry_id, a.ah,
  CASE WHEN $(F a.ah 0) MOD 1000 < 400 THEN 0 WHEN $(F a.ah 0) MOD 1000 < 600 THEN 1
    WHEN $(F a.ah 0) MOD 1000 < 800 THEN 2 WHEN $(F a.ah 0) MOD 1000 < 999 THEN 3 ELSE 4 END AS kind,
  a.html AND $(F a.ah 0) MOD 1000 BETWEEN 400 AND 599 AND $(F a.ah 2) MOD 2 = 0 AS inl, a.created
FROM ga0 a;

CREATE TEMPORARY TABLE ga ENGINE=Aria
SELECT b.*, ELT(b.kind + 1, 'text/plain', 'image/png', 'text/csv', 'text/plain', 'application/octet-stream') AS mime,
  ELT(b.kind + 1, $(elt "$(F b.ah 1)" LOGNAMES), $(elt "$(F b.ah 1)" PNGNAMES), $(elt "$(F b.ah 1)" CSVNAMES),
    $(elt "$(F b.ah 1)" TXTNAMES), 'diagnostics.bin') AS fname,
  CASE b.kind
    WHEN 0 THEN REPEAT(CONCAT(DATE_FORMAT(b.created, '%Y-%m-%d %H:%i:%s'), ' ERROR [worker-', $(F b.ah 1) MOD 16,
      '] request ', b.fid, ' failed: connection reset by peer\n'), 3 + $(F b.ah 2) MOD 60)
    WHEN 1 THEN UNHEX('$PNG_HEX')
    WHEN 2 THEN CONCAT('id;date;item;amount\n', REPEAT(CONCAT(b.fid, ';', DATE(b.created), ';item-', $(F b.ah 1), ';',
      $(F b.ah 2), '.00\n'), 2 + $(F b.ah 2) MOD 40))
    WHEN 3 THEN CONCAT('Notes for request ', b.fid, '\n\n',
      REPEAT('The quick brown fox jumps over the lazy dog.\n', 1 + $(F b.ah 1) MOD 30))
    ELSE REPEAT(UNHEX(SHA2(CONCAT($SALT, 'big', b.fid), 512)), 8192 + $(F b.ah 1) * 16)
  END AS data
FROM ga1 b;

$(ins file "FROM (SELECT fid, mime, fname, created, LENGTH(data) AS size,
    $(b64url "UNHEX(SHA1(data))") AS sha1b, $(b64url "UNHEX(MD5(data))") AS md5b,
    $(b64url "UNHEX(SHA1(CONCAT($SALT, 'key', fid)))") AS pre FROM ga) h" \
  id h.fid ft "'T'" bk "'D'" type h.mime size h.size key "CONCAT(LEFT(h.pre, 5), h.sha1b)" \
  signature "CONCAT(LEFT(h.sha1b, 16), LEFT(h.md5b, 16))" name h.fname attrs NULL created h.created)
SET @r_file = @rows, @rows = 0;
$(ins file_chunk "FROM ga JOIN seq_1_to_64 s ON (s.seq - 1) * $CHUNK < LENGTH(ga.data)" \
  file_id ga.fid chunk_id "s.seq - 1" filedata "SUBSTRING(ga.data, (s.seq - 1) * $CHUNK + 1, $CHUNK)")
SET @r_chunk = @rows, @rows = 0;
$(ins attachment "FROM ga" \
  id ga.aid object_id ga.entry_id type "'H'" file_id ga.fid name NULL inline ga.inl lang NULL)
SET @r_att = @rows, @rows = 0;

SET @r_search = 0;

$(if ((HAS_EVENTS)); then
  ins thread_event "FROM g JOIN ${P}event ev ON ev.name = 'created'" \
    thread_id g.thread_id thread_type "'T'" event_id ev.id staff_id 0 team_id 0 dept_id g.dept_id \
    topic_id g.topic_id data NULL username "'SYSTEM'" uid g.user_id uid_type "'U'" annulled 0 timestamp g.tc
  ins thread_event "FROM g JOIN ${P}event ev ON ev.name = 'assigned' JOIN rs ON rs.id = g.staff_id WHERE g.staff_id > 0" \
    thread_id g.thread_id thread_type "'T'" event_id ev.id staff_id g.staff_id team_id g.team_id dept_id g.dept_id \
    topic_id g.topic_id data "CONCAT('{\"staff\":[', g.staff_id, ',\"', rs.firstname, ' ', rs.lastname, '\"]}')" \
    username "'SYSTEM'" uid NULL uid_type "'S'" annulled 0 timestamp "g.tc + INTERVAL 5 MINUTE"
  ins thread_event "FROM g JOIN ${P}event ev ON ev.name = 'closed' LEFT JOIN rs ON rs.id = g.staff_id WHERE g.closed IS NOT NULL" \
    thread_id g.thread_id thread_type "'T'" event_id ev.id staff_id g.staff_id team_id g.team_id dept_id g.dept_id \
    topic_id g.topic_id data "CONCAT('{\"status\":[', g.status_id, ',\"', g.status_name, '\"]}')" \
    username "COALESCE(rs.username, 'SYSTEM')" uid "NULLIF(g.staff_id, 0)" uid_type "'S'" annulled 0 timestamp g.closed
fi)
SET @r_event = @rows, @rows = 0;

SELECT CONCAT('ticket=', @r_ticket, ' thread=', @r_thread, ' thread_entry=', @r_entry, ' form_entry=', @r_fe,
  ' form_entry_values=', @r_fev, ' ticket__cdata=', @r_cdata, ' file=', @r_file, ' file_chunk=', @r_chunk,
  ' attachment=', @r_att, ' _search=', @r_search, ' thread_event=', @r_event, ' @eb=', @eb, ' @ne=', @ne);
SQL
}

# search_sql: the search-index rows ('T', 'H') of a batch's tickets and thread entries, written in a
# second session while the next batch is generated: InnoDB's FULLTEXT upkeep is the most expensive
# part of a batch, and the machine has a second core for it.
search_sql() { # search_sql FIRST_TICKET LAST_TICKET FIRST_ENTRY LAST_ENTRY
  echo "SET @rows = 0;"
  ins _search "FROM ${P}ticket t JOIN ${P}form_entry_values v ON v.entry_id = t.ticket_id + $((FEB - TB))
      AND v.field_id = $F_SUBJ
    WHERE t.ticket_id BETWEEN $1 AND $2" \
    object_type "'T'" object_id t.ticket_id title "CONCAT(t.number, ' ', v.value)" content v.value
  ins _search "FROM ${P}thread_entry e WHERE e.id BETWEEN $3 AND $4" \
    object_type "'H'" object_id e.id title "COALESCE(e.title, '')" \
    content "IF(e.format = 'html', REPLACE(REPLACE(REPLACE(e.body, '<p>', ''), '</p>', '\n'), '<br />', '\n'), e.body)"
  echo "SELECT CONCAT('_search=', @rows);"
}

LOGNAMES=(error.log server.log install.log sync.log)
PNGNAMES=(screenshot.png image001.png photo.png error-dialog.png)
CSVNAMES=(export.csv report.csv invoice-items.csv users.csv)
TXTNAMES=(notes.txt config.txt readme.txt output.txt)

SEARCH_PID=""
SEARCH_OUT="$(mktemp)"
trap 'rm -f "$SEARCH_OUT"' EXIT
# search_wait: wait for the running search-index job and count its rows.
SEARCH_WAIT_MS=0
search_wait() {
  [ -n "$SEARCH_PID" ] || return 0
  local t
  t=$(now_ms)
  wait "$SEARCH_PID" || die "search-index job failed: $(grep -m1 '^ERROR' "$SEARCH_OUT" || cat "$SEARCH_OUT")"
  SEARCH_WAIT_MS=$((SEARCH_WAIT_MS + $(now_ms) - t))
  SEARCH_PID=""
  add_counts "$(cat "$SEARCH_OUT")"
}

nb=$(((TICKETS + BATCH - 1) / BATCH))
T1=$(now_ms)
for ((b = 0; b < nb; b++)); do
  lo=$((b * BATCH + 1))
  hi=$(((b + 1) * BATCH))
  ((hi <= TICKETS)) || hi=$TICKETS
  t1=$(now_ms)
  sql="$(ticket_sql "$lo" "$hi")" || die "cannot build the ticket SQL"
  if [ -n "${GEN_SQL_DIR:-}" ]; then mkdir -p "$GEN_SQL_DIR" && printf '%s\n' "$sql" >"$GEN_SQL_DIR/batch-$((b + 1)).sql"; fi
  if [ -n "${GEN_PROFILE:-}" ]; then
    sql="SET profiling = 1, profiling_history_size = 100;"$'\n'"$sql"$'\n'"SHOW PROFILES;"
  fi
  if ! out="$(qdb <<<"$sql" 2>&1)"; then
    mkdir -p "$STATE_DIR/gen"
    printf '%s\n' "$sql" >"$STATE_DIR/gen/failed-batch.sql"
    die "ticket batch $((b + 1)) failed: $(grep -m1 '^ERROR' <<<"$out" || echo "$out") (SQL kept in $STATE_DIR/gen/failed-batch.sql)"
  fi
  if [ -n "${GEN_PROFILE:-}" ]; then
    awk -F'\t' 'NF == 3 && $2 >= 0.05 { printf "    %7.2f s  %s\n", $2, substr($3, 1, 90) }' <<<"$out" >&2
    out="$(grep '^ticket=' <<<"$out")"
  fi
  eb=0 ne=0
  for kv in $out; do
    case "$kv" in @eb=*) eb="${kv#*=}" ;; @ne=*) ne="${kv#*=}" ;; esac
  done
  out="$(tr ' ' '\n' <<<"$out" | grep -v '^@')"
  add_counts "$out"
  if has_table _search && ((ne > 0)); then
    search_wait
    sql="$(search_sql $((TB + lo)) $((TB + hi)) $((eb + 1)) $((eb + ne)))" || die "cannot build the search-index SQL"
    qdb <<<"$sql" >"$SEARCH_OUT" 2>&1 &
    SEARCH_PID=$!
  fi
  now=$(now_ms)
  ms=$((now - t1))
  rows=0
  for t in "${!ADDED[@]}"; do rows=$((rows + ADDED[$t])); done
  done_t=$hi
  el=$(((now - T1) / 1000))
  eta=$(((now - T1) * (TICKETS - done_t) / done_t / 1000))
  printf '[%s] tickets batch %d/%d  %s/%s  %.1f s  %s tickets/s  (%s rows/s so far)  elapsed %s  ETA %s\n' \
    "$(date +%H:%M:%S)" $((b + 1)) "$nb" "$(human "$done_t")" "$(human "$TICKETS")" \
    "$(awk -v m="$ms" 'BEGIN{print m/1000}')" "$(human $(((hi - lo + 1) * 1000 / (ms > 0 ? ms : 1))))" \
    "$(human $((rows * 1000 / (now - T0))))" "$(fmt_secs "$el")" "$(fmt_secs "$eta")" >&2
done
if [ -n "$SEARCH_PID" ]; then
  log "waiting for the search index of the last batch"
  search_wait
fi
GEN_MS=$(($(now_ms) - T0))

# ---- summary ---------------------------------------------------------------------------------------

count_sql="SELECT 'x', 0"
for t in user user_email ticket thread thread_entry form_entry form_entry_values ticket__cdata file file_chunk \
  attachment _search thread_event; do
  has_table "$t" && count_sql+=" UNION ALL SELECT '$t', COUNT(*) FROM ${P}$t"
done
declare -A TOTAL=()
while IFS=$'\t' read -r t c; do TOTAL["$t"]=$c; done < <(qdb -e "$count_sql")
echo
echo "gen-data: $DB (prefix '$P'), seed $SEED, ticket ids $((TB + 1))-$((TB + TICKETS)), numbers in [$NBASE, $((NBASE + NM)))"
printf '  %-20s %12s %12s\n' table added total
for t in user user_email ticket thread thread_entry form_entry form_entry_values ticket__cdata file file_chunk \
  attachment _search thread_event; do
  [ -n "${TOTAL[$t]:-}" ] || continue
  printf '  %-20s %12s %12s\n' "${P}$t" "${ADDED[$t]:-0}" "${TOTAL[$t]}"
done
all=0
for t in "${!ADDED[@]}"; do all=$((all + ADDED[$t])); done
states="$(qdb -e "SELECT GROUP_CONCAT(CONCAT(state, ' ', c) ORDER BY state SEPARATOR ', ') FROM (
  SELECT s.state, COUNT(*) AS c FROM ${P}ticket t JOIN ${P}ticket_status s ON s.id = t.status_id
  WHERE t.ticket_id > $TB AND t.ticket_id <= $((TB + TICKETS)) GROUP BY s.state) x")"
extra="$(qdb -e "SELECT CONCAT(SUM(isoverdue), ' overdue, ', SUM(ticket_pid IS NOT NULL), ' children, ',
  SUM(staff_id > 0), ' assigned to agents, ', SUM(team_id > 0), ' to teams, ', SUM(duedate IS NOT NULL), ' with due date')
  FROM ${P}ticket WHERE ticket_id > $TB AND ticket_id <= $((TB + TICKETS))")"
echo "  new tickets by state: $states; $extra"
printf '  %s rows in %s (%.1f s; %s tickets/s, %s rows/s); counting took %.1f s\n' "$all" \
  "$(fmt_secs $((GEN_MS / 1000)))" "$(awk -v m="$GEN_MS" 'BEGIN{print m/1000}')" \
  "$(human $((TICKETS * 1000 / (GEN_MS > 0 ? GEN_MS : 1))))" "$(human $((all * 1000 / (GEN_MS > 0 ? GEN_MS : 1))))" \
  "$(awk -v m="$(($(now_ms) - T0 - GEN_MS))" 'BEGIN{print m/1000}')"
echo "  waited $((SEARCH_WAIT_MS / 1000)) s in total for the search-index job (runs beside the batches)"
