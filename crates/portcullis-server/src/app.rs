//! Start-up: connect and migrate storage, build the engine, run the server until a signal.

use std::sync::Arc;

use portcullis_core::clock::{Clock, SystemClock};
use portcullis_core::engine::{self, EngineParts};
use portcullis_core::{AuthContext, Config, PageRenderer, Plugin};
use portcullis_storage::{
    Adapter, MemoryStorage, RedisStorage, SecondaryStorage, SqlAdapter, StorageError,
};

use crate::ui::Ui;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("DATABASE_URL: {0}")]
    Database(StorageError),
    #[error("{0}")]
    Redis(StorageError),
    #[error("database migration failed: {0}")]
    Migration(StorageError),
    /// The engine's own resources (the password hasher, the breach check's HTTP client).
    #[error("{0}")]
    Engine(#[from] engine::BuildError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(#[from] portcullis_core::ConfigError),
    #[error("{0}")]
    Delivery(portcullis_delivery::DeliveryError),
    /// Something a plugin brings does not fit (a template, page, asset, table or route).
    #[error("plugin {plugin}: {problem}")]
    Plugin {
        plugin: &'static str,
        problem: String,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// A built application: the engine and the UI, ready to be served.
#[derive(Clone)]
pub struct App {
    pub ctx: Arc<AuthContext>,
    pub ui: Arc<Ui>,
}

/// What a caller may add to the configuration when building an app: tests and embedders.
#[derive(Default)]
pub struct AppOptions {
    /// The clock the engine reads; the system's when `None`.
    pub clock: Option<Arc<dyn Clock>>,
    /// Plugins registered after the configured ones (an embedder's own, or a test's).
    pub extra_plugins: Vec<Arc<dyn Plugin>>,
    /// When set, exactly these plugins (then `extra_plugins`) instead of the registry built from
    /// the configuration: a test of one plugin on its own.
    pub plugins: Option<Vec<Arc<dyn Plugin>>>,
}

/// Connects to the database (optionally migrating it) and builds the engine.
pub async fn build_app(config: Config, migrate: bool) -> Result<App, StartError> {
    build_app_with(config, migrate, AppOptions::default()).await
}

/// As [`build_app`], with a chosen clock, with `extra_plugins` registered after the configured
/// ones (an embedder's own plugins, or a test's), or with a given plugin list instead of the
/// configured one.
pub async fn build_app_with(
    config: Config,
    migrate: bool,
    options: AppOptions,
) -> Result<App, StartError> {
    let mut plugins = match options.plugins {
        Some(plugins) => plugins,
        None => portcullis_plugins::registry(&config)?,
    };
    plugins.extend(options.extra_plugins);
    let schema = Arc::new(engine::schema_for(&config, &plugins));
    crate::plugin_seams::check_jobs(&schema, &plugins)?;
    crate::plugin_seams::check_root_endpoints(&config, &plugins)?;
    crate::plugin_seams::check_switchable(&plugins)?;
    let adapter = SqlAdapter::connect(
        &config.database_url,
        config.database_pool_size,
        config.database_session_check_lanes,
        schema.clone(),
    )
    .await
    .map_err(StartError::Database)?;
    if migrate {
        let report = adapter
            .migrate(&schema)
            .await
            .map_err(StartError::Migration)?;
        if !report.is_empty() {
            tracing::info!(tables = ?report.created_tables, columns = ?report.added_columns, indexes = ?report.created_indexes, "database migrated");
        }
    }
    // Redis when configured (shared by every instance), else process memory.
    let secondary: Arc<dyn SecondaryStorage> = match &config.redis_url {
        Some(url) => {
            let ca_pem = match &config.redis_ca_file {
                Some(path) => Some(std::fs::read(path).map_err(|e| {
                    StartError::Redis(StorageError::Tls(format!(
                        "REDIS_CA_FILE: cannot read {}: {e}",
                        path.display()
                    )))
                })?),
                None => None,
            };
            let redis = RedisStorage::new(url, &config.redis_key_prefix, ca_pem)
                .map_err(StartError::Redis)?;
            redis
                .check_tls_at_start()
                .await
                .map_err(StartError::Redis)?;
            Arc::new(redis)
        }
        None => Arc::new(MemoryStorage::new()),
    };
    let delivery = crate::plugin_seams::start_delivery(&config, &plugins)?;
    let ui = Ui::with_plugins(
        &config,
        &plugins,
        delivery.templates().catalogs().clone(),
        delivery.templates().stored_brand().clone(),
    )?;
    let renderer: Arc<dyn PageRenderer> = ui.clone();
    let ctx = engine::build(
        EngineParts {
            config,
            adapter: Arc::new(adapter),
            secondary,
            plugins,
            renderer: Some(renderer),
            delivery,
            clock: options.clock.unwrap_or_else(|| Arc::new(SystemClock)),
        },
        schema,
    )?;
    crate::jobs::run_every_instance_jobs(&ctx).await;
    Ok(App { ctx, ui })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: draining in-flight requests");
}

/// Serves on `listener` until SIGTERM or Ctrl-C, then drains in-flight requests. The background
/// jobs (expired-row cleanup) run alongside and stop once the requests have drained; then the
/// deferred work and the delivery queue drain, up to 10 s each.
pub async fn serve(app: App, listener: tokio::net::TcpListener) -> Result<(), StartError> {
    let ctx = app.ctx.clone();
    let jobs = crate::jobs::spawn(app.ctx.clone());
    let served = axum::serve(listener, crate::http::make_front(app))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(StartError::Serve);
    jobs.stop().await;
    // Work the answered requests left behind (a reset link to look up and send), then the
    // messages already accepted, should still go out.
    if !ctx.deferred.flush(std::time::Duration::from_secs(10)).await {
        tracing::warn!(
            pending = ctx.deferred.pending(),
            "some deferred work did not finish before shutdown"
        );
    }
    if !ctx.delivery.flush(std::time::Duration::from_secs(10)).await {
        tracing::warn!("some queued messages were not sent before shutdown");
    }
    served
}
