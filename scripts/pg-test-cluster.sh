#!/usr/bin/env bash
# A private, throwaway PostgreSQL 15 cluster for the store tests.
#   pg-test-cluster.sh start <dir>   initialises and starts a cluster under <dir>, creates the
#                                    database "resonate_test" and prints its conninfo on stdout
#   pg-test-cluster.sh stop <dir>    stops that cluster and deletes its files
# The cluster listens on a unix socket only (no TCP), so nothing is reachable from outside.
# Run as root, the server runs as the "postgres" user, which owns the cluster's files.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop <dir>" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
action=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
data="$dir/data"
port=5432
database=resonate_test

# The server binaries: on PATH, else Debian's versioned directory.
bin_dir=""
if ! command -v pg_ctl >/dev/null 2>&1; then
  bin_dir=/usr/lib/postgresql/15/bin/
  [[ -x ${bin_dir}pg_ctl ]] || { echo "pg-test-cluster: pg_ctl not found" >&2; exit 1; }
fi

# Runs a server binary as the cluster's owner.
as_owner() {
  local program="$bin_dir$1"
  shift
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$program" "$@"
  else
    "$program" "$@"
  fi
}

# Unix socket paths are limited to about 100 bytes; a deep <dir> gets a short one in /tmp.
socket_dir() {
  if [[ -f "$dir/socket-dir" ]]; then
    cat "$dir/socket-dir"
  elif (( ${#dir} <= 80 )); then
    echo "$dir"
  else
    mktemp -d /tmp/resonate-pg.XXXXXX | tee "$dir/socket-dir"
  fi
}

stop_cluster() {
  if [[ -f "$data/postmaster.pid" ]]; then
    as_owner pg_ctl -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [[ -f "$dir/socket-dir" ]]; then
    rm -rf "$(cat "$dir/socket-dir")"
    rm -f "$dir/socket-dir"
  fi
  rm -rf "$data" "$dir/server.log" "$dir/initdb.log"
}

case "$action" in
  start)
    stop_cluster  # a cluster left behind by an interrupted run
    sockets=$(socket_dir)
    mkdir -p "$data"
    if [[ $(id -u) -eq 0 ]]; then
      chown postgres "$data" "$dir" "$sockets"
    fi
    chmod 700 "$data"
    as_owner initdb -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    options="-c listen_addresses='' -c unix_socket_directories='$sockets' -p $port -c fsync=off -c deadlock_timeout=100ms"
    as_owner pg_ctl -D "$data" -l "$dir/server.log" -o "$options" -w -t 60 start >/dev/null || {
      cat "$dir/server.log" >&2
      exit 1
    }
    as_owner "createdb" -h "$sockets" -p "$port" -U postgres "$database"
    echo "host=$sockets port=$port user=postgres dbname=$database"
    ;;
  stop)
    stop_cluster
    ;;
  *)
    usage
    ;;
esac
