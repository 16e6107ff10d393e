//! Each browser's verdict under the credentials assumption(s), and the
//! light verdict the extension's background computes at capture (the
//! verdict, the reason, each browser's name: no texts, fix or findings).
//! `report::diagnose` builds the full diagnosis on the same [`assess`], so
//! the two agree on the verdict, the reason and the names
//! (`tests/light.rs`).

use crate::core::check::{self, Failure, Outcome};
use crate::core::credentials::{self, Source};
use crate::core::exchange::{Browser, Credentials, Exchange};
use crate::core::reason::ReasonId;
use crate::core::verdict::Verdict;

/// One browser's result under the credentials assumption(s).
pub struct Assessed {
    pub browser: Browser,
    pub verdict: Verdict,
    /// The outcome whose failure is reported.
    pub outcome: Outcome,
    /// With credentials unknown: the other assumption's outcome, when it
    /// blocks for another reason than the reported one.
    pub if_credentialed: Option<Outcome>,
}

impl Assessed {
    pub fn failure(&self) -> Option<&Failure> {
        self.outcome.failure.as_ref()
    }
    pub fn reason(&self) -> Option<ReasonId> {
        // A request stopped outside CORS has no CORS reason, though Firefox
        // may print its generic line (the failure) after it.
        if self.outcome.stopped.is_some() && self.verdict == Verdict::NotCors {
            return None;
        }
        self.failure().map(|f| f.reason)
    }
}

pub fn assess<'a>(ex: &'a Exchange, prep: &check::Prepared<'a>, browser: Browser) -> Assessed {
    let eval = |cred: bool| check::settle(ex, browser, check::evaluate_prepared(ex, prep, browser, cred));
    match ex.page.credentials {
        Some(c) => {
            let outcome = eval(c == Credentials::Include);
            Assessed {
                browser,
                verdict: outcome.verdict,
                outcome,
                if_credentialed: None,
            }
        }
        None => {
            let omit = eval(false);
            // Only an allowed or blocked outcome without credentials can be
            // changed by them in a way the diagnosis reports.
            if !matches!(omit.verdict, Verdict::Allowed | Verdict::Blocked) || omit.stopped.is_some() {
                return Assessed {
                    browser,
                    verdict: omit.verdict,
                    outcome: omit,
                    if_credentialed: None,
                };
            }
            let include = eval(true);
            match (omit.verdict, include.verdict) {
                (Verdict::Allowed, Verdict::Blocked) => Assessed {
                    browser,
                    verdict: Verdict::Undecided,
                    outcome: include,
                    if_credentialed: None,
                },
                (Verdict::Blocked, Verdict::Blocked)
                    if include.failure.as_ref().map(|f| f.reason)
                        != omit.failure.as_ref().map(|f| f.reason) =>
                {
                    Assessed {
                        browser,
                        verdict: Verdict::Blocked,
                        outcome: omit,
                        if_credentialed: Some(include),
                    }
                }
                _ => Assessed {
                    browser,
                    verdict: omit.verdict,
                    outcome: omit,
                    if_credentialed: None,
                },
            }
        }
    }
}

/// How bad a verdict is, to pick "the worse of the two".
pub fn severity(v: Verdict) -> u8 {
    match v {
        Verdict::Blocked => 5,
        Verdict::Undecided => 4,
        Verdict::NetworkError => 3,
        Verdict::Unknown => 2,
        Verdict::Allowed => 1,
        Verdict::NotCors => 0,
    }
}

/// What the background computes at capture: the verdict and reason for
/// the chosen browser, each browser's own name for its failure, and whether
/// the response was delivered though it would fail with credentials (the
/// full diagnosis then carries a warning finding).
#[derive(Clone, Debug, PartialEq)]
pub struct Light {
    pub browser: Browser,
    pub verdict: Verdict,
    pub reason: Option<ReasonId>,
    pub chromium: Option<&'static str>,
    pub firefox: Option<&'static str>,
    pub delivered: bool,
}

/// The verdict part of `report::diagnose::diagnose(ex, {browser})`, with
/// nothing stated by the caller: the credentials mode the evidence decides
/// applied, both browsers assessed, `browser` (else the exchange's own,
/// else the worse of the two) chosen.
pub fn light(ex: &Exchange, browser: Option<Browser>) -> Light {
    let cm = credentials::resolve(ex, None);
    let applies = !matches!(cm.source, Source::Recorded | Source::Unknown);
    let delivered = matches!(cm.source, Source::Delivered { .. });
    match (applies, cm.mode) {
        (true, Some(mode)) => {
            let mut applied = ex.clone();
            applied.page.credentials = Some(mode);
            light_recorded(&applied, browser, delivered)
        }
        _ => light_recorded(ex, browser, delivered),
    }
}

fn light_recorded(ex: &Exchange, browser: Option<Browser>, delivered: bool) -> Light {
    let prep = check::prepare(ex);
    let chromium = assess(ex, &prep, Browser::Chromium);
    let firefox = assess(ex, &prep, Browser::Firefox);
    let chosen_browser = choose(ex, browser, &chromium, &firefox);
    let chosen = if chosen_browser == Browser::Chromium { &chromium } else { &firefox };
    Light {
        browser: chosen_browser,
        verdict: chosen.verdict,
        reason: chosen.reason(),
        chromium: chromium.failure().and_then(|f| f.name),
        firefox: firefox.failure().and_then(|f| f.name),
        delivered,
    }
}

/// The browser a diagnosis reports for: the one asked for, else the
/// exchange's own, else the one with the worse verdict.
pub fn choose(ex: &Exchange, browser: Option<Browser>, chromium: &Assessed, firefox: &Assessed) -> Browser {
    browser.or(ex.browser).unwrap_or_else(|| {
        if severity(firefox.verdict) > severity(chromium.verdict) {
            Browser::Firefox
        } else {
            Browser::Chromium
        }
    })
}
