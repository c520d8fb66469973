//! Moving in and out: `import`, `migrate --dry-run`, `migrate status` and `export`.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use portcullis_core::AuthContext;
use portcullis_core::crypto::symmetric;
use portcullis_import::{FirebaseHashConfig, ImportOptions, SourceKind, SourceOptions};
use portcullis_storage::{MigrationReport, Query, Row, SortDirection, Value, Where, WhereOp};

/// `portcullis import`'s arguments.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// Where the users come from.
    #[arg(value_enum)]
    source: SourceKind,
    /// The export file(s) (clerk takes its CSV and JSON together), or the source database's
    /// URL (better-auth, authjs, supabase).
    #[arg(required = true)]
    inputs: Vec<String>,
    /// auth0: the password hashes file (NDJSON) Auth0's support sends.
    #[arg(long)]
    passwords: Option<PathBuf>,
    /// firebase: the project's base64 signer key (console: Users, Password hash parameters).
    #[arg(long = "hash-key")]
    hash_key: Option<String>,
    /// firebase: the base64 salt separator.
    #[arg(long = "salt-separator", default_value = "Bw==")]
    salt_separator: String,
    /// firebase: scrypt rounds.
    #[arg(long, default_value_t = 8)]
    rounds: u32,
    /// firebase: scrypt memory cost (N = 2^mem-cost).
    #[arg(long = "mem-cost", default_value_t = 14)]
    mem_cost: u8,
    /// better-auth: the source's BETTER_AUTH_SECRET, when it differs from this server's
    /// (values it sealed are sealed again with this server's).
    #[arg(
        long = "source-secret",
        env = "SOURCE_BETTER_AUTH_SECRET",
        hide_env_values = true
    )]
    source_secret: Option<String>,
    /// Read and check everything, report what would happen, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Entries per transaction.
    #[arg(long, default_value_t = 500)]
    batch_size: usize,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Also write the whole report, every issue included, to this file as JSON.
    #[arg(long)]
    report: Option<PathBuf>,
}

impl ImportArgs {
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    fn options(self) -> anyhow::Result<ImportOptions> {
        use base64::Engine as _;
        let b64 = |flag: &str, value: &str| {
            base64::engine::general_purpose::STANDARD
                .decode(value.trim())
                .with_context(|| format!("--{flag}: not base64"))
        };
        let firebase = match &self.hash_key {
            Some(key) => Some(FirebaseHashConfig {
                signer_key: b64("hash-key", key)?,
                salt_separator: b64("salt-separator", &self.salt_separator)?,
                rounds: self.rounds,
                mem_cost: self.mem_cost,
            }),
            None => None,
        };
        Ok(ImportOptions {
            source: self.source,
            inputs: self.inputs,
            source_options: SourceOptions {
                passwords: self.passwords,
                firebase,
                source_secret: self.source_secret,
            },
            dry_run: self.dry_run,
            batch_size: self.batch_size,
            progress: !self.no_progress,
        })
    }
}

pub async fn import(ctx: &AuthContext, args: ImportArgs) -> anyhow::Result<()> {
    let report_file = args.report.clone();
    let report = portcullis_import::run(ctx, &args.options()?).await?;
    print!("{report}");
    if let Some(path) = report_file {
        std::fs::write(&path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("--report {}", path.display()))?;
    }
    Ok(())
}

/// Which part of the server (`core` or a plugin's id) declares `table`, or `table.column`.
fn owner(ctx: &AuthContext, table: &str, column: Option<&str>) -> &'static str {
    let declares = |tables: &[portcullis_storage::Table]| {
        tables
            .iter()
            .any(|t| t.name == table && column.is_none_or(|c| t.fields.iter().any(|f| f.name == c)))
    };
    if declares(&portcullis_storage::Schema::core().tables) {
        return "core";
    }
    ctx.plugins
        .iter()
        .find(|p| declares(&p.schema()))
        .map_or("settings", |p| p.id())
}

/// Prints what `migrate` would do; with `statements`, its SQL too. Answers whether the
/// database is up to date.
pub async fn migrate_plan(ctx: &AuthContext, statements: bool) -> anyhow::Result<bool> {
    let plan = ctx
        .adapter
        .plan_migration(&ctx.schema)
        .await
        .context("reading the database's schema")?;
    let report: &MigrationReport = &plan.report;
    if report.is_empty() {
        println!("database is up to date with the enabled plugins");
        return Ok(true);
    }
    for t in &report.created_tables {
        println!("missing table {t} ({})", owner(ctx, t, None));
    }
    for c in &report.added_columns {
        let (table, column) = c.split_once('.').unwrap_or((c, ""));
        println!("missing column {c} ({})", owner(ctx, table, Some(column)));
    }
    for i in &report.created_indexes {
        println!("missing index {i}");
    }
    for m in &report.applied_migrations {
        println!("pending migration {m}");
    }
    if statements {
        println!("\n-- the SQL `portcullis migrate` would run:");
        for s in &plan.statements {
            println!("{s};");
        }
    }
    Ok(false)
}

/// Users to read per query.
const EXPORT_PAGE: i64 = 1000;

/// Writes every user, with their accounts, as one JSON line each. Password hashes and OAuth
/// tokens are included (opened): the file is for moving to another system, kept private.
pub async fn export(ctx: &AuthContext, output: Option<PathBuf>) -> anyhow::Result<()> {
    let mut out: Box<dyn std::io::Write> = match &output {
        Some(path) => Box::new(std::io::BufWriter::new(private_file(path)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut after: Option<String> = None;
    let mut count = 0u64;
    loop {
        let wheres = match &after {
            Some(id) => vec![Where::op("id", WhereOp::Gt, id.as_str())],
            None => Vec::new(),
        };
        let users = ctx
            .adapter
            .find_many(
                "user",
                &Query::filter(wheres)
                    .sort("id", SortDirection::Asc)
                    .limit(EXPORT_PAGE),
            )
            .await?;
        let Some(last) = users.last() else {
            break;
        };
        after = last.get("id").and_then(Value::as_str).map(str::to_owned);
        let ids: Vec<Value> = users.iter().filter_map(|u| u.get("id").cloned()).collect();
        let accounts = ctx
            .adapter
            .find_many(
                "account",
                &Query::filter(vec![Where::is_in("userId", ids)]).sort("id", SortDirection::Asc),
            )
            .await?;
        for user in &users {
            let id = user.get("id");
            let theirs: Vec<serde_json::Value> = accounts
                .iter()
                .filter(|a| a.get("userId") == id)
                .map(|a| account_json(ctx, a))
                .collect();
            let line = serde_json::json!({ "user": row_json(user), "accounts": theirs });
            writeln!(out, "{line}")?;
            count += 1;
        }
        if users.len() < EXPORT_PAGE as usize {
            break;
        }
    }
    out.flush()?;
    if let Some(path) = output {
        eprintln!("exported {count} users to {}", path.display());
    }
    Ok(())
}

fn row_json(row: &Row) -> serde_json::Value {
    serde_json::Value::Object(row.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

fn account_json(ctx: &AuthContext, account: &Row) -> serde_json::Value {
    let mut json = row_json(account);
    for field in ["accessToken", "refreshToken", "idToken"] {
        if let Some(stored) = account.get(field).and_then(Value::as_str)
            && let Ok(plain) = symmetric::open(ctx.sealing_keys(), stored)
        {
            json[field] = plain.into();
        }
    }
    json
}

/// A new file only its owner can read: it holds password hashes and tokens.
fn private_file(path: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .with_context(|| format!("--output {}", path.display()))
}
