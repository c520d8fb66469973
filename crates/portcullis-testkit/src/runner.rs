//! A test binary whose per-backend tests are decided when it runs: a backend that was not asked
//! for is reported as *ignored*, with the reason (never as passed); one that was asked for
//! (`PORTCULLIS_REQUIRE_*=1`) but is missing fails.
//!
//! libtest decides `#[ignore]` when the test binary is compiled, and the backend URLs are only
//! known when it runs (scripts/test even names a fresh database each time), so such a binary
//! uses libtest-mimic instead: same command line (filters, `--test-threads`, `--list`,
//! `--ignored`), same output and summary line. Its target sets `harness = false`:
//!
//! ```toml
//! [[test]]
//! name = "http_api"
//! harness = false
//! ```
//!
//! and its `main` is either [`per_backend!`](crate::per_backend) or a [`Suite`]. Each test runs
//! on its own current-thread tokio runtime, as `#[tokio::test]` does. libtest-mimic does not
//! capture output: what a test prints shows up as it runs.
//!
//! ```text
//! test sqlite::sign_up_success_shape_and_cookies ... ok
//! test postgres::sign_up_success_shape_and_cookies ... ignored (PORTCULLIS_TEST_POSTGRES_URL is not set)
//! ```

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use crate::backend::{Availability, Backend, service_availability};
use crate::server::TestServer;

/// What a scenario returns: a future borrowing its server.
pub type ScenarioFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;
/// A scenario: run against a server started with the defaults on one backend.
pub type Scenario = for<'a> fn(&'a TestServer) -> ScenarioFuture<'a>;
/// A test given only the backend: it starts what it needs (a server with its own plugins, a
/// mail sink ...).
pub type BackendTest = fn(Backend) -> ScenarioFuture<'static>;
/// A test run once, on no backend in particular.
pub type AsyncTest = fn() -> ScenarioFuture<'static>;

/// The trials of one test binary.
#[derive(Default)]
#[must_use = "a suite does nothing until `run`"]
pub struct Suite {
    trials: Vec<Trial>,
}

/// The runtime a test runs on, as `#[tokio::test(flavor = ..)]` chooses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    CurrentThread,
    MultiThread { workers: usize },
}

/// A service a test needs besides SQLite: the variable holding its URL, and the one that, set
/// to `1`, makes its absence a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    pub url_var: &'static str,
    pub require_var: &'static str,
}

impl Service {
    pub const POSTGRES: Service = Service {
        url_var: "PORTCULLIS_TEST_POSTGRES_URL",
        require_var: "PORTCULLIS_REQUIRE_POSTGRES",
    };
    pub const MYSQL: Service = Service {
        url_var: "PORTCULLIS_TEST_MYSQL_URL",
        require_var: "PORTCULLIS_REQUIRE_MYSQL",
    };
    pub const REDIS: Service = Service {
        url_var: "PORTCULLIS_TEST_REDIS_URL",
        require_var: "PORTCULLIS_REQUIRE_REDIS",
    };

    pub fn availability(self) -> Availability {
        service_availability(self.url_var, self.require_var)
    }
}

/// Runs `fut` to completion on a new current-thread runtime, as `#[tokio::test]` does.
pub fn block_on<F: Future<Output = ()>>(fut: F) -> Result<(), Failed> {
    block_on_flavor(Flavor::CurrentThread, fut)
}

/// Runs `fut` to completion on a new runtime of the given flavor.
pub fn block_on_flavor<F: Future<Output = ()>>(flavor: Flavor, fut: F) -> Result<(), Failed> {
    let mut builder = match flavor {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        Flavor::MultiThread { workers } => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(workers);
            b
        }
    };
    let rt = builder
        .enable_all()
        .build()
        .map_err(|e| Failed::from(format!("tokio runtime: {e}")))?;
    rt.block_on(fut);
    Ok(())
}

/// A trial named `name` that runs `run` when every service in `needs` is available, is ignored
/// (with the reasons) when some were not asked for, and fails when one was asked for but is
/// missing.
pub fn gated_trial<F>(name: String, needs: &[Availability], run: F) -> Trial
where
    F: FnOnce() -> Result<(), Failed> + Send + 'static,
{
    let missing: Vec<&str> = needs
        .iter()
        .filter_map(|a| match a {
            Availability::Missing(r) => Some(r.as_str()),
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        let reason = missing.join("; ");
        return Trial::test(name, move || Err(reason.into()));
    }
    let skipped: Vec<&str> = needs
        .iter()
        .filter_map(|a| match a {
            Availability::NotConfigured(r) => Some(r.as_str()),
            _ => None,
        })
        .collect();
    if !skipped.is_empty() {
        let reason = skipped.join(", ");
        return Trial::ignorable_test(name, move || Ok(Completion::ignored_with(reason)));
    }
    Trial::test(name, run)
}

/// The trial `<backend>::<name>`: runs `run` when the backend is available, is ignored (with
/// the reason) when it was not asked for, and fails when it was asked for but is missing.
pub fn backend_trial<F>(backend: Backend, name: &str, run: F) -> Trial
where
    F: FnOnce() -> Result<(), Failed> + Send + 'static,
{
    gated_trial(
        format!("{}::{name}", backend.name()),
        &[backend.availability()],
        run,
    )
}

impl Suite {
    pub fn new() -> Self {
        Self::default()
    }

    /// `scenario` on every backend, each with a fresh default server: `sqlite::<name>`,
    /// `postgres::<name>`, `mysql::<name>`.
    pub fn scenario(self, name: &str, scenario: Scenario) -> Self {
        self.scenario_on(&Backend::ALL, name, scenario)
    }

    /// `scenario` on the given backends.
    pub fn scenario_on(mut self, backends: &[Backend], name: &str, scenario: Scenario) -> Self {
        for &backend in backends {
            self.trials.push(backend_trial(backend, name, move || {
                block_on(async move {
                    let srv = TestServer::start(backend).await;
                    scenario(&srv).await;
                })
            }));
        }
        self
    }

    /// `test` on every backend, given the backend alone.
    pub fn per_backend(self, name: &str, test: BackendTest) -> Self {
        self.per_backend_on(&Backend::ALL, name, test)
    }

    /// `test` on the given backends, given the backend alone.
    pub fn per_backend_on(mut self, backends: &[Backend], name: &str, test: BackendTest) -> Self {
        for &backend in backends {
            self.trials.push(backend_trial(backend, name, move || {
                block_on(test(backend))
            }));
        }
        self
    }

    /// A test that runs once, on its own runtime.
    pub fn test(mut self, name: &str, test: AsyncTest) -> Self {
        self.trials
            .push(Trial::test(name.to_owned(), move || block_on(test())));
        self
    }

    /// A test that needs services besides SQLite (PostgreSQL, Redis ...), on a runtime of the
    /// given flavor: ignored when one was not asked for, failed when one asked for is missing.
    pub fn test_needing(
        mut self,
        name: &str,
        needs: &[Service],
        flavor: Flavor,
        test: AsyncTest,
    ) -> Self {
        let needs: Vec<Availability> = needs.iter().map(|s| s.availability()).collect();
        self.trials
            .push(gated_trial(name.to_owned(), &needs, move || {
                block_on_flavor(flavor, test())
            }));
        self
    }

    /// Any other trial (a synchronous test, one with its own rule for skipping).
    pub fn trial(mut self, trial: Trial) -> Self {
        self.trials.push(trial);
        self
    }

    /// Parses the command line as libtest does, runs the trials, and returns the exit code.
    pub fn run(self) -> ExitCode {
        libtest_mimic::run(&Arguments::from_args(), self.trials).exit_code()
    }
}

/// The last segment of a path as `stringify!` writes it: `sign_up :: a_b` → `a_b`.
pub fn last_segment(path: &'static str) -> &'static str {
    path.rsplit("::").next().unwrap_or(path).trim()
}

/// The `main` of a test binary that runs each scenario (an `async fn(&TestServer)`) once per
/// backend, as `sqlite::<name>`, `postgres::<name>` and `mysql::<name>`. Paths are under
/// `crate::scenarios` unless an `in <path>;` line says otherwise. The target needs
/// `harness = false`.
///
/// ```text
/// portcullis_testkit::per_backend! {
///     sign_up::sign_up_success_shape_and_cookies,
///     session::sign_out,
/// }
/// // or, for functions elsewhere:
/// portcullis_testkit::per_backend! {
///     in crate;
///     magic_link_over_smtp,
/// }
/// ```
// `crate::scenarios` is meant as the calling test crate's module, not this crate's.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! per_backend {
    (in $($root:ident)::+ ; $($($seg:ident)::+),* $(,)?) => {
        fn main() -> ::std::process::ExitCode {
            use $($root)::+ as __per_backend_root;
            let suite = $crate::runner::Suite::new();
            $(
                let suite = suite.scenario(
                    $crate::runner::last_segment(::std::stringify!($($seg)::+)),
                    |srv| ::std::boxed::Box::pin(__per_backend_root :: $($seg)::+ (srv)),
                );
            )*
            suite.run()
        }
    };
    ($($($seg:ident)::+),* $(,)?) => {
        $crate::per_backend!(in crate::scenarios; $($($seg)::+),*);
    };
}
