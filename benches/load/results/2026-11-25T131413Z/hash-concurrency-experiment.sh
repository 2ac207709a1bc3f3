# ours only: /protected p99 alone vs under 8 cost-12 logins, for hash concurrency 2 (default) and 1
B=/work/target-bench/release
for store in memory sqlite redis; do
 for hc in 2 1; do
  rm -f /tmp/exp*.db*; redis-cli -n 13 --scan --pattern 'exp:*' | xargs -r redis-cli -n 13 UNLINK >/dev/null
  case $store in memory) url=memory;; sqlite) url=sqlite:///tmp/exp.db;; redis) url=redis://127.0.0.1:6379/13;; esac
  $B/customer-auth-bench-ours --store $url --bcrypt-cost 12 --hash-concurrency $hc --redis-prefix exp: --listen 127.0.0.1:3201 >/dev/null 2>&1 & P=$!
  for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:3201/bare && break; sleep 0.2; done
  rm -f /tmp/jare; curl -s -o /dev/null -c /tmp/jare -d 'username=bench&password=bench-password-123' http://127.0.0.1:3201/login; C=$(awk '/^#HttpOnly_/{print $6"="$7}' /tmp/jare)
  wrk -t1 -c16 -d2s -H "Cookie: $C" http://127.0.0.1:3201/protected >/dev/null
  a=$(wrk -t1 -c16 -d5s --latency -H "Cookie: $C" http://127.0.0.1:3201/protected | grep -E " 99%|Requests/sec" | awk '{print $2}' | tr '\n' ' ')
  wrk -t1 -c8 -d7s -s /work/wt-perf/benches/load/login.lua http://127.0.0.1:3201/login > /tmp/explog.txt & L=$!
  sleep 1
  u=$(wrk -t1 -c16 -d5s --latency -H "Cookie: $C" http://127.0.0.1:3201/protected | grep -E " 99%|Requests/sec" | awk '{print $2}' | tr '\n' ' ')
  wait $L; l=$(grep Requests/sec /tmp/explog.txt | awk '{print $2}')
  echo "$store hc=$hc alone[p99 rps]=$a under=$u logins/s=$l"
  kill $P; wait $P 2>/dev/null
 done
done
redis-cli -n 13 --scan --pattern 'exp:*' | xargs -r redis-cli -n 13 UNLINK >/dev/null; rm -f /tmp/exp*.db*
