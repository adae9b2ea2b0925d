//! Who is asking: the client address the rate limit keys on.
//!
//! A forwarding header is only believed when the one who set it can be trusted. The address is
//! the TCP peer, unless
//! - the request carries Netlify's signed proxy header (`X-Nf-Sign`, a JWT signed with HS256
//!   and the secret configured on the redirect with `signed = "…"` in netlify.toml) and the
//!   signature checks out: then Netlify's `X-Nf-Client-Connection-Ip` names the client; or
//! - the peer is a configured trusted proxy (`--trusted-proxy CIDR`): then the rightmost
//!   `X-Forwarded-For` entry that is not itself a trusted proxy is the client (entries to its
//!   left were written by the client and prove nothing).
//!
//! IPv6 clients are keyed by their /64: one household or server usually holds a whole /64,
//! so keying on the full address would let one client rotate through 2^64 keys.
//!
//! Netlify's signed proxy redirects:
//! <https://docs.netlify.com/routing/redirects/rewrites-proxies/#signed-proxy-redirects>

use std::net::{IpAddr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use hyper::HeaderMap;
use sha2::Sha256;

/// The environment variable holding the Netlify proxy secret (the file option takes precedence).
pub const NETLIFY_SECRET_ENV: &str = "KUME_NETLIFY_PROXY_SECRET";
/// Shorter secrets are refused: an HS256 key that short could be guessed offline from one token.
pub const NETLIFY_SECRET_MIN_LEN: usize = 32;
/// Netlify's signed header and the header naming the visitor's address.
const NETLIFY_SIGN: &str = "x-nf-sign";
const NETLIFY_CLIENT_IP: &str = "x-nf-client-connection-ip";
/// Clock difference tolerated between Netlify's edge and this host when checking `exp`.
const EXP_LEEWAY_SECS: u64 = 30;

/// A configuration that cannot be used, with where it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--trusted-proxy {given:?} is not an address range like 127.0.0.1/32 or ::1/128")]
    BadCidr { given: String },
    #[error("cannot read the Netlify proxy secret from {path}")]
    SecretFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{origin}: the Netlify proxy secret has {len} characters; it needs at least {NETLIFY_SECRET_MIN_LEN}"
    )]
    ShortSecret { origin: String, len: usize },
}

/// An address range such as `127.0.0.1/32` or `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = ConfigError;

    /// A bare address is its own range (/32 or /128).
    fn from_str(s: &str) -> Result<Cidr, ConfigError> {
        let bad = || ConfigError::BadCidr {
            given: s.to_string(),
        };
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Cidr { addr, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// How the client address is found (from `kume serve`'s options).
#[derive(Default)]
pub struct ClientAddrConfig {
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<Cidr>,
    /// The HS256 secret of Netlify's signed proxy header; `None`: the header is ignored.
    netlify_secret: Option<Vec<u8>>,
}

impl std::fmt::Debug for ClientAddrConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAddrConfig")
            .field("trusted_proxies", &self.trusted_proxies)
            .field("netlify_secret", &self.netlify_secret.as_ref().map(|_| "…"))
            .finish()
    }
}

impl ClientAddrConfig {
    /// The configuration from `--trusted-proxy` values and the Netlify secret, read from
    /// `secret_file` if given, else from [`NETLIFY_SECRET_ENV`].
    pub fn configured(
        trusted: &[String],
        secret_file: Option<&Path>,
    ) -> Result<ClientAddrConfig, ConfigError> {
        let trusted_proxies = trusted
            .iter()
            .map(|s| s.parse())
            .collect::<Result<_, _>>()?;
        let secret = match secret_file {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|source| ConfigError::SecretFile {
                        path: path.to_path_buf(),
                        source,
                    })?;
                Some((path.display().to_string(), text))
            }
            None => std::env::var(NETLIFY_SECRET_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(|v| (NETLIFY_SECRET_ENV.to_string(), v)),
        };
        let netlify_secret = match secret {
            Some((origin, text)) => Some(checked_secret(&origin, &text)?),
            None => None,
        };
        Ok(ClientAddrConfig {
            trusted_proxies,
            netlify_secret,
        })
    }

    /// A configuration with the given Netlify secret (tests, embedding).
    pub fn with_netlify_secret(mut self, secret: &str) -> Result<ClientAddrConfig, ConfigError> {
        self.netlify_secret = Some(checked_secret("the Netlify proxy secret", secret)?);
        Ok(self)
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|c| c.contains(ip))
    }
}

/// Surrounding whitespace (the newline at the end of a file) is not part of the secret.
fn checked_secret(origin: &str, text: &str) -> Result<Vec<u8>, ConfigError> {
    let secret = text.trim();
    if secret.chars().count() < NETLIFY_SECRET_MIN_LEN {
        return Err(ConfigError::ShortSecret {
            origin: origin.to_string(),
            len: secret.chars().count(),
        });
    }
    Ok(secret.as_bytes().to_vec())
}

/// The client's address as found by the rules at the top of this module (not yet masked).
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, cfg: &ClientAddrConfig) -> IpAddr {
    let peer = canonical(peer);
    if let Some(secret) = &cfg.netlify_secret
        && let Some(ip) = netlify_client(headers, secret, now())
    {
        return ip;
    }
    if !cfg.is_trusted(peer) {
        return peer;
    }
    forwarded_client(headers, cfg).unwrap_or(peer)
}

/// The rate-limit key: the client's address, IPv6 cut to its /64.
pub fn client_key(peer: IpAddr, headers: &HeaderMap, cfg: &ClientAddrConfig) -> IpAddr {
    key_of(client_addr(peer, headers, cfg))
}

/// IPv4 as it is; IPv6 with its last 64 bits zeroed.
pub fn key_of(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(
            u128::from(v6) & 0xffff_ffff_ffff_ffff_0000_0000_0000_0000,
        )),
        v4 => v4,
    }
}

/// IPv4 written as IPv6 (`::ffff:192.0.2.1`, as a dual-stack socket reports it) is IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The rightmost `X-Forwarded-For` entry that is not a trusted proxy, over all such headers in
/// order. An entry that is not an address ends the walk: whatever is left of it is unreliable.
fn forwarded_client(headers: &HeaderMap, cfg: &ClientAddrConfig) -> Option<IpAddr> {
    let mut entries: Vec<&str> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        entries.extend(value.to_str().ok()?.split(','));
    }
    for entry in entries.iter().rev() {
        let ip = canonical(parse_forwarded(entry)?);
        if !cfg.is_trusted(ip) {
            return Some(ip);
        }
    }
    None
}

/// An address as proxies write it: `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`, with or
/// without a port.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse() {
        return Some(ip);
    }
    if let Ok(sock) = entry.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    entry
        .strip_prefix('[')
        .and_then(|e| e.strip_suffix(']'))
        .and_then(|e| e.parse().ok())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Netlify's client address when `X-Nf-Sign` is a valid token for `secret` at time `now`.
fn netlify_client(headers: &HeaderMap, secret: &[u8], now: u64) -> Option<IpAddr> {
    let token = headers.get(NETLIFY_SIGN)?.to_str().ok()?;
    if !netlify_token_valid(token, secret, now) {
        return None;
    }
    let ip = headers.get(NETLIFY_CLIENT_IP)?.to_str().ok()?;
    parse_forwarded(ip).map(canonical)
}

/// Checks a compact JWT: header `alg` HS256, the HMAC-SHA256 signature (compared in constant
/// time by the `hmac` crate), issuer `netlify`, and an expiry still in the future.
fn netlify_token_valid(token: &str, secret: &[u8], now: u64) -> bool {
    let mut parts = token.trim().split('.');
    let (Some(head), Some(claims), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(head.as_bytes());
    mac.update(b".");
    mac.update(claims.as_bytes());
    if mac.verify_slice(&sig).is_err() {
        return false;
    }
    // Only now, with the signature checked, are the header and claims worth reading.
    let decode = |part: &str| -> Option<serde_json::Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    let (Some(head), Some(claims)) = (decode(head), decode(claims)) else {
        return false;
    };
    head.get("alg").and_then(|a| a.as_str()) == Some("HS256")
        && claims.get("iss").and_then(|i| i.as_str()) == Some("netlify")
        && claims
            .get("exp")
            .and_then(|e| e.as_u64())
            .is_some_and(|exp| exp + EXP_LEEWAY_SECS > now)
}

/// Loopback, for checks that a listener stays on this host.
pub fn is_loopback(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    /// A token as Netlify's edge makes one.
    fn sign_netlify_token(secret: &[u8], claims: &serde_json::Value) -> String {
        let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{head}.{claims}");
        let sig = match Hmac::<Sha256>::new_from_slice(secret) {
            Ok(mut mac) => {
                mac.update(signed.as_bytes());
                URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
            }
            Err(_) => String::new(),
        };
        format!("{signed}.{sig}")
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn local_proxy() -> ClientAddrConfig {
        ClientAddrConfig::configured(&["127.0.0.1/32".into(), "::1/128".into()], None).unwrap()
    }

    fn claims(exp: u64) -> serde_json::Value {
        serde_json::json!({"netlify_id": "site", "site_url": "https://kume.example.org", "iss": "netlify", "exp": exp})
    }

    #[test]
    fn cidr_ranges_parse_and_match() {
        let c: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(c.contains(ip("10.1.200.3")));
        assert!(!c.contains(ip("10.2.0.1")));
        assert!(c.contains(ip("::ffff:10.1.0.9")), "IPv4-mapped IPv6");
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("10.1.0.1")));
        let one: Cidr = "::1".parse().unwrap();
        assert!(one.contains(ip("::1")) && !one.contains(ip("::2")));
        for bad in ["10.0.0.0/33", "::/129", "localhost", "10.0.0.0/x", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn without_a_trusted_proxy_the_peer_is_the_client() {
        let h = headers(&[("x-forwarded-for", "198.51.100.7")]);
        let cfg = ClientAddrConfig::default();
        assert_eq!(client_key(ip("203.0.113.5"), &h, &cfg), ip("203.0.113.5"));
        // A trusted configuration does not help a peer outside it.
        assert_eq!(
            client_key(ip("203.0.113.5"), &h, &local_proxy()),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_entry_counts() {
        let cfg = local_proxy();
        let forged = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7")]);
        assert_eq!(
            client_key(ip("127.0.0.1"), &forged, &cfg),
            ip("198.51.100.7")
        );
        let chain = headers(&[("x-forwarded-for", "198.51.100.7, 127.0.0.1")]);
        assert_eq!(
            client_key(ip("127.0.0.1"), &chain, &cfg),
            ip("198.51.100.7")
        );
        let two = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "198.51.100.8"),
        ]);
        assert_eq!(client_key(ip("::1"), &two, &cfg), ip("198.51.100.8"));
        let garbage = headers(&[("x-forwarded-for", "1.2.3.4, not-an-ip")]);
        assert_eq!(client_key(ip("127.0.0.1"), &garbage, &cfg), ip("127.0.0.1"));
        let none = HeaderMap::new();
        assert_eq!(client_key(ip("127.0.0.1"), &none, &cfg), ip("127.0.0.1"));
        let ported = headers(&[("x-forwarded-for", "[2001:db8::5]:443")]);
        assert_eq!(client_key(ip("127.0.0.1"), &ported, &cfg), ip("2001:db8::"));
    }

    #[test]
    fn ipv6_clients_share_a_key_per_64() {
        let cfg = ClientAddrConfig::default();
        let none = HeaderMap::new();
        let a = client_key(ip("2001:db8:1:2:aaaa::1"), &none, &cfg);
        let b = client_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), &none, &cfg);
        let other = client_key(ip("2001:db8:1:3::1"), &none, &cfg);
        assert_eq!(a, ip("2001:db8:1:2::"));
        assert_eq!(a, b);
        assert_ne!(a, other);
        assert_eq!(key_of(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(key_of(ip("192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn a_valid_netlify_signature_names_the_client() {
        let cfg = ClientAddrConfig::default()
            .with_netlify_secret(SECRET)
            .unwrap();
        let token = sign_netlify_token(SECRET.as_bytes(), &claims(now() + 300));
        let h = headers(&[
            ("x-nf-sign", &token),
            ("x-nf-client-connection-ip", "198.51.100.20"),
            ("x-forwarded-for", "203.0.113.1"),
        ]);
        assert_eq!(client_key(ip("127.0.0.1"), &h, &cfg), ip("198.51.100.20"));
    }

    #[test]
    fn a_bad_netlify_signature_is_ignored() {
        let cfg = local_proxy().with_netlify_secret(SECRET).unwrap();
        let other = "ffffffffffffffffffffffffffffffff";
        let cases = [
            sign_netlify_token(other.as_bytes(), &claims(now() + 300)),
            sign_netlify_token(SECRET.as_bytes(), &claims(now() - 3600)),
            sign_netlify_token(
                SECRET.as_bytes(),
                &serde_json::json!({"iss": "someone", "exp": now() + 300}),
            ),
            sign_netlify_token(SECRET.as_bytes(), &serde_json::json!({"iss": "netlify"})),
            "not.a.token".to_string(),
            "eyJhbGciOiJub25lIn0.eyJpc3MiOiJuZXRsaWZ5In0.".to_string(),
        ];
        for token in cases {
            let h = headers(&[
                ("x-nf-sign", &token),
                ("x-nf-client-connection-ip", "198.51.100.20"),
                ("x-forwarded-for", "203.0.113.1"),
            ]);
            // The local proxy's own X-Forwarded-For (the peer it saw) is used instead.
            assert_eq!(
                client_key(ip("127.0.0.1"), &h, &cfg),
                ip("203.0.113.1"),
                "{token}"
            );
        }
        // Without any secret configured the Netlify header means nothing.
        let token = sign_netlify_token(SECRET.as_bytes(), &claims(now() + 300));
        let h = headers(&[
            ("x-nf-sign", &token),
            ("x-nf-client-connection-ip", "198.51.100.20"),
        ]);
        assert_eq!(
            client_key(ip("203.0.113.9"), &h, &ClientAddrConfig::default()),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_token_with_another_algorithm_is_refused_even_if_signed() {
        // Signed correctly, but its header claims an algorithm we do not accept.
        let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512"}"#);
        let body = URL_SAFE_NO_PAD.encode(claims(now() + 300).to_string());
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(format!("{head}.{body}").as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        let token = format!("{head}.{body}.{sig}");
        assert!(!netlify_token_valid(&token, SECRET.as_bytes(), now()));
    }

    #[test]
    fn short_or_missing_secrets_are_reported() {
        let e = ClientAddrConfig::default()
            .with_netlify_secret("short\n")
            .unwrap_err();
        assert!(e.to_string().contains("has 5 characters"), "{e}");
        let e =
            ClientAddrConfig::configured(&[], Some(Path::new("/nonexistent/secret"))).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/secret"), "{e}");
        let e = ClientAddrConfig::configured(&["10.0.0.0/40".into()], None).unwrap_err();
        assert!(e.to_string().contains("10.0.0.0/40"), "{e}");
    }
}
