//! The throttle over real HTTP (axum on an ephemeral port, served with connect info, and a
//! real HTTP client), and the address resolution and memory bound without a socket.

// Tests state their expectations with unwrap and panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::routing::get;
use axum::{Extension, Router};
use customer_auth_tower::throttle::{IpNet, PRUNE_EVERY, Quota, peer_ip};
use customer_auth_tower::{ClientIp, ThrottleLayer, TrustedProxies, client_ip};
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use tower::{ServiceBuilder, ServiceExt, service_fn};

/// `/login` answers every method with the client address the layer resolved.
fn app(layer: ThrottleLayer) -> Router {
    async fn echo(client: Option<Extension<ClientIp>>) -> String {
        client.map_or_else(|| "unknown".to_owned(), |Extension(ClientIp(ip))| ip.to_string())
    }
    Router::new()
        .route("/login", get(echo).post(echo).put(echo).patch(echo).delete(echo).options(echo).head(|| async {}))
        .route_layer(layer)
        .route("/", axum::routing::post(|| async { "not throttled" }))
}

/// Serves `app` on 127.0.0.1 with the peer address in each request; returns its base URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    format!("http://{address}")
}

async fn post(client: &reqwest::Client, url: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = client.post(url);
    if let Some(value) = forwarded_for {
        request = request.header("x-forwarded-for", value);
    }
    request.send().await.unwrap()
}

fn from(ip: impl Into<IpAddr>) -> ConnectInfo<SocketAddr> {
    ConnectInfo(SocketAddr::new(ip.into(), 50_000))
}

async fn status_of(app: &Router, method: Method, peer: ConnectInfo<SocketAddr>) -> StatusCode {
    let request = Request::builder().method(method).uri("/login").extension(peer).body(Body::empty()).unwrap();
    app.clone().oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn the_post_past_the_quota_gets_429_with_retry_after() {
    let base = serve(app(ThrottleLayer::per_minute(3))).await;
    let client = reqwest::Client::new();
    for attempt in 1..=3 {
        let response = post(&client, &format!("{base}/login"), None).await;
        assert_eq!(response.status(), StatusCode::OK, "attempt {attempt} is within the quota");
        assert_eq!(response.text().await.unwrap(), "127.0.0.1");
    }
    let response = post(&client, &format!("{base}/login"), None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    // One request per 20 s comes back: the wait is under 20 s, rounded up to whole seconds.
    assert!((1..=20).contains(&retry_after), "Retry-After: {retry_after}");
    assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let body = response.text().await.unwrap();
    assert!(body.contains("Too many attempts"), "{body}");

    // Routes outside the layer are not counted.
    let response = post(&client, &format!("{base}/"), None).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn gets_are_never_throttled() {
    let base = serve(app(ThrottleLayer::per_minute(1))).await;
    let client = reqwest::Client::new();
    assert_eq!(post(&client, &format!("{base}/login"), None).await.status(), StatusCode::OK);
    assert_eq!(post(&client, &format!("{base}/login"), None).await.status(), StatusCode::TOO_MANY_REQUESTS);
    for _ in 0..20 {
        let response = client.get(format!("{base}/login")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.text().await.unwrap(), "127.0.0.1", "a GET also gets the ClientIp");
        assert_eq!(client.head(format!("{base}/login")).send().await.unwrap().status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn put_patch_and_delete_are_throttled_like_post() {
    let app = app(ThrottleLayer::per_minute(3));
    let peer = from([192, 0, 2, 1]);
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        assert_eq!(status_of(&app, method, peer).await, StatusCode::OK);
    }
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        assert_eq!(status_of(&app, method, peer).await, StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(status_of(&app, Method::OPTIONS, peer).await, StatusCode::OK);
}

#[tokio::test]
async fn each_client_ip_has_its_own_bucket() {
    let app = app(ThrottleLayer::per_minute(2));
    let (first, second) = (from([203, 0, 113, 7]), from([203, 0, 113, 8]));
    for _ in 0..2 {
        assert_eq!(status_of(&app, Method::POST, first).await, StatusCode::OK);
    }
    assert_eq!(status_of(&app, Method::POST, first).await, StatusCode::TOO_MANY_REQUESTS);
    for _ in 0..2 {
        assert_eq!(status_of(&app, Method::POST, second).await, StatusCode::OK);
    }
    assert_eq!(status_of(&app, Method::POST, second).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn ipv6_clients_are_counted_per_64() {
    let app = app(ThrottleLayer::per_minute(2));
    let address = |last: u16| from(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, last));
    assert_eq!(status_of(&app, Method::POST, address(1)).await, StatusCode::OK);
    assert_eq!(status_of(&app, Method::POST, address(2)).await, StatusCode::OK);
    assert_eq!(status_of(&app, Method::POST, address(3)).await, StatusCode::TOO_MANY_REQUESTS);
    let next_block = from(Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1));
    assert_eq!(status_of(&app, Method::POST, next_block).await, StatusCode::OK);
}

#[tokio::test]
async fn the_bucket_is_shared_by_every_route_the_layer_wraps() {
    let layer = ThrottleLayer::per_minute(2);
    let app = Router::new()
        .route("/login", axum::routing::post(|| async {}))
        .route("/register", axum::routing::post(|| async {}))
        .route_layer(layer);
    let peer = from([192, 0, 2, 9]);
    let post = |path: &str| Request::post(path).extension(peer).body(Body::empty()).unwrap();
    assert_eq!(app.clone().oneshot(post("/login")).await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.clone().oneshot(post("/register")).await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.clone().oneshot(post("/login")).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.oneshot(post("/register")).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn burst_lets_several_through_at_once() {
    let app = app(ThrottleLayer::per_hour(60).with_burst(4));
    let peer = from([192, 0, 2, 4]);
    for _ in 0..4 {
        assert_eq!(status_of(&app, Method::POST, peer).await, StatusCode::OK);
    }
    assert_eq!(status_of(&app, Method::POST, peer).await, StatusCode::TOO_MANY_REQUESTS);
}

/// Non-axum servers hand the peer over as a plain `SocketAddr` or `IpAddr` extension, and a
/// request without any address is throttled in one shared bucket.
#[tokio::test]
async fn plain_extensions_and_the_shared_bucket_without_an_address() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let service = ServiceBuilder::new().layer(ThrottleLayer::per_minute(1)).service(service_fn(
        move |request: Request<String>| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move {
                let ip = request.extensions().get::<ClientIp>().map(ToString::to_string);
                Ok::<_, Infallible>(Response::new(ip.unwrap_or_else(|| "unknown".to_owned())))
            }
        },
    ));
    let socket = Request::post("/").extension(SocketAddr::from(([192, 0, 2, 20], 1234))).body(String::new()).unwrap();
    let response = service.clone().oneshot(socket).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let ip = Request::post("/").extension(IpAddr::from([192, 0, 2, 20])).body(String::new()).unwrap();
    assert_eq!(service.clone().oneshot(ip).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS, "same client");

    let anonymous = || Request::post("/").body(String::new()).unwrap();
    let response = service.clone().oneshot(anonymous()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(format!("{:?}", response.body()), "Left(\"unknown\")", "no ClientIp without an address");
    assert_eq!(service.oneshot(anonymous()).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "a refused request never reaches the inner service");
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_from_an_untrusted_peer() {
    let base = serve(app(ThrottleLayer::per_minute(2).with_trusted_proxies([IpAddr::from([10, 0, 0, 1])]))).await;
    let client = reqwest::Client::new();
    let url = format!("{base}/login");
    for forged in ["203.0.113.1", "203.0.113.2"] {
        let response = post(&client, &url, Some(forged)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.text().await.unwrap(), "127.0.0.1", "the socket's peer, not the header");
    }
    let response = post(&client, &url, Some("203.0.113.3")).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "a fresh header is no fresh budget");
}

#[tokio::test]
async fn x_forwarded_for_is_honoured_from_a_trusted_peer() {
    let trusted: [IpNet; 2] = ["127.0.0.0/8".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
    let base = serve(app(ThrottleLayer::per_minute(2).with_trusted_proxies(trusted))).await;
    let client = reqwest::Client::new();
    let url = format!("{base}/login");
    let cases = [
        ("203.0.113.7", "203.0.113.7"),
        // The rightmost untrusted entry: anything left of it the client wrote itself.
        ("198.51.100.66, 203.0.113.8", "203.0.113.8"),
        // Trusted hops (one address, one in a range) are skipped.
        ("198.51.100.66, 203.0.113.9, 10.1.2.3, 127.0.0.2", "203.0.113.9"),
        ("203.0.113.10:4711", "203.0.113.10"),
        ("[2001:db8::5]:443", "2001:db8::5"),
        ("::ffff:203.0.113.11", "203.0.113.11"),
        // The whole chain trusted: the farthest trusted hop.
        ("10.9.9.9, 127.0.0.3", "10.9.9.9"),
    ];
    for (header, expected) in cases {
        let response = post(&client, &url, Some(header)).await;
        assert_eq!(response.status(), StatusCode::OK, "{header}");
        assert_eq!(response.text().await.unwrap(), expected, "{header}");
    }
    // Each forwarded client has its own budget.
    assert_eq!(post(&client, &url, Some("203.0.113.7")).await.status(), StatusCode::OK);
    assert_eq!(post(&client, &url, Some("203.0.113.7")).await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(post(&client, &url, Some("198.51.100.1, 203.0.113.7")).await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(post(&client, &url, Some("203.0.113.8")).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn garbage_x_forwarded_for_never_panics_nor_picks_the_key() {
    let base =
        serve(app(ThrottleLayer::per_minute(1000).with_trusted_proxies([IpAddr::from(Ipv4Addr::LOCALHOST)]))).await;
    let client = reqwest::Client::new();
    let url = format!("{base}/login");
    let long = "1.2.3.4,".repeat(2000) + "x";
    let garbage: Vec<&str> = vec![
        "",
        ",",
        ",,, ,",
        "unknown",
        "not-an-ip",
        "999.1.1.1",
        "[::1",
        "[2001:db8::1]:99999",
        "1.2.3.4:",
        "1.2.3.4/24",
        "_hidden, obfuscated",
        "for=192.0.2.60;proto=http",
        &long,
    ];
    for value in garbage {
        let response = post(&client, &url, Some(value)).await;
        assert_eq!(response.status(), StatusCode::OK, "{value:.40}");
        assert_eq!(response.text().await.unwrap(), "127.0.0.1", "{value:.40}: the nearest trusted hop");
    }
    // Garbage left of a good entry is never reached.
    let response = post(&client, &url, Some("garbage, 203.0.113.7")).await;
    assert_eq!(response.text().await.unwrap(), "203.0.113.7");
    // Garbage right of a good entry stops the walk there: the client cannot hide behind it.
    let response = post(&client, &url, Some("203.0.113.7, garbage")).await;
    assert_eq!(response.text().await.unwrap(), "127.0.0.1");
    // Bytes that are not text.
    let response = client
        .post(&url)
        .header("x-forwarded-for", HeaderValue::from_bytes(b"\xff\xfe 203.0.113.7").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "127.0.0.1");
}

#[test]
fn client_ip_reads_requests_and_parts_alike() {
    let trusted = TrustedProxies::new([IpAddr::from([10, 0, 0, 1])]);
    let request = Request::post("/")
        .extension(SocketAddr::from(([10, 0, 0, 1], 443)))
        .header("x-forwarded-for", "198.51.100.1")
        .header("x-forwarded-for", "203.0.113.5, 10.0.0.1")
        .body(())
        .unwrap();
    // Several header lines are one list, in order.
    assert_eq!(client_ip(&request, &trusted), Some(IpAddr::from([203, 0, 113, 5])));
    assert_eq!(peer_ip(&request), Some(IpAddr::from([10, 0, 0, 1])));
    let (parts, ()) = request.into_parts();
    assert_eq!(client_ip(&parts, &trusted), Some(IpAddr::from([203, 0, 113, 5])));
    assert_eq!(client_ip(&parts, &TrustedProxies::none()), Some(IpAddr::from([10, 0, 0, 1])));

    // IPv4-mapped peers (dual-stack sockets) are their IPv4 address, for the trust check too.
    let mapped = Request::post("/")
        .extension(ConnectInfo(SocketAddr::new(Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped().into(), 1)))
        .header("x-forwarded-for", "203.0.113.6")
        .body(())
        .unwrap();
    assert_eq!(client_ip(&mapped, &trusted), Some(IpAddr::from([203, 0, 113, 6])));
    assert_eq!(client_ip(&Request::new(()), &trusted), None, "no address at all");
    assert!(TrustedProxies::none().is_empty() && !trusted.is_empty());
}

#[tokio::test]
async fn memory_is_bounded() {
    // One request back every 10 ms, so an entry is idle again after 20 ms.
    let layer = ThrottleLayer::new(Quota::with_period(Duration::from_millis(10)).unwrap());
    let app = app(layer.clone());
    let distinct = |n: u32| from(Ipv4Addr::from(0x0a00_0000 + n));
    for n in 0..500 {
        assert_eq!(status_of(&app, Method::POST, distinct(n)).await, StatusCode::OK);
    }
    assert_eq!(layer.tracked_clients(), 500);
    tokio::time::sleep(Duration::from_millis(60)).await;
    layer.forget_idle_clients();
    assert_eq!(layer.tracked_clients(), 0);

    // The layer prunes by itself, from the request path, every PRUNE_EVERY requests.
    let already = 500;
    let before_prune = u32::try_from(PRUNE_EVERY).unwrap() - already - 10;
    for n in 0..before_prune {
        status_of(&app, Method::POST, distinct(10_000 + n)).await;
    }
    assert_eq!(layer.tracked_clients(), before_prune as usize);
    tokio::time::sleep(Duration::from_millis(60)).await;
    for n in 0..20 {
        status_of(&app, Method::POST, distinct(20_000 + n)).await;
    }
    assert!(layer.tracked_clients() <= 20, "the idle entries were dropped: {}", layer.tracked_clients());
}

/// A login that answers 303 to the right password and 401 to any other, behind a layer that
/// counts failures only.
fn login_app(layer: ThrottleLayer) -> Router {
    let signin = |body: String| async move {
        if body == "password=right" { StatusCode::SEE_OTHER } else { StatusCode::UNAUTHORIZED }
    };
    Router::new().route("/login", axum::routing::post(signin)).route_layer(layer)
}

async fn sign_in(app: &Router, peer: ConnectInfo<SocketAddr>, password: &str) -> StatusCode {
    let request = Request::post("/login").extension(peer).body(Body::from(format!("password={password}"))).unwrap();
    app.clone().oneshot(request).await.unwrap().status()
}

/// Customers behind one address (a carrier-grade NAT, an office) are never throttled for
/// logging in: only failures spend the address's budget (security finding: every post
/// counted, so a shared address got 429s at nine in the morning).
#[tokio::test]
async fn successful_logins_never_count_and_failures_do() {
    let app = login_app(ThrottleLayer::failures_per_minute(10));
    let office = from(Ipv4Addr::new(203, 0, 113, 50));
    for _ in 0..100 {
        assert_eq!(sign_in(&app, office, "right").await, StatusCode::SEE_OTHER);
    }
    for _ in 0..10 {
        assert_eq!(sign_in(&app, office, "wrong").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(sign_in(&app, office, "wrong").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sign_in(&app, office, "right").await, StatusCode::TOO_MANY_REQUESTS, "refused whatever it sends");
    assert_eq!(sign_in(&app, from(Ipv4Addr::new(198, 51, 100, 1)), "wrong").await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_layer_counting_failures_keeps_counting_behind_trusted_proxies() {
    let app = login_app(ThrottleLayer::failures_per_minute(2).with_trusted_proxies([IpAddr::from([10, 0, 0, 1])]));
    let via_proxy = |client: &str| {
        Request::post("/login")
            .header("x-forwarded-for", client)
            .extension(from(Ipv4Addr::new(10, 0, 0, 1)))
            .body(Body::from("password=wrong"))
            .unwrap()
    };
    for expected in [StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS] {
        assert_eq!(app.clone().oneshot(via_proxy("192.0.2.9")).await.unwrap().status(), expected);
    }
    assert_eq!(app.clone().oneshot(via_proxy("192.0.2.10")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
}
