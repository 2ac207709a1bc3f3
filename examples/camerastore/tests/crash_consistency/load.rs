//! Registrations as browsers send them, many at once, each outcome recorded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use tokio::sync::Mutex;

/// Every registration's password.
pub(crate) const PASSWORD: &str = "silver gelatin print";

/// What became of the registrations of one round.
#[derive(Default)]
pub(crate) struct Outcomes {
    /// Answered `303 See Other`: the shop said the account exists.
    pub(crate) acknowledged: Vec<String>,
    /// Sent, but the connection died before an answer: may or may not exist.
    pub(crate) in_flight: Vec<String>,
    /// Any other answer, which a valid, unique registration must never get.
    pub(crate) unexpected: Vec<(String, StatusCode)>,
}

/// Registrations running against one server until [`Load::stop`].
pub(crate) struct Load {
    stop: Arc<AtomicBool>,
    acknowledged: Arc<AtomicUsize>,
    outcomes: Arc<Mutex<Outcomes>>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    /// Starts `workers` browsers registering `{prefix}-{worker}-{n}` at `base` one after another.
    pub(crate) fn start(base: &str, prefix: &str, workers: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let acknowledged = Arc::new(AtomicUsize::new(0));
        let outcomes = Arc::new(Mutex::new(Outcomes::default()));
        let workers = (0..workers)
            .map(|worker| {
                let (base, prefix) = (base.to_owned(), format!("{prefix}-{worker}"));
                let (stop, acknowledged, outcomes) = (stop.clone(), acknowledged.clone(), outcomes.clone());
                tokio::spawn(async move {
                    for n in 0.. {
                        if stop.load(Ordering::SeqCst) {
                            return;
                        }
                        let username = format!("{prefix}-{n}");
                        match register(&base, &username).await {
                            Attempt::NotSent => {}
                            Attempt::Answered(StatusCode::SEE_OTHER) => {
                                acknowledged.fetch_add(1, Ordering::SeqCst);
                                outcomes.lock().await.acknowledged.push(username);
                            }
                            Attempt::Answered(status) => outcomes.lock().await.unexpected.push((username, status)),
                            Attempt::Unanswered => outcomes.lock().await.in_flight.push(username),
                        }
                    }
                })
            })
            .collect();
        Self { stop, acknowledged, outcomes, workers }
    }

    /// How many registrations have been acknowledged so far.
    pub(crate) fn acknowledged(&self) -> usize {
        self.acknowledged.load(Ordering::SeqCst)
    }

    /// Stops the workers (after the server is gone, their requests fail at once) and returns
    /// what happened.
    pub(crate) async fn stop(self) -> Outcomes {
        self.stop.store(true, Ordering::SeqCst);
        for worker in self.workers {
            worker.await.expect("a registration worker panicked");
        }
        let mut outcomes = self.outcomes.lock().await;
        std::mem::take(&mut *outcomes)
    }
}

#[derive(Debug)]
pub(crate) enum Attempt {
    /// The form was never posted (the server was already gone).
    NotSent,
    /// The form was posted and answered with this status.
    Answered(StatusCode),
    /// The form was posted, and no answer came.
    Unanswered,
}

/// A browser that keeps cookies and follows no redirects; a request that hangs fails the test
/// through the timeout rather than stalling it.
pub(crate) fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// Registers `username` as a browser would: the form page for its CSRF token, then the form.
pub(crate) async fn register(base: &str, username: &str) -> Attempt {
    let client = browser();
    let Ok(page) = client.get(format!("{base}/register")).send().await else { return Attempt::NotSent };
    let Ok(html) = page.text().await else { return Attempt::NotSent };
    let Some(csrf) = csrf_token(&html) else { return Attempt::NotSent };
    let email = format!("{username}@example.com");
    let posted = client
        .post(format!("{base}/account/create"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("firstName", "Ansel"),
            ("lastName", "Adams"),
            ("email", email.as_str()),
            ("username", username),
            ("password", PASSWORD),
            ("confirmPassword", PASSWORD),
        ])
        .send()
        .await;
    match posted {
        Ok(response) => Attempt::Answered(response.status()),
        // Refused: the server was already gone, so the form never reached it.
        Err(err) if err.is_connect() => Attempt::NotSent,
        Err(err) => {
            assert!(!err.is_timeout(), "a registration hung: {err}");
            Attempt::Unanswered
        }
    }
}

/// The value of the hidden `csrf_token` field in a page.
pub(crate) fn csrf_token(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}
