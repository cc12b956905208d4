//! When a failed delivery is tried again: doubling from the first wait up
//! to a cap, each wait moved by up to ±20 % at random so that receivers
//! coming back are not hit by every sender at the same instant; and when
//! retrying gives up.

use std::time::Duration;

/// How far a wait moves at random, either way.
pub const JITTER: f64 = 0.2;

/// The wait before the attempt after `failed` failures, without jitter:
/// `first · 2^(failed − 1)`, at most `cap`.
pub fn backoff(failed: u32, first: Duration, cap: Duration) -> Duration {
    let doublings = failed.saturating_sub(1).min(30);
    first.saturating_mul(1u32 << doublings).min(cap)
}

/// `wait` moved by `sample` · [`JITTER`], where `sample` is in −1…1.
pub fn jittered(wait: Duration, sample: f64) -> Duration {
    wait.mul_f64(1.0 + JITTER * sample.clamp(-1.0, 1.0))
}

/// The wait after `failed` failures, with a random jitter.
pub fn next_wait(failed: u32, first: Duration, cap: Duration) -> Duration {
    let sample = rand::random_range(-1.0..=1.0);
    jittered(backoff(failed, first, cap), sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_the_first_up_to_the_cap() {
        let (first, cap) = (Duration::from_secs(5), Duration::from_secs(3600));
        let waits: Vec<u64> = (1..=12).map(|n| backoff(n, first, cap).as_secs()).collect();
        assert_eq!(
            waits,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
        assert_eq!(backoff(u32::MAX, first, cap), cap);
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        let wait = Duration::from_secs(100);
        assert_eq!(jittered(wait, -1.0), Duration::from_secs(80));
        assert_eq!(jittered(wait, 1.0), Duration::from_secs(120));
        assert_eq!(jittered(wait, 7.0), Duration::from_secs(120));
        for _ in 0..100 {
            let w = next_wait(3, Duration::from_secs(5), Duration::from_secs(3600));
            assert!((16_000..=24_000).contains(&w.as_millis()), "{w:?}");
        }
    }

    /// With the defaults, retries go on past a day before the dead letter.
    #[test]
    fn the_default_schedule_retries_for_a_day() {
        let (first, cap) = (Duration::from_secs(5), Duration::from_secs(3600));
        let mut elapsed = Duration::ZERO;
        let mut attempts = 1;
        while elapsed < Duration::from_secs(24 * 3600) {
            elapsed += jittered(backoff(attempts, first, cap), -1.0);
            attempts += 1;
        }
        // ~34 attempts at the shortest waits: none of it is left to chance.
        assert!((30..=40).contains(&attempts), "{attempts}");
    }
}
