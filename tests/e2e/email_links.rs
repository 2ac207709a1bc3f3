//! The camerastore example's email flows over real HTTP, with mail read from the shop's
//! outbox: password reset (single use, the same answer for unknown addresses, every session
//! ended), the email confirmation gate, and the "where am I signed in" page.

use crate::support::Shop;
use crate::support::client::*;
use reqwest::{Client, StatusCode, header};

const NEW_PASSWORD: &str = "fresh fixer and stop bath";
const SENT: &str = "If that is the email address or username of an account";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_session() {
    let shop = Shop::start().await;
    let (_, jar) = logged_in(&shop, "lartigue").await;
    let cookie = session_cookie(&shop, &jar).unwrap();

    let (visitor, _) = new_client();
    let unknown = post_form(&shop, &visitor, "/forgot", "/forgot", &[("email", "nobody@example.com")]).await;
    let known = post_form(&shop, &visitor, "/forgot", "/forgot", &[("email", "LARTIGUE@example.com")]).await;
    assert_eq!(unknown.status(), known.status(), "the same answer whether or not the address has an account");
    assert_eq!(known.status(), StatusCode::OK);
    let (unknown, known) = (unknown.text().await.unwrap(), known.text().await.unwrap());
    assert!(unknown.contains(SENT) && known.contains(SENT));
    let strip = |page: &str| page.split("csrf_token").next().unwrap_or_default().to_owned();
    assert_eq!(strip(&unknown), strip(&known), "the pages differ only after the token field");

    let token = shop.mailed_link("reset").await;
    assert_eq!(shop.mail_count(), 1, "no mail for the unknown address");
    let form = visitor.get(shop.url(&format!("/reset/{token}"))).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let reset_page = format!("/reset/{token}");
    let weak =
        post_form(&shop, &visitor, &reset_page, &reset_page, &[("password", "short"), ("confirmPassword", "short")])
            .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY, "a bad password keeps the link usable");
    let fields = [("password", NEW_PASSWORD), ("confirmPassword", NEW_PASSWORD)];
    let reset = post_form(&shop, &visitor, &reset_page, &reset_page, &fields).await;
    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&reset), "/login");
    assert_eq!(orders_status(&shop, &cookie).await, StatusCode::SEE_OTHER, "the old session ended");

    let again = post_form(&shop, &visitor, &reset_page, &reset_page, &fields).await;
    assert_eq!(again.status(), StatusCode::GONE, "a link works once");
    let garbage = post_form(&shop, &visitor, "/forgot", "/reset/not-a-token", &fields).await;
    assert_eq!(garbage.status(), StatusCode::GONE);

    let (fresh, _) = new_client();
    assert_eq!(sign_in(&shop, &fresh, "lartigue", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(&shop, &fresh, "lartigue", NEW_PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_confirmation_on_a_login_waits_for_the_mailed_link() {
    let shop = Shop::start_with(&["--email-confirmation", "true"]).await;
    let (client, _) = new_client();
    let created = register(&shop, &client, "daguerre", "daguerre@example.com", PASSWORD).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let waiting = sign_in(&shop, &client, "daguerre", PASSWORD).await;
    assert_eq!(waiting.status(), StatusCode::FORBIDDEN);
    assert!(waiting.text().await.unwrap().contains("confirm your email"));
    let wrong = sign_in(&shop, &client, "daguerre", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "a wrong password learns nothing about confirmation");

    let first = shop.mailed_link("confirm").await;
    let unknown = post_form(&shop, &client, "/confirm", "/confirm", &[("username", "nobody")]).await;
    let resent = post_form(&shop, &client, "/confirm", "/confirm", &[("username", "daguerre")]).await;
    assert_eq!(unknown.status(), resent.status());
    for _ in 0..300 {
        if shop.mail_count() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let second = shop.mailed_link("confirm").await;
    assert_ne!(first, second, "a resend makes a new link");
    let stale = client.get(shop.url(&format!("/confirm/{first}"))).send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::GONE, "the new link replaces the old one");

    let confirmed = client.get(shop.url(&format!("/confirm/{second}"))).send().await.unwrap();
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&confirmed), "/login");
    assert_eq!(sign_in(&shop, &client, "daguerre", PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sessions_page_lists_browsers_and_logs_out_the_others_or_all() {
    let shop = Shop::start().await;
    let (laptop, laptop_jar) = logged_in(&shop, "niepce").await;
    let phone = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("PhoneBrowser/1.0")
        .build()
        .unwrap();
    assert_eq!(sign_in(&shop, &phone, "niepce", PASSWORD).await.status(), StatusCode::SEE_OTHER);

    let page = laptop.get(shop.url("/account/sessions")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let page = page.text().await.unwrap();
    assert!(page.contains("PhoneBrowser"), "{page}");
    assert_eq!(page.matches("<tr").count(), 3, "a header row and two sessions: {page}");
    assert_eq!(page.matches("this browser").count(), 1);

    let others = post_form(&shop, &laptop, "/account/sessions", "/account/sessions/others", &[]).await;
    assert_eq!(others.status(), StatusCode::SEE_OTHER);
    let phone_orders = phone.get(shop.url("/account/orders")).header(header::ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(phone_orders.status(), StatusCode::SEE_OTHER, "the phone is logged out");
    let cookie = session_cookie(&shop, &laptop_jar).unwrap();
    assert_eq!(orders_status(&shop, &cookie).await, StatusCode::OK, "the laptop is not");

    let all = post_form(&shop, &laptop, "/account/sessions", "/account/sessions/all", &[]).await;
    assert_eq!(all.status(), StatusCode::SEE_OTHER);
    assert_eq!(orders_status(&shop, &cookie).await, StatusCode::SEE_OTHER, "and now neither is");
}

const CHROME_ON_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) \
                                 Chrome/131.0.0.0 Mobile Safari/537.36";

/// The "Log out" buttons of the other sessions on a sessions page.
fn end_buttons(page: &str) -> Vec<String> {
    page.match_indices(r#"action="/account/sessions/"#)
        .map(|(at, _)| page[at + r#"action=""#.len()..].split('"').next().unwrap().to_owned())
        .filter(|action| action.ends_with("/end"))
        .collect()
}

/// Each browser is named ("Chrome on Android", the raw string in its tooltip) and has its own
/// "Log out" button, which ends that session only, and never another customer's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_session_is_named_and_can_be_logged_out_on_its_own() {
    let shop = Shop::start().await;
    let (laptop, laptop_jar) = logged_in(&shop, "bayard").await;
    let phone = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(CHROME_ON_ANDROID)
        .build()
        .unwrap();
    assert_eq!(sign_in(&shop, &phone, "bayard", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let page = laptop.get(shop.url("/account/sessions")).send().await.unwrap().text().await.unwrap();
    let unescaped = page.replace("&#x2f;", "/");
    assert!(unescaped.contains(&format!(r#"title="{CHROME_ON_ANDROID}">Chrome on Android</span>"#)), "{page}");
    let buttons = end_buttons(&page);
    assert_eq!(buttons.len(), 1, "a button for the phone, none for this browser: {page}");

    let (stranger, stranger_jar) = logged_in(&shop, "talbot").await;
    let strangers_page = stranger.get(shop.url("/account/sessions")).send().await.unwrap().text().await.unwrap();
    let (stranger_phone, _) = new_client();
    assert_eq!(sign_in(&shop, &stranger_phone, "talbot", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let strangers_button =
        end_buttons(&stranger.get(shop.url("/account/sessions")).send().await.unwrap().text().await.unwrap());
    assert!(end_buttons(&strangers_page).is_empty());
    let refused = post_form(&shop, &laptop, "/account/sessions", &strangers_button[0], &[]).await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let after = laptop.get(shop.url("/account/sessions")).send().await.unwrap().text().await.unwrap();
    assert!(after.contains("That session had already ended."), "{after}");
    assert_eq!(
        stranger_phone.get(shop.url("/account/orders")).send().await.unwrap().status(),
        StatusCode::OK,
        "another customer's session is out of reach"
    );

    let ended = post_form(&shop, &laptop, "/account/sessions", &buttons[0], &[]).await;
    assert_eq!(ended.status(), StatusCode::SEE_OTHER);
    let after = laptop.get(shop.url("/account/sessions")).send().await.unwrap().text().await.unwrap();
    assert!(after.contains("Logged out that session."), "{after}");
    let phone_orders = phone.get(shop.url("/account/orders")).header(header::ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(phone_orders.status(), StatusCode::SEE_OTHER, "the phone is logged out");
    let cookie = session_cookie(&shop, &laptop_jar).unwrap();
    assert_eq!(orders_status(&shop, &cookie).await, StatusCode::OK, "the laptop stays logged in");
    assert!(session_cookie(&shop, &stranger_jar).is_some());
}

/// With --paranoid-registration a taken email answers exactly as a new account does, and its
/// owner is mailed instead (security finding: the form told whether an email had an account).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paranoid_registration_does_not_tell_who_has_an_account() {
    let shop = Shop::start_with(&["--email-confirmation", "true", "--paranoid-registration", "true"]).await;
    let (owner, _) = new_client();
    let first = register(&shop, &owner, "sander", "sander@example.com", PASSWORD).await;
    let first_status = first.status();
    let first_location = location(&first).to_owned();
    let (prober, _) = new_client();
    let probe = register(&shop, &prober, "prober", "SANDER@example.com", PASSWORD).await;
    assert_eq!((probe.status(), location(&probe)), (first_status, first_location.as_str()), "answers as a success");
    let (fresh, _) = new_client();
    let fresh_page = register(&shop, &fresh, "newbie", "newbie@example.com", PASSWORD).await;
    assert_eq!(fresh_page.status(), first_status);
    let probe_flash = prober.get(shop.url("/login")).send().await.unwrap().text().await.unwrap();
    let fresh_flash = fresh.get(shop.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(probe_flash.contains("Account created"), "{probe_flash}");
    let strip = |page: &str| page.split("csrf_token").next().unwrap_or_default().to_owned();
    assert_eq!(strip(&probe_flash), strip(&fresh_flash), "the pages differ only after the token field");
    let mails: Vec<String> = std::fs::read_dir(&shop.config.outbox)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    let notices: Vec<&String> =
        mails.iter().filter(|mail| mail.contains("Subject: Someone tried to register")).collect();
    assert_eq!(notices.len(), 1, "the owner is told once: {mails:?}");
    assert!(notices[0].contains("To: sander@example.com") && notices[0].contains("/forgot"), "{}", notices[0]);
}

/// Without the setting, the form says the email is taken, next to the field, as the seed did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_paranoid_registration_a_taken_email_is_reported_next_to_the_field() {
    let shop = Shop::start().await;
    let (client, _) = new_client();
    assert_eq!(
        register(&shop, &client, "sander", "sander@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let taken = register(&shop, &client, "other", "sander@example.com", PASSWORD).await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.text().await.unwrap().contains("An account with this email already exists"));
}

/// Without SMTP, the shop shows what it mailed at /dev/mailbox, newest first, links clickable,
/// and says so after a registration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_development_mailbox_shows_the_mail_with_its_links() {
    let shop = Shop::start_with(&["--email-confirmation", "true"]).await;
    let (client, _) = new_client();
    let empty = client.get(shop.url("/dev/mailbox")).send().await.unwrap().text().await.unwrap();
    assert!(empty.contains("No mail yet."), "{empty}");
    assert_eq!(
        register(&shop, &client, "brandt", "brandt@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let login = client.get(shop.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("development mailbox") && login.contains(r#"href="/dev/mailbox""#), "{login}");
    // By username: a forgot form takes what people log in with.
    post_form(&shop, &client, "/forgot", "/forgot", &[("email", "brandt")]).await;
    let token = shop.mailed_link("reset").await;
    let page = client.get(shop.url("/dev/mailbox")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    let (reset, confirm) =
        (page.find("Reset your password").unwrap(), page.find("Confirm your email address").unwrap());
    assert!(reset < confirm, "newest first");
    // The template escapes `/` as `&#x2f;` inside attributes; a browser reads the link back.
    let page = page.replace("&#x2f;", "/");
    assert!(page.contains(&format!(r#"/reset/{token}">"#)), "the link is a link: {page}");
}

/// With SMTP the mailbox does not exist; an outbox that cannot be written stops the start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_mailbox_with_smtp_and_an_unwritable_outbox_stops_the_start() {
    let shop = Shop::start_with(&["--smtp-url", "smtp://127.0.0.1:1"]).await;
    let page = new_client().0.get(shop.url("/dev/mailbox")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(!new_client().0.get(shop.url("/")).send().await.unwrap().text().await.unwrap().contains("nav-mailbox"));

    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"a file where the outbox should be").unwrap();
    let outbox = blocker.join("outbox").display().to_string();
    let url = format!("sqlite://{}", dir.path().join("shop.db").display());
    let config =
        <camerastore::Config as clap::Parser>::parse_from(["camerastore", "--database-url", &url, "--outbox", &outbox]);
    let refused = camerastore::build(&config).await.expect_err("an unwritable outbox stops the start");
    assert!(refused.to_string().contains("cannot write to the outbox folder"), "{refused}");
}
