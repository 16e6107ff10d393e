//! The ordered CORS checks, as each browser runs them.
//!
//! `evaluate` re-runs one browser's checks over an exchange under one
//! credentials assumption and returns the first failing step. It is the
//! single source of truth for verdicts: `diagnose` (verdict, reason,
//! evidence), `fix` (verification of a proposed fix) and `findings` all call
//! it. Pure: no allocation-heavy work beyond the failure it reports.

use crate::diagnosis::{Evidence, Verdict};
use crate::message::Text;
use crate::model::{Browser, Exchange};

/// One browser's outcome for one exchange under one credentials assumption.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Blocked, Allowed, NotCors, NetworkError or Unknown (never
    /// BlockedIfCredentialed: that is decided by `diagnose` from two outcomes).
    pub verdict: Verdict,
    pub failure: Option<Failure>,
    /// For Unknown: the facts that are missing.
    pub missing: Vec<Text>,
    /// Departures from the Fetch Standard that this exchange relies on, and
    /// console warnings (e.g. `Authorization` covered by `*`).
    pub notes: Vec<Text>,
}

/// The first failing check.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// Registry id (`CORSMissingAllowOrigin`).
    pub reason: &'static str,
    /// The browser's own name: Chromium `CorsError` (`PreflightMissingAllowOriginHeader`)
    /// or Firefox message key (`CORSMissingAllowOrigin2`). None where the browser has no key
    /// (Firefox's userinfo redirect error).
    pub name: Option<&'static str>,
    /// Chromium's `failedParameter` / Firefox's `%2$S`.
    pub parameter: Option<String>,
    pub evidence: Evidence,
}

/// Runs `browser`'s checks over `ex`, assuming the request was credentialed
/// (`credentials: "include"`) or not.
pub fn evaluate(ex: &Exchange, browser: Browser, credentialed: bool) -> Outcome {
    let _ = (ex, browser, credentialed);
    Outcome { verdict: Verdict::Unknown, failure: None, missing: Vec::new(), notes: Vec::new() }
}
