//! Formal claims (претензии): filing one in a conversation, reading it, the
//! supervisors' registry, the formal answer, extensions where the law allows
//! them, the sweep's due-soon and overdue alerts, and the calendar's
//! override table. The clocks are `hotline_domain::claims`; this module
//! supplies them with the receipt time, the legal time zone and the calendar.

use crate::App;
use crate::conversations::{ClaimedOrder, check_claimed_order};
use crate::error::{AppError, AppResult};
use crate::reading::Purpose;
use hotline_domain::calendar::WorkingCalendar;
use hotline_domain::claims::{
    self, Amount, Claim, ClaimAlert, ClaimChannel, ClaimId, ClaimStatus, ClaimType, Money,
    check_claim_text,
};
use hotline_domain::{
    AttachmentId, ClientMsgId, ConversationId, DepartmentId, DomainError, ErrorCode, MessageText,
    OrderId, Principal, Role, Timestamp,
};
use hotline_store::claims::{
    AnswerClaim, CalendarOverride, ClaimFilter, ExtendClaim, FileClaim, FiledClaim, NewClaim,
    OpenClaims,
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// How claims are counted where Hotline runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClaimSettings {
    /// The legal entity's time zone as hours east of UTC (Moscow: 3, with
    /// no daylight saving since 2014); receipt dates and legal ends are
    /// dates there.
    pub legal_utc_offset_hours: i8,
    /// `claim.due_soon` this many working days before the legal end.
    pub due_soon_working_days: u32,
    /// The TrueType font the dossier's PDF embeds; it must cover Cyrillic.
    /// The default is Debian's `fonts-dejavu-core`.
    pub dossier_font: PathBuf,
}

impl Default for ClaimSettings {
    fn default() -> Self {
        ClaimSettings {
            legal_utc_offset_hours: 3,
            due_soon_working_days: claims::DEFAULT_DUE_SOON_WORKING_DAYS,
            dossier_font: PathBuf::from(crate::dossier::DEFAULT_FONT),
        }
    }
}

impl ClaimSettings {
    /// Checked once, at start-up.
    pub fn validate(&self) -> Result<(), String> {
        self.offset().map(|_| ())
    }

    fn offset(&self) -> Result<UtcOffset, String> {
        UtcOffset::from_hms(self.legal_utc_offset_hours, 0, 0)
            .map_err(|_| "claims: legal_utc_offset_hours must be −23…23".to_owned())
    }
}

/// Longest demand («что требуете»), in characters.
const MAX_DEMAND_CHARS: usize = 1_000;
/// A receipt time this far ahead of the server's clock is a clock skew, not
/// the future.
const CLOCK_SKEW: Duration = Duration::minutes(5);
/// Most claims the registry returns, and the sweep reads at once.
pub const MAX_REGISTRY: usize = 500;
const SWEEP_BATCH: usize = 10_000;

/// A claim as its filer submits it, before validation.
#[derive(Debug, Clone, Default)]
pub struct ClaimDraft {
    pub claim_type: String,
    pub order_id: Option<String>,
    pub amount: Option<Amount>,
    pub demand: String,
    pub text: String,
    /// `disputed_transfer` only: the transfer crossed a border (60 days).
    pub cross_border: bool,
    pub attachment_ids: Vec<String>,
    pub client_msg_id: String,
    /// Operators only: when a claim that came another way reached the company.
    pub received_at: Option<Timestamp>,
    /// Operators only: how it came (`email`, `post`, …).
    pub channel: Option<String>,
    /// The orders the customer's identity token lists, when it lists them.
    pub claimed_orders: Option<Vec<ClaimedOrder>>,
}

/// The registry's filters, already parsed.
#[derive(Debug, Clone, Default)]
pub struct RegistryQuery {
    /// Any of these; empty: any status.
    pub statuses: Vec<ClaimStatus>,
    pub department: Option<DepartmentId>,
    pub due_before: Option<Date>,
}

/// A claim with what depends on today: the penalty accrued, its alert, and
/// whether it may still be extended.
#[derive(Debug, Clone)]
pub struct ClaimRecord {
    pub claim: Claim,
    pub penalty: Option<Money>,
    pub alert: Option<ClaimAlert>,
    pub extendable: bool,
}

/// A time at the precision stores keep (microseconds), so that what filing
/// returns equals what a later read returns.
pub(crate) fn to_micros(at: Timestamp) -> Timestamp {
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

fn operator_only(principal: &Principal, what: &str) -> AppResult<()> {
    match principal {
        Principal::Operator(_) => Ok(()),
        Principal::Customer(_) => Err(AppError::forbidden(
            ErrorCode::Forbidden,
            format!("only operators {what}"),
        )),
    }
}

impl App {
    pub(crate) fn legal_offset(&self) -> UtcOffset {
        UtcOffset::from_hms(self.claims.legal_utc_offset_hours, 0, 0).unwrap_or(claims::MOSCOW)
    }

    fn today(&self) -> Date {
        claims::legal_date(OffsetDateTime::now_utc(), self.legal_offset())
    }

    /// The federal calendar with the stored overrides.
    pub async fn working_calendar(&self) -> AppResult<WorkingCalendar> {
        let overrides = self.store.calendar_overrides().await?;
        Ok(WorkingCalendar::new(
            overrides.into_iter().map(|o| (o.date, o.working)),
        ))
    }

    fn record(&self, claim: Claim, today: Date, calendar: &WorkingCalendar) -> ClaimRecord {
        let offset = self.legal_offset();
        ClaimRecord {
            penalty: claim.penalty(today, offset),
            alert: claim.alert(today, self.claims.due_soon_working_days, calendar),
            extendable: claim.status == ClaimStatus::Filed
                && claim.rule().extension.is_some()
                && today <= claim.deadline.due_date,
            claim,
        }
    }

    /// Claims with what depends on today, over one read of the calendar.
    pub(crate) async fn records(&self, claims: Vec<Claim>) -> AppResult<Vec<ClaimRecord>> {
        let calendar = self.working_calendar().await?;
        let today = self.today();
        Ok(claims
            .into_iter()
            .map(|claim| self.record(claim, today, &calendar))
            .collect())
    }

    /// Masks secrets in a claim's free text as in a message of its department.
    fn masked(&self, department: &DepartmentId, text: &str) -> String {
        hotline_guard::scan(text, None, self.security.strictness(department)).masked
    }

    /// Files a claim in a conversation: the customer's own (received now, in
    /// the chat), or one an operator registers for them with the real receipt
    /// time and channel. Retrying with the same `client_msg_id` returns the
    /// original claim.
    pub async fn file_claim(
        &self,
        principal: &Principal,
        conversation_id: &ConversationId,
        draft: ClaimDraft,
    ) -> AppResult<(ClaimRecord, bool)> {
        let now = to_micros(OffsetDateTime::now_utc());
        let (received_at, channel) = match principal {
            Principal::Customer(_) => {
                for (field, sent) in [
                    ("received_at", draft.received_at.is_some()),
                    ("channel", draft.channel.is_some()),
                ] {
                    if sent {
                        return Err(DomainError::OperatorOnlyField { field }.into());
                    }
                }
                (now, ClaimChannel::Chat)
            }
            Principal::Operator(_) => {
                let channel = match &draft.channel {
                    Some(raw) => ClaimChannel::parse(raw)
                        .ok_or_else(|| DomainError::UnknownClaimChannel(raw.clone()))?,
                    None => ClaimChannel::Chat,
                };
                let received_at = draft.received_at.map_or(now, to_micros);
                if received_at > now + CLOCK_SKEW {
                    return Err(DomainError::ReceivedInFuture.into());
                }
                (received_at, channel)
            }
        };
        let claim_type = ClaimType::parse(&draft.claim_type)
            .ok_or_else(|| DomainError::UnknownClaimType(draft.claim_type.clone()))?;
        let period = claim_type.rule().period_for(draft.cross_border)?;
        let amount = draft.amount.as_ref().map(Money::try_from).transpose()?;
        check_claim_text(&draft.demand, "demand", MAX_DEMAND_CHARS)?;
        check_claim_text(&draft.text, "text", self.max_message_chars)?;
        let client_msg_id = ClientMsgId::parse(draft.client_msg_id)?;
        if draft.attachment_ids.len() > hotline_domain::values::MAX_ATTACHMENTS_PER_MESSAGE {
            return Err(DomainError::TooMany {
                field: "attachment_ids",
                len: draft.attachment_ids.len(),
                max: hotline_domain::values::MAX_ATTACHMENTS_PER_MESSAGE,
            }
            .into());
        }
        let order_id = draft.order_id.map(OrderId::parse).transpose()?;
        let conversation = self
            .open_conversation(principal, conversation_id, Purpose::Act)
            .await?;
        if let (Some(order), Some(claimed), Principal::Customer(_)) =
            (&order_id, &draft.claimed_orders, principal)
        {
            check_claimed_order(claimed, conversation.department.as_str(), order.as_str())?;
        }
        let offset = self.legal_offset();
        let calendar = self.working_calendar().await?;
        let deadline = claims::deadline(period, claims::legal_date(received_at, offset), &calendar);
        let filed: FiledClaim = self
            .store
            .file_claim(FileClaim {
                conversation_id: conversation.id.clone(),
                filer: principal.clone(),
                claim: NewClaim {
                    claim_type,
                    order_id,
                    amount,
                    demand: self.masked(&conversation.department, &draft.demand),
                    text: self.masked(&conversation.department, &draft.text),
                    cross_border: draft.cross_border,
                    channel,
                    received_at,
                    client_msg_id,
                    attachment_ids: draft
                        .attachment_ids
                        .into_iter()
                        .map(AttachmentId::from_raw)
                        .collect(),
                },
                deadline,
                number_year: claims::legal_date(now, offset).year(),
                legal_offset: offset,
            })
            .await?;
        // Screening's memory of the conversation lacks the acknowledgement.
        self.screen_afresh(&conversation.id);
        if filed.created && !principal.is_customer() {
            self.audit_by(
                principal,
                "claim.registered",
                Some(filed.claim.id.as_str()),
                serde_json::json!({
                    "number": filed.claim.number.to_string(),
                    "channel": filed.claim.channel.as_str(),
                    "received_at": filed.claim.received_at.unix_timestamp(),
                }),
            )
            .await?;
        }
        Ok((
            self.record(filed.claim, self.today(), &calendar),
            filed.created,
        ))
    }

    /// A claim its customer, or an operator of its conversation's
    /// department, may see; anyone else gets `not_found`.
    pub async fn claim(&self, principal: &Principal, id: &ClaimId) -> AppResult<ClaimRecord> {
        let claim = self
            .visible_claim(principal, id, Purpose::Conversation)
            .await?;
        let calendar = self.working_calendar().await?;
        Ok(self.record(claim, self.today(), &calendar))
    }

    /// The claims filed in a conversation the caller may read, by legal end.
    pub async fn conversation_claims(
        &self,
        principal: &Principal,
        conversation_id: &ConversationId,
    ) -> AppResult<Vec<ClaimRecord>> {
        let conversation = self
            .open_conversation(principal, conversation_id, Purpose::Conversation)
            .await?;
        let claims = self
            .store
            .claims(ClaimFilter {
                conversation_id: Some(conversation.id),
                limit: MAX_REGISTRY,
                ..ClaimFilter::default()
            })
            .await?;
        self.records(claims).await
    }

    pub(crate) async fn visible_claim(
        &self,
        principal: &Principal,
        id: &ClaimId,
        purpose: Purpose,
    ) -> AppResult<Claim> {
        let claim = self
            .store
            .claim(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        self.open_conversation(principal, &claim.conversation_id, purpose)
            .await?;
        Ok(claim)
    }

    /// The supervisors' registry of their departments' claims, by legal end.
    pub async fn claims_registry(
        &self,
        principal: &Principal,
        query: RegistryQuery,
    ) -> AppResult<Vec<ClaimRecord>> {
        let Principal::Operator(operator) = principal else {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "the claims registry is for supervisors",
            ));
        };
        if !matches!(operator.role, Role::Supervisor | Role::Admin) {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "the claims registry is for supervisors",
            ));
        }
        let departments = operator
            .departments
            .iter()
            .filter(|d| query.department.as_ref().is_none_or(|wanted| wanted == *d))
            .cloned()
            .collect();
        let claims = self
            .store
            .claims(ClaimFilter {
                departments: Some(departments),
                conversation_id: None,
                statuses: query.statuses,
                due_before: query.due_before,
                without_overdue_alert: false,
                limit: MAX_REGISTRY,
            })
            .await?;
        // Reading the bank's claims is reading its conversations: audited.
        for claim in &claims {
            if self
                .security
                .settings
                .needs_step_up(claim.department.as_str())
            {
                self.audit_by(
                    principal,
                    "conversation.read",
                    Some(claim.conversation_id.as_str()),
                    serde_json::json!({
                        "department": claim.department.as_str(),
                        "purpose": "claims_registry",
                        "claim": claim.id.as_str(),
                    }),
                )
                .await?;
            }
        }
        self.records(claims).await
    }

    /// An operator's formal answer: delivered in the chat as their message
    /// (screened like one), kept with the claim, which becomes `answered`.
    pub async fn answer_claim(
        &self,
        principal: &Principal,
        id: &ClaimId,
        text: String,
        client_msg_id: String,
    ) -> AppResult<ClaimRecord> {
        operator_only(principal, "answer claims")?;
        let claim = self.visible_claim(principal, id, Purpose::Act).await?;
        let text = self.operators_text(principal, &claim, text).await?;
        let answered = self
            .store
            .answer_claim(AnswerClaim {
                claim_id: claim.id,
                author: principal.clone(),
                text: MessageText::parse(text, self.max_message_chars)?,
                client_msg_id: ClientMsgId::parse(client_msg_id)?,
            })
            .await?;
        self.screen_afresh(&answered.claim.conversation_id);
        let calendar = self.working_calendar().await?;
        Ok(self.record(answered.claim, self.today(), &calendar))
    }

    /// The start of the formal answer for the claim's type, for an
    /// operator to complete and send with [`Self::answer_claim`].
    pub async fn claim_answer_template(
        &self,
        principal: &Principal,
        id: &ClaimId,
    ) -> AppResult<String> {
        operator_only(principal, "answer claims")?;
        let claim = self.visible_claim(principal, id, Purpose::Act).await?;
        Ok(claim.answer_template(self.legal_offset()))
    }

    /// Extends a claim's period where its rule allows it, while the original
    /// period runs; the notice with `reason` goes to the customer in the chat.
    pub async fn extend_claim(
        &self,
        principal: &Principal,
        id: &ClaimId,
        reason: String,
    ) -> AppResult<ClaimRecord> {
        operator_only(principal, "extend claims")?;
        let claim = self.visible_claim(principal, id, Purpose::Act).await?;
        check_claim_text(&reason, "reason", MAX_DEMAND_CHARS)?;
        let period = claim.rule().extended_period(claim.cross_border)?;
        let reason = self.operators_text(principal, &claim, reason).await?;
        let calendar = self.working_calendar().await?;
        let offset = self.legal_offset();
        let extended = claims::deadline(
            period,
            claims::legal_date(claim.received_at, offset),
            &calendar,
        );
        let today = self.today();
        let claim = self
            .store
            .extend_claim(ExtendClaim {
                claim_id: claim.id,
                author: principal.clone(),
                reason,
                extended,
                today,
            })
            .await?;
        self.screen_afresh(&claim.conversation_id);
        self.audit_by(
            principal,
            "claim.extended",
            Some(claim.id.as_str()),
            serde_json::json!({
                "number": claim.number.to_string(),
                "due_date": claim.deadline.due_date.to_string(),
            }),
        )
        .await?;
        Ok(self.record(claim, today, &calendar))
    }

    /// An operator's text for the customer: refused when it asks for a
    /// secret or links where it must not, masked like their messages.
    async fn operators_text(
        &self,
        principal: &Principal,
        claim: &Claim,
        text: String,
    ) -> AppResult<String> {
        if let Principal::Operator(operator) = principal {
            self.check_operator_text(
                operator,
                Some(claim.conversation_id.as_str()),
                claim.department.as_str(),
                &text,
            )
            .await?;
        }
        Ok(self.masked(&claim.department, &text))
    }

    /// The sweep: records `claim.due_soon` and `claim.overdue` for open
    /// claims, once each (per legal end); returns how many it recorded.
    pub async fn sweep_claims(&self) -> AppResult<usize> {
        let open = self.open_claims(true).await?;
        let calendar = self.working_calendar().await?;
        let today = self.today();
        let mut recorded = 0;
        for claim in open {
            let Some(alert) = claim.alert(today, self.claims.due_soon_working_days, &calendar)
            else {
                // Sorted by legal end: the rest are further away.
                break;
            };
            // An overdue claim was due soon before: both are told once.
            if alert == ClaimAlert::Overdue
                && self
                    .store
                    .record_claim_alert(&claim.id, ClaimAlert::DueSoon)
                    .await?
            {
                recorded += 1;
            }
            if self.store.record_claim_alert(&claim.id, alert).await? {
                crate::metrics::claim_alert(alert);
                recorded += 1;
            }
        }
        Ok(recorded)
    }

    /// Per department: claims still owed an answer, and those overdue today.
    pub async fn open_claim_counts(&self) -> AppResult<Vec<OpenClaims>> {
        Ok(self.store.open_claim_counts(self.today()).await?)
    }

    /// Claims still owed an answer, by legal end; `without_overdue_alert`:
    /// not those already told overdue.
    async fn open_claims(&self, without_overdue_alert: bool) -> AppResult<Vec<Claim>> {
        Ok(self
            .store
            .claims(ClaimFilter {
                departments: None,
                conversation_id: None,
                statuses: vec![ClaimStatus::Filed, ClaimStatus::Extended],
                due_before: None,
                without_overdue_alert,
                limit: SWEEP_BATCH,
            })
            .await?)
    }

    /// Counts the open claims' deadlines again over the current calendar
    /// and stores those that moved; returns how many did.
    async fn reschedule_open_claims(&self) -> AppResult<usize> {
        let calendar = self.working_calendar().await?;
        let offset = self.legal_offset();
        let mut moved = 0;
        for claim in self.open_claims(false).await? {
            let rule = claim.rule();
            let period = match claim.status {
                ClaimStatus::Extended => rule.extended_period(claim.cross_border)?,
                _ => rule.period_for(claim.cross_border)?,
            };
            let deadline = claims::deadline(
                period,
                claims::legal_date(claim.received_at, offset),
                &calendar,
            );
            if self.store.reschedule_claim(&claim.id, deadline).await? {
                moved += 1;
            }
        }
        Ok(moved)
    }

    /// The override table of the working calendar.
    pub async fn calendar_overrides(
        &self,
        principal: &Principal,
    ) -> AppResult<Vec<CalendarOverride>> {
        operator_only(principal, "read the calendar")?;
        Ok(self.store.calendar_overrides().await?)
    }

    /// Administrators mark a date working or not (a new decree, a regional
    /// holiday); recorded in the audit log. Open claims' deadlines are
    /// counted again; returns how many moved.
    pub async fn set_calendar_override(
        &self,
        principal: &Principal,
        entry: CalendarOverride,
    ) -> AppResult<usize> {
        crate::administrator(principal, "only administrators edit the calendar")?;
        check_claim_text(&entry.note, "note", MAX_DEMAND_CHARS)?;
        let mut details = serde_json::json!({
            "date": entry.date.to_string(),
            "working": entry.working,
            "note": entry.note,
        });
        self.store.set_calendar_override(entry).await?;
        let moved = self.reschedule_open_claims().await?;
        details["claims_rescheduled"] = moved.into();
        self.audit_by(principal, "calendar.override_set", None, details)
            .await?;
        Ok(moved)
    }

    /// Removes a date's override; `false` when it had none.
    pub async fn remove_calendar_override(
        &self,
        principal: &Principal,
        date: Date,
    ) -> AppResult<bool> {
        crate::administrator(principal, "only administrators edit the calendar")?;
        let removed = self.store.remove_calendar_override(date).await?;
        if removed {
            let moved = self.reschedule_open_claims().await?;
            self.audit_by(
                principal,
                "calendar.override_removed",
                None,
                serde_json::json!({ "date": date.to_string(), "claims_rescheduled": moved }),
            )
            .await?;
        }
        Ok(removed)
    }
}
