//! Who is asking: the client's address, which every rate limit keys on. Behind a TLS proxy the
//! connection's peer is the proxy, so for a peer listed as a trusted proxy the client is the
//! right-most address of `X-Forwarded-For` that is not itself a trusted proxy (the last hop a
//! trusted proxy saw; anything further left was written by the client and can be forged). For any
//! other peer the header is ignored.
//!
//! Not `Forwarded` (RFC 7239): the proxies Tenure is put behind (nginx, Caddy, Traefik, HAProxy)
//! send `X-Forwarded-For` by default.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::AppState;

/// The proxies whose `X-Forwarded-For` is believed: addresses and CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// None: every peer is the client itself.
    pub fn none() -> Self {
        TrustedProxies(Vec::new())
    }

    /// Reads addresses (`10.0.0.1`, `::1`) and ranges (`10.0.0.0/8`, `fd00::/8`); the error
    /// names the entry that is neither.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let nets = entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| format!("`{entry}` is neither an IP address nor a CIDR range"))
            })
            .collect::<Result<_, _>>()?;
        Ok(TrustedProxies(nets))
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client of a request from `peer` carrying `headers`.
    pub(crate) fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        // Every X-Forwarded-For header in order, as one list, walked from the right.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        let mut nearest_trusted = peer;
        for hop in hops.iter().rev() {
            // A hop that is no address was not written by a trusted proxy: stop at the last one.
            let Some(address) = parse_hop(hop) else { return nearest_trusted };
            if !self.trusts(address) {
                return address;
            }
            nearest_trusted = address;
        }
        nearest_trusted
    }
}

/// An address of `X-Forwarded-For`: `192.0.2.1`, `2001:db8::1`, or with a port (`192.0.2.1:443`,
/// `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    let address = hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .or_else(|| hop.strip_prefix('[')?.strip_suffix(']')?.parse::<IpAddr>().ok())?;
    Some(address.to_canonical())
}

/// The client address of a request, as [`resolve`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddress(pub IpAddr);

impl ClientAddress {
    /// The key a rate limit counts this client under: the address, or for IPv6 its /64 network
    /// (one customer line gets a whole /64, so counting single IPv6 addresses would count nothing).
    pub(crate) fn bucket(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                IpNet::new(IpAddr::V6(v6), 64).map_or_else(|_| v6.to_string(), |n| n.trunc().to_string())
            }
        }
    }
}

/// Middleware: notes the request's [`ClientAddress`] (from the connection's peer and the trusted
/// proxies) for the handlers' rate limits. A request without a peer (in-process tests) gets none.
pub(crate) async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip());
    if let Some(peer) = peer {
        let client = state.trusted_proxies().client(peer, request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies = TrustedProxies::parse(&["10.0.0.1"]).unwrap();
        let headers = forwarded(&["192.0.2.1"]);
        assert_eq!(proxies.client(ip("203.0.113.9"), &headers), ip("203.0.113.9"));
        assert_eq!(TrustedProxies::none().client(ip("10.0.0.1"), &headers), ip("10.0.0.1"));
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_right_most_untrusted_hop() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8", "::1"]).unwrap();
        // The client wrote the first address itself; the proxies appended the rest.
        let headers = forwarded(&["6.6.6.6, 198.51.100.7", "10.1.2.3"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers), ip("198.51.100.7"));
        assert_eq!(proxies.client(ip("::1"), &forwarded(&["198.51.100.7:5000"])), ip("198.51.100.7"));
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.1"), &forwarded(&["[2001:db8::7]:443"])),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn a_trusted_peer_without_a_usable_header_is_its_own_client() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        assert_eq!(proxies.client(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
        assert_eq!(proxies.client(ip("10.0.0.1"), &forwarded(&["unknown"])), ip("10.0.0.1"));
        assert_eq!(proxies.client(ip("10.0.0.1"), &forwarded(&["10.9.9.9"])), ip("10.9.9.9"));
    }

    #[test]
    fn entries_that_are_no_address_are_refused_by_name() {
        assert_eq!(
            TrustedProxies::parse(&["10.0.0.0/33"]).unwrap_err(),
            "`10.0.0.0/33` is neither an IP address nor a CIDR range"
        );
        assert!(TrustedProxies::parse(&["proxy.example"]).is_err());
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        assert_eq!(ClientAddress(ip("2001:db8:1:2:3:4:5:6")).bucket(), "2001:db8:1:2::/64");
        assert_eq!(ClientAddress(ip("192.0.2.1")).bucket(), "192.0.2.1");
    }
}
