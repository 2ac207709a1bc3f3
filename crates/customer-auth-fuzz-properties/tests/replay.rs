//! Runs every fuzz target's property over its committed seeds (`fuzz/seeds/<target>/`), so a
//! plain `cargo test` keeps the properties compiling and re-checks every input that once
//! mattered, crashes included, without libFuzzer.

use std::fs;
use std::path::Path;

use customer_auth_fuzz_properties::{TARGETS, check};

#[test]
fn every_seed_keeps_its_property() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    for target in TARGETS {
        let dir = seeds.join(target);
        let mut count = 0;
        for entry in fs::read_dir(&dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display())) {
            let path = entry.expect("a readable seed folder").path();
            let data = fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            // Shown only when the property panics: names the seed that broke it.
            eprintln!("{target}: {}", path.display());
            assert!(check(target, &data), "no target named {target}");
            count += 1;
        }
        // An empty folder would make this test pass without checking anything.
        assert!(count >= 5, "only {count} seeds for {target} in {}", dir.display());
    }
}

#[test]
fn unknown_targets_are_reported() {
    assert!(!check("no_such_target", b""));
}

#[test]
fn every_fuzz_target_is_replayed() {
    let manifest = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/Cargo.toml"))
        .expect("fuzz/Cargo.toml");
    let mut bins: Vec<&str> = manifest
        .split("[[bin]]")
        .skip(1)
        .filter_map(|bin| bin.lines().find_map(|line| line.strip_prefix("name = ")))
        .map(|name| name.trim_matches('"'))
        .collect();
    bins.sort_unstable();
    let mut targets = TARGETS.to_vec();
    targets.sort_unstable();
    assert_eq!(bins, targets, "fuzz/Cargo.toml's targets and the replayed ones differ");
}
