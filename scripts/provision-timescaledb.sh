#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# provision-timescaledb.sh — get a running TimescaleDB server for tests/dev.
#
# Why this exists
#   * TimescaleDB is not packaged for Debian bookworm (our machines), and there
#     is no Docker engine here. Debian trixie does ship it
#     (postgresql-17-timescaledb), so this script builds a small trixie chroot
#     with debootstrap (using debootstrap's *default* mirror — no package host
#     is named in this repo) and runs PostgreSQL 17 + TimescaleDB from it.
#   * Debian's build is the Apache-2.0 licensed edition
#     (SHOW timescaledb.license => 'apache'). It has hypertables and
#     time_bucket() etc., but NOT the TSL (community-licensed) features:
#     no native compression / columnstore, no retention or compression
#     policies (add_*_policy), no continuous aggregates. The service
#     implements downsampling/retention itself, so it must not rely on those.
#
# What it does (idempotent; a rerun while the server is up takes ~1 s)
#   1. chroot in ${TSDB_CHROOT:-/var/lib/em-tsdb-trixie} (outside the repo,
#      reused across runs): `debootstrap --variant=minbase trixie` if missing,
#      then `apt-get install postgresql-17 postgresql-17-timescaledb` inside
#      it (services are kept from auto-starting with a policy-rc.d; /proc is
#      mounted only for the install and unmounted again).
#   2. initdb a cluster at /var/lib/postgresql/17/em (inside the chroot) with
#      shared_preload_libraries='timescaledb', telemetry off, trust auth,
#      listening on 127.0.0.1:${TSDB_PORT:-5433}.
#   3. starts it daemonised (pg_ctl, in its own session) so it outlives this
#      script, waits for it, creates databases `test` and `em` (owner
#      postgres), checks `CREATE EXTENSION IF NOT EXISTS timescaledb` in
#      `test` and prints the extension version and license.
#
# Usage (as root):
#   scripts/provision-timescaledb.sh [start]   # provision + start (default)
#   scripts/provision-timescaledb.sh stop      # stop the server
#   scripts/provision-timescaledb.sh restart   # stop + start
#   scripts/provision-timescaledb.sh status    # exit 0 if up and accepting
#
# Connect with:  psql -h 127.0.0.1 -p 5433 -U postgres -d test
#   (or DATABASE_URL=postgres://postgres@127.0.0.1:5433/test)
#
# Environment:
#   TSDB_CHROOT   chroot folder            (default /var/lib/em-tsdb-trixie)
#   TSDB_PORT     TCP port on 127.0.0.1    (default 5433)
#   TSDB_VERBOSE  1 = stream debootstrap/apt output instead of logging it to
#                 ${TSDB_CHROOT}.install.log
# Server log (host path): ${TSDB_CHROOT}/var/log/postgresql/em.log
# -----------------------------------------------------------------------------
set -Eeuo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"

CHROOT="${TSDB_CHROOT:-/var/lib/em-tsdb-trixie}"
CHROOT="${CHROOT%/}"
PORT="${TSDB_PORT:-5433}"
VERBOSE="${TSDB_VERBOSE:-0}"
SUITE=trixie
PGVER=17
PACKAGES=("postgresql-$PGVER" "postgresql-$PGVER-timescaledb")
DATABASES=(test em)

# Paths as seen from inside the chroot.
PGBIN="/usr/lib/postgresql/$PGVER/bin"
PGDATA="/var/lib/postgresql/$PGVER/em"
SOCKDIR="/var/run/postgresql"
PGLOG="/var/log/postgresql/em.log"
CHROOT_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

LOCKFILE="${CHROOT}.lock"
INSTALL_LOG="${CHROOT}.install.log"

T0=$(date +%s.%N)

say() { printf '[tsdb] %s\n' "$*"; }
die() { printf '[tsdb] ERROR: %s\n' "$*" >&2; exit 1; }
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'; }

trap 'rc=$?; printf "[tsdb] ERROR: command failed (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2; exit "$rc"' ERR

# ---- sanity -----------------------------------------------------------------
[[ $EUID -eq 0 ]] || die "must run as root (needs debootstrap/chroot)."
[[ $CHROOT == /?* && $CHROOT != "/" ]] || die "TSDB_CHROOT must be an absolute path other than / (got '$CHROOT')."
[[ $PORT =~ ^[0-9]+$ ]] || die "TSDB_PORT must be a number (got '$PORT')."

# ---- mounts (only while installing) -----------------------------------------
MOUNTED=()
unmount_all() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" 2>/dev/null || true
  done
  MOUNTED=()
}
trap unmount_all EXIT
trap 'exit 130' INT TERM

# Mount inside the chroot; a leftover mount from a killed earlier run is
# adopted (and unmounted at the end), so reruns are safe.
mount_in() { # fstype source target-inside-chroot
  local target="$CHROOT$3"
  mkdir -p "$target"
  if ! mountpoint -q "$target"; then
    mount -t "$1" "$2" "$target"
  fi
  MOUNTED+=("$target")
}

# Unmount anything still mounted below the chroot (from a killed run).
unmount_stale() {
  local m
  [[ -d $CHROOT ]] || return 0
  while read -r m; do
    [[ -n $m && $m != "$CHROOT" ]] || continue
    umount -l "$m" 2>/dev/null || true
  done < <(findmnt -rn -o TARGET | awk -v p="$CHROOT/" 'index($0, p) == 1' | sort -r)
}

# ---- helpers to run things in the chroot ------------------------------------
# As root (for apt/dpkg).
in_chroot() {
  env -i PATH="$CHROOT_PATH" HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    chroot "$CHROOT" "$@"
}

PG_UID="" PG_GID=""
load_pg_ids() {
  local line
  line=$(awk -F: '$1 == "postgres" { print $3 ":" $4 }' "$CHROOT/etc/passwd" 2>/dev/null || true)
  [[ -n $line ]] || die "no 'postgres' user inside $CHROOT (broken install? delete $CHROOT and rerun)."
  PG_UID=${line%%:*}
  PG_GID=${line##*:}
}

# As the chroot's postgres user, with a clean environment.
as_pg() {
  env -i PATH="$PGBIN:$CHROOT_PATH" HOME=/var/lib/postgresql LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    PGHOST=127.0.0.1 PGPORT="$PORT" PGUSER=postgres PGCONNECT_TIMEOUT=5 \
    PGOPTIONS='-c client_min_messages=warning' \
    chroot --userspec="$PG_UID:$PG_GID" --groups="$PG_GID" "$CHROOT" "$@"
}

psql_pg() { # db, then psql args
  local db=$1; shift
  as_pg "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# Run a long, noisy command; its output goes to the install log unless
# TSDB_VERBOSE=1. On failure show the tail of the log.
run_logged() {
  if [[ $VERBOSE == 1 ]]; then
    "$@"
    return
  fi
  if ! "$@" >>"$INSTALL_LOG" 2>&1; then
    printf '[tsdb] ---- last lines of %s ----\n' "$INSTALL_LOG" >&2
    tail -n 30 "$INSTALL_LOG" >&2 || true
    die "failed: $*"
  fi
}

# ---- state checks -------------------------------------------------------------
bootstrapped() {
  [[ -x $CHROOT/usr/bin/apt-get && -e $CHROOT/var/lib/dpkg/status && ! -e $CHROOT/debootstrap ]]
}

packages_installed() {
  bootstrapped || return 1
  [[ -x $CHROOT$PGBIN/postgres && -e $CHROOT/usr/lib/postgresql/$PGVER/lib/timescaledb.so ]] || return 1
  local st
  st=$(in_chroot dpkg-query -W -f='${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
  [[ $(grep -c '^installed$' <<<"$st" || true) -eq ${#PACKAGES[@]} ]]
}

initialised() { [[ -s $CHROOT$PGDATA/PG_VERSION ]]; }

server_running() {
  initialised || return 1
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

server_ready() {
  as_pg "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2 >/dev/null 2>&1
}

# ---- steps ----------------------------------------------------------------------
ensure_debootstrap() {
  if command -v debootstrap >/dev/null 2>&1; then
    return
  fi
  say "installing debootstrap on the host"
  if ! run_logged_soft apt-get install -y -q debootstrap; then
    say "apt-get install failed; running apt-get update and retrying"
    run_logged apt-get update -q
    run_logged apt-get install -y -q debootstrap
  fi
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap still not available after install."
}

run_logged_soft() { # like run_logged but returns the status instead of dying
  if [[ $VERBOSE == 1 ]]; then "$@"; else "$@" >>"$INSTALL_LOG" 2>&1; fi
}

ensure_bootstrap() {
  if bootstrapped; then
    say "chroot $CHROOT: $SUITE base system present"
    return
  fi
  ensure_debootstrap
  [[ -e /usr/share/debootstrap/scripts/$SUITE ]] \
    || die "this debootstrap does not know '$SUITE' (upgrade the debootstrap package)."
  if [[ -e $CHROOT ]]; then
    say "chroot $CHROOT exists but is incomplete; wiping it"
    unmount_stale
    rm -rf --one-file-system "$CHROOT"
  fi
  mkdir -p "$(dirname "$CHROOT")"
  say "debootstrap --variant=minbase $SUITE $CHROOT (default mirror; log: $INSTALL_LOG) ..."
  run_logged debootstrap --variant=minbase "$SUITE" "$CHROOT"
  bootstrapped || die "debootstrap finished but $CHROOT does not look complete."
  say "debootstrap done ($(elapsed))"
}

ensure_packages() {
  if packages_installed; then
    say "postgresql-$PGVER + timescaledb already installed in chroot"
    return
  fi
  say "installing ${PACKAGES[*]} in the chroot (log: $INSTALL_LOG) ..."
  # Never start services inside the chroot during package installation.
  printf '#!/bin/sh\nexit 101\n' >"$CHROOT/usr/sbin/policy-rc.d"
  chmod 755 "$CHROOT/usr/sbin/policy-rc.d"
  # debootstrap copies the host's resolv.conf; refresh it in case it changed.
  if [[ -r /etc/resolv.conf ]]; then cp -L /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true; fi

  unmount_stale
  mount_in proc proc /proc
  mount_in devpts devpts /dev/pts

  local apt=(apt-get -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  run_logged in_chroot apt-get update -q
  # postgresql-common first, so the automatic "main" cluster is not created.
  run_logged in_chroot "${apt[@]}" install postgresql-common
  local cc="$CHROOT/etc/postgresql-common/createcluster.conf"
  if [[ -f $cc ]]; then
    if grep -Eq '^[#[:space:]]*create_main_cluster' "$cc"; then
      sed -i -E 's/^[#[:space:]]*create_main_cluster.*/create_main_cluster = false/' "$cc"
    else
      echo 'create_main_cluster = false' >>"$cc"
    fi
  fi
  run_logged in_chroot "${apt[@]}" install "${PACKAGES[@]}"
  run_logged in_chroot apt-get clean
  unmount_all
  packages_installed || die "packages did not install correctly in $CHROOT (see $INSTALL_LOG)."
  say "packages installed ($(elapsed))"
}

prepare_dirs() {
  load_pg_ids
  local d
  for d in "$SOCKDIR" "$(dirname "$PGLOG")" "$(dirname "$PGDATA")"; do
    mkdir -p "$CHROOT$d"
    chown "$PG_UID:$PG_GID" "$CHROOT$d"
  done
  chmod 2775 "$CHROOT$SOCKDIR"
}

write_config() { # echo "changed" if the config file content changed
  local conf="$CHROOT$PGDATA/em-tsdb.conf" new
  new=$(cat <<EOF
# Managed by scripts/provision-timescaledb.sh — rewritten on every run.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKDIR'
max_connections = 200
shared_buffers = 512MB
effective_cache_size = 8GB
maintenance_work_mem = 256MB
work_mem = 16MB
wal_buffers = 16MB
min_wal_size = 256MB
max_wal_size = 2GB
checkpoint_completion_target = 0.9
random_page_cost = 1.1
max_worker_processes = 16
max_parallel_workers = 2
max_parallel_workers_per_gather = 1
max_locks_per_transaction = 256
# No tmpfs /dev/shm or /proc in the chroot at runtime: use SysV shm, no huge pages.
dynamic_shared_memory_type = sysv
huge_pages = off
timezone = 'UTC'
log_timezone = 'UTC'
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
timescaledb.max_background_workers = 8
EOF
)
  if [[ -f $conf ]] && [[ $(cat "$conf") == "$new" ]]; then
    return 0
  fi
  printf '%s\n' "$new" >"$conf"
  chown "$PG_UID:$PG_GID" "$conf"
  echo changed
}

ensure_cluster() {
  prepare_dirs
  if ! initialised; then
    if [[ -e $CHROOT$PGDATA ]]; then
      say "removing incomplete data directory $PGDATA"
      rm -rf --one-file-system "$CHROOT$PGDATA"
    fi
    say "initdb $PGDATA (inside chroot)"
    run_logged as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8
  fi
  local pgconf="$CHROOT$PGDATA/postgresql.conf"
  if ! grep -q "^include_if_exists = 'em-tsdb.conf'" "$pgconf"; then
    printf "\n# Settings for the em test server\ninclude_if_exists = 'em-tsdb.conf'\n" >>"$pgconf"
  fi
  CONFIG_CHANGED=$(write_config)
}

start_server() {
  local log="$CHROOT$PGLOG"
  say "starting PostgreSQL $PGVER on 127.0.0.1:$PORT (log: $log)"
  # setsid: own session, so the postmaster outlives this script and its
  # caller's process group; pg_ctl redirects the postmaster's stdio to the log.
  # 9>&- : the postmaster must not inherit (and so hold forever) our lock fd.
  if ! setsid -w env -i PATH="$PGBIN:$CHROOT_PATH" HOME=/var/lib/postgresql LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    chroot --userspec="$PG_UID:$PG_GID" --groups="$PG_GID" "$CHROOT" \
    "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 120 -s start </dev/null >/dev/null 2>&1 9>&-; then
    printf '[tsdb] ---- last lines of %s ----\n' "$log" >&2
    tail -n 30 "$log" >&2 2>/dev/null || true
    die "PostgreSQL failed to start (is port $PORT already taken? see $log)."
  fi
}

stop_server() {
  say "stopping PostgreSQL on port $PORT"
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 60 -s -m fast stop \
    || die "pg_ctl stop failed (see $CHROOT$PGLOG)."
}

wait_ready() {
  local i
  for ((i = 0; i < 120; i++)); do
    if server_ready; then return 0; fi
    sleep 0.5
  done
  tail -n 30 "$CHROOT$PGLOG" >&2 2>/dev/null || true
  die "server is not accepting connections on 127.0.0.1:$PORT after 60s."
}

ensure_databases() {
  local db
  for db in "${DATABASES[@]}"; do
    if [[ $(psql_pg postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'") != 1 ]]; then
      say "creating database $db (owner postgres)"
      psql_pg postgres -c "CREATE DATABASE \"$db\" OWNER postgres"
    fi
  done
}

verify_timescaledb() {
  psql_pg test -c "CREATE EXTENSION IF NOT EXISTS timescaledb" \
    || die "CREATE EXTENSION timescaledb failed in database test."
  local ver lic
  ver=$(psql_pg test -c "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
  lic=$(psql_pg test -c "SHOW timescaledb.license")
  [[ -n $ver ]] || die "timescaledb extension missing in database test."
  say "timescaledb $ver (license: $lic) in database 'test'; PostgreSQL $(psql_pg test -c 'SHOW server_version')"
  if [[ $lic != apache ]]; then say "WARNING: expected timescaledb.license = apache, got '$lic'"; fi
}

# ---- commands ------------------------------------------------------------------
take_lock() {
  mkdir -p "$(dirname "$LOCKFILE")"
  exec 9>"$LOCKFILE"
  if ! flock -n 9; then
    say "another provision-timescaledb.sh is running; waiting for it ..."
    flock -w 900 9 || die "timed out waiting for lock $LOCKFILE."
  fi
}

cmd_start() {
  take_lock
  ensure_bootstrap
  ensure_packages
  CONFIG_CHANGED=""
  ensure_cluster
  if server_running; then
    if [[ $CONFIG_CHANGED == changed ]]; then
      say "configuration changed; restarting"
      stop_server
      start_server
    else
      say "PostgreSQL already running"
    fi
  else
    start_server
  fi
  wait_ready
  ensure_databases
  verify_timescaledb
  say "ready: postgres://postgres@127.0.0.1:$PORT/test (and /em) — took $(elapsed)"
}

cmd_stop() {
  take_lock
  if ! initialised || ! packages_installed; then
    say "not provisioned ($CHROOT); nothing to stop"
    return 0
  fi
  load_pg_ids
  if server_running; then
    stop_server
    say "stopped"
  else
    say "not running"
  fi
}

cmd_status() {
  if ! packages_installed || ! initialised; then
    say "not provisioned ($CHROOT)"
    return 3
  fi
  load_pg_ids
  if ! server_running; then
    say "installed in $CHROOT, server NOT running"
    return 3
  fi
  if server_ready; then
    say "running on 127.0.0.1:$PORT (pid $(head -n1 "$CHROOT$PGDATA/postmaster.pid")), accepting connections"
    local ver
    ver=$(psql_pg test -c "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'" 2>/dev/null || true)
    [[ -n $ver ]] && say "timescaledb $ver in database 'test'"
    return 0
  fi
  say "server process running but NOT accepting connections on 127.0.0.1:$PORT"
  return 1
}

case "${1:-start}" in
  start | up) cmd_start ;;
  stop | down) cmd_stop ;;
  restart)
    cmd_stop
    exec 9>&-
    cmd_start
    ;;
  status)
    rc=0
    cmd_status || rc=$?
    exit "$rc"
    ;;
  -h | --help | help) sed -n '3,/^# ---*$/{s/^# \{0,1\}//;p}' "$0" | sed '$d' ;;
  *) die "unknown command '$1' (use: start | stop | restart | status)" ;;
esac
