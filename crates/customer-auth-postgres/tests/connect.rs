//! A server that cannot be reached, bad options, and a server that goes away: clear errors,
//! `Unavailable` to the web layer, never a panic or a hang.

mod common;

use std::time::{Duration, Instant};

use customer_auth_core::{Customer, CustomerId, CustomerStore, SessionId, SessionKey, SessionStore};
use customer_auth_postgres::{Error, PostgresStore, PostgresStoreOptions};

/// Nothing listens on port 1.
const CLOSED: &str = "postgres://shop:hunter2@127.0.0.1:1/shop";

#[tokio::test]
async fn a_closed_port_is_a_quick_clear_error() {
    let started = Instant::now();
    let err = PostgresStoreOptions::new(CLOSED).acquire_timeout(Duration::from_secs(1)).connect().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("shop@127.0.0.1:1/shop"), "{message}");
    assert!(message.to_lowercase().contains("refused"), "the cause is missing: {message}");
    assert!(message.contains("check that the server is running"), "{message}");
    assert!(!message.contains("hunter2") && !format!("{err:?}").contains("hunter2"), "{err:?}");
    // To the web layer a server that cannot be reached is down, not a reason to log anyone out.
    assert!(customer_auth_core::Error::from(err).is_unavailable());
}

#[tokio::test]
async fn the_default_acquire_timeout_bounds_connect() {
    let started = Instant::now();
    let err = PostgresStore::connect(CLOSED).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(12), "took {:?}", started.elapsed());
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
}

#[tokio::test]
async fn a_bad_schema_name_is_refused_before_any_sql() {
    // The closed port proves it: a store that tried to connect would answer Connect instead.
    for schema in ["", "Shop", "shop\"; DROP SCHEMA public CASCADE; --", "shop-auth", "pg_toast", &"s".repeat(64)] {
        let err = PostgresStoreOptions::new(CLOSED).schema(schema).connect().await.unwrap_err();
        assert!(matches!(err, Error::InvalidSchema { .. }), "{schema:?}: {err:?}");
        assert!(err.to_string().contains("lowercase ASCII letters"), "{err}");
        assert!(matches!(customer_auth_core::Error::from(err), customer_auth_core::Error::Config(_)));
    }
}

#[tokio::test]
async fn bad_options_are_config_errors() {
    let zero = PostgresStoreOptions::new(CLOSED).max_connections(0).connect().await.unwrap_err();
    assert!(matches!(zero, Error::Config(_)), "{zero:?}");
    let zero = PostgresStoreOptions::new(CLOSED).acquire_timeout(Duration::ZERO).connect().await.unwrap_err();
    assert!(matches!(zero, Error::Config(_)), "{zero:?}");
    let zero = PostgresStoreOptions::new(CLOSED).purge_interval(Some(Duration::ZERO)).connect().await.unwrap_err();
    assert!(zero.to_string().contains("purge_interval(None)"), "{zero}");
    let not_postgres = PostgresStore::connect("mysql://shop:hunter2@localhost/shop").await.unwrap_err();
    assert!(matches!(not_postgres, Error::InvalidUrl { .. }), "{not_postgres:?}");
    assert!(!not_postgres.to_string().contains("hunter2"), "{not_postgres}");
    assert!(matches!(customer_auth_core::Error::from(not_postgres), customer_auth_core::Error::Config(_)));
}

#[tokio::test]
async fn a_wrong_database_is_a_clear_error_not_unavailable() {
    let schema = common::Schema::new().await;
    let options = common::url().parse::<sqlx::postgres::PgConnectOptions>().unwrap();
    let url = format!(
        "postgres://{}@{}:{}/customer_auth_no_such_database",
        options.get_username(),
        options.get_host(),
        options.get_port()
    );
    let err = PostgresStoreOptions::new(&url).schema(&schema.name).connect().await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains("customer_auth_no_such_database"), "{err}");
    // Retrying will not create the database: not a 503.
    assert!(!customer_auth_core::Error::from(err).is_unavailable());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_store_is_unavailable_not_a_panic() {
    let schema = common::Schema::new().await;
    let store = schema.store().await;
    let clone = store.clone();
    let key = SessionId::generate().unwrap().key();
    // A load keeps a connection for the next one; closing must give it back, not wait for it.
    store.create_session(&key, &common::session(None)).await.unwrap();
    assert!(store.load_session(&key).await.unwrap().is_some());
    tokio::time::timeout(Duration::from_secs(10), store.close()).await.expect("close waited for a held connection");
    let errors = [
        clone.load_session(&key).await.unwrap_err(),
        clone.create_session(&key, &common::session(None)).await.unwrap_err(),
        clone.find_customer_by_username("grace").await.unwrap_err(),
        clone.create_customer(&common::customer("grace")).await.unwrap_err(),
        clone
            .record_failed_login(CustomerId::new(), customer_auth_core::Timestamp::now(), &Default::default())
            .await
            .unwrap_err(),
        clone.purge_expired_sessions().await.unwrap_err(),
    ];
    for err in errors {
        assert!(err.is_unavailable(), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_of_one_connection_serves_loads_and_everything_else() {
    let schema = common::Schema::new().await;
    let store = PostgresStoreOptions::new(&common::url())
        .schema(&schema.name)
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(1))
        .purge_interval(None)
        .connect()
        .await
        .unwrap();
    let grace = common::customer("grace");
    store.create_customer(&grace).await.unwrap();
    let key = SessionId::generate().unwrap().key();
    store.create_session(&key, &common::session(Some(&grace))).await.unwrap();
    for _ in 0..3 {
        assert!(store.load_session(&key).await.unwrap().is_some());
        // Would wait for the only connection, and time out, if the load had kept it.
        assert!(store.find_customer(grace.id).await.unwrap().is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_survives_the_server_dropping_its_connections() {
    // What a server restart or failover looks like from here: every connection of the store is
    // cut. Calls answer Unavailable or, once the pool has opened fresh connections, succeed;
    // never another error, never a panic.
    let schema = common::Schema::new().await;
    let application = format!("{}_app", schema.name);
    let separator = if common::url().contains('?') { '&' } else { '?' };
    let url = format!("{}{separator}application_name={application}", common::url());
    let store = PostgresStoreOptions::new(&url).schema(&schema.name).purge_interval(None).connect().await.unwrap();
    let grace = common::customer("grace");
    store.create_customer(&grace).await.unwrap();
    let key = SessionId::generate().unwrap().key();
    store.create_session(&key, &common::session(Some(&grace))).await.unwrap();
    // Loads keep the connection they read through: it is cut as well.
    assert!(store.load_session(&key).await.unwrap().is_some());

    let mut admin = common::admin().await;
    let cut: Vec<(bool,)> =
        sqlx::query_as("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
            .bind(&application)
            .fetch_all(&mut admin)
            .await
            .unwrap();
    assert!(!cut.is_empty(), "no connection of the store was found to cut");

    let (mut customer_back, mut session_back) = (false, false);
    for _ in 0..20 {
        match store.find_customer(grace.id).await {
            Ok(found) => {
                assert_eq!(found.map(|customer| customer.id), Some(grace.id));
                customer_back = true;
            }
            Err(err) => assert!(err.is_unavailable(), "{err}"),
        }
        match store.load_session(&key).await {
            Ok(loaded) => {
                assert!(loaded.is_some());
                session_back = true;
            }
            Err(err) => assert!(err.is_unavailable(), "{err}"),
        }
        if customer_back && session_back {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        customer_back && session_back,
        "the store never reconnected (customers {customer_back}, sessions {session_back})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_shows_the_server_and_settings_never_the_password() {
    let schema = common::Schema::new().await;
    let options = common::url().parse::<sqlx::postgres::PgConnectOptions>().unwrap();
    // Trust authentication ignores the password, so a URL can carry one for the test.
    let url = format!(
        "postgres://{}:hunter2@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("test")
    );
    let store = PostgresStoreOptions::new(&url).schema(&schema.name).max_connections(3).connect().await.unwrap();
    let debug = format!("{store:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert_eq!(
        debug,
        format!(
            "PostgresStore {{ server: \"{}@{}:{}/{}\", schema: \"{}\", max_connections: 3, call_timeout: 5s, purge_interval: Some(60s) }}",
            options.get_username(),
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("test"),
            schema.name
        )
    );
    assert_eq!(store.schema(), schema.name);
}

/// A TCP proxy to the test server that can be pulled out and put back, or silenced: the server
/// going away and coming back, or freezing, as the store sees it, without touching the real server.
struct Proxy {
    port: u16,
    url: String,
    tasks: tokio::task::JoinSet<()>,
    /// Bumped by `stall`: connections opened before go silent.
    epoch: tokio::sync::watch::Sender<u64>,
}

impl Proxy {
    async fn start(port: u16) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        let target = common::url().parse::<sqlx::postgres::PgConnectOptions>().map_err(std::io::Error::other)?;
        let url = format!(
            "postgres://{}@127.0.0.1:{port}/{}",
            target.get_username(),
            target.get_database().unwrap_or("test")
        );
        let target = format!("{}:{}", target.get_host(), target.get_port());
        let mut tasks = tokio::task::JoinSet::new();
        // The accept loop and every connection live in one JoinSet: dropping it aborts them all,
        // which closes the port and cuts every open connection at once.
        let (spawn, mut spawned) = tokio::sync::mpsc::unbounded_channel::<tokio::net::TcpStream>();
        tasks.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if spawn.send(client).is_err() {
                    return;
                }
            }
        });
        let (epoch, epochs) = tokio::sync::watch::channel(0u64);
        tasks.spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Some(mut client) = spawned.recv().await {
                let target = target.clone();
                let mut epoch = epochs.clone();
                let mine = *epoch.borrow_and_update();
                connections.spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&target).await {
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = async { epoch.wait_for(|now| *now != mine).await.map(|_| ()) } => {
                                // Stalled: both sockets stay open and silent until the proxy goes.
                                std::future::pending::<()>().await;
                            }
                        }
                    }
                });
            }
        });
        Ok(Self { port, url, tasks, epoch })
    }

    /// Silences every connection open now, as a server that froze or a route that drops
    /// packets without a word; new connections are forwarded.
    fn stall(&self) {
        self.epoch.send_modify(|epoch| *epoch += 1);
    }

    /// The test server's URL, through the proxy.
    fn url(&self) -> String {
        self.url.clone()
    }

    async fn pull_out(mut self) -> u16 {
        self.tasks.shutdown().await;
        self.port
    }
}

/// A store in `schema` with `options`, holding one customer and a session of theirs.
// A test helper: like the tests, it fails by panicking.
#[allow(clippy::unwrap_used)]
async fn with_a_session(
    options: PostgresStoreOptions,
    schema: &common::Schema,
) -> (PostgresStore, Customer, SessionKey) {
    let store = options.schema(&schema.name).purge_interval(None).connect().await.unwrap();
    let grace = common::customer("grace");
    store.create_customer(&grace).await.unwrap();
    let key = SessionId::generate().unwrap().key();
    store.create_session(&key, &common::session(Some(&grace))).await.unwrap();
    (store, grace, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_goes_away_is_unavailable_until_it_is_back() {
    let schema = common::Schema::new().await;
    let proxy = Proxy::start(0).await.unwrap();
    let (store, grace, key) =
        with_a_session(PostgresStoreOptions::new(&proxy.url()).acquire_timeout(Duration::from_secs(1)), &schema).await;

    let port = proxy.pull_out().await;
    let started = Instant::now();
    let errors = [
        store.load_session(&key).await.unwrap_err(),
        store.find_customer(grace.id).await.unwrap_err(),
        store
            .record_failed_login(grace.id, customer_auth_core::Timestamp::now(), &Default::default())
            .await
            .unwrap_err(),
        store.delete_customer_sessions(grace.id).await.unwrap_err(),
    ];
    for err in &errors {
        assert!(err.is_unavailable(), "{err}");
    }
    // Each call gives up after the acquire timeout, not later.
    assert!(started.elapsed() < Duration::from_secs(4 * 3), "took {:?}", started.elapsed());

    let _back = Proxy::start(port).await.unwrap();
    assert_eq!(store.find_customer(grace.id).await.unwrap().map(|customer| customer.id), Some(grace.id));
    assert!(store.load_session(&key).await.unwrap().is_some(), "the session was lost in the outage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_stops_answering_costs_a_call_its_timeout_and_the_store_recovers() {
    let schema = common::Schema::new().await;
    let proxy = Proxy::start(0).await.unwrap();
    let (store, _, key) =
        with_a_session(PostgresStoreOptions::new(&proxy.url()).call_timeout(Duration::from_millis(500)), &schema).await;

    proxy.stall();
    // Without the call timeout the driver waits on a silent socket forever; the outer timeout
    // only turns that hang into a failure instead of a stuck test.
    let frozen = tokio::time::timeout(Duration::from_secs(30), store.load_session(&key))
        .await
        .expect("a call on a silent connection returned");
    let err = frozen.expect_err("a call on a silent connection failed");
    assert!(err.is_unavailable(), "{err}");
    assert!(err.to_string().contains("did not answer"), "{err}");

    // Every pooled connection is silent now; each call spends one, then new ones are opened.
    let mut recovered = None;
    for _ in 0..12 {
        match tokio::time::timeout(Duration::from_secs(30), store.load_session(&key)).await.expect("the call returned")
        {
            Ok(record) => {
                recovered = Some(record);
                break;
            }
            Err(err) => assert!(err.is_unavailable(), "{err}"),
        }
    }
    let record = recovered.expect("the store recovered on fresh connections");
    assert!(record.is_some(), "the session was lost in the freeze");
    drop(proxy);
}
