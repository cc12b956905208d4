//! The answer bot: answers the first message of a conversation in a
//! department with articles, and takes the customer's verdict on it.

use super::contacts::Redirect;
use super::{HelpCenter, HelpCenterError};
use hotline_domain::{
    ArticleId, ArticleSuggestion, AuthorKind, Conversation, Message, MessageText,
};
use hotline_store::kb::{FeedbackOutcome, NewFeedback, PostBotMessage};
use hotline_store::{MessageQuery, Posted};

/// Said with suggestions.
pub const FOUND_TEXT: &str = "Возможно, ответ уже есть в этих статьях. Если вопрос решён, нажмите «Помогло». \
     Если нет — «Не помогло» или «Позвать оператора», и вам ответит сотрудник поддержки.";
/// Said when no article answers the question.
pub const NOTHING_TEXT: &str = "К сожалению, готового ответа на этот вопрос у меня нет. \
     Нажмите «Позвать оператора», и вам ответит сотрудник поддержки.";

/// Said when the customer tells that someone contacted them as support
/// elsewhere: the rule of official support and what to do now.
pub const IMPOSTOR_TEXT: &str = "Официальная поддержка пишет вам только здесь, в чате приложения после входа, \
     и никогда не просит коды из СМС, пароли, PIN или данные карты. Если вам позвонили или написали «из поддержки» \
     по телефону, в СМС или в мессенджере — это мошенники: прекратите разговор и ничего им не сообщайте. \
     Если вы уже что-то сообщили, сразу смените пароль и заблокируйте карту в приложении банка, \
     затем нажмите «Позвать оператора» — сотрудник поможет.";

/// Answers `question` (the customer's first message, as stored) in the
/// conversation: with up to three articles, or by saying it has none (and
/// recording the question as unanswered).
pub async fn answer(
    kb: &HelpCenter,
    conversation: &Conversation,
    question: &str,
) -> Result<Posted, HelpCenterError> {
    if hotline_guard::reports_impostor_contact(question) {
        return post(kb, conversation, IMPOSTOR_TEXT, Vec::new(), false).await;
    }
    let hits = kb.suggest(question, Some(&conversation.department))?;
    let suggestions: Vec<ArticleSuggestion> = hits
        .into_iter()
        .filter_map(|hit| {
            let id = ArticleId::parse(hit.id).ok()?;
            Some(ArticleSuggestion::of(id, hit.title))
        })
        .collect();
    if suggestions.is_empty() {
        kb.store()
            .record_feedback(NewFeedback {
                query: question.to_owned(),
                department: Some(conversation.department.clone()),
                articles: Vec::new(),
                outcome: FeedbackOutcome::NoAnswer,
                conversation_id: Some(conversation.id.clone()),
            })
            .await?;
    }
    let text = if suggestions.is_empty() {
        NOTHING_TEXT
    } else {
        FOUND_TEXT
    };
    post(kb, conversation, text, suggestions, false).await
}

/// Answers a journalist's, an investor's or a partner's `request` with
/// their address, and resolves the conversation in the same write.
pub async fn redirect(
    kb: &HelpCenter,
    conversation: &Conversation,
    redirect: &Redirect,
    request: &str,
) -> Result<Posted, HelpCenterError> {
    let posted = post(
        kb,
        conversation,
        &redirect.answer(request),
        Vec::new(),
        true,
    )
    .await?;
    crate::metrics::redirected(redirect.kind);
    Ok(posted)
}

async fn post(
    kb: &HelpCenter,
    conversation: &Conversation,
    text: &str,
    suggestions: Vec<ArticleSuggestion>,
    resolves: bool,
) -> Result<Posted, HelpCenterError> {
    let posted = kb
        .store()
        .post_bot_message(PostBotMessage {
            conversation_id: conversation.id.clone(),
            text: MessageText::parse(text.to_owned(), usize::MAX)
                .map_err(hotline_store::StoreError::from)?,
            suggestions,
            resolves,
        })
        .await?;
    crate::metrics::message_created(hotline_domain::AuthorKind::Bot);
    Ok(posted)
}

/// The bot's latest answer in `messages` (oldest first) and the customer's
/// question before it.
pub fn last_answer(messages: &[Message]) -> Option<(&Message, Option<&Message>)> {
    let at = messages
        .iter()
        .rposition(|m| m.author.kind == AuthorKind::Bot)?;
    let question = messages[..at]
        .iter()
        .rev()
        .find(|m| m.author.kind == AuthorKind::Customer);
    Some((&messages[at], question))
}

/// Records the customer's verdict on the bot's latest answer; returns
/// whether there was an answer with articles to rate.
pub async fn record_verdict(
    kb: &HelpCenter,
    conversation: &Conversation,
    helped: bool,
) -> Result<bool, HelpCenterError> {
    let messages = kb
        .store()
        .messages(MessageQuery {
            conversation_id: conversation.id.clone(),
            after_seq: 0,
            limit: 500,
            include_internal: false,
        })
        .await?;
    let Some((answer, Some(question))) = last_answer(&messages) else {
        return Ok(false);
    };
    if answer.suggestions.is_empty() {
        return Ok(false);
    }
    kb.store()
        .record_feedback(NewFeedback {
            query: question.text.clone(),
            department: Some(conversation.department.clone()),
            articles: answer.suggestions.iter().map(|s| s.id.clone()).collect(),
            outcome: if helped {
                FeedbackOutcome::Helped
            } else {
                FeedbackOutcome::NotHelped
            },
            conversation_id: Some(conversation.id.clone()),
        })
        .await?;
    Ok(true)
}
