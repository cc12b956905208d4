//! The social channels' use cases (Telegram, VK): a chat's message becomes
//! a message of an ordinary conversation through [`App::start_conversation`]
//! and [`App::post_message`], like the widget's; linking a chat to the
//! customer's account; and the outbox that carries replies back.
//!
//! A chat nobody linked is a guest ([`SocialChat::guest_id`]): it gets the
//! bot's and the operators' general answers, never a customer's context,
//! since no identity token vouches for it. Linking takes a one-time code
//! that the customer opens in the logged-in app; from then on the chat
//! writes as that customer (whose open conversations it joins), until they
//! unlink it.

use crate::App;
use crate::conversations::{MessageDraft, NewConversation};
use crate::error::{AppError, AppResult};
use hotline_domain::{
    Channel, ConversationId, CustomerIdentity, ErrorCode, Principal, SocialChat, Status,
};
use hotline_store::channels::{ChatRecord, Delivery, NewLinkCode, NewOutbound};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::Notify;

/// How long a link code stays valid.
pub const LINK_CODE_LIFETIME: time::Duration = time::Duration::minutes(15);

/// A channel as configured: where its chats' conversations go and how
/// customers link their chats.
#[derive(Debug, Clone)]
pub struct Desk {
    pub channel: Channel,
    pub department: String,
    /// The page of the logged-in app that links a chat, with `{code}` where
    /// the one-time code goes; `None`: linking is not offered.
    pub link_url: Option<String>,
    /// Woken when the outbox has new rows.
    pub outbox: Arc<Notify>,
}

/// An update from a platform, parsed by its adapter.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub chat: SocialChat,
    /// The name the platform gives the chat's user.
    pub display_name: String,
    /// The platform's id of the update (Telegram `update_id`, VK
    /// `event_id`): a retried update is taken in once.
    pub event_id: String,
    pub content: InboundContent,
}

#[derive(Debug, Clone)]
pub enum InboundContent {
    /// Text and files (uploaded by the adapter as [`App::chat_principal`]).
    Message {
        text: String,
        attachment_ids: Vec<String>,
    },
    Command(Command),
}

/// What the chat's buttons and commands ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// The first contact (`/start`): a greeting.
    Start,
    /// «Привязать аккаунт».
    Link,
    /// «Отвязать аккаунт».
    Unlink,
    /// «Позвать оператора».
    Operator,
}

/// The buttons' labels; a chat that sends one of them gives the command.
pub const LINK_LABEL: &str = "Привязать аккаунт";
pub const UNLINK_LABEL: &str = "Отвязать аккаунт";
pub const OPERATOR_LABEL: &str = "Позвать оператора";

impl Command {
    /// The command a chat's text (a button's label or `/command`) gives.
    pub fn of_text(text: &str) -> Option<Command> {
        let text = text.trim();
        let command = text.split(['@', ' ']).next().unwrap_or_default();
        match command {
            "/start" | "Начать" | "Start" => Some(Command::Start),
            "/link" => Some(Command::Link),
            "/unlink" => Some(Command::Unlink),
            "/operator" => Some(Command::Operator),
            _ => match text {
                LINK_LABEL => Some(Command::Link),
                UNLINK_LABEL => Some(Command::Unlink),
                OPERATOR_LABEL => Some(Command::Operator),
                _ => None,
            },
        }
    }
}

/// What became of an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakenIn {
    /// Taken in before: nothing was done again.
    Duplicate,
    /// The message is in this conversation.
    Message(ConversationId),
    /// A command was answered (through the outbox).
    Command,
    /// The update was refused by a rule (told to the chat); it is not retried.
    Refused(ErrorCode),
}

fn sha256_hex(raw: &str) -> String {
    Sha256::digest(raw.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The identity a guest chat writes with: no contact facts, no login.
fn guest(record: &ChatRecord) -> CustomerIdentity {
    let mut name = record.display_name.clone();
    crate::security::mask_name(&mut name);
    CustomerIdentity {
        id: record.chat.guest_id(),
        name,
        email: None,
        phone: None,
        amr: Vec::new(),
        auth_time: None,
        tier: None,
    }
}

const GREETING: &str = "Здравствуйте! Это служба поддержки. Напишите свой вопрос — \
    ответим здесь. Пока аккаунт не привязан, мы отвечаем на общие вопросы и не видим ваших заказов.";
const GREETING_LINKED: &str = "Здравствуйте! Напишите свой вопрос — ответим здесь.";
const ASK_FIRST: &str = "Напишите свой вопрос, и мы передадим его оператору.";
const HANDED_OFF: &str = "Передали ваш вопрос оператору, он ответит здесь.";
const WITH_OPERATOR: &str = "Ваш вопрос уже у операторов, ответим здесь.";
const NO_LINKING: &str = "Привязать аккаунт здесь пока нельзя: напишите нам из приложения.";
const ALREADY_LINKED: &str = "Этот чат уже привязан к вашему аккаунту.";
const NOT_LINKED: &str = "Этот чат не привязан к аккаунту.";
const UNLINKED: &str = "Чат отвязан от аккаунта. Заказы здесь больше не видны.";
const LINKED: &str = "Аккаунт привязан: теперь здесь ваш полный чат поддержки.";

/// What the chat is told when a rule refuses its message.
fn refusal(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::StepUpRequired => {
            "Этот вопрос можно обсудить только в приложении, после входа с кодом."
        }
        ErrorCode::TooLong => "Сообщение слишком длинное, разделите его на несколько.",
        ErrorCode::InvalidAttachment
        | ErrorCode::UnsupportedAttachmentType
        | ErrorCode::AttachmentTooLarge => {
            "Этот файл не получилось принять: пришлите фото или PDF поменьше."
        }
        _ => "Не получилось принять сообщение. Попробуйте написать иначе.",
    }
}

impl App {
    /// The chat's record and whom it writes as: the linked customer, or
    /// the chat's guest.
    pub async fn chat_principal(
        &self,
        chat: &SocialChat,
        display_name: &str,
    ) -> AppResult<(ChatRecord, Principal)> {
        let record = self.store.touch_chat(chat, display_name).await?;
        let identity = match &record.linked {
            Some(linked) => linked.customer.clone(),
            None => guest(&record),
        };
        Ok((record, Principal::Customer(identity)))
    }

    /// Takes in one update of a social chat, once however often the
    /// platform sends it. `Ok` means it is durable (the caller may answer
    /// the platform 200); an update a rule refuses is `Ok` too, with the
    /// reason told to the chat, so the platform does not retry it forever.
    pub async fn take_in(&self, desk: &Desk, inbound: Inbound) -> AppResult<TakenIn> {
        let channel = inbound.chat.channel;
        if self.store.inbound_seen(channel, &inbound.event_id).await? {
            return Ok(TakenIn::Duplicate);
        }
        let (record, principal) = self
            .chat_principal(&inbound.chat, &inbound.display_name)
            .await?;
        let taken = match inbound.content {
            InboundContent::Command(command) => {
                self.command(desk, &record, &principal, &inbound.event_id, command)
                    .await?;
                TakenIn::Command
            }
            InboundContent::Message {
                text,
                attachment_ids,
            } => {
                let draft = MessageDraft {
                    // The update's id makes a retry the same send.
                    client_msg_id: format!("{}-{}", channel.as_str(), inbound.event_id),
                    text,
                    internal: false,
                    attachment_ids,
                };
                match self.write_from_chat(desk, &record, &principal, draft).await {
                    Ok(conversation) => TakenIn::Message(conversation),
                    Err(e) if e.kind != crate::ErrorKind::Internal => {
                        tracing::info!(channel = channel.as_str(), code = %e.code, "a social message was refused");
                        self.notify(&record.chat, &inbound.event_id, refusal(e.code))
                            .await?;
                        desk.outbox.notify_one();
                        TakenIn::Refused(e.code)
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        self.store
            .record_inbound(channel, &inbound.event_id, time::OffsetDateTime::now_utc())
            .await?;
        if matches!(taken, TakenIn::Command) {
            desk.outbox.notify_one();
        }
        Ok(taken)
    }

    /// The chat's message into its current conversation while that is
    /// open, else into a new one (which may join the customer's open
    /// duplicate); the conversation's replies then go to the chat.
    async fn write_from_chat(
        &self,
        desk: &Desk,
        record: &ChatRecord,
        principal: &Principal,
        draft: MessageDraft,
    ) -> AppResult<ConversationId> {
        if let Some(current) = self.open_chat_conversation(record, principal).await? {
            self.post_message(principal, current.clone(), draft).await?;
            return Ok(current);
        }
        let started = self
            .start_conversation(
                principal,
                NewConversation {
                    department: desk.department.clone(),
                    topic: None,
                    order_id: None,
                    claimed_orders: None,
                    message: draft,
                },
            )
            .await?;
        let id = started.started.conversation.id;
        self.store.attach_conversation(&record.chat, &id).await?;
        Ok(id)
    }

    /// The chat's current conversation, if it is still open and the chat's
    /// writer may write to it.
    async fn open_chat_conversation(
        &self,
        record: &ChatRecord,
        principal: &Principal,
    ) -> AppResult<Option<ConversationId>> {
        let Some(id) = &record.conversation_id else {
            return Ok(None);
        };
        let open = self
            .store
            .conversation(id)
            .await?
            .filter(|c| c.status != Status::Resolved && principal.can_access(c));
        Ok(open.map(|c| c.id))
    }

    async fn command(
        &self,
        desk: &Desk,
        record: &ChatRecord,
        principal: &Principal,
        event_id: &str,
        command: Command,
    ) -> AppResult<()> {
        let chat = &record.chat;
        let reply = match command {
            Command::Start if record.linked.is_some() => GREETING_LINKED.to_owned(),
            Command::Start => GREETING.to_owned(),
            Command::Link if record.linked.is_some() => ALREADY_LINKED.to_owned(),
            Command::Link => match &desk.link_url {
                None => NO_LINKING.to_owned(),
                Some(template) => {
                    let code = uuid::Uuid::new_v4().simple().to_string();
                    self.store
                        .create_link_code(NewLinkCode {
                            chat: chat.clone(),
                            code_sha256: sha256_hex(&code),
                            expires_at: time::OffsetDateTime::now_utc() + LINK_CODE_LIFETIME,
                        })
                        .await?;
                    format!(
                        "Чтобы привязать этот чат к аккаунту, откройте ссылку в приложении, где вы вошли: {}\n\
                         Ссылка действует 15 минут и открывается один раз. Никому её не пересылайте.",
                        template.replace("{code}", &code)
                    )
                }
            },
            Command::Unlink => match &record.linked {
                None => NOT_LINKED.to_owned(),
                Some(linked) => {
                    self.unlink_chat(&Principal::Customer(linked.customer.clone()), chat)
                        .await?;
                    UNLINKED.to_owned()
                }
            },
            Command::Operator => match self.open_chat_conversation(record, principal).await? {
                None => ASK_FIRST.to_owned(),
                Some(id) => {
                    let status = self.store.conversation(&id).await?.map(|c| c.status);
                    if status == Some(Status::Bot) {
                        self.rate_bot_answer(principal, &id, false).await?;
                        HANDED_OFF.to_owned()
                    } else {
                        WITH_OPERATOR.to_owned()
                    }
                }
            },
        };
        self.notify(chat, event_id, &reply).await
    }

    /// Queues a notice for the chat, once per update it answers.
    async fn notify(&self, chat: &SocialChat, answering: &str, text: &str) -> AppResult<()> {
        self.store
            .enqueue_outbound(
                vec![NewOutbound {
                    chat: chat.clone(),
                    key: format!("notice-{answering}"),
                    delivery: Delivery::Notice { text: text.into() },
                }],
                None,
                time::OffsetDateTime::now_utc(),
            )
            .await?;
        Ok(())
    }

    /// The logged-in customer opens a chat's link code: the chat is theirs
    /// from now on (audited), and is told so.
    pub async fn link_chat(&self, principal: &Principal, code: &str) -> AppResult<SocialChat> {
        let Principal::Customer(customer) = principal else {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "only customers link their social chats",
            ));
        };
        let now = time::OffsetDateTime::now_utc();
        let chat = self
            .store
            .link_chat(&sha256_hex(code.trim()), customer, now)
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    ErrorCode::InvalidLinkCode,
                    "the link is unknown, used or expired; ask the chat for a new one",
                )
            })?;
        self.audit_by(
            principal,
            "channel.linked",
            Some(&chat.guest_id().to_string()),
            serde_json::json!({ "channel": chat.channel.as_str(), "chat_id": chat.chat_id }),
        )
        .await?;
        self.notify(
            &chat,
            &format!("linked-{}", now.unix_timestamp_nanos()),
            LINKED,
        )
        .await?;
        Ok(chat)
    }

    /// The customer's linked chats.
    pub async fn linked_chats(&self, principal: &Principal) -> AppResult<Vec<ChatRecord>> {
        match principal {
            Principal::Customer(customer) => Ok(self.store.linked_chats(&customer.id).await?),
            Principal::Operator(_) => Ok(Vec::new()),
        }
    }

    /// The customer unlinks one of their chats (audited); `NotFound` when
    /// it is not linked to them.
    pub async fn unlink_chat(&self, principal: &Principal, chat: &SocialChat) -> AppResult<()> {
        let Principal::Customer(customer) = principal else {
            return Err(AppError::not_found());
        };
        if !self.store.unlink_chat(chat, &customer.id).await? {
            return Err(AppError::not_found());
        }
        self.audit_by(
            principal,
            "channel.unlinked",
            Some(&chat.guest_id().to_string()),
            serde_json::json!({ "channel": chat.channel.as_str(), "chat_id": chat.chat_id }),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::Command;

    #[test]
    fn buttons_and_commands_are_recognised() {
        assert_eq!(Command::of_text("/start"), Some(Command::Start));
        assert_eq!(Command::of_text("/link@support_bot"), Some(Command::Link));
        assert_eq!(
            Command::of_text(" Позвать оператора "),
            Some(Command::Operator)
        );
        assert_eq!(Command::of_text("Отвязать аккаунт"), Some(Command::Unlink));
        assert_eq!(Command::of_text("где мой заказ"), None);
        assert_eq!(Command::of_text("/linkage"), None);
    }
}
