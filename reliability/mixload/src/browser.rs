//! A browser-like client for the shop: its own cookie jar, no redirects followed, forms posted
//! with the CSRF token of the page they came from, every request recorded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Client;
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{self, HeaderValue};

use crate::csrf;
use crate::record::{Class, Event, Step, now_ms};

/// The password of every customer the driver registers.
pub(crate) const PASSWORD: &str = "silver gelatin print";

/// Where the shop is and how long to wait for it.
#[derive(Debug, Clone)]
pub(crate) struct Shop {
    pub(crate) base: String,
    pub(crate) timeout: Duration,
}

/// One visitor: a fresh cookie jar, so each is a new browser to the shop.
pub(crate) struct Browser {
    shop: Arc<Shop>,
    client: Client,
    jar: Arc<Jar>,
}

impl Browser {
    pub(crate) fn new(shop: Arc<Shop>) -> Result<Self, reqwest::Error> {
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(shop.timeout)
            .build()?;
        Ok(Self { shop, client, jar })
    }

    /// GETs `path` as `step`; the body when the answer was the expected one.
    pub(crate) async fn get(&self, step: Step, path: &str, events: &mut Vec<Event>) -> Option<String> {
        let request = self.client.get(format!("{}{path}", self.shop.base));
        let (status, body) = send(request, step, events).await?;
        (status == step.expected()).then_some(body)
    }

    /// Opens the form at `page`, posts `fields` with its token to `action` as `step`; the status
    /// of the post, if it got that far and was answered.
    pub(crate) async fn submit(
        &self,
        page: (Step, &str),
        step: Step,
        action: &str,
        fields: &[(&str, &str)],
        events: &mut Vec<Event>,
    ) -> Option<u16> {
        let html = self.get(page.0, page.1, events).await?;
        let token = csrf::token(&html)?;
        let mut form = vec![("csrf_token", token)];
        form.extend_from_slice(fields);
        let request = self.client.post(format!("{}{action}", self.shop.base)).form(&form);
        send(request, step, events).await.map(|(status, _)| status)
    }

    pub(crate) async fn register(&self, username: &str, events: &mut Vec<Event>) -> Option<u16> {
        let email = format!("{username}@example.com");
        let fields = [
            ("firstName", "Ansel"),
            ("lastName", "Adams"),
            ("email", email.as_str()),
            ("username", username),
            ("password", PASSWORD),
            ("confirmPassword", PASSWORD),
        ];
        self.submit((Step::RegisterForm, "/register"), Step::Register, "/account/create", &fields, events).await
    }

    pub(crate) async fn login(&self, username: &str, events: &mut Vec<Event>) -> Option<u16> {
        let fields = [("username", username), ("password", PASSWORD)];
        self.submit((Step::LoginForm, "/login"), Step::Login, "/signin", &fields, events).await
    }

    /// The `Cookie` header this browser would send to the shop (its session, once logged in).
    pub(crate) fn cookie_header(&self) -> Option<HeaderValue> {
        let url = self.shop.base.parse().ok()?;
        self.jar.cookies(&url)
    }

    /// The status of the orders page for whoever holds `cookie`, sent by a client that keeps
    /// nothing: the session must live in the store, not in this process.
    pub(crate) async fn orders_with_cookie(&self, cookie: &HeaderValue, events: &mut Vec<Event>) -> Option<u16> {
        let client = Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(self.shop.timeout).build();
        let request = client.ok()?.get(format!("{}/account/orders", self.shop.base)).header(header::COOKIE, cookie);
        send(request, Step::Orders, events).await.map(|(status, _)| status)
    }
}

/// Sends `request`, records how it went, and returns the status and body if it was answered.
async fn send(request: reqwest::RequestBuilder, step: Step, events: &mut Vec<Event>) -> Option<(u16, String)> {
    let started = Instant::now();
    // The body is part of the answer: a response cut off mid-body is a connection error.
    let outcome = match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            response.text().await.map(|body| (status, body))
        }
        Err(error) => Err(error),
    };
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let (class, answered) = match outcome {
        Ok((status, body)) => (Class::of_status(status), Some((status, body))),
        Err(error) => (Class::of_error(&error), None),
    };
    let unexpected = !class.is_failure() && answered.as_ref().is_some_and(|(status, _)| *status != step.expected());
    events.push(Event { done_ms: now_ms(), latency_us, step, class, unexpected });
    answered
}
