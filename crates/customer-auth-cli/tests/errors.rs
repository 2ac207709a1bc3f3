//! Failures before any store is used: bad URLs, stores that are down, passwords as arguments.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

/// One line on stderr, starting with `error: `, and the exit code.
fn one_error_line(run: &common::Run) -> &str {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr: {run:#?}");
    assert!(lines[0].starts_with("error: "), "{run:#?}");
    lines[0]
}

#[test]
fn an_unknown_scheme_is_a_usage_error_that_names_the_schemes() {
    let run = common::run(&["--store", "mysql://root:hunter2@db.internal/shop", "list"], "").expect_code(2);
    let line = one_error_line(&run);
    assert!(line.contains("mysql:// is not a store this tool knows"), "{line}");
    assert!(line.contains("sqlite://") && line.contains("postgres://") && line.contains("redis://"), "{line}");
    assert!(!run.all().contains("hunter2"), "{run:#?}");
}

#[test]
fn a_url_without_a_scheme_is_refused_without_repeating_it() {
    let run = common::run(&["--store", "root:hunter2@db.internal/shop", "list"], "").expect_code(2);
    assert!(one_error_line(&run).contains("does not start with a scheme"), "{run:#?}");
    assert!(!run.all().contains("hunter2"), "{run:#?}");
}

#[test]
#[cfg(feature = "postgres")]
fn an_unreadable_postgres_url_never_shows_its_password() {
    let run = common::run(&["--store", "postgres://shop:hunter2@db.internal:notaport/shop", "list"], "").expect_code(2);
    assert!(one_error_line(&run).contains("use postgres://user:password@host:port/database"), "{run:#?}");
    assert!(!run.all().contains("hunter2"), "{run:#?}");
}

#[test]
fn no_store_at_all_says_how_to_give_one() {
    let run = common::run(&["list"], "").expect_code(2);
    assert!(one_error_line(&run).contains("pass --store URL or set CUSTOMER_AUTH_STORE"), "{run:#?}");
}

#[test]
#[cfg(feature = "postgres")]
fn postgres_on_a_closed_port_is_unreachable_quickly() {
    let run = common::run(&["--store", "postgres://postgres:hunter2@127.0.0.1:1/test", "list"], "").expect_code(1);
    let line = one_error_line(&run);
    assert!(line.starts_with("error: the store is unreachable: could not connect to PostgreSQL"), "{line}");
    assert!(line.contains("check that the server is running"), "{line}");
    assert!(!run.all().contains("hunter2"), "{run:#?}");
    assert!(run.took < Duration::from_secs(15), "took {:?}", run.took);
}

#[test]
#[cfg(feature = "redis")]
fn redis_on_a_closed_port_is_unreachable_quickly() {
    let run = common::run(&["--store", "redis://:hunter2@127.0.0.1:1", "purge-sessions"], "").expect_code(1);
    let line = one_error_line(&run);
    assert!(line.starts_with("error: the store is unreachable: could not connect to Redis"), "{line}");
    assert!(!run.all().contains("hunter2"), "{run:#?}");
    assert!(run.took < Duration::from_secs(15), "took {:?}", run.took);
}

#[test]
#[cfg(feature = "sqlite")]
fn sqlite_in_a_missing_directory_is_unreachable() {
    let run =
        common::run(&["--store", "sqlite:///nonexistent-dir-for-customer-auth/shop.db", "migrate"], "").expect_code(1);
    assert!(one_error_line(&run).contains("check that the path exists"), "{run:#?}");
}

#[test]
#[cfg(feature = "sqlite")]
fn a_password_is_never_taken_as_an_argument() {
    let run = common::run(
        &[
            "--store",
            "sqlite::memory:",
            "create-customer",
            "--first-name",
            "A",
            "--last-name",
            "B",
            "--email",
            "a@example.com",
            "--username",
            "abc",
            "--password",
            "hunter2hunter2",
        ],
        "",
    )
    .expect_code(2);
    assert!(run.stderr.contains("unexpected argument '--password'"), "{run:#?}");
}

#[test]
#[cfg(feature = "sqlite")]
fn bad_options_are_usage_errors() {
    for args in [
        &["--store", "sqlite::memory:", "set-roles", "ada", "two words"][..],
        &["--store", "sqlite::memory:", "list", "--page-size", "0"],
        &["--store", "sqlite::memory:", "--connect-timeout", "0", "list"],
        &["--store", "sqlite::memory:", "create-customer", "--bcrypt-cost", "3"],
    ] {
        common::run(args, "").expect_code(2);
    }
}

#[test]
fn help_lists_every_command_and_the_exit_codes() {
    let run = common::run(&["--help"], "").success();
    for word in [
        "migrate",
        "create-customer",
        "set-roles",
        "disable",
        "enable",
        "list",
        "purge-sessions",
        "import",
        "Exit codes",
    ] {
        assert!(run.stdout.contains(word), "{word} missing: {}", run.stdout);
    }
}

#[test]
fn help_never_shows_the_store_url_from_the_environment() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_customer-auth"))
        .arg("--help")
        .env("CUSTOMER_AUTH_STORE", "postgres://shop:hunter2@db.internal/shop")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("CUSTOMER_AUTH_STORE") && !help.contains("hunter2"), "{help}");
}
