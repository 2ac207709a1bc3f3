//! Proves, in a real headless Chromium driven over WebDriver, that a customer can walk the
//! camerastore example end to end: register, get the "Account created" flash on the login page,
//! be sent to the login page by the protected orders link, log in and land back on
//! `/account/orders`, set up an authenticator app and log in again with its code, see the shop's
//! own page for a missing address, then log out. The test starts its own `chromedriver` on a free port; it fails
//! (never skips) when `chromium` or `chromedriver` is missing. A PNG screenshot of every page it
//! visits is saved under `target/browser-screenshots/` in the workspace.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::Shop;
use customer_auth::{Timestamp, totp_code};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::process::{Child, Command};

/// Where Debian puts the browser.
const CHROMIUM: &str = "/usr/bin/chromium";
/// How to get the browser and its driver.
const INSTALL: &str = "install them with `apt-get install chromium chromium-driver` \
                       (or run ./scripts/test, which installs them)";
/// The longest any single step (a page load, an element appearing) may take.
const STEP: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_registers_logs_in_sees_orders_and_logs_out_in_chromium() {
    let started = Instant::now();
    let shop = Shop::start().await;
    let (_driver, webdriver) = start_chromedriver().await;
    let profile = tempfile::tempdir().expect("a temporary Chromium profile directory");
    let client = open_browser(&webdriver, &profile.path().display().to_string()).await;

    // Walk the story in its own task so the browser is closed even when an expectation fails.
    let walk = tokio::spawn(walk(client.clone(), shop.base.clone()));
    let outcome = tokio::time::timeout(Duration::from_secs(120), walk).await;
    let closed = client.close().await;
    match outcome {
        Err(_) => panic!("the browser walk took longer than 120 s"),
        Ok(Err(join)) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Ok(Err(join)) => panic!("the browser walk did not finish: {join}"),
        Ok(Ok(())) => {}
    }
    closed.expect("the browser session closes");
    eprintln!(
        "browser walk passed in {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        shots_dir().display()
    );
}

/// The story itself, against the shop at `base`.
async fn walk(client: Client, base: String) {
    let username = "ansel";
    let password = "darkroom chemistry 1979";

    // Home page, anonymous.
    client.goto(&format!("{base}/")).await.expect("the home page opens");
    wait_for_path(&client, "/").await;
    visible(&client, "#nav-login").await;
    screenshot(&client, "01-home").await;

    // Register.
    visible(&client, "#nav-register").await.click().await.expect("Register is clickable");
    wait_for_path(&client, "/register").await;
    visible(&client, "#register-form").await;
    screenshot(&client, "02-register").await;
    for (field, value) in [
        ("firstName", "Ansel"),
        ("lastName", "Adams"),
        ("email", "ansel@example.com"),
        ("username", username),
        ("password", password),
        ("confirmPassword", password),
    ] {
        let input = visible(&client, &format!("#register-form input[name=\"{field}\"]")).await;
        input.send_keys(value).await.unwrap_or_else(|err| panic!("typing into {field}: {err}"));
    }
    visible(&client, "#register-submit").await.click().await.expect("Create account is clickable");

    // The login page, with the flash.
    wait_for_path(&client, "/login").await;
    let flash = visible(&client, "p.flash").await;
    let text = flash.text().await.expect("the flash has text");
    assert!(text.contains("Account created, please log in"), "the flash after registering says {text:?}");
    visible(&client, "#login-form").await;
    screenshot(&client, "03-login-after-register").await;

    // Home again; the protected link sends us to the login page.
    visible(&client, "a.brand").await.click().await.expect("the brand link is clickable");
    wait_for_path(&client, "/").await;
    visible(&client, "#orders-link").await.click().await.expect("See your orders is clickable");
    wait_for_path(&client, "/login").await;
    visible(&client, "#login-form").await;
    screenshot(&client, "04-login-after-redirect").await;

    // Log in; back to the orders page we asked for.
    visible(&client, "#login-form input[name=\"username\"]")
        .await
        .send_keys(username)
        .await
        .expect("typing the username");
    visible(&client, "#login-form input[name=\"password\"]")
        .await
        .send_keys(password)
        .await
        .expect("typing the password");
    visible(&client, "#login-submit").await.click().await.expect("Log in is clickable");
    wait_for_path(&client, "/account/orders").await;
    let url = client.current_url().await.expect("the current URL");
    assert_eq!(url.path(), "/account/orders", "after logging in the browser is at {url}");
    let shown = visible(&client, "#orders-username").await.text().await.expect("the username text");
    assert_eq!(shown.trim(), username, "the orders page is for {shown:?}");
    visible(&client, "#logout").await;
    screenshot(&client, "05-orders").await;

    // Security: set up an authenticator app from the key shown on the page.
    visible(&client, "#nav-security").await.click().await.expect("Security is clickable");
    wait_for_path(&client, "/account/security").await;
    visible(&client, "#add-totp").await.click().await.expect("Add an authenticator app is clickable");
    wait_for_path(&client, "/account/security/totp").await;
    visible(&client, "#totp-qr svg").await;
    let secret = visible(&client, "#totp-secret").await.text().await.expect("the key's text");
    screenshot(&client, "06-totp-setup").await;
    let t0 = Timestamp::now();
    let first = totp_code(secret.trim(), t0).expect("a code for the key shown");
    visible(&client, "#totp-form input[name=\"code\"]").await.send_keys(&first).await.expect("typing the code");
    visible(&client, "#totp-submit").await.click().await.expect("Turn it on is clickable");
    let codes = visible(&client, "#recovery-codes").await.text().await.expect("the recovery codes");
    assert_eq!(codes.lines().filter(|line| !line.trim().is_empty()).count(), 10, "ten codes: {codes:?}");
    screenshot(&client, "07-recovery-codes").await;
    visible(&client, "#codes-done").await.click().await.expect("I have saved them is clickable");
    wait_for_path(&client, "/account/security").await;

    // Log out and in again: the password, then the app's next code.
    visible(&client, "#logout").await.click().await.expect("Log out is clickable");
    wait_for_path(&client, "/").await;
    visible(&client, "#nav-login").await.click().await.expect("Log in is clickable");
    wait_for_path(&client, "/login").await;
    visible(&client, "#login-form input[name=\"username\"]").await.send_keys(username).await.expect("username");
    visible(&client, "#login-form input[name=\"password\"]").await.send_keys(password).await.expect("password");
    visible(&client, "#login-submit").await.click().await.expect("Log in is clickable");
    wait_for_path(&client, "/login/second-factor").await;
    screenshot(&client, "08-second-factor").await;
    let next = totp_code(secret.trim(), t0.plus(Duration::from_secs(30))).expect("the next code");
    visible(&client, "#second-factor-form input[name=\"code\"]").await.send_keys(&next).await.expect("the code");
    visible(&client, "#second-factor-submit").await.click().await.expect("Log in is clickable");
    wait_for_path(&client, "/").await;
    visible(&client, "#logout").await;

    // A page that does not exist is the shop's own page.
    client.goto(&format!("{base}/no/such/page")).await.expect("a missing page opens");
    visible(&client, "#error-page").await;
    screenshot(&client, "09-not-found").await;

    // Log out; home page, anonymous again.
    visible(&client, "#logout").await.click().await.expect("Log out is clickable");
    wait_for_path(&client, "/").await;
    let login = visible(&client, "#nav-login").await;
    assert_eq!(login.text().await.expect("the link text").trim(), "Log in");
    let leftover = client.find_all(Locator::Css("#logout")).await.expect("searching for the logout button");
    assert!(leftover.is_empty(), "the logout button is still shown after logging out");
    screenshot(&client, "10-home-after-logout").await;
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("the port").port()
}

/// Starts `chromedriver` on a free port and waits until it answers; returns the process (killed
/// on drop) and its URL.
pub(crate) async fn start_chromedriver() -> (Child, String) {
    let port = free_port();
    let mut driver = match Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(driver) => driver,
        Err(err) => panic!("cannot start `chromedriver` ({err}): this test needs Chromium and its driver; {INSTALL}"),
    };
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().expect("an HTTP client");
    let deadline = Instant::now() + STEP;
    loop {
        if let Some(status) = driver.try_wait().expect("chromedriver's status") {
            panic!("`chromedriver` exited at once ({status}); {INSTALL}");
        }
        if let Ok(response) = http.get(format!("{url}/status")).send().await
            && response.status().is_success()
        {
            return (driver, url);
        }
        assert!(Instant::now() < deadline, "`chromedriver` did not answer on {url}/status within {STEP:?}; {INSTALL}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens a headless Chromium session through the driver at `webdriver`.
pub(crate) async fn open_browser(webdriver: &str, profile: &str) -> Client {
    assert!(std::path::Path::new(CHROMIUM).exists(), "{CHROMIUM} is missing: this test needs Chromium; {INSTALL}");
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                "--window-size=1280,900",
                format!("--user-data-dir={profile}"),
            ],
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else { unreachable!("a JSON object") };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(webdriver)
        .await
        .unwrap_or_else(|err| panic!("Chromium did not start under chromedriver ({err}); {INSTALL}"))
}

/// Waits until the browser is at `path` (any query string) and the page has loaded.
pub(crate) async fn wait_for_path(client: &Client, path: &str) {
    let deadline = Instant::now() + STEP;
    loop {
        let url = client.current_url().await.expect("the current URL");
        let ready = client.execute("return document.readyState", vec![]).await.expect("the page's ready state");
        if url.path() == path && ready == "complete" {
            return;
        }
        assert!(Instant::now() < deadline, "expected the browser at {path}, it is at {url} (document {ready})");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits for the element matching `css` to be on the page and visible.
pub(crate) async fn visible(client: &Client, css: &str) -> fantoccini::elements::Element {
    let element = client
        .wait()
        .at_most(STEP)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|err| panic!("no {css} on {}: {err}", current(client)));
    let deadline = Instant::now() + STEP;
    while !element.is_displayed().await.expect("whether the element is displayed") {
        assert!(Instant::now() < deadline, "{css} is on the page but not visible");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    element
}

/// The URL the browser shows, for messages (best effort: it blocks only inside panics).
fn current(client: &Client) -> String {
    let client = client.clone();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()
            .and_then(|runtime| runtime.block_on(client.current_url()).ok())
            .map_or_else(|| "the current page".to_owned(), |url| url.to_string())
    })
    .join()
    .unwrap_or_else(|_| "the current page".to_owned())
}

/// `<workspace>/target/browser-screenshots`, created if needed.
fn shots_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/browser-screenshots"));
    std::fs::create_dir_all(&dir).expect("the screenshot directory");
    dir
}

/// Saves a PNG of the current page as `<name>.png`.
pub(crate) async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap_or_else(|err| panic!("a screenshot of {name}: {err}"));
    assert!(png.starts_with(b"\x89PNG"), "the screenshot of {name} is not a PNG");
    let path = shots_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap_or_else(|err| panic!("writing {}: {err}", path.display()));
}
