//! Attachments: streamed to disk while hashed and measured, typed by their
//! content (never by name), stored under their SHA-256, served only to those
//! who may read the conversation.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Path};
use crate::auth::Auth;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hotline_app::App;
use hotline_app::files::Files;
use hotline_domain::values::display_file_name;
use hotline_domain::{AttachmentId, AttachmentInfo, ErrorCode, Principal};
use hotline_store::{NewAttachment, Store, Uploader};
use sha2::{Digest, Sha256};
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// The attachment files and their size limit.
#[derive(Clone)]
pub struct Attachments {
    files: Arc<Files>,
    /// Largest attachment, in bytes.
    max_bytes: u64,
}

impl Attachments {
    pub fn new(files: Arc<Files>, max_bytes: u64) -> Attachments {
        Attachments { files, max_bytes }
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    pub fn files(&self) -> &Arc<Files> {
        &self.files
    }

    /// Keeps a file received whole (from a social platform) as `principal`'s
    /// upload, under the same checks as an upload.
    pub async fn keep_bytes(
        &self,
        store: &dyn Store,
        principal: &Principal,
        name: &str,
        content: &[u8],
    ) -> ApiResult<AttachmentInfo> {
        if content.len() as u64 > self.max_bytes {
            return Err(too_large(self.max_bytes));
        }
        let mut name = display_file_name(name);
        hotline_app::security::mask_name(&mut name);
        let temp = self.temp_file().await?;
        let mut file = tokio::fs::File::create(&temp.0)
            .await
            .map_err(ApiError::internal)?;
        file.write_all(content).await.map_err(ApiError::internal)?;
        file.sync_all().await.map_err(ApiError::internal)?;
        drop(file);
        let mut hasher = Sha256::new();
        hasher.update(content);
        let head = &content[..content.len().min(8192)];
        self.keep(
            store,
            principal,
            name,
            temp,
            content.len() as u64,
            head,
            hasher,
        )
        .await
    }

    async fn temp_file(&self) -> ApiResult<TempFile> {
        let tmp_dir = self.files.root().join("tmp");
        tokio::fs::create_dir_all(&tmp_dir)
            .await
            .map_err(ApiError::internal)?;
        Ok(TempFile(tmp_dir.join(uuid::Uuid::new_v4().to_string())))
    }

    /// Types a written temporary file by its content, moves it under its
    /// SHA-256 (durably) and records it as `principal`'s upload.
    #[allow(clippy::too_many_arguments)]
    async fn keep(
        &self,
        store: &dyn Store,
        principal: &Principal,
        name: String,
        temp: TempFile,
        size: u64,
        head: &[u8],
        hasher: Sha256,
    ) -> ApiResult<AttachmentInfo> {
        let attachments = self;
        let root = attachments.files.root();
        if size == 0 {
            return Err(ApiError::new(ErrorCode::EmptyFile, "the file is empty"));
        }

        let content_type = match infer::get(head).map(|t| t.mime_type()) {
            Some(mime) if SNIFFED_TYPES.contains(&mime) => mime.to_owned(),
            Some(mime) => return Err(unsupported(mime)),
            None if is_plain_text(&temp.0).await? => PLAIN_TEXT.to_owned(),
            None => return Err(unsupported("unknown")),
        };

        let sha256 = hex::encode(hasher.finalize());
        let target = attachments.files.content_path(&sha256);
        if tokio::fs::try_exists(&target)
            .await
            .map_err(ApiError::internal)?
        {
            // The same content is already stored.
        } else {
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(ApiError::internal)?;
            }
            tokio::fs::rename(&temp.0, &target)
                .await
                .map_err(ApiError::internal)?;
            // The file is acknowledged below: its name must be durable too.
            for dir in [target.parent(), Some(root)].into_iter().flatten() {
                sync_dir(dir).await?;
            }
        }

        attachments.files.share(store, &sha256).await?;

        let info = AttachmentInfo {
            id: AttachmentId::generate(),
            name,
            size,
            content_type,
        };
        store
            .put_attachment(NewAttachment {
                info: info.clone(),
                sha256,
                uploader: Uploader::of(principal),
            })
            .await?;
        Ok(info)
    }
}

/// Types accepted, as sniffed from the first bytes.
const SNIFFED_TYPES: &[&str] = &[
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/heif",
    "image/heic",
];
const PLAIN_TEXT: &str = "text/plain; charset=utf-8";

fn too_large(max: u64) -> ApiError {
    ApiError::new(
        ErrorCode::AttachmentTooLarge,
        format!(
            "the file is larger than the limit of {} MiB",
            max / (1024 * 1024)
        ),
    )
}

/// Removes the temporary file however the upload ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Uploads a file (multipart field `file`); send its id in a message's
/// `attachment_ids`.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "attachments",
    request_body(content_type = "multipart/form-data", description = "The file in the field `file`"),
    responses((status = 201, body = AttachmentInfo), (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody, description = "Not PDF, JPEG, PNG, HEIC or plain text")),
    security(("bearer" = [])))]
pub async fn upload(
    State(attachments): State<Attachments>,
    State(store): State<Arc<dyn Store>>,
    Auth(principal): Auth,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentInfo>)> {
    let mut multipart =
        multipart.map_err(|e| ApiError::new(ErrorCode::InvalidMultipart, e.body_text()))?;
    let max = attachments.max_bytes;
    let multipart_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(max)
        } else {
            ApiError::new(ErrorCode::InvalidMultipart, e.body_text())
        }
    };
    let mut field = loop {
        match multipart.next_field().await.map_err(multipart_error)? {
            Some(field) if field.name() == Some("file") => break field,
            Some(_) => continue,
            None => {
                return Err(ApiError::new(
                    ErrorCode::MissingFile,
                    "send the file in the multipart field `file`",
                ));
            }
        }
    };
    let mut name = display_file_name(field.file_name().unwrap_or("file"));
    hotline_app::security::mask_name(&mut name);

    let temp = attachments.temp_file().await?;
    let mut file = tokio::fs::File::create(&temp.0)
        .await
        .map_err(ApiError::internal)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut head: Vec<u8> = Vec::with_capacity(8192);
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        size += chunk.len() as u64;
        if size > max {
            return Err(too_large(max));
        }
        if head.len() < 8192 {
            head.extend_from_slice(&chunk[..chunk.len().min(8192 - head.len())]);
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    file.sync_all().await.map_err(ApiError::internal)?;
    drop(file);
    let info = attachments
        .keep(store.as_ref(), &principal, name, temp, size, &head, hasher)
        .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

async fn sync_dir(dir: &FsPath) -> ApiResult<()> {
    let handle = tokio::fs::File::open(dir)
        .await
        .map_err(ApiError::internal)?;
    handle.sync_all().await.map_err(ApiError::internal)
}

fn unsupported(found: &str) -> ApiError {
    ApiError::new(
        ErrorCode::UnsupportedAttachmentType,
        format!(
            "files of type {found} cannot be attached; send PDF, JPEG, PNG, HEIC or plain text"
        ),
    )
}

async fn is_plain_text(path: &FsPath) -> ApiResult<bool> {
    let bytes = tokio::fs::read(path).await.map_err(ApiError::internal)?;
    Ok(std::str::from_utf8(&bytes).is_ok_and(|s| !s.contains('\0')))
}

/// `Content-Disposition` per RFC 6266: an ASCII fallback and the UTF-8 name.
fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// Downloads a file. Only its uploader and those who may read the
/// conversation it was sent in get it; everyone else gets 404.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = String, Path, description = "Attachment id")),
    responses((status = 200, description = "The file, as a download"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn download(
    State(app): State<Arc<App>>,
    State(attachments): State<Attachments>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let record = app
        .attachment(&principal, &AttachmentId::from_raw(id))
        .await?;
    let path = attachments
        .files
        .local(app.store().as_ref(), &record.sha256)
        .await?;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(ApiError::internal)?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (header::CONTENT_TYPE, record.info.content_type.clone()),
            (header::CONTENT_LENGTH, record.info.size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&record.info.name),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
