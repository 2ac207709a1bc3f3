use std::sync::Arc;

use tower_layer::Layer;

use super::service::Guard;

/// Where anonymous browsers are sent unless configured otherwise.
pub const DEFAULT_LOGIN_URL: &str = "/login";

/// What a guard asks of a request.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) login_url: String,
    pub(crate) role: Option<String>,
}

/// Lets logged-in customers through. See the [module docs](crate::guard).
#[derive(Debug, Clone)]
pub struct RequireLogin {
    rule: Arc<Rule>,
}

impl RequireLogin {
    /// Sends anonymous browsers to `/login`.
    pub fn new() -> Self {
        Self { rule: Arc::new(Rule { login_url: DEFAULT_LOGIN_URL.to_owned(), role: None }) }
    }

    /// Sends anonymous browsers to `login_url` instead.
    pub fn with_login_url(self, login_url: &str) -> Self {
        Self { rule: Arc::new(Rule { login_url: login_url.to_owned(), role: self.rule.role.clone() }) }
    }
}

impl Default for RequireLogin {
    fn default() -> Self {
        Self::new()
    }
}

/// Lets through logged-in customers who hold a role; `403` for those who do not. See the
/// [module docs](crate::guard).
#[derive(Debug, Clone)]
pub struct RequireRole {
    rule: Arc<Rule>,
}

impl RequireRole {
    /// Requires `role`; anonymous browsers go to `/login`.
    pub fn new(role: &str) -> Self {
        Self { rule: Arc::new(Rule { login_url: DEFAULT_LOGIN_URL.to_owned(), role: Some(role.to_owned()) }) }
    }

    /// Sends anonymous browsers to `login_url` instead.
    pub fn with_login_url(self, login_url: &str) -> Self {
        Self { rule: Arc::new(Rule { login_url: login_url.to_owned(), role: self.rule.role.clone() }) }
    }
}

impl<S> Layer<S> for RequireLogin {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Guard::new(inner, Arc::clone(&self.rule))
    }
}

impl<S> Layer<S> for RequireRole {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Guard::new(inner, Arc::clone(&self.rule))
    }
}
