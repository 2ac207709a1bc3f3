//! The shop's routes, one file per page.

mod account;
mod admin;
mod assets;
mod confirm;
mod delete_account;
mod fresh_proof;
mod home;
mod login;
mod mailbox;
mod passkeys;
mod password;
mod register;
mod reset;
mod second_factor;
mod security;
mod sessions;
mod unlock;

use axum::Router;
use axum::routing::get;
use customer_auth_tower::{RequireLogin, RequireRole, Session};
use serde::Serialize;

use crate::error::AppError;
use crate::{AppState, Throttles};

/// Every route, without the session and CSRF layers (see [`crate::app`]).
pub(crate) fn routes(throttles: Throttles) -> Router<AppState> {
    // Where passwords are checked: each address's failures are limited, its successes free.
    let password_checks = Router::new()
        .route("/signin", axum::routing::post(login::signin))
        .route("/reset/{token}", get(reset::reset_form).post(reset::reset))
        .route("/unlock/{token}", get(unlock::link).post(unlock::follow))
        .route("/login/second-factor", get(second_factor::form).post(second_factor::submit))
        .route("/login/passkey/options", axum::routing::post(passkeys::login_options))
        .route("/login/passkey", axum::routing::post(passkeys::login))
        .route("/login/second-factor/passkey/options", axum::routing::post(passkeys::second_factor_options))
        .route("/login/second-factor/passkey", axum::routing::post(passkeys::second_factor))
        .route_layer(throttles.failures.clone());
    // Forms that send mail (or make accounts in bulk): every post counts.
    let mail_forms = Router::new()
        .route("/account/create", axum::routing::post(register::create))
        .route("/forgot", get(reset::forgot_form).post(reset::forgot))
        .route("/confirm", get(confirm::resend_form).post(confirm::resend))
        .route("/unlock", get(unlock::request_form).post(unlock::request))
        .route_layer(throttles.mail);
    let account = Router::new()
        .route("/account/orders", get(account::orders))
        .route("/account/password", get(password::form).post(password::change))
        .route("/account/delete", get(delete_account::form).post(delete_account::delete))
        .route("/account/sessions", get(sessions::list))
        .route("/account/security", get(security::overview))
        .route("/account/security/totp", get(security::totp_form).post(security::totp_confirm))
        .route("/account/security/totp/remove", axum::routing::post(security::totp_remove))
        .route("/account/security/recovery-codes", axum::routing::post(security::recovery_codes))
        .route("/account/security/passkeys/options", axum::routing::post(passkeys::registration_options))
        .route("/account/security/passkeys", axum::routing::post(passkeys::register))
        .route("/account/security/passkeys/remove", axum::routing::post(passkeys::remove))
        .route("/account/sessions/others", axum::routing::post(sessions::end_others))
        .route("/account/sessions/{key}/end", axum::routing::post(sessions::end_one))
        .route("/account/sessions/all", axum::routing::post(sessions::end_all))
        // The password is checked here too: wrong ones count as at the login form.
        .route_layer(throttles.failures)
        .route_layer(RequireLogin::new());
    let admin = Router::new()
        .route("/admin", get(admin::customers))
        .route("/admin/customers/{id}/status", axum::routing::post(admin::set_status))
        .route_layer(RequireRole::new("admin"));
    Router::new()
        .route("/", get(home::home))
        .route("/register", get(register::form))
        .route("/login", get(login::form))
        .route("/confirm/{token}", get(confirm::follow))
        .route("/logout", get(login::logout_link).post(login::logout))
        .route("/static/style.css", get(assets::stylesheet))
        .route("/static/passkeys.js", get(assets::passkeys_script))
        .route("/dev/mailbox", get(mailbox::show))
        .merge(password_checks)
        .merge(mail_forms)
        .merge(account)
        .merge(admin)
}

/// A page with one form: the layout with its CSRF token, and the errors beside their fields.
async fn form_page(
    state: &AppState,
    session: &Session,
    template: &str,
    status: http::StatusCode,
    errors: customer_auth::FieldErrors,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse as _;
    let layout = Layout::with_form(session).await?;
    let html = state.templates.render(template, minijinja::context! { layout, errors })?;
    Ok((status, html).into_response())
}

/// What the layout needs on every page.
#[derive(Serialize)]
pub(crate) struct Layout {
    /// The logged-in customer's username, for the header.
    me: Option<String>,
    /// Whether the logged-in customer may open the admin page, for its link in the header.
    admin: bool,
    /// For the logout button and the page's form.
    csrf_token: Option<String>,
    /// Messages carried over from the previous page.
    flashes: Vec<String>,
}

impl Layout {
    /// The layout for a page with a form: a CSRF token even for anonymous visitors.
    async fn with_form(session: &Session) -> Result<Self, AppError> {
        let principal = session.principal().await?;
        let admin = principal.as_ref().is_some_and(|me| me.roles.iter().any(|role| role == "admin"));
        let me = principal.map(|principal| principal.username);
        Ok(Self { me, admin, csrf_token: Some(session.csrf_token().await?), flashes: session.take_flashes().await? })
    }

    /// The layout for a page without a form: a token only for the logged-in customer's logout
    /// button, so an anonymous visit creates no session.
    async fn without_form(session: &Session) -> Result<Self, AppError> {
        let principal = session.principal().await?;
        let admin = principal.as_ref().is_some_and(|me| me.roles.iter().any(|role| role == "admin"));
        let me = principal.map(|principal| principal.username);
        let csrf_token = match me {
            Some(_) => Some(session.csrf_token().await?),
            None => None,
        };
        Ok(Self { me, admin, csrf_token, flashes: session.take_flashes().await? })
    }

    /// The layout for an error page: who is logged in, as far as the session can still say,
    /// and no flashes (they wait for the next real page).
    pub(crate) async fn for_error(session: &Session) -> Self {
        let Ok(Some(principal)) = session.principal().await else { return Self::anonymous() };
        let admin = principal.roles.iter().any(|role| role == "admin");
        let csrf_token = session.csrf_token().await.ok();
        Self { me: Some(principal.username), admin, csrf_token, flashes: Vec::new() }
    }

    /// The layout of a visitor nobody knows: what a page shows when the session is out of reach.
    pub(crate) fn anonymous() -> Self {
        Self { me: None, admin: false, csrf_token: None, flashes: Vec::new() }
    }
}
