//! The credentials mode the engine uses for an exchange, and where it came
//! from: the one function every source and every part of the engine reads
//! ([`credentials`], [`resolve`] with a mode the user stated).
//!
//! What decides, in order (the first that says wins):
//!
//! 1. **recorded**: the page request says it (`page.credentials`: the lab
//!    page's call, the extension's hook, an element's `crossorigin`
//!    attribute through [`cors_settings`]);
//! 2. **a `Cookie` sent to another origin** ([`cookie_leg`]): only
//!    `include` sends cookies across origins, so a `Cookie` header on a leg
//!    whose URL is not the page's origin means `include`. A `Cookie` on a
//!    same-origin leg says nothing: `same-origin` (fetch()'s default) sends
//!    it there too, and not to the cross-origin leg a redirect leads to
//!    (measured in both browsers: `fetch('/api/…')` → 302 → another origin
//!    answering `*` is allowed, the cookie on the first leg only);
//! 3. **the destination**: fonts are fetched with credentials `same-origin`
//!    (CSS Fonts 4 §4.8.2; measured for `@font-face` and preloads);
//! 4. **the browser's recorded outcome**, where the observed headers pass
//!    every check without credentials and fail with them (so the mode is
//!    what decides): a failure ([`FailureSign`]: Chromium's
//!    `net::ERR_FAILED`, Firefox never sending the request after its
//!    preflight, the page seeing the call fail) means `include`
//!    ([`infer`]); a completion ([`SuccessSign`]: a Chromium response
//!    delivered, the page seeing the call succeed) means not `include`
//!    ([`infer_delivered`]);
//! 5. **stated**: the mode the user gave (`whycors diagnose --credentials`),
//!    where nothing above decided; where something did and disagrees, the
//!    evidence wins and [`CredentialsMode::overruled`] keeps what was stated;
//! 6. **unknown**: the checks try both assumptions ([`assumptions`]), and a
//!    request that passes without credentials and fails with them is
//!    `undecided`.
//!
//! No text here: the diagnosis says each source in its own words
//! (`report::diagnose`).

use crate::core::check;
use crate::core::exchange::{Browser, Credentials, End, Exchange, Header, HeaderList, Mode, ResourceType};
use crate::core::facts::{hop_count, page_origin};
use crate::core::fetch::origin;
use crate::core::verdict::{Stage, Verdict};

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
    /// The page saw the call fail (`page.rejected: true`: fetch() rejected,
    /// XHR's `error` event).
    Rejected,
}

/// What shows that the browser delivered the response to the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuccessSign {
    /// The browser recorded a completed request (`end: completed`: a
    /// Chromium DevTools HAR entry without `_error`, Chromium webRequest's
    /// `onCompleted`). Firefox records no such thing: it completes a
    /// response CORS blocked like any other.
    Completed,
    /// The page saw the call succeed (`page.rejected: false`).
    Resolved,
}

/// Where the credentials mode the engine uses comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source<'a> {
    /// The page request records it.
    Recorded,
    /// A `Cookie` header on `legs[leg]`, whose URL is not the page's origin.
    Cookie { leg: usize },
    /// The request's destination fixes it (a font: `same-origin`).
    Destination,
    /// Inferred from the browser's failure: `sign`, at the preflight (no
    /// response to the request) or at the response.
    Inferred { sign: FailureSign<'a>, at_preflight: bool },
    /// The browser delivered a response that fails with credentials: the
    /// request carried none (`mode` is then `same-origin`, fetch()'s
    /// default; `omit` checks the same).
    Delivered { sign: SuccessSign },
    /// The caller stated it (nothing in the exchange decides).
    Stated,
    /// Nothing says: both assumptions are checked.
    Unknown,
}

/// The credentials mode the engine uses for an exchange (None: unknown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredentialsMode<'a> {
    pub mode: Option<Credentials>,
    pub source: Source<'a>,
    /// The mode the caller stated, where the exchange's evidence decided
    /// otherwise (include against not include).
    pub overruled: Option<Credentials>,
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

/// Whether a mode makes the CORS checks credentialed (`include`).
pub fn is_credentialed(mode: Credentials) -> bool {
    mode == Credentials::Include
}

/// HTML's CORS settings attribute (`crossorigin`) as the request's mode and
/// credentials mode: no attribute → `no-cors` with credentials `include`
/// (a module script: `cors`, `same-origin`); `anonymous`, the empty string
/// or any other value → `cors`, `same-origin`; `use-credentials` → `cors`,
/// `include`. Measured for `<img>`, classic `<script>`, `<link
/// rel=stylesheet>`, `<audio>`, `<video>`, `<link rel=preload as=font>` in
/// both browsers (`crossorigin=""` behaves as `anonymous`).
pub fn cors_settings(attribute: Option<&str>, module_script: bool) -> (Mode, Credentials) {
    match attribute.map(str::trim) {
        None if module_script => (Mode::Cors, Credentials::SameOrigin),
        None => (Mode::NoCors, Credentials::Include),
        Some(v) if v.eq_ignore_ascii_case("use-credentials") => (Mode::Cors, Credentials::Include),
        Some(_) => (Mode::Cors, Credentials::SameOrigin),
    }
}

/// The error Chromium reports for a request its CORS checks (or another
/// renderer-side check) stopped: HAR's `response._error`, webRequest's
/// `onErrorOccurred`.
pub const CHROMIUM_CORS_FAILURE: &str = "net::ERR_FAILED";

/// The first leg that carried a `Cookie` header to another origin than the
/// page's (only credentials `include` sends one there).
pub fn cookie_leg(ex: &Exchange) -> Option<usize> {
    let page = page_origin(ex)?;
    ex.legs.iter().position(|l| cookie_means_include(page, &l.url, &l.request_headers))
}

/// Whether request headers sent to `url` from a page of origin `page` show
/// credentials `include`: a `Cookie` header on a URL of another origin.
pub fn cookie_means_include(page: &str, url: &str, headers: &[Header]) -> bool {
    headers.has("cookie") && origin::parse(url).is_some_and(|u| !origin::url_has_origin(&u, page))
}

/// The credentials mode the engine uses for `ex`, and where it came from
/// (see the module docs), with nothing stated.
pub fn credentials(ex: &Exchange) -> CredentialsMode<'_> {
    resolve(ex, None)
}

/// [`credentials`] with the mode the caller stated: used where the exchange
/// decides nothing; where it decides otherwise, kept in `overruled`.
pub fn resolve(ex: &Exchange, stated: Option<Credentials>) -> CredentialsMode<'_> {
    match evidence(ex) {
        Some((mode, source)) => {
            let overruled = stated.filter(|s| is_credentialed(*s) != is_credentialed(mode));
            CredentialsMode { mode: Some(mode), source, overruled }
        }
        None => match stated {
            Some(s) => CredentialsMode { mode: Some(s), source: Source::Stated, overruled: None },
            None => CredentialsMode { mode: None, source: Source::Unknown, overruled: None },
        },
    }
}

/// What the exchange itself says of the mode (steps 1-4 of the module docs).
fn evidence(ex: &Exchange) -> Option<(Credentials, Source<'_>)> {
    if let Some(mode) = ex.page.credentials {
        return Some((mode, Source::Recorded));
    }
    if let Some(leg) = cookie_leg(ex) {
        return Some((Credentials::Include, Source::Cookie { leg }));
    }
    if ex.page.resource_type == ResourceType::Font {
        return Some((Credentials::SameOrigin, Source::Destination));
    }
    let failures = [
        ex.error.as_deref().map(FailureSign::Error),
        (ex.end == End::NotSent).then_some(FailureSign::NotSent),
        (ex.page.rejected == Some(true)).then_some(FailureSign::Rejected),
    ];
    for sign in failures.into_iter().flatten() {
        if let Some(at_preflight) = infer(ex, sign) {
            return Some((Credentials::Include, Source::Inferred { sign, at_preflight }));
        }
    }
    let successes = [
        (ex.end == End::Completed).then_some(SuccessSign::Completed),
        (ex.page.rejected == Some(false)).then_some(SuccessSign::Resolved),
    ];
    for sign in successes.into_iter().flatten() {
        if infer_delivered(ex, sign) {
            return Some((Credentials::SameOrigin, Source::Delivered { sign }));
        }
    }
    None
}

/// The browsers a recorded outcome speaks for: the exchange's browser, or
/// both when the source does not say which.
fn recorded_by(ex: &Exchange) -> &'static [Browser] {
    match ex.browser {
        Some(Browser::Chromium) => &[Browser::Chromium],
        Some(Browser::Firefox) => &[Browser::Firefox],
        None => &Browser::ALL,
    }
}

/// Whether `sign` leaves credentials as the one CORS explanation of the
/// failure; `Some(at_preflight)` when it does.
///
/// A credentialed request to a site without cookies looks the same as an
/// uncredentialed one. When the browser failed the request, and the
/// observed headers pass every CORS check without credentials but fail with
/// them, the credentials are the only CORS explanation of the failure:
/// - Chromium failed it (`net::ERR_FAILED`, the error every CORS failure
///   gets), or the page saw it fail, and the response (or a redirect) was
///   observed, passes without credentials (the failure is unexplained) and
///   fails with them at the response; or
/// - Chromium failed it, Firefox never sent it ([`FailureSign::NotSent`]),
///   or the page saw it fail, with no response, after a preflight that was
///   observed, passes without credentials (so the request would have gone)
///   and fails with them;
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
        (FailureSign::Rejected, _) => recorded_by(ex),
        _ => return None,
    };
    let hops = hop_count(ex);
    let answered = hops > 0 || ex.legs.get(hops).is_some_and(|l| l.response.is_some());
    let preflight_observed =
        ex.legs.first().and_then(|l| l.preflight.as_ref()).is_some_and(|p| p.response.is_some());
    let at_preflight = match (sign, answered) {
        (FailureSign::Error(_) | FailureSign::Rejected, true) => false,
        (_, false) if preflight_observed => true,
        _ => return None,
    };
    let prep = check::prepare(ex);
    for &b in browsers {
        let omit = check::evaluate_prepared(ex, &prep, b, false);
        if omit.verdict != Verdict::Unknown {
            return None;
        }
        let unexplained = omit
            .missing
            .iter()
            .any(|m| matches!(m, check::Missing::UnexplainedError(_) | check::Missing::UnexplainedRejection));
        if !at_preflight && !unexplained {
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

/// Whether `sign` shows that the request carried no credentials: the
/// browser(s) it speaks for delivered the response, which passes every CORS
/// check without credentials and fails with them. A completion is only
/// recorded by Chromium's sources (the exchange's `end`); the page's own
/// success by any.
pub fn infer_delivered(ex: &Exchange, sign: SuccessSign) -> bool {
    if ex.page.credentials.is_some() {
        return false;
    }
    if sign == SuccessSign::Resolved && ex.page.mode == Some(Mode::NoCors) {
        // An opaque response resolves whatever CORS would say.
        return false;
    }
    let prep = check::prepare(ex);
    recorded_by(ex).iter().all(|&b| {
        check::evaluate_prepared(ex, &prep, b, false).verdict == Verdict::Allowed
            && check::evaluate_prepared(ex, &prep, b, true).verdict == Verdict::Blocked
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::exchange::{Header, Leg, PageRequest, Response};

    const PAGE: &str = "http://127.0.0.1:18801";

    /// The measured redirect (MEASURED.md §4): the page's own origin
    /// answers 302 to another origin answering `*`.
    fn redirect(cookie_on: &[usize]) -> Exchange {
        let leg = |k: usize, url: &str, resp: Response| Leg {
            url: url.into(),
            request_headers: if cookie_on.contains(&k) { vec![Header::new("Cookie", "whycors=1")] } else { vec![] },
            response: Some(resp),
            ..Leg::default()
        };
        Exchange {
            page: PageRequest { origin: Some(PAGE.into()), resource_type: ResourceType::Fetch, ..PageRequest::default() },
            legs: vec![
                leg(0, "http://127.0.0.1:18801/api/r", Response { status: 302, headers: vec![Header::new("Location", "http://127.0.0.1:18803/api/t")], ..Response::default() }),
                leg(1, "http://127.0.0.1:18803/api/t", Response { status: 200, headers: vec![Header::new("Access-Control-Allow-Origin", "*")], ..Response::default() }),
            ],
            ..Exchange::default()
        }
    }

    #[test]
    fn the_cross_origin_leg_decides() {
        // `same-origin`: the cookie went to the page's own origin only.
        let same_origin = redirect(&[0]);
        let c = credentials(&same_origin);
        assert_eq!((c.mode, c.source), (None, Source::Unknown));
        // `include`: the cookie went to the other origin too.
        let include = redirect(&[0, 1]);
        let c = credentials(&include);
        assert_eq!((c.mode, c.source), (Some(Credentials::Include), Source::Cookie { leg: 1 }));
        assert_eq!(c.assumptions(), &[true]);
    }

    #[test]
    fn a_stated_mode_yields_to_evidence() {
        let include = redirect(&[0, 1]);
        let c = resolve(&include, Some(Credentials::Omit));
        assert_eq!(c.mode, Some(Credentials::Include));
        assert_eq!(c.overruled, Some(Credentials::Omit));
        // Agreeing (or saying the same for CORS: omit and same-origin) is no disagreement.
        let mut ex = redirect(&[0]);
        ex.page.credentials = Some(Credentials::SameOrigin);
        assert_eq!(resolve(&ex, Some(Credentials::Omit)).overruled, None);
        // Nothing decides: the statement stands.
        let same_origin = redirect(&[0]);
        let c = resolve(&same_origin, Some(Credentials::Include));
        assert_eq!((c.mode, c.source, c.overruled), (Some(Credentials::Include), Source::Stated, None));
    }

    #[test]
    fn a_delivered_response_means_no_credentials() {
        let mut ex = redirect(&[0]);
        ex.browser = Some(Browser::Chromium);
        ex.end = End::Completed;
        let c = credentials(&ex);
        assert_eq!(c.source, Source::Delivered { sign: SuccessSign::Completed });
        assert_eq!(c.assumptions(), &[false]);
        // The page's success says the same; its failure, `include`.
        let mut ex = redirect(&[0]);
        ex.page.rejected = Some(false);
        assert_eq!(credentials(&ex).source, Source::Delivered { sign: SuccessSign::Resolved });
        ex.page.rejected = Some(true);
        assert_eq!(credentials(&ex).source, Source::Inferred { sign: FailureSign::Rejected, at_preflight: false });
    }

    #[test]
    fn fonts_are_same_origin_and_attributes_map_as_html_says() {
        let mut ex = redirect(&[0]);
        ex.page.resource_type = ResourceType::Font;
        assert_eq!(credentials(&ex).source, Source::Destination);
        assert_eq!(cors_settings(None, false), (Mode::NoCors, Credentials::Include));
        assert_eq!(cors_settings(None, true), (Mode::Cors, Credentials::SameOrigin));
        assert_eq!(cors_settings(Some(""), false), (Mode::Cors, Credentials::SameOrigin));
        assert_eq!(cors_settings(Some("anonymous"), false), (Mode::Cors, Credentials::SameOrigin));
        assert_eq!(cors_settings(Some("Use-Credentials"), false), (Mode::Cors, Credentials::Include));
        assert_eq!(cors_settings(Some("bogus"), false), (Mode::Cors, Credentials::SameOrigin));
    }
}
