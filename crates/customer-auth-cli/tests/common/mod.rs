//! Helpers shared by the test files: running the real binary, the scenario every store runs,
//! and throw-away Postgres schemas. Each test binary uses a different subset.
#![allow(dead_code)]
// Test helpers, not tests, so clippy's allow-*-in-tests settings miss them; like the tests they
// fail by panicking, which is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub(crate) mod import;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use customer_auth::{
    Auth, CustomerStore, Error, Password, PasswordHasher, Principal, SessionId, SessionKey, SessionRecord,
    SessionStore, Timestamp,
};

/// The password every scenario registers with; it must never appear in any output.
pub(crate) const PASSWORD: &str = "correct horse battery staple 42";
/// A password the rules refuse as too short; it must never appear in any output either.
pub(crate) const SHORT_PASSWORD: &str = "sh0rt!x";

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) took: Duration,
}

impl Run {
    /// Panics with everything the binary said unless it exited with `code`.
    pub(crate) fn expect_code(self, code: i32) -> Self {
        assert_eq!(self.code, Some(code), "expected exit code {code}:\n{self:#?}");
        assert!(!self.stderr.contains("panicked"), "the binary panicked:\n{self:#?}");
        assert!(!self.stderr.contains("RUST_BACKTRACE"), "a backtrace hint:\n{self:#?}");
        self
    }

    /// Exit code 0.
    pub(crate) fn success(self) -> Self {
        self.expect_code(0)
    }

    /// Both streams, for checks that something appears in neither.
    pub(crate) fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The `error: ` lines of stderr.
    pub(crate) fn error_lines(&self) -> Vec<&str> {
        self.stderr.lines().filter(|line| line.starts_with("error")).collect()
    }
}

/// Runs `customer-auth` with `args`, `stdin` piped in, and `RUST_LOG` and
/// `CUSTOMER_AUTH_STORE` unset so the defaults are what is tested.
pub(crate) fn run(args: &[&str], stdin: &str) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_customer-auth"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("CUSTOMER_AUTH_STORE")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the customer-auth binary runs");
    let mut input = child.stdin.take().unwrap();
    // A command that exits before reading (a bad URL) closes the pipe: not a test failure.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        took: started.elapsed(),
    }
}

/// A store the scenario works on: the arguments that name it for the binary, and the same store
/// opened in the test, to plant sessions and log in.
pub(crate) struct Target {
    pub(crate) args: Vec<String>,
    pub(crate) customers: Arc<dyn CustomerStore>,
    pub(crate) sessions: Arc<dyn SessionStore>,
    /// Whether the store deletes expired sessions itself (Redis), so a purge finds none.
    pub(crate) expires_by_itself: bool,
}

impl Target {
    /// Runs the binary with the store arguments in front of `args`.
    pub(crate) fn run(&self, args: &[&str], stdin: &str) -> Run {
        let mut all: Vec<&str> = self.args.iter().map(String::as_str).collect();
        all.extend_from_slice(args);
        run(&all, stdin)
    }

    fn create(&self, username: &str, email: &str, roles: &[&str]) -> Run {
        let args = self.create_args(username, email, roles);
        self.run(&args, &format!("{PASSWORD}\n"))
    }

    fn create_args<'a>(&self, username: &'a str, email: &'a str, roles: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "create-customer",
            "--first-name",
            "Ada",
            "--last-name",
            "Lovelace",
            "--email",
            email,
            "--username",
            username,
            "--bcrypt-cost",
            "4",
        ];
        for role in roles {
            args.extend_from_slice(&["--role", role]);
        }
        args
    }

    /// A live session of `username`, planted through the store API as a login would.
    async fn plant_session(&self, username: &str) -> SessionKey {
        let customer = self.customers.find_customer_by_username(username).await.unwrap().unwrap();
        let mut record = SessionRecord::new(Timestamp::now(), Duration::from_secs(1800), Duration::from_secs(86_400));
        record.principal = Some(Principal::of(&customer));
        let key = SessionId::generate().unwrap().key();
        self.sessions.create_session(&key, &record).await.unwrap();
        assert!(self.sessions.load_session(&key).await.unwrap().is_some());
        key
    }

    fn auth(&self) -> Auth {
        Auth::new(self.customers.clone()).with_hasher(PasswordHasher::new(4).unwrap())
    }

    async fn list_json(&self) -> Vec<serde_json::Value> {
        let listed = self.run(&["list", "--json", "--page-size", "1"], "").success();
        serde_json::from_str(&listed.stdout).unwrap()
    }
}

/// Every command against one store, checking the output, the exit codes, the store's state and
/// that no password ever shows.
pub(crate) async fn every_command(target: &Target) {
    let mut runs = Vec::new();

    let migrated = target.run(&["migrate"], "").success();
    let expected = if target.expires_by_itself { "nothing to do" } else { "up to date" };
    assert!(migrated.stdout.contains(expected), "{migrated:#?}");
    runs.push(target.run(&["migrate"], "").success());

    let created = target.create("ada", "ada@example.com", &["admin"]).success();
    assert!(created.stdout.contains("Created customer ada"), "{created:#?}");
    assert!(created.stdout.contains("email address confirmed"), "{created:#?}");
    let ada = target.customers.find_customer_by_username("ada").await.unwrap().unwrap();
    assert!(ada.email_confirmed_at.is_some(), "an operator's account can log in at once");
    assert!(created.stdout.contains("with roles admin"), "{created:#?}");
    assert!(created.stderr.contains("customer_auth::audit"), "no audit event: {created:#?}");
    runs.push(created);

    let short = target.run(
        &[
            "create-customer",
            "--first-name",
            "Bob",
            "--last-name",
            "B",
            "--email",
            "bob@example.com",
            "--username",
            "bob",
        ],
        &format!("{SHORT_PASSWORD}\n"),
    );
    let short = short.expect_code(3);
    assert!(short.stderr.contains("password: Password must be at least 8 characters."), "{short:#?}");
    runs.push(short);

    let nothing = target.run(
        &[
            "create-customer",
            "--first-name",
            "Bob",
            "--last-name",
            "B",
            "--email",
            "bob@example.com",
            "--username",
            "bob",
        ],
        "",
    );
    let nothing = nothing.expect_code(3);
    assert!(nothing.stderr.contains("no password on standard input"), "{nothing:#?}");

    let duplicate = target.create("ADA", "someone.else@example.com", &[]).expect_code(3);
    assert!(duplicate.stderr.contains("username is already taken"), "{duplicate:#?}");
    runs.push(duplicate);
    let duplicate = target.create("ada2", "ADA@example.com", &[]).expect_code(3);
    assert!(duplicate.stderr.contains("account with this email already exists"), "{duplicate:#?}");
    runs.push(duplicate);
    let mut unconfirmed = target.create_args("grace", "grace@example.com", &[]);
    unconfirmed.push("--unconfirmed");
    let grace = target.run(&unconfirmed, &format!("{PASSWORD}\n")).success();
    assert!(grace.stdout.contains("not confirmed yet"), "{grace:#?}");
    let stored = target.customers.find_customer_by_username("grace").await.unwrap().unwrap();
    assert!(stored.email_confirmed_at.is_none(), "--unconfirmed leaves it to the shop's link");
    runs.push(grace);

    // Paged one at a time, so the paging is exercised too.
    let table = target.run(&["list", "--page-size", "1"], "").success();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{table:#?}");
    assert!(lines[0].starts_with("USERNAME  NAME"), "{table:#?}");
    for word in ["ada ", "Ada Lovelace", "ada@example.com", "admin", "active"] {
        assert!(lines[1].contains(word), "{word} missing: {table:#?}");
    }
    assert!(lines[2].starts_with("grace "), "{table:#?}");
    assert_eq!(lines[3], "2 customers");
    let listed = target.list_json().await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["username"], "ada");
    assert_eq!(listed[0]["roles"], serde_json::json!(["admin"]));
    assert_eq!(listed[1]["roles"], serde_json::json!([]));
    runs.push(table);

    // set-roles replaces the roles and ends the sessions, whose principals held the old ones.
    let session = target.plant_session("ada").await;
    let other = target.plant_session("grace").await;
    let set = target.run(&["set-roles", "ada", "staff", "billing"], "").success();
    assert!(set.stdout.contains("billing,staff") && set.stdout.contains("ended 1 session"), "{set:#?}");
    assert!(target.sessions.load_session(&session).await.unwrap().is_none(), "ada's session outlived set-roles");
    assert!(target.sessions.load_session(&other).await.unwrap().is_some(), "grace's session was ended too");
    assert_eq!(target.list_json().await[0]["roles"], serde_json::json!(["billing", "staff"]));
    runs.push(set);
    let cleared = target.run(&["set-roles", "grace"], "").success();
    assert!(cleared.stdout.contains("grace to none"), "{cleared:#?}");
    assert!(target.sessions.load_session(&other).await.unwrap().is_none());

    // disable ends a live session at once and refuses the next login.
    let session = target.plant_session("ada").await;
    let disabled = target.run(&["disable", "ada"], "").success();
    assert!(disabled.stdout.contains("Disabled ada; ended 1 session"), "{disabled:#?}");
    assert!(disabled.stderr.contains(r#"action="disable" outcome="success""#), "{disabled:#?}");
    assert!(target.sessions.load_session(&session).await.unwrap().is_none(), "the session outlived disable");
    let login = target.auth().authenticate("ada", &Password::new(PASSWORD)).await;
    assert!(matches!(login, Err(Error::AccountDisabled)), "{login:?}");
    assert_eq!(target.list_json().await[0]["status"], "disabled");
    runs.push(disabled);

    let enabled = target.run(&["enable", "ada"], "").success();
    assert!(enabled.stdout.contains("Enabled ada"), "{enabled:#?}");
    let ada = target.auth().authenticate("ada", &Password::new(PASSWORD)).await.unwrap();
    assert_eq!(ada.status, customer_auth::CustomerStatus::Active);
    runs.push(enabled);

    for unknown in [&["disable", "nobody"][..], &["enable", "nobody"], &["set-roles", "nobody", "admin"]] {
        let refused = target.run(unknown, "").expect_code(3);
        assert!(refused.stderr.contains(r#"no customer has the username "nobody""#), "{refused:#?}");
    }

    // An expired session and a live one: the purge deletes exactly the expired one.
    let live = target.plant_session("grace").await;
    let long_ago = Timestamp::now().minus(Duration::from_secs(7200));
    let expired = SessionId::generate().unwrap().key();
    let stale = SessionRecord::new(long_ago, Duration::from_secs(60), Duration::from_secs(3600));
    let planted = target.sessions.create_session(&expired, &stale).await;
    let purged = target.run(&["purge-sessions"], "").success();
    if target.expires_by_itself {
        assert!(purged.stdout.contains("Redis expires sessions by itself"), "{purged:#?}");
    } else {
        planted.unwrap();
        assert!(purged.stdout.contains("Purged 1 expired session."), "{purged:#?}");
    }
    assert!(!purged.stdout.contains('\u{1b}'), "a spinner drawn into a pipe: {purged:#?}");
    assert!(target.sessions.load_session(&live).await.unwrap().is_some());
    runs.push(purged);

    for run in &runs {
        let all = run.all();
        assert!(!all.contains(PASSWORD) && !all.contains(SHORT_PASSWORD), "a password in the output: {run:#?}");
        assert!(!all.contains("$2b$") && !all.contains("$2y$"), "a hash in the output: {run:#?}");
    }
}

/// 16 random hex digits.
pub(crate) fn random_hex() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
