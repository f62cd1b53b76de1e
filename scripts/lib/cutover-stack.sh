# shellcheck shell=bash
# The local cutover stack, shared by scripts/demo-cutover and scripts/bench (run 8):
# both streams as followers of the cutover's directive, a blue and a green
# `billmig serve` behind a private haproxy, and the load client (curl loops: reads
# of all six patterns, status writes to two subscribers of one account).
# Sourced, not run. The caller sets, before calling the functions:
#   billmig      the billmig binary
#   source_url   mysql://USER@HOST:PORT/DATABASE (password in BILLMIG_MYSQL_PASSWORD)
#   table        the DynamoDB table (AWS_ENDPOINT_URL and credentials in the environment)
#   state        the streams' state folder
#   logs         a folder for the processes' output and the load client's files
#   blue_port, green_port   the services' ports (haproxy's: BILLMIG_HAPROXY_PORT,
#                its folder: BILLMIG_HAPROXY_DIR, as scripts/haproxy takes them)
# and may set cutover_stack_checkpoint_seconds (0.5), cutover_stack_follow_interval (100ms)
# and cutover_stack_read_gap (seconds each reader waits between two requests; 0: none).
# cutover_stack_stop ends everything the functions started (call it from the EXIT trap).

cutover_stack_pids=""
cutover_stack_load_pids=""
cutover_stack_haproxy=""

# A query on the source database: one row a line, tab-separated, no header.
cutover_stack_sql() { scripts/mariadb sql "${source_url##*/}" -N -B -e "$1"; }

# Both streams, each when the cutover says: the forward stream runs until
# switch-writes stops it, reverse-stream waits until switch-writes starts it, and back.
# The forward stream's checkpoint publishes the position the write switch drains to:
# often, to keep the pause short. Waits for its first checkpoint.
cutover_stack_streams() {
  "$billmig" stream --from "$source_url" --table "$table" --state "$state" --heartbeat \
    --checkpoint-seconds "${cutover_stack_checkpoint_seconds:-0.5}" --quiet \
    --follow-cutover --follow-interval "${cutover_stack_follow_interval:-100ms}" "$@" >"$logs/stream.out" 2>"$logs/stream.err" &
  cutover_stack_stream_pid=$!
  "$billmig" reverse-stream --table "$table" --to "$source_url" --state "$state" --quiet --poll-interval-ms 100 \
    --follow-cutover --follow-interval "${cutover_stack_follow_interval:-100ms}" >"$logs/reverse.out" 2>"$logs/reverse.err" &
  cutover_stack_reverse_pid=$!
  cutover_stack_pids="$cutover_stack_pids $cutover_stack_stream_pid $cutover_stack_reverse_pid"
  for _ in $(seq 120); do
    [ -f "$state/changes/binlog.json" ] && return 0
    kill -0 "$cutover_stack_stream_pid" 2>/dev/null || { echo "the stream ended; see $logs/stream.err" >&2; return 1; }
    sleep 0.5
  done
  echo "the stream published no checkpoint within 60 s; see $logs/stream.err" >&2
  return 1
}

# Blue and green `billmig serve` (cache off, flags read every 100 ms) behind haproxy
# (blue at weight 100, green 0); sets front (haproxy's URL) and BILLMIG_HAPROXY_SOCKET,
# and waits until haproxy's health check has seen blue up.
cutover_stack_services() {
  export BILLMIG_HAPROXY_BLUE="127.0.0.1:$blue_port" BILLMIG_HAPROXY_GREEN="127.0.0.1:$green_port"
  local colour port pid
  for colour in blue green; do
    port=$blue_port
    [ "$colour" = green ] && port=$green_port
    "$billmig" serve --mysql "$source_url" --table "$table" --port "$port" --flags-poll-ms 100 --cache-entries 0 \
      >"$logs/$colour.out" 2>"$logs/$colour.err" &
    pid=$!
    cutover_stack_pids="$cutover_stack_pids $pid"
    eval "cutover_stack_${colour}_pid=$pid"
  done
  for port in "$blue_port" "$green_port"; do
    for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "the service on :$port is not ready; see $logs/" >&2; return 1; }
  done
  scripts/haproxy start
  cutover_stack_haproxy=1
  eval "$(scripts/haproxy env)"
  front="$BILLMIG_HAPROXY_URL"
  # haproxy sends traffic once its health check has seen blue up: not before.
  for _ in $(seq 100); do curl -sf -o /dev/null "$front/health/ready" && return 0; sleep 0.2; done
  echo "haproxy does not reach blue; see $logs/blue.err" >&2
  return 1
}

# cutover_stack_read_urls BAN...: reads of all six patterns through haproxy into
# $logs/read-urls, over accounts other than BAN...: the writers' accounts, whose reads
# in shadow would differ by the stream's lag and stop the shadow gate.
cutover_stack_read_urls() {
  local excluded range="from=2000-01-01&to=2099-12-31"
  excluded=$(IFS=,; echo "$*")
  {
    cutover_stack_sql "SELECT ban FROM BILLING_ACCOUNT WHERE ban NOT IN ($excluded) ORDER BY ban LIMIT 8" | while read -r ban; do
      echo "$front/accounts/$ban?limit=7"; echo "$front/accounts/$ban/account"; echo "$front/accounts/$ban/customer"
    done
    cutover_stack_sql "SELECT ban, subscriber_no FROM SUBSCRIBER WHERE ban NOT IN ($excluded) ORDER BY ban LIMIT 6" | while read -r ban number; do
      echo "$front/accounts/$ban/subscribers/$number"; echo "$front/subscribers/$number"
      echo "$front/subscribers/$number/charges?$range"
    done
    cutover_stack_sql "SELECT DISTINCT cycle_code FROM BILL ORDER BY cycle_code LIMIT 4" | while read -r cycle; do
      echo "$front/cycles/$cycle/bills?$range&limit=5"
    done
    cutover_stack_sql "SELECT DISTINCT feature_code FROM CHARGE ORDER BY feature_code LIMIT 4" | while read -r feature; do
      echo "$front/features/$feature/charges?$range&limit=5"
    done
  } >"$logs/read-urls"
  mapfile -t cutover_stack_urls <"$logs/read-urls"
  [ "${#cutover_stack_urls[@]}" -gt 20 ] || { echo "too few read URLs; see $logs/read-urls" >&2; return 1; }
}

cutover_stack_reader() { # one line per request: status code, wall time at the answer
  local url gap=${cutover_stack_read_gap:-0}
  while [ ! -f "$logs/stop-load" ]; do
    for url in "${cutover_stack_urls[@]}"; do
      curl -s -o /dev/null --max-time 10 -H 'Connection: close' -w "%{http_code} $EPOCHREALTIME\n" "$url" >>"$logs/reads-$1" 2>/dev/null || true
      [ "$gap" = 0 ] || sleep "$gap"
    done
  done
}
cutover_stack_writer() { # ban subscriber; one line per request: status code, seconds taken, wall time at the start
  local ban=$1 number=$2 n=0 status date code
  while [ ! -f "$logs/stop-load" ]; do
    if [ -f "$logs/hold-writes" ]; then sleep 0.05; continue; fi
    touch "$logs/writing-$number"
    n=$((n + 1)); status=$([ $((n % 2)) = 0 ] && echo A || echo S)
    date=$(date -u -d "2020-01-01 + $n days" +%F)
    code=$(curl -s -o /dev/null --max-time 30 -H 'Connection: close' -H 'Content-Type: application/json' -X PUT \
      -d "{\"status\":\"$status\",\"status_date\":\"$date\"}" -w "%{http_code} %{time_total} $EPOCHREALTIME" \
      "$front/accounts/$ban/subscribers/$number/status" 2>/dev/null || true)
    echo "$code" >>"$logs/writes-$number"
    [ "${code%% *}" = 200 ] && echo "$status $date" >"$logs/acknowledged-$number"
    rm -f "$logs/writing-$number"
    # Every write of a writer is to one item, which the stream applies in order, one
    # conditional put at a time: paced under what moto_server answers on a busy
    # machine, or the stream's backlog on that item becomes the write switch's pause.
    sleep 0.15
  done
}

# cutover_stack_load BAN SUBSCRIBER...: three readers over the read URLs and one writer
# per SUBSCRIBER (of account BAN), through haproxy until cutover_stack_load_stop.
cutover_stack_load() {
  local ban=$1 n number
  shift
  rm -f "$logs/stop-load" "$logs/hold-writes"
  for n in 1 2 3; do cutover_stack_reader "$n" & cutover_stack_load_pids="$cutover_stack_load_pids $!"; done
  for number in "$@"; do cutover_stack_writer "$ban" "$number" & cutover_stack_load_pids="$cutover_stack_load_pids $!"; done
}
cutover_stack_load_stop() {
  touch "$logs/stop-load"
  # shellcheck disable=SC2086 # a list of pids
  [ -z "$cutover_stack_load_pids" ] || wait $cutover_stack_load_pids 2>/dev/null || true
  cutover_stack_load_pids=""
}
cutover_stack_hold_writes() { # until the writes in flight are answered
  touch "$logs/hold-writes"
  for _ in $(seq 600); do ls "$logs"/writing-* >/dev/null 2>&1 || return 0; sleep 0.05; done
  echo "a write did not return within 30 s" >&2
  return 1
}
cutover_stack_resume_writes() { rm -f "$logs/hold-writes"; }

# The load client's figures as KEY=VALUE lines: requests, reads, writes, failed (not
# 2xx or no answer), write latency p50/p99/max in ms (a held write waits).
cutover_stack_load_figures() {
  python3 - "$logs" <<'PY'
import glob, sys
logs = sys.argv[1]
reads = [l.strip() for f in glob.glob(logs + "/reads-*") for l in open(f) if l.strip()]
writes = [l.split() for f in glob.glob(logs + "/writes-*") for l in open(f) if l.strip()]
failed = sum(1 for c in reads if not c.startswith("2")) + sum(1 for w in writes if not w[0].startswith("2"))
times = sorted(float(w[1]) * 1000 for w in writes if len(w) > 1)
def pct(p): return times[min(len(times) - 1, int(p * len(times)))] if times else 0
print(f"requests={len(reads) + len(writes)}")
print(f"reads={len(reads)}")
print(f"writes={len(writes)}")
print(f"failed={failed}")
print(f"write_p50_ms={pct(0.5):.0f}")
print(f"write_p99_ms={pct(0.99):.0f}")
print(f"write_max_ms={times[-1] if times else 0:.0f}")
PY
}

# Ends what the functions started: the load, the streams and services, haproxy.
cutover_stack_stop() {
  [ -n "${logs:-}" ] && touch "$logs/stop-load" 2>/dev/null
  local pid
  for pid in $cutover_stack_load_pids $cutover_stack_pids; do kill "$pid" 2>/dev/null || true; done
  for pid in $cutover_stack_load_pids $cutover_stack_pids; do wait "$pid" 2>/dev/null || true; done
  cutover_stack_load_pids="" cutover_stack_pids=""
  if [ -n "$cutover_stack_haproxy" ]; then scripts/haproxy stop || true; fi
  cutover_stack_haproxy=""
}
