//! The `portcullis` binary: `serve`, `migrate`, `import`, `export`, `user`, `oauth-client`,
//! `jwks rotate`, `secret generate`, `healthcheck`, `openapi`.

mod moving;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use portcullis_core::crypto::hash_memory::KeepHashMemory;
use portcullis_core::{Config, Sources};

/// mimalloc rather than glibc's malloc: allocation is a large share of each request's own work
/// (see bench/tuning-log.md, "Allocator"). Wrapped so that a hash thread keeps its large
/// working buffer between back-to-back hashes (`hash_memory`).
#[global_allocator]
static ALLOCATOR: KeepHashMemory<mimalloc::MiMalloc> = KeepHashMemory(mimalloc::MiMalloc);

/// Keeps mimalloc's resident set small. Its default backs arenas with transparent huge pages,
/// so a few KiB touched cost 2 MiB resident, and it hands freed pages back a second late. Under
/// sign-in load peak RSS was 74–81 MB with the defaults and 63 MB with these (glibc: 60 MB).
/// Both apply from here on; options read only at start-up stay as they are.
fn tune_allocator() {
    // SAFETY: mi_option_set stores an integer in mimalloc's option table; any value is valid.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and changes only this process's flag.
    let _ = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}

/// `mi_option_purge_delay`'s position in mimalloc 3's `mi_option_t` (the sys crate names only
/// version 2's). The test below pins it to its meaning through its default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[derive(Parser)]
#[command(
    name = "portcullis",
    version,
    about = "Self-hosted authentication server, wire-compatible with Better Auth"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (migrates the database first unless PORTCULLIS_NO_AUTO_MIGRATE=true).
    Serve,
    /// Create missing tables, columns and indexes. Never drops anything.
    Migrate {
        /// Print what would change and the SQL that would run; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(subcommand)]
        command: Option<MigrateCommand>,
    },
    /// Import users from another auth system into DATABASE_URL's database (safe to repeat
    /// and to resume; see README "Moving to Portcullis").
    Import(moving::ImportArgs),
    /// Write every user with their accounts (password hashes and tokens included) as JSON
    /// lines, for moving elsewhere.
    Export {
        /// A file to write (created readable by its owner only); standard output otherwise.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Secrets.
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
    /// JWT signing keys (the jwt plugin).
    Jwks {
        #[command(subcommand)]
        command: JwksCommand,
    },
    /// Users, without SQL: make the first administrator, set roles, ban, list.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// OAuth clients of the OpenID provider (ENABLE_OIDC_PROVIDER).
    #[command(name = "oauth-client")]
    OauthClient {
        #[command(subcommand)]
        command: OauthClientCommand,
    },
    /// Probe the running server's /api/health; exit 0 when healthy, 1 otherwise.
    Healthcheck,
    /// Print the OpenAPI 3.1 document.
    Openapi,
}

#[derive(Subcommand)]
enum MigrateCommand {
    /// Show what the database lacks for the enabled plugins; exit 1 when anything is missing.
    Status,
}

#[derive(Subcommand)]
enum SecretCommand {
    /// Print a new random secret for BETTER_AUTH_SECRET.
    Generate,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with a password (its email counts as verified).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The password; `-` reads it from the first line of standard input, which keeps it
        /// out of the shell history and the process list.
        #[arg(long)]
        password: String,
        /// Roles, comma-separated (admin plugin), e.g. `admin`.
        #[arg(long)]
        role: Option<String>,
    },
    /// Set a user's roles, comma-separated.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
    },
    /// Ban a user until unbanned, ending their sessions.
    Ban {
        #[arg(long)]
        email: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// List users, oldest first.
    List,
}

#[derive(Subcommand)]
enum OauthClientCommand {
    /// Register a client; prints it as JSON with `client_id` and, for a confidential client,
    /// `client_secret` (shown only this once).
    Create {
        #[arg(long)]
        name: String,
        /// A redirect URI; repeat for more.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// Where end-session may send the browser back; repeat for more.
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// A public client (a browser or native app): no secret, PKCE required.
        #[arg(long)]
        public: bool,
        /// A trusted first-party client: no consent page.
        #[arg(long)]
        trusted: bool,
        /// How a confidential client authenticates: client_secret_basic (the default) or
        /// client_secret_post.
        #[arg(long = "auth-method", default_value = "client_secret_basic")]
        auth_method: String,
        /// Space-separated scopes it may ask for (default: all the server offers).
        #[arg(long)]
        scope: Option<String>,
        /// A grant type it may use; repeat for more (default: authorization_code, refresh_token).
        #[arg(long = "grant-type")]
        grant_types: Vec<String>,
    },
    /// List clients as JSON lines (never their secrets).
    List,
    /// Replace a confidential client's secret; prints the client with the new one.
    RotateSecret {
        #[arg(long = "client-id")]
        client_id: String,
    },
    /// Delete a client with its consents and tokens.
    Delete {
        #[arg(long = "client-id")]
        client_id: String,
    },
}

#[derive(Subcommand)]
enum JwksCommand {
    /// Retire the signing keys and make a new one. Retired keys stay in the key set until
    /// every token they signed has expired; other instances switch within a minute.
    Rotate,
}

fn load_config() -> anyhow::Result<Config> {
    let sources = Sources::from_process()?;
    let mut config = Config::load(&sources)?;
    config.ensure_dev_secret()?;
    Ok(config)
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log redirected to a file or a collector stays plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if config.log_json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}

async fn serve() -> anyhow::Result<()> {
    let config = load_config()?;
    init_logging(&config);
    if config.secret_generated {
        tracing::warn!(
            path = %config.data_dir.join("secret").display(),
            "BETTER_AUTH_SECRET is not set: using a generated development secret kept in the data directory"
        );
    }
    let addr = format!("{}:{}", config.host, config.port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("HOST/PORT: cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    let migrate = config.auto_migrate;
    let app = portcullis_server::build_app(config, migrate).await?;
    tracing::info!(
        address = %format!("http://{local}"),
        database = app.ctx.adapter.backend_name(),
        base_url = %app.ctx.config.base_url,
        "portcullis listening"
    );
    if let Some(outbox) = portcullis_server::dev_outbox_url(&app) {
        tracing::info!(
            outbox = %outbox,
            "emails are not sent in development: read them in the outbox"
        );
    }
    portcullis_server::serve(app, listener).await?;
    Ok(())
}

async fn migrate(dry_run: bool, command: Option<MigrateCommand>) -> anyhow::Result<bool> {
    let config = load_config()?;
    init_logging(&config);
    let app = portcullis_server::build_app(config, false).await?;
    match (command, dry_run) {
        (Some(MigrateCommand::Status), _) => return moving::migrate_plan(&app.ctx, false).await,
        (None, true) => {
            moving::migrate_plan(&app.ctx, true).await?;
            return Ok(true);
        }
        (None, false) => {}
    }
    let report = app
        .ctx
        .adapter
        .migrate(&app.ctx.schema)
        .await
        .context("migration failed")?;
    if report.is_empty() {
        println!("database is up to date");
    } else {
        for t in &report.created_tables {
            println!("created table {t}");
        }
        for c in &report.added_columns {
            println!("added column {c}");
        }
        for i in &report.created_indexes {
            println!("created index {i}");
        }
        for m in &report.applied_migrations {
            println!("applied migration {m}");
        }
    }
    Ok(true)
}

async fn import(args: moving::ImportArgs, dry_run: bool) -> anyhow::Result<()> {
    let config = load_config()?;
    init_logging(&config);
    // A dry run writes nothing, tables included.
    let app = portcullis_server::build_app(config, !dry_run).await?;
    moving::import(&app.ctx, args).await
}

async fn export(output: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let config = load_config()?;
    init_logging(&config);
    let app = portcullis_server::build_app(config, false).await?;
    moving::export(&app.ctx, output).await
}

/// A plain HTTP/1.1 GET to the local server; no client library needed for a probe.
fn healthcheck() -> anyhow::Result<bool> {
    let sources = Sources::from_process()?;
    let config = Config::load(&sources)?;
    let host = match config.host.as_str() {
        "0.0.0.0" | "::" | "[::]" => "127.0.0.1".to_owned(),
        h => h.to_owned(),
    };
    let mut stream = TcpStream::connect((host.as_str(), config.port))
        .with_context(|| format!("cannot connect to {host}:{}", config.port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status_line = response.lines().next().unwrap_or_default();
    println!("{status_line}");
    Ok(status_line.split_whitespace().nth(1) == Some("200"))
}

async fn rotate_jwks() -> anyhow::Result<()> {
    let config = load_config()?;
    init_logging(&config);
    let app = portcullis_server::build_app(config, false).await?;
    let Some(jwt) = app.ctx.plugin::<portcullis_plugins::jwt::Jwt>() else {
        anyhow::bail!("ENABLE_JWT: the jwt plugin is off, so there are no keys to rotate");
    };
    let kid = jwt
        .rotate(&app.ctx)
        .await
        .map_err(|e| anyhow::anyhow!("rotation failed: {e:?}"))?;
    println!("new signing key {kid}");
    Ok(())
}

async fn user_command(command: UserCommand) -> anyhow::Result<()> {
    use portcullis_plugins::admin::cli;
    let config = load_config()?;
    init_logging(&config);
    let migrate = config.auto_migrate;
    let app = portcullis_server::build_app(config, migrate).await?;
    let ctx = &app.ctx;
    let show = |u: &cli::UserLine| {
        let banned = if u.banned { "  banned" } else { "" };
        println!("{}  {}  {}  role={}{banned}", u.id, u.email, u.name, u.role);
    };
    match command {
        UserCommand::Create {
            email,
            name,
            password,
            role,
        } => {
            let password = if password == "-" {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("reading the password from standard input")?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                password
            };
            show(&cli::create_user(ctx, &email, &name, &password, role.as_deref()).await?);
        }
        UserCommand::SetRole { email, role } => show(&cli::set_role(ctx, &email, &role).await?),
        UserCommand::Ban { email, reason } => {
            show(&cli::ban(ctx, &email, reason.as_deref()).await?)
        }
        UserCommand::List => {
            for u in cli::list(ctx).await? {
                show(&u);
            }
        }
    }
    Ok(())
}

async fn oauth_client_command(command: OauthClientCommand) -> anyhow::Result<()> {
    use portcullis_core::audit::AuditEvent;
    use portcullis_plugins::oidc_provider::{OidcProvider, clients::NewClient, manage};
    let config = load_config()?;
    init_logging(&config);
    let migrate = config.auto_migrate;
    let app = portcullis_server::build_app(config, migrate).await?;
    let ctx = &app.ctx;
    if ctx.plugin::<OidcProvider>().is_none() {
        anyhow::bail!("ENABLE_OIDC_PROVIDER: the OpenID provider is off, so there are no clients");
    }
    let refused = |e: portcullis_core::ApiError| {
        anyhow::anyhow!(
            "{}",
            e.message
                .as_deref()
                .or(e.code.as_deref())
                .unwrap_or("the database refused the change")
        )
    };
    let cli_event = |action: &'static str, id: &str| {
        AuditEvent::new(action)
            .target("oauthClient", id.to_owned())
            .detail("via", "cli")
    };
    match command {
        OauthClientCommand::Create {
            name,
            redirect_uris,
            post_logout_redirect_uris,
            public,
            trusted,
            auth_method,
            scope,
            grant_types,
        } => {
            let mut metadata = serde_json::json!({
                "client_name": name,
                "redirect_uris": redirect_uris,
                "token_endpoint_auth_method": if public { "none" } else { auth_method.as_str() },
                "skip_consent": trusted,
            });
            if !post_logout_redirect_uris.is_empty() {
                metadata["post_logout_redirect_uris"] = post_logout_redirect_uris.into();
            }
            if let Some(scope) = scope {
                metadata["scope"] = scope.into();
            }
            if !grant_types.is_empty() {
                metadata["grant_types"] = grant_types.into();
            }
            let new = NewClient::from_metadata(&metadata, true).map_err(refused)?;
            let (client, secret) =
                manage::create(ctx, new, |id| cli_event("oauth.client_create", id))
                    .await
                    .map_err(refused)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&manage::with_secret(&client, secret))?
            );
        }
        OauthClientCommand::List => {
            for client in manage::list(ctx).await.map_err(refused)? {
                println!("{}", client.metadata());
            }
        }
        OauthClientCommand::RotateSecret { client_id } => {
            let event = cli_event("oauth.client_rotate_secret", &client_id);
            let (client, secret) = manage::rotate(ctx, &client_id, event)
                .await
                .map_err(refused)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&manage::with_secret(&client, secret))?
            );
        }
        OauthClientCommand::Delete { client_id } => {
            let event = cli_event("oauth.client_delete", &client_id);
            manage::delete(ctx, &client_id, event)
                .await
                .map_err(refused)?;
            println!("deleted {client_id}");
        }
    }
    Ok(())
}

async fn openapi() -> anyhow::Result<()> {
    let sources = Sources::from_process()?;
    let mut config = Config::load(&sources)?;
    // Printing the document needs no secret: don't create the development one as a side effect.
    if config.secret_generated {
        config.secret =
            portcullis_core::config::Secret::new(portcullis_core::crypto::token::generate_id(48));
    }
    // The document needs the routes, not a real database.
    config.database_url = "sqlite::memory:".to_owned();
    let app = portcullis_server::build_app(config, false).await?;
    println!(
        "{}",
        serde_json::to_string_pretty(&portcullis_core::openapi::document(&app.ctx))?
    );
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<bool> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Serve => rt.block_on(serve()).map(|_| true),
        Command::Migrate { dry_run, command } => rt.block_on(migrate(dry_run, command)),
        Command::Import(args) => {
            let dry_run = args.dry_run();
            rt.block_on(import(args, dry_run)).map(|_| true)
        }
        Command::Export { output } => rt.block_on(export(output)).map(|_| true),
        Command::Openapi => rt.block_on(openapi()).map(|_| true),
        Command::Healthcheck => healthcheck(),
        Command::User { command } => rt.block_on(user_command(command)).map(|_| true),
        Command::OauthClient { command } => {
            rt.block_on(oauth_client_command(command)).map(|_| true)
        }
        Command::Jwks {
            command: JwksCommand::Rotate,
        } => rt.block_on(rotate_jwks()).map(|_| true),
        Command::Secret {
            command: SecretCommand::Generate,
        } => {
            use rand::RngCore;
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            println!(
                "{}",
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            Ok(true)
        }
    }
}

fn main() -> ExitCode {
    tune_allocator();
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            // One clear line; configuration errors already name their variable.
            eprintln!("portcullis: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MI_OPTION_PURGE_DELAY;

    #[test]
    fn mimalloc_option_position_is_purge_delay() {
        // purge_delay defaults to 1000 (ms) in mimalloc 3's options.c; no neighbour has that
        // default. Only an environment setting could change it in this process.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: mi_option_get reads mimalloc's option table.
        let purge = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(purge, 1000);
    }
}
