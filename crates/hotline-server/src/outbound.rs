//! The HTTPS client for what Hotline sends out — replies to the social
//! platforms and the outbound webhooks: JSON, form and multipart POSTs and
//! downloads, with time limits. TLS is rustls with ring given explicitly
//! and the system's root certificates. Redirects are not followed (a
//! webhook's address is what the administrator configured). Errors never
//! carry the URL: Telegram's holds the bot token, a webhook's may too.

use bytes::Bytes;
use http::{Method, Request, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use std::sync::Arc;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read from an API call (files have their own limit).
const MAX_ANSWER: usize = 1024 * 1024;

#[derive(Clone)]
pub struct Http {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// An answer: its status and body.
pub struct Reply {
    pub status: http::StatusCode,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl Http {
    pub fn new() -> anyhow::Result<Http> {
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        for cert in found.certs {
            // A certificate the store cannot parse is one less root, not a failure.
            let _ = roots.add(cert);
        }
        if roots.is_empty() {
            tracing::warn!(
                "no system root certificates found: the social channels and webhooks cannot reach HTTPS addresses"
            );
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Http {
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        content_type: Option<String>,
        body: Bytes,
        max: usize,
    ) -> Result<Reply, String> {
        self.send_with(method, url, content_type, &[], body, max, TIMEOUT)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_with(
        &self,
        method: Method,
        url: &str,
        content_type: Option<String>,
        headers: &[(&str, String)],
        body: Bytes,
        max: usize,
        timeout: Duration,
    ) -> Result<Reply, String> {
        let mut request = Request::builder().method(method).uri(url);
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request
            .body(Full::new(body))
            .map_err(|_| "the request could not be made".to_owned())?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| format!("no answer: {e}"))?;
            let status = response.status();
            let body = Limited::new(response.into_body(), max)
                .collect()
                .await
                .map_err(|e| format!("the answer could not be read: {e}"))?
                .to_bytes();
            Ok(Reply { status, body })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| format!("no answer within {timeout:?}"))?
    }

    /// A JSON POST with extra headers and its own time limit; the answer's
    /// body is read up to a small limit only (a webhook's receiver answers
    /// with its status).
    pub async fn post_json_with(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Bytes,
        timeout: Duration,
    ) -> Result<Reply, String> {
        const MAX_RECEIPT: usize = 64 * 1024;
        self.send_with(
            Method::POST,
            url,
            Some("application/json".into()),
            headers,
            body,
            MAX_RECEIPT,
            timeout,
        )
        .await
    }

    pub async fn post_json(&self, url: &str, body: &serde_json::Value) -> Result<Reply, String> {
        self.send(
            Method::POST,
            url,
            Some("application/json".into()),
            Bytes::from(body.to_string()),
            MAX_ANSWER,
        )
        .await
    }

    pub async fn post_form(&self, url: &str, fields: &[(&str, String)]) -> Result<Reply, String> {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            Method::POST,
            url,
            Some("application/x-www-form-urlencoded".into()),
            Bytes::from(body),
            MAX_ANSWER,
        )
        .await
    }

    /// A `multipart/form-data` POST of text fields and one file.
    pub async fn post_file(
        &self,
        url: &str,
        fields: &[(&str, String)],
        file: MultipartFile<'_>,
    ) -> Result<Reply, String> {
        let boundary = format!("hotline-{}", uuid::Uuid::new_v4().simple());
        let mut body = Vec::with_capacity(file.content.len() + 512);
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        let file_name: String = file
            .file_name
            .chars()
            .map(|c| if c == '"' || c.is_control() { '_' } else { c })
            .collect();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{file_name}\"\r\nContent-Type: {}\r\n\r\n",
                file.field, file.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send(
            Method::POST,
            url,
            Some(format!("multipart/form-data; boundary={boundary}")),
            Bytes::from(body),
            MAX_ANSWER,
        )
        .await
    }

    /// Downloads at most `max` bytes (`Err` beyond).
    pub async fn download(&self, url: &str, max: usize) -> Result<Bytes, String> {
        let reply = self.send(Method::GET, url, None, Bytes::new(), max).await?;
        if !reply.status.is_success() {
            return Err(format!("the download answered {}", reply.status));
        }
        Ok(reply.body)
    }
}

/// The file of a multipart POST.
pub struct MultipartFile<'a> {
    pub field: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub content: &'a [u8],
}
