//! The texts of the stops that are not CORS (`core::stop`): for each, a
//! title, what happened and what to do, as translatable [`Text`]s with ids
//! `stopped.<id>.title`, `.explanation`, `.fix`, and the best page about it.

use crate::core::exchange::Exchange;
use crate::core::facts::page_origin;
use crate::core::fetch::origin;
use crate::core::stop::{Stop, Stopped};
use crate::report::diagnosis::StoppedBy;
use crate::report::message::Text;

/// One stop's texts: `{url}` (the URL stopped), `{origin}` (the page's),
/// `{target}` (the URL's origin), `{host}`, `{observed}` (what showed it:
/// the browser's error, the policy's directive, the browser's report).
struct Texts {
    title: &'static str,
    explanation: &'static str,
    fix: &'static str,
    link: &'static str,
}

fn texts(stop: Stop) -> Texts {
    match stop {
        Stop::MixedContent => Texts {
            title: "Blocked as mixed content",
            explanation: "The page was loaded over HTTPS ({origin}) and asked for {url} over plain HTTP. Browsers block such a request (mixed content) before it is sent, so no CORS check ran and no CORS header can change it.",
            fix: "Serve the API over HTTPS and request it with an https: URL (a URL relative to the page, or one on the page's own origin, works too).",
            link: "https://developer.mozilla.org/en-US/docs/Web/Security/Mixed_content",
        },
        Stop::Csp => Texts {
            title: "Blocked by the page's Content Security Policy",
            explanation: "The page's Content Security Policy ({observed}) does not allow {target}, so the browser refused to make the request at all. This is the page's own policy, not CORS: the API's headers play no part.",
            fix: "Add {target} to the directive that governs this request (`connect-src` for fetch() and XMLHttpRequest) in the Content-Security-Policy the page is served with (its header, or its `<meta http-equiv>` tag).",
            link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Content-Security-Policy/connect-src",
        },
        Stop::Client => Texts {
            title: "Blocked by a browser extension",
            explanation: "A browser extension or content blocker (an ad or tracker blocker, a privacy add-on, an enterprise policy) cancelled the request to {url} ({observed}) before it was sent. No CORS check ran.",
            fix: "Allow the URL in the extension, or try with extensions disabled (a private window). If your users' blockers match the URL (paths with ads, track, analytics, beacon), give the endpoint another name.",
            link: "https://developer.chrome.com/docs/extensions/reference/api/declarativeNetRequest",
        },
        Stop::Orb => Texts {
            title: "An opaque response, withheld by Opaque Response Blocking",
            explanation: "The request to {url} was made in no-cors mode (`fetch()` with `mode: 'no-cors'`, or an element without a `crossorigin` attribute), so CORS never checked it and the page could only get an opaque response. The browser's Opaque Response Blocking then withheld even that ({observed}): its type (JSON, HTML, text) is not one an element may load from another origin.",
            fix: "To read the response, make a CORS request (`fetch()` without `mode: 'no-cors'`, or a `crossorigin` attribute on the element) and have the server send Access-Control-Allow-Origin; to load it as an image, script, stylesheet or media, serve it with that Content-Type.",
            link: "https://developer.mozilla.org/en-US/docs/Web/API/Request/mode",
        },
        Stop::Certificate => Texts {
            title: "The server's certificate was refused",
            explanation: "The TLS handshake with {host} failed ({observed}): the browser does not trust the server's certificate (self-signed, expired, issued for another name, or by an unknown authority). The request never got an HTTP response, so no CORS check ran.",
            fix: "Serve a certificate the browser trusts for {host}: one from a public certificate authority, or for local development one from a locally trusted authority (such as mkcert's). Open {target} in a tab to see the browser's certificate error.",
            link: "https://developer.mozilla.org/en-US/docs/Web/Security/Practical_implementation_guides/TLS",
        },
        Stop::LocalNetworkAccess => Texts {
            title: "Blocked by Local Network Access",
            explanation: "Firefox's Local Network Access refused the request to {url} ({observed}): a page from a public address may reach a local or loopback address only with the user's permission, and it was not given. The request was not sent, so no CORS check ran.",
            fix: "Let the user allow the local network access when Firefox asks, or serve the page and the API from the same kind of address (both public, or both local).",
            link: "https://wicg.github.io/local-network-access/",
        },
    }
}

/// The best page about a stop (by id; an unknown id gets MDN's CORS guide).
pub fn link(id: &str) -> &'static str {
    Stop::ALL
        .iter()
        .find(|s| s.as_str() == id)
        .map(|s| texts(*s).link)
        .unwrap_or("https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS")
}

/// The stop's texts for this exchange.
pub fn describe(ex: &Exchange, s: &Stopped) -> StoppedBy {
    let t = texts(s.stop);
    let id = s.stop.as_str();
    let url = crate::report::reasons::display_url(
        ex.legs.iter().find(|l| l.response.is_none()).map(|l| l.url.as_str()).unwrap_or(ex.url()),
    );
    let target = origin::serialize_origin(&url).unwrap_or_else(|| url.clone());
    let host = origin::parse(&url).and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
    let observed = s.evidence.observed.clone().unwrap_or_default();
    let page = page_origin(ex).unwrap_or("null").to_string();
    let params: [(&str, &str); 5] =
        [("url", &url), ("origin", &page), ("target", &target), ("host", &host), ("observed", &observed)];
    StoppedBy {
        id: id.to_string(),
        title: Text::new(format!("stopped.{id}.title"), t.title, &params),
        explanation: Text::new(format!("stopped.{id}.explanation"), t.explanation, &params),
        fix: Text::new(format!("stopped.{id}.fix"), t.fix, &params),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::exchange::{Browser, Leg, PageRequest};

    /// Every stop renders its three texts with no placeholder left.
    #[test]
    fn every_stop_renders() {
        let ex = Exchange {
            page: PageRequest { origin: Some("https://app.example".into()), ..PageRequest::default() },
            legs: vec![Leg { url: "http://api.example/x".into(), ..Leg::default() }],
            error: Some("net::ERR_BLOCKED_BY_CLIENT".into()),
            ..Exchange::default()
        };
        let s = crate::core::stop::stopped(&ex, Browser::Chromium).expect("client");
        for stop in Stop::ALL {
            let d = describe(&ex, &Stopped { stop, evidence: s.evidence.clone() });
            assert_eq!(d.id, stop.as_str());
            for t in [&d.title, &d.explanation, &d.fix] {
                assert!(!t.text.is_empty() && !t.text.contains('{'), "{}: {}", t.id, t.text);
                assert!(t.id.starts_with(&format!("stopped.{}.", stop.as_str())));
            }
            assert!(link(stop.as_str()).starts_with("https://"));
        }
    }
}
