//! `hotline serve --demo`: demo operators and customers, and the `/demo`
//! page, for trying the whole flow in two browser tabs.

use anyhow::Context;
use hotline_server::auth::identity;
use hotline_server::settings::Settings;
use hotline_server::state::AppState;
use hotline_server::web::demo::DemoSite;
use std::net::SocketAddr;
use std::sync::Arc;

/// Seeds the demo operators, turns on `/demo`, and prints where to go.
pub async fn enable(
    state: &mut AppState,
    settings: &Settings,
    address: SocketAddr,
) -> anyhow::Result<()> {
    let secret = identity::shared_secret(&settings.identity, &settings.data_dir)?.context(
        "the demo signs HS256 customer tokens, but only a public key is configured \
         (identity.public_key_file); run the demo without it",
    )?;
    let site = DemoSite::new(secret)?;
    let operators = site.seed_operators(state.store.as_ref()).await?;
    let articles = hotline_server::help::demo_articles::load_demo_help_center(state.help_center())
        .await
        .context("cannot load the demo help center")?;
    println!(
        "Hotline demo is ready. Demo mode signs tokens for made-up customers: never run it with real data."
    );
    println!("  Customer (the company's site): http://{address}/demo");
    println!("  Operator console:              http://{address}/console");
    println!("  Help center:                   http://{address}/help ({articles})");
    println!("  Demo operators (demo mode only):");
    for operator in operators {
        println!(
            "    {:<24} password {:<20} {} ({}: {})",
            operator.email,
            operator.password,
            operator.name,
            operator.role,
            operator.departments.join(", ")
        );
    }
    state.demo = Some(Arc::new(site));
    Ok(())
}
