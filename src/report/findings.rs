//! Findings and root-cause hints.
//!
//! `hints` looks behind a failure for what probably made the server answer
//! that way (an error page without CORS headers, authentication before the
//! CORS layer, a proxy adding a second header, ...). `findings` looks at any
//! exchange, blocked or not, for things worth fixing before they bite
//! (reflected origins with credentials, `null` allowed, a missing
//! `Vary: Origin`, unexposed headers, preflight caching, `Authorization`
//! under `*`). Ids are stable (kebab-case); every text is a `Text` with id
//! `finding.<id>`.

use crate::core::check::Failure;
use crate::report::diagnosis::{Finding, Severity, Stage};
use crate::core::exchange::{Credentials, Exchange, Header, HeaderList};
use crate::core::facts::{self, hop_count, preflight_leg, Route};
use crate::core::fetch::headers::{split_iter, trim_ows};
use crate::core::fetch::origin;
use crate::report::message::Text;
use crate::core::reason::ReasonId;
use crate::report::reasons;

const NGINX_ADD_HEADER: &str =
    "https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header";
const MDN_PREFLIGHT: &str = "https://developer.mozilla.org/en-US/docs/Glossary/Preflight_request";
const MDN_ACAO: &str = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Allow-Origin";
const MDN_ACEH: &str = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Expose-Headers";
const MDN_ACMA: &str =
    "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Max-Age";
const MDN_ACAH: &str = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Allow-Headers";
const MDN_VARY: &str = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Vary";
const FETCH_REDIRECT_TAINT: &str = "https://fetch.spec.whatwg.org/#concept-request-tainted-origin";
const FETCH_CREDENTIALS: &str = "https://fetch.spec.whatwg.org/#cors-protocol-and-credentials";

fn finding(
    id: &str,
    severity: Severity,
    template: &str,
    params: &[(&str, &str)],
    link: Option<&str>,
) -> Finding {
    Finding {
        id: id.to_string(),
        severity,
        text: Text::new(format!("finding.{id}"), template, params),
        link: link.map(str::to_string),
    }
}

/// The response a failure was about: its headers, whether the source merged
/// repeated lines, its status.
struct StageResponse<'a> {
    headers: &'a [Header],
    merged: bool,
    status: Option<u16>,
}

fn stage_response<'a>(ex: &'a Exchange, failure: &Failure) -> Option<StageResponse<'a>> {
    let hop = failure.evidence.hop;
    match failure.evidence.stage {
        Stage::Request => None,
        Stage::Preflight => {
            let p = ex.legs.get(preflight_leg(hop)?)?.preflight.as_ref()?;
            Some(match &p.response {
                Some(r) => StageResponse { headers: &r.headers, merged: r.headers_merged, status: Some(r.status) },
                None => StageResponse { headers: &[], merged: false, status: None },
            })
        }
        Stage::Redirect => ex.legs.get(hop?)?.response.as_ref().map(|r| StageResponse {
            headers: &r.headers,
            merged: r.headers_merged,
            status: Some(r.status),
        }),
        Stage::Actual => ex.legs.get(hop_count(ex))?.response.as_ref().map(|r| StageResponse {
            headers: &r.headers,
            merged: r.headers_merged,
            status: Some(r.status),
        }),
    }
}

fn has_any_cors_header(headers: &[Header]) -> bool {
    headers.iter().any(|h| {
        let n = h.name.trim();
        n.len() > 15
            && n.get(..15)
                .is_some_and(|p| p.eq_ignore_ascii_case("access-control-"))
    })
}

/// Where a redirect chain made the request's origin `null`: the hop
/// (from URL, to URL) that tainted it, per the Fetch Standard's
/// redirect-taint (and Chromium's `CheckTainted`): the request moved to
/// another origin while already cross-origin to the page.
pub fn taint_hop(ex: &Exchange) -> Option<(String, String)> {
    let route = Route::new(ex);
    route.page_origin?;
    let k = route.first_taint()?;
    let lr = route.legs.get(k)?;
    let recorded = ex.legs.get(k).map(|l| l.url.trim()).filter(|u| !u.is_empty());
    let from = match recorded {
        Some(u) => u.to_string(),
        None => lr.url.as_ref()?.to_string(),
    };
    Some((from, lr.target.as_ref()?.to_string()))
}

/// Whether the browser sent `Origin: null` on the final request, as observed or as the chain implies.
fn origin_became_null(ex: &Exchange) -> bool {
    let observed_null = ex
        .legs
        .iter()
        .any(|l| l.request_headers.first_value("origin").is_some_and(|o| trim_ows(o) == "null"));
    let page_null = facts::page_origin(ex) == Some("null");
    !page_null && (observed_null || taint_hop(ex).is_some())
}

/// Root-cause hints for a blocked exchange: what probably made the server
/// answer this way.
pub fn hints(ex: &Exchange, failure: &Failure) -> Vec<Finding> {
    let mut out = Vec::new();
    let url = reasons::last_url(ex, failure);
    let page = facts::page_origin(ex).unwrap_or("null").to_string();
    let resp = stage_response(ex, failure);
    let status = resp.as_ref().and_then(|r| r.status);
    let status_s = status.map(|s| s.to_string()).unwrap_or_default();
    let reason = failure.reason;
    let stage = failure.evidence.stage;
    let tainted = matches!(stage, Stage::Actual | Stage::Redirect) && origin_became_null(ex);
    // The Origin the server actually received.
    let sent_origin = if tainted {
        "null".to_string()
    } else {
        page.clone()
    };

    // Preflight answered with an error status.
    if stage == Stage::Preflight {
        match status {
            Some(401) | Some(403) => out.push(finding(
                "preflight-auth-before-cors",
                Severity::Warning,
                "The preflight (OPTIONS {url}) was answered {status}: authentication or authorization runs before CORS. Browsers never send cookies or an `Authorization` header with a preflight, so a preflight cannot pass an auth check. Let OPTIONS requests that carry `Access-Control-Request-Method` through without authentication (or put the CORS middleware before the auth layer), and keep authenticating the actual request.",
                &[("url", &url), ("status", &status_s)],
                Some(MDN_PREFLIGHT),
            )),
            Some(404) | Some(405) | Some(501) => out.push(finding(
                "preflight-no-route",
                Severity::Warning,
                "The preflight (OPTIONS {url}) was answered {status}: no route handles OPTIONS for this URL. Enable the CORS layer's preflight handling for this route (Express: `app.use(cors())` before the routes, or `app.options(path, cors())`; Spring Security: `http.cors()` so OPTIONS passes; nginx: answer `if ($request_method = OPTIONS) {{ return 204; }}` with the CORS headers and `always`).",
                &[("url", &url), ("status", &status_s)],
                Some(MDN_PREFLIGHT),
            )),
            Some(s) if s >= 500 => out.push(finding(
                "preflight-server-error",
                Severity::Warning,
                "The preflight (OPTIONS {url}) was answered {status}: the server failed while handling OPTIONS. The request handler probably ran for the preflight (which has no body, no cookies and no `Authorization`) and crashed; let the CORS layer answer preflights before the handler runs.",
                &[("url", &url), ("status", &status_s)],
                Some(MDN_PREFLIGHT),
            )),
            Some(s) if (300..400).contains(&s) => {
                let loc = resp
                    .as_ref()
                    .and_then(|r| r.headers.first_value("location"))
                    .unwrap_or("")
                    .to_string();
                out.push(finding(
                    "preflight-redirected",
                    Severity::Warning,
                    "The preflight (OPTIONS {url}) was redirected ({status}) to `{location}`. Browsers never follow a preflight's redirect. If it is a canonical-URL redirect (https, a trailing slash, another host), call the final URL from the page; if it is a login redirect, exempt OPTIONS from authentication.",
                    &[("url", &url), ("status", &status_s), ("location", &loc)],
                    Some(MDN_PREFLIGHT),
                ));
            }
            _ => {}
        }
    }

    // CORS headers missing on an error status: the error path skips the CORS layer.
    if reason == ReasonId::CORSMissingAllowOrigin {
        if let Some(r) = &resp {
            let s = r.status.unwrap_or(0);
            if s >= 400 && stage != Stage::Preflight {
                out.push(finding(
                    "error-status-without-cors",
                    Severity::Warning,
                    "The response from {url} is a {status} error without CORS headers: the error path most likely skips the CORS layer, so the page sees a CORS failure instead of the error. Typical causes: nginx `add_header` without `always` (it only applies to 2xx and 3xx answers), Apache `Header set` without `always` (only 2xx), an exception handler, auth filter or gateway that answers before the CORS middleware runs. Make error responses carry the CORS headers too, then fix the {status} itself.",
                    &[("url", &url), ("status", &status_s)],
                    Some(NGINX_ADD_HEADER),
                ));
            } else if stage == Stage::Redirect {
                out.push(finding(
                    "redirect-without-cors",
                    Severity::Warning,
                    "The redirect ({status}) from {url} carries no CORS headers. In a CORS request every redirect response is checked too, so the CORS layer must also cover the route that redirects (or the page should call the final URL directly).",
                    &[("url", &url), ("status", &status_s)],
                    Some(MDN_ACAO),
                ));
            } else if (200..300).contains(&s) && !has_any_cors_header(r.headers) {
                out.push(finding(
                    "no-cors-headers-at-all",
                    Severity::Info,
                    "The {stage} carries no `Access-Control-*` header at all. Either CORS is not configured for this route, or the CORS layer did not recognise the Origin `{origin}`: most libraries then omit every CORS header instead of sending a mismatch. Check the allow-list for exactly `{origin}` (scheme, host and port).",
                    &[("stage", stage.noun()), ("origin", &sent_origin)],
                    Some(MDN_ACAO),
                ));
            }
        }
    }

    if let Some(r) = &resp {
        // Two ACAO values: two layers add it.
        let lines: Vec<&str> = r.headers.values("access-control-allow-origin").collect();
        let combined = lines.join(", ");
        if lines.len() > 1 {
            out.push(duplicate_acao(&combined, false));
        } else if let Some(v) = lines.first() {
            if v.contains(',') {
                let items: Vec<&str> = split_iter(v).collect();
                let all_same = items.windows(2).all(|w| w.first() == w.get(1));
                if r.merged || all_same {
                    out.push(duplicate_acao(v, r.merged));
                } else {
                    out.push(finding(
                        "acao-list",
                        Severity::Warning,
                        "`Access-Control-Allow-Origin` holds a list ({value}). The header takes exactly one origin or `*`. Keep the allow-list on the server, compare the request's `Origin` with it, and echo only the matching origin (with `Vary: Origin`).",
                        &[("value", v)],
                        Some(MDN_ACAO),
                    ));
                }
            }
        }

        // ACAC True/TRUE.
        if reason == ReasonId::CORSMissingAllowCredentials {
            if let Some(v) = r.headers.values("access-control-allow-credentials").next() {
                let t = trim_ows(v);
                if t != "true" && t.eq_ignore_ascii_case("true") {
                    out.push(finding(
                        "acac-case",
                        Severity::Warning,
                        "`Access-Control-Allow-Credentials` is `{value}`: browsers accept only `true`, in lower case. Some frameworks print a boolean as `True`; send the literal string `true`.",
                        &[("value", t)],
                        Some(FETCH_CREDENTIALS),
                    ));
                }
            }
        }
    }

    // Origin null after a redirect chain that crossed origins.
    let origin_reason = matches!(
        reason,
        ReasonId::CORSAllowOriginNotMatchingOrigin
            | ReasonId::CORSInvalidAllowOriginValue
            | ReasonId::CORSMissingAllowOrigin
    );
    if origin_reason && tainted {
        let (from, to) = taint_hop(ex).unwrap_or_else(|| (ex.url().to_string(), url.clone()));
        let template = match &failure.evidence.observed {
            Some(_) => "The request was redirected from {from} to {to}, another origin, while already cross-origin, so the browser sent `Origin: null` there and compared `Access-Control-Allow-Origin` ({acao}) with `null`. Call {to} directly from the page, or, for a public resource fetched without credentials, answer `Access-Control-Allow-Origin: *` there. Do not allow `null`: sandboxed iframes and data: pages send it too.",
            None => "The request was redirected from {from} to {to}, another origin, while already cross-origin, so the browser sent `Origin: null` there: a server that allows specific origins does not recognise it and sends no CORS headers. Call {to} directly from the page, or, for a public resource fetched without credentials, answer `Access-Control-Allow-Origin: *` there. Do not allow `null`: sandboxed iframes and data: pages send it too.",
        };
        let acao = failure.evidence.observed.clone().unwrap_or_default();
        out.push(finding(
            "origin-null-after-redirect",
            Severity::Warning,
            template,
            &[("from", &from), ("to", &to), ("acao", &acao)],
            Some(FETCH_REDIRECT_TAINT),
        ));
    }

    // `*` taken literally because the request is credentialed; method case.
    if let (Stage::Preflight, Some(p)) = (stage, resp.as_ref()) {
        let (header, what) = match reason {
            ReasonId::CORSMethodNotFound => (
                "access-control-allow-methods",
                "Access-Control-Allow-Methods",
            ),
            ReasonId::CORSMissingAllowHeaderFromPreflight => (
                "access-control-allow-headers",
                "Access-Control-Allow-Headers",
            ),
            _ => ("", ""),
        };
        if !header.is_empty() {
            let items: Vec<&str> = p.headers.values(header).flat_map(split_iter).collect();
            if items.contains(&"*")
                && matches!(ex.page.credentials, Some(Credentials::Include) | None)
            {
                out.push(finding(
                    "wildcard-literal-with-credentials",
                    Severity::Warning,
                    "`{header}: *` is a wildcard only for requests without credentials; this request is credentialed (`credentials: 'include'` / `withCredentials`), so `*` only matches a name that is literally `*`. List the names explicitly.",
                    &[("header", what)],
                    Some(FETCH_CREDENTIALS),
                ));
            }
            if reason == ReasonId::CORSMethodNotFound {
                let m = ex.page.method();
                if let Some(listed) = items.iter().find(|i| **i != m && i.eq_ignore_ascii_case(m)) {
                    let upper = m.to_ascii_uppercase();
                    let template = if m == upper {
                        "`Access-Control-Allow-Methods` lists `{listed}`, but the request's method is `{method}`: methods are compared case-sensitively. List `{method}` exactly."
                    } else {
                        "The page sends the method `{method}` in lower case, and `Access-Control-Allow-Methods` lists `{listed}`: methods are compared case-sensitively, and browsers upper-case only DELETE, GET, HEAD, OPTIONS, POST and PUT. Send `{upper}` from the page (or list `{method}`)."
                    };
                    out.push(finding(
                        "method-case",
                        Severity::Warning,
                        template,
                        &[("listed", listed), ("method", m), ("upper", &upper)],
                        Some(MDN_PREFLIGHT),
                    ));
                }
            }
        }
    }

    // ACAO differing from the origin only by trailing slash, case, port or scheme.
    if matches!(
        reason,
        ReasonId::CORSAllowOriginNotMatchingOrigin | ReasonId::CORSInvalidAllowOriginValue
    ) && !tainted
    {
        let acao = failure.evidence.observed.clone().or_else(|| {
            resp.as_ref()
                .and_then(|r| r.headers.combined("access-control-allow-origin").map(|v| v.into_owned()))
        });
        if let Some(acao) = acao {
            if let Some(h) = near_miss(trim_ows(&acao), &page) {
                out.push(h);
            }
        }
    }
    out
}


fn duplicate_acao(values: &str, merged: bool) -> Finding {
    let template = if merged {
        "`Access-Control-Allow-Origin` arrived as {value}; the source merged repeated lines, so the server probably sent the header twice. That usually means two layers add it: a reverse proxy or API gateway and the application, or two middlewares. Let exactly one layer set CORS headers (for nginx in front of an app that handles CORS: remove `add_header Access-Control-*`, or `proxy_hide_header` the app's)."
    } else {
        "`Access-Control-Allow-Origin` was sent more than once ({value}). Two layers add it: a reverse proxy or API gateway and the application, or two middlewares. Let exactly one layer set CORS headers (for nginx in front of an app that handles CORS: remove `add_header Access-Control-*`, or `proxy_hide_header` the app's)."
    };
    let id = if merged {
        "duplicate-acao-merged"
    } else {
        "duplicate-acao"
    };
    finding(
        id,
        Severity::Warning,
        template,
        &[("value", values)],
        Some(MDN_ACAO),
    )
}

/// ACAO that differs from the origin only by a trailing slash, letter case, port or scheme.
fn near_miss(acao: &str, page: &str) -> Option<Finding> {
    if page == "null" || acao.is_empty() || acao == page {
        return None;
    }
    let params = [("acao", acao), ("origin", page)];
    if acao.trim_end_matches('/') == page {
        return Some(finding(
            "acao-trailing-slash",
            Severity::Warning,
            "`Access-Control-Allow-Origin` is `{acao}`, the page's origin `{origin}` plus a trailing slash. An origin has no path: send `{origin}` exactly.",
            &params,
            Some(MDN_ACAO),
        ));
    }
    if acao.eq_ignore_ascii_case(page) {
        return Some(finding(
            "acao-case",
            Severity::Warning,
            "`Access-Control-Allow-Origin` is `{acao}`, which differs from the page's origin `{origin}` only in letter case. Browsers compare byte for byte and serialize scheme and host in lower case: send `{origin}`.",
            &params,
            Some(MDN_ACAO),
        ));
    }
    let a = origin::parse(acao)?;
    let p = origin::parse(page)?;
    let host_eq =
        a.host_str().map(str::to_ascii_lowercase) == p.host_str().map(str::to_ascii_lowercase);
    if !host_eq {
        return None;
    }
    if a.scheme() != p.scheme() {
        return Some(finding(
            "acao-scheme",
            Severity::Warning,
            "`Access-Control-Allow-Origin` is `{acao}`, but the page's origin is `{origin}`: same host, other scheme. http and https origins are different origins; send `{origin}` (and check the server's allow-list has the scheme the page really uses).",
            &params,
            Some(MDN_ACAO),
        ));
    }
    // Same scheme and host: the port (explicit default port, or another port).
    let explicit_default = acao.len() > page.len()
        && a.port().is_none()
        && acao
            .rsplit(':')
            .next()
            .is_some_and(|p| p.trim_end_matches('/').bytes().all(|b| b.is_ascii_digit()));
    if a.port_or_known_default() != p.port_or_known_default() || explicit_default {
        return Some(finding(
            "acao-port",
            Severity::Warning,
            "`Access-Control-Allow-Origin` is `{acao}`, but the page's origin is `{origin}`: the ports differ (an origin omits the scheme's default port, and a dev server on another port is another origin). Send `{origin}` exactly.",
            &params,
            Some(MDN_ACAO),
        ));
    }
    None
}

/// Whether `Authorization` is only covered by `Access-Control-Allow-Headers: *`
/// in the preflight of a request without credentials (browsers allow it today,
/// with a deprecation warning; the Fetch Standard does not).
pub fn authorization_covered_by_wildcard(ex: &Exchange) -> bool {
    let Some(first) = ex.legs.first() else { return false };
    let Some(p) = &first.preflight else { return false };
    if ex.page.credentials == Some(Credentials::Include) {
        return false;
    }
    let mut star = false;
    for item in p.response.as_ref().map(|r| r.headers.as_slice()).unwrap_or(&[]).list("access-control-allow-headers") {
        if item == "*" {
            star = true;
        } else if item.eq_ignore_ascii_case("authorization") {
            return false;
        }
    }
    if !star {
        return false;
    }
    let requested = p
        .request_headers
        .list("access-control-request-headers")
        .any(|i| i.eq_ignore_ascii_case("authorization"));
    let sent = match &ex.page.author_headers {
        Some(h) => h.has("authorization"),
        None => first.request_headers.has("authorization"),
    };
    requested || sent
}

/// Findings that hold whatever the verdict.
pub fn findings(ex: &Exchange) -> Vec<Finding> {
    let mut out = Vec::new();
    let page = facts::page_origin(ex);
    let credentialed = ex.page.credentials == Some(Credentials::Include);
    let mut null_reported = false;

    if let Some(r) = ex.legs.get(hop_count(ex)).and_then(|l| l.response.as_ref()) {
        let acao = r
            .headers
            .combined("access-control-allow-origin").map(|v| v.into_owned())
            .map(|v| trim_ows(&v).to_string());
        let acac = r
            .headers
            .values("access-control-allow-credentials")
            .any(|v| trim_ows(v) == "true");
        if let Some(acao) = &acao {
            if acao == "null" {
                null_reported = true;
                out.push(null_allowed("response"));
            } else if let Some(o) = page.filter(|o| *o != "null" && *o == acao) {
                if acac {
                    // One response cannot tell an allow-list from an echo of any
                    // origin (measured: Express `origin: true`, django-cors-headers'
                    // CORS_ALLOW_ALL_ORIGINS send the allow-list's lines); the scan
                    // asks the server with other origins.
                    let url = ex.legs.get(hop_count(ex)).map(|l| l.url.as_str()).unwrap_or_default();
                    out.push(finding(
                        "reflected-origin-with-credentials",
                        Severity::Info,
                        "The response allows the page's origin `{origin}` with credentials (`Access-Control-Allow-Credentials: true`), so it may carry the user's private data. That is right if `{origin}` comes from an allow-list. If the server reflects whatever Origin it receives, every site can read this response with the user's cookies. One response cannot tell the two apart: `whycors probe --scan '{url}' --origin {origin} --credentials include` asks the server with other origins.",
                        &[("origin", o), ("url", url)],
                        Some(FETCH_CREDENTIALS),
                    ));
                }
                let varies = r
                    .headers
                    .values("vary")
                    .any(|v| split_iter(v).any(|i| i.eq_ignore_ascii_case("origin") || i == "*"));
                // A response no cache may store cannot be served to another origin.
                let no_store = r
                    .headers
                    .values("cache-control")
                    .any(|v| split_iter(v).any(|i| i.eq_ignore_ascii_case("no-store")));
                if !varies && !no_store {
                    out.push(finding(
                        "missing-vary-origin",
                        Severity::Warning,
                        "`Access-Control-Allow-Origin` names the page's origin `{origin}`, but the response has no `Vary: Origin`. If the server picks the value per request Origin, a cache (the browser's HTTP cache, a CDN, a proxy) can serve this response to a page on another origin, which is then blocked, or serve another origin's answer to this page. Add `Vary: Origin` to every response whose CORS headers depend on the Origin.",
                        &[("origin", o)],
                        Some(MDN_VARY),
                    ));
                }
            }
        }

        // Headers the page reads that are not exposed.
        if !ex.page.read_headers.is_empty() {
            let aceh: Vec<&str> = r
                .headers
                .values("access-control-expose-headers")
                .flat_map(split_iter)
                .collect();
            let star = aceh.contains(&"*");
            for name in &ex.page.read_headers {
                let n = trim_ows(name);
                if n.is_empty() || crate::core::fetch::safelist::is_safelisted_response_header_name(n) {
                    continue;
                }
                if n.eq_ignore_ascii_case("set-cookie") || n.eq_ignore_ascii_case("set-cookie2") {
                    out.push(finding(
                        "set-cookie-never-exposed",
                        Severity::Warning,
                        "The page reads `{header}`, which browsers never expose to scripts, whatever `Access-Control-Expose-Headers` says. Cookies are set by the browser itself; read the data from the body or another header.",
                        &[("header", n)],
                        Some(MDN_ACEH),
                    ));
                    continue;
                }
                let listed = aceh.iter().any(|i| i.eq_ignore_ascii_case(n));
                if listed {
                    continue;
                }
                if star && !credentialed {
                    continue;
                }
                let template = if star {
                    "The page reads the response header `{header}`, but `Access-Control-Expose-Headers: *` is a wildcard only for requests without credentials, and this one is credentialed, so the script gets `null`. List it by name: `Access-Control-Expose-Headers: {header}`."
                } else {
                    "The page reads the response header `{header}`, but the response does not expose it (`Access-Control-Expose-Headers` does not list it), so the script gets `null`. Add `Access-Control-Expose-Headers: {header}` to the response."
                };
                out.push(finding(
                    "header-not-exposed",
                    Severity::Warning,
                    template,
                    &[("header", n)],
                    Some(MDN_ACEH),
                ));
            }
        }
    }

    if let Some(p) = ex.legs.first().and_then(|l| l.preflight.as_ref()) {
        let ok = p.response.as_ref().is_some_and(|r| (200..300).contains(&r.status));
        let headers = p.response.as_ref().map(|r| r.headers.as_slice()).unwrap_or(&[]);
        if !null_reported
            && headers
                .combined("access-control-allow-origin")
                .is_some_and(|v| trim_ows(&v) == "null")
        {
            out.push(null_allowed("preflight response"));
        }
        if ok {
            if let Some(f) = max_age(headers.combined("access-control-max-age").map(|v| v.into_owned())) {
                out.push(f);
            }
        }
        // The preflights sent after redirects are cached (or not) too.
        for r in ex.legs.iter().skip(1).filter_map(|l| l.preflight.as_ref()?.response.as_ref()) {
            if !(200..300).contains(&r.status) {
                continue;
            }
            if let Some(f) = max_age(r.headers.combined("access-control-max-age").map(|v| v.into_owned())) {
                if !out.iter().any(|x| x.id == f.id && x.text.text == f.text.text) {
                    out.push(f);
                }
            }
        }
        if authorization_covered_by_wildcard(ex) {
            out.push(finding(
                "authorization-wildcard",
                Severity::Warning,
                "The preflight allows `Authorization` only through `Access-Control-Allow-Headers: *`. Chromium and Firefox still accept that, with a deprecation warning, but the Fetch Standard says `*` never covers `Authorization` and the browsers will start blocking it. List it by name: `Access-Control-Allow-Headers: Authorization, ...`.",
                &[],
                Some(MDN_ACAH),
            ));
        }
    }
    out
}

fn null_allowed(stage: &str) -> Finding {
    finding(
        "null-origin-allowed",
        Severity::Security,
        "The {stage} allows the origin `null` (`Access-Control-Allow-Origin: null`). Any page can get a `null` origin: sandboxed iframes, data: and file: documents, and requests redirected across origins all send `Origin: null`, so this grants access to every site. Allow real origins only; for a public resource fetched without credentials, use `*`.",
        &[("stage", stage)],
        Some(MDN_ACAO),
    )
}

/// Chromium's cap on a preflight cache entry (preflight_result.cc
/// `kMaxTimeout`, 2 hours).
const CHROMIUM_MAX_AGE_CAP: u64 = 7200;
/// Firefox's cap (nsCORSListenerProxy.cpp, 24 hours).
const FIREFOX_MAX_AGE_CAP: u64 = 86400;
/// Below this, a preflight is re-sent before most pauses between calls end.
const SHORT_MAX_AGE: u64 = 60;

/// `Access-Control-Max-Age` on a successful preflight.
fn max_age(value: Option<String>) -> Option<Finding> {
    let Some(v) = value else {
        return Some(finding(
            "max-age-missing",
            Severity::Info,
            "The preflight has no `Access-Control-Max-Age`, so browsers cache it for only 5 seconds: almost every call pays for a preflight round trip. Send, for example, `Access-Control-Max-Age: 600` (Chromium caps it at {chromium_cap} s, Firefox at {firefox_cap} s).",
            &[
                ("chromium_cap", &CHROMIUM_MAX_AGE_CAP.to_string()),
                ("firefox_cap", &FIREFOX_MAX_AGE_CAP.to_string()),
            ],
            Some(MDN_ACMA),
        ));
    };
    let t = trim_ows(&v);
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let n: u64 = t.parse().unwrap_or(u64::MAX);
        if n == 0 {
            return Some(finding(
                "max-age-zero",
                Severity::Info,
                "`Access-Control-Max-Age: 0` turns preflight caching off: every call that needs a preflight sends one first. Unless that is deliberate, send, for example, `Access-Control-Max-Age: 600`.",
                &[],
                Some(MDN_ACMA),
            ));
        }
        if n > FIREFOX_MAX_AGE_CAP {
            return Some(finding(
                "max-age-capped",
                Severity::Info,
                "`Access-Control-Max-Age: {value}` is longer than either browser keeps a preflight: Chromium caps it at {chromium_cap} s (2 hours), Firefox at {firefox_cap} s (24 hours). It does no harm, but the preflight is re-sent after those times, not after {value} s.",
                &[
                    ("value", t),
                    ("chromium_cap", &CHROMIUM_MAX_AGE_CAP.to_string()),
                    ("firefox_cap", &FIREFOX_MAX_AGE_CAP.to_string()),
                ],
                Some(MDN_ACMA),
            ));
        }
        if n > CHROMIUM_MAX_AGE_CAP {
            return Some(finding(
                "max-age-capped-chromium",
                Severity::Info,
                "`Access-Control-Max-Age: {value}` is longer than Chromium keeps a preflight: Chromium caps it at {chromium_cap} s (2 hours) and sends the preflight again after that; Firefox keeps it for the {value} s asked (its cap is {firefox_cap} s, 24 hours).",
                &[
                    ("value", t),
                    ("chromium_cap", &CHROMIUM_MAX_AGE_CAP.to_string()),
                    ("firefox_cap", &FIREFOX_MAX_AGE_CAP.to_string()),
                ],
                Some(MDN_ACMA),
            ));
        }
        if n < SHORT_MAX_AGE {
            return Some(finding(
                "max-age-short",
                Severity::Info,
                "`Access-Control-Max-Age: {value}` keeps the preflight for only {value} s, so calls more than {value} s apart each pay for a preflight round trip first. Unless that is deliberate, send a longer time, for example `Access-Control-Max-Age: 600` (Chromium caps it at {chromium_cap} s, Firefox at {firefox_cap} s).",
                &[
                    ("value", t),
                    ("chromium_cap", &CHROMIUM_MAX_AGE_CAP.to_string()),
                    ("firefox_cap", &FIREFOX_MAX_AGE_CAP.to_string()),
                ],
                Some(MDN_ACMA),
            ));
        }
        return None;
    }
    let negative = t
        .strip_prefix('-')
        .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()));
    if negative {
        return Some(finding(
            "max-age-negative",
            Severity::Info,
            "`Access-Control-Max-Age: {value}` is negative: Chromium treats it as 0 and Firefox does not cache the preflight, so every call sends a preflight first. Send a positive number of seconds, for example `600`.",
            &[("value", t)],
            Some(MDN_ACMA),
        ));
    }
    Some(finding(
        "max-age-invalid",
        Severity::Info,
        "`Access-Control-Max-Age: {value}` is not a number of seconds. Chromium falls back to 5 seconds and Firefox does not cache the preflight at all, so calls keep paying for preflights. Send digits only, once, for example `Access-Control-Max-Age: 600`.",
        &[("value", t)],
        Some(MDN_ACMA),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::diagnosis::Evidence;
    use crate::core::exchange::{Leg, PageRequest, Preflight, Response};

    fn ex_with(resp_headers: &[(&str, &str)], status: u16) -> Exchange {
        Exchange {
            page: PageRequest { origin: Some("https://app.example".into()), ..Default::default() },
            legs: vec![Leg {
                url: "https://api.example/data".into(),
                response: Some(Response {
                    status,
                    headers: resp_headers.iter().map(|(n, v)| Header::new(*n, *v)).collect(),
                    ..Default::default()
                }),
                ..Leg::default()
            }],
            ..Default::default()
        }
    }

    /// A preflight answered `status` with `headers`.
    fn answered(status: u16, headers: Vec<Header>) -> Option<Preflight> {
        Some(Preflight { response: Some(Response { status, headers, ..Default::default() }), ..Default::default() })
    }

    fn failure(reason: &'static str, stage: Stage, observed: Option<&str>) -> Failure {
        Failure {
            reason: ReasonId::from_id(reason).expect("a reason id"),
            name: None,
            parameter: None,
            evidence: Evidence {
                stage,
                hop: None,
                header: Some("Access-Control-Allow-Origin".into()),
                observed: observed.map(str::to_string),
                expected: None,
                fetch_step: String::new(),
                spec_url: None,
            },
        }
    }

    fn ids(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.id.as_str()).collect()
    }

    #[test]
    fn error_status_hint() {
        let ex = ex_with(&[], 500);
        let h = hints(&ex, &failure("CORSMissingAllowOrigin", Stage::Actual, None));
        assert_eq!(ids(&h), ["error-status-without-cors"]);
        assert!(h[0].text.text.contains("500"));
    }

    #[test]
    fn near_misses() {
        for (acao, id) in [
            ("https://app.example/", "acao-trailing-slash"),
            ("https://App.Example", "acao-case"),
            ("http://app.example", "acao-scheme"),
            ("https://app.example:8443", "acao-port"),
            ("https://app.example:443", "acao-port"),
        ] {
            let ex = ex_with(&[("Access-Control-Allow-Origin", acao)], 200);
            let h = hints(
                &ex,
                &failure(
                    "CORSAllowOriginNotMatchingOrigin",
                    Stage::Actual,
                    Some(acao),
                ),
            );
            assert_eq!(ids(&h), [id], "{acao}");
        }
        let ex = ex_with(
            &[("Access-Control-Allow-Origin", "https://other.example")],
            200,
        );
        assert!(hints(
            &ex,
            &failure(
                "CORSAllowOriginNotMatchingOrigin",
                Stage::Actual,
                Some("https://other.example")
            )
        )
        .is_empty());
    }

    #[test]
    fn duplicate_and_list() {
        let ex = ex_with(
            &[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Origin", "*"),
            ],
            200,
        );
        let h = hints(
            &ex,
            &failure("CORSMultipleAllowOriginNotAllowed", Stage::Actual, None),
        );
        assert_eq!(ids(&h), ["duplicate-acao"]);
        let ex = ex_with(
            &[(
                "Access-Control-Allow-Origin",
                "https://a.example, https://b.example",
            )],
            200,
        );
        let h = hints(
            &ex,
            &failure("CORSAllowOriginNotMatchingOrigin", Stage::Actual, None),
        );
        assert_eq!(ids(&h), ["acao-list"]);
    }

    #[test]
    fn preflight_statuses() {
        let mut ex = ex_with(&[], 200);
        ex.legs[0].preflight = answered(401, vec![]);
        let h = hints(
            &ex,
            &failure("CORSPreflightDidNotSucceed", Stage::Preflight, None),
        );
        assert_eq!(ids(&h), ["preflight-auth-before-cors"]);
        ex.legs[0].preflight = answered(405, vec![]);
        let h = hints(
            &ex,
            &failure("CORSPreflightDidNotSucceed", Stage::Preflight, None),
        );
        assert_eq!(ids(&h), ["preflight-no-route"]);
    }

    #[test]
    fn null_after_redirect() {
        let mut ex = ex_with(
            &[("Access-Control-Allow-Origin", "https://app.example")],
            200,
        );
        let last = ex.legs[0].clone();
        ex.legs[0].response = Some(Response {
            status: 302,
            headers: vec![Header::new("Location", "https://cdn.example/data")],
            ..Default::default()
        });
        ex.legs.push(Leg { url: "https://cdn.example/data".into(), ..last });
        let h = hints(
            &ex,
            &failure(
                "CORSAllowOriginNotMatchingOrigin",
                Stage::Actual,
                Some("https://app.example"),
            ),
        );
        assert_eq!(ids(&h), ["origin-null-after-redirect"]);
        // A redirect within the page's own origin first does not taint.
        let mut ex2 = ex.clone();
        ex2.legs[0].url = "https://app.example/go".into();
        assert!(taint_hop(&ex2).is_none());
    }

    #[test]
    fn method_case_and_credentialed_wildcard() {
        let mut ex = ex_with(&[], 200);
        ex.page.method = Some("patch".into());
        ex.legs[0].preflight = answered(204, vec![Header::new("Access-Control-Allow-Methods", "PATCH")]);
        let h = hints(
            &ex,
            &failure("CORSMethodNotFound", Stage::Preflight, Some("PATCH")),
        );
        assert_eq!(ids(&h), ["method-case"]);
        assert!(h[0].text.text.contains("Send `PATCH`"));
        ex.page.method = Some("PUT".into());
        ex.page.credentials = Some(Credentials::Include);
        ex.legs[0].preflight = answered(204, vec![Header::new("Access-Control-Allow-Methods", "*")]);
        let h = hints(
            &ex,
            &failure("CORSMethodNotFound", Stage::Preflight, Some("*")),
        );
        assert_eq!(ids(&h), ["wildcard-literal-with-credentials"]);
    }

    #[test]
    fn acac_case() {
        let ex = ex_with(
            &[
                ("Access-Control-Allow-Origin", "https://app.example"),
                ("Access-Control-Allow-Credentials", "True"),
            ],
            200,
        );
        let h = hints(
            &ex,
            &failure("CORSMissingAllowCredentials", Stage::Actual, Some("True")),
        );
        assert_eq!(ids(&h), ["acac-case"]);
    }

    #[test]
    fn passing_findings() {
        let mut ex = ex_with(
            &[
                ("Access-Control-Allow-Origin", "https://app.example"),
                ("Access-Control-Allow-Credentials", "true"),
            ],
            200,
        );
        ex.page.credentials = Some(Credentials::Include);
        ex.page.read_headers = vec!["X-Total-Count".into(), "Content-Type".into()];
        let f = findings(&ex);
        assert_eq!(
            ids(&f),
            [
                "reflected-origin-with-credentials",
                "missing-vary-origin",
                "header-not-exposed"
            ]
        );

        let ex = ex_with(&[("Access-Control-Allow-Origin", "null")], 200);
        assert_eq!(ids(&findings(&ex)), ["null-origin-allowed"]);
        assert_eq!(findings(&ex)[0].severity, Severity::Security);
    }

    #[test]
    fn max_age_findings() {
        assert_eq!(max_age(None).map(|f| f.id), Some("max-age-missing".into()));
        assert_eq!(
            max_age(Some("0".into())).map(|f| f.id),
            Some("max-age-zero".into())
        );
        assert_eq!(
            max_age(Some("-1".into())).map(|f| f.id),
            Some("max-age-negative".into())
        );
        assert_eq!(
            max_age(Some("10m".into())).map(|f| f.id),
            Some("max-age-invalid".into())
        );
        // Chromium caps at 7200 s, Firefox at 86400 s (cors-reference:
        // preflight_result.cc kMaxTimeout, nsCORSListenerProxy.cpp).
        assert_eq!(max_age(Some("7200".into())).map(|f| f.id), None);
        assert_eq!(
            max_age(Some("7201".into())).map(|f| f.id),
            Some("max-age-capped-chromium".into())
        );
        assert_eq!(
            max_age(Some("86400".into())).map(|f| f.id),
            Some("max-age-capped-chromium".into())
        );
        assert_eq!(
            max_age(Some("86401".into())).map(|f| f.id),
            Some("max-age-capped".into())
        );
        assert_eq!(
            max_age(Some("99999999999999999999999".into())).map(|f| f.id),
            Some("max-age-capped".into())
        );
        assert_eq!(max_age(Some("5".into())).map(|f| f.id), Some("max-age-short".into()));
        for v in ["7201", "86400", "86401", "5"] {
            let t = max_age(Some(v.into())).expect("finding").text.text;
            assert!(t.contains("7200 s") && t.contains("86400 s"), "{t}");
        }
        assert_eq!(max_age(Some("600".into())).map(|f| f.id), None);
    }

    #[test]
    fn authorization_wildcard() {
        let mut ex = ex_with(&[], 200);
        ex.legs[0].request_headers = vec![Header::new("Authorization", "Bearer x")];
        ex.legs[0].preflight = answered(
            204,
            vec![Header::new("Access-Control-Allow-Headers", "*"), Header::new("Access-Control-Max-Age", "600")],
        );
        assert!(authorization_covered_by_wildcard(&ex));
        assert!(ids(&findings(&ex)).contains(&"authorization-wildcard"));
    }

    mod max_age_never_panics {
        use super::super::max_age;
        use proptest::prelude::*;
        proptest! {
            #[test]
            fn any_value(v in prop_oneof![
                "[0-9]{0,30}",
                "-[0-9]{0,30}",
                "[ \t]{0,3}[0-9+-]{0,25}[ \t]{0,3}",
                ".{0,40}",
            ]) {
                if let Some(f) = max_age(Some(v.clone())) {
                    // Every placeholder filled.
                    let unfilled = ["{chromium_cap}", "{firefox_cap}", "{value}"]
                        .iter()
                        .any(|p| f.text.text.contains(p));
                    let ok = !unfilled || v.contains('{');
                    prop_assert!(ok, "unfilled placeholder: {}", f.text.text);
                }
            }
        }
    }
}
