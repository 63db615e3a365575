#!/usr/bin/env bash
# Private MariaDB, php-fpm (with the extension), nginx and Apache on 127.0.0.1; every file under
# $STATE_DIR, no systemd, the system's own instances untouched. Settings: see scripts/lib.sh.
#
#   stack.sh start        start whatever is not running (idempotent); restarts php-fpm when $EXT_SO
#                         changed since it started, and nginx when its config (e.g. WEB_ROOT) changed
#   stack.sh stop         stop all four; the datadir stays
#   stack.sh restart      stop, then start
#   stack.sh restart-fpm  restart php-fpm (loads a rebuilt $EXT_SO)
#   stack.sh restart-web  restart php-fpm, nginx and Apache
#   stack.sh status       state, pids and ports; exit 0 when all four run, 3 otherwise
#   stack.sh mysql [ARGS] the mariadb client as root over the private socket
#   stack.sh env          `export ...` lines for a shell: eval "$(bash scripts/stack.sh env)"
#
# Layout: $STATE_DIR/mysql/{data,mysqld.sock,mysqld.pid,log/error.log},
# $STATE_DIR/fpm/{php-fpm.conf,php-fpm.pid,php-fpm.log,php-error.log},
# $STATE_DIR/nginx/{nginx.conf,nginx.pid,logs/{access,error}.log,tmp/},
# $STATE_DIR/apache/{apache2.conf,apache2.pid,run/,logs/{access,error}.log}, $STATE_DIR/mail/{sink.sh,outbox.log}.
#
# Apache serves WEB_ROOT at http://127.0.0.1:$APACHE_PORT/ and, as a sub-path install, at
# http://127.0.0.1:$APACHE_PORT/support/ (the same files), with `AllowOverride FileInfo`: osTicket's
# api/.htaccess and the plugin's block in it route the API, as on a typical osTicket site.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Daemons live in /usr/sbin, which a non-root PATH may lack.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

MY="$STATE_DIR/mysql"
FPM="$STATE_DIR/fpm"
NGX="$STATE_DIR/nginx"
MAIL_DIR="$STATE_DIR/mail"
MY_PID="$MY/mysqld.pid"
FPM_PID="$FPM/php-fpm.pid"
NGX_PID="$NGX/nginx.pid"
APA="$STATE_DIR/apache"
APA_PID="$APA/apache2.pid"
APA_MODULES="${APA_MODULES:-/usr/lib/apache2/modules}"
FPM_BIN="${FPM_BIN:-php-fpm8.2}"
# /proc/<pid>/comm of each daemon, so that a stale pid file never makes us signal a stranger.
MY_COMM='^(mariadbd|mysqld)$'
FPM_COMM='^php-fpm'
NGX_COMM='^nginx$'
APA_COMM='^(apache2|httpd)$'

# sql_str VALUE: VALUE as a single-quoted SQL string literal.
sql_str() {
  local v="${1//\\/\\\\}"
  printf "'%s'" "${v//\'/\'\'}"
}

# port_free_or_die PORT WHAT: refuse to start when a stranger already listens on our port.
port_free_or_die() {
  if port_open "$1"; then
    die "127.0.0.1:$1 is already in use by another process; cannot start $2 (set a different port, see scripts/lib.sh)"
  fi
}

# ---- MariaDB ---------------------------------------------------------------------------------------

start_mysql() {
  local pid
  mkdir -p "$MY/log"
  if pid="$(pid_from_file "$MY_PID" "$MY_COMM")"; then
    log "MariaDB already running (pid $pid, 127.0.0.1:$DB_PORT)"
    setup_db_users
    return 0
  fi
  port_free_or_die "$DB_PORT" MariaDB
  if is_root; then
    chown mysql:mysql "$MY" "$MY/log"
    chmod 755 "$MY"
    ensure_traversable mysql "$MY"
  fi
  if [ ! -d "$MY/data/mysql" ]; then
    log "initialising the MariaDB datadir $MY/data"
    rm -rf "${MY:?}/data"
    mkdir -p "$MY/data"
    local install_opts=(--no-defaults --datadir="$MY/data" --auth-root-authentication-method=socket --skip-test-db)
    if is_root; then
      chown mysql:mysql "$MY/data"
      install_opts+=(--user=mysql)
    fi
    if ! mariadb-install-db "${install_opts[@]}" </dev/null >"$MY/log/install.log" 2>&1; then
      tail -n 30 "$MY/log/install.log" >&2
      rm -rf "${MY:?}/data"
      die "mariadb-install-db failed (log: $MY/log/install.log)"
    fi
  fi
  local user_opt=()
  is_root && user_opt=(--user=mysql)
  log "starting MariaDB on 127.0.0.1:$DB_PORT (socket $DB_SOCKET)"
  # --skip-name-resolve: no DNS on connect (offline machines). Grants therefore match by address:
  # TCP clients are '127.0.0.1', socket clients 'localhost'; setup_db_users creates both accounts.
  # rowid_filter=off: osTicket's ORM ticket queries get a pathological plan with it at 100k tickets.
  # innodb_flush_log_at_trx_commit=2: a throwaway test database needs no fsync per commit.
  setsid mariadbd --no-defaults "${user_opt[@]}" \
    --datadir="$MY/data" --socket="$DB_SOCKET" --pid-file="$MY_PID" \
    --port="$DB_PORT" --bind-address=127.0.0.1 --skip-name-resolve \
    --log-error="$MY/log/error.log" \
    --optimizer-switch='rowid_filter=off' \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --max-allowed-packet=128M --innodb-buffer-pool-size=512M --skip-log-bin \
    --innodb-flush-log-at-trx-commit=2 \
    </dev/null >>"$MY/log/mariadbd.out" 2>&1 8>&- &
  local launcher=$! i
  for ((i = 0; ; i++)); do
    if db_root -e 'SELECT 1' >/dev/null 2>&1; then
      break
    fi
    # Give up when the server died (allowing setsid a moment to hand over), or after 90 s.
    if { ((i > 30)) && ! kill -0 "$launcher" 2>/dev/null && ! pid_alive "$MY_PID" "$MY_COMM"; } || ((i > 900)); then
      tail -n 30 "$MY/log/error.log" >&2 2>/dev/null || true
      die "MariaDB did not start (log: $MY/log/error.log)"
    fi
    sleep 0.1
  done
  wait_for_port "$DB_PORT" 30 || die "MariaDB is not listening on 127.0.0.1:$DB_PORT"
  setup_db_users
}

# setup_db_users: the test account, for socket ('localhost') and TCP ('127.0.0.1') clients, with
# every privilege (tests create and drop their own databases). Idempotent; resets the password.
setup_db_users() {
  local user pass host sql=""
  user="$(sql_str "$DB_USER")"
  pass="$(sql_str "$DB_PASS")"
  for host in localhost 127.0.0.1; do
    sql+="CREATE USER IF NOT EXISTS $user@'$host' IDENTIFIED BY $pass;"
    sql+="ALTER USER $user@'$host' IDENTIFIED BY $pass;"
    sql+="GRANT ALL PRIVILEGES ON *.* TO $user@'$host';"
  done
  db_root -e "$sql" || die "could not create the database user $DB_USER"
  check_db_logins
}

# check_db_logins: the test account must log in over TCP (as @127.0.0.1) and over the socket (as
# @localhost). Prints what the server saw; returns non-zero on failure.
check_db_logins() {
  local tcp sock
  tcp="$(MYSQL_PWD="$DB_PASS" mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$DB_PORT" \
    -u "$DB_USER" -N -B -e 'SELECT CURRENT_USER()' 2>&1)" || {
    log "TCP login as $DB_USER failed: $tcp"
    return 1
  }
  sock="$(MYSQL_PWD="$DB_PASS" mariadb --no-defaults --protocol=socket -S "$DB_SOCKET" \
    -u "$DB_USER" -N -B -e 'SELECT CURRENT_USER()' 2>&1)" || {
    log "socket login as $DB_USER failed: $sock"
    return 1
  }
  log "MariaDB logins ok: TCP 127.0.0.1:$DB_PORT as $tcp, socket as $sock"
}

stop_mysql() {
  local pid
  if pid="$(pid_from_file "$MY_PID" "$MY_COMM")"; then
    log "stopping MariaDB (pid $pid)"
    stop_pid "$pid" MariaDB 120
  fi
  rm -f "$MY_PID"
}

# ---- mail sink -------------------------------------------------------------------------------------

write_mail_sink() {
  mkdir -p "$MAIL_DIR" "$(dirname "$MAIL_SINK")"
  {
    printf '#!/bin/sh\n'
    printf '# sendmail stand-in for the test php-fpm (generated by scripts/stack.sh): appends the message\n'
    printf '# on stdin to the outbox, then an empty line and a separator line. Arguments are ignored.\n'
    printf 'outbox=%q\n' "$MAIL_SINK"
    # shellcheck disable=SC2016 # literal text of the generated script
    printf 'exec 9>>"$outbox"\n'
    printf 'flock 9 2>/dev/null || true\n'
    printf 'cat >&9\n'
    printf "printf '\\\\n%%s\\\\n' %q >&9\n" "$MAIL_SEPARATOR"
  } >"$MAIL_DIR/sink.sh"
  chmod 755 "$MAIL_DIR/sink.sh"
  touch "$MAIL_SINK"
  chmod 644 "$MAIL_SINK"
  if is_root; then
    # Written by php-fpm workers (www-data); root (CLI tests, osTicket cron) may append as well.
    chown www-data:www-data "$(dirname "$MAIL_SINK")" "$MAIL_SINK"
    ensure_traversable www-data "$MAIL_DIR"
    ensure_traversable www-data "$(dirname "$MAIL_SINK")"
  fi
}

# ---- php-fpm ---------------------------------------------------------------------------------------

# ext_signature: identifies the .so file (a rebuild writes a new inode) or "none" when php-fpm has
# to start without it.
ext_signature() {
  if [ -f "$EXT_SO" ]; then
    stat -c '%n %d:%i:%s:%Y' "$EXT_SO"
  else
    echo none
  fi
}

write_fpm_conf() {
  local user_lines=""
  if is_root; then
    user_lines=$'user = www-data\ngroup = www-data'
  fi
  cat <<CONF
; Generated by scripts/stack.sh; rewritten on every start.
[global]
pid = $FPM_PID
error_log = $FPM/php-fpm.log
daemonize = yes

[api]
$user_lines
listen = 127.0.0.1:$FPM_PORT
listen.allowed_clients = 127.0.0.1
pm = static
pm.max_children = 4
pm.max_requests = 10000
; Rust panic messages go to stderr: keep them.
catch_workers_output = yes
decorate_workers_output = no
; Workers see the environment of whoever ran stack.sh start.
clear_env = no
php_admin_value[sendmail_path] = $MAIL_DIR/sink.sh
php_admin_flag[log_errors] = on
php_admin_value[error_log] = $FPM/php-error.log
; PHP's default (Debian's php.ini too): the write path must stay within it with 50 MB of attachments.
php_admin_value[memory_limit] = 128M
; Bodies up to nginx's client_max_body_size (80m) must reach PHP.
php_admin_value[post_max_size] = 80M
php_admin_value[upload_max_filesize] = 80M
; "localhost" in mysqli/PDO means the private MariaDB.
php_admin_value[mysqli.default_socket] = $DB_SOCKET
php_admin_value[pdo_mysql.default_socket] = $DB_SOCKET
php_admin_value[mysqli.default_port] = $DB_PORT
; Tests rewrite scripts in WEB_ROOT: check timestamps on every request.
php_admin_value[opcache.revalidate_freq] = 0
CONF
  # Debug builds of the extension honour an X-Test-Fault header (forced 500s and panics) only
  # when the pool sets this; scripts/test.sh does, the demo does not, release builds never.
  if [ "${OSTICKET_API_TEST_FAULTS:-}" = 1 ]; then
    printf 'env[OSTICKET_API_TEST_FAULTS] = 1\n'
  fi
}

start_fpm() {
  local pid sig conf_new ext=()
  mkdir -p "$FPM"
  write_mail_sink
  # PHP's error log must be writable by the workers (www-data when run as root), else PHP
  # falls back to stderr and the lines end up in php-fpm.log.
  touch "$FPM/php-error.log"
  if is_root; then
    chown www-data:www-data "$FPM/php-error.log"
  fi
  sig="$(ext_signature)"
  if [ "$EXT_SO" = from-ini ]; then
    # EXT_SO=from-ini: the extension comes from php-fpm's configuration, e.g. FPM_INI_DIR below.
    sig="from-ini"
  elif [ "$sig" != none ]; then
    local probe
    # PHP_CLI: a CLI of FPM_BIN's PHP version (scripts/php-matrix.sh runs other versions).
    if probe="$("${PHP_CLI:-php}" -n -d "extension=$EXT_SO" -r 'exit(extension_loaded("osticket_api") ? 0 : 1);' 2>&1)"; then
      ext=(-d "extension=$EXT_SO")
    else
      probe="${probe//$'\n'/ }"
      warn "$EXT_SO does not load into PHP; php-fpm starts WITHOUT the extension:${probe:- (no message)}"
      sig="unloadable $sig"
    fi
  else
    warn "$EXT_SO not found (not built yet?); php-fpm starts WITHOUT the extension"
  fi
  conf_new="$(write_fpm_conf)"
  # FPM_INI_DIR: a directory of .ini files php-fpm reads besides its own (PHP_INI_SCAN_DIR); the
  # real-osTicket harness installs the release bundle's extension there (RELEASE_BUNDLE).
  local scan=()
  if [ -n "${FPM_INI_DIR:-}" ]; then
    scan=(env "PHP_INI_SCAN_DIR=:$FPM_INI_DIR")
    sig="$sig ini:$FPM_INI_DIR"
  fi
  sig="$sig fpm:$FPM_BIN"
  if pid="$(pid_from_file "$FPM_PID" "$FPM_COMM")"; then
    if [ "$sig" = "$(cat "$FPM/extension.loaded" 2>/dev/null)" ] &&
      [ "$conf_new" = "$(cat "$FPM/php-fpm.conf" 2>/dev/null)" ]; then
      log "php-fpm already running (pid $pid, 127.0.0.1:$FPM_PORT)"
      return 0
    fi
    log "extension or configuration changed since php-fpm started: restarting it"
    stop_fpm
  fi
  port_free_or_die "$FPM_PORT" php-fpm
  printf '%s\n' "$conf_new" >"$FPM/php-fpm.conf"
  log "starting php-fpm on 127.0.0.1:$FPM_PORT${ext[*]:+ with $EXT_SO}${FPM_INI_DIR:+ reading $FPM_INI_DIR}"
  if ! "${scan[@]}" "$FPM_BIN" "${ext[@]}" -y "$FPM/php-fpm.conf" -D 8>&-; then
    tail -n 20 "$FPM/php-fpm.log" >&2 2>/dev/null || true
    die "php-fpm did not start (log: $FPM/php-fpm.log)"
  fi
  wait_for_port "$FPM_PORT" 20 || die "php-fpm is not listening on 127.0.0.1:$FPM_PORT (log: $FPM/php-fpm.log)"
  printf '%s\n' "$sig" >"$FPM/extension.loaded"
}

stop_fpm() {
  local pid
  if pid="$(pid_from_file "$FPM_PID" "$FPM_COMM")"; then
    log "stopping php-fpm (pid $pid)"
    stop_pid "$pid" php-fpm 30
  fi
  rm -f "$FPM_PID" "$FPM/extension.loaded"
}

# ---- nginx -----------------------------------------------------------------------------------------

write_nginx_conf() {
  local user_line=""
  is_root && user_line="user www-data;"
  # nginx variables are escaped (\$); shell variables are the stack's settings.
  cat <<CONF
# Generated by scripts/stack.sh; rewritten on every start.
$user_line
worker_processes 2;
daemon on;
pid $NGX_PID;
error_log $NGX/logs/error.log;
events { worker_connections 512; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $NGX/logs/access.log;
  client_body_temp_path $NGX/tmp/body;
  fastcgi_temp_path $NGX/tmp/fastcgi;
  proxy_temp_path $NGX/tmp/proxy;
  uwsgi_temp_path $NGX/tmp/uwsgi;
  scgi_temp_path $NGX/tmp/scgi;
  client_max_body_size 80m;
  fastcgi_read_timeout 300s;
  sendfile on;

  server {
    listen 127.0.0.1:$HTTP_PORT default_server;
    server_name localhost;
    root $WEB_ROOT;
    index index.php index.html;

    # osTicket's include/ and .htaccess files are never served.
    location ^~ /include/ { deny all; }
    location ~ /\.ht { deny all; }

    # (1) The plugin's entry scripts with PATH_INFO: /api/tickets-get.php/ABC123.json,
    # /api/tickets-search.php.xml (PATH_INFO ".xml"), /api/tickets-search.php/.json. Must come before
    # the /api/ fallback; PATH_INFO is always set (empty for the bare script).
    location ~ ^(/api/tickets-[a-z-]+\.php)(/.*|\.json|\.xml|)\$ {
      fastcgi_split_path_info ^(/api/tickets-[a-z-]+\.php)(.*)\$;
      # try_files resets the split's captures: keep PATH_INFO in a variable first.
      set \$path_info \$fastcgi_path_info;
      try_files \$fastcgi_script_name =404;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      fastcgi_param PATH_INFO \$path_info;
      fastcgi_param HTTP_PROXY "";
      fastcgi_pass 127.0.0.1:$FPM_PORT;
    }

    # (2) osTicket's API dispatcher: anything under /api/ that is no file goes to api/http.php with
    # the rest as PATH_INFO (POST /api/tickets.json -> http.php, PATH_INFO /tickets.json).
    location /api/ {
      try_files \$uri @osticket_api;
    }
    location @osticket_api {
      rewrite ^/api(/.*)\$ /api/http.php\$1 last;
    }

    # (3) Every other PHP script, with PATH_INFO when there is one (/scp/ajax.php/..., /api/http.php/...).
    location ~ [^/]\.php(/|\$) {
      fastcgi_split_path_info ^(.+?\.php)(/.*)\$;
      set \$path_info \$fastcgi_path_info;
      try_files \$fastcgi_script_name =404;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      fastcgi_param PATH_INFO \$path_info if_not_empty;
      fastcgi_param HTTP_PROXY "";
      fastcgi_pass 127.0.0.1:$FPM_PORT;
    }

    # (4) Static files.
    location / {
      try_files \$uri \$uri/ =404;
    }
  }
}
CONF
}

nginx_cmd() {
  nginx -c "$NGX/nginx.conf" -p "$NGX/" -e "$NGX/logs/error.log" "$@"
}

start_nginx() {
  local pid conf_new
  mkdir -p "$NGX/logs" "$NGX/tmp" "$WEB_ROOT"
  if is_root; then
    ensure_traversable www-data "$WEB_ROOT"
  fi
  conf_new="$(write_nginx_conf)"
  if pid="$(pid_from_file "$NGX_PID" "$NGX_COMM")"; then
    if [ "$conf_new" = "$(cat "$NGX/nginx.conf" 2>/dev/null)" ]; then
      log "nginx already running (pid $pid, http://127.0.0.1:$HTTP_PORT)"
      return 0
    fi
    # A restart rather than `nginx -s reload`: a reload lets old workers answer for a while, and the
    # caller (e.g. a test switching WEB_ROOT) needs the new configuration as soon as this returns.
    log "nginx configuration changed (WEB_ROOT=$WEB_ROOT): restarting nginx"
    stop_nginx
  fi
  port_free_or_die "$HTTP_PORT" nginx
  printf '%s\n' "$conf_new" >"$NGX/nginx.conf"
  nginx_cmd -t -q || die "nginx configuration test failed ($NGX/nginx.conf)"
  log "starting nginx on http://127.0.0.1:$HTTP_PORT (root $WEB_ROOT)"
  nginx_cmd 8>&- || die "nginx did not start (log: $NGX/logs/error.log)"
  wait_for_port "$HTTP_PORT" 20 || die "nginx is not listening on 127.0.0.1:$HTTP_PORT"
}

stop_nginx() {
  local pid
  if pid="$(pid_from_file "$NGX_PID" "$NGX_COMM")"; then
    log "stopping nginx (pid $pid)"
    stop_pid "$pid" nginx 30
  fi
  rm -f "$NGX_PID"
}

# ---- Apache ----------------------------------------------------------------------------------------

write_apache_conf() {
  local user_lines="" m modules=""
  if is_root; then
    user_lines=$'User www-data\nGroup www-data'
  fi
  for m in mpm_event authz_core authz_host mime dir env setenvif rewrite proxy proxy_fcgi alias; do
    modules+="LoadModule ${m}_module $APA_MODULES/mod_$m.so"$'\n'
  done
  cat <<CONF
# Generated by scripts/stack.sh; rewritten on every start. Debian's apache2 binary with a private
# configuration: never /etc/apache2, never the system instance.
ServerRoot "$APA"
DefaultRuntimeDir "$APA/run"
PidFile "$APA_PID"
Mutex file:$APA/run default
Listen 127.0.0.1:$APACHE_PORT
ServerName 127.0.0.1
$user_lines
${modules}
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
Timeout 300
ErrorLog "$APA/logs/error.log"
LogLevel warn
LogFormat "%h %l %u %t \"%r\" %>s %b" common
CustomLog "$APA/logs/access.log" common
TypesConfig /etc/mime.types

DocumentRoot "$WEB_ROOT"
# osTicket under a sub-path: the same installation at /support/.
Alias /support/ "$WEB_ROOT/"
<Directory />
  AllowOverride None
  Require all denied
</Directory>
<Directory "$WEB_ROOT">
  # What osTicket's api/.htaccess (RewriteRule) and the plugin's block (SetEnv, AcceptPathInfo) need.
  Options FollowSymLinks
  AllowOverride FileInfo
  Require all granted
  DirectoryIndex index.php index.html
</Directory>
# osTicket's include/ and .htaccess files are never served.
<Directory "$WEB_ROOT/include">
  Require all denied
</Directory>
<Files ".ht*">
  Require all denied
</Files>
# PHP scripts (with PATH_INFO) go to the stack's php-fpm.
<FilesMatch "\.php\$">
  SetHandler "proxy:fcgi://127.0.0.1:$FPM_PORT"
</FilesMatch>
<Proxy "fcgi://127.0.0.1:$FPM_PORT">
  ProxySet timeout=300
</Proxy>
CONF
}

apache_cmd() {
  apache2 -f "$APA/apache2.conf" "$@"
}

start_apache() {
  local pid conf_new
  mkdir -p "$APA/logs" "$APA/run" "$WEB_ROOT"
  command -v apache2 >/dev/null 2>&1 || die "apache2 is not installed (bash scripts/deps.sh)"
  if is_root; then
    ensure_traversable www-data "$WEB_ROOT"
  fi
  conf_new="$(write_apache_conf)"
  if pid="$(pid_from_file "$APA_PID" "$APA_COMM")"; then
    if [ "$conf_new" = "$(cat "$APA/apache2.conf" 2>/dev/null)" ]; then
      log "Apache already running (pid $pid, http://127.0.0.1:$APACHE_PORT)"
      return 0
    fi
    log "Apache configuration changed (WEB_ROOT=$WEB_ROOT): restarting Apache"
    stop_apache
  fi
  port_free_or_die "$APACHE_PORT" Apache
  printf '%s\n' "$conf_new" >"$APA/apache2.conf"
  # Debian's apache2 reads APACHE_* variables from its envvars file only through apache2ctl; the
  # binary itself needs none of them with this configuration. APACHE_ENVVARS points away from
  # /etc/apache2/envvars in case a wrapper looks.
  APACHE_ENVVARS=/dev/null apache_cmd -t >"$APA/logs/configtest.log" 2>&1 || {
    cat "$APA/logs/configtest.log" >&2
    die "Apache configuration test failed ($APA/apache2.conf)"
  }
  log "starting Apache on http://127.0.0.1:$APACHE_PORT (root $WEB_ROOT, also at /support/)"
  APACHE_ENVVARS=/dev/null apache_cmd -k start 8>&- || die "Apache did not start (log: $APA/logs/error.log)"
  wait_for_port "$APACHE_PORT" 20 || die "Apache is not listening on 127.0.0.1:$APACHE_PORT (log: $APA/logs/error.log)"
}

stop_apache() {
  local pid
  if pid="$(pid_from_file "$APA_PID" "$APA_COMM")"; then
    log "stopping Apache (pid $pid)"
    stop_pid "$pid" Apache 30
  fi
  rm -f "$APA_PID"
}

# ---- commands --------------------------------------------------------------------------------------

status() {
  local rc=0 pid
  if pid="$(pid_from_file "$MY_PID" "$MY_COMM")"; then
    echo "MariaDB: running (pid $pid), 127.0.0.1:$DB_PORT, socket $DB_SOCKET"
    check_db_logins || rc=3
  else
    echo "MariaDB: stopped"
    rc=3
  fi
  if pid="$(pid_from_file "$FPM_PID" "$FPM_COMM")"; then
    echo "php-fpm: running (pid $pid), 127.0.0.1:$FPM_PORT, extension: $(cat "$FPM/extension.loaded" 2>/dev/null || echo '?')"
  else
    echo "php-fpm: stopped"
    rc=3
  fi
  if pid="$(pid_from_file "$NGX_PID" "$NGX_COMM")"; then
    echo "nginx:   running (pid $pid), http://127.0.0.1:$HTTP_PORT, root $WEB_ROOT"
  else
    echo "nginx:   stopped"
    rc=3
  fi
  if pid="$(pid_from_file "$APA_PID" "$APA_COMM")"; then
    echo "Apache:  running (pid $pid), http://127.0.0.1:$APACHE_PORT (and /support/), root $WEB_ROOT"
  else
    echo "Apache:  stopped"
    rc=3
  fi
  return "$rc"
}

print_env() {
  local v
  for v in REPO STATE_DIR DB_PORT DB_SOCKET DB_USER DB_PASS HTTP_PORT FPM_PORT APACHE_PORT WEB_ROOT EXT_SO \
    MAIL_SINK MAIL_SEPARATOR; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
  printf 'export DATABASE_URL=%q\n' "$(db_url)"
  printf 'export OSTICKET_API_SO=%q\n' "$EXT_SO"
}

# lock: serialise start/stop between concurrent callers sharing one STATE_DIR. The daemons are
# started with fd 8 closed, so that they never inherit (and hold) the lock.
lock() {
  mkdir -p "$STATE_DIR"
  exec 8>"$STATE_DIR/.stack.lock"
  flock -w 300 8 || die "another stack.sh holds $STATE_DIR/.stack.lock"
}

start_all() {
  mkdir -p "$STATE_DIR"
  chmod 755 "$STATE_DIR"
  start_mysql
  start_fpm
  start_nginx
  start_apache
  log "stack up: nginx http://127.0.0.1:$HTTP_PORT, Apache http://127.0.0.1:$APACHE_PORT (root $WEB_ROOT), MariaDB 127.0.0.1:$DB_PORT, php-fpm 127.0.0.1:$FPM_PORT"
}

stop_all() {
  stop_apache
  stop_nginx
  stop_fpm
  stop_mysql
  log "stack stopped (state kept in $STATE_DIR)"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  start)
    lock
    start_all
    ;;
  stop)
    lock
    stop_all
    ;;
  restart)
    lock
    stop_all
    start_all
    ;;
  restart-fpm)
    lock
    stop_fpm
    start_fpm
    ;;
  restart-web)
    lock
    stop_apache
    stop_nginx
    stop_fpm
    start_fpm
    start_nginx
    start_apache
    ;;
  status) status ;;
  mysql) db_root "$@" ;;
  env) print_env ;;
  *)
    sed -n '5,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
