//! The regulator dossier («Скачать для регулятора»): one ZIP with what a
//! regulator asks a customer for — the dialogue as the customer saw it
//! (`transcript.pdf`), the claim with its number and deadlines
//! (`claim.json`), the files sent (`attachments/`), and `manifest.json`
//! with the SHA-256 of every other file, so that a copy can be checked.
//!
//! It is read through the one door with [`Purpose::Dossier`]: whoever may
//! read the conversation may download it, and every download is in the
//! audit log.

mod transcript;

use crate::App;
use crate::claims::ClaimRecord;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::files::Files;
use crate::reading::Purpose;
use hotline_domain::claims::{ClaimChannel, ClaimId, ClaimType};
use hotline_domain::{
    AuthorKind, Conversation, ConversationId, ErrorCode, Message, Principal, Timestamp,
};
use hotline_store::MessageQuery;
use hotline_store::claims::ClaimFilter;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;
use time::UtcOffset;
use time::format_description::well_known::Rfc3339;
use transcript::{Entry, Transcript};

/// Debian's `fonts-dejavu-core`: DejaVu Sans covers Cyrillic, and its
/// licence (Bitstream Vera's, permissive) lets it be embedded.
pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// Messages read from the store at once.
const PAGE: usize = 500;
/// A conversation's claims in one dossier at most (far above any real one).
const MAX_CLAIMS: usize = 1000;

/// A dossier, ready to hand out.
#[derive(Debug, Clone)]
pub struct Dossier {
    /// ASCII only, so that every browser saves it under this name.
    pub file_name: String,
    /// The ZIP.
    pub bytes: Vec<u8>,
}

/// Whether the dossier's font is there and shows Cyrillic; the message
/// says what to install when not.
pub fn check_font(path: &Path) -> Result<(), String> {
    read_font(path).map(|_| ())
}

fn read_font(path: &Path) -> Result<Vec<u8>, String> {
    let hint = format!(
        "the regulator dossier's PDF font {} {{}}: install Debian's fonts-dejavu-core \
         (apt-get install fonts-dejavu-core) or set claims.dossier_font \
         (HOTLINE_CLAIMS__DOSSIER_FONT) to a TrueType font with Cyrillic",
        path.display()
    );
    let font =
        std::fs::read(path).map_err(|e| hint.replace("{}", &format!("cannot be read ({e})")))?;
    transcript::covers_cyrillic(&font)
        .map_err(|e| hint.replace("{}", &format!("is unusable ({e})")))?;
    Ok(font)
}

/// What a dossier is of.
enum Subject {
    /// One claim, with the conversation it was filed in.
    Claim(Box<ClaimRecord>),
    /// A conversation, with every claim filed in it.
    Conversation(Vec<ClaimRecord>),
}

impl App {
    /// The dossier of a claim, for its customer and the operators of its
    /// conversation's department; anyone else gets `not_found`.
    pub async fn claim_dossier(
        &self,
        principal: &Principal,
        id: &ClaimId,
        files: &Files,
    ) -> AppResult<Dossier> {
        let claim = self
            .store
            .claim(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let conversation = self
            .accessible_conversation(principal, &claim.conversation_id)
            .await?;
        let font = self.dossier_font()?;
        self.admit(principal, &conversation, Purpose::Dossier)
            .await?;
        let mut records = self.records(vec![claim]).await?;
        let record = records.pop().ok_or_else(AppError::not_found)?;
        self.dossier(conversation, Subject::Claim(Box::new(record)), files, font)
            .await
    }

    /// The dossier of a conversation with all its claims, for whoever may
    /// read the conversation.
    pub async fn conversation_dossier(
        &self,
        principal: &Principal,
        id: &ConversationId,
        files: &Files,
    ) -> AppResult<Dossier> {
        let conversation = self.accessible_conversation(principal, id).await?;
        let font = self.dossier_font()?;
        self.admit(principal, &conversation, Purpose::Dossier)
            .await?;
        let claims = self
            .store
            .claims(ClaimFilter {
                conversation_id: Some(conversation.id.clone()),
                limit: MAX_CLAIMS,
                ..ClaimFilter::default()
            })
            .await?;
        let records = self.records(claims).await?;
        self.dossier(conversation, Subject::Conversation(records), files, font)
            .await
    }

    fn dossier_font(&self) -> AppResult<Vec<u8>> {
        read_font(&self.claims.dossier_font).map_err(|problem| {
            tracing::error!("{problem}");
            AppError::new(ErrorKind::Internal, ErrorCode::DossierUnavailable, problem)
        })
    }

    /// The customer's time zone for the transcript's times. Hotline is not
    /// told where customers are, so this is the legal time zone, and the
    /// transcript says so.
    fn customer_offset(&self, _conversation: &Conversation) -> UtcOffset {
        self.legal_offset()
    }

    async fn dossier(
        &self,
        conversation: Conversation,
        subject: Subject,
        files: &Files,
        font: Vec<u8>,
    ) -> AppResult<Dossier> {
        let offset = self.customer_offset(&conversation);
        let messages = self.customer_messages(&conversation).await?;
        let mut archive = Archive::default();

        // The files, as the customer sent or received them.
        let mut entries = Vec::with_capacity(messages.len());
        for message in &messages {
            let mut attachments = Vec::new();
            for info in &message.attachments {
                let Some(record) = self.store.attachment(&info.id).await? else {
                    continue;
                };
                if record.internal {
                    continue;
                }
                let path = format!(
                    "attachments/{}-{}",
                    info.id.as_str(),
                    safe_file_name(&info.name)
                );
                let local = files.local(self.store.as_ref(), &record.sha256).await?;
                let content = tokio::fs::read(&local).await.map_err(AppError::internal)?;
                archive.add(&path, content)?;
                attachments.push(format!("{} ({path})", info.name));
            }
            entries.push(Entry {
                author: author_label(message),
                at: local_time(message.created_at, offset),
                text: message.text.clone(),
                attachments,
            });
        }

        let claims: Vec<&ClaimRecord> = match &subject {
            Subject::Claim(record) => vec![record.as_ref()],
            Subject::Conversation(records) => records.iter().collect(),
        };
        let department = self.department(&conversation.department).map_or_else(
            || conversation.department.as_str().to_owned(),
            |d| d.name.clone(),
        );
        let (header, title, file_name) = match &subject {
            Subject::Claim(record) => (
                format!(
                    "Претензия № {} · обращение {}",
                    record.claim.number,
                    conversation.id.as_str()
                ),
                format!("Переписка по претензии № {}", record.claim.number),
                format!(
                    "dossier-{}.zip",
                    ascii_name(&record.claim.number.to_string())
                ),
            ),
            Subject::Conversation(_) => (
                format!("Обращение {}", conversation.id.as_str()),
                format!("Переписка по обращению {}", conversation.id.as_str()),
                format!("dossier-{}.zip", ascii_name(conversation.id.as_str())),
            ),
        };
        let mut preface = vec![
            format!("Обращение: {} · {department}", conversation.id.as_str()),
            format!("Клиент: {}", conversation.customer.name),
            format!(
                "Начато: {}. Время указано по UTC{} (часовой пояс компании: часовой пояс клиента не известен).",
                local_time(conversation.created_at, offset),
                offset_label(offset)
            ),
            "Переписка показана так, как её видел клиент: служебные заметки сотрудников \
             не включены, номера карт и коды скрыты так же, как в чате."
                .to_owned(),
        ];
        for record in &claims {
            preface.push(claim_summary(record, offset));
        }
        let transcript = Transcript {
            header,
            title,
            preface,
            entries,
        };
        // Laying out and subsetting the font is CPU work: off the runtime.
        let pdf = tokio::task::spawn_blocking(move || transcript::render(&transcript, font))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        archive.add("transcript.pdf", pdf)?;

        let claims_json = match &subject {
            Subject::Claim(record) => claim_json(record),
            Subject::Conversation(records) => serde_json::json!({
                "conversation_id": conversation.id.as_str(),
                "claims": records.iter().map(claim_json).collect::<Vec<_>>(),
            }),
        };
        archive.add(
            "claim.json",
            serde_json::to_vec_pretty(&claims_json).map_err(AppError::internal)?,
        )?;
        let manifest = serde_json::json!({
            "kind": match subject { Subject::Claim(_) => "claim", Subject::Conversation(_) => "conversation" },
            "conversation_id": conversation.id.as_str(),
            "claims": claims.iter().map(|r| r.claim.number.to_string()).collect::<Vec<_>>(),
            "created_at": rfc3339(time::OffsetDateTime::now_utc()),
            "time_zone": format!("UTC{}", offset_label(offset)),
            "files": archive.listed,
        });
        let manifest = serde_json::to_vec_pretty(&manifest).map_err(AppError::internal)?;
        Ok(Dossier {
            file_name,
            bytes: archive.finish(manifest)?,
        })
    }

    /// Every message the customer sees, in order.
    async fn customer_messages(&self, conversation: &Conversation) -> AppResult<Vec<Message>> {
        let mut messages = Vec::new();
        let mut after_seq = 0;
        loop {
            let page = self
                .store
                .messages(MessageQuery {
                    conversation_id: conversation.id.clone(),
                    after_seq,
                    limit: PAGE,
                    include_internal: false,
                })
                .await?;
            let Some(last) = page.last() else { break };
            after_seq = last.public_seq.unwrap_or(last.seq);
            let full = page.len() == PAGE;
            messages.extend(page.into_iter().filter(|m| !m.internal));
            if !full {
                break;
            }
        }
        Ok(messages)
    }
}

/// The ZIP being written, and what `manifest.json` will list.
struct Archive {
    zip: zip::ZipWriter<std::io::Cursor<Vec<u8>>>,
    listed: Vec<serde_json::Value>,
}

impl Default for Archive {
    fn default() -> Self {
        Archive {
            zip: zip::ZipWriter::new(std::io::Cursor::new(Vec::new())),
            listed: Vec::new(),
        }
    }
}

impl Archive {
    fn options() -> zip::write::SimpleFileOptions {
        // Stored as they are: the PDF and photos are compressed already.
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(false)
    }

    fn add(&mut self, path: &str, content: Vec<u8>) -> AppResult<()> {
        self.listed.push(serde_json::json!({
            "path": path,
            "sha256": hex(&Sha256::digest(&content)),
            "bytes": content.len(),
        }));
        self.write(path, &content)
    }

    fn write(&mut self, path: &str, content: &[u8]) -> AppResult<()> {
        self.zip
            .start_file(path, Self::options())
            .map_err(AppError::internal)?;
        self.zip.write_all(content).map_err(AppError::internal)
    }

    fn finish(mut self, manifest: Vec<u8>) -> AppResult<Vec<u8>> {
        self.write("manifest.json", &manifest)?;
        Ok(self.zip.finish().map_err(AppError::internal)?.into_inner())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn rfc3339(at: Timestamp) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// `+03:00`.
fn offset_label(offset: UtcOffset) -> String {
    let (hours, minutes, _) = offset.as_hms();
    let sign = if offset.is_negative() { '−' } else { '+' };
    format!(
        "{sign}{:02}:{:02}",
        hours.unsigned_abs(),
        minutes.unsigned_abs()
    )
}

/// `03.12.2026 09:15`, in `offset`.
fn local_time(at: Timestamp, offset: UtcOffset) -> String {
    let at = at.to_offset(offset);
    format!(
        "{:02}.{:02}.{} {:02}:{:02}",
        at.day(),
        u8::from(at.month()),
        at.year(),
        at.hour(),
        at.minute()
    )
}

fn day(date: time::Date) -> String {
    format!(
        "{:02}.{:02}.{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// Who wrote a message, as the customer saw it: the operator's name as it
/// was shown then.
fn author_label(message: &Message) -> String {
    match message.author.kind {
        AuthorKind::Customer => format!("Клиент: {}", message.author.name),
        AuthorKind::Operator => format!("Сотрудник: {}", message.author.name),
        AuthorKind::Bot => "Бот".to_owned(),
        AuthorKind::System => "Система".to_owned(),
    }
}

fn type_label(claim_type: ClaimType) -> &'static str {
    match claim_type {
        ClaimType::Refund => "возврат денег",
        ClaimType::PriceReduction => "уменьшение цены",
        ClaimType::Replacement => "замена товара",
        ClaimType::Repair => "устранение недостатков",
        ClaimType::ServiceDefect => "недостатки услуги",
        ClaimType::Damages => "возмещение убытков",
        ClaimType::BankComplaint => "жалоба в банк",
        ClaimType::PersonalData => "персональные данные",
        ClaimType::DisputedTransfer => "оспаривание операции",
        ClaimType::RegulatorRequest => "обращение",
    }
}

fn channel_label(channel: ClaimChannel) -> &'static str {
    match channel {
        ClaimChannel::Chat => "в чате",
        ClaimChannel::Email => "по электронной почте",
        ClaimChannel::Post => "почтой",
        ClaimChannel::InPerson => "лично",
        ClaimChannel::Phone => "по телефону",
    }
}

/// One paragraph about a claim for the transcript's preface.
fn claim_summary(record: &ClaimRecord, offset: UtcOffset) -> String {
    let claim = &record.claim;
    let mut text = format!(
        "Претензия № {} ({}): получена {} ({}), ответ — не позднее {} ({}).",
        claim.number,
        type_label(claim.claim_type),
        local_time(claim.received_at, offset),
        channel_label(claim.channel),
        day(claim.deadline.due_date),
        claim.rule().legal_basis,
    );
    if let Some(amount) = claim.amount {
        text.push_str(&format!(" Сумма: {amount} ₽."));
    }
    text.push_str(&format!(" Требование: {}.", claim.demand));
    match &claim.answer {
        Some(answer) => text.push_str(&format!(
            " Ответ дан {}.",
            local_time(answer.answered_at, offset)
        )),
        None => text.push_str(" Ответа нет."),
    }
    if let Some(penalty) = record.penalty.filter(|p| p.kopecks() > 0) {
        text.push_str(&format!(" Неустойка на сегодня: {penalty} ₽."));
    }
    text
}

/// A claim as `claim.json` holds it: its number, what was claimed, when it
/// was received and how, and its deadlines with their legal basis.
fn claim_json(record: &ClaimRecord) -> serde_json::Value {
    let claim = &record.claim;
    let rule = claim.rule();
    serde_json::json!({
        "id": claim.id.as_str(),
        "number": claim.number.to_string(),
        "type": claim.claim_type,
        "status": claim.status,
        "conversation_id": claim.conversation_id.as_str(),
        "order_id": claim.order_id.as_ref().map(|o| o.as_str()),
        "amount": claim.amount.map(|m| serde_json::json!({"value": m.to_string(), "currency": "RUB"})),
        "demand": claim.demand,
        "text": claim.text,
        "channel": claim.channel,
        "received_at": rfc3339(claim.received_at),
        "filed_by": claim.filed_by,
        "due_date": claim.deadline.due_date.to_string(),
        "raw_due_date": claim.deadline.raw_due_date.to_string(),
        "provisional": claim.deadline.provisional,
        "legal_basis": rule.legal_basis,
        "penalty": record.penalty.map(|m| serde_json::json!({"value": m.to_string(), "currency": "RUB"})),
        "penalty_basis": rule.penalty.map(|p| p.basis),
        "extension": claim.extension,
        "answer": claim.answer,
    })
}

/// A file name safe inside the ZIP: no directories, no control
/// characters, no leading dots, at most 100 characters.
fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.');
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// `П-2026-000123` → `P-2026-000123`: the download's name in ASCII.
fn ascii_name(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            'П' => 'P',
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => c,
            _ => '_',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_the_zip_cannot_leave_its_folder() {
        assert_eq!(safe_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_file_name("..."), "file");
        assert_eq!(safe_file_name("чек.pdf"), "чек.pdf");
        assert_eq!(safe_file_name("a\u{0}b"), "a_b");
        assert_eq!(ascii_name("П-2026-000123"), "P-2026-000123");
        assert_eq!(ascii_name("a\"b"), "a_b");
    }

    #[test]
    fn times_are_shown_in_the_zone_given() {
        let at = time::macros::datetime!(2026-12-02 22:30 UTC);
        let moscow = UtcOffset::from_hms(3, 0, 0).unwrap();
        assert_eq!(local_time(at, moscow), "03.12.2026 01:30");
        assert_eq!(offset_label(moscow), "+03:00");
    }

    #[test]
    fn a_missing_font_says_what_to_install() {
        let problem = check_font(Path::new("/nonexistent/font.ttf")).unwrap_err();
        assert!(problem.contains("fonts-dejavu-core"), "{problem}");
        assert!(
            problem.contains("HOTLINE_CLAIMS__DOSSIER_FONT"),
            "{problem}"
        );
    }
}
