#!/usr/bin/env bash
# Crash consistency on SQLite, the long run (issue #9, part 3).
#
# Starts the camerastore binary on one SQLite file, kills it with SIGKILL at a random moment
# while 8 browsers register, starts it again on the same file, CRASH_ROUNDS times (50 here; CI
# runs 3). Then every acknowledged (303) registration must be in the file and log in, an account
# cut off mid-flight must log in if it is there at all, and PRAGMA integrity_check must say ok
# after every crash. Prints the figures (the "crash consistency: rounds=..." line).
#
#   reliability/crash.sh                 # 50 rounds
#   CRASH_ROUNDS=200 reliability/crash.sh
#   CRASH_SEED=123 reliability/crash.sh  # replay the kill moments of an earlier run
set -euo pipefail
cd "$(dirname "$0")/.."
export CRASH_ROUNDS="${CRASH_ROUNDS:-50}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# cargo test rather than nextest: the long run outlasts nextest's CI timeout on purpose.
cargo test -p camerastore --test crash_consistency -- --nocapture 2>&1 | tee "$log" || status=$?
echo
grep -E '^crash consistency: rounds=' "$log" || echo "crash.sh: FAILED (see above)" >&2
exit "$status"
