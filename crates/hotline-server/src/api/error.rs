//! The one error type of the HTTP API: `{"error": {"code", "message"}}` with
//! a code from the catalogue ([`ErrorCode`]), whose HTTP status is decided
//! here ([`status_of`]). The WebSocket sends the same error as
//! `{"type": "error", "code", "message"}`. Internal failures are logged,
//! never returned.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hotline_app::AppError;
use hotline_app::help_center::HelpCenterError;
use hotline_domain::{DomainError, ErrorCode};
use hotline_store::StoreError;
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    /// Extra top-level fields (e.g. the cursor to resync from).
    pub extra: Option<Value>,
}

/// The schema of the body an [`ApiError`] renders.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`, `too_long`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// The HTTP status of each code; docs/errors.md lists the same.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        InvalidQuery | InvalidPath | InvalidJson | InvalidBody | InvalidMultipart | MissingFile
        | InvalidCursor | InvalidMessage => StatusCode::BAD_REQUEST,
        MissingToken | InvalidToken | TokenExpired | TokenLifetimeTooLong | InvalidSession
        | InvalidTicket | InvalidCredentials | InvalidWebhookSecret => StatusCode::UNAUTHORIZED,
        Forbidden | StepUpRequired | CsrfTokenInvalid | OriginNotAllowed | OperatorOnlyField
        | WrongAudience => StatusCode::FORBIDDEN,
        NotFound => StatusCode::NOT_FOUND,
        InvalidTransition | AlreadyAssigned | ClientMsgIdReused | OperatorEmailTaken
        | ConversationMoved | ScreeningOutdated | ArticleExists | AlreadyRated | RatingClosed
        | ExtensionTooLate => StatusCode::CONFLICT,
        ForeignCursor | CursorFromFuture | CursorExpired => StatusCode::GONE,
        BodyTooLarge | AttachmentTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        UnsupportedMediaType | UnsupportedAttachmentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        InvalidField
        | EmptyValue
        | TooLong
        | TooMany
        | InvalidCharacters
        | UnknownDepartment
        | UnknownTopic
        | AmbiguousSubject
        | InternalNoteByCustomer
        | OutOfRange
        | UnknownOrder
        | InvalidAttachment
        | InvalidAssignee
        | ReadBeyondLast
        | InvalidCapacity
        | NothingToChange
        | EmptyFile
        | UnknownClaimType
        | UnknownClaimChannel
        | InvalidAmount
        | NotApplicable
        | ExtensionNotAllowed
        | ReceivedInFuture
        | CallbackNotEligible
        | UnknownCallbackOutcome
        | InvalidRole
        | OperatorNameRefused
        | InvalidInvite
        | PasswordRejected
        | InvalidSetting
        | InvalidLinkCode
        | UnknownWebhookType
        | InvalidWebhookUrl
        | ExportExists
        | ExportFailed
        | SecretRequestBlocked
        | SuspiciousLink => StatusCode::UNPROCESSABLE_ENTITY,
        RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Busy | DossierUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        InternalError => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    /// An error with its code's status.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status: status_of(code),
            code,
            message: message.into(),
            extra: None,
        }
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "no such resource, or it is not yours")
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError::internal(cause).into()
    }
    pub fn with_extra(mut self, extra: Value) -> Self {
        self.extra = Some(extra);
        self
    }
    /// Another status than the code's, where docs/errors.md names the
    /// exception.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// `{"code", "message"}`: the error inside an HTTP body and a WebSocket
    /// frame alike.
    fn detail(code: ErrorCode, message: String) -> Map<String, Value> {
        Map::from_iter([
            ("code".to_owned(), Value::from(code.as_str())),
            ("message".to_owned(), Value::from(message)),
        ])
    }

    /// The WebSocket's error frame: `{"type": "error", "code", "message"}`.
    pub fn into_ws_frame(self) -> Value {
        let mut frame = Self::detail(self.code, self.message);
        frame.insert("type".to_owned(), Value::from("error"));
        Value::Object(frame)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = Map::from_iter([(
            "error".to_owned(),
            Value::Object(Self::detail(self.code, self.message)),
        )]);
        if let Some(Value::Object(extra)) = self.extra {
            body.extend(extra);
        }
        (self.status, Json(Value::Object(body))).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError {
            extra: e.details,
            ..ApiError::new(e.code, e.message)
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        AppError::from(e).into()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

impl From<HelpCenterError> for ApiError {
    fn from(e: HelpCenterError) -> Self {
        AppError::from(e).into()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let code = match rejection {
            JsonRejection::JsonDataError(_) => ErrorCode::InvalidField,
            JsonRejection::JsonSyntaxError(_) => ErrorCode::InvalidJson,
            JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::BodyTooLarge,
            _ => ErrorCode::InvalidBody,
        };
        ApiError::new(code, rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::new(ErrorCode::InvalidQuery, rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::new(ErrorCode::InvalidPath, rejection.body_text())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, Bytes};
    use axum::extract::FromRequest;
    use axum::http::{Request, header};

    /// The table of docs/errors.md, as the catalogue and [`status_of`] make it.
    fn documented_table() -> String {
        let mut table = String::from("| code | status | when |\n|---|---|---|\n");
        for code in ErrorCode::ALL {
            table.push_str(&format!(
                "| `{code}` | {} | {} |\n",
                status_of(*code).as_u16(),
                code.description()
            ));
        }
        table
    }

    #[test]
    fn the_docs_list_every_code_with_its_status() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let table = documented_table();
        assert!(
            doc.contains(&table),
            "docs/errors.md does not match the catalogue; its table should read:\n\n{table}"
        );
    }

    /// axum gives its rejections a status of its own; the catalogue's must
    /// be the same, or clients would see another status than before.
    #[tokio::test]
    async fn json_rejections_keep_the_status_axum_gives_them() {
        let json = |body: Body| {
            Request::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(body)
                .unwrap()
        };
        let broken_stream = futures_util::stream::once(async {
            Err::<Bytes, _>(std::io::Error::other("connection reset"))
        });
        let cases = [
            (json(Body::from("[1,")), ErrorCode::InvalidJson),
            (json(Body::from(r#"["one"]"#)), ErrorCode::InvalidField),
            (
                Request::new(Body::from("{}")),
                ErrorCode::UnsupportedMediaType,
            ),
            (
                json(Body::from(vec![b' '; 3 << 20])),
                ErrorCode::BodyTooLarge,
            ),
            (
                json(Body::from_stream(broken_stream)),
                ErrorCode::InvalidBody,
            ),
        ];
        for (request, code) in cases {
            let Err(rejection) = axum::Json::<Vec<i64>>::from_request(request, &()).await else {
                panic!("{code}: the request was accepted");
            };
            let status = rejection.status();
            let error = ApiError::from(rejection);
            assert_eq!(error.code, code);
            assert_eq!(error.status, status, "{code}");
        }
    }

    #[test]
    fn the_websocket_frame_carries_the_same_code_and_message() {
        let frame = ApiError::new(ErrorCode::InvalidMessage, "unknown type").into_ws_frame();
        assert_eq!(
            frame,
            serde_json::json!({"type": "error", "code": "invalid_message", "message": "unknown type"})
        );
    }
}
