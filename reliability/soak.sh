#!/usr/bin/env bash
# Soak: DURATION seconds (600) of mixed load on each store, one after another, with the shop's
# memory, file descriptors, TCP connections and stored sessions sampled every 10 s; then a
# quiet COOLDOWN (100 s) in which every session must expire and be purged.
#
# Stores (pass any of them as arguments; all four by default):
#   sqlite    customers, sessions and orders in an SQLite file in a temp dir
#   postgres  customers, sessions and orders in a fresh database on the shared server
#             (PGHOST/PGPORT/PGUSER, default 127.0.0.1:5432 postgres), dropped afterwards
#   redis     customers and sessions on the shared Redis (REDIS_URL, default
#             redis://127.0.0.1:6379) under a fresh key prefix, deleted afterwards;
#             orders in an SQLite file
#   pg-redis  customers and orders in Postgres, sessions in Redis (the production set-up)
#
# Settings: camerastore runs with bcrypt cost 4, no throttle, no email confirmation and
# --session-idle-timeout IDLE_TIMEOUT (30 s) so that abandoned sessions expire during the run
# (the SQL stores purge every 60 s, their default; Redis expires keys by itself). mixload runs
# USERS (8) virtual users that pause THINK_MS (50) after each request, then logs in every
# acknowledged customer. The shop's RSS slope is a least-squares fit over the last 300 s of load.
#
# Output, per store, in OUT (reliability/results/<date>/soak): summary.json and timeline.csv from
# mixload, samples.csv (phase load, verify or cooldown), and the table of every store in soak.md.
# "TCP connections" counts the shop's established connections, HTTP and store ("store" alone).
#
# Rerun: bash reliability/soak.sh                  (all four, ~50 min)
#        DURATION=120 bash reliability/soak.sh redis
#        REPORT_ONLY=1 bash reliability/soak.sh     (the table again, from the results in OUT)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
source "$REPO/reliability/lib.sh"

DURATION="${DURATION:-600}"
COOLDOWN="${COOLDOWN:-100}"
USERS="${USERS:-8}"
THINK_MS="${THINK_MS:-50}"
IDLE_TIMEOUT="${IDLE_TIMEOUT:-30}"
PORT="${PORT:-3190}"
OUT="${OUT:-$REPO/reliability/results/$(date +%F)/soak}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
REDIS_HOSTPORT="${REDIS_URL#redis://}"
STORES=("$@")
[[ ${#STORES[@]} -gt 0 ]] || STORES=(sqlite postgres redis pg-redis)

TAG="soak$(date +%s)"
WORK="$(mktemp -d)"
DATABASE=""
PREFIX=""

cleanup() {
  stop_shop
  [[ -n "${LOAD_PID:-}" ]] && kill "$LOAD_PID" 2>/dev/null || true
  if [[ -n "$DATABASE" ]]; then dropdb --if-exists "$DATABASE" || true; DATABASE=""; fi
  if [[ -n "$PREFIX" ]]; then redis_keys "$PREFIX*" | xargs -r -n 500 redis-cli -u "$REDIS_URL" DEL >/dev/null; PREFIX=""; fi
}
trap 'cleanup; rm -rf "$WORK"' EXIT

redis_keys() { redis-cli -u "$REDIS_URL" --scan --pattern "$1"; }

# Stored sessions, expired or not, as the store holds them.
session_count() {
  case $1 in
    sqlite) sqlite3 "$WORK/$1/shop.db" 'SELECT count(*) FROM sessions' 2>/dev/null || echo "" ;;
    postgres) psql -qtAX -d "$DATABASE" -c 'SELECT count(*) FROM customer_auth.sessions' 2>/dev/null || echo "" ;;
    redis | pg-redis) redis_keys "${PREFIX}session:*" | wc -l ;;
  esac
}

# One line of samples.csv.
sample() {
  local store=$1 phase=$2 started=$3 store_port=$4
  echo "$(( ($(now_ms) - started) / 1000 )),$phase,$(rss_kb "$SHOP_PID"),$(fd_count "$SHOP_PID"),$(tcp_count "$SHOP_PID"),$(tcp_to_port "$SHOP_PID" "$store_port"),$(session_count "$store")"
}

soak() {
  local store=$1 dir="$WORK/$1" out="$OUT/$1" flags=() store_port
  mkdir -p "$dir" "$out"
  case $store in
    sqlite) flags=(--database-url "sqlite://$dir/shop.db"); store_port=0 ;;
    postgres)
      DATABASE="${TAG}_pg"; createdb "$DATABASE"
      flags=(--database-url "postgres://$PGUSER@$PGHOST:$PGPORT/$DATABASE"); store_port=$PGPORT ;;
    redis)
      PREFIX="$TAG-redis:"
      flags=(--database-url "$REDIS_URL" --redis-prefix "$PREFIX" --orders-url "sqlite://$dir/orders.db")
      store_port=${REDIS_HOSTPORT##*:} ;;
    pg-redis)
      DATABASE="${TAG}_pgr"; createdb "$DATABASE"; PREFIX="$TAG-pgr:"
      flags=(--database-url "postgres://$PGUSER@$PGHOST:$PGPORT/$DATABASE" --session-url "$REDIS_URL"
        --redis-prefix "$PREFIX"); store_port=${REDIS_HOSTPORT##*:} ;;
  esac
  start_shop "$PORT" "$dir" "${flags[@]}" --session-idle-timeout "$IDLE_TIMEOUT"
  log "$store: shop pid $SHOP_PID; $DURATION s of load, then $COOLDOWN s quiet"
  local started; started=$(now_ms)
  "$MIXLOAD_BIN" --base "http://127.0.0.1:$PORT" --users "$USERS" --think-ms "$THINK_MS" \
    --duration "$DURATION" --run-id "$TAG-$store" --out "$out" 2>"$out/mixload.log" &
  LOAD_PID=$!
  echo "elapsed_s,phase,rss_kb,fds,tcp,store_tcp,stored_sessions" >"$out/samples.csv"
  local phase=load
  while kill -0 "$LOAD_PID" 2>/dev/null; do
    (( ($(now_ms) - started) / 1000 >= DURATION )) && phase=verify
    sample "$store" "$phase" "$started" "$store_port" >>"$out/samples.csv"
    sleep 10
  done
  wait "$LOAD_PID" || log "$store: mixload reports a broken promise (see summary.json)"
  LOAD_PID=
  local quiet_until=$(( $(now_ms) + COOLDOWN * 1000 ))
  while (( $(now_ms) < quiet_until )); do
    sample "$store" cooldown "$started" "$store_port" >>"$out/samples.csv"
    sleep 10
  done
  sample "$store" cooldown "$started" "$store_port" >>"$out/samples.csv"
  stop_shop
  cp "$dir/shop.log" "$out/shop.log"
  cleanup
}

# The store's row of the soak table, from samples.csv and summary.json.
report() {
  local store=$1 out=$2 duration requests five
  duration=$(jq '.duration_s' "$out/summary.json")
  requests=$(jq '.total.requests' "$out/summary.json")
  five=$(jq -r '"\(.total.by_class.other_5xx // 0) (503: \(.total.by_class.unavailable_503 // 0))"' "$out/summary.json")
  awk -F, -v store="$store" -v duration="$duration" -v requests="$requests" -v five="$five" '
    function low(v, m) { return (m == "" || v + 0 < m + 0) ? v : m }
    function high(v, m) { return (m == "" || v + 0 > m + 0) ? v : m }
    NR == 1 { next }
    {
      n++; if (n == 1) { rss0 = $3; s0 = $7 }
      if ($2 == "load") { rss_load_end = $3; sload = high($7, sload) }
      if ($2 != "load") { sverify = high($7, sverify) }
      rss1 = $3; s1 = $7
      fmin = low($4, fmin); fmax = high($4, fmax)
      cmin = low($5, cmin); cmax = high($5, cmax)
      smin = low($6, smin); smax = high($6, smax)
      # The last five minutes of load, for the slope (KB per minute).
      if ($2 == "load" && $1 >= duration - 300) { k++; x = $1 / 60; sx += x; sy += $3; sxx += x * x; sxy += x * $3 }
    }
    END {
      slope = (k > 1) ? (k * sxy - sx * sy) / (k * sxx - sx * sx) : 0
      printf "| %s | %d s | %d | %d → %d KB (%d KB at end of load) | %+.1f | %d / %d | %d / %d (store %d / %d) | %s / %s / %s / %s | %s |\n",
        store, duration, requests, rss0, rss1, rss_load_end, slope, fmin, fmax, cmin, cmax, smin, smax, s0, sload, (sverify == "" ? "-" : sverify), s1, five
    }' "$out/samples.csv"
}

# The table's head; then one row per store that has results in OUT.
table() {
  echo "Soak $(date +%F), $(nproc) cores (shared with other jobs: figures are noisy); $USERS users, think $THINK_MS ms, idle timeout $IDLE_TIMEOUT s, cooldown $COOLDOWN s"
  echo
  echo "| store | duration | requests | RSS start → end | RSS slope last 5 min (KB/min) | fds min/max | TCP connections min/max | stored sessions start / load peak / peak after load (verify logins) / end | other 5xx |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  for store in sqlite postgres redis pg-redis; do
    [[ -s "$OUT/$store/samples.csv" && -s "$OUT/$store/summary.json" ]] && report "$store" "$OUT/$store"
  done
}

mkdir -p "$OUT"
if [[ -z "${REPORT_ONLY:-}" ]]; then
  build_release
  for store in "${STORES[@]}"; do
    soak "$store"
  done
fi
table | tee "$OUT/soak.md"
