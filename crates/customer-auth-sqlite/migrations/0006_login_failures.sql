-- Failed logins per client and account (customer-auth's AttemptKey: 16 bytes of a SHA-256 over
-- the username and the client, so no address is ever stored), counted in windows that start at
-- the first failure. Rows whose window ended are deleted as new failures come in.
CREATE TABLE login_failures (
    key BLOB PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    window_ends INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX login_failures_by_window_end ON login_failures (window_ends);
