//! Hotline's embedded backend: one SQLite file in WAL mode with `synchronous=FULL`,
//! one writer thread with group commit, and a small pool of readers.

mod customer_context;
mod error;
#[macro_use]
mod rows;
mod append;
mod audit;
pub mod backup;
mod callbacks;
mod canned;
mod channels;
mod claims;
mod kb;
pub mod migrations;
mod privacy;
mod queue;
mod read;
mod redaction;
mod reports;
mod routing_state;
mod search;
mod settings;
mod team;
mod webhooks;
mod writer;

use crate::append::SqliteWrite;
use crate::error::StoreResult;
use async_trait::async_trait;
use deadpool_sqlite::{Hook, HookError, Pool, Runtime};
use hotline_domain::{
    AttachmentId, Conversation, ConversationId, Department, DepartmentId, Event, EventPosition,
    Message, OperatorId, OperatorPrincipal,
};
use hotline_store::{
    AttachmentRecord, ChangeLifecycle, Conflict, ConversationFilter, EventBounds, EventPage,
    EventScope, EventSink, MessageQuery, NewAttachment, NewOperator, NewSession, OperatorRecord,
    PostMessage, Posted, RateConversation, StartConversation, Started, Store, StoreError, write,
};
use rows::*;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Arc;
use writer::{Work, Writer};

const READERS: usize = 4;

pub struct SqliteStore {
    writer: Writer,
    readers: Pool,
    log_id: String,
    queue: Arc<queue::QueueRuntime>,
}

fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    // FULL: a commit is on disk before any caller hears "ok".
    // temp_store: each job's savepoint journal stays in memory, not a temp file.
    // wal_autocheckpoint: checkpoint every ~16 MiB of WAL rather than every 4 MiB.
    // secure_delete: freed space is zeroed, so erased or redacted text does not
    // linger in free pages of the file (152-FZ erasure, split card numbers).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA temp_store = MEMORY;
         PRAGMA wal_autocheckpoint = 4000;
         PRAGMA secure_delete = ON;",
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Migrates the schema and returns the event log's name, made once.
fn migrate(conn: &mut Connection) -> StoreResult<String> {
    migrations::migrate(conn, migrations::MIGRATIONS)?;
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('log_id', ?1)",
        params![uuid::Uuid::new_v4().simple().to_string()],
    )?;
    Ok(
        conn.query_row("SELECT value FROM meta WHERE key = 'log_id'", [], |r| {
            r.get(0)
        })?,
    )
}

impl SqliteStore {
    /// Opens (creating and migrating when needed) the database at `path`;
    /// each commit's events go to `sink` once the commit is on disk.
    pub async fn open(
        path: impl AsRef<Path>,
        sink: Arc<dyn EventSink>,
    ) -> hotline_store::StoreResult<SqliteStore> {
        let path = path.as_ref().to_path_buf();
        let (conn, log_id, queue) = tokio::task::spawn_blocking({
            let path = path.clone();
            move || -> StoreResult<(Connection, String, queue::QueueRuntime)> {
                let mut conn = open_connection(&path)?;
                let log_id = migrate(&mut conn)?;
                let queue = queue::QueueRuntime::load(&conn)?;
                Ok((conn, log_id, queue))
            }
        })
        .await
        .map_err(StoreError::backend)??;

        let writer = Writer::spawn(conn, sink).map_err(StoreError::backend)?;
        let readers = deadpool_sqlite::Config::new(&path)
            .builder(Runtime::Tokio1)
            .map_err(StoreError::backend)?
            .max_size(READERS)
            .post_create(Hook::async_fn(|conn, _| {
                Box::pin(async move {
                    conn.interact(|c| {
                        c.set_prepared_statement_cache_capacity(64);
                        c.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;")
                    })
                    .await
                    .map_err(|e| HookError::message(e.to_string()))?
                    .map_err(HookError::Backend)
                })
            }))
            .build()
            .map_err(StoreError::backend)?;
        Ok(SqliteStore {
            writer,
            readers,
            log_id,
            queue: Arc::new(queue),
        })
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> hotline_store::StoreResult<T> {
        let conn = self.readers.get().await.map_err(StoreError::backend)?;
        Ok(conn.interact(f).await.map_err(StoreError::backend)??)
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection, &mut Vec<Event>) -> StoreResult<T> + Send + 'static,
    ) -> hotline_store::StoreResult<T> {
        let work: Work<T> = Box::new(f);
        self.writer.write(work).await
    }

    /// Runs a conversation write of `hotline_store::write` over this
    /// database's records.
    async fn write_conversation<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut SqliteWrite<'_>) -> StoreResult<T> + Send + 'static,
    ) -> hotline_store::StoreResult<T> {
        let queue = self.queue.clone();
        self.write(move |conn, events| {
            work(&mut SqliteWrite {
                conn,
                events,
                queue: &queue,
            })
        })
        .await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn sync_departments(&self, departments: &[Department]) -> hotline_store::StoreResult<()> {
        let departments = departments.to_vec();
        self.write(move |conn, _| {
            let mut upsert = conn.prepare_cached(
                "INSERT INTO departments (id, name, bot, topics, ordinal, audience)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, bot = excluded.bot,
                     topics = excluded.topics, ordinal = excluded.ordinal,
                     audience = excluded.audience",
            )?;
            for (ordinal, d) in departments.iter().enumerate() {
                upsert.execute(params![
                    d.id.as_str(),
                    d.name,
                    d.bot,
                    to_json(&d.topics)?,
                    ordinal as i64,
                    d.audience.as_str()
                ])?;
            }
            Ok(())
        })
        .await
    }

    async fn departments(&self) -> hotline_store::StoreResult<Vec<Department>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, bot, topics, audience FROM departments ORDER BY ordinal",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            rows.map(|row| {
                let (id, name, bot, topics, audience) = row?;
                Ok(Department {
                    id: parse_department(id)?,
                    name,
                    topics: from_json(&topics)?,
                    bot,
                    channels: None,
                    audience: hotline_domain::Audience::parse(&audience)
                        .ok_or_else(|| rows::corrupt("department audience"))?,
                })
            })
            .collect()
        })
        .await
    }

    async fn create_operator(
        &self,
        new: NewOperator,
    ) -> hotline_store::StoreResult<OperatorPrincipal> {
        let mut departments = new.departments;
        departments.sort();
        departments.dedup();
        self.write(move |conn, _| {
            let id = OperatorId::generate();
            let inserted = conn
                .prepare_cached(
                    "INSERT INTO operators (id, email, name, role, password_hash, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    id.as_str(),
                    new.email,
                    new.name,
                    new.role.as_str(),
                    new.password_hash,
                    now_micros()
                ]);
            match inserted {
                Err(e) if is_unique_violation(&e, "operators.email") => {
                    return Err(StoreError::Conflict(Conflict::OperatorEmailTaken).into());
                }
                other => other?,
            };
            let mut link = conn.prepare_cached(
                "INSERT INTO operator_departments (operator_id, department) VALUES (?1, ?2)",
            )?;
            for department in &departments {
                link.execute(params![id.as_str(), department.as_str()])?;
            }
            Ok(OperatorPrincipal {
                id,
                name: new.name,
                role: new.role,
                departments,
            })
        })
        .await
    }

    async fn operator_by_email(
        &self,
        email: &str,
    ) -> hotline_store::StoreResult<Option<OperatorRecord>> {
        let email = email.to_owned();
        self.read(move |conn| {
            let found = conn
                .prepare_cached(
                    "SELECT id, email, password_hash FROM operators
                     WHERE email = ?1 AND deactivated_at IS NULL",
                )?
                .query_row(params![email], |r| {
                    Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            let Some((id, email, password_hash)) = found else {
                return Ok(None);
            };
            let Some(operator) = load_operator(conn, &OperatorId::from_raw(id))? else {
                return Ok(None);
            };
            Ok(Some(OperatorRecord {
                operator,
                email,
                password_hash,
            }))
        })
        .await
    }

    async fn set_operator_departments(
        &self,
        id: &OperatorId,
        mut departments: Vec<DepartmentId>,
    ) -> hotline_store::StoreResult<OperatorPrincipal> {
        departments.sort();
        departments.dedup();
        let id = id.clone();
        self.write(move |conn, _| {
            if load_operator(conn, &id)?.is_none() {
                return Err(StoreError::NotFound.into());
            }
            conn.prepare_cached("DELETE FROM operator_departments WHERE operator_id = ?1")?
                .execute(params![id.as_str()])?;
            let mut link = conn.prepare_cached(
                "INSERT INTO operator_departments (operator_id, department) VALUES (?1, ?2)",
            )?;
            for department in &departments {
                link.execute(params![id.as_str(), department.as_str()])?;
            }
            Ok(load_operator(conn, &id)?.ok_or(StoreError::NotFound)?)
        })
        .await
    }

    async fn create_session(&self, session: NewSession) -> hotline_store::StoreResult<()> {
        self.write(move |conn, _| {
            conn.prepare_cached(
                "INSERT INTO sessions (token_hash, operator_id, expires_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![
                session.token_hash,
                session.operator_id.as_str(),
                session.expires_at_unix
            ])?;
            Ok(())
        })
        .await
    }

    async fn session_operator(
        &self,
        token_hash: &str,
        now_unix: i64,
    ) -> hotline_store::StoreResult<Option<OperatorPrincipal>> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| {
            let id: Option<String> = conn
                .prepare_cached(
                    "SELECT s.operator_id FROM sessions s JOIN operators o ON o.id = s.operator_id
                      WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND o.deactivated_at IS NULL",
                )?
                .query_row(params![token_hash, now_unix], |r| r.get(0))
                .optional()?;
            match id {
                Some(id) => load_operator(conn, &OperatorId::from_raw(id)),
                None => Ok(None),
            }
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> hotline_store::StoreResult<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |conn, _| {
            conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
                .execute(params![token_hash])?;
            Ok(())
        })
        .await
    }

    async fn start_conversation(
        &self,
        command: StartConversation,
    ) -> hotline_store::StoreResult<Started> {
        self.write_conversation(move |records| write::start_conversation(records, &command))
            .await
    }

    async fn post_message(&self, command: PostMessage) -> hotline_store::StoreResult<Posted> {
        self.write_conversation(move |records| write::post_message(records, &command))
            .await
    }

    async fn change_lifecycle(
        &self,
        command: ChangeLifecycle,
    ) -> hotline_store::StoreResult<Conversation> {
        self.write_conversation(move |records| write::change_lifecycle(records, &command))
            .await
    }

    async fn rate_conversation(
        &self,
        command: RateConversation,
    ) -> hotline_store::StoreResult<Conversation> {
        self.write_conversation(move |records| write::rate_conversation(records, &command))
            .await
    }

    async fn conversation(
        &self,
        id: &ConversationId,
    ) -> hotline_store::StoreResult<Option<Conversation>> {
        let id = id.clone();
        let queue = self.queue.clone();
        self.read(move |conn| Ok(load_conversation(conn, &id)?.map(|c| queue.with_place(c))))
            .await
    }

    async fn conversations(
        &self,
        filter: ConversationFilter,
    ) -> hotline_store::StoreResult<Vec<Conversation>> {
        let queue = self.queue.clone();
        self.read(move |conn| {
            let status = filter.status.map(|s| s.as_str());
            let department = filter.department.as_ref().map(|d| d.as_str().to_owned());
            let limit = filter.limit as i64;
            let (mut stmt, scope) = match &filter.scope {
                EventScope::Customer(id) => (
                    conn.prepare_cached(concat!(
                        "SELECT ",
                        conversation_columns!(),
                        " FROM conversations WHERE customer_id = ?1
                          AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR department = ?3)
                          ORDER BY updated_at DESC, id DESC LIMIT ?4"
                    ))?,
                    id.as_str().to_owned(),
                ),
                EventScope::Departments(departments) => (
                    conn.prepare_cached(concat!(
                        "SELECT ",
                        conversation_columns!(),
                        " FROM conversations WHERE department IN (SELECT value FROM json_each(?1))
                          AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR department = ?3)
                          ORDER BY updated_at DESC, id DESC LIMIT ?4"
                    ))?,
                    to_json(departments)?,
                ),
            };
            let rows = stmt.query_map(
                params![scope, status, department, limit],
                ConversationRow::read,
            )?;
            rows.map(|row| Ok(queue.with_place(row?.into_conversation()?)))
                .collect()
        })
        .await
    }

    async fn messages(&self, query: MessageQuery) -> hotline_store::StoreResult<Vec<Message>> {
        self.read(move |conn| {
            // Customers page by the public numbering, operators by the full one.
            let mut stmt = if query.include_internal {
                conn.prepare_cached(concat!(
                    "SELECT ",
                    message_columns!(),
                    " FROM messages WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
                ))?
            } else {
                conn.prepare_cached(concat!(
                    "SELECT ",
                    message_columns!(),
                    " FROM messages WHERE conversation_id = ?1 AND public_seq > ?2
                      ORDER BY seq LIMIT ?3"
                ))?
            };
            let rows = stmt.query_map(
                params![
                    query.conversation_id.as_str(),
                    query.after_seq,
                    query.limit as i64
                ],
                MessageRow::read,
            )?;
            rows.map(|row| row?.into_message()).collect()
        })
        .await
    }

    async fn put_attachment(&self, attachment: NewAttachment) -> hotline_store::StoreResult<()> {
        self.write(move |conn, _| {
            let info = &attachment.info;
            conn.prepare_cached(
                "INSERT INTO attachments (id, sha256, name, size, content_type, uploader_kind, uploader_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                info.id.as_str(),
                attachment.sha256,
                info.name,
                info.size as i64,
                info.content_type,
                attachment.uploader.kind,
                attachment.uploader.id,
                now_micros()
            ])?;
            Ok(())
        })
        .await
    }

    async fn attachment(
        &self,
        id: &AttachmentId,
    ) -> hotline_store::StoreResult<Option<AttachmentRecord>> {
        let id = id.clone();
        self.read(move |conn| load_attachment(conn, &id)).await
    }

    async fn events_after(
        &self,
        after: EventPosition,
        scope: &EventScope,
        limit: usize,
    ) -> hotline_store::StoreResult<EventPage> {
        let scope = scope.clone();
        self.read(move |conn| {
            // One read transaction, so `head` and the rows come from one snapshot.
            let tx = conn.transaction()?;
            let head: i64 =
                tx.query_row("SELECT COALESCE(MAX(position), 0) FROM events", [], |r| {
                    r.get(0)
                })?;
            let after_i = after.0 as i64;
            let limit_i = limit as i64;
            let events: Vec<Event> = {
                let (mut stmt, key) = match &scope {
                    EventScope::Customer(id) => (
                        tx.prepare_cached(concat!(
                            "SELECT ",
                            event_columns!(),
                            " FROM events WHERE customer_id = ?3 AND internal = 0
                              AND position > ?1 AND position <= ?2 ORDER BY position LIMIT ?4"
                        ))?,
                        id.as_str().to_owned(),
                    ),
                    EventScope::Departments(departments) => (
                        tx.prepare_cached(concat!(
                            "SELECT ",
                            event_columns!(),
                            " FROM events WHERE department IN (SELECT value FROM json_each(?3))
                              AND position > ?1 AND position <= ?2 ORDER BY position LIMIT ?4"
                        ))?,
                        to_json(departments)?,
                    ),
                };
                let rows = stmt.query_map(params![after_i, head, key, limit_i], EventRow::read)?;
                rows.map(|row| row?.into_event())
                    .collect::<StoreResult<_>>()?
            };
            tx.commit()?;
            let through = match events.last() {
                Some(last) if events.len() == limit => last.position,
                _ => EventPosition(head.max(after_i) as u64),
            };
            Ok(EventPage { events, through })
        })
        .await
    }

    async fn event_bounds(&self) -> hotline_store::StoreResult<EventBounds> {
        self.read(|conn| {
            let (oldest, head): (i64, i64) = conn.query_row(
                "SELECT COALESCE(MIN(position), 1), COALESCE(MAX(position), 0) FROM events",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(EventBounds {
                oldest: EventPosition(oldest as u64),
                head: EventPosition(head as u64),
            })
        })
        .await
    }

    fn log_id(&self) -> &str {
        &self.log_id
    }
}
