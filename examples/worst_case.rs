//! Worst-case timings of the body renderers: the inputs of `tests/fixtures/worst-cases.tsv`
//! (deep nesting, unclosed brackets, emphasis and code runs, entities, ...) repeated to 100 KB,
//! each through every body format (`markdown`, `html`, `text`).
//!
//! ```text
//! cargo run --release --example worst_case          # one line per case, the worst last
//! cargo run --release --example worst_case -- 200   # another size, in KB
//! ```
//!
//! Every case must stay under 100 ms in a release build (the README lists the figures); the same
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

fn main() {
    let kb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let mut worst = (Duration::ZERO, String::new());
    println!(
        "{:<22} {:<9} {:>8} {:>9}  result",
        "input", "format", "bytes", "ms"
    );
    for (name, input) in inputs(kb * 1024) {
        for (label, format) in [
            ("markdown", BodyFormat::Markdown),
            ("html", BodyFormat::Html),
            ("text", BodyFormat::Text),
        ] {
            let start = Instant::now();
            let out = markdown::render(&input, format);
            let took = start.elapsed();
            let result = match &out {
                Ok(html) => format!("ok, {} bytes out", html.len()),
                Err(e) => format!("refused: {}", e.for_field("message").code()),
            };
            println!(
                "{name:<22} {label:<9} {:>8} {:>9.2}  {result}",
                input.len(),
                took.as_secs_f64() * 1000.0
            );
            if took > worst.0 {
                worst = (took, format!("{name} as {label}"));
            }
        }
    }
    println!(
        "worst: {} in {:.2} ms",
        worst.1,
        worst.0.as_secs_f64() * 1000.0
    );
}
