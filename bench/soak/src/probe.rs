//! The server's resources, read from outside: its RSS and descriptors from /proc, its TCP
//! connections from its sockets and the kernel's TCP table, and the database sessions it holds
//! from PostgreSQL's `pg_stat_activity` (through `psql`).

use std::collections::HashSet;
use std::fs;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

pub struct Probe {
    pub pid: u32,
    /// The port the server listens on: an established socket with this local port is a client's
    /// HTTP connection.
    pub http_port: u16,
    /// An established socket with this remote port is a database connection.
    pub db_port: u16,
    /// `psql` connection URL and the database whose sessions are counted.
    pub db: Option<(String, String)>,
}

#[derive(Default, Clone)]
pub struct Resources {
    pub rss_kb: Option<u64>,
    /// The highest RSS read in the interval (read every second, see `RssWatch`).
    pub rss_peak_kb: Option<u64>,
    pub hwm_kb: Option<u64>,
    pub fds: Option<u64>,
    /// Descriptors that are sockets (TCP, Unix, anything).
    pub sockets: Option<u64>,
    pub tcp_http: Option<u64>,
    pub tcp_db: Option<u64>,
    /// Sockets the peer has closed but the server has not: a leak shows here first.
    pub tcp_close_wait: Option<u64>,
    pub db_sessions: Option<u64>,
    pub problems: Vec<String>,
}

impl Resources {
    pub fn to_json(&self) -> Value {
        json!({
            "rss_kb": self.rss_kb, "rss_peak_kb": self.rss_peak_kb, "hwm_kb": self.hwm_kb, "fds": self.fds, "sockets": self.sockets,
            "tcp_http": self.tcp_http, "tcp_db": self.tcp_db, "tcp_close_wait": self.tcp_close_wait,
            "db_sessions": self.db_sessions,
            "problems": self.problems,
        })
    }
}

impl Probe {
    pub async fn sample(&self, watch: Option<&RssWatch>) -> Resources {
        let mut r = Resources::default();
        match fs::read_to_string(format!("/proc/{}/status", self.pid)) {
            Ok(s) => {
                r.rss_kb = status_kb(&s, "VmRSS:");
                r.hwm_kb = status_kb(&s, "VmHWM:");
            }
            Err(e) => r.problems.push(format!("/proc/{}/status: {e}", self.pid)),
        }
        let peak = watch.and_then(RssWatch::take_peak);
        r.rss_peak_kb = match (peak, r.rss_kb) {
            (Some(p), Some(now)) => Some(p.max(now)),
            (p, now) => p.or(now),
        };
        match socket_inodes(self.pid) {
            Ok((fds, inodes)) => {
                r.fds = Some(fds);
                r.sockets = Some(inodes.len() as u64);
                match self.tcp(&inodes) {
                    Ok((http, db, close_wait)) => {
                        r.tcp_http = Some(http);
                        r.tcp_db = Some(db);
                        r.tcp_close_wait = Some(close_wait);
                    }
                    Err(e) => r.problems.push(e),
                }
            }
            Err(e) => r.problems.push(e),
        }
        if let Some((url, name)) = &self.db {
            match db_sessions(url, name).await {
                Ok(n) => r.db_sessions = Some(n),
                Err(e) => r.problems.push(e),
            }
        }
        r
    }

    /// (HTTP established, database established, CLOSE_WAIT) among the server's own sockets.
    fn tcp(&self, inodes: &HashSet<u64>) -> Result<(u64, u64, u64), String> {
        let (mut http, mut db, mut close_wait) = (0, 0, 0);
        for table in ["tcp", "tcp6"] {
            let path = format!("/proc/{}/net/{table}", self.pid);
            let text = match fs::read_to_string(&path) {
                Ok(t) => t,
                // no IPv6 on this kernel
                Err(_) if table == "tcp6" => continue,
                Err(e) => return Err(format!("{path}: {e}")),
            };
            for row in text.lines().skip(1).filter_map(parse_tcp_row) {
                if !inodes.contains(&row.inode) {
                    continue;
                }
                match row.state {
                    TCP_ESTABLISHED if row.local_port == self.http_port => http += 1,
                    TCP_ESTABLISHED if row.remote_port == self.db_port => db += 1,
                    TCP_CLOSE_WAIT => close_wait += 1,
                    _ => {}
                }
            }
        }
        Ok((http, db, close_wait))
    }
}

const TCP_ESTABLISHED: u8 = 0x01;
const TCP_CLOSE_WAIT: u8 = 0x08;

/// The RSS read every second between samples, keeping the highest. RSS at one instant moves by
/// design: each hash thread gives its 19 MiB argon2 working memory back after 100 ms without a
/// job and takes it again at the next hash, so a sample every 5 s lands on either level by
/// chance. The highest reading of an interval does not depend on that chance.
pub struct RssWatch {
    peak_kb: AtomicU64,
}

impl RssWatch {
    pub fn start(pid: u32) -> Arc<RssWatch> {
        let watch = Arc::new(RssWatch {
            peak_kb: AtomicU64::new(0),
        });
        let w = Arc::clone(&watch);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if let Some(kb) = rss_kb(pid) {
                    w.peak_kb.fetch_max(kb, Ordering::Relaxed);
                }
            }
        });
        watch
    }

    /// The highest reading since the last call (None when nothing was read).
    pub fn take_peak(&self) -> Option<u64> {
        Some(self.peak_kb.swap(0, Ordering::Relaxed)).filter(|&kb| kb > 0)
    }
}

fn rss_kb(pid: u32) -> Option<u64> {
    let s = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_kb(&s, "VmRSS:")
}

fn status_kb(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// The number of open descriptors and the inodes of those that are sockets.
fn socket_inodes(pid: u32) -> Result<(u64, HashSet<u64>), String> {
    let dir = format!("/proc/{pid}/fd");
    let entries = fs::read_dir(&dir).map_err(|e| format!("{dir}: {e}"))?;
    let mut fds = 0;
    let mut inodes = HashSet::new();
    for entry in entries {
        // a descriptor closed between the listing and the readlink is simply not counted
        let Ok(entry) = entry else { continue };
        fds += 1;
        if let Ok(target) = fs::read_link(entry.path())
            && let Some(inode) = target
                .to_str()
                .and_then(|t| t.strip_prefix("socket:["))
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse().ok())
        {
            inodes.insert(inode);
        }
    }
    Ok((fds, inodes))
}

struct TcpRow {
    local_port: u16,
    remote_port: u16,
    state: u8,
    inode: u64,
}

/// One row of /proc/net/tcp{,6}: `sl local rem st tx:rx tr:when retrnsmt uid timeout inode …`,
/// addresses as `HEXIP:HEXPORT`.
fn parse_tcp_row(line: &str) -> Option<TcpRow> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let port = |addr: &str| {
        addr.rsplit_once(':')
            .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
    };
    Some(TcpRow {
        local_port: port(f.get(1)?)?,
        remote_port: port(f.get(2)?)?,
        state: u8::from_str_radix(f.get(3)?, 16).ok()?,
        inode: f.get(9)?.parse().ok()?,
    })
}

/// The sessions open on database NAME, from `pg_stat_activity`, with `psql` (connected to the
/// admin database, so that its own session is not counted).
async fn db_sessions(url: &str, name: &str) -> Result<u64, String> {
    let sql = format!("select count(*) from pg_stat_activity where datname = '{name}'");
    let run = tokio::process::Command::new("psql")
        .args([url, "-qtAX", "-c", &sql])
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .map_err(|_| "psql did not answer within 10 s".to_owned())?
        .map_err(|e| format!("running psql: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .map_err(|_| format!("psql answered {:?}", text.trim()))
}

/// A database name safe to put between quotes in SQL (the script's names are [a-z0-9_]).
pub fn valid_db_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_net_tcp_rows() {
        let row = "   3: 0100007F:1F90 0100007F:D2A6 01 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 20 4 30 10 -1";
        let r = parse_tcp_row(row).expect("a row");
        assert_eq!(r.local_port, 8080);
        assert_eq!(r.remote_port, 0xD2A6);
        assert_eq!(r.state, TCP_ESTABLISHED);
        assert_eq!(r.inode, 123_456);
        assert!(parse_tcp_row("  sl  local_address rem_address   st").is_none());
    }

    #[test]
    fn reads_status_fields() {
        let s = "Name:\tportcullis\nVmHWM:\t   51234 kB\nVmRSS:\t   40960 kB\n";
        assert_eq!(status_kb(s, "VmRSS:"), Some(40960));
        assert_eq!(status_kb(s, "VmHWM:"), Some(51234));
        assert_eq!(status_kb(s, "VmSwap:"), None);
    }

    #[test]
    fn reads_this_process() {
        let (fds, _) = socket_inodes(std::process::id()).expect("own fds");
        assert!(fds >= 3);
    }

    #[test]
    fn database_names() {
        assert!(valid_db_name("bench_soak_1a2b"));
        assert!(!valid_db_name("x'; drop table y; --"));
        assert!(!valid_db_name(""));
    }
}
