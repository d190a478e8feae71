//! The HTTP client of deliveries and the SSRF guard: a target on a
//! private, loopback, link-local, unspecified or multicast address is
//! refused, at creation and again at every delivery, unless
//! `STEWARD_WEBHOOKS_ALLOW_PRIVATE` is set. The client resolves names
//! through the guard itself, so the address checked is the address
//! connected to (no DNS rebinding between check and send), and it follows
//! no redirects.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How long checking a target's host name may take.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one delivery attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Whether an address is one a webhook must not reach from our network.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || a == 0
                // 100.64.0.0/10, carrier-grade NAT (shared address space)
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_forbidden(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Resolves through the system resolver, then drops every forbidden
/// address; a name left with none fails.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| allow_private || !is_forbidden(a.ip()))
                .collect();
            if allowed.is_empty() || (!allow_private && allowed.len() != addrs.len()) {
                return Err(format!("{host} resolves to a private or reserved address").into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// The one client of every delivery.
pub fn client(allow_private: bool) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Steward-Webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .build()?)
}

/// Checks where a target URL points: its form, and every address its host
/// resolves to. `Err` says why, in a sentence for the user.
pub async fn check_target(url: &str, allow_private: bool) -> Result<(), String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| format!("is not a valid URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must start with https:// or http://".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    let host = match parsed.host() {
        Some(url::Host::Domain(d)) => d.to_string(),
        Some(url::Host::Ipv4(ip)) => return literal(IpAddr::V4(ip), allow_private),
        Some(url::Host::Ipv6(ip)) => return literal(IpAddr::V6(ip), allow_private),
        None => return Err("must name a host".into()),
    };
    let port = parsed.port_or_known_default().unwrap_or(443);
    let lookup = tokio::time::timeout(
        RESOLVE_TIMEOUT,
        tokio::net::lookup_host((host.as_str(), port)),
    );
    let addrs: Vec<SocketAddr> = lookup
        .await
        .map_err(|_| format!("the host {host} did not resolve in time"))?
        .map_err(|_| format!("the host {host} cannot be resolved"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("the host {host} cannot be resolved"));
    }
    if !allow_private && addrs.iter().any(|a| is_forbidden(a.ip())) {
        return Err(format!(
            "points to a private, loopback or link-local address ({host}); such targets are refused"
        ));
    }
    Ok(())
}

fn literal(ip: IpAddr, allow_private: bool) -> Result<(), String> {
    if !allow_private && is_forbidden(ip) {
        Err(format!(
            "points to a private, loopback or link-local address ({ip}); such targets are refused"
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::is_forbidden;

    #[test]
    fn private_and_reserved_addresses_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "ff02::1",
        ] {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip}");
        }
    }
}
