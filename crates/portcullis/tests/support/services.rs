//! Private PostgreSQL, MariaDB and Redis servers, started from the machine's own binaries on a
//! free port with their data in a scratch directory, for tests that must do to a service what
//! the shared one cannot have done to it: turn TLS on, or stop and restart it under load.
//! `Server` stops its process on drop (SIGTERM, then SIGKILL), and the directory goes with it.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};

use super::free_port;

/// The password of the `app` user each database server is given.
pub const APP_PASSWORD: &str = "app-password-for-tests";

/// A directory removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(label: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "portcullis-{label}-{}",
            portcullis_core::crypto::token::generate_id(8).to_lowercase()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A test's certificates, as PEM files: the CA that signs the server's certificate (for
/// `localhost` only), the server's certificate and key, and another CA that signed nothing.
pub struct Pki {
    pub ca: PathBuf,
    pub other_ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
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

impl Pki {
    /// Makes the certificates in `dir`.
    pub fn make(dir: &Scratch) -> Pki {
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

pub fn run(cmd: &mut Command, what: &str) -> Output {
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

/// Starts `cmd` with its output appended to `log`.
pub fn spawn_logged(cmd: &mut Command, log: &Path, what: &str) -> Child {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let err = file.try_clone().expect("log file");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap_or_else(|e| panic!("start {what}: {e}"))
}

fn quietly_succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Postgres,
    Mariadb,
    Redis,
}

/// A private server process. `stop` and `start` restart it on the same port and data.
pub struct Server {
    kind: Kind,
    child: Option<Child>,
    pub port: u16,
    program: PathBuf,
    args: Vec<String>,
    log: PathBuf,
    // Last: removed after the process has stopped.
    pub dir: Scratch,
}

impl Server {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Starts the process and waits until it answers.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args);
        if self.kind == Kind::Postgres {
            as_postgres(&mut cmd);
        }
        self.child = Some(spawn_logged(&mut cmd, &self.log, "server"));
        let until = Instant::now() + Duration::from_secs(60);
        while Instant::now() < until {
            if self.answers() {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("{:?} exited ({status}):\n{}", self.program, self.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{:?} did not become ready:\n{}", self.program, self.log());
    }

    /// Stops the process as its service manager would (SIGTERM: PostgreSQL's smart shutdown
    /// waits for clients, so SIGINT, its fast one, for it) and waits for it to exit.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let signal = if self.kind == Kind::Postgres {
            libc::SIGINT
        } else {
            libc::SIGTERM
        };
        // SAFETY: a signal to a child this test spawned and has not yet reaped.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        let until = Instant::now() + Duration::from_secs(15);
        while Instant::now() < until {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    fn answers(&self) -> bool {
        match self.kind {
            Kind::Postgres => quietly_succeeds(
                Command::new("psql")
                    .args(["-h", &self.dir.0.display().to_string()])
                    .args(["-p", &self.port.to_string(), "-U", "postgres"])
                    .args(["-d", "postgres", "-Atc", "select 1"]),
            ),
            Kind::Mariadb => quietly_succeeds(
                Command::new(mariadb_cli())
                    .args(["--no-defaults", &format!("--socket={}", self.socket())])
                    .args(["-u", "root", "-e", "select 1"]),
            ),
            Kind::Redis => std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok(),
        }
    }

    fn socket(&self) -> String {
        self.dir.path("mariadb.sock").display().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
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
/// (password [`APP_PASSWORD`]). With `pki`, TLS is on and the only way in over TCP
/// (`hostssl`); without, TLS is off.
pub fn start_postgres(pki: Option<&Pki>) -> Server {
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
    let mut args: Vec<String> = [
        "-D",
        &data.display().to_string(),
        "-p",
        &port.to_string(),
        "-k",
        &dir.0.display().to_string(),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
    ]
    .map(str::to_owned)
    .to_vec();
    match pki {
        Some(pki) => {
            for (from, to) in [(&pki.cert, "server.crt"), (&pki.key, "server.key")] {
                let to = data.join(to);
                std::fs::copy(from, &to).expect("copy certificate");
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                    .expect("chmod");
                give_to_postgres(&to);
            }
            args.extend(["-c".to_owned(), "ssl=on".to_owned()]);
        }
        None => args.extend(["-c".to_owned(), "ssl=off".to_owned()]),
    }
    let mut server = Server {
        kind: Kind::Postgres,
        child: None,
        port,
        program: postgres_bin("postgres"),
        args,
        log: dir.path("postgres.log"),
        dir,
    };
    server.start();
    psql_admin(
        &server,
        &format!("CREATE ROLE app LOGIN PASSWORD '{APP_PASSWORD}'"),
    );
    psql_admin(&server, "CREATE DATABASE app OWNER app");
    server
}

/// Runs `sql` as the superuser over the cluster's Unix socket and returns what it printed.
pub fn psql_admin(server: &Server, sql: &str) -> String {
    let out = run(
        Command::new("psql")
            .args(["-h", &server.dir.0.display().to_string()])
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
/// [`APP_PASSWORD`]). With `pki`, TLS is on and required of every connection
/// (`require_secure_transport`); without, the server has no TLS.
pub fn start_mariadb(pki: Option<&Pki>) -> Server {
    let dir = Scratch::new("mariadb");
    let data = dir.path("data");
    let mut install = Command::new("mariadb-install-db");
    install
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
    if is_root() {
        install.arg("--user=root");
    }
    run(&mut install, "mariadb-install-db");
    let port = free_port();
    let mut args = vec![
        "--no-defaults".to_owned(),
        format!("--datadir={}", data.display()),
        format!("--port={port}"),
        format!("--socket={}", dir.path("mariadb.sock").display()),
        format!("--pid-file={}", dir.path("mariadb.pid").display()),
        "--bind-address=127.0.0.1".to_owned(),
        "--skip-name-resolve".to_owned(),
        "--innodb-buffer-pool-size=16M".to_owned(),
    ];
    if is_root() {
        args.push("--user=root".to_owned());
    }
    if let Some(pki) = pki {
        args.extend([
            format!("--ssl-cert={}", pki.cert.display()),
            format!("--ssl-key={}", pki.key.display()),
            "--require-secure-transport=ON".to_owned(),
        ]);
    }
    let mut server = Server {
        kind: Kind::Mariadb,
        child: None,
        port,
        program: PathBuf::from("/usr/sbin/mariadbd"),
        args,
        log: dir.path("mariadb.log"),
        dir,
    };
    server.start();
    run(
        Command::new(mariadb_cli())
            .args(["--no-defaults", &format!("--socket={}", server.socket())])
            .args(["-u", "root", "-e"])
            .arg(format!(
                "CREATE DATABASE app; CREATE USER 'app'@'%' IDENTIFIED BY '{APP_PASSWORD}'; \
                 GRANT ALL ON app.* TO 'app'@'%';"
            )),
        "create the app database",
    );
    server
}

// --- Redis ------------------------------------------------------------------------------------

/// A new Redis on a free port, keeping nothing on disk: with `pki`, TLS only (no plain port);
/// without, no TLS.
pub fn start_redis(pki: Option<&Pki>) -> Server {
    let dir = Scratch::new("redis");
    let port = free_port();
    let mut args: Vec<String> = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        .map(str::to_owned)
        .to_vec();
    args.extend(["--dir".to_owned(), dir.0.display().to_string()]);
    match pki {
        Some(pki) => args.extend([
            "--port".to_owned(),
            "0".to_owned(),
            "--tls-port".to_owned(),
            port.to_string(),
            "--tls-cert-file".to_owned(),
            pki.cert.display().to_string(),
            "--tls-key-file".to_owned(),
            pki.key.display().to_string(),
            "--tls-ca-cert-file".to_owned(),
            pki.ca.display().to_string(),
            "--tls-auth-clients".to_owned(),
            "no".to_owned(),
        ]),
        None => args.extend(["--port".to_owned(), port.to_string()]),
    }
    let mut server = Server {
        kind: Kind::Redis,
        child: None,
        port,
        program: PathBuf::from("redis-server"),
        args,
        log: dir.path("redis.log"),
        dir,
    };
    server.start();
    server
}

/// The number of keys in a TLS Redis, asked with redis-cli over TLS.
pub fn redis_keys(server: &Server, pki: &Pki) -> u64 {
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
