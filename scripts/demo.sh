#!/usr/bin/env bash
# The load-balancing demo (examples/load_balancing), in one command on a fresh Debian 12 machine:
#
#   scripts/demo.sh
#
# Installs the packages (scripts/install-deps.sh), builds resonate-server and the example's two
# programs in build/, then starts a server (SQLite database in a temporary directory), three
# workers and a burst of nine calls. Once the calls have spread over the workers, one worker
# that is in the middle of some calls is killed with SIGKILL; its calls finish on the others
# at their original deadlines. A summary table ends the demo (about 20 s after the build).
#
# Environment:
#   RESONATE_DEMO_SKIP_INSTALL=1   skip scripts/install-deps.sh (the packages are installed)
#   RESONATE_DEMO_BUILD_DIR=DIR    build in DIR instead of build/
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${RESONATE_DEMO_BUILD_DIR:-build}
costs=(5 8 3 6 4 7 5 6 8)  # seconds of "work" of the nine calls
worker_names=(worker-1 worker-2 worker-3)

# --- presentation ------------------------------------------------------------------------------
if [[ -t 1 ]]; then
  bold=$'\e[1m' dim=$'\e[2m' red=$'\e[31m' reset=$'\e[0m'
  colors=($'\e[36m' $'\e[33m' $'\e[35m')  # one per worker
else
  bold='' dim='' red='' reset='' colors=('' '' '')
fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
note() { printf '%s    %s%s\n' "$dim" "$*" "$reset"; }

# --- install and build -------------------------------------------------------------------------
if [[ ${RESONATE_DEMO_SKIP_INSTALL:-0} != 1 ]]; then
  step "Installing the Debian packages (scripts/install-deps.sh)"
  # (It also installs the interoperability tests' npm and PyPI packages, which the demo does not
  # need: a failure here is only a warning; the build below says what is really missing.)
  scripts/install-deps.sh || echo "${red}install-deps.sh failed; trying to build anyway${reset}" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/resonate-demo-XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Building resonate-server and the example in $build_dir/ (the first build takes a few minutes)"
if ! { cmake -S . -B "$build_dir" -DRESONATE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
       cmake --build "$build_dir" -j "$(nproc)" --target resonate-server load_balancing_worker load_balancing_client
     } >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log"
  echo "${red}build failed${reset}" >&2
  exit 1
fi
server_program=$build_dir/tools/resonate-server
worker_program=$build_dir/examples/load_balancing/load_balancing_worker
client_program=$build_dir/examples/load_balancing/load_balancing_client

# Waits up to $3 seconds for a line matching the extended regex $2 in file $1.
wait_for_line() {
  local file=$1 pattern=$2 deadline=$((SECONDS + $3))
  until grep -Eq -- "$pattern" "$file" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "${red}timed out waiting for /$pattern/ in $file${reset}" >&2
      tail -n 20 "$file" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
}

# --- server and workers ------------------------------------------------------------------------
step "Starting resonate-server on a free loopback port"
"$server_program" serve --host 127.0.0.1 --port 0 --store "$work/resonate.db" --log-level debug \
  >"$work/server.log" 2>&1 &
pids+=($!)
wait_for_line "$work/server.log" 'msg="listening"' 15
port=$(grep -m1 'msg="listening"' "$work/server.log" | sed -E 's/.*addr=[^ ]*:([0-9]+).*/\1/')
url=http://127.0.0.1:$port
note "server: $url, database $work/resonate.db"

step "Starting three workers of group \"workers\" (their output below, one colour each)"
for i in "${!worker_names[@]}"; do
  name=${worker_names[$i]}
  # The worker's own pid, for SIGKILL; its output goes to a log (for the summary) and the screen.
  "$worker_program" --url "$url" --name "$name" --ttl-ms 5000 \
    > >(tee "$work/$name.log" | sed -u "s/^/    ${colors[$i]}/; s/\$/${reset}/") 2>&1 &
  pids+=($!)
  os_pid[$i]=$!
done
for name in "${worker_names[@]}"; do
  wait_for_line "$work/$name.log" '\] ready ' 15
  worker_pid=$(grep -m1 '\] ready ' "$work/$name.log" | sed -E 's/.*pid=([^ ]+).*/\1/')
  wait_for_line "$work/server.log" "poll connected.* id=$worker_pid( |$)" 15
done

# --- the burst of calls ------------------------------------------------------------------------
step "Nine calls of compute_something(id, cost) to \"poll://any@workers\" (load_balancing_client)"
for i in "${!costs[@]}"; do
  "$client_program" --url "$url" --id "job-$((i + 1))" --cost "${costs[$i]}" | sed "s/^/    /"
done

# Lets every call start, then picks the worker with the most calls in the middle of their sleep.
count_lines() { cat "$work"/worker-*.log | grep -c "$1" || true; }
deadline=$((SECONDS + 15))
until (($(count_lines '\] start ') >= ${#costs[@]})); do
  ((SECONDS < deadline)) || { echo "${red}not every call started${reset}" >&2; exit 1; }
  sleep 0.1
done
sleep 1  # (a pause to look at the spread before the crash)
# Calls that worker $1 started and nobody has finished yet.
sleeping_calls() {
  local job
  for job in $(grep -o '\] start  id=[^ ]*' "$work/$1.log" | sed 's/.*id=//'); do
    grep -q "\] done   id=$job " "$work"/worker-*.log || printf '%s ' "$job"
  done
}
victim=0 most=-1
for i in "${!worker_names[@]}"; do
  read -ra calls <<<"$(sleeping_calls "${worker_names[$i]}")"
  if ((${#calls[@]} > most)); then victim=$i most=${#calls[@]}; fi
done
victim_name=${worker_names[$victim]}
victim_jobs=$(sleeping_calls "$victim_name")

step "${red}SIGKILL $victim_name${reset}${bold} (pid ${os_pid[$victim]}) while it sleeps in: ${victim_jobs% }"
{ kill -KILL "${os_pid[$victim]}" && wait "${os_pid[$victim]}"; } 2>/dev/null || true  # (quietly)
note "A sleeping call is parked on the server, not held by a worker: when its timer fires, the"
note "server hands it to a live worker of the group, which replays it from its recorded steps."

step "Waiting for every call to finish"
deadline=$((SECONDS + 40))
until (($(count_lines '\] done ') >= ${#costs[@]})); do
  ((SECONDS < deadline)) || { echo "${red}not every call finished${reset}" >&2; exit 1; }
  sleep 0.2
done

# --- summary -----------------------------------------------------------------------------------
step "Summary"
printf '\n    %-10s %8s %9s\n' worker started finished
for name in "${worker_names[@]}"; do
  started=$(grep -c '\] start ' "$work/$name.log" || true)
  finished=$(grep -c '\] done ' "$work/$name.log" || true)
  mark=''
  [[ $name == "$victim_name" ]] && mark="  ${red}(killed)${reset}"
  printf '    %-10s %8s %9s%s\n' "$name" "$started" "$finished" "$mark"
done

printf '\n'
note "(A call may finish on another worker than the one that started it: every wake-up goes to"
note " any live worker of the group.)"
printf '\n    Calls that were sleeping on %s when it was killed:\n\n' "$victim_name"
printf '    %-7s %5s %-10s %-13s %-13s %6s\n' call cost "done by" "expected end" "actual end" took
for job in $victim_jobs; do
  line=$(grep -h "\] done   id=$job " "$work"/worker-*.log)
  cost=$(grep -h "\] start  id=$job " "$work/$victim_name.log" | sed -E 's/.*cost=([0-9]+s).*/\1/')
  by=$(sed -E 's/^\[([^]]+)\].*/\1/' <<<"$line")
  took=$(sed -E 's/.* took ([0-9.]+s).*/\1/' <<<"$line")
  expected=$(sed -E 's/.*expected end ([0-9:.]+),.*/\1/' <<<"$line")
  actual=$(sed -E 's/.*actual ([0-9:.]+)\).*/\1/' <<<"$line")
  printf '    %-7s %5s %-10s %-13s %-13s %6s\n' "$job" "$cost" "$by" "$expected" "$actual" "$took"
done
printf '\n'
note "\"took\" counts from the first start: the survivors waited only for what was left of each"
note "sleep (the server checks timers once a second, hence up to a second or so late), and no"
note "call ran twice."
