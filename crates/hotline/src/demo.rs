//! `hotline serve --demo`: demo operators and customers, and the `/demo`
//! page, for trying the whole flow in two browser tabs.

use anyhow::Context;
use hotline_app::App;
use hotline_server::auth::identity;
use hotline_server::settings::Settings;
use hotline_server::web::demo::DemoSite;
use std::net::SocketAddr;

/// Seeds the demo operators and help center, prints where to go, and
/// returns the demo site to serve at `/demo`.
pub async fn enable(
    app: &App,
    settings: &Settings,
    address: SocketAddr,
) -> anyhow::Result<DemoSite> {
    let secret = identity::shared_secret(&settings.identity, &settings.data_dir)?.context(
        "the demo signs HS256 customer tokens, but only a public key is configured \
         (identity.public_key_file); run the demo without it",
    )?;
    let site = DemoSite::new(secret)?;
    let operators = site.seed_operators(app.store().as_ref()).await?;
    let articles = hotline_server::help::demo_articles::load_demo_help_center(app.help_center())
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
    Ok(site)
}
