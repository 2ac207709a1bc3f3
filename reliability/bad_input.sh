#!/usr/bin/env bash
# Bad input at scale, the long run (issue #9, part 5).
#
# Sends BAD_INPUT_REQUESTS malformed requests (200,000 here; CI sends 10,000) from a seeded
# generator to the camerastore example, 16 at a time: random bytes in forms and cookies, oversized
# headers and bodies, wrong content types, invalid UTF-8, huge fields, NULs, garbage request lines
# and targets, conflicting and lying framing headers, chunked garbage, and well-formed hostile
# forms from live sessions. Fails on any 5xx, hang or server panic, or when the shop no longer
# serves a customer afterwards. Prints the figures (the "bad input:" lines): requests and
# connections closed without a response by category, the status histogram, and the duration.
#
#   reliability/bad_input.sh
#   BAD_INPUT_REQUESTS=1000000 reliability/bad_input.sh
#   BAD_INPUT_SEED=123 reliability/bad_input.sh   # replay a run; failures name the request index
set -euo pipefail
cd "$(dirname "$0")/.."
export BAD_INPUT_REQUESTS="${BAD_INPUT_REQUESTS:-200000}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# cargo test rather than nextest: the long run outlasts nextest's CI timeout on purpose.
cargo test --test e2e bad_input_at_scale -- --nocapture 2>&1 | tee "$log" || status=$?
echo
grep -E '^bad input' "$log" || echo "bad_input.sh: FAILED (see above)" >&2
exit "$status"
