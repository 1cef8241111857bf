//! Where Taskward may send requests of its own (webhooks, ntfy; API-2.md section 3):
//! `https://` URLs whose addresses are public. Loopback, private, link-local,
//! unique-local, shared (CGNAT), documentation, multicast and unspecified addresses are
//! refused, checked on every resolved address, unless the operator allows the host or its
//! network with `OUTBOUND_ALLOW_HOSTS` (then `http://` is allowed too, for a self-hosted
//! ntfy on the LAN). [`OutboundClient`] resolves names itself, keeps the addresses
//! [`OutboundPolicy::allows`] and connects only to those, so a name cannot change its
//! answer in between.

mod client;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use url::{Host, Url};

pub use client::{Answer, MAX_ANSWER, OutboundClient, OutboundError, TIMEOUT};

/// Longest URL a channel may name.
const MAX_URL: usize = 2048;

/// What the operator allows beyond public addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
}

impl OutboundPolicy {
    /// Reads `OUTBOUND_ALLOW_HOSTS`: comma-separated host names, addresses or networks
    /// (`ntfy.lan, 192.168.1.20, 10.0.0.0/8, fd00::/8`); empty allows nothing more.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut policy = Self::default();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Ok(net) = entry.parse::<IpNet>() {
                policy.nets.push(net.trunc());
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                policy.nets.push(IpNet::from(ip));
            } else if is_host_name(entry) {
                policy.hosts.push(entry.to_ascii_lowercase());
            } else {
                return Err(format!(
                    "`{entry}` is not a host name, an IP address or a network such as 10.0.0.0/8"
                ));
            }
        }
        Ok(policy)
    }

    /// Whether the operator allowed `host` by name.
    fn allows_host(&self, host: &str) -> bool {
        self.hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(host.trim_end_matches('.')))
    }

    /// Checks a URL a channel names: `https`, or `http` to an allowed host; a host (an IP
    /// literal must be an allowed address); no user name or password in it.
    pub fn check_url(&self, raw: &str) -> Result<Url, String> {
        let raw = raw.trim();
        if raw.len() > MAX_URL {
            return Err(format!("must be at most {MAX_URL} characters"));
        }
        let url = Url::parse(raw).map_err(|_| "must be a URL such as https://ntfy.sh/my-topic")?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry a user name or password (use the token)".into());
        }
        let allowed_host = match url.host() {
            Some(Host::Domain(name)) => self.allows_host(name),
            Some(Host::Ipv4(ip)) => self.allows(None, IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.allows(None, IpAddr::V6(ip)),
            None => return Err("must name a host".into()),
        };
        let literal_ok = match url.host() {
            Some(Host::Ipv4(ip)) => self.allows(None, IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.allows(None, IpAddr::V6(ip)),
            _ => true,
        };
        if !literal_ok {
            return Err(
                "must not point at a private, loopback or link-local address (OUTBOUND_ALLOW_HOSTS can allow it)"
                    .into(),
            );
        }
        match url.scheme() {
            "https" => Ok(url),
            "http" if allowed_host => Ok(url),
            "http" => {
                Err("must be https:// (http:// only for hosts in OUTBOUND_ALLOW_HOSTS)".into())
            }
            _ => Err("must be an https:// URL".into()),
        }
    }

    /// Whether a request to `host` may go to `ip`, one of its resolved addresses: a
    /// public address, or one the operator allows (by the host's name or by network).
    pub fn allows(&self, host: Option<&str>, ip: IpAddr) -> bool {
        is_public(ip)
            || host.is_some_and(|h| self.allows_host(h))
            || self.nets.iter().any(|n| n.contains(&ip))
    }
}

/// A DNS name: labels of letters, digits and hyphens, not starting or ending with one.
fn is_host_name(s: &str) -> bool {
    let s = s.trim_end_matches('.');
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Whether an address is on the public internet (what any channel may reach).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || a == 0 // "this network"
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a >= 240 // reserved
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19))) // benchmarking
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    // An IPv4 address inside IPv6 (mapped, compatible, NAT64) is judged as itself.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_public_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            (s[6] & 0xff) as u8,
            (s[7] >> 8) as u8,
            (s[7] & 0xff) as u8,
        ));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link local
        || (s[0] & 0xffc0) == 0xfec0 // site local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[0..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible and other ::/96
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn only_public_addresses_are_public() {
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700:4700::1111",
            "::ffff:1.1.1.1",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
        for private in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.8.8.8",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "::127.0.0.1",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
    }

    #[test]
    fn urls_must_be_https_to_public_hosts_unless_allowed() {
        let none = OutboundPolicy::default();
        assert!(none.check_url("https://ntfy.sh/topic").is_ok());
        assert!(
            none.check_url("https://hooks.example.com:8443/x?y=1")
                .is_ok()
        );
        for (bad, why) in [
            ("http://ntfy.sh/topic", "https://"),
            ("ftp://example.com/", "https://"),
            ("https://127.0.0.1/hook", "private"),
            ("https://[::1]/hook", "private"),
            ("https://10.0.0.5/hook", "private"),
            ("https://user:pw@example.com/", "user name"),
            ("not a url", "URL"),
            ("", "URL"),
        ] {
            let e = none.check_url(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert!(
            none.check_url(&format!("https://e.com/{}", "a".repeat(MAX_URL)))
                .is_err()
        );

        let lan = OutboundPolicy::parse(" ntfy.lan, 192.168.1.0/24 ,fd00::/8").expect("valid");
        assert!(lan.check_url("http://ntfy.lan/alerts").is_ok());
        assert!(lan.check_url("http://NTFY.LAN./alerts").is_ok());
        assert!(lan.check_url("http://192.168.1.20:8080/alerts").is_ok());
        assert!(lan.check_url("https://192.168.2.20/alerts").is_err());
        assert!(lan.check_url("http://other.lan/alerts").is_err());
        assert!(lan.allows(Some("ntfy.lan"), ip("192.168.7.7")), "by name");
        assert!(lan.allows(None, ip("192.168.1.99")), "by network");
        assert!(lan.allows(None, ip("fd00::1")));
        assert!(!lan.allows(Some("evil.example"), ip("127.0.0.1")));
    }

    #[test]
    fn the_allow_list_names_hosts_addresses_or_networks() {
        assert_eq!(OutboundPolicy::parse(""), Ok(OutboundPolicy::default()));
        let p = OutboundPolicy::parse("10.1.2.3,10.0.0.9/8").expect("valid");
        assert!(p.allows(None, ip("10.1.2.3")) && p.allows(None, ip("10.200.0.1")));
        for bad in ["http://x", "a b", "-bad.lan", "10.0.0.0/33", "x..y"] {
            assert!(OutboundPolicy::parse(bad).is_err(), "{bad}");
        }
    }
}
