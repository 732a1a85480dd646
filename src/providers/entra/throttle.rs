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
const MIN_STEP: f64 = 0.5;
/// One throttle event lowers the limit by at most this factor: a measure spoilt by a
/// stall or a race cannot collapse it.
const MAX_CUT: f64 = 0.5;
const STEP_INTERVAL: Duration = Duration::from_secs(1);
/// Acceptance is measured over this window (only after the first throttle event, so the
/// free burst does not count).
const WINDOW: Duration = Duration::from_secs(10);
/// A measure needs at least this much time behind it; before that only `Retry-After`
/// paces the writes.
const MIN_SAMPLE: Duration = Duration::from_secs(2);
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
            let floor = s.rate.map_or(MIN_RATE, |r| r * MAX_CUT).max(MIN_RATE);
            s.rate = Some((measured * DECREASE).max(floor));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drive the limiter against a simulated token bucket (`capacity`, `refill`/s): one
    /// batch of up to 20 writes every 50 ms when the limiter allows, nothing during the
    /// `stalls` (seconds from the start, as when the client is starved of CPU). Returns
    /// (elapsed seconds, refused writes, final rate).
    fn simulate(capacity: f64, refill: f64, total: u64, stalls: &[(f64, f64)]) -> (f64, u64, f64) {
        let t0 = Instant::now();
        let th = Throttle::new();
        let mut tokens = capacity;
        let mut last = t0;
        let mut now = t0;
        let (mut accepted, mut refused) = (0u64, 0u64);
        while accepted < total {
            let at = now.duration_since(t0).as_secs_f64();
            if let Some((start, len)) = stalls.iter().find(|(s, l)| at >= *s && at < s + l) {
                now = t0 + Duration::from_secs_f64(start + len);
                continue;
            }
            let wait = th.reserve(20, now);
            if wait > Duration::ZERO {
                now += wait;
                continue;
            }
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
                let ra = ((1.0 - tokens) / refill).ceil().max(1.0);
                th.on_throttled(Some(Duration::from_secs_f64(ra)), now);
            }
            now += Duration::from_millis(50);
        }
        (now.duration_since(t0).as_secs_f64(), refused, th.snapshot().rate.unwrap_or(f64::NAN))
    }

    #[test]
    fn learns_a_token_bucket() {
        let (elapsed, refused, rate) = simulate(300.0, 20.0, 3_000, &[]);
        let bound = (3_000.0 - 300.0) / 20.0;
        assert!(elapsed < bound * 1.08, "took {elapsed:.1}s, bound {bound:.1}s");
        assert!((rate - 20.0).abs() / 20.0 < 0.15, "learned {rate}");
        // Hammering would refuse about one batch per second: thousands of refusals.
        assert!(refused < 400, "{refused} refusals");
    }

    #[test]
    fn recovers_quickly_from_a_stall() {
        // Stalls right after the burst and later: the acceptance measured around them
        // is low, and the limit must not stay low.
        let stalls = [(0.9, 3.0), (20.0, 4.0), (60.0, 2.0)];
        let (elapsed, _, _) = simulate(300.0, 20.0, 3_000, &stalls);
        let bound = (3_000.0 - 300.0) / 20.0;
        assert!(elapsed < bound * 1.15, "took {elapsed:.1}s, bound {bound:.1}s");
    }

    #[test]
    fn follows_a_slower_quota() {
        let (elapsed, refused, rate) = simulate(100.0, 2.0, 300, &[]);
        let bound = (300.0 - 100.0) / 2.0;
        assert!(elapsed < bound * 1.15, "took {elapsed:.1}s, bound {bound:.1}s");
        assert!(rate < 3.0, "learned {rate}");
        assert!(refused < 150, "{refused} refusals");
    }

    #[test]
    fn a_spoilt_measure_cannot_collapse_the_limit() {
        let t0 = Instant::now();
        let th = Throttle::new();
        let at = |s: f64| t0 + Duration::from_secs_f64(s);
        th.on_throttled(Some(Duration::from_secs(1)), at(0.0));
        // A refusal reported before the acceptances of the same moment: too early to
        // measure anything, so no limit yet (Retry-After alone paces).
        th.on_throttled(Some(Duration::from_secs(1)), at(1.02));
        assert_eq!(th.snapshot().rate, None);
        for i in 0..40 {
            th.on_success(10, at(1.1 + i as f64 * 0.5));
        }
        th.on_throttled(Some(Duration::from_secs(1)), at(21.5));
        let rate = th.snapshot().rate.unwrap();
        assert!((18.0..=20.0).contains(&rate), "{rate}");
        // Nothing accepted for a long stretch, then a refusal: at most halved.
        th.on_throttled(Some(Duration::from_secs(1)), at(40.0));
        assert!(th.snapshot().rate.unwrap() >= rate * 0.5);
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
