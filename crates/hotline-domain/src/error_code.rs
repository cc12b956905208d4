//! The catalogue of error codes: every machine-readable code Hotline gives
//! out, over HTTP (`{"error": {"code", "message"}}`), over the WebSocket
//! (`{"type": "error", "code", "message"}`) and in `resync` frames. Clients
//! and the UI translate these strings, so a code never changes its spelling;
//! docs/errors.md lists them with their HTTP status.

use serde::{Serialize, Serializer};
use std::fmt;

/// Declares the codes once: the enum, its strings, its descriptions (the doc
/// comments) and the list of all of them, so none can be left out of one.
macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident => $code:literal, )+) => {
        /// A stable machine-readable error code (see the module docs).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl ErrorCode {
            /// Every code, in the order of docs/errors.md.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The `snake_case` string clients see.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => $code, )+
                }
            }

            /// When the code is given out: its doc comment on one line.
            pub fn description(self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => concat!($($doc),+).trim_start(), )+
                }
            }
        }
    };
}

error_codes! {
    // The request cannot be read.
    /// A query parameter is malformed or out of range.
    InvalidQuery => "invalid_query",
    /// A path segment is malformed.
    InvalidPath => "invalid_path",
    /// The body is not valid JSON.
    InvalidJson => "invalid_json",
    /// The JSON body lacks a field or has one of the wrong type.
    InvalidField => "invalid_field",
    /// The body could not be read.
    InvalidBody => "invalid_body",
    /// A JSON body came without `Content-Type: application/json`.
    UnsupportedMediaType => "unsupported_media_type",
    /// The body is larger than the server accepts.
    BodyTooLarge => "body_too_large",
    /// An upload is not a readable `multipart/form-data` body.
    InvalidMultipart => "invalid_multipart",
    /// An upload has no multipart field `file`.
    MissingFile => "missing_file",
    /// The `after` cursor is not one this server gave out.
    InvalidCursor => "invalid_cursor",
    /// A WebSocket client message is not one of the protocol's (sent as an
    /// error frame; the socket stays open).
    InvalidMessage => "invalid_message",

    // Who is calling.
    /// No bearer token, session cookie or WebSocket ticket was sent.
    MissingToken => "missing_token",
    /// The identity token is malformed, wrongly signed or carries claims the
    /// server refuses (400 when a verified token's `orders` claim is
    /// malformed).
    InvalidToken => "invalid_token",
    /// The identity token has expired.
    TokenExpired => "token_expired",
    /// The identity token is valid for longer than the server accepts.
    TokenLifetimeTooLong => "token_lifetime_too_long",
    /// The operator's session has expired or was ended.
    InvalidSession => "invalid_session",
    /// The WebSocket ticket is unknown, used or expired.
    InvalidTicket => "invalid_ticket",
    /// Wrong e-mail or password at login.
    InvalidCredentials => "invalid_credentials",
    /// A social platform's call lacks the channel's webhook secret.
    InvalidWebhookSecret => "invalid_webhook_secret",

    // What the caller may do.
    /// The caller's role does not allow this.
    Forbidden => "forbidden",
    /// A customer reads or writes in a department that needs a fresh second
    /// factor (`security.step_up_departments`) without one.
    StepUpRequired => "step_up_required",
    /// A console write with the session cookie lacks the session's
    /// `X-CSRF-Token`.
    CsrfTokenInvalid => "csrf_token_invalid",
    /// The WebSocket was opened from an origin that is not allowed.
    OriginNotAllowed => "origin_not_allowed",
    /// No such resource, or it is not the caller's: the two look the same.
    NotFound => "not_found",

    // Rules of the domain.
    /// A required value is empty.
    EmptyValue => "empty_value",
    /// A value is longer than its limit.
    TooLong => "too_long",
    /// A list has more items than its limit.
    TooMany => "too_many",
    /// A value contains characters that are not allowed.
    InvalidCharacters => "invalid_characters",
    /// No such department.
    UnknownDepartment => "unknown_department",
    /// The department has no such topic.
    UnknownTopic => "unknown_topic",
    /// A seller's identity token (`role: seller`) in a buyers' department, or
    /// a buyer's in the sellers': the two are never mixed.
    WrongAudience => "wrong_audience",
    /// A conversation was started about both an order and a topic.
    AmbiguousSubject => "ambiguous_subject",
    /// A customer tried to write an internal note.
    InternalNoteByCustomer => "internal_note_by_customer",
    /// A number is outside its range (a rating's score is 1–5).
    OutOfRange => "out_of_range",
    /// The order is not among those the customer's identity token lists for
    /// the department.
    UnknownOrder => "unknown_order",
    /// An attachment is unknown, someone else's, or already sent.
    InvalidAttachment => "invalid_attachment",
    /// The operator to assign does not serve the conversation's department.
    InvalidAssignee => "invalid_assignee",
    /// A read mark points after the conversation's last message.
    ReadBeyondLast => "read_beyond_last",
    /// An operator's capacity is out of range.
    InvalidCapacity => "invalid_capacity",
    /// An operator's status update names neither presence nor capacity.
    NothingToChange => "nothing_to_change",
    /// An uploaded file is empty.
    EmptyFile => "empty_file",
    /// A claim's `type` is not one of the rule table's.
    UnknownClaimType => "unknown_claim_type",
    /// A claim's `channel` is not `chat`, `email`, `post`, `in_person` or
    /// `phone`.
    UnknownClaimChannel => "unknown_claim_channel",
    /// An amount is not a decimal string with up to two decimals in `RUB`.
    InvalidAmount => "invalid_amount",
    /// A claim's field does not apply to its type (`cross_border` outside
    /// `disputed_transfer`).
    NotApplicable => "not_applicable",
    /// The law allows no extension of this type of claim.
    ExtensionNotAllowed => "extension_not_allowed",
    /// A claim's period has ended; an extension had to be notified inside it.
    ExtensionTooLate => "extension_too_late",
    /// A customer sent a claim's `received_at` or `channel`, which only an
    /// operator registering a claim may set.
    OperatorOnlyField => "operator_only_field",
    /// A claim's `received_at` is in the future.
    ReceivedInFuture => "received_in_future",
    /// A call-back may not be ordered for this booking now: the error's
    /// `reason` says why and `explanation` says it to the customer.
    CallbackNotEligible => "callback_not_eligible",
    /// A call's outcome is not `reached`, `no_answer` or `callback_again`.
    UnknownCallbackOutcome => "unknown_callback_outcome",
    /// An operator's role is not `operator`, `supervisor` or `admin`.
    InvalidRole => "invalid_role",
    /// An operator's display name imitates support or the company, or holds
    /// look-alike or invisible characters.
    OperatorNameRefused => "operator_name_refused",
    /// An operator's invitation is unknown, used or expired.
    InvalidInvite => "invalid_invite",
    /// A new password is shorter than 8 characters or longer than 1024 bytes.
    PasswordRejected => "password_rejected",
    /// A setting changed in the console cannot be used (the message says why).
    InvalidSetting => "invalid_setting",
    /// A social chat's link code is unknown, used or expired.
    InvalidLinkCode => "invalid_link_code",
    /// A webhook subscription names an event type Hotline does not send.
    UnknownWebhookType => "unknown_webhook_type",
    /// A webhook's URL is not an absolute `http` or `https` address.
    InvalidWebhookUrl => "invalid_webhook_url",
    /// A privacy export's target directory exists (command line).
    ExportExists => "export_exists",
    /// A privacy export could not be written (command line).
    ExportFailed => "export_failed",

    // Screening of operators' messages.
    /// An operator's message asks the customer for a secret; it is refused
    /// and recorded in the audit log.
    SecretRequestBlocked => "secret_request_blocked",
    /// An operator's message links outside the allowed domains; it is
    /// refused and recorded in the audit log.
    SuspiciousLink => "suspicious_link",

    // The current state.
    /// The lifecycle change is not possible in the conversation's status.
    InvalidTransition => "invalid_transition",
    /// The conversation is already assigned to another operator.
    AlreadyAssigned => "already_assigned",
    /// The `client_msg_id` was already used for a different message.
    ClientMsgIdReused => "client_msg_id_reused",
    /// An operator with this e-mail already exists.
    OperatorEmailTaken => "operator_email_taken",
    /// The conversation changed department while a message to it was
    /// screened (given out when retries did not settle it).
    ConversationMoved => "conversation_moved",
    /// A message came in while one was screened against the history (given
    /// out when retries did not settle it).
    ScreeningOutdated => "screening_outdated",
    /// A help-center article with this id exists.
    ArticleExists => "article_exists",
    /// The customer has rated this conversation already.
    AlreadyRated => "already_rated",
    /// The conversation was resolved too long ago to be rated.
    RatingClosed => "rating_closed",

    // Files.
    /// An upload is larger than `max_attachment_bytes`.
    AttachmentTooLarge => "attachment_too_large",
    /// An upload is not a PDF, JPEG, PNG, HEIC or plain-text file.
    UnsupportedAttachmentType => "unsupported_attachment_type",

    // The event feed: the reader reloads and continues from the cursor given.
    /// The cursor belongs to another database.
    ForeignCursor => "foreign_cursor",
    /// The cursor is ahead of the newest event.
    CursorFromFuture => "cursor_from_future",
    /// The events after the cursor are no longer kept.
    CursorExpired => "cursor_expired",

    // Load and failures.
    /// Over a rate limit; `Retry-After` says when to try again.
    RateLimited => "rate_limited",
    /// Too many WebSocket tickets wait to be used.
    Busy => "busy",
    /// The regulator dossier cannot be made on this node: its PDF font is
    /// missing (the message names the file and the package to install).
    DossierUnavailable => "dossier_unavailable",
    /// Something failed on the server's side; the cause is logged, never
    /// returned.
    InternalError => "internal_error",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_unique_snake_case() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            let snake = !s.is_empty()
                && s.split('_')
                    .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase()));
            assert!(snake, "{s} is not snake_case");
            assert!(seen.insert(s), "{s} is given to two variants");
        }
    }

    #[test]
    fn every_code_says_when_it_happens() {
        for code in ErrorCode::ALL {
            assert!(
                code.description().ends_with('.') && !code.description().contains("  "),
                "{code}: {:?}",
                code.description()
            );
        }
    }

    #[test]
    fn codes_serialize_as_their_strings() {
        assert_eq!(
            serde_json::to_value(ErrorCode::ClientMsgIdReused).ok(),
            Some(serde_json::json!("client_msg_id_reused"))
        );
        assert_eq!(ErrorCode::RateLimited.to_string(), "rate_limited");
    }
}
