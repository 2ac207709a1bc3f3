//! Which address a request comes from: the socket's peer, or, behind a trusted proxy, the
//! address the proxies report in `X-Forwarded-For`.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use http::header::HeaderName;
use http::{Extensions, HeaderMap, Request, request::Parts};
use ipnet::IpNet;

/// The header proxies append the address they received a request from to.
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client's address as [`ThrottleLayer`](super::ThrottleLayer) resolved it, put in the
/// request's extensions for handlers and audit logging (in axum, `Extension<ClientIp>`).
///
/// It is absent when no address could be found (see [`client_ip`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The proxies (single addresses or CIDR ranges) whose `X-Forwarded-For` is believed.
///
/// Empty by default: then the header is ignored and the socket's peer is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
}

impl TrustedProxies {
    /// No trusted proxies: `X-Forwarded-For` is ignored.
    pub fn none() -> Self {
        Self::default()
    }

    /// Trusts these addresses or ranges, such as `IpAddr::from([10, 0, 0, 5])` or
    /// `"10.0.0.0/8".parse::<IpNet>()?`.
    pub fn new<I>(proxies: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<IpNet>,
    {
        Self { networks: proxies.into_iter().map(|proxy| canonical_net(proxy.into())).collect() }
    }

    /// True when `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.networks.iter().any(|network| network.contains(&ip))
    }

    /// True when no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }
}

/// An IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`) is the IPv4 range it maps, so it matches
/// the canonical addresses `contains` compares.
fn canonical_net(network: IpNet) -> IpNet {
    match network {
        IpNet::V6(v6) => match v6.addr().to_ipv4_mapped() {
            Some(v4) if v6.prefix_len() >= 96 => {
                ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(network, IpNet::V4)
            }
            _ => network,
        },
        IpNet::V4(_) => network,
    }
}

/// What [`client_ip`] reads a request from: implemented for [`http::Request`] and
/// [`http::request::Parts`], so the function serves layers and extractors alike.
pub trait RequestHead {
    /// The request's headers.
    fn headers(&self) -> &HeaderMap;
    /// The request's extensions, where the server put the socket's address.
    fn extensions(&self) -> &Extensions;
}

impl<B> RequestHead for Request<B> {
    fn headers(&self) -> &HeaderMap {
        Request::headers(self)
    }

    fn extensions(&self) -> &Extensions {
        Request::extensions(self)
    }
}

impl RequestHead for Parts {
    fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    fn extensions(&self) -> &Extensions {
        &self.extensions
    }
}

/// The socket's peer address, from the request's extensions, in this order:
/// axum's `ConnectInfo<SocketAddr>` (with the `axum` feature, served with
/// `into_make_service_with_connect_info::<SocketAddr>()`), then a plain [`SocketAddr`], then a
/// plain [`IpAddr`] (for other servers: insert one of them per connection).
pub fn peer_ip<R: RequestHead + ?Sized>(request: &R) -> Option<IpAddr> {
    let extensions = request.extensions();
    #[cfg(feature = "axum")]
    if let Some(axum::extract::ConnectInfo(address)) = extensions.get::<axum::extract::ConnectInfo<SocketAddr>>() {
        return Some(address.ip().to_canonical());
    }
    extensions
        .get::<SocketAddr>()
        .map(SocketAddr::ip)
        .or_else(|| extensions.get::<IpAddr>().copied())
        .map(|ip| ip.to_canonical())
}

/// The client's address: the socket's peer ([`peer_ip`]), unless that peer is a trusted proxy.
/// Then `X-Forwarded-For` is read right to left, past the trusted proxies, and the first
/// address that is not one is the client.
///
/// A client that is not behind a trusted proxy cannot choose its address: the header is only
/// read when the peer is trusted. When the header runs out, or holds something that is not an
/// address, before an untrusted hop, the last trusted hop is taken (the proxy itself when the
/// header is missing), so a garbled header never picks an address of the sender's choosing.
///
/// `None` when there is no peer address in the extensions at all (a server not set up to put
/// one there).
pub fn client_ip<R: RequestHead + ?Sized>(request: &R, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = peer_ip(request)?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let mut nearest = peer;
    // Proxies append: the rightmost entry was written by the nearest one, and so on. Several
    // header lines count as one list in order.
    let entries = request.headers().get_all(X_FORWARDED_FOR).iter().rev().flat_map(|value| {
        // A line that is not text is garbage like any entry that is not an address.
        value.to_str().unwrap_or("not text").rsplit(',')
    });
    for entry in entries {
        let Some(hop) = parse_hop(entry) else { break };
        if !trusted.contains(hop) {
            return Some(hop);
        }
        nearest = hop;
    }
    Some(nearest)
}

/// One `X-Forwarded-For` entry: an address, with or without a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let ip = entry.parse::<IpAddr>().ok().or_else(|| entry.parse::<SocketAddr>().ok().map(|address| address.ip()))?;
    Some(ip.to_canonical())
}
