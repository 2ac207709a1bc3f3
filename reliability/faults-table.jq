# The fault table of faults.sh, from mixload's summary.json: one row per fault mark.
# Recovery is counted in whole seconds from the moment the store was back ("< 1 s": the first
# second already had answers and no failures).
  "Faults \(.started_ms / 1000 | floor | strftime("%Y-%m-%d")): \(.users) users, \(.requests_per_s | floor) requests/s overall; \(.acknowledged_registrations) acknowledged registrations, \((.verify.lost + .verify.errors)) failed to log in afterwards; kept sessions alive \(.kept_sessions.alive)/\(.kept_sessions.kept)",
  "",
  "| fault | duration | requests during the fault | 503s | other 5xx | connection errors (timeouts) | recovery time | failures after back | acknowledged registrations lost |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  (. as $run | .faults[] |
    "| \(.name) | \(.back_ms - .start_ms | if . < 1000 then "\(.) ms" else "\(. / 100 | floor / 10) s" end) | \(.during.requests) | \(.during.by_class.unavailable_503 // 0) | \(.during.by_class.other_5xx // 0) | \(.during.by_class.connection_error // 0) (\(.during.by_class.timeout // 0)) | \(if .recovery_s == null then "never" else "< \(.recovery_s + 1) s" end) | \(.failures_after_back) | \($run.verify.lost + $run.verify.errors) |")
