//! Mixed load for the camerastore example: virtual users register, log in, view their orders
//! and log out against a running shop; afterwards every acknowledged registration must log in.
//!
//! Run with: `cargo run --release -p mixload -- --base http://127.0.0.1:3000 --duration 60 --out /tmp/run`
//!
//! Writes `summary.json` (counts by status class and step, latency percentiles, the verdicts)
//! and `timeline.csv` (one line per second) to `--out`. With `--marks FILE`, each line
//! `<name> <start_ms> <back_ms>` that a fault script appended during the run becomes a row in
//! the summary's `faults`: requests caught in the fault, and seconds to recover after it.
//! Exits 1 when the shop broke a promise: a 5xx other than 503, or a lost customer or session.

mod browser;
mod csrf;
mod record;
mod report;
mod user;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;

use crate::browser::Shop;
use crate::record::{Class, now_ms};
use crate::user::Behaviour;

/// Mixed-traffic load driver for the camerastore example.
#[derive(Parser, Debug)]
struct Args {
    /// The shop's base URL.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    base: String,
    /// Concurrent virtual users.
    #[arg(long, default_value_t = 16)]
    users: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Milliseconds each user pauses after every request.
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Orders-page views per login.
    #[arg(long, default_value_t = 3)]
    orders_per_login: u32,
    /// Seconds a request may take before it counts as a timeout.
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
    /// Customers logged in before the load whose sessions must still work after it.
    #[arg(long, default_value_t = 0)]
    keep_sessions: usize,
    /// Skip logging in every acknowledged customer after the load.
    #[arg(long)]
    no_verify: bool,
    /// Fault marks appended by a fault script during the run.
    #[arg(long)]
    marks: Option<PathBuf>,
    /// Prefix of every username, unique per run (default: the start time).
    #[arg(long)]
    run_id: Option<String>,
    /// Directory for summary.json and timeline.csv.
    #[arg(long)]
    out: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("mixload: {error}");
            ExitCode::from(2)
        }
    }
}

/// Runs the load and writes the reports; true when the shop kept its promises.
async fn run(args: Args) -> Result<bool, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(&args.out)?;
    let shop = Arc::new(Shop {
        base: args.base.trim_end_matches('/').to_owned(),
        timeout: Duration::from_secs(args.timeout_secs),
    });
    let run_id = args.run_id.clone().unwrap_or_else(|| format!("mx{}", now_ms() / 1000));
    let behaviour = Arc::new(Behaviour {
        orders_per_login: args.orders_per_login,
        think: Duration::from_millis(args.think_ms),
        run_id: run_id.clone(),
    });

    let kept = verify::keep_sessions(&shop, &run_id, args.keep_sessions).await;
    eprintln!(
        "mixload: {} users for {} s against {} ({} sessions kept)",
        args.users,
        args.duration,
        shop.base,
        kept.len()
    );
    let started_ms = now_ms();
    let deadline = Instant::now() + Duration::from_secs(args.duration);
    let users: Vec<_> = (0..args.users)
        .map(|index| tokio::spawn(user::run(index, shop.clone(), behaviour.clone(), deadline)))
        .collect();
    let (mut events, mut acknowledged) = (Vec::new(), Vec::new());
    for user in users {
        let outcome = user.await?;
        events.extend(outcome.events);
        acknowledged.extend(outcome.acknowledged);
    }
    let ended_ms = now_ms();
    eprintln!(
        "mixload: load done, {} requests; checking kept sessions and {} customers",
        events.len(),
        acknowledged.len()
    );

    let kept_sessions = verify::check_sessions(&shop, &kept).await;
    let verified =
        if args.no_verify { None } else { Some(verify::logins(shop.clone(), acknowledged.clone(), args.users).await) };
    let marks = match &args.marks {
        Some(path) => report::parse_marks(&std::fs::read_to_string(path)?),
        None => Vec::new(),
    };
    let faults = report::faults(&events, &marks, ended_ms);
    let (total, steps) = report::by_step(&events);

    let other_5xx = total.of_class(Class::Other5xx);
    let lost = verified.as_ref().map_or(0, |verified| verified.lost + verified.errors);
    let kept_ok = kept_sessions.alive == kept_sessions.kept;
    let summary = json!({
        "base": shop.base,
        "run_id": run_id,
        "users": args.users,
        "duration_s": args.duration,
        "think_ms": args.think_ms,
        "started_ms": started_ms,
        "ended_ms": ended_ms,
        "requests_per_s": total.requests as f64 * 1000.0 / (ended_ms.saturating_sub(started_ms).max(1)) as f64,
        "total": total,
        "steps": steps,
        "acknowledged_registrations": acknowledged.len(),
        "verify": verified,
        "kept_sessions": kept_sessions,
        "faults": faults,
        "promises_kept": other_5xx == 0 && lost == 0 && kept_ok,
    });
    std::fs::write(args.out.join("summary.json"), serde_json::to_string_pretty(&summary)?)?;
    std::fs::write(args.out.join("timeline.csv"), report::timeline_csv(&events, started_ms))?;
    eprintln!(
        "mixload: {} requests, other 5xx {other_5xx}, acknowledged {}, not logging in {lost}, kept sessions {}/{}",
        total.requests,
        acknowledged.len(),
        kept_sessions.alive,
        kept_sessions.kept
    );
    Ok(other_5xx == 0 && lost == 0 && kept_ok)
}
