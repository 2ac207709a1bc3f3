//! After the load: every customer whose registration was acknowledged must log in, and the
//! sessions kept from before the load must still open the orders page.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::header::HeaderValue;
use serde::Serialize;
use tokio::sync::Mutex;

use crate::browser::{Browser, Shop};
use crate::record::{Class, Step};

/// How many failures are listed by name; the count covers them all.
const LISTED: usize = 20;

/// The verdict on the acknowledged registrations.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Verified {
    pub(crate) checked: usize,
    pub(crate) logged_in: usize,
    /// Refused as invalid credentials: the shop lost a customer it acknowledged.
    pub(crate) lost: usize,
    /// Still failing after retries for another reason (503, connection error, ...).
    pub(crate) errors: usize,
    pub(crate) failures: Vec<String>,
}

enum Verdict {
    LoggedIn,
    Lost,
    Error(String),
}

/// Logs in every one of `usernames`, `concurrency` at a time.
pub(crate) async fn logins(shop: Arc<Shop>, usernames: Vec<String>, concurrency: usize) -> Verified {
    let usernames = Arc::new(usernames);
    let next = Arc::new(AtomicUsize::new(0));
    let verified = Arc::new(Mutex::new(Verified { checked: usernames.len(), ..Verified::default() }));
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (shop, usernames, next, verified) = (shop.clone(), usernames.clone(), next.clone(), verified.clone());
            tokio::spawn(async move {
                while let Some(username) = usernames.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let verdict = log_in(&shop, username).await;
                    let mut verified = verified.lock().await;
                    let reason = match verdict {
                        Verdict::LoggedIn => {
                            verified.logged_in += 1;
                            continue;
                        }
                        Verdict::Lost => {
                            verified.lost += 1;
                            "invalid credentials".to_owned()
                        }
                        Verdict::Error(reason) => {
                            verified.errors += 1;
                            reason
                        }
                    };
                    if verified.failures.len() < LISTED {
                        verified.failures.push(format!("{username}: {reason}"));
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let mut verified = verified.lock().await;
    std::mem::take(&mut *verified)
}

/// Logs `username` in and opens the orders page; a failure that is not a refusal is retried,
/// since the question is whether the customer exists, not whether the shop is busy.
async fn log_in(shop: &Arc<Shop>, username: &str) -> Verdict {
    let mut reason = String::new();
    for attempt in 0..3 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let mut events = Vec::new();
        let Ok(browser) = Browser::new(shop.clone()) else { return Verdict::Error("no HTTP client".into()) };
        match browser.login(username, &mut events).await {
            Some(303) => {}
            Some(401) => return Verdict::Lost,
            other => {
                reason = format!("login answered {other:?} ({:?})", events.last().map(|event| event.class));
                continue;
            }
        }
        match browser.get(Step::Orders, "/account/orders", &mut events).await {
            Some(_) => return Verdict::LoggedIn,
            None => reason = format!("orders page failed ({:?})", events.last().map(|event| event.class)),
        }
    }
    Verdict::Error(reason)
}

/// Sessions logged in before the load, kept to be checked after it.
#[derive(Debug, Default, Serialize)]
pub(crate) struct KeptSessions {
    pub(crate) kept: usize,
    pub(crate) alive: usize,
}

/// Registers and logs in `count` customers and returns their cookies.
pub(crate) async fn keep_sessions(shop: &Arc<Shop>, run_id: &str, count: usize) -> Vec<HeaderValue> {
    let mut cookies = Vec::new();
    let mut events = Vec::new();
    for index in 0..count {
        let username = format!("{run_id}-kept-{index}");
        let Ok(browser) = Browser::new(shop.clone()) else { continue };
        if browser.register(&username, &mut events).await == Some(303)
            && browser.login(&username, &mut events).await == Some(303)
            && let Some(cookie) = browser.cookie_header()
        {
            cookies.push(cookie);
        }
    }
    cookies
}

/// How many of `cookies` still open the orders page (one retry after a failure that is no
/// answer, for the same reason as in [`logins`]).
pub(crate) async fn check_sessions(shop: &Arc<Shop>, cookies: &[HeaderValue]) -> KeptSessions {
    let mut alive = 0;
    let mut events = Vec::new();
    let Ok(browser) = Browser::new(shop.clone()) else { return KeptSessions { kept: cookies.len(), alive } };
    for cookie in cookies {
        for _ in 0..3 {
            let status = browser.orders_with_cookie(cookie, &mut events).await;
            if status == Some(200) {
                alive += 1;
                break;
            }
            if events.last().is_some_and(|event| !event.class.is_failure() || event.class == Class::Other5xx) {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    KeptSessions { kept: cookies.len(), alive }
}
