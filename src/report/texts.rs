//! The checks' missing facts and notes (`core::check::Missing`, `Note`) in
//! words: each a [`Text`] with a stable id (`check.missing.*`,
//! `check.note.*`).

use crate::core::check::{Missing, Note};
use crate::core::exchange::{Browser, PreflightObservation};
use crate::report::message::Text;

/// A missing fact, said.
pub fn missing(m: &Missing) -> Text {
    match m {
        Missing::Origin => missing_origin(),
        Missing::Url(url) => missing_url(url),
        Missing::PreflightNotObserved => missing_preflight(),
        Missing::RedirectPreflightNotObserved => missing_redirect_preflight(),
        Missing::Response { error } => missing_response(error.as_deref()),
        Missing::Mode => missing_mode(),
        Missing::CachedResponse => missing_cached_headers(),
        Missing::UnexplainedError(error) => missing_disagreement(error),
        Missing::UnexplainedRejection => missing_rejection(),
        Missing::Aborted(error) => missing_aborted(error),
        Missing::NotSent => Text::plain(
            "check.missing.not-sent",
            "What stopped the request: the browser never sent it (no status, no timings, and no preflight before it), so something stopped it before the network: the page's Content Security Policy (`connect-src`), a browser extension or content blocker, mixed content, or the request's mode (`same-origin`). The record does not say which; the browser's console does.",
        ),
    }
}

/// A note, said.
pub fn note(n: &Note) -> Text {
    match n {
        Note::PreflightAssumed { cached, after } => note_preflight_assumed(
            if *cached { PreflightObservation::Cached } else { PreflightObservation::Unknown },
            *after,
        ),
        Note::FailsAnyway => note_fails_anyway(),
        Note::AuthorizationWildcard(b) => note_authorization(*b),
        Note::FromReport => Text::plain(
            "check.note.from-report",
            "The exchange does not show the failing check; this reason is the one the browser itself reported.",
        ),
        Note::Delivered => Text::plain(
            "check.note.delivered",
            "Recorded outcome: the browser delivered the response to the page (a completed request, or the page's call succeeded), so it was allowed; the headers alone did not decide it.",
        ),
        Note::RecordedFailure(error) => Text::new(
            "check.note.recorded-failure",
            "Recorded outcome: the browser's CORS layer failed the request ({error}), so it was blocked; the record does not show which check failed.",
            &[("error", error)],
        ),
        Note::MergedAcao { two_lines_first } => {
            if *two_lines_first {
                Text::plain(
                    "check.note.merged-acao-two-lines",
                    "Uncertain: the source merged repeated `Access-Control-Allow-Origin` lines into one value, and Firefox reads the lines as sent. The value repeats one origin (or holds `*` with an origin), which usually means two layers each added the header (Firefox: `CORSMultipleAllowOriginNotAllowed`); one line holding the list would be `CORSAllowOriginNotMatchingOrigin`.",
                )
            } else {
                Text::plain(
                    "check.note.merged-acao-one-line",
                    "Uncertain: the source merged repeated `Access-Control-Allow-Origin` lines into one value, and Firefox reads the lines as sent. The value lists different origins, which usually means one line that tries to list origins (Firefox: `CORSAllowOriginNotMatchingOrigin`); two lines would be `CORSMultipleAllowOriginNotAllowed`.",
                )
            }
        }
    }
}

fn missing_origin() -> Text {
    Text::plain(
        "check.missing.origin",
        "The page's origin: neither the exchange's origin nor an Origin request header is known, so it cannot be told whether the request was cross-origin.",
    )
}

fn missing_url(url: &str) -> Text {
    Text::new(
        "check.missing.url",
        "A request URL that parses: '{url}' does not.",
        &[("url", url)],
    )
}

fn missing_preflight() -> Text {
    Text::plain(
        "check.missing.preflight-not-observed",
        "The preflight: this request needed a CORS preflight (OPTIONS), but the preflight was not observed (hidden from the source, or answered from the preflight cache), and the actual request got no response. The preflight's response decides the verdict.",
    )
}

fn missing_redirect_preflight() -> Text {
    Text::plain(
        "check.missing.redirect-preflight-not-observed",
        "The preflight after the redirect: the request needed a CORS preflight and was redirected to another origin, where the browser sends a new preflight; that preflight and any response were not observed.",
    )
}

fn missing_response(error: Option<&str>) -> Text {
    match error {
        Some(e) => Text::new(
            "check.missing.response-after-error",
            "The response: the browser reported {error} and no response headers were observed, so the failing check cannot be named.",
            &[("error", e)],
        ),
        None => Text::plain("check.missing.response", "The response: no response to the request was observed."),
    }
}

fn missing_mode() -> Text {
    Text::plain(
        "check.missing.mode",
        "The request mode: this kind of resource is fetched in no-cors mode unless the element has a crossorigin attribute, and the exchange does not say which. In no-cors mode it would not be a CORS failure.",
    )
}

fn missing_cached_headers() -> Text {
    Text::plain(
        "check.missing.cached-response",
        "The cached response's headers: the server answered 304 Not Modified, so the browser checked the headers of its cached copy, which were not observed.",
    )
}

fn missing_disagreement(error: &str) -> Text {
    Text::new(
        "check.missing.unexplained-error",
        "Why the request failed: the browser reported {error}, but the observed headers pass every CORS check. A preflight or response that was not observed, or a failure outside CORS, is missing.",
        &[("error", error)],
    )
}

fn missing_rejection() -> Text {
    Text::plain(
        "check.missing.unexplained-rejection",
        "Why the call was rejected: the page's script saw the call fail, but the observed headers pass every CORS check. A preflight or response that was not observed, or a failure outside CORS (an abort, a network error), is missing.",
    )
}

fn missing_aborted(error: &str) -> Text {
    Text::new(
        "check.missing.aborted",
        "A completed request: it was cancelled ({error}) before the browser ran its checks.",
        &[("error", error)],
    )
}

fn note_preflight_assumed(obs: PreflightObservation, at: Option<usize>) -> Text {
    let after = match at {
        None => String::new(),
        Some(k) => format!(" after redirect {}", k.saturating_add(1)),
    };
    match obs {
        PreflightObservation::Cached => Text::new(
            "check.note.preflight-cached",
            "This request needed a CORS preflight{after}, and the browser answered it from its preflight cache instead of sending one. A cache entry is made only by a preflight that passed, so the verdict rests on the rest of the exchange.",
            &[("after", &after)],
        ),
        _ => Text::new(
            "check.note.preflight-assumed",
            "This request needed a CORS preflight{after}, which was not observed (hidden from this source, or answered from the browser's preflight cache). The request was sent and answered, so the engine assumes the preflight passed and decides on the rest of the exchange.",
            &[("after", &after)],
        ),
    }
}

fn note_fails_anyway() -> Text {
    Text::plain(
        "check.note.fails-anyway",
        "Whatever the unobserved preflight said, the response fails its own CORS check: fixing the preflight alone would not make this request pass.",
    )
}

fn note_authorization(browser: Browser) -> Text {
    match browser {
        Browser::Chromium => Text::plain(
            "check.note.authorization-wildcard.chromium",
            "Access-Control-Allow-Headers: * does not cover Authorization in the Fetch Standard, but Chromium still allows it and reports the DevTools issue AuthorizationCoveredByWildcard. This will break: list Authorization explicitly.",
        ),
        Browser::Firefox => Text::plain(
            "check.note.authorization-wildcard.firefox",
            "Access-Control-Allow-Headers: * does not cover Authorization in the Fetch Standard, but Firefox still allows it and logs the warning CORSAllowHeaderFromPreflightDeprecation. This will break: list Authorization explicitly.",
        ),
    }
}

