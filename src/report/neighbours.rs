//! Hints from the tab's other requests to the same server.
//!
//! One exchange cannot show that the CORS layer works on one path and not on
//! another; the tab's other exchanges can. [`diagnose_in_context`] is
//! [`diagnose`] with them: the exchange's diagnosis, the stack detection
//! filled from what the other responses say (`report::stack`), and these
//! hints:
//! - `error-path-skips-cors`: another request to this server got
//!   `Access-Control-Allow-Origin` on a success, this error status got none;
//! - `auth-before-cors-neighbours`: the preflight got 401/403 while other
//!   requests to this server carry `Authorization`.
//!
//! "The same server" is the final URL's origin. The caller passes whatever it
//! has (the extension: the tab's stored exchanges; the CLI: the HAR's other
//! entries); the exchange itself among them is ignored. Never panics.

use crate::core::exchange::{Exchange, Header, HeaderList};
use crate::core::facts::hop_count;
use crate::core::fetch::headers::trim_ows;
use crate::report::diagnose::{diagnose, Options};
use crate::report::diagnosis::{Diagnosis, Finding, Severity, Stage, Verdict};
use crate::report::message::{Part, Text};
use crate::report::stack;

const MDN_PREFLIGHT: &str = "https://developer.mozilla.org/en-US/docs/Glossary/Preflight_request";
const MDN_ACAO: &str = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Allow-Origin";

/// How to make a stack's error responses carry the CORS headers (by the
/// stack that answered; `report::stack` ids).
const ERROR_PATH: &[(&str, &str, &str)] = &[
    ("nginx", "finding.error-path-skips-cors.nginx", "nginx adds `add_header` lines only to 2xx and 3xx answers unless they end with `always`: add `always` to every `add_header Access-Control-*`."),
    ("apache", "finding.error-path-skips-cors.apache", "Apache's `Header set` writes the table used for 2xx answers only: use `Header always set` for the CORS headers."),
    ("caddy", "finding.error-path-skips-cors.caddy", "Caddy answers errors (a 502 from an upstream that is down) through `handle_errors`: set the CORS headers there too, and without `defer`, which is skipped on errors."),
    ("express", "finding.error-path-skips-cors.express", "In Express, middleware that runs before `cors()` (a body parser rejecting the JSON, an auth check) answers errors without its headers: put `app.use(cors({...}))` first."),
    ("fastapi", "finding.error-path-skips-cors.fastapi", "Starlette answers an unhandled exception with a 500 from `ServerErrorMiddleware`, which runs outside `CORSMiddleware`: wrap the whole application (`app = CORSMiddleware(app, ...)`) or handle the exception in the route."),
];

fn final_response(ex: &Exchange) -> Option<&crate::core::exchange::Response> {
    ex.legs.get(hop_count(ex)).and_then(|l| l.response.as_ref())
}

/// `METHOD /path` of an exchange (no query: it may carry secrets).
fn request_line(ex: &Exchange) -> String {
    let url = ex.url();
    let path = url::Url::parse(trim_ows(url)).map(|u| u.path().to_string()).unwrap_or_else(|_| url.to_string());
    format!("{} {}", ex.page.method(), path)
}

fn carries_authorization(ex: &Exchange) -> bool {
    let author = ex.page.author_headers.as_deref().is_some_and(|h: &[Header]| h.has("authorization"));
    author || ex.legs.iter().any(|l| l.request_headers.has("authorization"))
}

/// The hints from the other exchanges to the same server (`near`).
pub fn hints(ex: &Exchange, d: &Diagnosis, near: &[&Exchange]) -> Vec<Finding> {
    let mut out = Vec::new();
    let stage = d.evidence.first().map(|e| e.stage);
    let found = stack::detect_among(ex, near);
    let stacks: Vec<&str> = found.hits().map(|h| h.stack).collect();

    // An error answered without CORS headers, a success from the same server with them.
    if let (Some(Stage::Actual), Some(r)) = (stage, final_response(ex)) {
        if !(200..400).contains(&r.status) && !r.headers.has("access-control-allow-origin") {
            let good = near.iter().find_map(|n| {
                let nr = final_response(n)?;
                let acao = nr.headers.first_value("access-control-allow-origin")?;
                (200..300).contains(&nr.status).then(|| (request_line(n), nr.status, trim_ows(acao).to_string()))
            });
            if let Some((other, other_status, acao)) = good {
                let advice = match ERROR_PATH.iter().find(|(s, _, _)| stacks.contains(s)) {
                    Some((_, id, template)) => Text::plain(*id, template),
                    None => Text::plain("finding.error-path-skips-cors.any", "Make the error responses carry the CORS headers too (an exception handler, auth filter or gateway that answers before the CORS middleware runs is the usual cause), then fix the error itself."),
                };
                out.push(Finding {
                    id: "error-path-skips-cors".into(),
                    severity: Severity::Warning,
                    text: Text::with_parts(
                        "finding.error-path-skips-cors",
                        "`{other}` to the same server was answered {other_status} with `Access-Control-Allow-Origin: {acao}`; this {status} from the same server was not: the error path skips the CORS layer, so the page sees a CORS error instead of the {status}. {advice}",
                        &[("other", &other), ("other_status", &other_status.to_string()), ("acao", &acao), ("status", &r.status.to_string())],
                        vec![("advice", Part::Message(advice))],
                    ),
                    link: Some(MDN_ACAO.into()),
                });
            }
        }
    }

    // A preflight refused by authentication, while the other requests authenticate.
    let pf_status = ex.legs.first().and_then(|l| l.preflight.as_ref()).and_then(|p| p.response.as_ref()).map(|r| r.status);
    if let (Some(Stage::Preflight), Some(status @ (401 | 403))) = (stage, pf_status) {
        if let Some(n) = near.iter().find(|n| carries_authorization(n)) {
            out.push(Finding {
                id: "auth-before-cors-neighbours".into(),
                severity: Severity::Warning,
                text: Text::new(
                    "finding.auth-before-cors-neighbours",
                    "The preflight got {status} while other requests to this server carry `Authorization` (`{other}`): authentication runs before CORS. A preflight never carries `Authorization` or cookies, so it cannot pass that check: let OPTIONS requests with `Access-Control-Request-Method` through before authentication (or put the CORS layer first).",
                    &[("status", &status.to_string()), ("other", &request_line(n))],
                ),
                link: Some(MDN_PREFLIGHT.into()),
            });
        }
    }
    out
}

/// The diagnosis of `ex` among the tab's other exchanges (`neighbours`, any
/// server: only those to the same server are read).
pub fn diagnose_in_context<'a>(ex: &Exchange, opts: &Options, neighbours: impl IntoIterator<Item = &'a Exchange>) -> Diagnosis {
    let mut d = diagnose(ex, opts);
    // Only a blocked or undecided exchange reads its neighbours.
    if opts.verdict_only || !matches!(d.verdict, Verdict::Blocked | Verdict::Undecided) {
        return d;
    }
    let near: Vec<&Exchange> = stack::same_server(ex, neighbours);
    if near.is_empty() {
        return d;
    }
    // They say more than the hints from this exchange alone: first.
    let new: Vec<Finding> = hints(ex, &d, &near).into_iter().filter(|h| !d.hints.iter().any(|x| x.id == h.id)).collect();
    d.hints.splice(0..0, new);
    stack::apply(&mut d, ex, &near);
    // Two Access-Control-Allow-Origin values: the layers as the other
    // responses of this server name them too (an app that names itself
    // only on some answers).
    if let Some(e) = d.evidence.first() {
        let found = stack::detect_among(ex, &near);
        if let Some(h) = stack::two_layers(ex, e.stage, e.hop, &found) {
            match d.hints.iter_mut().find(|x| x.id == h.id) {
                Some(old) => *old = h,
                None => d.hints.insert(0, h),
            }
        }
    }
    d
}
