//! The adaptive write-rate limit: learns the tenant's Graph write quota from the 429s it
//! gets and then paces writes just under it, instead of running into it.
//!
//! Graph's identity write quota is a token bucket per app and tenant ("3,000 requests per
//! 2 min 30 s", learn.microsoft.com/graph/throttling-limits, "Identity and access service
//! limits"): a burst up to the bucket size, then the refill rate. Until the first 429
//! nothing is limited: the burst is free. A 429 means the bucket is empty, so from then on
//! the writes Graph accepted over the last few seconds measure the refill rate. On each
//! throttle event the limit drops a little under that measure (multiplicative decrease);
//! while it holds writes back and nothing is refused it rises by a small step every
//! second (additive increase), so it settles just under the quota and follows it if it
//! changes. An underestimate is corrected within seconds, an overestimate by the next 429.
//!
//! `Retry-After` always wins: after a 429 no write is sent before the time it names
//! (learn.microsoft.com/graph/throttling, "Best practices to handle throttling"). The
//! limiter lets up to one second's worth of writes go at once after a pause, which is
//! what the bucket refilled meanwhile.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Fraction of the measured acceptance rate the limit drops to on a throttle event.
const DECREASE: f64 = 0.95;
/// Additive increase per second while the limiter is the bottleneck, as a fraction of the
/// current rate (at least `MIN_STEP` writes/s).
const INCREASE: f64 = 0.02;
const MIN_STEP: f64 = 0.2;
const STEP_INTERVAL: Duration = Duration::from_secs(1);
/// Acceptance is measured over this window (only after the first throttle event, so the
/// free burst does not count).
const WINDOW: Duration = Duration::from_secs(10);
/// A measure needs at least this much time behind it.
const MIN_SAMPLE: Duration = Duration::from_millis(800);
/// How far behind "now" the schedule may lag: writes that may go at once after a pause.
const BURST_WINDOW: Duration = Duration::from_secs(1);
/// Never slower than this, whatever the measure says.
const MIN_RATE: f64 = 0.5;

#[derive(Debug)]
pub struct Throttle {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// No write before this instant (the longest `Retry-After` seen).
    paused_until: Option<Instant>,
    /// Writes per second; `None` until it has been measured.
    rate: Option<f64>,
    /// Virtual time at which the next write may start (GCRA schedule).
    next_slot: Instant,
    /// When the limiter last made a caller wait.
    last_limited: Option<Instant>,
    last_step: Instant,
    first_event: Option<Instant>,
    last_event: Option<Instant>,
    /// Writes accepted since the first throttle event, by time, pruned to `WINDOW`.
    accepted: VecDeque<(Instant, u32)>,
    events: u64,
}

/// A snapshot for reports and tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleSnapshot {
    pub rate: Option<f64>,
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
                last_step: now,
                first_event: None,
                last_event: None,
                accepted: VecDeque::new(),
                events: 0,
            }),
        }
    }

    pub fn snapshot(&self) -> ThrottleSnapshot {
        let s = self.state.lock().expect("throttle lock");
        ThrottleSnapshot { rate: s.rate, events: s.events }
    }

    /// How long to wait before sending `n` writes; zero means go, and their slots are
    /// taken. Call again after sleeping: a 429 elsewhere may have paused everything.
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

    /// The time until which writes are paused, if any.
    pub fn paused_until(&self) -> Option<Instant> {
        self.state.lock().expect("throttle lock").paused_until
    }

    /// `n` writes were accepted.
    pub fn on_success(&self, n: usize, now: Instant) {
        let mut s = self.state.lock().expect("throttle lock");
        if s.first_event.is_some() {
            s.accepted.push_back((now, n as u32));
            while s.accepted.front().is_some_and(|(t, _)| now.duration_since(*t) > WINDOW) {
                s.accepted.pop_front();
            }
        }
        if let Some(rate) = s.rate {
            // Step up only while the limiter is what holds writes back (an idle limiter
            // must not drift to a rate never tried), and not right after a refusal.
            let limiting = s.last_limited.is_some_and(|t| now.duration_since(t) < STEP_INTERVAL * 2);
            let calm = s.last_event.is_none_or(|t| now.duration_since(t) >= STEP_INTERVAL);
            if limiting && calm && now.duration_since(s.last_step) >= STEP_INTERVAL {
                s.rate = Some(rate + (rate * INCREASE).max(MIN_STEP));
                s.last_step = now;
            }
        }
    }

    /// A write was refused with 429. `retry_after` is what Graph said, if anything.
    pub fn on_throttled(&self, retry_after: Option<Duration>, now: Instant) {
        let mut s = self.state.lock().expect("throttle lock");
        let until = now + retry_after.unwrap_or(Duration::from_secs(1));
        let same_event = s.paused_until.is_some_and(|p| p > now);
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
        if same_event {
            // Every refused item of a batch reports the same event.
            return;
        }
        s.events += 1;
        let first = *s.first_event.get_or_insert(now);
        s.last_event = Some(now);
        s.last_step = now;
        let since = now.duration_since(first).min(WINDOW);
        if since >= MIN_SAMPLE {
            while s.accepted.front().is_some_and(|(t, _)| now.duration_since(*t) > WINDOW) {
                s.accepted.pop_front();
            }
            let accepted: u32 = s.accepted.iter().map(|(_, n)| n).sum();
            let measured = accepted as f64 / since.as_secs_f64();
            s.rate = Some((measured * DECREASE).max(MIN_RATE));
        }
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
        let rate = th.snapshot().rate.expect("a learned rate");
        assert!((rate - refill).abs() / refill < 0.15, "learned {rate}");
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
