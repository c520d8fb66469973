//! The raw password-hash rate on this machine: how many password verifications per second the
//! cores can do in-process, without HTTP, a database or an async runtime, each thread reusing
//! its working memory as the server's hash threads do. Sign-in cannot beat
//! it, so the benchmark shows each server's sign-in rate as a fraction of it.
//!
//! Usage: `bench-kdf [--seconds S] [--threads T[,T...]] [--hash argon2id|scrypt]` (defaults: 5 s
//! per measurement, every thread count from 1 to the number of cores, and both hashes). Prints one JSON object: for each hash, the
//! parameters and, for each thread count, the verifications done, the rate and the mean time of
//! one verification; `best_per_s` is the highest rate of them. Memory-hard hashes can be bound by
//! memory bandwidth or a shared cache rather than by cores, so more threads are not always
//! faster: the floor is the best rate, whatever the thread count.
//!
//! The parameters are Portcullis's: argon2id m=19456 KiB, t=2, p=1 (OWASP), and Better Auth's
//! scrypt N=16384, r=16, p=1 with a 64-byte key and the hex salt used as text.

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Params, Version};
use portcullis_core::crypto::hash_memory::{self, KeepHashMemory};
use rand::RngCore;

/// As in the server, a hashing thread keeps its freed working memory for its next hash (the
/// scrypt crate allocates 32 MiB per call), so the rate is the hash's own, not that of faulting
/// in fresh pages: a floor the server cannot beat.
#[global_allocator]
static ALLOCATOR: KeepHashMemory<std::alloc::System> = KeepHashMemory(std::alloc::System);

thread_local! {
    /// Each thread's argon2 working memory, reused as the server reuses its workspace.
    static ARGON2_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

const PASSWORD: &str = "correct horse battery staple";

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The argon2id output for `salt`, computed in this thread's reused working memory.
fn argon2_key(password: &str, salt: &[u8]) -> [u8; 32] {
    let hasher = argon2();
    let blocks = hasher.params().block_count();
    let mut out = [0u8; 32];
    ARGON2_MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        hasher
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                &mut out,
                &mut memory[..blocks],
            )
            .expect("argon2");
    });
    out
}

fn scrypt_key(password: &str, salt_hex: &str) -> [u8; 64] {
    let params = scrypt::Params::new(14, 16, 1, 64).expect("scrypt params");
    let mut out = [0u8; 64];
    scrypt::scrypt(password.as_bytes(), salt_hex.as_bytes(), &params, &mut out).expect("scrypt");
    out
}

/// Runs `verify` on `threads` threads until `seconds` have passed; returns the verifications
/// done and the wall time from the start until the last one finished.
fn run(threads: usize, seconds: f64, verify: &(dyn Fn() -> bool + Sync)) -> (u64, f64) {
    // One verification per thread first: page in the code and the allocator.
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| assert!(verify(), "the reference hash does not verify"));
        }
    });
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let done: Vec<(u64, Instant)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    hash_memory::keep_on_this_thread();
                    let mut n = 0u64;
                    loop {
                        assert!(black_box(verify()));
                        n += 1;
                        let now = Instant::now();
                        if now >= deadline {
                            hash_memory::release_kept();
                            return (n, now);
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let count = done.iter().map(|d| d.0).sum();
    let end = done.iter().map(|d| d.1).max().unwrap_or(start);
    (count, (end - start).as_secs_f64())
}

fn report(name: &str, params: &str, runs: &[(usize, (u64, f64))]) -> serde_json::Value {
    let mut by_threads = serde_json::Map::new();
    let (mut best, mut best_threads) = (0.0f64, 0usize);
    for &(threads, (count, secs)) in runs {
        let per_s = count as f64 / secs;
        eprintln!(
            "bench-kdf: {name} ({params}): {per_s:.1} verifications/s on {threads} thread(s)"
        );
        if per_s > best {
            (best, best_threads) = (per_s, threads);
        }
        by_threads.insert(
            threads.to_string(),
            serde_json::json!({
                "verifications": count,
                "seconds": secs,
                "per_s": per_s,
                "ms_each": 1000.0 * secs * threads as f64 / count as f64,
            }),
        );
    }
    serde_json::json!({
        "params": params,
        "by_threads": by_threads,
        "best_per_s": best,
        "best_threads": best_threads,
    })
}

fn usage() -> ! {
    eprintln!("usage: bench-kdf [--seconds S] [--threads T[,T...]] [--hash argon2id|scrypt]");
    std::process::exit(2);
}

fn main() {
    let mut seconds = 5.0;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut thread_counts: Vec<usize> = (1..=cores).collect();
    let (mut with_argon2, mut with_scrypt) = (true, true);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let Some(value) = args.next() else { usage() };
        match arg.as_str() {
            "--seconds" => match value.parse::<f64>() {
                Ok(v) if v > 0.0 => seconds = v,
                _ => usage(),
            },
            "--threads" => {
                thread_counts = value
                    .split(',')
                    .map(|t| t.trim().parse::<usize>().ok().filter(|&t| t >= 1))
                    .collect::<Option<Vec<_>>>()
                    .unwrap_or_else(|| usage());
            }
            "--hash" => match value.as_str() {
                "argon2id" => with_scrypt = false,
                "scrypt" => with_argon2 = false,
                _ => usage(),
            },
            _ => usage(),
        }
    }

    // Each hash's reference value is computed only when that hash is measured.
    let rates = |verify: &(dyn Fn() -> bool + Sync)| -> Vec<_> {
        thread_counts
            .iter()
            .map(|&t| (t, run(t, seconds, verify)))
            .collect()
    };
    let mut out = serde_json::json!({ "cores": cores });
    if with_argon2 {
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let expected = argon2_key(PASSWORD, &salt);
        let runs = rates(&|| argon2_key(black_box(PASSWORD), &salt) == expected);
        out["argon2id"] = report("argon2id", "m=19456 KiB, t=2, p=1", &runs);
    }
    if with_scrypt {
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let salt_hex: String = salt.iter().map(|b| format!("{b:02x}")).collect();
        let expected = scrypt_key(PASSWORD, &salt_hex);
        let runs = rates(&|| scrypt_key(black_box(PASSWORD), &salt_hex) == expected);
        out["scrypt"] = report("scrypt", "N=16384, r=16, p=1, 64-byte key", &runs);
    }
    println!("{out}");
}
