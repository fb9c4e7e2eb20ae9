//! Timing of the survey analysis at scale: `cargo bench -p tenure-surveys -- [responses]`
//! (default 1,000,000). A benchmark, not a test: it asserts nothing.
//!
//! Generates responses to the reference test's SERVQUAL-like survey (15 pair items in 5
//! dimensions, overall CSAT, NPS, CES, a 5-item Likert scale, a single and a multiple choice and a
//! comment; ~7 % skipped answers, one latent satisfaction per respondent) with a deterministic
//! xorshift stream, writes them to a CSV in memory, then times reading that CSV into columns and
//! analysing them, separately.

use std::hint::black_box;
use std::time::Instant;

use tenure_surveys::{
    AnalysisOptions, Answer, Answers, QuestionKind, ResponseRow, SurveyDefinition, analyze,
    read_responses_csv, write_responses_csv,
};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly standard normal (Irwin–Hall of 4 uniforms, rescaled).
    fn normal(&mut self) -> f64 {
        ((0..4).map(|_| self.unit()).sum::<f64>() - 2.0) * 3.0_f64.sqrt()
    }
}

fn point(x: f64, low: u8, high: u8) -> u8 {
    x.round().clamp(f64::from(low), f64::from(high)) as u8
}

fn response(def: &SurveyDefinition, rng: &mut XorShift, i: u64) -> ResponseRow {
    let s = rng.normal();
    let mut answers = Answers::new();
    for q in &def.questions {
        if !q.overall && rng.unit() < 0.07 {
            continue;
        }
        let (low, high) = q.bounds().unwrap_or((0, 0));
        let centre = f64::from(low + high) / 2.0 + 0.5;
        let answer = match q.kind {
            QuestionKind::Pair => Answer::Pair {
                expectation: point(5.6 + 0.3 * s + 0.8 * rng.normal(), low, high),
                perception: point(4.8 + s + 0.8 * rng.normal(), low, high),
            },
            QuestionKind::Single => {
                Answer::Single(q.options[(rng.next() % q.options.len() as u64) as usize].id.clone())
            }
            QuestionKind::Multi => {
                let ids: Vec<String> =
                    q.options.iter().filter(|_| rng.unit() < 0.3).map(|o| o.id.clone()).collect();
                if ids.is_empty() {
                    continue;
                }
                Answer::Multi(ids)
            }
            QuestionKind::Text if rng.unit() < 0.9 => continue,
            QuestionKind::Text => Answer::Text("Quick delivery, friendly staff".to_owned()),
            _ => Answer::Scale(point(
                centre + f64::from(high - low) / 5.0 * (s + 0.6 * rng.normal()),
                low,
                high,
            )),
        };
        answers.insert(&q.id, answer);
    }
    let submitted_at = 1_735_689_600 + (i * 31_536_000 / 1_000_000) as i64 + (rng.next() % 3600) as i64;
    let customer = (rng.unit() > 0.15).then(|| format!("c{}", rng.next() % 500_000));
    ResponseRow { response_id: format!("r{i:07}"), submitted_at, customer, answers }
}

/// CPU time of this process so far (all threads), in ms, from /proc (Linux; 0 elsewhere): on a
/// shared machine it says what a phase cost even when other work steals the cores.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after the command name.
    (ticks(11) + ticks(12)) * 10.0
}

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let (start, cpu) = (Instant::now(), cpu_ms());
    let out = black_box(f());
    let wall = start.elapsed().as_secs_f64() * 1e3;
    println!("{label:<34} {wall:>9.1} ms wall {:>9.0} ms CPU", cpu_ms() - cpu);
    out
}

fn main() {
    let n: u64 = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(1_000_000);
    let def: SurveyDefinition = serde_json::from_str(include_str!("../tests/reference/definition.json"))
        .expect("the reference definition parses");
    let csv = timed("generate + write CSV (not timed)", || {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let mut out = Vec::with_capacity(n as usize * 120);
        write_responses_csv(&def, (0..n).map(|i| response(&def, &mut rng, i)), &mut out)
            .expect("writes to memory");
        out
    });
    println!("{n} responses, {} questions, CSV {:.1} MB", def.questions.len(), csv.len() as f64 / 1e6);
    timed("ResponseSet::push of 100,000 rows", || {
        let mut rng = XorShift(7);
        let rows: Vec<ResponseRow> = (0..100_000).map(|i| response(&def, &mut rng, i)).collect();
        let start = Instant::now();
        let mut set = tenure_surveys::ResponseSet::new(&def);
        for row in &rows {
            set.push(row).expect("generated rows are valid");
        }
        println!("  (of which push alone: {:.1} ms)", start.elapsed().as_secs_f64() * 1e3);
        set
    });
    let (total, cpu) = (Instant::now(), cpu_ms());
    let set = timed("read_responses_csv", || read_responses_csv(&def, csv.as_slice()).expect("valid CSV"));
    let analysis = timed("analyze", || analyze(&def, &set, &AnalysisOptions::default()));
    let wall = total.elapsed().as_secs_f64() * 1e3;
    println!("{:<34} {wall:>9.1} ms wall {:>9.0} ms CPU", "read + analyze", cpu_ms() - cpu);
    let json = serde_json::to_string(&analysis).expect("serialises");
    println!("{} responses analysed, analysis JSON {} bytes", analysis.responses, json.len());
}
