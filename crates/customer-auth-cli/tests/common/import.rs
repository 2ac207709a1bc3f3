//! The import scenario every store runs: files in each hash format customer-auth reads (the
//! core crate's fixtures, made by Django, argon2-cffi, PyPI's bcrypt and ASP.NET Identity's
//! layout), bad lines among them, and a second run that adds nothing.

use std::collections::BTreeSet;
use std::path::Path;

use customer_auth::{Auth, Customer, CustomerStore, Password, PasswordHasher};
use serde_json::{Value, json};

use super::Target;

/// One fixture of `crates/customer-auth-core/tests/fixtures/hashes.json`.
pub(crate) struct Fixture {
    pub(crate) format: String,
    pub(crate) password: String,
    pub(crate) hash: String,
}

/// The verifiable fixtures, and the hashes of the refused ones.
pub(crate) fn fixtures() -> (Vec<Fixture>, Vec<String>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../customer-auth-core/tests/fixtures/hashes.json");
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let text = |value: &Value, key: &str| value[key].as_str().unwrap().to_owned();
    let verifiable = all["verifiable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| Fixture { format: text(f, "format"), password: text(f, "password"), hash: text(f, "hash") })
        .collect();
    let refused = all["refused"].as_array().unwrap().iter().map(|f| text(f, "hash")).collect();
    (verifiable, refused)
}

fn customer_line(n: usize, prefix: &str, hash: &str) -> Value {
    json!({
        "first_name": "Imported",
        "last_name": format!("Customer {n}"),
        "email": format!("{prefix}{n}@example.com"),
        "username": format!("{prefix}{n}"),
        "password_hash": hash,
        "roles": if n.is_multiple_of(2) { json!(["staff"]) } else { json!([]) },
        "email_confirmed": n.is_multiple_of(3),
    })
}

/// Runs `import FILE` against the target.
fn import(target: &Target, file: &Path) -> super::Run {
    target.run(&["import", file.to_str().unwrap()], "")
}

/// Every customer in the store, by username.
async fn everyone(customers: &dyn CustomerStore) -> Vec<Customer> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = customers.list_customers(after, 1000).await.unwrap();
        after = page.last().map(|customer| customer.id);
        let full = page.len() == 1000;
        all.extend(page);
        if !full {
            return all;
        }
    }
}

/// The `line N: …` lines of a run, as (N, reason).
fn refused_lines(run: &super::Run) -> Vec<(u64, String)> {
    run.stdout
        .lines()
        .filter_map(|line| line.strip_prefix("line "))
        .map(|rest| {
            let (number, why) = rest.split_once(": ").unwrap();
            (number.parse().unwrap(), why.to_owned())
        })
        .collect()
}

/// Imports a JSON-lines file with a customer per verifiable fixture and a bad line of each
/// kind, checks what landed and what was refused, runs it again, then imports a CSV file.
pub(crate) async fn every_format_and_every_bad_line(target: &Target) {
    let (fixtures, refused_hashes) = fixtures();
    let dir = tempfile::tempdir().unwrap();
    let good_hash = fixtures.iter().find(|f| f.format == "bcrypt").unwrap().hash.clone();

    let mut lines: Vec<String> =
        fixtures.iter().enumerate().map(|(n, f)| customer_line(n, "imp", &f.hash).to_string()).collect();
    let first_bad = lines.len() + 1;
    let mut expected_refusals: Vec<(u64, &str)> = Vec::new();
    let mut bad = |line: String, why: &'static str, lines: &mut Vec<String>| {
        lines.push(line);
        expected_refusals.push((lines.len() as u64, why));
    };
    let mut invalid_email = customer_line(100, "bad", &good_hash);
    invalid_email["email"] = json!("not an address");
    bad(invalid_email.to_string(), "email: ", &mut lines);
    for (n, hash) in refused_hashes.iter().enumerate() {
        bad(customer_line(101 + n, "bad", hash).to_string(), "which customer-auth cannot verify", &mut lines);
    }
    bad(r#"{"first_name": "Broken", "#.to_owned(), "not a JSON object", &mut lines);
    let mut unknown_key = customer_line(110, "bad", &good_hash);
    unknown_key["password"] = json!("plain text");
    bad(unknown_key.to_string(), "unknown key \"password\"", &mut lines);
    let mut no_hash = customer_line(111, "bad", &good_hash);
    no_hash.as_object_mut().unwrap().remove("password_hash");
    bad(no_hash.to_string(), "password_hash: missing", &mut lines);
    let mut bad_role = customer_line(112, "bad", &good_hash);
    bad_role["roles"] = json!(["two words"]);
    bad(bad_role.to_string(), "roles: ", &mut lines);
    let mut taken = customer_line(0, "imp", &good_hash);
    taken["email"] = json!("someone.else@example.com");
    bad(taken.to_string(), "username: another customer in the store has this username", &mut lines);
    lines.insert(first_bad - 1, String::new());
    for refusal in &mut expected_refusals {
        refusal.0 += 1;
    }
    let file = dir.path().join("customers.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    let first = import(target, &file).expect_code(3);
    let refusals = refused_lines(&first);
    assert_eq!(refusals.len(), expected_refusals.len(), "{first:#?}");
    for ((number, why), (expected_number, expected_why)) in refusals.iter().zip(&expected_refusals) {
        assert_eq!(number, expected_number, "{first:#?}");
        assert!(why.contains(expected_why), "line {number}: {why:?} should say {expected_why:?}");
    }
    assert!(first.stdout.contains(&format!("Imported {} customers", fixtures.len())), "{first:#?}");
    assert!(first.stdout.contains("skipped 0 already there"), "{first:#?}");
    assert!(first.stderr.contains("error: ") && first.stderr.contains("refused (listed above)"), "{first:#?}");
    assert!(first.stderr.contains(r#"action="import""#), "no audit event: {first:#?}");

    // Every good line landed once, as it was, and its customer logs in with the password the
    // other system took; the login moves the hash to the policy.
    let stored = everyone(target.customers.as_ref()).await;
    assert_eq!(stored.len(), fixtures.len());
    let auth = Auth::new(target.customers.clone()).with_hasher(PasswordHasher::new(4).unwrap());
    for (n, fixture) in fixtures.iter().enumerate() {
        let customer = target.customers.find_customer_by_username(&format!("imp{n}")).await.unwrap().unwrap();
        assert_eq!(customer.password_hash.as_str(), fixture.hash, "the hash is stored as it came");
        assert_eq!(customer.roles.contains("staff"), n.is_multiple_of(2));
        assert_eq!(customer.email_confirmed_at.is_some(), n.is_multiple_of(3));
        assert_eq!(customer.password_hash.format().unwrap().name(), fixture.format);
        let logged_in = auth.authenticate(&customer.username, &Password::new(fixture.password.as_str())).await.unwrap();
        // bcrypt reads no more than 72 bytes: a longer password keeps the hash it came with.
        let now = if fixture.password.len() <= 72 { "bcrypt" } else { fixture.format.as_str() };
        assert_eq!(logged_in.password_hash.format().unwrap().name(), now, "{}", fixture.format);
    }

    // A second run adds nothing and refuses the same lines.
    let second = import(target, &file).expect_code(3);
    assert!(second.stdout.contains("Imported 0 customers"), "{second:#?}");
    assert!(second.stdout.contains(&format!("skipped {} already there", fixtures.len())), "{second:#?}");
    assert_eq!(refused_lines(&second), refusals);
    assert_eq!(everyone(target.customers.as_ref()).await.len(), fixtures.len());

    // CSV: roles separated by semicolons or as a JSON list, email_confirmed empty or not.
    let mut csv = String::from("username,first_name,last_name,email,password_hash,roles,email_confirmed\n");
    for (n, fixture) in fixtures.iter().enumerate() {
        let roles = match n % 3 {
            0 => "staff;billing".to_owned(),
            1 => r#""[""staff"",""billing""]""#.to_owned(),
            _ => String::new(),
        };
        let confirmed = ["true", "false", ""][n % 3];
        // Quoted, as every CSV writer quotes a cell with a comma: argon2's parameters have two.
        csv.push_str(&format!("csv{n},Csv,Customer {n},csv{n}@example.com,\"{}\",{roles},{confirmed}\n", fixture.hash));
    }
    csv.push_str(&format!("csvbad,Csv,Bad,csvbad@example.com,{},,\n", refused_hashes[0]));
    let csv_file = dir.path().join("customers.csv");
    std::fs::write(&csv_file, &csv).unwrap();
    let imported = import(target, &csv_file).expect_code(3);
    assert!(imported.stdout.contains(&format!("Imported {} customers", fixtures.len())), "{imported:#?}");
    assert_eq!(refused_lines(&imported).iter().map(|(n, _)| *n).collect::<Vec<_>>(), [fixtures.len() as u64 + 2]);
    for n in 0..fixtures.len() {
        let customer = target.customers.find_customer_by_username(&format!("csv{n}")).await.unwrap().unwrap();
        let roles: BTreeSet<&str> = customer.roles.iter().map(String::as_str).collect();
        let expected: BTreeSet<&str> = if n % 3 == 2 { BTreeSet::new() } else { ["billing", "staff"].into() };
        assert_eq!(roles, expected, "csv{n}");
        assert_eq!(customer.email_confirmed_at.is_some(), n.is_multiple_of(3), "csv{n}");
    }
    let again = import(target, &csv_file).expect_code(3);
    assert!(again.stdout.contains("Imported 0 customers"), "{again:#?}");

    for run in [&first, &second, &imported, &again] {
        let all = run.all();
        for hash in fixtures.iter().map(|f| &f.hash).chain(&refused_hashes) {
            assert!(!all.contains(hash.as_str()), "a hash in the output: {run:#?}");
        }
    }
}

/// A file of `count` customers, all with one cost-4 bcrypt hash, made by the test.
pub(crate) fn many_customers(dir: &Path, count: usize) -> std::path::PathBuf {
    let hash = "$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie";
    let mut text = String::with_capacity(count * 220);
    for n in 0..count {
        text.push_str(&customer_line(n, "bulk", hash).to_string());
        text.push('\n');
    }
    let file = dir.join("many.jsonl");
    std::fs::write(&file, text).unwrap();
    file
}

/// Imports `count` customers and checks that every one landed.
pub(crate) async fn many(target: &Target, count: usize) {
    let dir = tempfile::tempdir().unwrap();
    let file = many_customers(dir.path(), count);
    let run = import(target, &file).success();
    assert!(run.stdout.contains(&format!("Imported {count} customers")), "{run:#?}");
    eprintln!("{}", run.stdout.trim());
    assert_eq!(everyone(target.customers.as_ref()).await.len(), count);
}
