#!/usr/bin/env bash
# Private MariaDB, php-fpm (with the extension) and nginx on 127.0.0.1, all state under $STATE_DIR.
#   stack.sh start | stop | status | restart-fpm | mysql [client args]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MY="$STATE_DIR/mysql"
FPM="$STATE_DIR/fpm"
NGX="$STATE_DIR/nginx"

start_mysql() {
  mkdir -p "$MY/log" "$STATE_DIR/mail"
  if pid_alive "$MY/mysqld.pid"; then return 0; fi
  if [ ! -d "$MY/data/mysql" ]; then
    log "initialising MariaDB datadir"
    mkdir -p "$MY/data"
    chown -R mysql:mysql "$MY"
    mariadb-install-db --no-defaults --user=mysql --datadir="$MY/data" --auth-root-authentication-method=socket \
      >"$MY/log/install.log" 2>&1 || { cat "$MY/log/install.log"; die "mariadb-install-db failed"; }
  fi
  chown -R mysql:mysql "$MY"
  # Every directory above the datadir must be traversable by the mysql user.
  local d="$MY"
  while [ "$d" != "/" ]; do chmod o+x "$d" 2>/dev/null || true; d="$(dirname "$d")"; done
  log "starting MariaDB on 127.0.0.1:$DB_PORT"
  setsid mariadbd --no-defaults --user=mysql --datadir="$MY/data" --socket="$DB_SOCKET" \
    --pid-file="$MY/mysqld.pid" --port="$DB_PORT" --bind-address=127.0.0.1 \
    --log-error="$MY/log/error.log" --optimizer-switch='rowid_filter=off' \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --max-allowed-packet=128M --innodb-buffer-pool-size=512M --skip-log-bin \
    </dev/null >/dev/null 2>&1 &
  wait_for_port "$DB_PORT" 60 || { tail -20 "$MY/log/error.log"; die "MariaDB did not start"; }
  local i
  for ((i = 0; i < 100; i++)); do db_root -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
  db_root <<SQL
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost';
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
}

write_mail_sink() {
  mkdir -p "$STATE_DIR/mail"
  cat >"$STATE_DIR/mail/sink.sh" <<SINK
#!/bin/sh
# sendmail stand-in: appends each message to the outbox.
{ cat; printf '\n----- end of message -----\n'; } >> "$MAIL_SINK"
SINK
  chmod 755 "$STATE_DIR/mail/sink.sh"
  touch "$MAIL_SINK"
  chmod 666 "$MAIL_SINK"
  chmod 777 "$STATE_DIR/mail"
}

start_fpm() {
  mkdir -p "$FPM"
  if pid_alive "$FPM/php-fpm.pid"; then return 0; fi
  write_mail_sink
  cat >"$FPM/php-fpm.conf" <<CONF
[global]
pid = $FPM/php-fpm.pid
error_log = $FPM/php-fpm.log
daemonize = yes

[api]
user = www-data
group = www-data
listen = 127.0.0.1:$FPM_PORT
listen.allowed_clients = 127.0.0.1
pm = static
pm.max_children = 4
pm.max_requests = 10000
catch_workers_output = yes
decorate_workers_output = no
clear_env = no
php_admin_value[sendmail_path] = $STATE_DIR/mail/sink.sh
php_admin_value[error_log] = $FPM/php-error.log
php_admin_value[memory_limit] = 256M
php_value[post_max_size] = 80M
php_value[upload_max_filesize] = 80M
CONF
  local ext=()
  if [ -f "$EXT_SO" ]; then
    ext=(-d "extension=$EXT_SO")
  else
    log "WARNING: $EXT_SO not found; php-fpm starts without the extension"
  fi
  log "starting php-fpm on 127.0.0.1:$FPM_PORT"
  php-fpm8.2 "${ext[@]}" -y "$FPM/php-fpm.conf" || die "php-fpm did not start (see $FPM/php-fpm.log)"
  wait_for_port "$FPM_PORT" 20 || die "php-fpm is not listening"
}

start_nginx() {
  mkdir -p "$NGX/tmp" "$NGX/logs" "$WEB_ROOT"
  if pid_alive "$NGX/nginx.pid"; then return 0; fi
  cat >"$NGX/nginx.conf" <<CONF
worker_processes 2;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log;
events { worker_connections 256; }
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
  sendfile on;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    server_name localhost;
    root $WEB_ROOT;
    index index.php index.html;

    # The plugin's entry scripts, with PATH_INFO (/api/tickets-get.php/ABC.json,
    # /api/tickets-search.php.xml, /api/tickets-search.php/.json). Must precede the /api/ fallback.
    location ~ ^/api/tickets-[a-z-]+\.php(/.*|\.json|\.xml)?\$ {
      fastcgi_split_path_info ^(/api/tickets-[a-z-]+\.php)(.*)\$;
      # try_files resets the split's captures: keep PATH_INFO in a variable first.
      set \$path_info \$fastcgi_path_info;
      try_files \$fastcgi_script_name =404;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      fastcgi_param PATH_INFO \$path_info;
      fastcgi_pass 127.0.0.1:$FPM_PORT;
    }
    # osTicket's own API dispatcher: /api/tickets.json -> api/http.php/tickets.json (PATH_INFO).
    location /api/ {
      try_files \$uri \$uri/ @api_dispatcher;
    }
    location @api_dispatcher {
      rewrite ^/api/(.*)\$ /api/http.php/\$1 last;
    }
    # Every other PHP script, with PATH_INFO support (scp/ajax.php/..., api/http.php/...).
    location ~ ^(.+?\.php)(/.*)?\$ {
      fastcgi_split_path_info ^(.+?\.php)(/.*)\$;
      # try_files resets the split's captures: keep PATH_INFO in a variable first.
      set \$path_info \$fastcgi_path_info;
      try_files \$fastcgi_script_name =404;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      fastcgi_param PATH_INFO \$path_info;
      fastcgi_pass 127.0.0.1:$FPM_PORT;
    }
    location / { try_files \$uri \$uri/ =404; }
  }
}
CONF
  log "starting nginx on 127.0.0.1:$HTTP_PORT"
  nginx -c "$NGX/nginx.conf" -p "$NGX" -e "$NGX/logs/error.log" || die "nginx did not start"
  wait_for_port "$HTTP_PORT" 20 || die "nginx is not listening"
}

stop_pidfile() {
  local file="$1" name="$2" i
  if pid_alive "$file"; then
    log "stopping $name"
    kill "$(cat "$file")" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do pid_alive "$file" || break; sleep 0.1; done
  fi
  rm -f "$file"
}

case "${1:-}" in
  start)
    start_mysql
    start_fpm
    start_nginx
    log "stack up: http://127.0.0.1:$HTTP_PORT (root $WEB_ROOT), MariaDB 127.0.0.1:$DB_PORT"
    ;;
  stop)
    stop_pidfile "$NGX/nginx.pid" nginx
    stop_pidfile "$FPM/php-fpm.pid" php-fpm
    stop_pidfile "$MY/mysqld.pid" MariaDB
    ;;
  restart-fpm)
    stop_pidfile "$FPM/php-fpm.pid" php-fpm
    start_fpm
    ;;
  restart-web)
    stop_pidfile "$NGX/nginx.pid" nginx
    stop_pidfile "$FPM/php-fpm.pid" php-fpm
    start_fpm
    start_nginx
    ;;
  status)
    for f in "$MY/mysqld.pid:MariaDB" "$FPM/php-fpm.pid:php-fpm" "$NGX/nginx.pid:nginx"; do
      if pid_alive "${f%%:*}"; then echo "${f#*:}: running"; else echo "${f#*:}: stopped"; fi
    done
    ;;
  mysql)
    shift
    db_root "$@"
    ;;
  *)
    echo "usage: $0 start|stop|status|restart-fpm|restart-web|mysql [args]" >&2
    exit 2
    ;;
esac
