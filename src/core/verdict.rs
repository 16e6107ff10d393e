//! What a check concludes, in the core's terms: the [`Verdict`], the
//! [`Stage`] a check failed at, and the [`Evidence`] (the observed fact).
//! The diagnosis (`report::diagnosis`) carries these as they are.

#[cfg(feature = "full")]
use serde::Deserialize;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]

#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The browser blocks the response from the page.
    Blocked,
    /// Passes every CORS check.
    Allowed,
    /// Nothing recorded decides, and the credentials mode would: allowed
    /// without credentials, blocked with them. Serialized `undecided`
    /// (diagnosis schema 2; schema 1 called it `blocked-if-credentialed`,
    /// still read). Where the browser recorded the outcome (a completion, a
    /// failure, the page's result) the verdict is that outcome instead.
    #[serde(rename = "undecided", alias = "blocked-if-credentialed")]
    Undecided,
    /// Not a CORS request: same-origin, `no-cors`, a navigation.
    NotCors,
    /// Failed for a reason that is not CORS (refused, DNS, TLS, reset).
    NetworkError,
    /// A fact needed to decide is missing; `Diagnosis.missing` says which.
    Unknown,
}

impl Verdict {
    /// The serialized name (`blocked`, `undecided`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Blocked => "blocked",
            Verdict::Allowed => "allowed",
            Verdict::Undecided => "undecided",
            Verdict::NotCors => "not-cors",
            Verdict::NetworkError => "network-error",
            Verdict::Unknown => "unknown",
        }
    }

    /// True for the verdict that makes the CLI exit with status 1: the
    /// request was blocked (decided). `undecided` is not a failure (the CLI
    /// warns; `--fail-undecided` makes it one).
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Blocked)
    }

    /// True when the evidence leaves the outcome open (`undecided`).
    pub fn is_undecided(self) -> bool {
        matches!(self, Verdict::Undecided)
    }
}

/// Where in the exchange a check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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

