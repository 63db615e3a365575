//! Worst-case timings of the body renderers: the inputs of `tests/fixtures/worst-cases.tsv`
//! (deep nesting, unclosed brackets, emphasis and code runs, entities, ...) repeated to 100 KB,
//! each through every body format (`markdown`, `html`, `text`).
//!
//! ```text
//! cargo run --release --example worst_case          # one line per case, the worst last
//! cargo run --release --example worst_case -- 200   # another size, in KB
//! ```
//!
//! Each case runs three times; the best CPU and wall times are printed (on a shared machine the
//! wall time also counts waits for a core). Every case must stay under 100 ms of CPU time in a
//! release build (the README lists the figures); the same
//! inputs are regression tests with a generous guard in `src/markdown.rs`
//! (`worst_case_inputs_render_in_bounded_time`) and go through the HTTP suite.

use std::time::{Duration, Instant};

use osticket_api::markdown::{self, BodyFormat};

/// `(name, input)` for every line of the fixture, each input about `size` bytes.
fn inputs(size: usize) -> Vec<(String, String)> {
    include_str!("../tests/fixtures/worst-cases.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(name, unit)| {
            let unit = unit.replace("\\n", "\n").replace("\\t", "\t");
            let mut input = unit.repeat(size / unit.len().max(1));
            input.push('x');
            (name.to_owned(), input)
        })
        .collect()
}

/// CPU time of this thread: on a shared machine wall time also counts the waits for a core.
#[cfg(target_os = "linux")]
fn thread_cpu_time() -> Duration {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `t` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(t.sec).unwrap_or(0),
        u32::try_from(t.nsec).unwrap_or(0),
    )
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_time() -> Duration {
    Duration::ZERO
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let kb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    // The best of three runs of each case (the first also warms the caches).
    const RUNS: usize = 3;
    let mut worst = (Duration::ZERO, Duration::ZERO, String::new());
    println!(
        "{:<22} {:<9} {:>8} {:>9} {:>9}  result",
        "input", "format", "bytes", "cpu ms", "wall ms"
    );
    for (name, input) in inputs(kb * 1024) {
        for (label, format) in [
            ("markdown", BodyFormat::Markdown),
            ("html", BodyFormat::Html),
            ("text", BodyFormat::Text),
        ] {
            let mut best = (Duration::MAX, Duration::MAX);
            let mut result = String::new();
            for _ in 0..RUNS {
                let (wall, cpu) = (Instant::now(), thread_cpu_time());
                let out = markdown::render(&input, format);
                let took = (thread_cpu_time().saturating_sub(cpu), wall.elapsed());
                best = (best.0.min(took.0), best.1.min(took.1));
                result = match &out {
                    Ok(html) => format!("ok, {} bytes out", html.len()),
                    Err(e) => format!("refused: {}", e.for_field("message").code()),
                };
            }
            println!(
                "{name:<22} {label:<9} {:>8} {:>9.2} {:>9.2}  {result}",
                input.len(),
                ms(best.0),
                ms(best.1)
            );
            if best.0 > worst.0 {
                worst = (best.0, best.1, format!("{name} as {label}"));
            }
        }
    }
    println!(
        "worst: {} in {:.2} ms of CPU time ({:.2} ms wall)",
        worst.2,
        ms(worst.0),
        ms(worst.1)
    );
}
