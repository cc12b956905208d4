//! Wait estimates from queueing theory, fed with measured rates.
//!
//! The queue is modelled as M/M/c: conversations arrive at rate λ, each of
//! the `c` slots (operators online × their capacity) finishes a conversation
//! at rate μ = 1 / mean handling time. When all slots are busy, slots free up
//! at rate cμ, so the conversation at position N waits on average N / (cμ)
//! (the sum of N exponential gaps). A newcomer's expected wait is Erlang C:
//! P(wait) / (cμ − λ).

/// Handling time assumed before any conversation has been measured: ten
/// minutes, the middle of the promised 5–15 minutes.
pub const FALLBACK_HANDLE_SECONDS: f64 = 600.0;

/// Erlang C: the probability that an arrival has to wait, with `c` servers
/// and offered load `a` = λ/μ (in Erlangs). 1 when the system is overloaded.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    if c == 0 || a >= f64::from(c) {
        return 1.0;
    }
    if a <= 0.0 {
        return 0.0;
    }
    // Erlang B by its stable recurrence, then C from B.
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let rho = a / f64::from(c);
    b / (1.0 - rho + rho * b)
}

/// Expected wait of a new arrival, in seconds (Erlang C); `None` when the
/// queue grows without bound (λ ≥ cμ) or nobody is there to serve.
pub fn newcomer_wait_seconds(
    slots: u32,
    arrivals_per_second: f64,
    handle_seconds: f64,
) -> Option<f64> {
    let mu = 1.0 / handle_seconds.max(1.0);
    let capacity = f64::from(slots) * mu;
    if slots == 0 || arrivals_per_second >= capacity {
        return None;
    }
    let a = arrivals_per_second / mu;
    Some(erlang_c(slots, a) / (capacity - arrivals_per_second))
}

/// Expected wait of the conversation at `position` (1-based) when the
/// `slots` are busy: N / (cμ). With nobody online the same formula is used
/// with one slot, a pessimistic guess until someone comes back.
pub fn queued_wait_seconds(position: u32, slots: u32, handle_seconds: f64) -> u64 {
    let handle = handle_seconds.max(1.0);
    let wait = f64::from(position) * handle / f64::from(slots.max(1));
    wait.round() as u64
}

/// Mean handling time from recent samples, or the fallback without any.
pub fn mean_handle_seconds(samples: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = samples.len();
    if n == 0 {
        return FALLBACK_HANDLE_SECONDS;
    }
    samples.sum::<f64>() / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_known_values() {
        // Textbook: c = 2, a = 1 → C = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-9);
        // One server: C = ρ.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-9);
        assert_eq!(erlang_c(3, 3.5), 1.0);
        assert_eq!(erlang_c(3, 0.0), 0.0);
        // c = 10, a = 8: ≈ 0.409 (published tables).
        assert!((erlang_c(10, 8.0) - 0.409).abs() < 0.001);
    }

    #[test]
    fn waits_grow_with_position_and_load() {
        assert_eq!(queued_wait_seconds(3, 6, 600.0), 300);
        assert_eq!(queued_wait_seconds(3, 0, 600.0), 1800);
        let light = newcomer_wait_seconds(10, 8.0 / 600.0, 600.0).unwrap();
        let heavy = newcomer_wait_seconds(10, 9.5 / 600.0, 600.0).unwrap();
        assert!(light < heavy, "{light} < {heavy}");
        assert_eq!(newcomer_wait_seconds(10, 11.0 / 600.0, 600.0), None);
        assert_eq!(mean_handle_seconds([].into_iter()), FALLBACK_HANDLE_SECONDS);
        assert_eq!(mean_handle_seconds([100.0, 300.0].into_iter()), 200.0);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn erlang_c_is_a_probability_falling_with_servers(c in 1u32..200, load in 0.0f64..1.0) {
            let a = load * f64::from(c);
            let p = erlang_c(c, a);
            prop_assert!((0.0..=1.0).contains(&p));
            prop_assert!(erlang_c(c + 1, a) <= p + 1e-12);
        }
    }
}
