//! The adaptive write-rate limit: learns the tenant's Graph write quota from the 429s it
//! gets and then paces writes just under it, instead of running into it.
//!
//! Graph's identity write quota is a token bucket per app and tenant ("3,000 requests per
//! 2 min 30 s", learn.microsoft.com/graph/throttling-limits, "Identity and access service
//! limits"): a burst up to the bucket size, then the refill rate. Every 429 means the bucket
//! was empty at that moment, so the writes accepted between two 429s are exactly what the
//! bucket refilled in between: `accepted / elapsed` estimates the refill rate without
//! knowing the quota. The limiter then runs at a little under that estimate and probes
//! upwards slowly (additive increase) while it is the bottleneck, so it follows a quota
//! that changes. Until the first 429 nothing is limited: the burst is free.
//!
//! `Retry-After` always wins: after a 429 no write is sent before the time it names
//! (learn.microsoft.com/graph/throttling, "Best practices to handle throttling").

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Fraction of the estimated refill rate the limiter runs at.
const HEADROOM: f64 = 0.97;
/// While the limiter is the bottleneck and nothing was throttled for this long, raise the
/// rate by `PROBE_STEP`.
const PROBE_INTERVAL: Duration = Duration::from_secs(5);
const PROBE_STEP: f64 = 1.02;
/// A refill estimate needs at least this much time between two throttle events.
const MIN_SAMPLE: Duration = Duration::from_millis(500);
/// How far behind "now" the limiter's schedule may lag: after a pause it may send this
/// much worth of writes at once (the bucket refilled during the pause).
const BURST_WINDOW: Duration = Duration::from_secs(1);
/// Never slower than this, whatever the estimate says.
const MIN_RATE: f64 = 0.5;

#[derive(Debug)]
pub struct Throttle {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// No write before this instant (the longest `Retry-After` seen).
    paused_until: Option<Instant>,
    /// Writes per second; `None` until the first throttle event.
    rate: Option<f64>,
    /// Virtual time at which the next write may start (GCRA schedule).
    next_slot: Instant,
    /// When the limiter last made a caller wait.
    last_limited: Option<Instant>,
    last_probe: Instant,
    /// The previous throttle event, and writes accepted since.
    last_event: Option<Instant>,
    accepted_since: u64,
    /// Smoothed refill estimate (writes/s).
    estimate: Option<f64>,
    events: u64,
}

/// A snapshot for reports and tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleSnapshot {
    pub rate: Option<f64>,
    pub estimate: Option<f64>,
    pub events: u64,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new()
    }
}

impl Throttle {
    pub fn new() -> Throttle {
        let now = Instant::now();
        Throttle {
            state: Mutex::new(State {
                paused_until: None,
                rate: None,
                next_slot: now,
                last_limited: None,
                last_probe: now,
                last_event: None,
                accepted_since: 0,
                estimate: None,
                events: 0,
            }),
        }
    }

    pub fn snapshot(&self) -> ThrottleSnapshot {
        let s = self.state.lock().expect("throttle lock");
        ThrottleSnapshot { rate: s.rate, estimate: s.estimate, events: s.events }
    }

    /// How long to wait before sending `n` writes, reserving their slots. Call again after
    /// sleeping: a 429 elsewhere may have paused everything meanwhile.
    pub fn reserve(&self, n: usize, now: Instant) -> Duration {
        let mut s = self.state.lock().expect("throttle lock");
        if let Some(p) = s.paused_until {
            if p > now {
                return p - now;
            }
            s.paused_until = None;
        }
        let Some(rate) = s.rate else {
            return Duration::ZERO;
        };
        let earliest = now.checked_sub(BURST_WINDOW).unwrap_or(now);
        let start = s.next_slot.max(earliest);
        if start > now {
            s.last_limited = Some(now);
            return start - now;
        }
        s.next_slot = start + Duration::from_secs_f64(n as f64 / rate);
        Duration::ZERO
    }

    /// `n` writes were accepted.
    pub fn on_success(&self, n: usize, now: Instant) {
        let mut s = self.state.lock().expect("throttle lock");
        s.accepted_since += n as u64;
        // Probe upwards only while the limiter is what holds writes back; an idle limiter
        // must not drift to a rate that was never tried.
        if let Some(rate) = s.rate {
            let limiting = s.last_limited.is_some_and(|t| now.duration_since(t) < PROBE_INTERVAL);
            if limiting && now.duration_since(s.last_probe) >= PROBE_INTERVAL {
                s.rate = Some(rate * PROBE_STEP);
                s.last_probe = now;
            }
        }
    }

    /// A write was refused with 429. `retry_after` is what Graph said, if anything.
    pub fn on_throttled(&self, retry_after: Option<Duration>, now: Instant) {
        let mut s = self.state.lock().expect("throttle lock");
        let pause = retry_after.unwrap_or(Duration::from_secs(1));
        let until = now + pause;
        let same_event = s.paused_until.is_some_and(|p| p > now);
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
        if same_event {
            // Every item of a refused batch reports the same event.
            return;
        }
        s.events += 1;
        if let Some(prev) = s.last_event {
            let dt = now.duration_since(prev);
            if dt >= MIN_SAMPLE {
                let sample = s.accepted_since as f64 / dt.as_secs_f64();
                // Weight by duration: a long interval is a better sample than a short one.
                let w = (dt.as_secs_f64() / 10.0).min(1.0);
                let est = s.estimate.map_or(sample, |e| e * (1.0 - w) + sample * w);
                s.estimate = Some(est);
                s.rate = Some((est * HEADROOM).max(MIN_RATE));
                s.last_probe = now;
            }
        }
        s.last_event = Some(now);
        s.accepted_since = 0;
    }

    /// The time until which writes are paused, if any.
    pub fn paused_until(&self) -> Option<Instant> {
        self.state.lock().expect("throttle lock").paused_until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drive the limiter against a simulated token bucket and check that it converges to
    /// the refill rate with few refusals.
    #[test]
    fn learns_a_token_bucket() {
        let (capacity, refill) = (300.0_f64, 20.0_f64);
        let t0 = Instant::now();
        let th = Throttle::new();
        let mut tokens = capacity;
        let mut last = t0;
        let mut now = t0;
        let (mut accepted, mut refused) = (0u64, 0u64);
        let total = 3_000u64;
        while accepted < total {
            let wait = th.reserve(20, now);
            if wait > Duration::ZERO {
                now += wait;
                continue;
            }
            // One batch of 20 writes arrives at the bucket.
            let dt = now.duration_since(last).as_secs_f64();
            last = now;
            tokens = (tokens + dt * refill).min(capacity);
            let ok = (tokens.floor() as u64).min(20);
            tokens -= ok as f64;
            accepted += ok;
            if ok > 0 {
                th.on_success(ok as usize, now);
            }
            if ok < 20 {
                refused += 20 - ok;
                th.on_throttled(Some(Duration::from_secs(1)), now);
            }
            now += Duration::from_millis(50);
        }
        let elapsed = now.duration_since(t0).as_secs_f64();
        let bound = (total as f64 - capacity) / refill;
        assert!(elapsed < bound * 1.10, "took {elapsed:.1}s, bound {bound:.1}s");
        let est = th.snapshot().estimate.expect("an estimate");
        assert!((est - refill).abs() / refill < 0.15, "estimate {est}");
        // Hammering would refuse about one batch per second: thousands of refusals.
        assert!(refused < 600, "{refused} refusals");
    }

    #[test]
    fn retry_after_pauses_everything() {
        let t0 = Instant::now();
        let th = Throttle::new();
        assert_eq!(th.reserve(1, t0), Duration::ZERO);
        th.on_throttled(Some(Duration::from_secs(3)), t0);
        assert_eq!(th.reserve(1, t0 + Duration::from_secs(1)), Duration::from_secs(2));
        assert_eq!(th.reserve(1, t0 + Duration::from_secs(3)), Duration::ZERO);
    }
}
