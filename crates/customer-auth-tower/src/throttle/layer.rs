use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use tower_layer::Layer;

use super::client_ip::TrustedProxies;
use super::failures::FailureWindows;
use super::service::Throttle;

/// The layer forgets clients that are back to a full budget once per this many requests.
pub const PRUNE_EVERY: u64 = 1024;

/// The bucket every request without a client address shares: an address no peer can have.
pub(crate) const UNKNOWN_CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

/// What the layers cloned from one [`ThrottleLayer`] share: the settings and the one limiter.
pub(crate) struct ThrottleConfig {
    pub(crate) quota: Quota,
    pub(crate) trusted: TrustedProxies,
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    requests: AtomicU64,
    /// Set when the layer counts failed requests only (4xx answers) instead of every request.
    pub(crate) failures: Option<FailureWindows>,
}

impl fmt::Debug for ThrottleConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThrottleConfig")
            .field("quota", &self.quota)
            .field("trusted", &self.trusted)
            .field("tracked_clients", &self.limiter.len())
            .finish_non_exhaustive()
    }
}

impl ThrottleConfig {
    fn new(quota: Quota, trusted: TrustedProxies) -> Self {
        Self { quota, trusted, limiter: RateLimiter::keyed(quota), requests: AtomicU64::new(0), failures: None }
    }

    /// Counts one unsafe request from `client` against its budget; `Err` holds how long until
    /// the next one is allowed.
    pub(crate) fn check(&self, client: IpAddr) -> Result<(), std::time::Duration> {
        // The keyed limiter keeps one entry per client it has seen, so a stream of new
        // addresses would grow it for ever. An entry whose budget is full again tells nothing
        // a fresh one would not, so every PRUNE_EVERY requests those are dropped: what stays
        // is the clients seen within about one refill period, which the quota bounds. The
        // sweep costs one pass over the map, a few microseconds per thousand entries, paid by
        // one request in PRUNE_EVERY.
        if self.requests.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.forget_idle();
        }
        match self.limiter.check_key(&bucket(client)) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                use governor::clock::Clock as _;
                Err(not_until.wait_time_from(self.limiter.clock().now()))
            }
        }
    }

    pub(crate) fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
        if let Some(failures) = &self.failures {
            failures.forget_idle();
        }
    }
}

/// The key a client's budget is kept under. An IPv6 client is usually handed a whole /64 and
/// can pick any address in it, so the /64 is the client: per-address budgets would let it
/// multiply its own by 2^64.
pub(crate) fn bucket(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        IpAddr::V4(_) => client,
    }
}

/// Limits unsafe requests (`POST`, `PUT`, `PATCH`, `DELETE`, ...) per client address; `429`
/// with `Retry-After` past the quota. See the [module docs](crate::throttle).
///
/// Holds its settings and the limiter in an `Arc` and clones cheaply: every route one layer
/// wraps (with axum's `route_layer`, all of them) draws on the same budget per client. Build
/// separate layers for separate budgets. Each builder method returns a layer with a limiter of
/// its own, so configure it fully before handing it to the router.
#[derive(Debug, Clone)]
pub struct ThrottleLayer {
    config: Arc<ThrottleConfig>,
}

impl ThrottleLayer {
    /// Allows `quota` per client: a [`Quota`] from `Quota::per_minute`, `per_hour` or
    /// `with_period`, with `allow_burst` for bursts.
    pub fn new(quota: Quota) -> Self {
        Self { config: Arc::new(ThrottleConfig::new(quota, TrustedProxies::none())) }
    }

    /// Allows `requests` unsafe requests per minute per client, all at once or spread out
    /// (`0` is taken as `1`: a layer that refuses everything is a mistake, not a limit).
    pub fn per_minute(requests: u32) -> Self {
        Self::new(Quota::per_minute(at_least_one(requests)))
    }

    /// Allows `failures` failed unsafe requests per minute per client: only answers with a
    /// 4xx status count (a wrong password, a refused form), successes (2xx, 3xx) never do, so
    /// customers who share one address (a carrier-grade NAT, an office) are not throttled for
    /// logging in. Past the limit the client gets `429` until its minute, which starts at its
    /// first failure, is over. Put the login form (and the other places a password is
    /// checked) behind one, and forms that send mail behind a [`per_minute`](Self::per_minute)
    /// layer of their own, where every post counts. Requests that arrive together are checked
    /// before any of them is counted, so a burst can overshoot the limit by its size; the
    /// per-account budgets of `Auth::authenticate_client` are exact.
    pub fn failures_per_minute(failures: u32) -> Self {
        let mut config = ThrottleConfig::new(Quota::per_minute(at_least_one(failures)), TrustedProxies::none());
        config.failures = Some(FailureWindows::new(failures, std::time::Duration::from_secs(60)));
        Self { config: Arc::new(config) }
    }

    /// Allows `requests` unsafe requests per hour per client, all at once or spread out
    /// (`0` is taken as `1`).
    pub fn per_hour(requests: u32) -> Self {
        Self::new(Quota::per_hour(at_least_one(requests)))
    }

    /// Lets a client send up to `burst` requests back to back (`0` is taken as `1`); the
    /// replenish rate stays as it was. `per_minute(6).with_burst(2)` allows two at once, then
    /// one every ten seconds.
    pub fn with_burst(self, burst: u32) -> Self {
        let quota = self.config.quota.allow_burst(at_least_one(burst));
        let mut config = ThrottleConfig::new(quota, self.config.trusted.clone());
        config.failures = self.config.failures.as_ref().map(|failures| failures.fresh());
        Self { config: Arc::new(config) }
    }

    /// Believes `X-Forwarded-For` from these proxies: addresses (`IpAddr`) or ranges
    /// ([`IpNet`], such as `"10.0.0.0/8".parse()?`). Only list proxies you run: a client
    /// allowed to set the header could pick any address and with it a fresh budget.
    pub fn with_trusted_proxies<I>(self, proxies: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<IpNet>,
    {
        let mut config = ThrottleConfig::new(self.config.quota, TrustedProxies::new(proxies));
        config.failures = self.config.failures.as_ref().map(|failures| failures.fresh());
        Self { config: Arc::new(config) }
    }

    /// The proxies whose `X-Forwarded-For` is believed, for [`client_ip`](super::client_ip)
    /// elsewhere in the app (audit logging).
    pub fn trusted_proxies(&self) -> &TrustedProxies {
        &self.config.trusted
    }

    /// How many clients the limiter keeps a budget for now.
    pub fn tracked_clients(&self) -> usize {
        self.config.failures.as_ref().map_or_else(|| self.config.limiter.len(), FailureWindows::len)
    }

    /// Forgets the clients whose budget is full again. The layer does this itself once every
    /// [`PRUNE_EVERY`] requests; call it from a timer to also free memory in quiet times.
    pub fn forget_idle_clients(&self) {
        self.config.forget_idle();
    }
}

fn at_least_one(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl<S> Layer<S> for ThrottleLayer {
    type Service = Throttle<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Throttle::new(inner, Arc::clone(&self.config))
    }
}
