//! TLS to every backing service. Each test starts its own PostgreSQL, MariaDB or Redis from the
//! machine's binaries, with TLS on and a certificate the test makes (a private CA and a server
//! certificate for `localhost`), on a free port; a drop guard stops it, also when the test
//! fails. The real binary then:
//! - works over verified TLS (verify-full, verify_identity, rediss:// with the CA), on servers
//!   that refuse anything but TLS;
//! - stops at start-up with one line naming the variable when the CA is not the one that signed
//!   the server's certificate, or the host is not the one it names;
//! - refuses a server without TLS when TLS is required.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use portcullis_testkit::Suite;
use portcullis_testkit::runner::{Flavor, Service};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use support::{Instance, SECRET, free_port};

const ORIGIN: &str = "http://localhost:3000";
const FLAVOR: Flavor = Flavor::MultiThread { workers: 2 };
const APP_PASSWORD: &str = "app-password-over-tls";

fn main() -> std::process::ExitCode {
    Suite::new()
        .test_needing(
            "postgres_over_verified_tls",
            &[Service::POSTGRES],
            FLAVOR,
            || Box::pin(postgres_over_verified_tls()),
        )
        .test_needing(
            "mariadb_over_verified_tls",
            &[Service::MYSQL],
            FLAVOR,
            || Box::pin(mariadb_over_verified_tls()),
        )
        .test_needing("redis_over_verified_tls", &[Service::REDIS], FLAVOR, || {
            Box::pin(redis_over_verified_tls())
        })
        .run()
}

/// A directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "portcullis-tls-{label}-{}",
            portcullis_core::crypto::token::generate_id(8).to_lowercase()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The test's certificates, as PEM files: the CA that signs the server's certificate (for
/// `localhost` only), the server's certificate and key, and another CA that signed nothing here.
struct Pki {
    ca: PathBuf,
    other_ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn certificate_authority(name: &str) -> (rcgen::Certificate, KeyPair) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().expect("CA key");
    let cert = params.self_signed(&key).expect("CA certificate");
    (cert, key)
}

fn make_pki(dir: &Scratch) -> Pki {
    let (ca, ca_key) = certificate_authority("Portcullis test CA");
    let (other_ca, _) = certificate_authority("A CA that signed nothing here");
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let key = KeyPair::generate().expect("server key");
    let cert = params
        .signed_by(&key, &ca, &ca_key)
        .expect("server certificate");
    let pki = Pki {
        ca: dir.path("ca.pem"),
        other_ca: dir.path("other-ca.pem"),
        cert: dir.path("server.crt"),
        key: dir.path("server.key"),
    };
    for (path, pem) in [
        (&pki.ca, ca.pem()),
        (&pki.other_ca, other_ca.pem()),
        (&pki.cert, cert.pem()),
        (&pki.key, key.serialize_pem()),
    ] {
        std::fs::write(path, pem).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    pki
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A user's uid and gid from /etc/passwd.
fn account_ids(user: &str) -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&user) && fields.len() > 3)
                .then(|| (fields[2].parse().ok(), fields[3].parse().ok()))
                .and_then(|ids| Some((ids.0?, ids.1?)))
        })
        .unwrap_or_else(|| panic!("no user {user} in /etc/passwd"))
}

/// A server process, stopped on drop: SIGTERM, then SIGKILL if it lingers.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
    // Declared last: removed after the process has stopped.
    _dir: Scratch,
}

impl Server {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill with a pid this test spawned and has not yet reaped.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn spawn_logged(cmd: &mut Command, log: &Path, what: &str) -> Child {
    let file = std::fs::File::create(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let err = file.try_clone().expect("log file");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap_or_else(|e| panic!("start {what}: {e}"))
}

/// Polls `ready` until it succeeds, or fails the test with the server's log.
fn wait_until_ready(server: &mut Server, what: &str, mut ready: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        if ready() {
            return;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("{what} exited ({status}):\n{}", server.log());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not become ready:\n{}", server.log());
}

fn quietly_succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

// --- PostgreSQL -------------------------------------------------------------------------------

fn postgres_bin(name: &str) -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .map(|v| v.join("bin").join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("no {name} under /usr/lib/postgresql/*/bin"))
}

/// PostgreSQL runs as its own user, never as root.
fn as_postgres(cmd: &mut Command) -> &mut Command {
    if is_root() {
        let (uid, gid) = account_ids("postgres");
        cmd.uid(uid).gid(gid);
    }
    cmd
}

fn give_to_postgres(path: &Path) {
    if is_root() {
        let (uid, gid) = account_ids("postgres");
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
    }
}

/// A new PostgreSQL cluster on a free port with a database `app` owned by the role `app`
/// (password `APP_PASSWORD`). With `pki`, TLS is on and the only way in over TCP
/// (`hostssl`); without, TLS is off.
fn start_postgres(pki: Option<&Pki>) -> Server {
    let dir = Scratch::new("pg");
    give_to_postgres(&dir.0);
    let data = dir.path("data");
    run(
        as_postgres(Command::new(postgres_bin("initdb")).args([
            "-D",
            &data.display().to_string(),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        ])),
        "initdb",
    );
    let host = if pki.is_some() { "hostssl" } else { "host" };
    std::fs::write(
        data.join("pg_hba.conf"),
        format!(
            "local all all trust\n{host} all all 127.0.0.1/32 scram-sha-256\n\
             {host} all all ::1/128 scram-sha-256\n"
        ),
    )
    .expect("pg_hba.conf");
    let port = free_port();
    let mut cmd = Command::new(postgres_bin("postgres"));
    cmd.args(["-D", &data.display().to_string(), "-p", &port.to_string()])
        .args(["-k", &dir.0.display().to_string()])
        .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);
    match pki {
        Some(pki) => {
            for (from, to) in [(&pki.cert, "server.crt"), (&pki.key, "server.key")] {
                let to = data.join(to);
                std::fs::copy(from, &to).expect("copy certificate");
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                    .expect("chmod");
                give_to_postgres(&to);
            }
            cmd.args(["-c", "ssl=on"]);
        }
        None => {
            cmd.args(["-c", "ssl=off"]);
        }
    }
    let log = dir.path("postgres.log");
    let child = spawn_logged(as_postgres(&mut cmd), &log, "postgres");
    let mut server = Server {
        child,
        port,
        log,
        _dir: dir,
    };
    let socket_dir = server._dir.0.display().to_string();
    wait_until_ready(&mut server, "postgres", || {
        quietly_succeeds(
            Command::new("psql")
                .args(["-h", &socket_dir, "-p", &port.to_string(), "-U", "postgres"])
                .args(["-Atc", "select 1"]),
        )
    });
    psql_admin(
        &server,
        &format!("CREATE ROLE app LOGIN PASSWORD '{APP_PASSWORD}'"),
    );
    psql_admin(&server, "CREATE DATABASE app OWNER app");
    server
}

/// Runs `sql` as the superuser over the cluster's Unix socket and returns what it printed.
fn psql_admin(server: &Server, sql: &str) -> String {
    let out = run(
        Command::new("psql")
            .args(["-h", &server._dir.0.display().to_string()])
            .args([
                "-p",
                &server.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .args(["-v", "ON_ERROR_STOP=1", "-Atc", sql]),
        "psql",
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

// --- MariaDB ----------------------------------------------------------------------------------

fn mariadb_cli() -> &'static str {
    if quietly_succeeds(Command::new("mariadb").arg("--version")) {
        "mariadb"
    } else {
        "mysql"
    }
}

/// A new MariaDB on a free port with a database `app` and a user `app` (password
/// `APP_PASSWORD`). With `pki`, TLS is on and required of every connection
/// (`require_secure_transport`); without, the server has no TLS.
fn start_mariadb(pki: Option<&Pki>) -> Server {
    let dir = Scratch::new("mariadb");
    let data = dir.path("data");
    let socket = dir.path("mariadb.sock").display().to_string();
    let mut install = Command::new("mariadb-install-db");
    install
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
    let mut cmd = Command::new("/usr/sbin/mariadbd");
    if is_root() {
        install.arg("--user=root");
    }
    run(&mut install, "mariadb-install-db");
    let port = free_port();
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--port={port}"))
        .arg(format!("--socket={socket}"))
        .arg(format!("--pid-file={}", dir.path("mariadb.pid").display()))
        .args(["--bind-address=127.0.0.1", "--skip-name-resolve"])
        .args([
            "--innodb-buffer-pool-size=16M",
            "--innodb-flush-log-at-trx-commit=0",
        ]);
    if is_root() {
        cmd.arg("--user=root");
    }
    if let Some(pki) = pki {
        cmd.arg(format!("--ssl-cert={}", pki.cert.display()))
            .arg(format!("--ssl-key={}", pki.key.display()))
            .arg("--require-secure-transport=ON");
    }
    let log = dir.path("mariadb.log");
    let child = spawn_logged(&mut cmd, &log, "mariadbd");
    let mut server = Server {
        child,
        port,
        log,
        _dir: dir,
    };
    let cli = mariadb_cli();
    wait_until_ready(&mut server, "mariadbd", || {
        quietly_succeeds(
            Command::new(cli)
                .args(["--no-defaults", &format!("--socket={socket}"), "-u", "root"])
                .args(["-e", "select 1"]),
        )
    });
    run(
        Command::new(cli)
            .args([
                "--no-defaults",
                &format!("--socket={socket}"),
                "-u",
                "root",
                "-e",
            ])
            .arg(format!(
                "CREATE DATABASE app; CREATE USER 'app'@'%' IDENTIFIED BY '{APP_PASSWORD}'; \
                 GRANT ALL ON app.* TO 'app'@'%';"
            )),
        "create the app database",
    );
    server
}

// --- Redis ------------------------------------------------------------------------------------

/// A new Redis on a free port: with `pki`, TLS only (no plain port); without, no TLS.
fn start_redis(pki: Option<&Pki>) -> Server {
    let dir = Scratch::new("redis");
    let port = free_port().to_string();
    let mut cmd = Command::new("redis-server");
    cmd.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--dir", &dir.0.display().to_string()]);
    match pki {
        Some(pki) => {
            cmd.args(["--port", "0", "--tls-port", &port])
                .args(["--tls-cert-file", &pki.cert.display().to_string()])
                .args(["--tls-key-file", &pki.key.display().to_string()])
                .args(["--tls-ca-cert-file", &pki.ca.display().to_string()])
                .args(["--tls-auth-clients", "no"]);
        }
        None => {
            cmd.args(["--port", &port]);
        }
    }
    let log = dir.path("redis.log");
    let child = spawn_logged(&mut cmd, &log, "redis-server");
    let port: u16 = port.parse().expect("port");
    let mut server = Server {
        child,
        port,
        log,
        _dir: dir,
    };
    wait_until_ready(&mut server, "redis-server", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    server
}

/// The number of keys in the TLS Redis, asked with redis-cli over TLS.
fn redis_keys(server: &Server, pki: &Pki) -> u64 {
    let out = run(
        Command::new("redis-cli")
            .args(["--tls", "--cacert", &pki.ca.display().to_string()])
            .args(["-h", "localhost", "-p", &server.port.to_string(), "DBSIZE"]),
        "redis-cli DBSIZE",
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("DBSIZE: {e}"))
}

// --- The binary -------------------------------------------------------------------------------

/// Runs `portcullis serve` expecting it to refuse to start: it must exit on its own, non-zero,
/// with a last line that names `var` and says `says`.
fn refuses_to_start(env: &[(&str, String)], var: &str, says: &str) {
    let data = Scratch::new("refused");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_portcullis"));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOST", "127.0.0.1")
        .env("PORT", free_port().to_string())
        .env("PORTCULLIS_DATA_DIR", &data.0)
        .env("BETTER_AUTH_SECRET", SECRET)
        .env("LOG_LEVEL", "warn")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let log = data.path("log");
    let mut child = spawn_logged(&mut cmd, &log, "portcullis serve");
    let until = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "portcullis started with {env:?}; it should have refused:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let last = output.lines().last().unwrap_or_default();
    assert!(!status.success(), "exit status {status}:\n{output}");
    assert!(
        last.starts_with("portcullis: ") && last.contains(var) && last.contains(says),
        "the last line should name {var} and say `{says}`:\n{output}"
    );
    assert!(
        !output.contains(APP_PASSWORD),
        "the database password reached the output:\n{output}"
    );
}

fn env_with(pairs: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut env = vec![("BETTER_AUTH_URL", ORIGIN.to_owned())];
    env.extend(pairs.iter().cloned());
    env
}

/// Signs a new user up through `server` and reads their session back.
async fn sign_up_and_read_the_session(server: &Instance, label: &str) {
    let email = format!("{label}-{}@example.com", free_port());
    let token = support::sign_up(server, ORIGIN, &email).await;
    assert_eq!(
        support::session_user(server, &token).await.as_deref(),
        Some(email.as_str()),
        "{}",
        server.log()
    );
}

async fn postgres_over_verified_tls() {
    let certs = Scratch::new("pg-pki");
    let pki = make_pki(&certs);
    let pg = start_postgres(Some(&pki));
    let url = |host: &str, query: &str| {
        format!(
            "postgres://app:{APP_PASSWORD}@{host}:{}/app?{query}",
            pg.port
        )
    };
    let ca = pki.ca.display().to_string();

    // verify-full: the CA signed the certificate, which names the host.
    let server = Instance::start(&env_with(&[(
        "DATABASE_URL",
        url(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        ),
    )]))
    .await;
    sign_up_and_read_the_session(&server, "pg").await;
    let over_tls = psql_admin(
        &pg,
        "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
         WHERE a.usename = 'app' AND s.ssl",
    );
    assert_ne!(over_tls, "0", "no TLS connection from the app");
    drop(server);

    // The server takes nothing but TLS over TCP, so the success above was over TLS.
    refuses_to_start(
        &env_with(&[("DATABASE_URL", url("localhost", "sslmode=disable"))]),
        "DATABASE_URL",
        "no encryption",
    );
    // A CA that did not sign the server's certificate.
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            url(
                "localhost",
                &format!("sslmode=verify-full&sslrootcert={}", pki.other_ca.display()),
            ),
        )]),
        "DATABASE_URL",
        "TLS to the database failed",
    );
    // verify-full checks the name: the certificate is for localhost, not 127.0.0.1.
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            url(
                "127.0.0.1",
                &format!("sslmode=verify-full&sslrootcert={ca}"),
            ),
        )]),
        "DATABASE_URL",
        "TLS to the database failed",
    );
    // verify-ca checks the CA. (sqlx 0.8 with today's rustls checks the name too: see the
    // README's TLS section.)
    let server = Instance::start(&env_with(&[(
        "DATABASE_URL",
        url("localhost", &format!("sslmode=verify-ca&sslrootcert={ca}")),
    )]))
    .await;
    sign_up_and_read_the_session(&server, "pg-verify-ca").await;
    drop(server);

    // A Neon-style URL: sslmode=require (encrypted, certificate not checked) with
    // channel_binding=require, which the driver cannot do: it connects, and the log says so.
    let neon = format!(
        "postgresql://app:{APP_PASSWORD}@localhost:{}/app?sslmode=require&channel_binding=require",
        pg.port
    );
    let server = Instance::start(&env_with(&[("DATABASE_URL", neon)])).await;
    sign_up_and_read_the_session(&server, "pg-neon").await;
    let log = server.log();
    assert!(
        log.contains("channel_binding=require") && log.contains("sslmode=verify-full"),
        "the log should say that channel binding is not done:\n{log}"
    );
    drop(server);
    drop(pg);

    // sslmode=require against a server without TLS.
    let plain = start_postgres(None);
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            format!(
                "postgres://app:{APP_PASSWORD}@localhost:{}/app?sslmode=require",
                plain.port
            ),
        )]),
        "DATABASE_URL",
        "does not support TLS",
    );
}

async fn mariadb_over_verified_tls() {
    let certs = Scratch::new("mariadb-pki");
    let pki = make_pki(&certs);
    let db = start_mariadb(Some(&pki));
    let url = |host: &str, query: &str| {
        format!("mysql://app:{APP_PASSWORD}@{host}:{}/app?{query}", db.port)
    };
    let ca = pki.ca.display().to_string();

    let server = Instance::start(&env_with(&[(
        "DATABASE_URL",
        url(
            "localhost",
            &format!("ssl-mode=verify_identity&ssl-ca={ca}"),
        ),
    )]))
    .await;
    sign_up_and_read_the_session(&server, "mariadb").await;
    drop(server);

    // require_secure_transport: without TLS the server refuses the same user and password
    // (MariaDB says "Access denied" for it), so the success above was over TLS.
    refuses_to_start(
        &env_with(&[("DATABASE_URL", url("localhost", "ssl-mode=disabled"))]),
        "DATABASE_URL",
        "Access denied for user 'app'",
    );
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            url(
                "localhost",
                &format!("ssl-mode=verify_identity&ssl-ca={}", pki.other_ca.display()),
            ),
        )]),
        "DATABASE_URL",
        "TLS to the database failed",
    );
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            url(
                "127.0.0.1",
                &format!("ssl-mode=verify_identity&ssl-ca={ca}"),
            ),
        )]),
        "DATABASE_URL",
        "TLS to the database failed",
    );
    let server = Instance::start(&env_with(&[(
        "DATABASE_URL",
        url("localhost", &format!("ssl-mode=verify_ca&ssl-ca={ca}")),
    )]))
    .await;
    sign_up_and_read_the_session(&server, "mariadb-verify-ca").await;
    drop(server);
    drop(db);

    let plain = start_mariadb(None);
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            format!(
                "mysql://app:{APP_PASSWORD}@localhost:{}/app?ssl-mode=required",
                plain.port
            ),
        )]),
        "DATABASE_URL",
        "TLS",
    );
}

async fn redis_over_verified_tls() {
    let certs = Scratch::new("redis-pki");
    let pki = make_pki(&certs);
    let redis = start_redis(Some(&pki));
    let data = Scratch::new("redis-db");
    let sqlite = format!("sqlite://{}", data.path("portcullis.db").display());
    let ca = pki.ca.display().to_string();
    let rediss = format!("rediss://localhost:{}/", redis.port);

    let server = Instance::start(&env_with(&[
        ("DATABASE_URL", sqlite.clone()),
        ("REDIS_URL", rediss.clone()),
        ("REDIS_CA_FILE", ca.clone()),
    ]))
    .await;
    assert_eq!(redis_keys(&redis, &pki), 0);
    sign_up_and_read_the_session(&server, "redis").await;
    // The session (and the rate limiter's counts) went to Redis, over TLS: it has no other port.
    assert!(redis_keys(&redis, &pki) > 0, "{}", server.log());
    drop(server);

    // The system's roots do not know the test's CA, and another CA did not sign the certificate.
    refuses_to_start(
        &env_with(&[
            ("DATABASE_URL", sqlite.clone()),
            ("REDIS_URL", rediss.clone()),
        ]),
        "REDIS_URL",
        "over TLS",
    );
    refuses_to_start(
        &env_with(&[
            ("DATABASE_URL", sqlite.clone()),
            ("REDIS_URL", rediss.clone()),
            ("REDIS_CA_FILE", pki.other_ca.display().to_string()),
        ]),
        "REDIS_URL",
        "over TLS",
    );
    // The certificate names localhost, not 127.0.0.1.
    refuses_to_start(
        &env_with(&[
            ("DATABASE_URL", sqlite.clone()),
            ("REDIS_URL", format!("rediss://127.0.0.1:{}/", redis.port)),
            ("REDIS_CA_FILE", ca.clone()),
        ]),
        "REDIS_URL",
        "over TLS",
    );
    drop(redis);

    // rediss:// to a Redis without TLS.
    let plain = start_redis(None);
    refuses_to_start(
        &env_with(&[
            ("DATABASE_URL", sqlite),
            ("REDIS_URL", format!("rediss://localhost:{}/", plain.port)),
            ("REDIS_CA_FILE", ca),
        ]),
        "REDIS_URL",
        "over TLS",
    );
}
