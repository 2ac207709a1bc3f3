#!/usr/bin/env bash
# A/B: old (spawn_blocking + semaphore) vs new (niced hashing threads), memory store.
set -uo pipefail
OUT=${OUT:-/tmp/ab-$(date +%H%M%S)}; mkdir -p "$OUT"
LUA=/work/main/benches/load/login.lua
ROUNDS=${ROUNDS:-3}; D=${D:-5}
port=3111
cookie() { curl -s -o /dev/null -c /tmp/abjar -d 'username=bench&password=bench-password-123' "http://127.0.0.1:$port/login"; awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) print $6 "=" $7 }' /tmp/abjar | head -1; }
up() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/bare" && return 0; sleep 0.1; done; return 1; }
for r in $(seq $ROUNDS); do
  for side in old new; do
    /tmp/ours-$side --store memory --bcrypt-cost 12 --listen 127.0.0.1:$port > /dev/null 2>&1 & pid=$!
    up; c=$(cookie)
    wrk -t1 -c16 -d2s -H "Cookie: $c" http://127.0.0.1:$port/protected >/dev/null
    wrk -t1 -c16 -d${D}s --latency -H "Cookie: $c" http://127.0.0.1:$port/protected > $OUT/alone-$side-$r.txt
    wrk -t1 -c8 -d$((D+2))s -s $LUA http://127.0.0.1:$port/login > $OUT/logins12-$side-$r.txt & lp=$!
    sleep 1
    wrk -t1 -c16 -d${D}s --latency -H "Cookie: $c" http://127.0.0.1:$port/protected > $OUT/under-$side-$r.txt
    wait $lp; kill $pid; wait $pid 2>/dev/null
    /tmp/ours-$side --store memory --bcrypt-cost 4 --listen 127.0.0.1:$port > /dev/null 2>&1 & pid=$!
    up; cookie >/dev/null
    wrk -t1 -c8 -d${D}s -s $LUA http://127.0.0.1:$port/login > $OUT/logins4-$side-$r.txt
    kill $pid; wait $pid 2>/dev/null
    for f in alone under logins12 logins4; do printf "%s %s r%s: " $f $side $r; grep -h -E "Requests/sec|^ +99%" $OUT/$f-$side-$r.txt | tr -s ' ' | tr '\n' ' '; echo; done
  done
done
echo "raw in $OUT"
