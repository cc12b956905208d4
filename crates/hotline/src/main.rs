//! `hotline`: the support server and its administration commands.

mod backup;
mod config;
mod demo;
mod kb;
mod nats;
mod security;
mod store;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hotline_domain::{DepartmentId, Role};
use hotline_server::auth::{identity, passwords};
use hotline_store::NewOperator;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "hotline",
    version,
    about = "Customer support chat: conversations, queues and real-time delivery"
)]
struct Cli {
    /// Configuration file (optional; HOTLINE_* environment variables override it).
    #[arg(long, global = true, default_value = "hotline.toml")]
    config: PathBuf,
    /// Where the database and attachments live.
    #[arg(long, global = true, env = "HOTLINE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "HOTLINE_LISTEN")]
        listen: Option<String>,
        /// Seed demo operators and customers and serve the `/demo` page.
        #[arg(long)]
        demo: bool,
    },
    /// Manage operator accounts.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// Print a customer identity token signed with the configured secret, as
    /// the company's app would (for trying Hotline out and for tests).
    CustomerToken {
        /// The customer's id in the company's system.
        #[arg(long)]
        sub: String,
        #[arg(long)]
        name: String,
        /// Authentication methods, comma-separated (e.g. `pwd,otp`).
        #[arg(long, value_delimiter = ',')]
        amr: Vec<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        /// Customer tier for the priority rules (e.g. `vip`).
        #[arg(long)]
        tier: Option<String>,
        /// `seller` for a seller of the platform (their own departments).
        #[arg(long, value_parser = ["buyer", "seller"])]
        role: Option<String>,
        /// Lifetime: `90s`, `30m`, `1h`, `1d` (at most 24 h).
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: security::AuditCommand,
    },
    /// Personal-data requests: export or erase a customer.
    Customer {
        #[command(subcommand)]
        command: security::CustomerCommand,
    },
    /// Show the effective configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Import and export help-center articles (Markdown files with front matter).
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Copy the embedded database and the attachments into a new directory,
    /// consistently, while the server keeps serving.
    Backup {
        /// Directory to create; attachments already there are reused.
        dir: PathBuf,
    },
    /// Put a backup made by `hotline backup` in place of the data
    /// directory's database (kept beside it). The server must be stopped.
    Restore { dir: PathBuf },
}

#[derive(Subcommand)]
enum KbCommand {
    /// Upsert every `*.md` file under DIR by its `id` (idempotent). When any
    /// file is malformed, all problems are listed and nothing is imported.
    Import { dir: PathBuf },
    /// Write every article to DIR as `<department>/<id>.md`.
    Export { dir: PathBuf },
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Create an operator.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// `operator`, `supervisor` or `admin`.
        #[arg(long, default_value = "operator")]
        role: String,
        /// Departments served, comma-separated (e.g. `marketplace,travel`).
        #[arg(long, value_delimiter = ',', required = true)]
        departments: Vec<String>,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set the departments an operator serves (replacing the old list);
    /// their open sessions and sockets follow within seconds.
    Departments {
        #[arg(long)]
        email: String,
        /// Departments served, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        departments: Vec<String>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the configuration in effect, secrets redacted.
    Print,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let (settings, origins) = config::load(&cli.config, cli.data_dir.clone(), listen)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Serve { demo, .. } => runtime.block_on(serve(settings, demo)),
        Command::Audit { command } => runtime.block_on(security::audit(settings, command)),
        Command::Customer { command } => runtime.block_on(security::customer(settings, command)),
        Command::Operator {
            command:
                OperatorCommand::Add {
                    email,
                    name,
                    role,
                    departments,
                    password_stdin: _,
                },
        } => runtime.block_on(add_operator(settings, email, name, role, departments)),
        Command::Operator {
            command: OperatorCommand::Departments { email, departments },
        } => runtime.block_on(set_departments(settings, email, departments)),
        Command::CustomerToken {
            sub,
            name,
            amr,
            email,
            phone,
            tier,
            role,
            ttl,
        } => {
            let secret = identity::shared_secret(&settings.identity, &settings.data_dir)?.context(
                "this Hotline accepts only tokens signed with your private key (identity.public_key_file is set); \
                 sign them with that key, or set HOTLINE_IDENTITY_SECRET",
            )?;
            let ttl = parse_ttl(&ttl)?;
            anyhow::ensure!(
                ttl <= settings.identity.max_lifetime_seconds,
                "--ttl may be at most {} seconds: longer tokens are refused",
                settings.identity.max_lifetime_seconds
            );
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let amr_has_strong = amr.iter().any(|m| m != "pwd");
            let claims = identity::IdentityClaims {
                sub,
                name,
                exp: now + ttl,
                iat: Some(now),
                email,
                phone,
                auth_time: amr_has_strong.then_some(now),
                amr,
                tier,
                role,
            };
            println!("{}", identity::mint(&secret, &claims)?);
            Ok(())
        }
        Command::Kb { command } => match command {
            KbCommand::Import { dir } => runtime.block_on(kb::import(settings, dir)),
            KbCommand::Export { dir } => runtime.block_on(kb::export(settings, dir)),
        },
        Command::Backup { dir } => runtime.block_on(backup::backup(settings, dir)),
        Command::Restore { dir } => runtime.block_on(backup::restore(settings, dir)),
        Command::Config {
            command: ConfigCommand::Print,
        } => {
            let (settings, origins) =
                runtime.block_on(config::with_console_settings(settings, origins));
            print!("{}", toml::to_string_pretty(&settings.redacted())?);
            println!();
            println!("# Where the values came from (everything else is a built-in default):");
            for origin in &origins {
                println!("#   {:<40} {}", origin.key, origin.from);
            }
            println!(
                "# Canned replies changed in the console are stored in the database and win over canned_replies here (as the SLA policy saved there wins over queues.sla, shown above when one is)."
            );
            Ok(())
        }
    }
}

async fn serve(settings: hotline_server::settings::Settings, demo: bool) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}; is another server running there? (use --listen)",
                settings.listen
            )
        })?;
    let address = listener.local_addr()?;
    let data_dir = settings.data_dir.clone();
    let _lock = backup::DataDirLock::for_serving(&settings)?;
    let (bus, shared) = crate::store::serving_bus(&settings);
    let nats_url = settings.nats_url.clone().filter(|url| !url.is_empty());
    let store = crate::store::open_with(&settings, bus.clone()).await?;
    let demo_settings = demo.then(|| settings.clone());
    let mut server = hotline_server::build(settings, store.clone(), bus).await?;
    server
        .start_webhooks()
        .context("cannot make the webhooks' HTTPS client")?;
    if let Some(shared) = shared {
        // Other nodes' commits reach this node's readers within a second.
        let departments = server
            .state
            .app
            .departments()
            .iter()
            .map(|d| d.id.clone())
            .collect();
        if let Some(url) = nats_url {
            tokio::spawn(nats::hints(url, shared.clone()));
        }
        tokio::spawn(shared.follow(store, departments, FOLLOW_EVERY));
    }
    if let Some(settings) = demo_settings {
        let site = demo::enable(&server.state.app, &settings, address).await?;
        server.state.pages.demo = Some(Arc::new(site));
    }
    tracing::info!(
        "Hotline is listening on http://{address} (data in {})",
        data_dir.display()
    );
    hotline_server::serve(listener, server, shutdown_signal()).await?;
    tracing::info!("Hotline stopped");
    Ok(())
}

/// How often a node on a shared store reads the log for other nodes' commits.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

async fn add_operator(
    settings: hotline_server::settings::Settings,
    email: String,
    name: String,
    role: String,
    departments: Vec<String>,
) -> anyhow::Result<()> {
    let role = Role::parse(&role)
        .with_context(|| format!("unknown role `{role}`: use operator, supervisor or admin"))?;
    let email = email.trim().to_lowercase();
    anyhow::ensure!(
        email.contains('@') && email.len() <= 254,
        "`{email}` is not an e-mail address"
    );
    let name = name.trim().to_owned();
    anyhow::ensure!(
        !name.is_empty() && name.chars().count() <= 100,
        "the name must be 1–100 characters"
    );
    if let Some(problem) =
        hotline_app::security::operator_name_problem(&name, &settings.allowed_link_domains)
    {
        anyhow::bail!("{problem}; customers must be able to trust operator names, choose another");
    }
    let departments = configured_departments(&settings, departments)?;
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.lines().next().unwrap_or_default().to_owned();
    anyhow::ensure!(
        password.chars().count() >= passwords::MIN_PASSWORD_CHARS,
        "the password must be at least {} characters",
        passwords::MIN_PASSWORD_CHARS
    );
    let password_hash = passwords::hash_password(&password)?;
    let store = crate::store::open(&settings).await?;
    let operator = store
        .create_operator(NewOperator {
            email: email.clone(),
            name,
            role,
            departments,
            password_hash,
        })
        .await
        .map_err(|e| match e {
            hotline_store::StoreError::Conflict(_) => {
                anyhow::anyhow!("an operator with the e-mail {email} already exists")
            }
            other => other.into(),
        })?;
    println!(
        "created {} {} ({}) in {}",
        role.as_str(),
        email,
        operator.id,
        {
            let list: Vec<_> = operator.departments.iter().map(|d| d.as_str()).collect();
            list.join(", ")
        }
    );
    Ok(())
}

/// Checks department names against the configuration.
fn configured_departments(
    settings: &hotline_server::settings::Settings,
    names: Vec<String>,
) -> anyhow::Result<Vec<DepartmentId>> {
    names
        .into_iter()
        .map(|d| {
            let id = DepartmentId::parse(d.clone())
                .ok()
                .filter(|id| settings.departments.iter().any(|c| &c.id == id));
            id.with_context(|| {
                let known: Vec<_> = settings.departments.iter().map(|c| c.id.as_str()).collect();
                format!("unknown department `{d}`; configured: {}", known.join(", "))
            })
        })
        .collect()
}

async fn set_departments(
    settings: hotline_server::settings::Settings,
    email: String,
    departments: Vec<String>,
) -> anyhow::Result<()> {
    let email = email.trim().to_lowercase();
    let departments = configured_departments(&settings, departments)?;
    let store = crate::store::open(&settings).await?;
    let record = store.operator_by_email(&email).await?.with_context(|| {
        format!("no operator has the e-mail {email}; create one with `hotline operator add`")
    })?;
    let operator = store
        .set_operator_departments(&record.operator.id, departments)
        .await?;
    let list: Vec<_> = operator.departments.iter().map(|d| d.as_str()).collect();
    println!("{email} now serves: {}", list.join(", "));
    Ok(())
}

/// `90s`, `30m`, `1h`, `1d` → seconds.
fn parse_ttl(raw: &str) -> anyhow::Result<i64> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let number: i64 = number
        .parse()
        .with_context(|| format!("cannot read the duration `{raw}`; write e.g. 30m or 1h"))?;
    let unit = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        other => anyhow::bail!("unknown unit `{other}` in `{raw}`; use s, m, h or d"),
    };
    anyhow::ensure!(number > 0, "the duration must be positive");
    Ok(number * unit)
}

#[cfg(test)]
mod tests {
    use super::parse_ttl;

    #[test]
    fn ttl_units() {
        assert_eq!(parse_ttl("90s").unwrap(), 90);
        assert_eq!(parse_ttl("30m").unwrap(), 1800);
        assert_eq!(parse_ttl("1h").unwrap(), 3600);
        assert_eq!(parse_ttl("2d").unwrap(), 172_800);
        assert_eq!(parse_ttl("45").unwrap(), 45);
        assert!(parse_ttl("1w").is_err());
        assert!(parse_ttl("h").is_err());
        assert!(parse_ttl("0m").is_err());
    }
}
