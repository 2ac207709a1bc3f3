#!/usr/bin/env bash
# The tests' Redis Cluster: 3 masters and 3 replicas (one each) on 127.0.0.1:7100-7105, each
# node with its own directory under /tmp/customer-auth-cluster, no persistence. Leaves a healthy
# cluster alone; a half-up or broken one (a node down, slots missing, a failed node, a left-over
# nodes.conf) is shut down and made again, so running this twice is always safe.
set -euo pipefail
dir=${CUSTOMER_AUTH_CLUSTER_DIR:-/tmp/customer-auth-cluster}
ports=(7100 7101 7102 7103 7104 7105)

log() { printf 'services: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Healthy: every node answers, sees all 6 nodes and none failed, 3 masters cover all 16384
# slots, each master has a replica whose link is up (so WAIT 1 is answered), and every node
# says cluster_state:ok.
healthy() {
  local port info nodes replication
  for port in "${ports[@]}"; do
    info=$(redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null) || return 1
    grep -q '^cluster_state:ok' <<<"$info" || return 1
    grep -q '^cluster_slots_ok:16384' <<<"$info" || return 1
    grep -q '^cluster_known_nodes:6' <<<"$info" || return 1
    grep -q '^cluster_size:3' <<<"$info" || return 1
    nodes=$(redis-cli -h 127.0.0.1 -p "$port" cluster nodes 2>/dev/null) || return 1
    if grep -qE 'fail|noaddr|handshake' <<<"$nodes"; then return 1; fi
    [ "$(grep -cE '[ ,]slave ' <<<"$nodes")" = 3 ] || return 1
    replication=$(redis-cli -h 127.0.0.1 -p "$port" info replication 2>/dev/null) || return 1
    if grep -q '^role:slave' <<<"$replication" && ! grep -q '^master_link_status:up' <<<"$replication"; then
      return 1
    fi
  done
}

if healthy; then exit 0; fi

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  log "redis-server and redis-cli are needed for the test cluster; run scripts/services.sh (it installs redis-server with apt)"
  exit 1
fi

for port in "${ports[@]}"; do
  if port_open "$port"; then
    log "the node on 127.0.0.1:$port belongs to a cluster that is not healthy; shutting it down to make the cluster again"
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  fi
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 40); do
    port_open "$port" || break
    sleep 0.25
  done
  if port_open "$port"; then
    log "something still listens on 127.0.0.1:$port and is not a Redis that shuts down; free the port and run this again"
    exit 1
  fi
done

log "starting the test Redis Cluster on 127.0.0.1:${ports[0]}-${ports[-1]} (3 masters, 3 replicas)"
rm -rf "$dir"
for port in "${ports[@]}"; do
  mkdir -p "$dir/$port"
  # cluster-node-timeout 5 s: a node of a loaded two-core test machine is not failed by mistake,
  # and a real failure still fails over within seconds.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
    --cluster-config-file nodes.conf --cluster-node-timeout 5000 --save "" --appendonly no \
    --dir "$dir/$port" --logfile "$dir/$port/redis.log" --pidfile "$dir/$port/redis.pid"
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 40); do
    port_open "$port" && break
    sleep 0.25
  done
  if ! port_open "$port"; then
    log "the cluster node on 127.0.0.1:$port did not come up; see $dir/$port/redis.log"
    exit 1
  fi
done

addresses=()
for port in "${ports[@]}"; do addresses+=("127.0.0.1:$port"); done
redis-cli --cluster create "${addresses[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 || {
  log "redis-cli --cluster create failed; see $dir/create.log"
  exit 1
}

for _ in $(seq 1 120); do
  if healthy; then exit 0; fi
  sleep 0.25
done
log "the test Redis Cluster did not reach cluster_state:ok on every node within 30 s; see $dir/*/redis.log"
exit 1
