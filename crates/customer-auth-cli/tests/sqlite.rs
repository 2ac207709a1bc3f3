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

#[test]
fn a_store_that_was_never_migrated_says_to_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/fresh.db", dir.path().display());
    let listed = common::run(&["--store", &url, "list"], "").expect_code(1);
    assert_eq!(
        listed.error_lines(),
        ["error: the store has no customer-auth tables yet; run `customer-auth migrate` first (with the same --store)"]
    );
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
