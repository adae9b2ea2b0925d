//! Per-client rate limiting: a token bucket per IP address, kept in memory only (no address is
//! ever written to disk, as KVKK's data minimisation asks).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    /// Sustained requests per second per client.
    rate: f64,
    /// Requests a client may send at once.
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            rate,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `n` per hour, all of which may come at once.
    pub fn per_hour(n: u32) -> RateLimiter {
        RateLimiter::new(f64::from(n) / 3600.0, f64::from(n))
    }

    /// Takes one token for `client`; `Err(seconds)` says how long to wait.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            // Forget clients whose buckets have refilled; they are indistinguishable from new.
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(client).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_client_waits() {
        let limiter = RateLimiter::new(1.0, 3.0);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!((0..3).all(|_| limiter.check(ip).is_ok()));
        assert_eq!(limiter.check(ip), Err(1));
        assert!(
            limiter.check("127.0.0.2".parse().unwrap()).is_ok(),
            "clients are separate"
        );
    }
}
