//! Password hashing: argon2id (OWASP parameters) by default; Better Auth's scrypt as an option
//! and for verifying imported hashes; bcrypt, PBKDF2 and Firebase's scrypt (`imported_hash`) for
//! verifying. Hashing runs on threads of its own,
//! as many as hashes may run at once and at a lower scheduling priority than the async workers,
//! so that a sign-in flood cannot starve session checks.
//!
//! Argon2's 19 MiB working memory comes from a pool of buffers, one per permit, reused by every
//! hash. Allocating it per hash left freed 19 MiB blocks in each blocking thread's malloc arena:
//! a few dozen sign-ins grew the process to hundreds of megabytes.

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use subtle::ConstantTimeEq;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use unicode_normalization::UnicodeNormalization;

use crate::crypto::{hash_memory, imported_hash};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password hashing worker stopped")]
    Worker,
}

/// Which hash new passwords get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// argon2id, m = 19 MiB, t = 2, p = 1 (OWASP's first recommendation).
    Argon2id,
    /// Better Auth's scrypt: N = 16384, r = 16, p = 1, 64-byte key, hex salt used as text.
    Scrypt,
}

impl HashAlgorithm {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "argon2id" | "argon2" => Some(Self::Argon2id),
            "scrypt" => Some(Self::Scrypt),
            _ => None,
        }
    }
}

const ARGON2_M_KIB: u32 = 19 * 1024;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;

fn argon2() -> Argon2<'static> {
    // Constant parameters within the documented ranges: construction cannot fail.
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None)
        .unwrap_or_else(|_| unreachable!("valid argon2 params"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn scrypt_params() -> scrypt::Params {
    scrypt::Params::new(14, 16, 1, 64).unwrap_or_else(|_| unreachable!("valid scrypt params"))
}

/// A secret kept apart from the database that goes into every new argon2id hash as Argon2's
/// own secret input K (RFC 9106 §3.1): a copy of the `account` table alone no longer lets
/// anyone test guesses offline (ASVS V2.4.5). Its id, the first four bytes of SHA-256 of the
/// secret, is written in the hash's `keyid` parameter, so each hash says whether it needs a
/// pepper and which one. Off by default: Better Auth cannot verify peppered hashes.
#[derive(Clone)]
pub struct Pepper {
    secret: Arc<[u8]>,
    keyid: argon2::KeyId,
}

impl std::fmt::Debug for Pepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pepper(keyid {})", hex::encode(self.keyid.as_bytes()))
    }
}

impl Pepper {
    /// Argon2 takes a secret of up to 2^32 - 1 bytes; the caller asks for at least 32.
    pub fn new(secret: &[u8]) -> Result<Self, PasswordError> {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(secret);
        let keyid =
            argon2::KeyId::new(&digest[..4]).map_err(|e| PasswordError::Hash(e.to_string()))?;
        Ok(Pepper {
            secret: secret.into(),
            keyid,
        })
    }
}

fn nfkc(password: &str) -> String {
    password.nfkc().collect()
}

/// Argon2 working memory: each hash thread keeps one between back-to-back hashes.
type Workspace = Vec<Block>;

/// An argon2 PHC hash of `password` with `salt`, computed in `memory` (grown if needed), as
/// `PasswordHasher::hash_password` computes it.
fn argon2_phc<'a>(
    hasher: &Argon2<'_>,
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    password: &[u8],
    salt: argon2::password_hash::Salt<'a>,
    memory: &mut Workspace,
) -> Result<PasswordHash<'a>, argon2::password_hash::Error> {
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf)?;
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let hash = Output::init_with(len, |out| {
        hasher
            .hash_password_into_with_memory(password, salt_bytes, out, &mut memory[..blocks])
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: argon2::password_hash::ParamsString::try_from(params)?,
        salt: Some(salt),
        hash: Some(hash),
    })
}

/// Verifies `password` against a parsed argon2 hash; the comparison is constant-time
/// (`Output`'s equality). A hash made with a pepper verifies only with that pepper.
fn argon2_verify(
    password: &[u8],
    stored: &PasswordHash<'_>,
    memory: &mut Workspace,
    pepper: Option<&Pepper>,
) -> bool {
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(stored.algorithm),
        Params::try_from(stored),
    ) else {
        return false;
    };
    let version = match stored.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let hasher = if params.keyid().is_empty() {
        Argon2::new(algorithm, version, params.clone())
    } else {
        match pepper.filter(|p| p.keyid.as_bytes() == params.keyid()) {
            Some(p) => match Argon2::new_with_secret(&p.secret, algorithm, version, params.clone())
            {
                Ok(h) => h,
                Err(_) => return false,
            },
            None => {
                tracing::error!(
                    keyid = %hex::encode(params.keyid()),
                    "a password hash needs a pepper this server does not have (PASSWORD_PEPPER)"
                );
                return false;
            }
        }
    };
    argon2_phc(&hasher, algorithm, version, &params, password, salt, memory)
        .ok()
        .and_then(|h| h.hash)
        .is_some_and(|computed| computed == expected)
}

fn hash_sync(
    algo: HashAlgorithm,
    pepper: Option<&Pepper>,
    password: &str,
    memory: &mut Workspace,
) -> Result<String, PasswordError> {
    match algo {
        HashAlgorithm::Argon2id => {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            let peppered;
            let hasher = match pepper {
                None => argon2(),
                Some(p) => {
                    let params = argon2::ParamsBuilder::new()
                        .m_cost(ARGON2_M_KIB)
                        .t_cost(ARGON2_T)
                        .p_cost(ARGON2_P)
                        .keyid(p.keyid)
                        .build()
                        .map_err(|e| PasswordError::Hash(e.to_string()))?;
                    peppered = Argon2::new_with_secret(
                        &p.secret,
                        Algorithm::Argon2id,
                        Version::V0x13,
                        params,
                    )
                    .map_err(|e| PasswordError::Hash(e.to_string()))?;
                    peppered
                }
            };
            argon2_phc(
                &hasher,
                Algorithm::Argon2id,
                Version::V0x13,
                hasher.params(),
                password.as_bytes(),
                salt.as_salt(),
                memory,
            )
            .map(|h| h.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
        }
        HashAlgorithm::Scrypt => {
            let mut salt = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut salt);
            let salt_hex = hex::encode(salt);
            let key = scrypt_key(password, &salt_hex)?;
            Ok(format!("{salt_hex}:{}", hex::encode(key)))
        }
    }
}

fn scrypt_key(password: &str, salt_hex: &str) -> Result<[u8; 64], PasswordError> {
    let mut out = [0u8; 64];
    scrypt::scrypt(
        nfkc(password).as_bytes(),
        salt_hex.as_bytes(),
        &scrypt_params(),
        &mut out,
    )
    .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(out)
}

/// The outcome of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub ok: bool,
    /// The stored hash is not in the current default form and should be replaced.
    pub needs_rehash: bool,
}

fn verify_sync(
    algo: HashAlgorithm,
    pepper: Option<&Pepper>,
    password: &str,
    stored: &str,
    memory: &mut Workspace,
) -> Verified {
    let fail = Verified {
        ok: false,
        needs_rehash: false,
    };
    if stored.starts_with("$argon2") {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return fail;
        };
        let ok = argon2_verify(password.as_bytes(), &parsed, memory, pepper);
        // With a pepper configured, a hash without it (or with an older one) is replaced.
        let keyid = Params::try_from(&parsed)
            .map(|p| p.keyid().to_vec())
            .unwrap_or_default();
        let wanted_keyid = pepper
            .map(|p| p.keyid.as_bytes().to_vec())
            .unwrap_or_default();
        let current = parsed.algorithm.as_str() == "argon2id"
            && parsed.params.get_decimal("m") == Some(ARGON2_M_KIB)
            && parsed.params.get_decimal("t") == Some(ARGON2_T)
            && parsed.params.get_decimal("p") == Some(ARGON2_P)
            && keyid == wanted_keyid;
        return Verified {
            ok,
            needs_rehash: ok && (algo != HashAlgorithm::Argon2id || !current),
        };
    }
    if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$") {
        let ok = bcrypt::verify(password, stored).unwrap_or(false);
        return Verified {
            ok,
            needs_rehash: ok,
        };
    }
    if let Some(ok) = imported_hash::verify(password, stored) {
        return Verified {
            ok,
            needs_rehash: ok,
        };
    }
    if let Some((salt_hex, key_hex)) = stored.split_once(':') {
        let Ok(expected) = hex::decode(key_hex) else {
            return fail;
        };
        let Ok(key) = scrypt_key(password, salt_hex) else {
            return fail;
        };
        let ok = expected.len() == key.len() && bool::from(key.ct_eq(expected.as_slice()));
        return Verified {
            ok,
            needs_rehash: ok && algo != HashAlgorithm::Scrypt,
        };
    }
    fail
}

/// How much less CPU a hash thread gets than an async worker when both want it: nice 10 is about
/// a tenth of the share (scheduler weights 110 against 1024), and a waking worker preempts a
/// hash. Measured under a sign-in flood, nice 10 kept the session checks' p99 lower than nice 5
/// while sign-ins still went on; SCHED_IDLE starved them (p99 of 5-8 s).
const HASH_THREAD_NICE: libc::c_int = 10;

/// How long a hash thread keeps its working memory after its last job. Under load the next job
/// comes within a millisecond; after the load, the memory goes back to the allocator this late.
const KEEP_WORKING_MEMORY_FOR: Duration = Duration::from_millis(100);

/// Hashes in the workspace, calls its second argument (which frees the thread and lets the
/// permit go), then answers: the next request can start before this one is answered.
type HashWork = Box<dyn FnOnce(&mut Workspace, &mut dyn FnMut()) + Send>;

/// One hash for one thread, with the permit that allowed it.
struct HashJob {
    work: HashWork,
    permit: OwnedSemaphorePermit,
}

/// Threads that only hash, one job each at a time. Tokio's blocking pool would do, but its
/// threads are shared with other blocking work, and a thread's priority, once lowered, cannot be
/// raised again without privileges: these threads are lowered once, at start.
///
/// Each thread owns its working memory: the argon2 workspace it hands to its jobs, and the
/// scrypt crate's buffer, kept by the allocator (`hash_memory`). Back-to-back jobs reuse both;
/// a thread that had no job for [`KEEP_WORKING_MEMORY_FOR`] gives both back, so an idle server
/// holds none and a busy one at most one set per thread. Jobs go to the idle thread used last,
/// so a light load keeps one set warm rather than all of them.
struct HashThreads {
    /// One per thread. Requests wait here, where a dropped request simply stops waiting, and
    /// not in a queue, where its job would still run.
    permits: Arc<Semaphore>,
    /// The threads without a job, the one that finished last on top. A permit holder always
    /// finds one: a thread puts itself back before it lets its job's permit go.
    idle: Arc<Mutex<Vec<usize>>>,
    jobs: Vec<mpsc::Sender<HashJob>>,
}

impl HashThreads {
    fn start(n: usize) -> Result<Self, PasswordError> {
        let idle = Arc::new(Mutex::new((0..n).rev().collect::<Vec<_>>()));
        let mut jobs = Vec::with_capacity(n);
        for i in 0..n {
            let (sender, queue) = mpsc::channel::<HashJob>();
            let idle = idle.clone();
            std::thread::Builder::new()
                .name(format!("portcullis-hash-{i}"))
                .spawn(move || hash_thread(i, &queue, &idle))
                .map_err(|_| PasswordError::Worker)?;
            jobs.push(sender);
        }
        Ok(HashThreads {
            permits: Arc::new(Semaphore::new(n)),
            idle,
            jobs,
        })
    }

    /// Runs `f` with the thread's workspace on a hash thread, and waits for it without blocking
    /// the async worker. The permit moves into the job: if the request is dropped mid-hash (the
    /// client went away), the job still runs to the end and holds its permit until then, so no
    /// job starts beside it.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Workspace) -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| PasswordError::Worker)?;
        let thread = self
            .idle
            .lock()
            .ok()
            .and_then(|mut idle| idle.pop())
            .ok_or(PasswordError::Worker)?;
        let (done, result) = tokio::sync::oneshot::channel();
        let work = Box::new(move |memory: &mut Workspace, finish: &mut dyn FnMut()| {
            let out = f(memory);
            finish();
            let _ = done.send(out);
        });
        self.jobs
            .get(thread)
            .ok_or(PasswordError::Worker)?
            .send(HashJob { work, permit })
            .map_err(|_| PasswordError::Worker)?;
        result.await.map_err(|_| PasswordError::Worker)
    }
}

/// The loop of hash thread `me`: ends when its sender is gone (the hasher was dropped).
fn hash_thread(me: usize, queue: &mpsc::Receiver<HashJob>, idle: &Mutex<Vec<usize>>) {
    lower_this_threads_priority();
    hash_memory::keep_on_this_thread();
    let mut memory = Workspace::new();
    let mut holding = false;
    loop {
        let next = if holding {
            match queue.recv_timeout(KEEP_WORKING_MEMORY_FOR) {
                Ok(job) => Some(job),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match queue.recv() {
                Ok(job) => Some(job),
                Err(mpsc::RecvError) => break,
            }
        };
        let Some(HashJob { work, permit }) = next else {
            give_back(&mut memory);
            holding = false;
            continue;
        };
        // Back on the idle list before the permit goes, so that a permit holder always finds
        // an idle thread.
        let mut permit = Some(permit);
        let mut finish = || {
            if let Some(permit) = permit.take() {
                if let Ok(mut idle) = idle.lock() {
                    idle.push(me);
                }
                drop(permit);
            }
        };
        // A hash that panics costs its own request (its reply is dropped: PasswordError::Worker),
        // never the thread: the thread and its place on the idle list carry on.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            work(&mut memory, &mut finish)
        }));
        finish();
        if ran.is_err() {
            tracing::error!(
                "a password hash panicked; its request failed, the hash thread goes on"
            );
            memory = Workspace::new();
        }
        // A workspace grown for an imported hash with larger parameters is not kept.
        if memory.len() > ARGON2_M_KIB as usize {
            memory = Workspace::new();
        }
        holding = true;
    }
    give_back(&mut memory);
}

/// Gives a hash thread's working memory back to the allocator.
fn give_back(memory: &mut Workspace) {
    *memory = Workspace::new();
    hash_memory::release_kept();
}

/// Lowers the calling thread's scheduling priority (Linux keeps a nice value per thread; the
/// call is best effort, and elsewhere it may apply to the process, which is still correct).
fn lower_this_threads_priority() {
    // SAFETY: setpriority reads only its integer arguments; `who = 0` is the calling thread.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, HASH_THREAD_NICE) };
    shorten_this_threads_slice();
}

/// The kernel's `struct sched_attr` (version 0, 48 bytes).
#[cfg(target_os = "linux")]
#[repr(C)]
struct SchedAttr {
    size: u32,
    sched_policy: u32,
    sched_flags: u64,
    sched_nice: i32,
    sched_priority: u32,
    sched_runtime: u64,
    sched_deadline: u64,
    sched_period: u64,
}

/// Asks for the shortest time slice (0.1 ms; Linux 6.12+, where `sched_runtime` is the slice
/// of a normal thread): a session check's thread or database process that wakes up then takes
/// the core from a hash within a tenth of a millisecond, instead of after the default slice
/// (1.4 ms on the two-core machine measured).
/// Best effort: older kernels ignore the slice.
#[cfg(target_os = "linux")]
fn shorten_this_threads_slice() {
    // SAFETY: getpriority reads only its integer arguments. The nice value just set (or a
    // higher one the process started with: an unprivileged thread cannot lower it again).
    let nice = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }.max(HASH_THREAD_NICE);
    let attr = SchedAttr {
        size: std::mem::size_of::<SchedAttr>() as u32,
        sched_policy: libc::SCHED_OTHER as u32,
        sched_flags: 0,
        sched_nice: nice,
        sched_priority: 0,
        sched_runtime: 100_000,
        sched_deadline: 0,
        sched_period: 0,
    };
    // SAFETY: the kernel reads `size` bytes of `attr`, which lives until the call returns;
    // pid 0 is the calling thread.
    let _ = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const SchedAttr, 0) };
}

#[cfg(not(target_os = "linux"))]
fn shorten_this_threads_slice() {}

/// Hashes and verifies on a bounded set of hash threads.
#[derive(Clone)]
pub struct PasswordHasher {
    algo: HashAlgorithm,
    /// `PASSWORD_PEPPER`, for argon2id hashes.
    pepper: Option<Pepper>,
    /// As many as hashes may run at once, each with its own working memory.
    threads: Arc<HashThreads>,
    /// A hash of a random password, verified when the account does not exist so that both
    /// paths cost the same.
    dummy: Arc<String>,
}

impl PasswordHasher {
    pub fn new(algo: HashAlgorithm, concurrency: usize) -> Result<Self, PasswordError> {
        Self::with_pepper(algo, concurrency, None)
    }

    pub fn with_pepper(
        algo: HashAlgorithm,
        concurrency: usize,
        pepper: Option<Pepper>,
    ) -> Result<Self, PasswordError> {
        let dummy = hash_sync(
            algo,
            pepper.as_ref(),
            &crate::crypto::token::generate_id(24),
            &mut Workspace::new(),
        )?;
        let concurrency = concurrency.max(1);
        Ok(PasswordHasher {
            algo,
            pepper,
            threads: Arc::new(HashThreads::start(concurrency)?),
            dummy: Arc::new(dummy),
        })
    }

    pub fn algorithm(&self) -> HashAlgorithm {
        self.algo
    }

    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let (algo, pepper, pw) = (self.algo, self.pepper.clone(), password.to_owned());
        self.threads
            .run(move |m| hash_sync(algo, pepper.as_ref(), &pw, m))
            .await?
    }

    pub async fn verify(&self, password: &str, stored: &str) -> Result<Verified, PasswordError> {
        let (algo, pepper) = (self.algo, self.pepper.clone());
        let (pw, stored) = (password.to_owned(), stored.to_owned());
        self.threads
            .run(move |m| verify_sync(algo, pepper.as_ref(), &pw, &stored, m))
            .await
    }

    /// Spends the time of a real verification, for accounts that do not exist.
    pub async fn verify_dummy(&self, password: &str) -> Result<(), PasswordError> {
        let dummy = self.dummy.clone();
        let (algo, pepper, pw) = (self.algo, self.pepper.clone(), password.to_owned());
        self.threads
            .run(move |m| verify_sync(algo, pepper.as_ref(), &pw, &dummy, m))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_the_better_auth_scrypt_vector() {
        let stored = "00112233445566778899aabbccddeeff:73122e887cfc14f91396cdef78dfe4b9dec28d459037601c4904cedba5a637ab97b39b40c236df5d42881d0109ca8cf0f85e39dbaba2911c190915bd8f30fe85";
        let v = verify_sync(
            HashAlgorithm::Argon2id,
            None,
            "password123",
            stored,
            &mut vec![],
        );
        assert_eq!(
            v,
            Verified {
                ok: true,
                needs_rehash: true
            }
        );
        let v = verify_sync(
            HashAlgorithm::Scrypt,
            None,
            "password123",
            stored,
            &mut vec![],
        );
        assert_eq!(
            v,
            Verified {
                ok: true,
                needs_rehash: false
            }
        );
        assert!(
            !verify_sync(
                HashAlgorithm::Argon2id,
                None,
                "password124",
                stored,
                &mut vec![]
            )
            .ok
        );
    }

    #[test]
    fn a_peppered_hash_needs_its_pepper() {
        // ASVS V2.4.5: the pepper is Argon2's secret input, named by `keyid` in the hash.
        let pepper = Pepper::new(b"a-pepper-kept-apart-from-the-database").expect("pepper");
        let other = Pepper::new(b"another-pepper-kept-apart-from-the-db").expect("pepper");
        let m = &mut vec![];
        let h =
            hash_sync(HashAlgorithm::Argon2id, Some(&pepper), "correct horse", m).expect("hash");
        assert!(
            h.starts_with("$argon2id$v=19$m=19456,t=2,p=1,keyid="),
            "{h}"
        );
        let mut with =
            |p: Option<&Pepper>, pw: &str| verify_sync(HashAlgorithm::Argon2id, p, pw, &h, m);
        assert_eq!(
            with(Some(&pepper), "correct horse"),
            Verified {
                ok: true,
                needs_rehash: false
            }
        );
        assert!(!with(Some(&pepper), "correct horsf").ok);
        assert!(!with(None, "correct horse").ok, "not without it");
        assert!(!with(Some(&other), "correct horse").ok, "not with another");
        // An unpeppered hash still verifies, and asks to be replaced by a peppered one.
        let plain = hash_sync(HashAlgorithm::Argon2id, None, "correct horse", m).expect("hash");
        assert_eq!(
            verify_sync(
                HashAlgorithm::Argon2id,
                Some(&pepper),
                "correct horse",
                &plain,
                m
            ),
            Verified {
                ok: true,
                needs_rehash: true
            }
        );
        assert!(!format!("{pepper:?}").contains("kept-apart"));
    }

    #[test]
    fn argon2id_round_trip_uses_owasp_parameters() {
        let h =
            hash_sync(HashAlgorithm::Argon2id, None, "correct horse", &mut vec![]).expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(
            verify_sync(
                HashAlgorithm::Argon2id,
                None,
                "correct horse",
                &h,
                &mut vec![]
            ),
            Verified {
                ok: true,
                needs_rehash: false
            }
        );
        assert!(
            !verify_sync(
                HashAlgorithm::Argon2id,
                None,
                "wrong horse",
                &h,
                &mut vec![]
            )
            .ok
        );
        // Switching the default to scrypt marks argon2 hashes for rehash.
        assert!(
            verify_sync(
                HashAlgorithm::Scrypt,
                None,
                "correct horse",
                &h,
                &mut vec![]
            )
            .needs_rehash
        );
    }

    /// ASVS 2.1.3, 2.1.4 and 2.4.2: every character counts (nothing is cut at 72 bytes, as
    /// bcrypt would), any Unicode (spaces, emoji) is a password, and the same password hashes
    /// differently each time (a salt of its own), with both algorithms.
    #[test]
    fn long_and_unicode_passwords_count_in_full_and_each_hash_has_its_own_salt() {
        let long: String = "a".repeat(120);
        let long_but_last: String = format!("{}b", "a".repeat(119));
        let unicode = "päss wörd 🔐 – 密码 with spaces";
        for algorithm in [HashAlgorithm::Argon2id, HashAlgorithm::Scrypt] {
            let h = hash_sync(algorithm, None, &long, &mut vec![]).expect("hash");
            assert!(verify_sync(algorithm, None, &long, &h, &mut vec![]).ok);
            assert!(
                !verify_sync(algorithm, None, &long_but_last, &h, &mut vec![]).ok,
                "the 120th character must count"
            );
            let h = hash_sync(algorithm, None, unicode, &mut vec![]).expect("hash");
            assert!(verify_sync(algorithm, None, unicode, &h, &mut vec![]).ok);
            assert!(
                !verify_sync(
                    algorithm,
                    None,
                    "päss wörd 🔐 – 密码 with space",
                    &h,
                    &mut vec![]
                )
                .ok
            );
            let again = hash_sync(algorithm, None, unicode, &mut vec![]).expect("hash");
            assert_ne!(h, again, "two hashes of one password share a salt");
            // 16-byte salts: 22 base64 characters in the PHC string, 32 hex before scrypt's key.
            let salt_chars = match algorithm {
                HashAlgorithm::Argon2id => h.split('$').nth(4).map_or(0, str::len),
                HashAlgorithm::Scrypt => h.split_once(':').map_or(0, |(salt, _)| salt.len()),
            };
            assert!(salt_chars >= 22, "{h}");
        }
    }

    #[tokio::test]
    async fn a_dropped_request_keeps_its_permit_until_its_hash_ends() {
        let hasher = PasswordHasher::new(HashAlgorithm::Argon2id, 1).expect("hasher");
        // The first poll takes the permit and starts the job; the timeout then drops the request.
        let dropped =
            tokio::time::timeout(std::time::Duration::from_millis(1), hasher.hash("a")).await;
        assert!(dropped.is_err(), "the hash should outlast 1 ms");
        assert_eq!(
            hasher.threads.permits.available_permits(),
            0,
            "the job still holds it"
        );
        // The next hash waits for that job.
        let h = hasher.hash("b").await.expect("hash");
        assert!(hasher.verify("b", &h).await.expect("verify").ok);
        assert_eq!(hasher.threads.permits.available_permits(), 1);
    }

    #[tokio::test]
    async fn a_hash_that_panics_fails_its_request_and_the_thread_goes_on() {
        let hasher = PasswordHasher::new(HashAlgorithm::Argon2id, 1).expect("hasher");
        let panicked = hasher
            .threads
            .run(|_: &mut Workspace| -> bool { panic!("a hash went wrong") })
            .await;
        assert!(matches!(panicked, Err(PasswordError::Worker)));
        // The one hash thread is still there, and back on the idle list with its permit.
        let h = hasher.hash("b").await.expect("hash after the panic");
        assert!(hasher.verify("b", &h).await.expect("verify").ok);
        assert_eq!(hasher.threads.permits.available_permits(), 1);
    }

    /// One file of each of this process's hash threads, from `/proc/self/task/*/`.
    #[cfg(target_os = "linux")]
    fn hash_thread_files(file: &str) -> Vec<String> {
        let mut out = Vec::new();
        for task in std::fs::read_dir("/proc/self/task")
            .expect("tasks")
            .flatten()
        {
            let path = task.path();
            let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            if comm.starts_with("portcullis-hash") {
                out.push(std::fs::read_to_string(path.join(file)).unwrap_or_default());
            }
        }
        out
    }

    /// The nice values of this process's hash threads.
    #[cfg(target_os = "linux")]
    fn hash_thread_nices() -> Vec<i64> {
        let nice = |stat: &String| {
            // Fields after the parenthesised name: state is field 3, nice is field 19.
            let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
            after.split_whitespace().nth(16)?.parse::<i64>().ok()
        };
        hash_thread_files("stat").iter().filter_map(nice).collect()
    }

    /// A numeric field of each hash thread's scheduler statistics (`sched`).
    #[cfg(target_os = "linux")]
    fn hash_thread_sched_fields(name: &str) -> Vec<i64> {
        let field = |sched: &String| {
            sched.lines().find_map(|l| {
                let (key, value) = l.split_once(':')?;
                (key.trim() == name).then(|| value.trim().parse::<i64>().ok())?
            })
        };
        hash_thread_files("sched")
            .iter()
            .filter_map(field)
            .collect()
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashes_run_on_their_own_threads_below_the_workers_priority() {
        let hasher = PasswordHasher::new(HashAlgorithm::Argon2id, 2).expect("hasher");
        let h = hasher.hash("pw").await.expect("hash");
        assert!(hasher.verify("pw", &h).await.expect("verify").ok);
        let nices = hash_thread_nices();
        assert!(nices.len() >= 2, "hash threads: {nices:?}");
        // At least HASH_THREAD_NICE: a process started at a lower priority stays there.
        assert!(
            nices.iter().all(|n| *n >= i64::from(HASH_THREAD_NICE)),
            "{nices:?}"
        );
        // Linux 6.12 and later take a thread's own slice: the hash threads ask for 0.1 ms.
        if kernel_at_least(6, 12) {
            let slices = hash_thread_sched_fields("se.slice");
            assert!(slices.len() >= 2, "hash threads: {slices:?}");
            assert!(slices.iter().all(|s| *s == 100_000), "{slices:?}");
        }
    }

    #[cfg(target_os = "linux")]
    fn kernel_at_least(major: u32, minor: u32) -> bool {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let mut parts = release
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse::<u32>().ok());
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (major, minor)
    }

    /// The argon2 workspace a job finds on its hash thread, in blocks.
    async fn workspace_seen(threads: &HashThreads) -> usize {
        threads.run(|m| m.len()).await.expect("job")
    }

    #[tokio::test]
    async fn a_hash_thread_keeps_its_workspace_between_jobs_and_gives_it_back_when_idle() {
        let threads = HashThreads::start(1).expect("threads");
        let blocks = ARGON2_M_KIB as usize;
        // A job that waited for a hash finds the workspace the hash used.
        let (h, seen) = tokio::join!(
            threads.run(|m| hash_sync(HashAlgorithm::Argon2id, None, "pw", m)),
            workspace_seen(&threads)
        );
        assert!(h.expect("job").is_ok());
        assert_eq!(seen, blocks);
        // After KEEP_WORKING_MEMORY_FOR without a job, the thread has given it back. (Each
        // look is a job of its own, so the looks are spaced further apart.)
        let mut given_back = false;
        for attempt in 2..8 {
            tokio::time::sleep(KEEP_WORKING_MEMORY_FOR * attempt).await;
            if workspace_seen(&threads).await == 0 {
                given_back = true;
                break;
            }
        }
        assert!(given_back, "the idle thread kept its workspace");

        // A workspace grown for an imported hash with larger parameters is not kept, even for
        // a job that waited for it.
        use argon2::password_hash::PasswordHasher as _;
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let params = Params::new(65536, 1, 1, None).expect("params");
        let imported = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"pw", &salt)
            .expect("hash")
            .to_string();
        let (v, seen) = tokio::join!(
            threads.run(move |m| verify_sync(HashAlgorithm::Argon2id, None, "pw", &imported, m)),
            workspace_seen(&threads)
        );
        assert!(v.expect("job").ok);
        assert_eq!(seen, 0);
    }

    #[test]
    fn pooled_argon2_matches_the_crates_own_hashing() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let mut memory = Workspace::new();
        // Ours verifies with the crate's verifier...
        let ours = hash_sync(HashAlgorithm::Argon2id, None, "s3cret", &mut memory).expect("hash");
        let parsed = PasswordHash::new(&ours).expect("phc");
        assert!(argon2().verify_password(b"s3cret", &parsed).is_ok());
        // ...and the crate's hashes, at other parameters too, verify in the same buffer.
        for params in [
            Params::new(4096, 3, 1, None),
            Params::new(65536, 1, 2, None),
        ] {
            let params = params.expect("params");
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(b"s3cret", &salt)
                .expect("hash")
                .to_string();
            let v = verify_sync(
                HashAlgorithm::Argon2id,
                None,
                "s3cret",
                &theirs,
                &mut memory,
            );
            assert_eq!(
                v,
                Verified {
                    ok: true,
                    needs_rehash: true
                }
            );
            assert!(
                !verify_sync(
                    HashAlgorithm::Argon2id,
                    None,
                    "s3creT",
                    &theirs,
                    &mut memory
                )
                .ok
            );
        }
        assert!(verify_sync(HashAlgorithm::Argon2id, None, "s3cret", &ours, &mut memory).ok);
    }

    #[test]
    fn scrypt_hashes_have_better_auths_format() {
        let h = hash_sync(HashAlgorithm::Scrypt, None, "pässwörd", &mut vec![]).expect("hash");
        let (salt, key) = h.split_once(':').expect("colon");
        assert_eq!((salt.len(), key.len()), (32, 128));
        assert!(verify_sync(HashAlgorithm::Scrypt, None, "pässwörd", &h, &mut vec![]).ok);
    }

    #[test]
    fn bcrypt_prefixes_from_other_systems_verify() {
        // PHP writes `$2y$`, older OpenBSD-derived code `$2a$`: the same algorithm and output.
        let h = bcrypt::hash("hunter22", 4).expect("bcrypt");
        for prefix in ["$2a$", "$2y$"] {
            let theirs = format!("{prefix}{}", &h[4..]);
            assert!(
                verify_sync(
                    HashAlgorithm::Argon2id,
                    None,
                    "hunter22",
                    &theirs,
                    &mut vec![]
                )
                .ok
            );
            assert!(
                !verify_sync(
                    HashAlgorithm::Argon2id,
                    None,
                    "hunter23",
                    &theirs,
                    &mut vec![]
                )
                .ok
            );
        }
    }

    #[test]
    fn bcrypt_verifies_and_asks_for_rehash() {
        let h = bcrypt::hash("hunter22", 4).expect("bcrypt");
        assert_eq!(
            verify_sync(HashAlgorithm::Argon2id, None, "hunter22", &h, &mut vec![]),
            Verified {
                ok: true,
                needs_rehash: true
            }
        );
        assert!(!verify_sync(HashAlgorithm::Argon2id, None, "hunter23", &h, &mut vec![]).ok);
        assert!(!verify_sync(HashAlgorithm::Argon2id, None, "x", "garbage", &mut vec![]).ok);
    }
}
