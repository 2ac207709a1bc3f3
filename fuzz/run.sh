#!/usr/bin/env bash
# Fuzzes customer-auth with cargo-fuzz (libFuzzer), one target after another.
#
#   fuzz/run.sh [TARGET...]        run the named targets (default: every target)
#   fuzz/run.sh seeds [TARGET...]  refresh fuzz/seeds/<target>/ from the bulk corpus
#
# Settings (environment):
#   SECONDS_PER_TARGET  how long each target runs (default 600)
#   SANITIZER           cargo fuzz's -s: address (default) or none; the code under test is safe
#                       Rust, so ASan mostly adds its allocation limit (-malloc_limit_mb)
#   MAX_SEEDS           most seeds per target that `seeds` leaves, hand-written ones included
#                       (default 50)
#
# Installs cargo-fuzz when it is missing. The toolchain is stable, so RUSTC_BOOTSTRAP=1 lets
# cargo fuzz pass its nightly flags. Runs under `nice` on one core: other work goes first.
# libFuzzer grows fuzz/corpus/<target>/ (not committed) and reads fuzz/seeds/<target>/ (committed);
# a crash lands in fuzz/artifacts/<target>/ and stops that target's run. Logs go to
# fuzz/results/<date>/<target>.log (not committed); one summary line per target is printed and
# appended to fuzz/results/<date>/summary.txt (committed): runs, exec/s, cov/ft, corpus, crashes.
set -euo pipefail
cd "$(dirname "$0")"

export RUSTC_BOOTSTRAP=1
seconds=${SECONDS_PER_TARGET:-600}
sanitizer=${SANITIZER:-address}
max_seeds=${MAX_SEEDS:-50}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "run.sh: installing cargo-fuzz" >&2
  cargo install --locked cargo-fuzz
fi

mode=run
if [[ ${1:-} == seeds ]]; then
  mode=seeds
  shift
fi
if (($# > 0)); then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

# Keeps what covers the most: libFuzzer's merge picks the smallest inputs that keep every feature
# of seeds + corpus; the hand-written seeds always stay and the smallest finds fill up to MAX_SEEDS.
refresh_seeds() {
  local target=$1 merged
  merged=$(mktemp -d)
  mkdir -p "corpus/$target"
  nice -n 10 cargo fuzz cmin -s "$sanitizer" "$target" "corpus/$target" >/dev/null 2>&1
  nice -n 10 cargo fuzz run -s "$sanitizer" "$target" "$merged" "seeds/$target" "corpus/$target" -- -merge=1 >/dev/null 2>&1
  find "seeds/$target" -type f -regex '.*/[0-9a-f]\{40\}' -delete
  (($(find "seeds/$target" -type f | wc -l) < max_seeds)) || { echo "$target: no room for finds" >&2; return; }
  find "$merged" -type f -printf '%s %p\n' | sort -n | cut -d' ' -f2- | while read -r file; do
    # Hand-written seeds have names; only fuzzer finds (named by their SHA-1) are added.
    local sha
    sha=$(sha1sum "$file" | cut -d' ' -f1)
    if ! sha1sum "seeds/$target"/* | cut -d' ' -f1 | grep -qx "$sha"; then
      cp "$file" "seeds/$target/$sha"
    fi
    (($(find "seeds/$target" -type f | wc -l) < max_seeds)) || break
  done
  rm -rf "$merged"
  echo "$target: $(find "seeds/$target" -type f | wc -l) seeds"
}

summarise() {
  local target=$1 log=$2 crashes=$3
  local runs execs cov ft corp
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo '?')
  execs=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$log" | tail -1 || true)
  read -r _ cov _ ft _ corp <<<"${cov:-cov: ? ft: ? corp: ?}"
  printf '%s  %-16s seconds=%s sanitizer=%s runs=%s exec/s=%s cov=%s ft=%s corpus=%s crashes=%s\n' \
    "$(date +%FT%T)" "$target" "$seconds" "$sanitizer" "$runs" "$execs" "$cov" "$ft" "$corp" "$crashes"
}

if [[ $mode == seeds ]]; then
  for target in "${targets[@]}"; do refresh_seeds "$target"; done
  exit 0
fi

results="results/$(date +%F)"
mkdir -p "$results"
failed=0
for target in "${targets[@]}"; do
  log="$results/$target.log"
  mkdir -p "corpus/$target" "artifacts/$target"
  dict=()
  [[ -f "dicts/$target.dict" ]] && dict=("-dict=dicts/$target.dict")
  before=$(find "artifacts/$target" -type f | wc -l)
  echo "run.sh: $target for ${seconds}s, log in fuzz/$log" >&2
  status=0
  nice -n 10 cargo fuzz run -s "$sanitizer" "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=1024 -malloc_limit_mb=64 -timeout=10 \
    "${dict[@]}" >"$log" 2>&1 || status=$?
  crashes=$(($(find "artifacts/$target" -type f | wc -l) - before))
  ((status == 0 && crashes == 0)) || failed=1
  summarise "$target" "$log" "$crashes" | tee -a "$results/summary.txt"
  grep -h 'Test unit written to' "$log" >&2 || true
done
exit "$failed"
