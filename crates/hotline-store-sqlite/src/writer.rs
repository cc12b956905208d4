//! The single writer with group commit.
//!
//! All writes go through one thread that owns the only writing connection.
//! It takes every job waiting in its queue, runs each inside its own
//! savepoint of one transaction, commits once (one fsync for the whole
//! batch), and only then hands the batch's events to the sink, in position
//! order, and answers the callers.
//! A failing job rolls back to its savepoint and does not disturb the others.

use crate::error::StoreResult;
use hotline_domain::Event;
use hotline_store::{EventSink, StoreError};
use rusqlite::Connection;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most jobs in one transaction; bounds the latency a batch adds.
const MAX_BATCH: usize = 512;
/// Jobs waiting for the writer; callers wait (back-pressure) beyond it.
const QUEUE_DEPTH: usize = 8192;

/// The work of one write: runs inside the transaction and appends the events
/// it causes.
pub(crate) type Work<T> = Box<dyn FnOnce(&Connection, &mut Vec<Event>) -> StoreResult<T> + Send>;

trait Job: Send {
    /// Runs the work; returns whether it succeeded (its changes stay).
    fn apply(&mut self, conn: &Connection, events: &mut Vec<Event>) -> bool;
    /// Answers the caller once the transaction's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

struct TypedJob<T> {
    work: Option<Work<T>>,
    outcome: Option<StoreResult<T>>,
    reply: oneshot::Sender<hotline_store::StoreResult<T>>,
}

impl<T: Send> Job for TypedJob<T> {
    fn apply(&mut self, conn: &Connection, events: &mut Vec<Event>) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let outcome = work(conn, events);
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), String>) {
        let answer = match (commit, self.outcome) {
            // A failed job changed nothing, whatever became of the batch.
            (_, Some(Err(own))) => Err(own.into()),
            (Ok(()), Some(done)) => done.map_err(StoreError::from),
            (Err(reason), _) => Err(StoreError::Backend(reason)),
            (Ok(()), None) => Err(StoreError::Backend("write was not run".into())),
        };
        let _ = self.reply.send(answer);
    }
}

#[derive(Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    pub(crate) fn spawn(conn: Connection, sink: Arc<dyn EventSink>) -> std::io::Result<Writer> {
        let (queue, jobs) = mpsc::channel(QUEUE_DEPTH);
        std::thread::Builder::new()
            .name("hotline-sqlite-writer".into())
            .spawn(move || run(conn, jobs, sink))?;
        Ok(Writer { queue })
    }

    /// Runs `work` in the next group commit; returns after the commit.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        work: Work<T>,
    ) -> hotline_store::StoreResult<T> {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(TypedJob {
            work: Some(work),
            outcome: None,
            reply,
        });
        self.queue
            .send(job)
            .await
            .map_err(|_| StoreError::Backend("the database writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Backend("the database writer has stopped".into()))?
    }
}

fn run(conn: Connection, mut jobs: mpsc::Receiver<Box<dyn Job>>, sink: Arc<dyn EventSink>) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    let mut events: Vec<Event> = Vec::new();
    while let Some(first) = jobs.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let commit = run_batch(&conn, &mut batch, &mut events);
        metrics::histogram!("hotline_store_commit_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("hotline_store_batch_jobs").record(batch.len() as f64);
        if commit.is_ok() {
            if !events.is_empty() {
                sink.publish(std::mem::take(&mut events));
            }
        } else {
            metrics::counter!("hotline_store_commit_failures_total").increment(1);
            events.clear();
        }
        tracing::trace!(jobs = batch.len(), "group commit");
        for job in batch.drain(..) {
            job.finish(commit.clone());
        }
    }
}

fn run_batch(
    conn: &Connection,
    batch: &mut [Box<dyn Job>],
    events: &mut Vec<Event>,
) -> Result<(), String> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| e.to_string())?;
    for job in batch.iter_mut() {
        let mark = events.len();
        let step = conn
            .execute_batch("SAVEPOINT job")
            .map(|()| job.apply(conn, events))
            .and_then(|ok| {
                if !ok {
                    events.truncate(mark);
                    conn.execute_batch("ROLLBACK TO job")?;
                }
                conn.execute_batch("RELEASE job")
            });
        if let Err(e) = step {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e.to_string());
        }
    }
    if let Err(e) = conn.execute_batch("COMMIT") {
        let _ = conn.execute_batch("ROLLBACK");
        return Err(e.to_string());
    }
    Ok(())
}
