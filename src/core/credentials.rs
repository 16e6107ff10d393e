//! The credentials mode the engine uses for an exchange, and where it came
//! from: the one function every source and every part of the engine reads
//! ([`credentials`]). Its semantics grow with the issue "Truth from every
//! piece of evidence" (the mode decided from the cross-origin leg, the
//! browser's recorded outcome); today's:
//!
//! - **recorded**: the page request says it (`page.credentials`; the lab
//!   page and the extension record the call, a HAR's `Cookie` is read as
//!   `include` by the HAR reader);
//! - **inferred** from the browser's failure ([`infer`]): where the browser
//!   failed the request (Chromium's `net::ERR_FAILED`) or never sent it
//!   (`end: not-sent`, Firefox's HAR) and the observed headers pass every
//!   check without credentials but fail with them;
//! - **unknown**: the checks try both assumptions ([`assumptions`]).
//!
//! No text here: the diagnosis says an inference in its own words
//! (`diagnose::infer_credentials`).

use crate::core::check;
use crate::core::verdict::{Stage, Verdict};
use crate::core::exchange::{Browser, Credentials, End, Exchange};
use crate::core::facts::hop_count;

/// What shows that the browser failed a request, beyond its headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureSign<'a> {
    /// The browser's error for the request (the exchange's `error`: a HAR's
    /// `response._error`, webRequest's `onErrorOccurred`). Only Chromium's
    /// `net::ERR_FAILED` counts.
    Error(&'a str),
    /// The browser never sent the request (`end: not-sent`): Firefox's HAR
    /// export holds it with `status: 0`, no response headers and empty
    /// `timings` (`{}`). Measured: the actual request a failed preflight
    /// stopped (a dropped connection, by contrast, keeps the timings of the
    /// attempt).
    NotSent,
}

/// Where the credentials mode the engine uses comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source<'a> {
    /// The page request records it.
    Recorded,
    /// Inferred from the browser's failure: `sign`, at the preflight (no
    /// response to the request) or at the response.
    Inferred { sign: FailureSign<'a>, at_preflight: bool },
    /// Nothing says: both assumptions are checked.
    Unknown,
}

/// The credentials mode the engine uses for an exchange (None: unknown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredentialsMode<'a> {
    pub mode: Option<Credentials>,
    pub source: Source<'a>,
}

impl CredentialsMode<'_> {
    /// Whether the request carries credentials to another origin, under each
    /// assumption that matters: `include` → `[true]`; `omit`, `same-origin`
    /// (a cross-origin `same-origin` request sends none) → `[false]`;
    /// unknown → `[false, true]`.
    pub fn assumptions(&self) -> &'static [bool] {
        assumptions(self.mode)
    }
}

/// See [`CredentialsMode::assumptions`].
pub fn assumptions(mode: Option<Credentials>) -> &'static [bool] {
    match mode {
        Some(Credentials::Include) => &[true],
        Some(Credentials::Omit) | Some(Credentials::SameOrigin) => &[false],
        None => &[false, true],
    }
}

/// The error Chromium reports for a request its CORS checks (or another
/// renderer-side check) stopped: HAR's `response._error`, webRequest's
/// `onErrorOccurred`.
const CHROMIUM_CORS_FAILURE: &str = "net::ERR_FAILED";

/// The credentials mode the engine uses for `ex`, and where it came from
/// (see the module docs). The signs of failure read: the exchange's
/// `error`, then `end: not-sent`.
pub fn credentials(ex: &Exchange) -> CredentialsMode<'_> {
    if let Some(mode) = ex.page.credentials {
        return CredentialsMode { mode: Some(mode), source: Source::Recorded };
    }
    let signs = [
        ex.error.as_deref().map(FailureSign::Error),
        (ex.end == End::NotSent).then_some(FailureSign::NotSent),
    ];
    for sign in signs.into_iter().flatten() {
        if let Some(at_preflight) = infer(ex, sign) {
            return CredentialsMode { mode: Some(Credentials::Include), source: Source::Inferred { sign, at_preflight } };
        }
    }
    CredentialsMode { mode: None, source: Source::Unknown }
}

/// Whether `sign` leaves credentials as the one CORS explanation of the
/// failure; `Some(at_preflight)` when it does.
///
/// No source records the credentials mode itself: a `Cookie` header shows
/// `include` (read as a recorded fact by the sources, not here), but a
/// credentialed request to a site without cookies looks the same as an
/// uncredentialed one. When the browser failed the request, and the
/// observed headers pass every CORS check without credentials but fail with
/// them, the credentials are the only CORS explanation of the failure:
/// - Chromium failed it (`net::ERR_FAILED`, the error every CORS failure
///   gets) and the response (or a redirect) was observed, passes without
///   credentials (the error is unexplained) and fails with them at the
///   response; or
/// - Chromium failed it, or Firefox never sent it ([`FailureSign::NotSent`]),
///   with no response, after a preflight that was observed, passes without
///   credentials (so the request would have gone) and fails with them;
///
/// and with credentials the checks block (`Access-Control-Allow-Origin: *`,
/// no `Access-Control-Allow-Credentials: true`, `*` in the allow lists...).
/// A failure also has causes outside CORS (an extension, a proxy, the page
/// cancelling it, a check the record does not show): the diagnosis says
/// the mode is inferred.
///
/// Never inferred: where the mode is recorded; from a missing `Cookie` (no
/// cookie may exist for the site); from Firefox's errors
/// (`NS_ERROR_DOM_BAD_URI` and the like: one error for CORS and non-CORS
/// failures alike) or a Firefox HAR's response (its export records no
/// error); or when the checks already block without credentials (then the
/// credentials mode explains nothing; the diagnosis names that failure).
pub fn infer(ex: &Exchange, sign: FailureSign<'_>) -> Option<bool> {
    if ex.page.credentials.is_some() {
        return None;
    }
    let browsers: &[Browser] = match (sign, ex.browser) {
        (FailureSign::Error(e), Some(Browser::Chromium)) if e.trim() == CHROMIUM_CORS_FAILURE => &[Browser::Chromium],
        (FailureSign::Error(e), None) if e.trim() == CHROMIUM_CORS_FAILURE => &Browser::ALL,
        (FailureSign::NotSent, Some(Browser::Firefox)) => &[Browser::Firefox],
        _ => return None,
    };
    let hops = hop_count(ex);
    let answered = hops > 0 || ex.legs.get(hops).is_some_and(|l| l.response.is_some());
    let preflight_observed =
        ex.legs.first().and_then(|l| l.preflight.as_ref()).is_some_and(|p| p.response.is_some());
    let at_preflight = match (sign, answered) {
        (FailureSign::Error(_), true) => false,
        (_, false) if preflight_observed => true,
        _ => return None,
    };
    let prep = check::prepare(ex);
    for &b in browsers {
        let omit = check::evaluate_prepared(ex, &prep, b, false);
        if omit.verdict != Verdict::Unknown {
            return None;
        }
        if !at_preflight && !omit.missing.iter().any(|m| matches!(m, check::Missing::UnexplainedError(_))) {
            return None;
        }
        let include = check::evaluate_prepared(ex, &prep, b, true);
        let stage = match (&include.verdict, &include.failure) {
            (Verdict::Blocked, Some(f)) => f.evidence.stage,
            _ => return None,
        };
        let fits = if at_preflight { stage == Stage::Preflight } else { matches!(stage, Stage::Actual | Stage::Redirect) };
        if !fits {
            return None;
        }
    }
    Some(at_preflight)
}
