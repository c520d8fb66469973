//! The database backends a test can run on, whether each was asked for, and fresh databases that
//! are dropped again even when the test panics.

use std::path::PathBuf;
use std::time::Duration;

use rand::Rng;
use rand::distributions::Alphanumeric;
use sqlx::Connection;

use crate::Error;

/// A database engine the server can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Always available: a file in a temporary directory.
    Sqlite,
    /// A fresh database through `PORTCULLIS_TEST_POSTGRES_URL`.
    Postgres,
    /// A fresh database through `PORTCULLIS_TEST_MYSQL_URL` (MySQL or MariaDB).
    Mysql,
}

/// Whether a backend can be used by this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Usable; for PostgreSQL and MySQL, the administrative URL new databases are made through.
    Available(Option<String>),
    /// Not asked for (its URL is not set): its tests are reported as ignored, with this reason.
    NotConfigured(String),
    /// Asked for (`PORTCULLIS_REQUIRE_*=1`) but its URL is not set: its tests fail with this.
    Missing(String),
}

impl Backend {
    /// Every backend, in the order tests run on them.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];

    /// `sqlite`, `postgres` or `mysql`: the prefix of a per-backend test's name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    /// The variable holding the administrative URL (none for SQLite).
    pub fn url_var(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("PORTCULLIS_TEST_POSTGRES_URL"),
            Backend::Mysql => Some("PORTCULLIS_TEST_MYSQL_URL"),
        }
    }

    /// The variable that, set to `1`, makes a missing URL a failure instead of a skip.
    pub fn require_var(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("PORTCULLIS_REQUIRE_POSTGRES"),
            Backend::Mysql => Some("PORTCULLIS_REQUIRE_MYSQL"),
        }
    }

    /// Reads the environment: whether this backend is available, skipped or missing.
    pub fn availability(self) -> Availability {
        match (self.url_var(), self.require_var()) {
            (Some(url_var), Some(require_var)) => service_availability(url_var, require_var),
            _ => Availability::Available(None),
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a service named by `url_var` is available: set and non-empty, not asked for, or asked
/// for by `require_var=1` but missing. Redis and other services follow the same rule.
pub fn service_availability(url_var: &str, require_var: &str) -> Availability {
    let required = std::env::var(require_var).is_ok_and(|v| v == "1");
    match std::env::var(url_var) {
        Ok(u) if !u.trim().is_empty() => Availability::Available(Some(u.trim().to_owned())),
        _ if required => Availability::Missing(format!(
            "{require_var}=1 but {url_var} is not set: these tests must run"
        )),
        _ => Availability::NotConfigured(format!("{url_var} is not set")),
    }
}

/// CREATE DATABASE copies template1 and fails while another CREATE DATABASE uses it, so the
/// tests of one binary create their databases one at a time.
static PG_CREATE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub(crate) fn random_lower(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(|b| (b as char).to_ascii_lowercase())
        .collect()
}

/// Something a test made that must go away with it: a temporary directory or a database.
/// Dropping it removes it, also while a test panics.
pub enum Resource {
    TempDir(PathBuf),
    PgDatabase { admin_url: String, name: String },
    MysqlDatabase { admin_url: String, name: String },
}

impl Resource {
    /// A new, empty temporary directory `<tmp>/<prefix>-<random>`.
    pub fn temp_dir(prefix: &str) -> Result<(PathBuf, Resource), Error> {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", random_lower(12)));
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            what: format!("create {}", dir.display()),
            source,
        })?;
        Ok((dir.clone(), Resource::TempDir(dir)))
    }
}

/// Runs `work` to completion on a thread with its own runtime: Drop runs inside the test's
/// runtime, which cannot be blocked on. Failures only warn; a test's verdict is already made.
fn run_on_own_runtime<F, Fut>(work: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let res = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(work())
    })
    .join();
    match res {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("warning: could not drop test database {e}"),
        Err(_) => eprintln!("warning: dropping the test database panicked"),
    }
}

impl Drop for Resource {
    fn drop(&mut self) {
        match self {
            Resource::TempDir(p) => {
                let _ = std::fs::remove_dir_all(p);
            }
            Resource::PgDatabase { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                run_on_own_runtime(move || async move {
                    let mut conn = sqlx::PgConnection::connect(&admin_url)
                        .await
                        .map_err(|e| e.to_string())?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut conn)
                        .await
                        .map_err(|e| e.to_string())?;
                    let _ = conn.close().await;
                    Ok(())
                });
            }
            Resource::MysqlDatabase { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                run_on_own_runtime(move || async move {
                    let mut conn = sqlx::MySqlConnection::connect(&admin_url)
                        .await
                        .map_err(|e| e.to_string())?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS `{name}`"))
                        .execute(&mut conn)
                        .await
                        .map_err(|e| e.to_string())?;
                    let _ = conn.close().await;
                    Ok(())
                });
            }
        }
    }
}

fn with_database(var: &'static str, admin_url: &str, name: &str) -> Result<String, Error> {
    let mut u = url::Url::parse(admin_url).map_err(|e| Error::BadUrl {
        var,
        reason: e.to_string(),
    })?;
    u.set_path(&format!("/{name}"));
    Ok(u.to_string())
}

/// A fresh database on `backend` (a file in `dir` for SQLite): its URL, and the guard that drops
/// it (none for SQLite, whose file goes with `dir`).
pub async fn fresh_database(
    backend: Backend,
    dir: &std::path::Path,
) -> Result<(String, Option<Resource>), Error> {
    let admin = match backend.availability() {
        Availability::Available(admin) => admin,
        Availability::NotConfigured(reason) | Availability::Missing(reason) => {
            return Err(Error::NotConfigured { backend, reason });
        }
    };
    match (backend, admin) {
        (Backend::Postgres, Some(admin)) => {
            let (url, guard) = create_pg_database(&admin).await?;
            Ok((url, Some(guard)))
        }
        (Backend::Mysql, Some(admin)) => {
            let (url, guard) = create_mysql_database(&admin).await?;
            Ok((url, Some(guard)))
        }
        _ => Ok((format!("sqlite://{}/p.db", dir.display()), None)),
    }
}

/// Creates a fresh PostgreSQL database; the returned guard drops it.
async fn create_pg_database(admin_url: &str) -> Result<(String, Resource), Error> {
    const VAR: &str = "PORTCULLIS_TEST_POSTGRES_URL";
    let name = format!("portcullis_it_{}", random_lower(12));
    let _lock = PG_CREATE_LOCK.lock().await;
    // A URL that was given but does not answer is a failure, never a skip.
    let mut conn = tokio::time::timeout(
        Duration::from_secs(10),
        sqlx::PgConnection::connect(admin_url),
    )
    .await
    .map_err(|_| Error::Unreachable {
        backend: Backend::Postgres,
        reason: format!("{VAR} is set but PostgreSQL did not answer within 10 s"),
    })?
    .map_err(|e| Error::Unreachable {
        backend: Backend::Postgres,
        reason: format!("{VAR} is set but PostgreSQL is unreachable: {e}"),
    })?;
    let mut attempt = 0;
    loop {
        match sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
        {
            Ok(_) => break,
            Err(e) if attempt < 10 && e.to_string().contains("accessed by other users") => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(source) => return Err(Error::CreateDatabase { name, source }),
        }
    }
    let _ = conn.close().await;
    let url = with_database(VAR, admin_url, &name)?;
    let guard = Resource::PgDatabase {
        admin_url: admin_url.to_owned(),
        name,
    };
    Ok((url, guard))
}

/// Creates a fresh MySQL/MariaDB database; the returned guard drops it. `mariadb://` URLs are
/// accepted as the server accepts them.
async fn create_mysql_database(admin_url: &str) -> Result<(String, Resource), Error> {
    const VAR: &str = "PORTCULLIS_TEST_MYSQL_URL";
    let name = format!("portcullis_it_{}", random_lower(12));
    let connect_url = match admin_url.strip_prefix("mariadb:") {
        Some(rest) => format!("mysql:{rest}"),
        None => admin_url.to_owned(),
    };
    let mut conn = tokio::time::timeout(
        Duration::from_secs(10),
        sqlx::MySqlConnection::connect(&connect_url),
    )
    .await
    .map_err(|_| Error::Unreachable {
        backend: Backend::Mysql,
        reason: format!("{VAR} is set but MySQL did not answer within 10 s"),
    })?
    .map_err(|e| Error::Unreachable {
        backend: Backend::Mysql,
        reason: format!("{VAR} is set but MySQL is unreachable: {e}"),
    })?;
    if let Err(source) = sqlx::query(&format!("CREATE DATABASE `{name}`"))
        .execute(&mut conn)
        .await
    {
        return Err(Error::CreateDatabase { name, source });
    }
    let _ = conn.close().await;
    let url = with_database(VAR, admin_url, &name)?;
    let guard = Resource::MysqlDatabase {
        admin_url: connect_url,
        name,
    };
    Ok((url, guard))
}
