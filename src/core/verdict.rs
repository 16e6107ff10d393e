//! What a check concludes, in the core's terms: the [`Verdict`], the
//! [`Stage`] a check failed at, and the [`Evidence`] (the observed fact).
//! The diagnosis (`report::diagnosis`) carries these as they are.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The browser blocks the response from the page.
    Blocked,
    /// Passes every CORS check.
    Allowed,
    /// The credentials mode is unknown, and it decides: allowed without
    /// credentials, blocked with them.
    BlockedIfCredentialed,
    /// Not a CORS request: same-origin, `no-cors`, a navigation.
    NotCors,
    /// Failed for a reason that is not CORS (refused, DNS, TLS, reset).
    NetworkError,
    /// A fact needed to decide is missing; `Diagnosis.missing` says which.
    Unknown,
}

impl Verdict {
    /// The serialized name (`blocked`, `blocked-if-credentialed`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Blocked => "blocked",
            Verdict::Allowed => "allowed",
            Verdict::BlockedIfCredentialed => "blocked-if-credentialed",
            Verdict::NotCors => "not-cors",
            Verdict::NetworkError => "network-error",
            Verdict::Unknown => "unknown",
        }
    }

    /// True for the verdicts that make the CLI exit with status 1.
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Blocked | Verdict::BlockedIfCredentialed)
    }
}

/// Where in the exchange a check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Request,
    Preflight,
    /// A redirect response of the actual request; `Evidence.hop` says which (0-based).
    Redirect,
    Actual,
}

impl Stage {
    /// What answered at this stage, as a message parameter ("preflight
    /// response", "redirect response", "response", "request").
    pub fn noun(self) -> &'static str {
        match self {
            Stage::Preflight => "preflight response",
            Stage::Redirect => "redirect response",
            Stage::Actual => "response",
            Stage::Request => "request",
        }
    }
}

/// The observed fact that failed a check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub stage: Stage,
    /// For `Stage::Redirect`: which hop, 0-based. For `Stage::Preflight`:
    /// None for the preflight to the first URL, `Some(k)` for the preflight
    /// sent after redirect hop k (`core::facts::preflight_leg` maps it to the leg).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hop: Option<usize>,
    /// The header that failed (None when it was the status, the scheme, ...).
    pub header: Option<String>,
    /// What was observed (None: the header was absent).
    pub observed: Option<String>,
    /// What would have passed.
    pub expected: Option<String>,
    /// The Fetch Standard step that failed, e.g. "CORS check, step 3".
    pub fetch_step: String,
    /// Link to that step.
    pub spec_url: Option<String>,
}

