//! Every command against an SQLite file.
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use customer_auth::SqliteStoreOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_works_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/shop.db", dir.path().display());
    // The binary migrates the file; the test opens it afterwards, as a second process would.
    common::run(&["--store", &url, "migrate"], "").success();
    let store = Arc::new(SqliteStoreOptions::new(&url).purge_interval(None).connect().await.unwrap());
    let target = common::Target {
        args: vec!["--store".into(), url],
        customers: store.clone(),
        sessions: store,
        expires_by_itself: false,
    };
    common::every_command(&target).await;
}

/// A migrated SQLite file, and the target that names it.
async fn migrated(dir: &tempfile::TempDir) -> common::Target {
    let url = format!("sqlite://{}/shop.db", dir.path().display());
    common::run(&["--store", &url, "migrate"], "").success();
    let store = Arc::new(SqliteStoreOptions::new(&url).purge_interval(None).connect().await.unwrap());
    common::Target {
        args: vec!["--store".into(), url],
        customers: store.clone(),
        sessions: store,
        expires_by_itself: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_reads_every_hash_format_and_reports_bad_lines_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    common::import::every_format_and_every_bad_line(&migrated(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_takes_a_hundred_thousand_customers_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    common::import::many(&migrated(&dir).await, 100_000).await;
}

#[test]
fn a_store_that_was_never_migrated_says_to_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    // An empty database file, as another tool might leave: no tables yet.
    std::fs::write(&path, b"").unwrap();
    let url = format!("sqlite://{}", path.display());
    let listed = common::run(&["--store", &url, "list"], "").expect_code(1);
    assert_eq!(
        listed.error_lines(),
        ["error: the store has no customer-auth tables yet; run `customer-auth migrate` first (with the same --store)"]
    );
}

/// A mistyped path is an error that names it, and leaves no empty database behind.
#[test]
fn a_read_command_on_a_missing_file_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mistyped.db");
    let url = format!("sqlite://{}", path.display());
    let listed = common::run(&["--store", &url, "list"], "").expect_code(1);
    let message = listed.error_lines().join("\n");
    assert!(message.contains("there is no SQLite database at") && message.contains("mistyped.db"), "{message}");
    assert!(!path.exists(), "list created {}", path.display());
    common::run(&["--store", &url, "migrate"], "").success();
    assert!(path.exists(), "migrate creates the database");
}

#[test]
fn the_store_can_come_from_the_environment_and_options_go_after_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/env.db", dir.path().display());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_customer-auth"))
        .arg("migrate")
        .env("CUSTOMER_AUTH_STORE", &url)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    common::run(&["list", "--store", &url], "").success();
}

#[test]
fn an_import_file_that_cannot_be_read_as_a_whole_is_a_usage_error_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/shop.db", dir.path().display());
    common::run(&["--store", &url, "migrate"], "").success();
    let missing = dir.path().join("missing.jsonl");
    let run = common::run(&["--store", &url, "import", missing.to_str().unwrap()], "").expect_code(2);
    assert!(run.stderr.contains("error: cannot read") && run.stderr.contains("missing.jsonl"), "{run:#?}");
    let header = dir.path().join("customers.csv");
    std::fs::write(&header, "first_name,last_name,email,username,password\nAda,L,a@example.com,ada,hunter2hunter2\n")
        .unwrap();
    let run = common::run(&["--store", &url, "import", header.to_str().unwrap()], "").expect_code(2);
    assert!(run.stderr.contains(r#"a column "password" the import does not know"#), "{run:#?}");
    assert!(!run.all().contains("hunter2hunter2"), "{run:#?}");
    let listed = common::run(&["--store", &url, "list"], "").success();
    assert!(listed.stdout.ends_with("0 customers\n"), "{listed:#?}");
}

/// A customer who lost their phone: `factors` shows what they have, `remove-factors` takes all
/// of it away and ends their sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn factors_are_listed_and_removed_for_a_customer_who_lost_them() {
    use customer_auth::{
        CustomerStore as _, RecoveryCodeHash, SecondFactorStore as _, SessionStore as _, Timestamp, TotpRecord,
    };

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/shop.db", dir.path().display());
    common::run(&["--store", &url, "migrate"], "").success();
    let store = SqliteStoreOptions::new(&url).purge_interval(None).connect().await.unwrap();
    let create = ["--store", &url, "create-customer", "--first-name", "Ada", "--last-name", "Lovelace"];
    let create = [&create[..], &["--email", "ada@example.com", "--username", "ada"]].concat();
    common::run(&create, &format!("{}\n", common::PASSWORD)).success();
    let ada = store.find_customer_by_username("ada").await.unwrap().unwrap();
    let enrolled = Timestamp::from_unix(1_796_281_107);
    store.put_totp(ada.id, &TotpRecord { sealed_secret: vec![1; 61], enrolled_at: enrolled }).await.unwrap();
    let codes: Vec<_> = (0..10u8).map(|n| RecoveryCodeHash::from_bytes([n; 32])).collect();
    store.replace_recovery_codes(ada.id, &codes).await.unwrap();
    let session = customer_auth::SessionId::generate().unwrap().key();
    let mut record = customer_auth::SessionRecord::new(
        Timestamp::now(),
        std::time::Duration::from_secs(600),
        std::time::Duration::from_secs(3600),
    );
    record.principal = Some(customer_auth::Principal::of(&ada));
    store.create_session(&session, &record).await.unwrap();

    let listed = common::run(&["--store", &url, "factors", "ada"], "").success();
    assert!(listed.stdout.contains("ada: an authenticator app, since 2026-12-03T"), "{}", listed.stdout);
    assert!(listed.stdout.contains("Recovery codes left: 10.") && listed.stdout.contains("No passkeys."));

    let removed = common::run(&["--store", &url, "remove-factors", "ada"], "").success();
    assert!(
        removed
            .stdout
            .contains("Removed the authenticator app, 10 recovery codes and 0 passkeys of ada; ended 1 session."),
        "{}",
        removed.stdout
    );
    assert!(
        removed.stderr.contains("remove_factors") && removed.stderr.contains("customer_auth::audit"),
        "{}",
        removed.stderr
    );
    assert!(store.totp(ada.id).await.unwrap().is_none());
    assert_eq!(store.recovery_codes_left(ada.id).await.unwrap(), 0);
    assert!(store.load_session(&session).await.unwrap().is_none(), "the sessions end");
    common::run(&["--store", &url, "factors", "nobody"], "").expect_code(3);
}
