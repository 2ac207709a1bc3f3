//! Forms for visitors who are not logged in cost no store write (security finding: every
//! cookieless `GET /login` wrote a session row to hold its CSRF token, so a bot could grow the
//! store without limit), and login CSRF is still refused.

use http::header;

use crate::common::{PASSWORD, Stores, bare_client, browser, start};

/// The visitor CSRF cookie as a client would send it back, from a response's `Set-Cookie`.
fn csrf_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("csrf="))
        .and_then(|value| value.split(';').next())
        .map(str::to_owned)
}

async fn ten_thousand_cookieless_login_forms_write_nothing(stores: Stores) {
    let app = start(stores).await;
    ten_thousand_login_forms(&app).await;
}

/// With sessions in Postgres too: no row either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_cookieless_login_forms_leave_no_postgres_row() {
    let app = start(crate::common::postgres_stores().await).await;
    ten_thousand_login_forms(&app).await;
    assert_eq!(crate::common::postgres_session_rows(&app.stores).await, 0);
}

async fn ten_thousand_login_forms(app: &crate::common::App) {
    let before = app.stores.sessions.writes();
    let client = bare_client();
    let url = app.url("/login");
    // 200 rounds of 50 at once.
    for _ in 0..200 {
        let mut round = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let (client, url) = (client.clone(), url.clone());
            round.spawn(async move {
                let page = client.get(url).send().await.unwrap();
                assert_eq!(page.status(), 200);
                assert!(csrf_cookie(&page).is_some(), "each visitor gets a CSRF secret cookie");
                assert!(crate::common::session_cookie(&page).is_none(), "and no session");
            });
        }
        while let Some(done) = round.join_next().await {
            done.unwrap();
        }
    }
    assert_eq!(app.stores.sessions.writes() - before, 0, "10,000 login forms wrote to the session store");
}

async fn login_csrf_is_refused_without_the_visitors_own_token(stores: Stores) {
    let app = start(stores).await;
    app.register("target").await;
    let sign_in = |client: &reqwest::Client, token: Option<&str>| {
        let mut form = vec![("username", "target"), ("password", PASSWORD)];
        if let Some(token) = token {
            form.push(("csrf_token", token));
        }
        client.post(app.url("/signin")).form(&form).send()
    };
    let (victim, attacker) = (browser(), browser());
    let victims_token = app.csrf(&victim).await;
    let attackers_token = app.csrf(&attacker).await;
    assert_ne!(victims_token, attackers_token);
    assert_eq!(sign_in(&victim, None).await.unwrap().status(), 403, "no token");
    assert_eq!(
        sign_in(&victim, Some(&"A".repeat(victims_token.len()))).await.unwrap().status(),
        403,
        "a made-up token"
    );
    assert_eq!(sign_in(&victim, Some(&attackers_token)).await.unwrap().status(), 403, "another visitor's token");
    let tokenless = bare_client().post(app.url("/signin"));
    let no_cookie = tokenless.form(&[("username", "target"), ("password", PASSWORD), ("csrf_token", &victims_token)]);
    assert_eq!(no_cookie.send().await.unwrap().status(), 403, "a token without its cookie");
    // The visitor's own token logs them in, and their session's token takes over.
    assert_eq!(sign_in(&victim, Some(&victims_token)).await.unwrap().status(), 303);
    let orders = victim.get(app.url("/account/orders")).send().await.unwrap();
    assert_eq!(orders.status(), 200);
    let session_token = app.csrf(&victim).await;
    assert_ne!(session_token, victims_token, "a logged-in session has a token of its own");
    let echo = |token: &str| victim.post(app.url("/echo")).form(&[("csrf_token", token.to_owned())]).send();
    assert_eq!(echo(&session_token).await.unwrap().status(), 200);
    assert_eq!(echo(&victims_token).await.unwrap().status(), 403, "the visitor token ends with the login");
}

on_every_store!(
    ten_thousand_cookieless_login_forms_write_nothing,
    login_csrf_is_refused_without_the_visitors_own_token
);
