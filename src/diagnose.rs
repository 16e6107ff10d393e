//! From an exchange to a `Diagnosis`: runs `check::evaluate` for both
//! browsers (and both credentials assumptions when the mode is unknown),
//! picks the verdict and reason, and adds evidence, explanation, fix, hints
//! and findings.

use crate::diagnosis::Diagnosis;
use crate::model::{Browser, Exchange};

/// What the caller wants.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The browser to report for. None: the exchange's own `browser`, else both.
    pub browser: Option<Browser>,
    /// Skip the fix and snippets (the fast path for verdicts only).
    pub verdict_only: bool,
}

pub fn diagnose(ex: &Exchange, opts: &Options) -> Diagnosis {
    let _ = (ex, opts);
    todo!("engine core")
}
