//! One place for each fact the engine derives from an exchange before any
//! check runs, read by the checks, the fix, the findings and the preflight
//! reconstruction alike:
//!
//! - the page's origin ([`page_origin`]);
//! - the request's way over its legs ([`Route`]): each leg's URL, where its
//!   redirect leads, the redirect taint, and the `Origin` the request carried
//!   on each leg; the `Origin` of each preflight ([`preflight_origin`]);
//! - the request mode ([`mode`]);
//! - how a leg index maps to the `hop` of an evidence or a change
//!   ([`preflight_hop`], [`Route::leg_at`]).

use std::borrow::Cow;
use url::Url;

use crate::core::verdict::Stage;
use crate::core::exchange::{Browser, Exchange, HeaderList, Leg, Mode, ResourceType};
use crate::core::fetch::headers::trim_ows;
use crate::core::fetch::origin::{self, url_has_origin};

/// The page's serialized origin: what the page request records
/// (`page.origin`), else the `Origin` the browser sent on the first leg,
/// else the one on the first leg's preflight. None when nothing says.
pub fn page_origin(ex: &Exchange) -> Option<&str> {
    if let Some(o) = ex.page.origin.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        return Some(o);
    }
    let first = ex.legs.first()?;
    first
        .request_headers
        .first_trimmed("origin")
        .or_else(|| first.preflight.as_ref().and_then(|p| p.request_headers.first_trimmed("origin")))
}

/// Whether a status is one of the redirect statuses.
pub fn is_redirect_status(s: u16) -> bool {
    matches!(s, 301 | 302 | 303 | 307 | 308)
}

/// How many of the exchange's legs are redirect hops: every leg followed by
/// another, and the last one too when its response is a redirect (status
/// and `Location`) that the browser did not follow. `legs[hops]`, when it
/// exists, is the final leg.
pub fn hop_count(ex: &Exchange) -> usize {
    let n = ex.legs.len();
    let last_redirects = ex.legs.last().and_then(|l| l.response.as_ref()).is_some_and(|r| {
        is_redirect_status(r.status) && r.headers.has("location")
    });
    if last_redirects {
        n
    } else {
        n.saturating_sub(1)
    }
}

/// The leg an evidence's (or a change's) preflight `hop` points at: the
/// first URL's preflight (`None`) is on `legs[0]`, the one sent after
/// redirect `k` on `legs[k + 1]`. The Diagnosis JSON keeps this meaning.
pub fn preflight_leg(hop: Option<usize>) -> Option<usize> {
    match hop {
        None => Some(0),
        Some(k) => k.checked_add(1),
    }
}

/// The preflight an evidence's or a change's `(Stage::Preflight, hop)`
/// points at ([`preflight_leg`]).
pub fn hop_preflight(ex: &Exchange, hop: Option<usize>) -> Option<&crate::core::exchange::Preflight> {
    ex.legs.get(preflight_leg(hop)?)?.preflight.as_ref()
}

/// The inverse of [`preflight_leg`]: the `hop` of the preflight on leg `k`.
pub fn preflight_hop(leg: usize) -> Option<usize> {
    leg.checked_sub(1)
}

/// One leg of the [`Route`].
#[derive(Clone, Debug)]
pub struct LegRoute<'a> {
    /// The leg's URL: the recorded one when it parses, else where the
    /// previous redirect led.
    pub url: Option<Url>,
    /// The `Origin` the request on this leg carried: the one recorded on the
    /// leg, else the page's origin, `null` once a redirect tainted it. None
    /// without a page origin.
    pub origin: Option<Cow<'a, str>>,
    /// Whether `origin` was recorded on the leg (not derived).
    pub origin_recorded: bool,
    /// For a redirect hop: the first `Location` line, as received.
    pub location: Option<&'a str>,
    /// `location` resolved against `url` (None: no `Location`, or it does
    /// not resolve).
    pub target: Option<Url>,
    /// Following this redirect taints the request's origin: it leads to
    /// another origin from a URL that is not same origin with the page
    /// (Fetch "redirect-taint"; Chromium's `CheckTainted`).
    pub taints: bool,
}

/// The request's way over its legs, walked once (see the module docs).
#[derive(Clone, Debug)]
pub struct Route<'a> {
    pub page_origin: Option<&'a str>,
    /// One per `Exchange::legs`.
    pub legs: Vec<LegRoute<'a>>,
    /// See [`hop_count`].
    pub hops: usize,
    /// The `Origin` a request after every hop carries (derived).
    after_hops: Option<Cow<'a, str>>,
}

impl<'a> Route<'a> {
    /// Walks the legs of `ex`.
    pub fn new(ex: &'a Exchange) -> Route<'a> {
        let page = page_origin(ex);
        let hops = hop_count(ex);
        let mut legs = Vec::with_capacity(ex.legs.len());
        // Where the previous leg led: its redirect's target, else its URL.
        let mut prev: Option<Url> = None;
        let mut tainted = false;
        let derived = |tainted: bool| page.map(|p| Cow::Borrowed(if tainted { "null" } else { p }));
        for (k, leg) in ex.legs.iter().enumerate() {
            let url = origin::parse(&leg.url).or_else(|| prev.clone());
            let recorded = leg.request_headers.first_trimmed("origin");
            let origin = recorded.map(Cow::Borrowed).or_else(|| derived(tainted));
            let (location, target, taints) = if k < hops {
                let location = leg.response.as_ref().and_then(|r| r.headers.first_value("location"));
                let target = match (&url, location) {
                    (Some(u), Some(l)) => u.join(trim_ows(l)).ok(),
                    _ => None,
                };
                let taints = match (&url, &target) {
                    (Some(u), Some(t)) => {
                        !origin::same_origin_url(t, u) && !page.is_some_and(|p| url_has_origin(u, p))
                    }
                    _ => false,
                };
                (location, target, taints)
            } else {
                (None, None, false)
            };
            tainted |= taints;
            prev = target.clone().or_else(|| url.clone());
            legs.push(LegRoute { url, origin, origin_recorded: recorded.is_some(), location, target, taints });
        }
        Route { page_origin: page, legs, hops, after_hops: derived(tainted) }
    }

    /// The `Origin` the request carried on leg `k`; for `k` past the last
    /// leg, the one a request after every hop carries.
    pub fn origin(&self, k: usize) -> Option<&str> {
        match self.legs.get(k) {
            Some(l) => l.origin.as_deref(),
            None => self.after_hops.as_deref(),
        }
    }

    /// The index of the first redirect hop that tainted the origin.
    pub fn first_taint(&self) -> Option<usize> {
        self.legs.iter().position(|l| l.taints)
    }

    /// Where the request ended up: the final leg's URL, or, when the chain
    /// stopped at a redirect, that redirect's target.
    pub fn final_url(&self) -> Option<&Url> {
        match self.legs.get(self.hops) {
            Some(l) => l.url.as_ref(),
            None => self.legs.last().and_then(|l| l.target.as_ref().or(l.url.as_ref())),
        }
    }

    /// The leg an evidence or change at `stage` with `hop` is about (may be
    /// past the last leg: the final response that was never observed).
    pub fn leg_at(&self, stage: Stage, hop: Option<usize>) -> Option<usize> {
        match stage {
            Stage::Request => None,
            Stage::Preflight => preflight_leg(hop),
            Stage::Redirect => hop,
            Stage::Actual => Some(self.hops),
        }
    }
}

/// The `Origin` of the preflight on leg `k`: the one recorded on it, else
/// what `browser` sends. Measured (Chromium 156, Firefox ESR 153, `whycors
/// lab`, a PUT with an author header redirected by 307 from the api origin
/// to the other origin, and from the api origin to itself): Chromium sends
/// the same `Origin` as the actual request on that leg (`null` once the
/// redirect taints it) and checks the preflight's ACAO against it; Firefox
/// sends the page's origin and checks against that, while the actual request
/// on the leg carries `Origin: null`. The first URL's preflight carries the
/// page's origin in both.
pub fn preflight_origin<'a>(ex: &'a Exchange, route: &'a Route<'a>, k: usize, browser: Browser) -> Option<&'a str> {
    let recorded = ex
        .legs
        .get(k)
        .and_then(|l| l.preflight.as_ref())
        .and_then(|p| p.request_headers.first_trimmed("origin"));
    if recorded.is_some() {
        return recorded;
    }
    match (k, browser) {
        (0, _) | (_, Browser::Firefox) => route.page_origin,
        (_, Browser::Chromium) => route.origin(k),
    }
}

/// The request's fetch mode as far as it can be told, and whether that is a
/// guess that a `no-cors` reading could overturn: the recorded mode, else
/// `Sec-Fetch-Mode` on the first leg ([`sec_fetch_mode`]), else the
/// resource type (elements are `no-cors` unless `crossorigin`: an `Origin`
/// on a GET, or a preflight, says cors; Firefox sources, which always show
/// the `Origin`, say `no-cors` by its absence).
pub fn mode(ex: &Exchange) -> (Mode, bool) {
    if let Some(m) = ex.page.mode {
        return (m, false);
    }
    let first: Option<&Leg> = ex.legs.first();
    let sent = first.map(|l| l.request_headers.as_slice()).unwrap_or(&[]);
    if let Some(m) = sec_fetch_mode(sent) {
        return (m, false);
    }
    match ex.page.resource_type {
        ResourceType::Document | ResourceType::Subdocument => (Mode::Navigate, false),
        ResourceType::Websocket => (Mode::Websocket, false),
        ResourceType::Image
        | ResourceType::Script
        | ResourceType::Stylesheet
        | ResourceType::Media
        | ResourceType::Beacon => {
            let has_origin = sent.first_value("origin").is_some();
            let preflighted = first.is_some_and(|l| l.preflight.is_some());
            if preflighted || (has_origin && ex.page.method().eq_ignore_ascii_case("GET")) {
                (Mode::Cors, false)
            } else if !has_origin && !sent.is_empty() && ex.browser == Some(Browser::Firefox) {
                (Mode::NoCors, false)
            } else {
                (Mode::Cors, true)
            }
        }
        _ => (Mode::Cors, false),
    }
}

/// The mode `Sec-Fetch-Mode` says (both browsers send it), if it says one.
pub fn sec_fetch_mode(headers: &[crate::core::exchange::Header]) -> Option<Mode> {
    match trim_ows(headers.first_value("sec-fetch-mode")?).to_ascii_lowercase().as_str() {
        "cors" => Some(Mode::Cors),
        "no-cors" => Some(Mode::NoCors),
        "same-origin" => Some(Mode::SameOrigin),
        "navigate" | "nested-navigate" => Some(Mode::Navigate),
        "websocket" => Some(Mode::Websocket),
        _ => None,
    }
}
