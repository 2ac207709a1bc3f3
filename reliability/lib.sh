# Shared by soak.sh and faults.sh: building, starting and watching the camerastore release
# binary, and sampling a process's memory, file descriptors and connections.
# Sourced, not run. Expects REPO (the repository root) to be set.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
SHOP_BIN="$CARGO_TARGET_DIR/release/camerastore"
MIXLOAD_BIN="$CARGO_TARGET_DIR/release/mixload"

log() { echo "[$(date +%T)] $*" >&2; }
now_ms() { date +%s%3N; }

build_release() {
  log "building camerastore and mixload (release) into $CARGO_TARGET_DIR"
  (cd "$REPO" && cargo build --release --quiet -p camerastore -p mixload)
}

# start_shop <port> <workdir> <camerastore flags...>: starts the shop in the background with
# throttling and email confirmation out of the way, sets SHOP_PID, waits until it answers.
start_shop() {
  local port=$1 dir=$2
  shift 2
  NO_COLOR=1 RUST_LOG="${SHOP_LOG:-warn}" "$SHOP_BIN" --bind "127.0.0.1:$port" \
    --bcrypt-cost 4 --insecure-cookies --email-confirmation false --attempts-per-minute 1000000 --mail-forms-per-minute 1000000 \
    --outbox "$dir/outbox" "$@" >>"$dir/shop.log" 2>&1 &
  SHOP_PID=$!
  for _ in $(seq 1 150); do
    if curl -fs -o /dev/null "http://127.0.0.1:$port/register"; then return 0; fi
    if ! kill -0 "$SHOP_PID" 2>/dev/null; then
      log "camerastore exited on start:"; tail -20 "$dir/shop.log" >&2; return 1
    fi
    sleep 0.2
  done
  log "camerastore did not answer on port $port"; return 1
}

stop_shop() {
  if [[ -n "${SHOP_PID:-}" ]] && kill -0 "$SHOP_PID" 2>/dev/null; then
    kill -INT "$SHOP_PID"
    wait "$SHOP_PID" 2>/dev/null || true
  fi
  SHOP_PID=
}

# The process's resident memory in KB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# Its open file descriptors.
fd_count() { ls "/proc/$1/fd" | wc -l; }
# Its established TCP connections: all of them, and those to port $2 (the store).
tcp_count() { ss -Htnp state established 2>/dev/null | grep -c "pid=$1," || true; }
tcp_to_port() { ss -Htnp state established "( dport = :$2 )" 2>/dev/null | grep -c "pid=$1," || true; }
