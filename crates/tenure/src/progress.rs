//! Import progress on stderr: a bar when stderr is a terminal (indicatif hides it otherwise, so
//! piped and CI output stays clean), or JSON lines for scripts and tests that wait on progress.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use tenure_app::import::Progress;

use crate::cli::ProgressArg;

/// Import progress in the chosen display.
pub enum Display {
    /// A byte-based bar (hidden when stderr is not a terminal).
    Bar(ProgressBar),
    /// `{"bytes_read":N,"total_bytes":N}` lines.
    Json { total_bytes: AtomicU64 },
    /// Nothing.
    None,
}

impl Display {
    /// The display for `--progress`.
    pub fn new(choice: ProgressArg) -> Self {
        match choice {
            ProgressArg::Auto => Display::Bar(ProgressBar::hidden()),
            ProgressArg::Json => Display::Json { total_bytes: AtomicU64::new(0) },
            ProgressArg::None => Display::None,
        }
    }
}

impl Progress for Display {
    fn start(&self, total_bytes: u64) {
        match self {
            Display::Bar(bar) => {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                bar.set_length(total_bytes);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} importing [{bar:40}] {bytes}/{total_bytes} ({eta} left)",
                    )
                    .expect("the template is valid")
                    .progress_chars("=> "),
                );
            }
            Display::Json { total_bytes: total } => total.store(total_bytes, Ordering::Relaxed),
            Display::None => {}
        }
    }

    fn update(&self, bytes_read: u64) {
        match self {
            Display::Bar(bar) => bar.set_position(bytes_read),
            Display::Json { total_bytes } => {
                let total = total_bytes.load(Ordering::Relaxed);
                let mut stderr = std::io::stderr().lock();
                // Progress is best effort: a closed stderr must not fail the import.
                let _ = writeln!(stderr, "{{\"bytes_read\":{bytes_read},\"total_bytes\":{total}}}");
            }
            Display::None => {}
        }
    }

    fn finish(&self) {
        if let Display::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
