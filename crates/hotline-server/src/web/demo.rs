//! Demo mode (`hotline serve --demo`): demo operators, demo customers with
//! orders and bookings, and `/demo`, a page that plays the company's site and
//! embeds the widget with a token it signs for the chosen customer.
//!
//! The data lives in `demo.json`. Nothing here runs without `--demo`.

use super::context::Order;
use super::i18n::Lang;
use super::{Framing, WebPages};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::Json;
use crate::auth::identity::IdentityClaims;
use crate::auth::passwords;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use hotline_domain::{DepartmentId, Role};
use hotline_store::{NewOperator, Store, StoreError};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

const DEMO_DATA: &str = include_str!("demo.json");
/// Demo tokens live this long; the widget asks the page for a new one after.
const TOKEN_SECONDS: i64 = 3600;

#[derive(Debug, Clone, Deserialize)]
pub struct DemoData {
    pub customers: Vec<DemoCustomer>,
    pub operators: Vec<DemoOperator>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoCustomer {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub amr: Vec<String>,
    pub orders: Vec<Order>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoOperator {
    pub email: String,
    pub name: String,
    pub role: String,
    pub departments: Vec<String>,
    pub password: String,
}

/// The demo, when the server runs with `--demo`.
pub struct DemoSite {
    pub data: DemoData,
    /// The HS256 secret the demo signs customers' tokens with, as the
    /// company's back end would.
    secret: String,
}

impl DemoSite {
    pub fn new(secret: String) -> anyhow::Result<DemoSite> {
        Ok(DemoSite {
            data: serde_json::from_str(DEMO_DATA)?,
            secret,
        })
    }

    /// A token for a demo customer: the usual claims plus `orders`.
    pub fn token_for(&self, customer: &DemoCustomer, now: i64) -> anyhow::Result<String> {
        #[derive(Serialize)]
        struct Claims<'a> {
            #[serde(flatten)]
            identity: IdentityClaims,
            orders: &'a [Order],
        }
        let strong = customer.amr.iter().any(|m| m != "pwd");
        let claims = Claims {
            identity: IdentityClaims {
                sub: customer.id.clone(),
                name: customer.name.clone(),
                exp: now + TOKEN_SECONDS,
                iat: Some(now),
                email: customer.email.clone(),
                phone: customer.phone.clone(),
                amr: customer.amr.clone(),
                auth_time: strong.then_some(now),
                tier: None,
                role: None,
            },
            orders: &customer.orders,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(self.secret.as_bytes()),
        )?)
    }

    /// Creates the demo operators that do not exist yet; returns all of them
    /// (their passwords are printed at start-up, in demo mode only).
    pub async fn seed_operators(&self, store: &dyn Store) -> anyhow::Result<&[DemoOperator]> {
        for operator in &self.data.operators {
            if store.operator_by_email(&operator.email).await?.is_some() {
                continue;
            }
            let role = Role::parse(&operator.role)
                .ok_or_else(|| anyhow::anyhow!("demo.json: unknown role {}", operator.role))?;
            let departments = operator
                .departments
                .iter()
                .map(|d| DepartmentId::parse(d.clone()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("demo.json: {e}"))?;
            let password = operator.password.clone();
            let password_hash =
                tokio::task::spawn_blocking(move || passwords::hash_password(&password)).await??;
            match store
                .create_operator(NewOperator {
                    email: operator.email.clone(),
                    name: operator.name.clone(),
                    role,
                    departments,
                    password_hash,
                })
                .await
            {
                Ok(_) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(&self.data.operators)
    }
}

#[derive(Debug, Deserialize)]
pub struct DemoQuery {
    pub lang: Option<String>,
    pub customer: Option<String>,
}

/// The company's site, played: pick a customer, get the widget.
pub async fn demo_page(
    State(pages): State<WebPages>,
    Query(query): Query<DemoQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(demo) = &pages.demo else {
        return ApiError::not_found().into_response();
    };
    let lang = Lang::negotiate(query.lang.as_deref(), &headers);
    let chosen = query.customer.unwrap_or_else(|| "guest".into());
    let known = chosen == "guest" || demo.data.customers.iter().any(|c| c.id == chosen);
    let chosen = if known { chosen } else { "guest".into() };
    let lang_query = query
        .lang
        .as_deref()
        .and_then(|l| ["ru", "en"].into_iter().find(|known| *known == l));
    let customers = demo
        .data
        .customers
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .chain(std::iter::once(("guest", lang.text("demo_guest"))))
        .map(|(id, name)| DemoEntry {
            id,
            name,
            current: id == chosen,
        })
        .collect();
    let template = DemoPage {
        lang,
        chosen: &chosen,
        lang_query,
        customers,
    };
    super::page(Framing::SameOrigin, &pages.settings, &template)
}

/// The demo site's page: a list of customers to log in as.
#[derive(Template)]
#[template(path = "web/demo.html")]
struct DemoPage<'a> {
    lang: Lang,
    /// The chosen customer's id, or `guest`.
    chosen: &'a str,
    /// `?lang=` as asked, carried over to the customers' links.
    lang_query: Option<&'static str>,
    customers: Vec<DemoEntry<'a>>,
}

struct DemoEntry<'a> {
    id: &'a str,
    name: &'a str,
    current: bool,
}

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    pub customer: String,
}

/// The company's back end, played: signs an identity token for a demo
/// customer.
pub async fn token(
    State(pages): State<WebPages>,
    Json(body): Json<TokenRequest>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let demo = pages.demo.as_ref().ok_or_else(ApiError::not_found)?;
    let customer = demo
        .data
        .customers
        .iter()
        .find(|c| c.id == body.customer)
        .ok_or_else(ApiError::not_found)?;
    let token = demo
        .token_for(customer, crate::auth::unix_now())
        .map_err(ApiError::internal)?;
    Ok(axum::Json(serde_json::json!({ "token": token })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_names_and_ids_are_escaped() {
        let hostile = "</script><script>alert(1)</script>\"'&";
        let html = DemoPage {
            lang: Lang::En,
            chosen: hostile,
            lang_query: Some("en"),
            customers: vec![
                DemoEntry {
                    id: hostile,
                    name: hostile,
                    current: true,
                },
                DemoEntry {
                    id: "guest",
                    name: "Guest",
                    current: false,
                },
            ],
        }
        .render()
        .unwrap();
        let escaped = "&#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;";
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains(&format!("<body data-customer=\"{escaped}\">")),
            "{html}"
        );
        assert!(
            html.contains(&format!(
                "<li><a href=\"/demo?customer=%3C%2Fscript%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E%22%27%26&amp;lang=en\" aria-current=\"true\">{escaped}</a></li>"
            )),
            "{html}"
        );
        assert!(
            html.contains(r#"<li><a href="/demo?customer=guest&amp;lang=en">Guest</a></li>"#),
            "{html}"
        );
    }
}
