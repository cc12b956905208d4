//! Prometheus metrics at `/metrics`, and every metric the server records,
//! each named and described once here (docs/configuration.md lists them).
//! The use cases' metrics are in [`hotline_app::metrics`]; the store backend
//! records its own (commit times, SLA breaches, automatic assignments).
//!
//! The recorder is process-wide, installed once.

use ::metrics::{counter, describe_counter, describe_gauge, gauge};
use hotline_store::DepartmentLive;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

pub const WEBSOCKETS_OPEN: &str = "hotline_websockets_open";
pub const EVENTS_READ_FROM_STORE: &str = "hotline_events_read_from_store_total";
pub const QUEUE_LENGTH: &str = "hotline_queue_length";
pub const QUEUE_LONGEST_WAIT: &str = "hotline_queue_longest_wait_seconds";
pub const QUEUE_EXPECTED_WAIT: &str = "hotline_queue_expected_wait_seconds";
pub const OPERATORS_ONLINE: &str = "hotline_operators_online";
pub const OPERATOR_LOAD: &str = "hotline_operator_load";
pub const OPERATOR_CAPACITY: &str = "hotline_operator_capacity";
pub const FIRST_RESPONSE_P50: &str = "hotline_first_response_p50_seconds";
pub const FIRST_RESPONSE_P90: &str = "hotline_first_response_p90_seconds";
pub const SLA_BREACHES_TODAY: &str = "hotline_sla_breaches_today";
pub const CLAIMS_OPEN: &str = "hotline_claims_open";
pub const CLAIMS_OVERDUE: &str = "hotline_claims_overdue";
pub const CHANNEL_SENT: &str = "hotline_channel_sent_total";
pub const CHANNEL_RETRIES: &str = "hotline_channel_retries_total";

/// Every metric above, for the documentation check.
pub const ALL: &[&str] = &[
    WEBSOCKETS_OPEN,
    EVENTS_READ_FROM_STORE,
    QUEUE_LENGTH,
    QUEUE_LONGEST_WAIT,
    QUEUE_EXPECTED_WAIT,
    OPERATORS_ONLINE,
    OPERATOR_LOAD,
    OPERATOR_CAPACITY,
    FIRST_RESPONSE_P50,
    FIRST_RESPONSE_P90,
    SLA_BREACHES_TODAY,
    CLAIMS_OPEN,
    CLAIMS_OVERDUE,
    CHANNEL_SENT,
    CHANNEL_RETRIES,
];

fn describe() {
    describe_gauge!(WEBSOCKETS_OPEN, "open event WebSockets");
    describe_counter!(
        CHANNEL_SENT,
        "replies a social platform accepted, by channel"
    );
    describe_counter!(
        CHANNEL_RETRIES,
        "sends to a social platform that will be tried again, by channel"
    );
    describe_gauge!(CLAIMS_OPEN, "claims still owed an answer, by department");
    describe_gauge!(
        CLAIMS_OVERDUE,
        "open claims past their legal end, by department"
    );
    describe_counter!(
        EVENTS_READ_FROM_STORE,
        "events delivered from the database rather than the live feed"
    );
    describe_gauge!(QUEUE_LENGTH, "conversations waiting, by department");
    describe_gauge!(
        QUEUE_LONGEST_WAIT,
        "the longest current wait, by department"
    );
    describe_gauge!(
        QUEUE_EXPECTED_WAIT,
        "Erlang C wait of a newcomer, by department (absent when demand exceeds capacity)"
    );
    describe_gauge!(OPERATORS_ONLINE, "operators online, by department");
    describe_gauge!(OPERATOR_LOAD, "conversations held by the operators online");
    describe_gauge!(
        OPERATOR_CAPACITY,
        "conversation slots of the operators online"
    );
    describe_gauge!(
        FIRST_RESPONSE_P50,
        "median time from queue entry to first operator reply, last hour"
    );
    describe_gauge!(
        FIRST_RESPONSE_P90,
        "90th percentile of queue entry to first operator reply, last hour"
    );
    describe_gauge!(SLA_BREACHES_TODAY, "SLA breaches since 00:00 UTC");
    hotline_app::metrics::describe();
}

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder on first use. `None` if another recorder was
/// installed first (then metrics go there).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new().install_recorder().ok();
            // Descriptions reach only a recorder already installed.
            describe();
            handle
        })
        .as_ref()
}

/// The scrape payload, in the Prometheus text format.
pub fn render() -> String {
    match handle() {
        Some(handle) => {
            handle.run_upkeep();
            handle.render()
        }
        None => String::new(),
    }
}

/// Counts an event WebSocket as open while it lives.
pub struct OpenWebSocket(());

impl OpenWebSocket {
    pub fn count() -> OpenWebSocket {
        gauge!(WEBSOCKETS_OPEN).increment(1.0);
        OpenWebSocket(())
    }
}

impl Drop for OpenWebSocket {
    fn drop(&mut self) {
        gauge!(WEBSOCKETS_OPEN).decrement(1.0);
    }
}

pub fn channel_sent(channel: hotline_domain::Channel) {
    counter!(CHANNEL_SENT, "channel" => channel.as_str()).increment(1);
}

pub fn channel_retry(channel: hotline_domain::Channel) {
    counter!(CHANNEL_RETRIES, "channel" => channel.as_str()).increment(1);
}

pub fn events_read_from_store(count: usize) {
    counter!(EVENTS_READ_FROM_STORE).increment(count as u64);
}

/// Sets a department's queue gauges from its live numbers.
pub fn record_queue(live: &DepartmentLive) {
    let labels = [("department", live.department.as_str().to_owned())];
    gauge!(QUEUE_LENGTH, &labels).set(f64::from(live.queue_length));
    gauge!(QUEUE_LONGEST_WAIT, &labels).set(live.longest_wait_seconds as f64);
    gauge!(OPERATORS_ONLINE, &labels).set(f64::from(live.operators_online));
    let (load, capacity) = live
        .operators
        .iter()
        .filter(|o| o.presence == hotline_domain::Presence::Online)
        .fold((0, 0), |(l, c), o| (l + o.load, c + o.capacity));
    gauge!(OPERATOR_LOAD, &labels).set(f64::from(load));
    gauge!(OPERATOR_CAPACITY, &labels).set(f64::from(capacity));
    if let Some(p50) = live.first_response_p50_seconds {
        gauge!(FIRST_RESPONSE_P50, &labels).set(p50);
    }
    if let Some(p90) = live.first_response_p90_seconds {
        gauge!(FIRST_RESPONSE_P90, &labels).set(p90);
    }
    gauge!(SLA_BREACHES_TODAY, &labels).set(live.sla_breaches_today as f64);
    if let Some(wait) = live.expected_wait_seconds {
        gauge!(QUEUE_EXPECTED_WAIT, &labels).set(wait);
    }
}

/// The claims' gauges of `department`: none open is a zero, not a gap.
pub fn record_claims(department: &hotline_domain::DepartmentId, open: u64, overdue: u64) {
    let labels = [("department", department.as_str().to_owned())];
    gauge!(CLAIMS_OPEN, &labels).set(open as f64);
    gauge!(CLAIMS_OVERDUE, &labels).set(overdue as f64);
}

#[cfg(test)]
mod tests {
    /// Operators read docs/configuration.md to find a metric; every one the
    /// server and the use cases record must be there.
    #[test]
    fn the_docs_list_every_metric() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let missing: Vec<_> = super::ALL
            .iter()
            .chain(hotline_app::metrics::ALL)
            .filter(|name| !doc.contains(&format!("`{name}")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/configuration.md lacks {missing:?}"
        );
    }
}
