//! Bad input at scale (issue #9, part 5): at least 10,000 malformed requests from a seeded
//! generator (random bytes in forms and cookies, oversized headers and bodies, wrong content
//! types, invalid UTF-8, huge fields, NULs, garbage request lines and targets, conflicting and
//! lying framing headers, chunked garbage) across every route, anonymous and from live sessions
//! with valid CSRF tokens. None may get a 5xx, hang, or panic the server, and the shop must
//! serve a customer normally afterwards.
//!
//! `BAD_INPUT_REQUESTS` (10,000 by default) and `BAD_INPUT_SEED` change the run;
//! `reliability/bad_input.sh` runs the long version. A failure prints the seed and the index of
//! each offending request, which `generate` rebuilds on its own.

mod generate;
mod rng;
mod send;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use generate::{CATEGORIES, Context, Identity, Request, generate};
use reqwest::StatusCode;
use rng::Rng;
use send::Outcome;

use crate::support::Shop;
use crate::support::client::*;

/// Requests in flight at once.
const CONCURRENCY: usize = 16;

/// Panics outside the test code: a handler that panics loses its connection, which the client
/// alone cannot tell from a deliberate close. (Under `cargo test` other tests share the process;
/// their own assertions sit in tests/ and are not counted.)
static PANICS: AtomicUsize = AtomicUsize::new(0);

/// What a share of the run saw.
#[derive(Default)]
struct Tally {
    /// Per category: requests sent, and those closed without a response.
    sent: BTreeMap<&'static str, (usize, usize)>,
    statuses: BTreeMap<u16, usize>,
    /// Per category: how often each status came back.
    by_category: BTreeMap<&'static str, BTreeMap<u16, usize>>,
    /// Each request that failed: its index, category, outcome and first bytes.
    failures: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Self) {
        for (category, (sent, closed)) in other.sent {
            let entry = self.sent.entry(category).or_default();
            entry.0 += sent;
            entry.1 += closed;
        }
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        for (category, statuses) in other.by_category {
            for (status, count) in statuses {
                *self.by_category.entry(category).or_default().entry(status).or_default() += count;
            }
        }
        self.failures.extend(other.failures);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_malformed_requests_get_no_5xx_and_the_shop_still_serves() {
    let requests: usize = std::env::var("BAD_INPUT_REQUESTS").map_or(10_000, |n| n.parse().expect("a number"));
    let seed: u64 = std::env::var("BAD_INPUT_SEED").map_or_else(|_| random_seed(), |n| n.parse().expect("a number"));
    println!("bad input: {requests} requests, BAD_INPUT_SEED={seed}");
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.location().is_some_and(|location| location.file().starts_with("tests/")) {
            PANICS.fetch_add(1, Ordering::SeqCst);
        }
        previous(info);
    }));

    // A throttle this high never answers 429, so every request reaches the code behind it.
    let shop =
        Shop::start_with(&["--attempts-per-minute", "4000000000", "--mail-forms-per-minute", "4000000000"]).await;
    let context = Arc::new(Context {
        host: shop.base.trim_start_matches("http://").to_owned(),
        customer: identity(&shop, "fuzz-customer", false).await,
        admin: identity(&shop, "fuzz-admin", true).await,
    });
    let address: SocketAddr = context.host.parse().unwrap();

    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (next, context) = (next.clone(), context.clone());
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let mut tally = Tally::default();
            loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                if index >= requests {
                    return tally;
                }
                let (category, request) = generate(&mut Rng::for_request(seed, index as u64), &context);
                let outcome = send::send(address, &client, &request).await;
                let name = CATEGORIES[category];
                let entry = tally.sent.entry(name).or_default();
                entry.0 += 1;
                match outcome {
                    Outcome::Status(status) => {
                        *tally.statuses.entry(status).or_default() += 1;
                        *tally.by_category.entry(name).or_default().entry(status).or_default() += 1;
                        if status >= 500 {
                            tally.failures.push(describe(index, name, &format!("status {status}"), &request));
                        }
                    }
                    Outcome::Closed => entry.1 += 1,
                    other => tally.failures.push(describe(index, name, &format!("{other:?}"), &request)),
                }
            }
        }));
    }
    let mut tally = Tally::default();
    for worker in workers {
        tally.merge(worker.await.unwrap());
    }
    let duration = started.elapsed();

    let closed: usize = tally.sent.values().map(|(_, closed)| closed).sum();
    println!("bad input: {requests} requests in {:.1}s, seed {seed}", duration.as_secs_f64());
    println!("bad input: by category (sent, closed without response): {:?}", tally.sent);
    for (category, statuses) in &tally.by_category {
        println!("bad input:   {category}: {statuses:?}");
    }
    println!("bad input: status histogram: {:?}", tally.statuses);
    let server_errors: usize = tally.statuses.range(500..).map(|(_, count)| count).sum();
    println!(
        "bad input: 5xx={server_errors} closed_without_response={closed} panics={}",
        PANICS.load(Ordering::SeqCst)
    );
    assert!(tally.failures.is_empty(), "{} failed requests:\n{}", tally.failures.len(), tally.failures.join("\n"));
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "the server panicked (see the output above)");

    // The shop still serves: the two sessions held all along, and a new customer goes the whole
    // way from registration to a protected page.
    for (who, identity) in [("customer", &context.customer), ("admin", &context.admin)] {
        assert_eq!(orders_status(&shop, &identity.cookie).await, StatusCode::OK, "the {who}'s session ended");
    }
    let (client, _) = logged_in(&shop, "after-the-storm").await;
    let orders = client.get(shop.url("/account/orders")).send().await.unwrap();
    assert_eq!(orders.status(), StatusCode::OK);
    println!("bad input: server healthy after: yes");
}

/// A logged-in browser's cookie and CSRF token; an admin when `admin`.
async fn identity(shop: &Shop, username: &str, admin: bool) -> Identity {
    let (client, jar) = logged_in(shop, username).await;
    if admin {
        // Making an admin ends their sessions: log in again to get the role.
        shop.make_admin(username).await;
        assert_eq!(sign_in(shop, &client, username, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    }
    let csrf = token(shop, &client, if admin { "/admin" } else { "/account/orders" }).await;
    Identity { cookie: session_cookie(shop, &jar).unwrap(), csrf }
}

fn describe(index: usize, category: &str, outcome: &str, request: &Request) -> String {
    let start = match request {
        Request::Raw { bytes, .. } => bytes[..bytes.len().min(300)].escape_ascii().to_string(),
        Request::Form { path, fields, .. } => {
            let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
            format!("POST {path} (form fields {names:?})")
        }
    };
    format!("#{index} [{category}] {outcome}: {start}")
}

fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    u64::from_le_bytes(bytes)
}
