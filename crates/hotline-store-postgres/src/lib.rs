//! Hotline's shared backend: the [`Store`] traits on PostgreSQL, so that
//! several nodes can serve one database.
//!
//! What a single SQLite writer gives for free is kept here with locks:
//!
//! - event positions are dense and appear in order across every node (a
//!   row-locked head of the log, taken last in each transaction: [`log`]);
//! - writers of one conversation take turns on its row (`FOR UPDATE`), so
//!   `seq`s have no gaps and idempotency by `client_msg_id` holds (a unique
//!   key; a racing duplicate is retried and answered with the original);
//! - routing decisions (assignment, capacity, queue places) take turns on one
//!   row (`routing_turn`) and read and write their state in tables, so no
//!   conversation is assigned twice and no capacity is exceeded ([`queue`]).

#[macro_use]
mod rows;
mod append;
mod audit;
mod callbacks;
mod canned;
mod channels;
mod claims;
mod customer_context;
mod db;
mod kb;
mod log;
pub mod migrations;
mod privacy;
mod queue;
mod read;
mod redaction;
mod reports;
mod search;
mod settings;
mod store;
mod team;
mod webhooks;

use crate::db::{Db, StoreResult};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use hotline_domain::Event;
use hotline_store::{EventSink, StoreError};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::runtime::Handle;
use tokio_postgres::IsolationLevel;

/// Connections one store handle keeps open at most.
const POOL_SIZE: usize = 16;
/// How long opening a connection may take, unless the URL says
/// (`connect_timeout=`).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Runs of one operation when PostgreSQL asks to retry it (serialization
/// failure, deadlock, a racing duplicate send).
const MAX_ATTEMPTS: u32 = 8;

pub struct PostgresStore {
    pool: Pool,
    sink: Arc<dyn EventSink>,
    /// Held from a transaction's head update to the hand-over of its events,
    /// so that this handle's sink gets its commits in position order.
    publishing: Arc<Mutex<()>>,
    log_id: String,
    queue: Arc<queue::QueueRuntime>,
}

/// Whether an operation writes; reads run in one read-only snapshot.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Write,
}

impl PostgresStore {
    /// Opens the database at `url` (`postgres://user@host:port/db`),
    /// migrating it when needed; each commit's events go to `sink` once the
    /// commit is durable.
    pub async fn open(
        url: &str,
        sink: Arc<dyn EventSink>,
    ) -> hotline_store::StoreResult<PostgresStore> {
        let mut config: tokio_postgres::Config = url.parse().map_err(StoreError::backend)?;
        if config.get_connect_timeout().is_none() {
            // An unreachable server fails the operation rather than hanging it.
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(StoreError::backend)?;
        let mut store = PostgresStore {
            pool,
            sink,
            publishing: Arc::new(Mutex::new(())),
            log_id: String::new(),
            queue: Arc::new(queue::QueueRuntime::default()),
        };
        store.log_id = store.migrate().await?;
        Ok(store)
    }

    /// Applies the pending migrations; returns the event log's name, made once.
    async fn migrate(&self) -> hotline_store::StoreResult<String> {
        {
            let mut client = self.pool.get().await.map_err(StoreError::backend)?;
            migrations::migrate(&mut client, migrations::MIGRATIONS).await?;
        }
        let candidate = uuid::Uuid::new_v4().simple().to_string();
        self.run(Mode::Write, move |db, _| {
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('log_id', $1) ON CONFLICT (key) DO NOTHING",
                &[&candidate],
            )?;
            Ok(db
                .query_one("SELECT value FROM meta WHERE key = 'log_id'", &[])?
                .try_get(0)?)
        })
        .await
    }

    async fn read<T: Send + 'static>(
        &self,
        work: impl Fn(&Db<'_>) -> StoreResult<T> + Send + Sync + 'static,
    ) -> hotline_store::StoreResult<T> {
        self.run(Mode::Read, move |db, _| work(db)).await
    }

    async fn write<T: Send + 'static>(
        &self,
        work: impl Fn(&Db<'_>, &mut Vec<Event>) -> StoreResult<T> + Send + Sync + 'static,
    ) -> hotline_store::StoreResult<T> {
        self.run(Mode::Write, work).await
    }

    /// Runs a conversation write of `hotline_store::write` over this
    /// database's records.
    async fn write_conversation<T: Send + 'static>(
        &self,
        work: impl Fn(&mut append::PgWrite<'_, '_>) -> StoreResult<T> + Send + Sync + 'static,
    ) -> hotline_store::StoreResult<T> {
        let queue = self.queue.clone();
        self.write(move |db, events| {
            work(&mut append::PgWrite {
                db,
                events,
                queue: &queue,
            })
        })
        .await
    }

    /// Runs `work` in one transaction on a blocking thread, again from the
    /// start when PostgreSQL asks for a retry; then commits and hands the
    /// events over.
    async fn run<T: Send + 'static>(
        &self,
        mode: Mode,
        work: impl Fn(&Db<'_>, &mut Vec<Event>) -> StoreResult<T> + Send + Sync + 'static,
    ) -> hotline_store::StoreResult<T> {
        let mut client = self.pool.get().await.map_err(StoreError::backend)?;
        let runtime = Handle::current();
        let sink = self.sink.clone();
        let publishing = self.publishing.clone();
        tokio::task::spawn_blocking(move || {
            let mut attempt = 1;
            loop {
                match run_once(&mut client, &runtime, mode, &work, &publishing, &*sink) {
                    Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => {
                        metrics::counter!("hotline_store_retries_total").increment(1);
                        attempt += 1;
                    }
                    outcome => return outcome.map_err(StoreError::from),
                }
            }
        })
        .await
        .map_err(StoreError::backend)?
    }
}

fn run_once<T>(
    client: &mut deadpool_postgres::Object,
    runtime: &Handle,
    mode: Mode,
    work: &impl Fn(&Db<'_>, &mut Vec<Event>) -> StoreResult<T>,
    publishing: &Mutex<()>,
    sink: &dyn EventSink,
) -> StoreResult<T> {
    let builder = client.build_transaction();
    let builder = match mode {
        Mode::Read => builder
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true),
        Mode::Write => builder.isolation_level(IsolationLevel::ReadCommitted),
    };
    let tx = runtime.block_on(builder.start())?;
    let mut events = Vec::new();
    let value = {
        let db = Db::new(&tx, runtime);
        work(&db, &mut events)?
    };
    if events.is_empty() {
        runtime.block_on(tx.commit())?;
        return Ok(value);
    }
    let _turn = publishing.lock().unwrap_or_else(PoisonError::into_inner);
    {
        let db = Db::new(&tx, runtime);
        log::append_pending(&db, &mut events)?;
    }
    runtime.block_on(tx.commit())?;
    sink.publish(events);
    Ok(value)
}
