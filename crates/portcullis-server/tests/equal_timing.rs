//! Equal timing for sends: a request that may send a link or code (a password reset, a
//! verification email without a session, a magic link, an email or SMS code) answers in the same
//! time whether or not an account exists, so its latency cannot enumerate accounts.
//!
//! For each such endpoint, 200 requests for a known account and 200 for an unknown one go to a
//! server on SQLite in random order, and a two-sided Mann–Whitney U test compares the two
//! latency distributions. The order is drawn at random, so whatever slows the machine down (CI
//! load, the other core, the work a previous request left behind) falls on both groups alike:
//! when the endpoint's answer does not depend on the account, the labels are exchangeable and
//! the test's false-alarm rate is its significance level, however loaded the machine is. The
//! level is 0.001 for the whole family (Bonferroni over the endpoints).
//!
//! Before deferral, a reset request for a known address answered 0.4–0.8 ms slower (the
//! verification row written, the message rendered, before the answer), and this test failed
//! with p < 1e-8 on that code.

use std::time::Instant;

use rand::seq::SliceRandom;
use serde_json::{Value, json};

use portcullis_testkit::client::{Request, send};
use portcullis_testkit::{Backend, TestServer};

const PER_GROUP: usize = 200;
const WARM_UP: usize = 20;
/// The family-wise significance level: a false alarm once in a thousand runs.
const FAMILY_ALPHA: f64 = 0.001;

const KNOWN_EMAIL: &str = "known-user@example.com";
const UNKNOWN_EMAIL: &str = "nobody-xyz@example.com";
const KNOWN_PHONE: &str = "+14155550100";
const UNKNOWN_PHONE: &str = "+14155550199";

/// An endpoint, and its body for the known and the unknown account.
struct Probe {
    path: &'static str,
    known: Value,
    unknown: Value,
}

fn probes() -> Vec<Probe> {
    let by_email = |path: &'static str, extra: Value| {
        let body = |email: &str| {
            let mut b = json!({"email": email});
            if let (Some(b), Some(extra)) = (b.as_object_mut(), extra.as_object()) {
                b.extend(extra.clone());
            }
            b
        };
        Probe {
            path,
            known: body(KNOWN_EMAIL),
            unknown: body(UNKNOWN_EMAIL),
        }
    };
    vec![
        by_email("/request-password-reset", json!({})),
        by_email("/forget-password", json!({})),
        by_email("/send-verification-email", json!({})),
        by_email("/sign-in/magic-link", json!({})),
        by_email(
            "/email-otp/send-verification-otp",
            json!({"type": "forget-password"}),
        ),
        by_email("/email-otp/request-password-reset", json!({})),
        by_email("/forget-password/email-otp", json!({})),
        Probe {
            path: "/phone-number/request-password-reset",
            known: json!({"phoneNumber": KNOWN_PHONE}),
            unknown: json!({"phoneNumber": UNKNOWN_PHONE}),
        },
    ]
}

/// Microseconds from connecting to the end of the answer.
async fn timed(srv: &TestServer, path: &str, body: &Value) -> f64 {
    let req = Request::post(&format!("/api/auth{path}")).json(body);
    let start = Instant::now();
    let res = send(srv.addr, &req).await;
    let elapsed = start.elapsed();
    assert_eq!(res.status, 200, "{path}: {}", res.describe());
    elapsed.as_secs_f64() * 1e6
}

/// The latencies for the known and the unknown account, in random interleaved order.
async fn measure(srv: &TestServer, probe: &Probe) -> (Vec<f64>, Vec<f64>) {
    for _ in 0..WARM_UP {
        timed(srv, probe.path, &probe.known).await;
        timed(srv, probe.path, &probe.unknown).await;
    }
    let mut order: Vec<bool> = (0..2 * PER_GROUP).map(|i| i < PER_GROUP).collect();
    order.shuffle(&mut rand::thread_rng());
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for is_known in order {
        if is_known {
            known.push(timed(srv, probe.path, &probe.known).await);
        } else {
            unknown.push(timed(srv, probe.path, &probe.unknown).await);
        }
    }
    (known, unknown)
}

fn median(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// The two-sided Mann–Whitney U test's p-value, by the normal approximation with the tie
/// correction and the continuity correction (SciPy's `mannwhitneyu(method="asymptotic")`).
fn mann_whitney_p(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let n = n1 + n2;
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, true))
        .chain(b.iter().map(|&x| (x, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    // Ranks from 1, ties sharing their average rank.
    let (mut rank_sum_a, mut tie_term, mut i) = (0.0, 0.0, 0);
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let tied = (j - i + 1) as f64;
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_a += rank * all[i..=j].iter().filter(|(_, in_a)| *in_a).count() as f64;
        tie_term += tied * tied * tied - tied;
        i = j + 1;
    }
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let var = n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    if var <= 0.0 {
        return 1.0;
    }
    let z = ((u - mean).abs() - 0.5).max(0.0) / var.sqrt();
    libm::erfc(z / std::f64::consts::SQRT_2).min(1.0)
}

#[test]
fn mann_whitney_matches_the_reference_values() {
    // SciPy's documented example: U = 17, p = 0.1113 (asymptotic, continuity-corrected).
    let males = [19.0, 22.0, 16.0, 29.0, 24.0];
    let females = [20.0, 11.0, 17.0, 12.0];
    assert!((mann_whitney_p(&males, &females) - 0.111_346_886_533_140_4).abs() < 1e-9);
    // Complete separation of 5 and 5: z = 2.5067, p = 0.012186.
    let low = [1.0, 2.0, 3.0, 4.0, 5.0];
    let high = [6.0, 7.0, 8.0, 9.0, 10.0];
    assert!((mann_whitney_p(&low, &high) - 0.012_185_780_355_344_8).abs() < 1e-9);
    assert!((mann_whitney_p(&high, &low) - 0.012_185_780_355_344_8).abs() < 1e-9);
    // Identical samples, ties everywhere: no evidence at all.
    assert_eq!(mann_whitney_p(&[1.0, 1.0, 2.0], &[1.0, 1.0, 2.0]), 1.0);
    // 200 against 200 shifted by a tenth of their spread stays unremarkable; by their whole
    // spread it is overwhelming.
    let base: Vec<f64> = (0..200).map(|i| f64::from(i % 50)).collect();
    let nudged: Vec<f64> = base.iter().map(|x| x + 0.5).collect();
    let shifted: Vec<f64> = base.iter().map(|x| x + 50.0).collect();
    assert!(mann_whitney_p(&base, &nudged) > 0.05);
    assert!(mann_whitney_p(&base, &shifted) < 1e-30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_answer_in_the_same_time_for_known_and_unknown_accounts() {
    let srv = TestServer::builder(Backend::Sqlite)
        .envs([
            ("ENABLE_PHONE_AUTH", "true"),
            // Without sign-up by link, only a known address gets a link: work that differs.
            ("MAGIC_LINK_DISABLE_SIGN_UP", "true"),
            ("RATE_LIMIT_ENABLED", "false"),
            // The outbox then holds only what the probes sent.
            ("EMAIL_WELCOME", "false"),
            ("EMAIL_VERIFICATION_ON_SIGN_UP", "false"),
        ])
        .start()
        .await;
    // The known account: unverified (so a verification email goes out), with a phone number
    // (set in the table: only a verified code may set one over HTTP, and its SMS would join
    // the outbox the probes are counted in).
    let res = send(
        srv.addr,
        &Request::post("/api/auth/sign-up/email").json(&json!({
            "name": "Known", "email": KNOWN_EMAIL, "password": "known-password-1",
        })),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.set_verified_phone(KNOWN_EMAIL, KNOWN_PHONE).await;

    let probes = probes();
    let alpha = FAMILY_ALPHA / probes.len() as f64;
    let mut unequal = Vec::new();
    for probe in &probes {
        let (known, unknown) = measure(&srv, probe).await;
        let p = mann_whitney_p(&known, &unknown);
        let line = format!(
            "{:<38} median known {:>7.0} µs, unknown {:>7.0} µs, Mann–Whitney p = {p:.3e}",
            probe.path,
            median(&known),
            median(&unknown)
        );
        eprintln!("{line}");
        if p < alpha {
            unequal.push(line);
        }
        // The work the requests left behind goes before the next endpoint is measured.
        srv.settle().await;
    }
    assert!(
        unequal.is_empty(),
        "known and unknown accounts answer in different times (p < {alpha:.1e}):\n{}",
        unequal.join("\n")
    );
    // Every request for the known account sent its message and none for the unknown one did:
    // the work was done, after the answers.
    srv.settle().await;
    let outbox = srv
        .app
        .ctx
        .delivery
        .outbox()
        .expect("the test server delivers to the outbox")
        .list(usize::MAX)
        .await
        .expect("read the outbox");
    assert_eq!(outbox.len(), probes.len() * (WARM_UP + PER_GROUP));
    assert!(
        outbox
            .iter()
            .all(|m| m.to == KNOWN_EMAIL || m.to == KNOWN_PHONE)
    );
}
