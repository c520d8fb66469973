//! Every request records metrics, so recording into an existing series must stay cheap: no
//! heap allocation at all (checked here with a counting allocator, in its own test binary),
//! and a per-call cost that `observe_request_cost` prints on demand:
//!
//! ```text
//! cargo test -p portcullis-core --test metrics_hot_path -- --ignored --nocapture
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Instant;

use portcullis_core::metrics::Metrics;

/// The system allocator, counting the allocations of the current thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What one signed-in request and its neighbours record. The route is a `String`, as the
/// engine's route labels are: the label must not need to be `'static`.
fn record(m: &Metrics, route: &str, i: u32) {
    let secs = f64::from(i % 200) / 1000.0;
    m.observe_request(route, &http::Method::POST, 200, secs);
    m.observe_request(route, &http::Method::POST, 401, secs);
    m.login_attempt("email", i.is_multiple_of(2));
    m.registration("email");
    m.rate_limited(route);
    m.session_ended(f64::from(i));
    m.observe_endpoint("/sign-in/email", 200);
}

#[test]
fn recording_into_an_existing_series_allocates_nothing() {
    let m = Metrics::new();
    let route = String::from("/api/auth/sign-in/email");
    record(&m, &route, 0);
    let before = allocations();
    for i in 1..=1000 {
        record(&m, &route, i);
    }
    assert_eq!(allocations() - before, 0, "allocations while recording");
    // Still counted.
    let text = m.render();
    assert!(
        text.lines().any(|l| l
            == r#"http_requests_total{route="/api/auth/sign-in/email",method="POST",status="200"} 1001"#),
        "{text}"
    );
}

/// Prints the cost of `observe_request` (one counter and one histogram) on one thread. Timing
/// is machine-dependent, so nothing is asserted.
#[test]
#[ignore = "a measurement, run on demand"]
fn observe_request_cost() {
    let m = Metrics::new();
    // A family with several routes, as in a running server.
    let routes: Vec<String> = (0..40).map(|i| format!("/api/auth/route-{i}")).collect();
    for r in &routes {
        m.observe_request(r, &http::Method::GET, 200, 0.001);
    }
    let route = &routes[17];
    const N: u32 = 2_000_000;
    for round in 0..3 {
        let start = Instant::now();
        for i in 0..N {
            m.observe_request(route, &http::Method::GET, 200, f64::from(i % 300) / 1000.0);
        }
        let ns = start.elapsed().as_nanos() as f64 / f64::from(N);
        eprintln!("round {round}: observe_request {ns:.1} ns/call");
    }
}
