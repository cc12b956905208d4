//! [`Store`] on PostgreSQL: departments, operators, sessions,
//! conversations, messages, attachments and the event log.

use crate::PostgresStore;
use crate::db::{Db, StoreResult};
use crate::queue::lock_routing;
use crate::rows::*;
use async_trait::async_trait;
use hotline_domain::{
    AttachmentId, Conversation, ConversationId, Department, DepartmentId, EventPosition, Message,
    OperatorId, OperatorPrincipal,
};
use hotline_store::{
    AttachmentRecord, ChangeLifecycle, Conflict, ConversationFilter, EventBounds, EventPage,
    EventScope, MessageQuery, NewAttachment, NewOperator, NewSession, OperatorRecord, PostMessage,
    Posted, RateConversation, StartConversation, Started, Store, StoreError, write,
};
use std::sync::Arc;

pub(crate) fn link_departments(
    db: &Db<'_>,
    operator: &OperatorId,
    departments: &[DepartmentId],
) -> StoreResult<()> {
    let departments: Vec<&str> = departments.iter().map(DepartmentId::as_str).collect();
    db.execute(
        "INSERT INTO operator_departments (operator_id, department) SELECT $1, unnest($2::text[])",
        &[&operator.as_str(), &departments],
    )?;
    Ok(())
}

fn scope_key(scope: &EventScope) -> (Option<&str>, Vec<&str>) {
    match scope {
        EventScope::Customer(id) => (Some(id.as_str()), Vec::new()),
        EventScope::Departments(departments) => {
            (None, departments.iter().map(DepartmentId::as_str).collect())
        }
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn sync_departments(&self, departments: &[Department]) -> hotline_store::StoreResult<()> {
        let departments = departments.to_vec();
        self.write(move |db, _| {
            for (ordinal, d) in departments.iter().enumerate() {
                db.execute(
                    "INSERT INTO departments (id, name, bot, topics, ordinal, audience)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, bot = excluded.bot,
                         topics = excluded.topics, ordinal = excluded.ordinal,
                         audience = excluded.audience",
                    &[
                        &d.id.as_str(),
                        &d.name,
                        &d.bot,
                        &to_json(&d.topics)?,
                        &(ordinal as i64),
                        &d.audience.as_str(),
                    ],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn departments(&self) -> hotline_store::StoreResult<Vec<Department>> {
        self.read(|db| {
            db.query(
                "SELECT id, name, bot, topics, audience FROM departments ORDER BY ordinal",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(Department {
                    id: parse_department(r.try_get(0)?)?,
                    name: r.try_get(1)?,
                    bot: r.try_get(2)?,
                    channels: None,
                    audience: parse_audience(r.try_get(4)?)?,
                    topics: json(r, 3)?,
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
        let mut departments = new.departments.clone();
        departments.sort();
        departments.dedup();
        self.write(move |db, _| {
            let id = OperatorId::generate();
            let inserted = db.execute(
                "INSERT INTO operators (id, email, name, role, password_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &id.as_str(),
                    &new.email,
                    &new.name,
                    &new.role.as_str(),
                    &new.password_hash,
                    &now_micros(),
                ],
            );
            match inserted {
                Err(e) if e.violates("operators_email_key") => {
                    return Err(StoreError::Conflict(Conflict::OperatorEmailTaken).into());
                }
                other => other?,
            };
            link_departments(db, &id, &departments)?;
            Ok(OperatorPrincipal {
                id,
                name: new.name.clone(),
                role: new.role,
                departments: departments.clone(),
            })
        })
        .await
    }

    async fn operator_by_email(
        &self,
        email: &str,
    ) -> hotline_store::StoreResult<Option<OperatorRecord>> {
        let email = email.to_owned();
        self.read(move |db| {
            let Some(row) = db.query_opt(
                "SELECT id, email, password_hash FROM operators
                 WHERE email = $1 AND deactivated_at IS NULL",
                &[&email],
            )?
            else {
                return Ok(None);
            };
            let id = OperatorId::from_raw(row.try_get::<_, String>(0)?);
            let Some(operator) = load_operator(db, &id)? else {
                return Ok(None);
            };
            Ok(Some(OperatorRecord {
                operator,
                email: row.try_get(1)?,
                password_hash: row.try_get(2)?,
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
        self.write(move |db, _| {
            // Routing reads an operator's departments when it decides.
            lock_routing(db)?;
            if load_operator(db, &id)?.is_none() {
                return Err(StoreError::NotFound.into());
            }
            db.execute(
                "DELETE FROM operator_departments WHERE operator_id = $1",
                &[&id.as_str()],
            )?;
            link_departments(db, &id, &departments)?;
            Ok(load_operator(db, &id)?.ok_or(StoreError::NotFound)?)
        })
        .await
    }

    async fn create_session(&self, session: NewSession) -> hotline_store::StoreResult<()> {
        self.write(move |db, _| {
            db.execute(
                "INSERT INTO sessions (token_hash, operator_id, expires_at) VALUES ($1, $2, $3)",
                &[
                    &session.token_hash,
                    &session.operator_id.as_str(),
                    &session.expires_at_unix,
                ],
            )?;
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
        self.read(move |db| {
            let row = db.query_opt(
                "SELECT s.operator_id FROM sessions s JOIN operators o ON o.id = s.operator_id
                  WHERE s.token_hash = $1 AND s.expires_at > $2 AND o.deactivated_at IS NULL",
                &[&token_hash, &now_unix],
            )?;
            match row {
                Some(row) => load_operator(db, &OperatorId::from_raw(row.try_get::<_, String>(0)?)),
                None => Ok(None),
            }
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> hotline_store::StoreResult<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |db, _| {
            db.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
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
        self.read(move |db| {
            load_conversation(db, &id)?
                .map(|c| queue.with_place(db, c))
                .transpose()
        })
        .await
    }

    async fn conversations(
        &self,
        filter: ConversationFilter,
    ) -> hotline_store::StoreResult<Vec<Conversation>> {
        let queue = self.queue.clone();
        self.read(move |db| {
            let status = filter.status.map(|s| s.as_str());
            let department = filter.department.as_ref().map(DepartmentId::as_str);
            let (customer, departments) = scope_key(&filter.scope);
            let limit = filter.limit as i64;
            // One statement per scope, so that each can use its index.
            let rows = match customer {
                Some(customer) => db.query(
                    concat!(
                        "SELECT ",
                        conversation_columns!(),
                        " FROM conversations WHERE customer_id = $1
                          AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR department = $3)
                          ORDER BY updated_at DESC, id DESC LIMIT $4"
                    ),
                    &[&customer, &status, &department, &limit],
                )?,
                None => db.query(
                    concat!(
                        "SELECT ",
                        conversation_columns!(),
                        " FROM conversations WHERE department = ANY($1::text[])
                          AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR department = $3)
                          ORDER BY updated_at DESC, id DESC LIMIT $4"
                    ),
                    &[&departments, &status, &department, &limit],
                )?,
            };
            let conversations = rows
                .iter()
                .map(read_conversation)
                .collect::<StoreResult<Vec<_>>>()?;
            queue.with_places(db, conversations)
        })
        .await
    }

    async fn messages(&self, query: MessageQuery) -> hotline_store::StoreResult<Vec<Message>> {
        self.read(move |db| {
            // Customers page by the public numbering, operators by the full one.
            let sql = if query.include_internal {
                concat!(
                    "SELECT ",
                    message_columns!(),
                    " FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
                )
            } else {
                concat!(
                    "SELECT ",
                    message_columns!(),
                    " FROM messages WHERE conversation_id = $1 AND public_seq > $2
                      ORDER BY seq LIMIT $3"
                )
            };
            db.query(
                sql,
                &[
                    &query.conversation_id.as_str(),
                    &query.after_seq,
                    &(query.limit as i64),
                ],
            )?
            .iter()
            .map(read_message)
            .collect()
        })
        .await
    }

    async fn put_attachment(&self, attachment: NewAttachment) -> hotline_store::StoreResult<()> {
        self.write(move |db, _| {
            let info = &attachment.info;
            db.execute(
                "INSERT INTO attachments (id, sha256, name, size, content_type, uploader_kind, uploader_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &info.id.as_str(),
                    &attachment.sha256,
                    &info.name,
                    &(info.size as i64),
                    &info.content_type,
                    &attachment.uploader.kind,
                    &attachment.uploader.id,
                    &now_micros(),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn attachment(
        &self,
        id: &AttachmentId,
    ) -> hotline_store::StoreResult<Option<AttachmentRecord>> {
        let id = id.clone();
        self.read(move |db| load_attachment(db, &id)).await
    }

    fn keeps_attachment_contents(&self) -> bool {
        true
    }

    async fn put_attachment_content(
        &self,
        sha256: &str,
        content: Vec<u8>,
    ) -> hotline_store::StoreResult<()> {
        let sha256 = sha256.to_owned();
        let content = Arc::new(content);
        self.write(move |db, _| {
            db.execute(
                "INSERT INTO attachment_contents (sha256, content) VALUES ($1, $2)
                 ON CONFLICT (sha256) DO NOTHING",
                &[&sha256, &content.as_slice()],
            )?;
            Ok(())
        })
        .await
    }

    async fn attachment_content(
        &self,
        sha256: &str,
    ) -> hotline_store::StoreResult<Option<Vec<u8>>> {
        let sha256 = sha256.to_owned();
        self.read(move |db| {
            db.query_opt(
                "SELECT content FROM attachment_contents WHERE sha256 = $1",
                &[&sha256],
            )?
            .map(|row| Ok(row.try_get::<_, Vec<u8>>(0)?))
            .transpose()
        })
        .await
    }

    async fn events_after(
        &self,
        after: EventPosition,
        scope: &EventScope,
        limit: usize,
    ) -> hotline_store::StoreResult<EventPage> {
        let scope = scope.clone();
        self.read(move |db| {
            // One snapshot (the read transaction's), so `head` and the rows agree.
            let head: i64 = db
                .query_one("SELECT COALESCE(MAX(position), 0) FROM events", &[])?
                .try_get(0)?;
            let after_i = after.0 as i64;
            let (customer, departments) = scope_key(&scope);
            let rows = match customer {
                Some(customer) => db.query(
                    concat!(
                        "SELECT ",
                        event_columns!(),
                        " FROM events WHERE customer_id = $3 AND NOT internal
                          AND position > $1 AND position <= $2 ORDER BY position LIMIT $4"
                    ),
                    &[&after_i, &head, &customer, &(limit as i64)],
                )?,
                None => db.query(
                    concat!(
                        "SELECT ",
                        event_columns!(),
                        " FROM events WHERE department = ANY($3::text[])
                          AND position > $1 AND position <= $2 ORDER BY position LIMIT $4"
                    ),
                    &[&after_i, &head, &departments, &(limit as i64)],
                )?,
            };
            let events = rows
                .iter()
                .map(read_event)
                .collect::<StoreResult<Vec<_>>>()?;
            let through = match events.last() {
                Some(last) if events.len() == limit => last.position,
                _ => EventPosition(head.max(after_i) as u64),
            };
            Ok(EventPage { events, through })
        })
        .await
    }

    async fn event_bounds(&self) -> hotline_store::StoreResult<EventBounds> {
        self.read(|db| {
            let row = db.query_one(
                "SELECT COALESCE(MIN(position), 1), COALESCE(MAX(position), 0) FROM events",
                &[],
            )?;
            Ok(EventBounds {
                oldest: EventPosition(row.try_get::<_, i64>(0)? as u64),
                head: EventPosition(row.try_get::<_, i64>(1)? as u64),
            })
        })
        .await
    }

    fn log_id(&self) -> &str {
        &self.log_id
    }
}
