#!/usr/bin/env bash
# Test services for deploy-kit: bash scripts/services.sh up|down|status|env
#
#   up      install what is missing (Debian apt), start what is not answering, write .services/env
#   down    stop exactly what `up` started (listed in .services/started); leave everything else alone.
#           With SERVICES_RUN_FILE set (to the same file for up and down), only what that run's `up` started.
#   status  one line per service, exit 1 if any is down
#   env     print .services/env (sourceable: set -a; . .services/env; set +a)
#
# Everything listens on 127.0.0.1 only, every wait is bounded. See docs/decisions/0002-test-services.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.services"
LOGS="$STATE/logs"
ENV_FILE="$STATE/env"
STARTED="$STATE/started"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

PG_VERSION=15
PG_CLUSTER=main
REG_PORT=5000
REG_AUTH_PORT=5001
REG_USER=deploykit
REG_PASSWORD=deploykit-secret-pw
DB_USER=deploykit
DB_PASSWORD=deploykit
BASE_BUSYBOX=deploy-kit/busybox:base
BASE_NODE=deploy-kit/node:base

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -n); fi
CLEANUP=()
cleanup() { if [ ${#CLEANUP[@]} -gt 0 ]; then rm -rf "${CLEANUP[@]}"; fi; }
trap cleanup EXIT
asroot() { "${SUDO[@]}" "$@"; }

have() { command -v "$1" >/dev/null 2>&1; }
say() { printf '%-13s %s\n' "$1" "$2"; }
die() { printf 'services.sh: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
since() { local s=$(( $(now_ms) - $1 )); printf '%d.%ds' $((s / 1000)) $(((s % 1000) / 100)); }
rel() { printf '%s' "${1#"$ROOT"/}"; }
log_tail() { [ -f "$1" ] && { echo "--- last lines of $(rel "$1"):" >&2; tail -n 15 "$1" >&2; }; return 0; }

# wait_for SECONDS COMMAND...: run COMMAND every 0.5 s until it succeeds; fail after SECONDS.
wait_for() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

mark_started() { # NAME [ARG]: remember that this script started NAME
  touch "$STARTED"
  grep -v "^$1\( \|\$\)" "$STARTED" > "$STARTED.tmp" || true
  printf '%s %s\n' "$1" "${2:-}" >> "$STARTED.tmp"
  mv "$STARTED.tmp" "$STARTED"
  # A caller that wants to stop only what its own `up` started names a run file.
  if [ -n "${SERVICES_RUN_FILE:-}" ]; then printf '%s %s\n' "$1" "${2:-}" >> "$SERVICES_RUN_FILE"; fi
}
forget_started() { # NAME: drop NAME from the list of what the script started
  [ -f "$STARTED" ] || return 0
  grep -v "^$1\( \|\$\)" "$STARTED" > "$STARTED.tmp" || true
  mv "$STARTED.tmp" "$STARTED"
}
started_by_us() { [ -f "$STARTED" ] && grep -q "^$1\( \|\$\)" "$STARTED"; }
started_arg() { awk -v n="$1" '$1 == n { print $2 }' "$STARTED" 2>/dev/null | tail -n 1; }
ours() { if started_by_us "$1"; then printf ' [started by services.sh]'; fi; }

# Daemons must not inherit the caller's pipes or our lock (fd 9): a test runner that waits for its
# pipe to close would hang, and the next `up` would block on the lock.
close_fds() {
  local f n
  for f in "/proc/$BASHPID/fd/"*; do
    n=${f##*/}
    if [ "$n" -gt 2 ]; then eval "exec $n>&-" 2>/dev/null || true; fi
  done
}
DAEMON_PID=""
daemon() { # LOG CMD...: start CMD in its own session, detached, output appended to LOG; sets DAEMON_PID
  local log=$1; shift
  ( close_fds; exec "${SUDO[@]}" setsid nohup "$@" < /dev/null >> "$log" 2>&1 ) &
  DAEMON_PID=$!
}
detached() { # LOG CMD...: run CMD (which forks a daemon) to completion without our fds
  local log=$1; shift
  ( close_fds; exec "${SUDO[@]}" "$@" < /dev/null >> "$log" 2>&1 )
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
alive() { # PID: running (not gone, not a zombie)
  local st
  st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]
}
pid_is() { # PID COMM: true if PID is alive and is COMM
  [ -n "$1" ] && alive "$1" && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

# ---------------------------------------------------------------- probes (shared by up and status)
docker_ok() { timeout 10 docker info >/dev/null 2>&1; }
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" 2>/dev/null || true; }
registry_ok() { [ "$(http_code "http://127.0.0.1:$REG_PORT/v2/")" = 200 ]; }
registry_auth_ok() {
  [ "$(http_code "http://127.0.0.1:$REG_AUTH_PORT/v2/")" = 401 ] &&
    [ "$(http_code -u "$REG_USER:$REG_PASSWORD" "http://127.0.0.1:$REG_AUTH_PORT/v2/")" = 200 ]
}
pg_answers() { pg_isready -q -h 127.0.0.1 -p 5432 -t 3; }
pg_login_ok() {
  [ "$(PGPASSWORD=$DB_PASSWORD PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p 5432 -U "$DB_USER" -d postgres \
        -XAtqc "select rolsuper and rolcreatedb from pg_roles where rolname = current_user" 2>/dev/null)" = t ]
}
mysql_cli() { if have mariadb; then mariadb "$@"; else mysql "$@"; fi; }
mysql_admin() { if have mariadb-admin; then mariadb-admin "$@"; else mysqladmin "$@"; fi; }
mysql_answers() { # exit 0 while a server answers on 3306, even if it refuses our login
  mysql_admin --protocol=tcp -h 127.0.0.1 -P 3306 --connect-timeout=3 -u "$DB_USER" -p"$DB_PASSWORD" ping
}
mysql_login_ok() {
  mysql_cli --protocol=tcp -h 127.0.0.1 -P 3306 --connect-timeout=3 -u "$DB_USER" -p"$DB_PASSWORD" -NBe \
    "SHOW GRANTS" 2>/dev/null | grep -q 'GRANT ALL PRIVILEGES ON \*\.\* TO .* WITH GRANT OPTION'
}
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
compose_cmd() {
  if docker compose version >/dev/null 2>&1; then echo "docker compose"
  elif have docker-compose; then echo "docker-compose"
  else return 1; fi
}
static_busybox() { # print the path of a statically linked busybox
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then echo "$b"; return 0; fi
  done
  return 1
}

# ---------------------------------------------------------------- install
ensure_packages() {
  local want=()
  have dockerd || want+=(docker.io)
  have docker || want+=(docker.io)
  have docker-registry || want+=(docker-registry)
  have docker-compose || want+=(docker-compose)
  have skopeo || want+=(skopeo)
  { have pg_ctlcluster && [ -x "/usr/lib/postgresql/$PG_VERSION/bin/postgres" ]; } || want+=(postgresql)
  { have psql && have pg_isready; } || want+=(postgresql-client)
  { have mariadbd || have mysqld; } || want+=(mariadb-server)
  { have mariadb || have mysql; } || want+=(mariadb-client)
  have prometheus || want+=(prometheus)
  have nginx || want+=(nginx-light)
  static_busybox >/dev/null || want+=(busybox-static)
  have htpasswd || want+=(apache2-utils)
  have openssl || want+=(openssl)
  have curl || want+=(curl)
  have flock || want+=(util-linux)
  if [ ${#want[@]} -eq 0 ]; then say install "all present"; return 0; fi

  mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)
  local t0; t0=$(now_ms)
  # Keep the packages' own services (nginx :80, prometheus :9090, docker-registry :5000 on all
  # interfaces, ...) from starting at install: deny them with policy-rc.d unless one is already there.
  local guard=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, scripts/services.sh\nexit 101\n' | asroot tee /usr/sbin/policy-rc.d >/dev/null
    asroot chmod 755 /usr/sbin/policy-rc.d
    guard=1
  fi
  local rc=0
  {
    asroot env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get -o DPkg::Lock::Timeout=300 update -q &&
      asroot env DEBIAN_FRONTEND=noninteractive timeout 1800 apt-get -o DPkg::Lock::Timeout=300 install -y -q \
        "${want[@]}"
  } > "$LOGS/apt.log" 2>&1 9>&- || rc=$?
  if [ "$guard" = 1 ]; then asroot rm -f /usr/sbin/policy-rc.d; fi
  if [ "$rc" != 0 ]; then log_tail "$LOGS/apt.log"; die "apt-get install ${want[*]} failed (rc $rc)"; fi
  say install "${want[*]} ($(since "$t0"))"
}

# ---------------------------------------------------------------- docker engine
start_docker() {
  if docker_ok; then say docker "up (already running)$(ours dockerd)"; return 0; fi
  have dockerd || die "dockerd not found"
  local t0 log="$LOGS/dockerd.log" pid=""
  t0=$(now_ms)
  # A dockerd that is alive but not answering is not ours to fix.
  if [ -s /var/run/docker.pid ] && pid_is "$(cat /var/run/docker.pid)" dockerd; then
    wait_for 30 docker_ok || die "a dockerd (pid $(cat /var/run/docker.pid)) is running but does not answer"
    say docker "up (already running)$(ours dockerd)"; return 0
  fi
  # Defaults work here (overlay2, cgroupfs v1, iptables nf_tables, docker0 bridge). --ip makes a bare
  # `-p 8080:80` publish on 127.0.0.1 instead of 0.0.0.0.
  daemon "$log" dockerd --host=unix:///var/run/docker.sock --ip=127.0.0.1
  if ! wait_for 60 docker_ok; then log_tail "$log"; die "dockerd did not answer within 60 s"; fi
  pid=$(cat /var/run/docker.pid 2>/dev/null || true)
  mark_started dockerd "$pid"
  say docker "up (started dockerd pid $pid, $(since "$t0"); log $(rel "$log"))"
}

# ---------------------------------------------------------------- base images
make_busybox_rootfs() { # DIR
  local r=$1 bb p
  bb=$(static_busybox) || die "no statically linked busybox (package busybox-static)"
  mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/tmp,var/www,proc,sys,dev,run}
  chmod 1777 "$r/tmp" "$r/var/tmp"
  cp "$bb" "$r/bin/busybox"
  for p in $("$bb" --list-full); do
    [ "$p" = bin/busybox ] || ln -sf /bin/busybox "$r/$p"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
  printf 'hosts: files dns\n' > "$r/etc/nsswitch.conf"
}

import_rootfs() { # DIR IMAGE [extra --change ...]
  local r=$1 image=$2; shift 2
  tar -C "$r" --numeric-owner -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["/bin/sh"]' "$@" - "$image" >/dev/null
}

build_images() {
  local t0 tmp node node_version have_version lib
  t0=$(now_ms)
  tmp=$(mktemp -d "$STATE/rootfs.XXXXXX")
  CLEANUP+=("$tmp")

  if image_exists "$BASE_BUSYBOX"; then
    say image "$BASE_BUSYBOX present"
  else
    make_busybox_rootfs "$tmp/busybox"
    import_rootfs "$tmp/busybox" "$BASE_BUSYBOX"
    # The classic builder must take the base from the local store (nothing can be pulled here).
    mkdir -p "$tmp/ctx"
    printf 'FROM %s\nRUN echo ok > /tmp/ok\n' "$BASE_BUSYBOX" > "$tmp/ctx/Dockerfile"
    if ! timeout 120 docker build -q -t deploy-kit/services-check:1 "$tmp/ctx" > "$LOGS/build-check.log" 2>&1; then
      log_tail "$LOGS/build-check.log"; die "docker build FROM $BASE_BUSYBOX failed"
    fi
    docker rmi deploy-kit/services-check:1 >/dev/null 2>&1 || true
    say image "$BASE_BUSYBOX built ($(since "$t0"))"
  fi

  node=$(command -v node) || die "node not found on PATH"
  node=$(readlink -f "$node")
  node_version=$("$node" --version)
  have_version=$(docker image inspect -f '{{index .Config.Labels "deploy-kit.node-version"}}' "$BASE_NODE" 2>/dev/null || true)
  if [ "$have_version" = "$node_version" ]; then
    say image "$BASE_NODE present (node $node_version)"
  else
    t0=$(now_ms)
    make_busybox_rootfs "$tmp/node"
    cp "$node" "$tmp/node/usr/bin/node"
    # every library ldd lists, and the dynamic loader, at the same paths
    for lib in $(ldd "$node" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
      mkdir -p "$tmp/node$(dirname "$lib")"
      cp -L "$lib" "$tmp/node$lib"
    done
    import_rootfs "$tmp/node" "$BASE_NODE" -c "LABEL deploy-kit.node-version=$node_version"
    docker run --rm "$BASE_NODE" node -e 'process.exit(1 + 1 === 2 ? 0 : 1)' >/dev/null 2>&1 ||
      die "$BASE_NODE was built but node does not run in it"
    say image "$BASE_NODE built (node $node_version, $(since "$t0"))"
  fi
}

# ---------------------------------------------------------------- registries
write_registry_config() { # PORT AUTH(0|1)
  local port=$1 auth=$2 cfg="$STATE/registry-$1.yml"
  mkdir -p "$STATE/registry-data/$port"
  {
    printf 'version: 0.1\n'
    printf 'log:\n  level: warn\n  accesslog:\n    disabled: true\n'
    printf 'storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n' "$STATE/registry-data/$port"
    printf 'http:\n  addr: 127.0.0.1:%s\n  secret: deploy-kit-test-registry-%s\n' "$port" "$port"
    if [ "$auth" = 1 ]; then
      printf 'auth:\n  htpasswd:\n    realm: deploy-kit\n    path: %s\n' "$STATE/registry-$port.htpasswd"
    fi
  } > "$cfg.tmp"
  mv "$cfg.tmp" "$cfg"
  if [ "$auth" = 1 ]; then
    htpasswd -Bbn "$REG_USER" "$REG_PASSWORD" > "$STATE/registry-$port.htpasswd"
  fi
}

start_registry() { # NAME PORT AUTH(0|1) PROBE
  local name=$1 port=$2 auth=$3 probe=$4 what="127.0.0.1:$2"
  [ "$auth" = 1 ] && what="$what (htpasswd $REG_USER)"
  if "$probe"; then say "$name" "$what up (already running)$(ours "$name")"; return 0; fi
  if port_open "$port"; then
    die "127.0.0.1:$port is taken by something that is not the expected registry (Debian's own service? /etc/init.d/docker-registry stop)"
  fi
  local t0 log="$LOGS/$name.log"
  t0=$(now_ms)
  write_registry_config "$port" "$auth"
  local SUDO=()   # the registries run as the invoking user
  daemon "$log" docker-registry serve "$STATE/registry-$port.yml"
  local pid=$DAEMON_PID
  if ! wait_for 20 "$probe"; then log_tail "$log"; die "registry on 127.0.0.1:$port did not answer within 20 s"; fi
  mark_started "$name" "$pid"
  say "$name" "$what up (started pid $pid, $(since "$t0"))"
}

# ---------------------------------------------------------------- postgres
pg_admin() { # SQL: run as the postgres superuser over the local socket
  asroot runuser -u postgres -- psql -X -v ON_ERROR_STOP=1 -qAt -d postgres -c "$1"
}

start_postgres() {
  local t0 note="already running"
  t0=$(now_ms)
  if ! pg_answers; then
    port_open 5432 && die "127.0.0.1:5432 is open but PostgreSQL does not answer there"
    if ! pg_lsclusters -h 2>/dev/null | awk '{ print $1 "/" $2 }' | grep -qx "$PG_VERSION/$PG_CLUSTER"; then
      asroot pg_createcluster "$PG_VERSION" "$PG_CLUSTER" > "$LOGS/postgres-ctl.log" 2>&1 9>&- ||
        { log_tail "$LOGS/postgres-ctl.log"; die "pg_createcluster $PG_VERSION $PG_CLUSTER failed"; }
    fi
    # loopback only, port 5432 (Debian's postgresql.conf includes conf.d/*.conf last)
    printf "# written by deploy-kit scripts/services.sh\nlisten_addresses = '127.0.0.1'\nport = 5432\n" |
      asroot tee "/etc/postgresql/$PG_VERSION/$PG_CLUSTER/conf.d/deploy-kit.conf" >/dev/null
    asroot install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    detached "$LOGS/postgres-ctl.log" timeout 90 pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start ||
      { log_tail "$LOGS/postgres-ctl.log"; log_tail "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"
        die "pg_ctlcluster $PG_VERSION $PG_CLUSTER start failed"; }
    wait_for 30 pg_answers || die "PostgreSQL did not answer on 127.0.0.1:5432 within 30 s"
    mark_started postgres "$PG_VERSION/$PG_CLUSTER"
    note="started cluster $PG_VERSION/$PG_CLUSTER"
  fi
  if ! pg_login_ok; then
    pg_admin "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
          CREATE ROLE $DB_USER LOGIN SUPERUSER CREATEDB PASSWORD '$DB_PASSWORD';
        ELSE
          ALTER ROLE $DB_USER LOGIN SUPERUSER CREATEDB PASSWORD '$DB_PASSWORD';
        END IF; END \$\$;" 9>&- ||
      die "could not create role $DB_USER (PostgreSQL on 5432 was not started by this script?)"
    pg_login_ok || die "role $DB_USER exists but password login over TCP fails (check pg_hba.conf: host ... 127.0.0.1/32 scram-sha-256)"
    note="$note, role $DB_USER created"
  fi
  if [ "$note" = "already running" ]; then say postgres "127.0.0.1:5432 up ($note)$(ours postgres)"
  else say postgres "127.0.0.1:5432 up ($note, $(since "$t0"))"; fi
}

# ---------------------------------------------------------------- mariadb
start_mariadb() {
  local t0 note="already running" server log="$LOGS/mariadb.log"
  t0=$(now_ms)
  if ! mysql_answers >/dev/null 2>&1; then
    port_open 3306 && die "127.0.0.1:3306 is open but MariaDB does not answer there"
    server=$(command -v mariadbd || command -v mysqld) || die "mariadbd not found"
    if [ ! -d /var/lib/mysql/mysql ]; then
      asroot mariadb-install-db --user=mysql --datadir=/var/lib/mysql > "$LOGS/mariadb-install.log" 2>&1 9>&- ||
        { log_tail "$LOGS/mariadb-install.log"; die "mariadb-install-db failed"; }
    fi
    asroot install -d -o mysql -g root -m 755 /run/mysqld
    daemon "$log" "$server" --user=mysql --bind-address=127.0.0.1 --port=3306
    wait_for 60 mysql_answers || { log_tail "$log"; die "MariaDB did not answer on 127.0.0.1:3306 within 60 s"; }
    mark_started mariadb "$(cat /run/mysqld/mysqld.pid 2>/dev/null || true)"
    note="started pid $(started_arg mariadb)"
  fi
  if ! mysql_login_ok; then
    local u sql=""
    for u in "'$DB_USER'@'127.0.0.1'" "'$DB_USER'@'localhost'"; do
      sql+="CREATE USER IF NOT EXISTS $u IDENTIFIED BY '$DB_PASSWORD'; ALTER USER $u IDENTIFIED BY '$DB_PASSWORD';"
      sql+="GRANT ALL PRIVILEGES ON *.* TO $u WITH GRANT OPTION;"
    done
    asroot env HOME=/root "$(command -v mariadb || command -v mysql)" --protocol=socket -uroot -e "$sql FLUSH PRIVILEGES;" 9>&- ||
      die "could not create user $DB_USER (MariaDB on 3306 was not started by this script?)"
    mysql_login_ok || die "user $DB_USER exists but cannot log in over TCP with ALL ... WITH GRANT OPTION"
    note="$note, user $DB_USER created"
  fi
  if [ "$note" = "already running" ]; then say mariadb "127.0.0.1:3306 up ($note)$(ours mariadb)"
  else say mariadb "127.0.0.1:3306 up ($note, $(since "$t0"))"; fi
}

# ---------------------------------------------------------------- env file
write_env() {
  local compose q
  compose=$(compose_cmd) || die "neither 'docker compose' nor docker-compose works"
  q=$compose; [[ "$q" == *" "* ]] && q="'$q'"
  # KEY=value lines only (quoted only when the value has a space), so the file is both sourceable
  # (set -a; . .services/env; set +a) and readable by test/support/services.ts.
  cat > "$ENV_FILE.tmp" <<EOF
DK_PG_URL=postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:5432/postgres
DK_MYSQL_URL=mysql://$DB_USER:$DB_PASSWORD@127.0.0.1:3306/mysql
DK_REGISTRY=127.0.0.1:$REG_PORT
DK_REGISTRY_AUTH=127.0.0.1:$REG_AUTH_PORT
DK_REGISTRY_USER=$REG_USER
DK_REGISTRY_PASSWORD=$REG_PASSWORD
DK_BASE_BUSYBOX=$BASE_BUSYBOX
DK_BASE_NODE=$BASE_NODE
DK_COMPOSE=$q
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  say env "$(rel "$ENV_FILE") (compose: $compose)"
}

# ---------------------------------------------------------------- commands
lock() {
  exec 9> "$STATE/lock"
  flock -w 600 9 || die "another services.sh holds $(rel "$STATE/lock") for over 600 s"
}

cmd_up() {
  local t0; t0=$(now_ms)
  mkdir -p "$STATE" "$LOGS"
  have flock && lock
  ensure_packages
  have flock || die "flock not found (util-linux)"
  start_docker
  build_images
  start_registry registry "$REG_PORT" 0 registry_ok
  start_registry registry-auth "$REG_AUTH_PORT" 1 registry_auth_ok
  start_postgres
  start_mariadb
  say tools "nginx $(have nginx && echo ok || echo MISSING), prometheus $(have prometheus && echo ok || echo MISSING), docker-compose $(have docker-compose && echo ok || echo MISSING), skopeo $(have skopeo && echo ok || echo MISSING) (not started; tests run their own)"
  write_env
  say "done" "up in $(since "$t0")"
}

not_alive() { ! alive "$1"; }
stop_pid() { # NAME PID COMM SECONDS
  local name=$1 pid=$2 comm=$3 secs=$4
  if ! pid_is "$pid" "$comm"; then say "$name" "already stopped"; return 0; fi
  asroot kill -TERM "$pid" 9>&-
  if wait_for "$secs" not_alive "$pid"; then
    say "$name" "stopped (pid $pid)"
  else
    asroot kill -KILL "$pid" 2>/dev/null || true
    say "$name" "killed after ${secs}s (pid $pid)"
  fi
}

cmd_down() {
  mkdir -p "$STATE" "$LOGS"
  lock
  # With SERVICES_RUN_FILE: only what that run's `up` started; otherwise all the script started.
  local list="${SERVICES_RUN_FILE:-$STARTED}"
  if [ ! -s "$list" ]; then say down "nothing to stop (this run started nothing)"; return 0; fi
  local name arg
  # stop in reverse order of start
  while read -r name arg; do
    case "$name" in
      mariadb) stop_pid mariadb "$arg" mariadbd 60 ;;
      postgres)
        arg=${arg:-$PG_VERSION/$PG_CLUSTER}
        if ! pg_lsclusters -h 2>/dev/null | awk '{ print $1 "/" $2 " " $4 }' | grep -qx "$arg online"; then
          say postgres "already stopped"
        elif asroot timeout 90 pg_ctlcluster -m fast "${arg%/*}" "${arg#*/}" stop >> "$LOGS/postgres-ctl.log" 2>&1; then
          say postgres "stopped ($arg)"
        else
          say postgres "stop failed, see $(rel "$LOGS/postgres-ctl.log")"
        fi ;;
      registry|registry-auth) stop_pid "$name" "$arg" docker-registry 20 ;;
      dockerd) stop_pid docker "$arg" dockerd 90 ;;
      *) say "$name" "unknown entry, ignored" ;;
    esac
    forget_started "$name"
  done < <(tac "$list")
  if [ -n "${SERVICES_RUN_FILE:-}" ]; then : > "$SERVICES_RUN_FILE"; fi
}

cmd_status() {
  local bad=0
  line() { # NAME PROBE TEXT
    if "$2" >/dev/null 2>&1; then say "$1" "up   $3$(ours "$4")"; else say "$1" "down $3"; bad=1; fi
  }
  line docker docker_ok "" dockerd
  if docker_ok; then
    local image
    for image in "$BASE_BUSYBOX" "$BASE_NODE"; do
      if image_exists "$image"; then say image "ok   $image"; else say image "missing $image"; bad=1; fi
    done
  fi
  line registry registry_ok "127.0.0.1:$REG_PORT" registry
  line registry-auth registry_auth_ok "127.0.0.1:$REG_AUTH_PORT (auth)" registry-auth
  line postgres pg_login_ok "127.0.0.1:5432 as $DB_USER" postgres
  line mariadb mysql_login_ok "127.0.0.1:3306 as $DB_USER" mariadb
  if [ -f "$ENV_FILE" ]; then say env "$(rel "$ENV_FILE")"; else say env "missing $(rel "$ENV_FILE")"; bad=1; fi
  return "$bad"
}

cmd_env() {
  [ -f "$ENV_FILE" ] || die "$(rel "$ENV_FILE") is missing: run \`bash scripts/services.sh up\` first"
  cat "$ENV_FILE"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) echo "usage: bash scripts/services.sh up|down|status|env" >&2; exit 2 ;;
esac
