//! `hotline-bench`: load scenarios that drive a *running* server over real
//! sockets.
//!
//! Every scenario prints progress to stderr about once a second, a
//! human-readable table to stdout when it ends, and then one JSON line
//! (`{"scenario": ..., ...}`) so that results can be pasted into the docs.
//!
//! - `relay`: a bare HTTP → WebSocket relay with no auth and no storage. It
//!   carries the same traffic shape as Hotline and so measures the ceiling of
//!   the machine (and of the bench itself).
//! - `throughput`: customers send messages over HTTP while an operator
//!   receives them over a WebSocket; measures messages/s and latencies,
//!   against Hotline, the relay, or both.
//! - `idle`: opens many customer WebSockets and measures how much memory the
//!   server spends per idle connection.
//! - `routing`: times one assignment decision in process, with a deep queue.
//! - `day`: replays a day of arrivals against a running server and reports
//!   waits, SLA attainment, utilisation and the wait estimate's error.
//! - `kb-quality` and `kb-speed`: the help-center search engine on its own
//!   (no server): answer quality on the evaluation set against PostgreSQL
//!   full-text search, and re-index time and suggest latency at 10 000
//!   articles.
//! - `contacts`: how well the bot tells press, investors and partners from
//!   customers, on a labelled set.

mod auth;
mod contacts;
mod day;
mod idle;
mod kb_data;
mod kb_quality;
mod kb_speed;
mod net;
mod relay;
mod report;
mod reports;
mod routing;
mod soak;
mod throughput;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "hotline-bench",
    version,
    about = "Load scenarios for a running Hotline server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a bare relay server (POST /send → WebSocket /ws), the machine's ceiling.
    Relay(relay::Args),
    /// Customers send messages, an operator receives them: messages/s and latencies.
    Throughput(throughput::Args),
    /// Open many idle customer WebSockets and measure the server's memory per connection.
    Idle(idle::Args),
    /// Time one assignment decision with a deep queue and many operators (in process).
    Routing(routing::Args),
    /// Replay a day of arrivals and operator shifts against a running server.
    Day(day::Args),
    /// Cycles of load, kill -9 and restart: every acknowledged message and the audit chain must survive.
    Soak(soak::Args),
    /// Help-center search quality on the evaluation set, against PostgreSQL full-text search.
    KbQuality(kb_quality::Args),
    /// Help-center search speed: re-indexing 10 000 articles, suggest latency.
    KbSpeed(kb_speed::Args),
    /// Press, investors and partners told from customers: precision and recall on a labelled set.
    Contacts(contacts::Args),
    /// One report summary over many conversations: the store's read and the sums (in process).
    Reports(reports::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Relay(args) => relay::run(args).await,
        Command::Throughput(args) => throughput::run(args).await,
        Command::Idle(args) => idle::run(args).await,
        Command::Routing(args) => routing::run(args).await,
        Command::Day(args) => day::run(args).await,
        Command::Soak(args) => soak::run(args).await,
        Command::KbQuality(args) => kb_quality::run(args).await,
        Command::KbSpeed(args) => kb_speed::run(args),
        Command::Contacts(args) => contacts::run(args),
        Command::Reports(args) => reports::run(args).await,
    }
}
