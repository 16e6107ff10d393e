//! Which server software answered: the stack whose snippet comes first.
//!
//! Responses usually say who wrote them (`Server: nginx/1.22.1`,
//! `X-Powered-By: Express`, `Server: uvicorn`, `Via`), and CORS libraries
//! leave telltales of their own (rs/cors' three `Vary` lines, hyper's
//! lower-case header names). [`SIGNS`] is the one table of them: each row
//! names a stack (the id of its snippet, `report::snippets::SERVERS`), its
//! role (a front server or proxy, or the application behind it) and the sign.
//! Every row was seen on a real server in `tests/servers/` (the recorded
//! headers are in `tests/servers/recorded/`), except where its comment says
//! where it comes from.
//!
//! [`detect`] reads every response of the exchange (and, where given, of the
//! tab's other exchanges to the same server, for what this one does not show)
//! and says which front server and which application answered, with the
//! header line that says so. [`apply`] puts their snippets first, in that
//! order, with a sentence saying why (`Fix::stack`). Never panics.

use crate::core::check::Failure;
use crate::core::exchange::{Exchange, Header, HeaderList};
use crate::core::fetch::headers::{split_iter, trim_ows};
use crate::report::diagnosis::{Change, ChangeAction, Diagnosis, Finding, Fix, Severity, StackLayer, StackOrder, Stage};
use crate::report::message::{ListStyle, Part, Text};

/// What a stack is in front of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A web server or reverse proxy: it answers itself (errors, static
    /// files, OPTIONS) or passes the request on.
    Front,
    /// The application (framework and CORS library) behind it.
    App,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Front => "front",
            Role::App => "app",
        }
    }
}

/// A sign in a response's header lines.
#[derive(Clone, Copy, Debug)]
pub enum Sign {
    /// A line `name: value` whose value starts with the text (ASCII case-insensitive).
    Starts(&'static str, &'static str),
    /// A line `name: value` whose value contains the text (ASCII case-insensitive).
    Contains(&'static str, &'static str),
    /// A header present at all (`Via`).
    Present(&'static str),
    /// rs/cors: `Vary` on three separate lines, in its canonical case and
    /// order: `Origin`, `Access-Control-Request-Method`,
    /// `Access-Control-Request-Headers` (no `Server` line: Go's net/http
    /// sends none).
    RsCorsVary,
    /// rs/cors 1.7 with `AllowedOrigins: ["*"]` and `AllowCredentials`:
    /// `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`
    /// and one `Vary: Origin`, in that order, and no `Server` line.
    RsCorsStar,
    /// Go's `http.Error`: `Content-Type: text/plain; charset=utf-8` and
    /// `X-Content-Type-Options: nosniff`, no `Server` line.
    GoHttpError,
    /// tower-http's `CorsLayer`: one line
    /// `vary: origin, access-control-request-method, access-control-request-headers`.
    TowerVary,
    /// hyper (axum): every header name in lower case over HTTP/1.1 (a
    /// plain `http:` URL: browsers speak HTTP/2 only over TLS) and no
    /// `server` line.
    HyperLowerCase,
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// The snippet id (`Snippet::server`).
    pub stack: &'static str,
    /// The name the sentence uses.
    pub name: &'static str,
    pub role: Role,
    pub sign: Sign,
    /// True when the sign names the software itself (a `Server` or
    /// `X-Powered-By` line); false for a library's telltale.
    pub named: bool,
}

const fn row(stack: &'static str, name: &'static str, role: Role, sign: Sign, named: bool) -> Row {
    Row { stack, name, role, sign, named }
}

/// The signs, strongest first within each stack.
pub const SIGNS: &[Row] = &[
    row("nginx", "nginx", Role::Front, Sign::Starts("server", "nginx"), true),
    row("apache", "Apache httpd", Role::Front, Sign::Starts("server", "apache"), true),
    row("caddy", "Caddy", Role::Front, Sign::Starts("server", "caddy"), true),
    row("express", "Express", Role::App, Sign::Contains("x-powered-by", "express"), true),
    row("fastapi", "uvicorn (FastAPI / Starlette)", Role::App, Sign::Starts("server", "uvicorn"), true),
    // Django's `runserver` (wsgiref's server).
    row("django", "Django (runserver)", Role::App, Sign::Starts("server", "wsgiserver/"), true),
    // Django's CSRF cookie (its default name, `CSRF_COOKIE_NAME`).
    row("django", "Django", Role::App, Sign::Contains("set-cookie", "csrftoken="), false),
    row("flask", "Flask (Werkzeug)", Role::App, Sign::Starts("server", "werkzeug/"), true),
    row("go-rs-cors", "Go (rs/cors)", Role::App, Sign::RsCorsVary, false),
    row("go-rs-cors", "Go (rs/cors)", Role::App, Sign::RsCorsStar, false),
    row("go-rs-cors", "Go (net/http)", Role::App, Sign::GoHttpError, false),
    row("axum", "axum (tower-http)", Role::App, Sign::TowerVary, false),
    row("axum", "axum (hyper)", Role::App, Sign::HyperLowerCase, false),
    // A proxy that says so (RFC 9110 `Via`); no snippet of its own.
    row("", "a proxy", Role::Front, Sign::Present("via"), true),
];

/// One stack that answered, and the sign that says so.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub stack: &'static str,
    pub name: &'static str,
    pub role: Role,
    /// The header line (`Server: nginx/1.22.1`) or the telltale, in words.
    pub evidence: String,
    pub named: bool,
    /// Seen on another response from the same server, not on this exchange.
    pub neighbour: bool,
}

/// Who answered: the front server and the application, as far as the
/// responses tell.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Detected {
    pub front: Option<Hit>,
    pub app: Option<Hit>,
}

impl Detected {
    /// The hits, front first.
    pub fn hits(&self) -> impl Iterator<Item = &Hit> {
        self.front.iter().chain(self.app.iter())
    }
}

/// Every response's header lines of an exchange (preflights and legs).
pub fn responses(ex: &Exchange) -> Vec<&[Header]> {
    let mut out: Vec<&[Header]> = Vec::new();
    for leg in &ex.legs {
        if let Some(r) = leg.preflight.as_ref().and_then(|p| p.response.as_ref()) {
            out.push(&r.headers);
        }
        if let Some(r) = &leg.response {
            out.push(&r.headers);
        }
    }
    out
}

fn is(h: &Header, name: &str) -> bool {
    trim_ows(&h.name).eq_ignore_ascii_case(name)
}

fn line(h: &Header) -> String {
    let mut s = format!("{}: {}", trim_ows(&h.name), trim_ows(&h.value));
    if s.len() > 120 {
        let mut cut = 117;
        while !s.is_char_boundary(cut) && cut > 0 {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

fn has_server(headers: &[Header]) -> bool {
    headers.iter().any(|h| is(h, "server") || is(h, "x-powered-by"))
}

/// The evidence of `sign` in these header lines, if it is there.
fn matches(sign: Sign, headers: &[Header], plain_http: bool) -> Option<String> {
    let ci_starts = |v: &str, p: &str| v.len() >= p.len() && v.get(..p.len()).is_some_and(|x| x.eq_ignore_ascii_case(p));
    let ci_contains = |v: &str, p: &str| v.to_ascii_lowercase().contains(p);
    match sign {
        // Each comma-separated item: Firefox's webRequest merges repeated
        // lines (`Server: Caddy, Werkzeug/2.2.2 Python/3.11.2`).
        Sign::Starts(name, prefix) => headers
            .iter()
            .filter(|h| is(h, name))
            .flat_map(|h| split_iter(&h.value).map(move |v| (h, v)))
            .find(|(_, v)| ci_starts(v, prefix))
            .map(|(h, v)| format!("{}: {}", trim_ows(&h.name), v)),
        Sign::Contains(name, part) => headers
            .iter()
            .filter(|h| is(h, name))
            .flat_map(|h| split_iter(&h.value).map(move |v| (h, v)))
            .find(|(_, v)| ci_contains(v, part))
            .map(|(h, v)| format!("{}: {}", trim_ows(&h.name), v)),
        Sign::Present(name) => headers.iter().find(|h| is(h, name)).map(line),
        Sign::RsCorsVary => {
            // Three lines; one in Firefox, whose webRequest merges them.
            let vary: Vec<&str> = headers.iter().filter(|h| h.name == "Vary").flat_map(|h| split_iter(&h.value)).collect();
            let want = ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"];
            (vary == want && !has_server(headers)).then(|| "`Vary: Origin`, `Vary: Access-Control-Request-Method`, `Vary: Access-Control-Request-Headers` in this case and order, and no `Server` line (rs/cors)".to_string())
        }
        Sign::RsCorsStar => {
            let cors: Vec<(&str, &str)> = headers
                .iter()
                .filter(|h| {
                    let n = trim_ows(&h.name);
                    n.len() > 15 && n.get(..15).is_some_and(|p| p.eq_ignore_ascii_case("access-control-")) || n.eq_ignore_ascii_case("vary")
                })
                .map(|h| (trim_ows(&h.name), trim_ows(&h.value)))
                .collect();
            let want = [("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Origin", "*"), ("Vary", "Origin")];
            (cors == want && !has_server(headers)).then(|| "`Access-Control-Allow-Credentials: true`, `Access-Control-Allow-Origin: *`, `Vary: Origin` in this order, and no `Server` line (rs/cors 1.7 with `AllowedOrigins: [\"*\"]` and `AllowCredentials`)".to_string())
        }
        Sign::GoHttpError => {
            let text = headers.iter().any(|h| h.name == "Content-Type" && trim_ows(&h.value) == "text/plain; charset=utf-8");
            let nosniff = headers.iter().any(|h| h.name == "X-Content-Type-Options" && trim_ows(&h.value) == "nosniff");
            (text && nosniff && !has_server(headers)).then(|| "`Content-Type: text/plain; charset=utf-8` with `X-Content-Type-Options: nosniff` and no `Server` line (Go's `http.Error`)".to_string())
        }
        Sign::TowerVary => headers
            .iter()
            .find(|h| {
                h.name == "vary" && {
                    let items: Vec<&str> = split_iter(&h.value).collect();
                    items == ["origin", "access-control-request-method", "access-control-request-headers"]
                }
            })
            .map(line),
        Sign::HyperLowerCase => {
            let lower = !headers.is_empty()
                && headers.iter().all(|h| !h.name.bytes().any(|b| b.is_ascii_uppercase()));
            (plain_http && lower && !has_server(headers)).then(|| "every header name in lower case over HTTP/1.1, and no `server` line (hyper)".to_string())
        }
    }
}

fn scan(lists: &[&[Header]], plain_http: bool, neighbour: bool, out: &mut Detected) {
    for r in SIGNS {
        let slot = match r.role {
            Role::Front => &mut out.front,
            Role::App => &mut out.app,
        };
        if slot.is_some() {
            continue;
        }
        if let Some(evidence) = lists.iter().find_map(|h| matches(r.sign, h, plain_http)) {
            *slot = Some(Hit { stack: r.stack, name: r.name, role: r.role, evidence, named: r.named, neighbour });
        }
    }
}

fn server_of(url: &str) -> Option<String> {
    let u = url::Url::parse(trim_ows(url)).ok()?;
    Some(u.origin().ascii_serialization())
}

/// The final URL's origin: "the same server".
pub fn server(ex: &Exchange) -> Option<String> {
    ex.legs.last().and_then(|l| server_of(&l.url))
}

/// The tab's other exchanges to the server this one went to.
pub fn same_server<'a>(ex: &Exchange, neighbours: impl IntoIterator<Item = &'a Exchange>) -> Vec<&'a Exchange> {
    let Some(me) = server(ex) else { return Vec::new() };
    neighbours
        .into_iter()
        .filter(|n| *n != ex && server(n).as_deref() == Some(me.as_str()) && n.id.as_deref().is_none_or(|id| ex.id.as_deref() != Some(id)))
        .take(MAX_NEIGHBOURS)
        .collect()
}

/// Who answered this exchange; what it does not show is filled from the
/// tab's other exchanges to the same server.
pub fn detect(ex: &Exchange, neighbours: &[Exchange]) -> Detected {
    detect_among(ex, &same_server(ex, neighbours))
}

/// [`detect`] with the other exchanges to the same server already chosen.
pub fn detect_among(ex: &Exchange, near: &[&Exchange]) -> Detected {
    let plain_http = server(ex).is_some_and(|s| s.starts_with("http:"));
    let mut d = Detected::default();
    scan(&responses(ex), plain_http, false, &mut d);
    if d.front.is_none() || d.app.is_none() {
        let others: Vec<&[Header]> = near.iter().take(MAX_NEIGHBOURS).flat_map(|n| responses(n)).collect();
        scan(&others, plain_http, true, &mut d);
    }
    d
}

/// How many of the other exchanges to the same server are read.
pub const MAX_NEIGHBOURS: usize = 200;

fn layer(h: &Hit) -> StackLayer {
    StackLayer {
        server: h.stack.to_string(),
        name: h.name.to_string(),
        role: h.role.as_str().to_string(),
        evidence: h.evidence.clone(),
        certain: h.named,
    }
}

/// Where the evidence was seen, in words.
fn seen(h: &Hit) -> Text {
    match (h.neighbour, h.named) {
        (false, true) => Text::new("stack.seen.header", "the response says `{evidence}`", &[("evidence", &h.evidence)]),
        (false, false) => Text::new("stack.seen.telltale", "its telltale is in the response: {evidence}", &[("evidence", &h.evidence)]),
        (true, _) => Text::new("stack.seen.neighbour", "another response from this server says `{evidence}`", &[("evidence", &h.evidence)]),
    }
}

/// The sentence that says why these snippets come first.
pub fn why(d: &Detected) -> Option<Text> {
    let with_snippet: Vec<&Hit> = d.hits().filter(|h| !h.stack.is_empty()).collect();
    match (&d.front, &d.app) {
        (Some(f), Some(a)) => {
            let (fs, as_) = (seen(f), seen(a));
            Some(Text::with_parts(
                "stack.why.front-and-app",
                "Two layers answered: {front} in front ({front_seen}) and {app} behind it ({app_seen}). Their snippets come first; set the CORS headers in one of them only.",
                &[("front", f.name), ("app", a.name)],
                vec![("front_seen", Part::Message(fs)), ("app_seen", Part::Message(as_))],
            ))
        }
        _ => {
            let h = with_snippet.first()?;
            let s = seen(h);
            let template = if h.named {
                "{name} answered ({seen}), so its snippet comes first."
            } else {
                "Most likely {name} answered ({seen}), so its snippet comes first."
            };
            Some(Text::with_parts("stack.why.one", template, &[("name", h.name)], vec![("seen", Part::Message(s))]))
        }
    }
}

/// Puts the detected stacks' snippets first (front, then app), the others
/// after them in their usual order, and says why in `Fix::stack`.
/// Idempotent: a second call with more neighbours re-sorts from scratch.
pub fn apply(d: &mut Diagnosis, ex: &Exchange, near: &[&Exchange]) {
    let Some(fix) = d.fix.as_mut() else { return };
    let found = detect_among(ex, near);
    let order: Vec<&str> = found.hits().map(|h| h.stack).filter(|s| !s.is_empty()).collect();
    let rank = |server: &str| -> (usize, usize) {
        let first = order.iter().position(|s| *s == server).unwrap_or(usize::MAX);
        let usual = crate::report::snippets::SERVERS.iter().position(|s| *s == server).unwrap_or(usize::MAX);
        (first, usual)
    };
    crate::core::order::sort_by_key(&mut fix.snippets, |s| rank(&s.server));
    fix.stack = match why(&found) {
        Some(why) if fix.snippets.iter().any(|s| order.contains(&s.server.as_str())) => Some(StackOrder {
            first: order.iter().map(|s| s.to_string()).collect(),
            layers: found.hits().map(layer).collect(),
            why,
        }),
        _ => None,
    };
}

// ---------------------------------------------------------------------------
// Hints that need to know the stack (or a library's way of refusing).

const MDN_PREFLIGHT: &str = "https://developer.mozilla.org/en-US/docs/Glossary/Preflight_request";
const NGINX_ADD_HEADER: &str = "https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header";
const MDN_ACAO: &str = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Allow-Origin";

fn hint(id: &str, template: &str, params: &[(&str, &str)], link: &str) -> Finding {
    Finding {
        id: id.to_string(),
        severity: Severity::Warning,
        text: Text::new(format!("finding.{id}"), template, params),
        link: Some(link.to_string()),
    }
}

fn with_parts(id: &str, template: &str, params: &[(&str, &str)], parts: Vec<(&str, Part)>, link: &str) -> Finding {
    Finding {
        id: id.to_string(),
        severity: Severity::Warning,
        text: Text::with_parts(format!("finding.{id}"), template, params, parts),
        link: Some(link.to_string()),
    }
}

/// What the stack's own OPTIONS answer means and how to let the CORS layer
/// answer preflights instead (by the stack that answered).
const HANDLER_OPTIONS: &[(&str, &str, &str)] = &[
    ("express", "finding.preflight-answered-by-handler.express", "Express answers OPTIONS itself for a route that has no OPTIONS handler (200, `Allow: {allow}`, the methods as the body): `cors()` applied to the route alone never sees the preflight. Use `app.use(cors({...}))` before the routes, or `app.options(path, cors({...}))` as well."),
    ("caddy", "finding.preflight-answered-by-handler.caddy", "Caddy handed OPTIONS to the site's handler (`file_server` answers it 200), so only the `header` lines reached the preflight. Answer preflights in the site block: a `@preflight method OPTIONS` matcher with `Access-Control-Allow-Methods`/`-Headers` and `respond @preflight 204`."),
    ("apache", "finding.preflight-answered-by-handler.apache", "Apache's core answered OPTIONS itself (200, `Allow: {allow}`) with only the headers set for every response. Answer preflights: `RewriteCond %{{REQUEST_METHOD}} OPTIONS` + `RewriteRule ^ - [R=204,L]` and `Header always set Access-Control-Allow-Methods` / `-Headers`."),
];

fn request_method_and_headers(ex: &Exchange) -> (String, Vec<String>) {
    let p = ex.legs.first().and_then(|l| l.preflight.as_ref());
    let method = p
        .and_then(|p| p.request_headers.first_value("access-control-request-method").map(|m| trim_ows(m).to_string()))
        .unwrap_or_else(|| ex.page.method().to_string());
    let headers = p
        .map(|p| p.request_headers.list("access-control-request-headers").map(|h| h.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    (method, headers)
}

fn is_cors_header(name: &str) -> bool {
    let n = trim_ows(name);
    n.len() > 15 && n.get(..15).is_some_and(|p| p.eq_ignore_ascii_case("access-control-"))
}

/// Root-cause hints that depend on the stack that answered, or on how a
/// CORS library refuses a preflight.
pub fn hints(ex: &Exchange, failure: &Failure, found: &Detected) -> Vec<Finding> {
    let mut out = Vec::new();
    let url = crate::report::reasons::last_url(ex, failure);
    let page = crate::core::facts::page_origin(ex).unwrap_or("null").to_string();
    let stacks: Vec<&str> = found.hits().filter(|h| !h.neighbour).map(|h| h.stack).collect();
    let (method, req_headers) = request_method_and_headers(ex);
    let preflight = ex.legs.first().and_then(|l| l.preflight.as_ref()).and_then(|p| p.response.as_ref());

    if let (Stage::Preflight, Some(r)) = (failure.evidence.stage, preflight) {
        let status = r.status.to_string();
        let acam: Vec<&str> = r.headers.list("access-control-allow-methods").collect();
        let acah: Vec<String> = r.headers.list("access-control-allow-headers").map(|h| h.to_ascii_lowercase()).collect();
        let vary_acrm = r.headers.list("vary").any(|v| v.eq_ignore_ascii_case("access-control-request-method"));
        let any_cors = r.headers.iter().any(|h| is_cors_header(&h.name));
        let method_out = !acam.is_empty() && !acam.iter().any(|m| *m == method || *m == "*");
        let headers_out: Vec<String> = req_headers
            .iter()
            .filter(|h| !acah.iter().any(|a| a == *h || a == "*"))
            .cloned()
            .collect();
        let asked = if req_headers.is_empty() {
            Text::new("stack.asked.method", "method `{method}`", &[("method", &method)])
        } else {
            Text::new("stack.asked.method-headers", "method `{method}` with the headers `{headers}`", &[("method", &method), ("headers", &req_headers.join(", "))])
        };
        if (200..300).contains(&r.status) && !any_cors && vary_acrm {
            // rs/cors: 200, no CORS header, only its Vary lines.
            let rs = stacks.contains(&"go-rs-cors");
            let template = if rs {
                "The preflight (OPTIONS {url}) was answered {status} with no CORS header, only `Vary`: that is how rs/cors rejects a preflight. The browsers then report a missing `Access-Control-Allow-Origin`, but the real cause is most likely its allow-lists: the preflight asked for {asked}. rs/cors allows only `GET`, `POST`, `HEAD` and the headers `Accept`, `Content-Type`, `X-Requested-With`, `Origin` unless told otherwise: add them to `AllowedMethods` / `AllowedHeaders`. If they are listed, the origin `{origin}` is not in `AllowedOrigins`."
            } else {
                "The preflight (OPTIONS {url}) was answered {status} with no CORS header, only `Vary: Access-Control-Request-Method`: a CORS layer saw the preflight and rejected it (rs/cors does this). The browsers report a missing `Access-Control-Allow-Origin`, but the cause is most likely that layer's allow-lists: the preflight asked for {asked}. Allow that method and those headers; if they are allowed, the origin `{origin}` is not."
            };
            out.push(with_parts("preflight-rejected-by-cors-layer", template, &[("url", &url), ("status", &status), ("origin", &page)], vec![("asked", Part::Message(asked.clone()))], MDN_PREFLIGHT));
        } else if (400..500).contains(&r.status) && !matches!(r.status, 401 | 403 | 404 | 405 | 407) && !acam.is_empty() {
            // Starlette: 400 `Disallowed CORS method/headers/origin`, with its CORS headers.
            let mut what: Vec<Text> = Vec::new();
            if method_out {
                what.push(Text::new("stack.rejected.method", "the method `{method}` is not in `Access-Control-Allow-Methods: {allowed}`", &[("method", &method), ("allowed", &acam.join(", "))]));
            }
            if !headers_out.is_empty() {
                what.push(Text::new("stack.rejected.headers", "the headers `{headers}` are not in `Access-Control-Allow-Headers: {allowed}`", &[("headers", &headers_out.join(", ")), ("allowed", &acah.join(", "))]));
            }
            if what.is_empty() {
                what.push(Text::new("stack.rejected.origin", "the origin `{origin}` is not allowed", &[("origin", &page)]));
            }
            let starlette = stacks.contains(&"fastapi");
            let template = if starlette {
                "The preflight (OPTIONS {url}) was answered {status} by Starlette's `CORSMiddleware` itself (it sent `Access-Control-Allow-Methods`): it rejected the preflight because {what}. `allow_methods` defaults to GET only and `allow_headers` to the safelisted headers: list what the page sends."
            } else {
                "The preflight (OPTIONS {url}) was answered {status} by the CORS layer itself (it sent `Access-Control-Allow-Methods`): it rejected the preflight because {what}. Allow them in the CORS configuration."
            };
            out.push(with_parts(
                "preflight-rejected-by-cors-layer",
                template,
                &[("url", &url), ("status", &status)],
                vec![("what", Part::List(crate::report::message::List { list: ListStyle::And, items: what }))],
                MDN_PREFLIGHT,
            ));
        } else if (200..300).contains(&r.status)
            && !r.headers.has("access-control-allow-methods")
            && !r.headers.has("access-control-allow-headers")
            && !vary_acrm
            && (r.headers.has("allow") || stacks.contains(&"caddy"))
        {
            // The route's handler answered OPTIONS, not a preflight handler:
            // its `Allow` line says so (Express, Apache), or Caddy's
            // file_server (measured: 200, no `Allow`).
            let allow = r.headers.combined("allow").map(|a| a.into_owned()).unwrap_or_default();
            let own = HANDLER_OPTIONS.iter().find(|(s, _, _)| stacks.contains(s));
            let detail = match own {
                Some((_, id, template)) => Text::new(*id, template, &[("allow", &allow)]),
                None => Text::plain("finding.preflight-answered-by-handler.any", "Let the CORS layer answer OPTIONS requests that carry `Access-Control-Request-Method` before the route's handler or the server's default OPTIONS handling."),
            };
            out.push(with_parts(
                "preflight-answered-by-handler",
                "The preflight (OPTIONS {url}) was answered {status} without `Access-Control-Allow-Methods` or `Access-Control-Allow-Headers`: the server's own OPTIONS handling answered it, not a CORS preflight handler. {detail}",
                &[("url", &url), ("status", &status)],
                vec![("detail", Part::Message(detail))],
                MDN_PREFLIGHT,
            ));
        }
    }

    let final_resp = ex.legs.get(crate::core::facts::hop_count(ex)).and_then(|l| l.response.as_ref());
    if let (Stage::Actual, Some(r)) = (failure.evidence.stage, final_resp) {
        let acao = r.headers.combined("access-control-allow-origin").map(|v| trim_ows(&v).to_string());
        let acac_true = r.headers.values("access-control-allow-credentials").any(|v| trim_ows(v) == "true");
        if stacks.contains(&"nginx") && (200..400).contains(&r.status) && !r.headers.iter().any(|h| is_cors_header(&h.name)) {
            out.push(hint(
                "nginx-add-header-inheritance",
                "nginx answered ({server}) with no `Access-Control-*` header at all on a {status}. If its configuration has `add_header Access-Control-Allow-Origin ...` in the `server` (or `http`) block, an `add_header` in the `location` that served {url} cancels them: nginx inherits `add_header` lines only into a level that has none of its own. Repeat the CORS lines in that `location` (or `include` one file in every level), with `always`.",
                &[("server", &found.front.as_ref().map(|h| h.evidence.clone()).unwrap_or_default()), ("status", &r.status.to_string()), ("url", &url)],
                NGINX_ADD_HEADER,
            ));
        }
        if acao.as_deref() == Some("*") && acac_true {
            if stacks.contains(&"fastapi") {
                out.push(hint(
                    "starlette-star-without-cookie",
                    "uvicorn answered `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`: Starlette's `CORSMiddleware` with `allow_origins=[\"*\"]` and `allow_credentials=True` sends that when the request carries no cookie (a first visit, a logged-out user), and echoes any origin when it carries one. Browsers refuse `*` with credentials, so visitors without a cookie are blocked and the others are exposed to every site. List the origin: `allow_origins=[\"{origin}\"]`.",
                    &[("origin", &page)],
                    MDN_ACAO,
                ));
            } else if stacks.contains(&"go-rs-cors") {
                out.push(hint(
                    "rs-cors-star-with-credentials",
                    "The response is rs/cors 1.7's answer for `AllowedOrigins: []string{{\"*\"}}` with `AllowCredentials: true`: `Access-Control-Allow-Origin: *` together with `Access-Control-Allow-Credentials: true`, which browsers refuse. List the origin: `AllowedOrigins: []string{{\"{origin}\"}}`.",
                    &[("origin", &page)],
                    MDN_ACAO,
                ));
            }
        }
    }

    let ev = &failure.evidence;
    out.extend(two_layers(ex, ev.stage, ev.hop, found));
    out
}

/// A server that echoes any origin with credentials, as far as one response
/// can show it: Starlette's `CORSMiddleware` with `allow_origins=["*"]`
/// replaces its `Access-Control-Allow-Origin: *` line with the request's
/// origin when the request carries a cookie, so the origin comes before
/// `Access-Control-Allow-Credentials`; for an allow-listed origin it appends
/// the line after it (`tests/servers/recorded/fastapi.json`: happy vs
/// star-credentials-with-cookie, the same order in both browsers' webRequest).
/// Express's `origin: true` and django-cors-headers' `CORS_ALLOW_ALL_ORIGINS`
/// send the very lines of their allow-list path, so one exchange cannot show
/// theirs (none is raised).
pub fn echoes_any_origin(ex: &Exchange) -> Option<Finding> {
    let page = crate::core::facts::page_origin(ex).filter(|o| *o != "null")?;
    if !detect(ex, &[]).hits().any(|h| h.stack == "fastapi") {
        return None;
    }
    let r = ex.legs.get(crate::core::facts::hop_count(ex))?.response.as_ref()?;
    let cors: Vec<(String, &str)> = r
        .headers
        .iter()
        .filter(|h| is_cors_header(&h.name))
        .map(|h| (trim_ows(&h.name).to_ascii_lowercase(), trim_ows(&h.value)))
        .collect();
    let acao = cors.iter().position(|(n, v)| n == "access-control-allow-origin" && *v == page)?;
    let acac = cors.iter().position(|(n, v)| n == "access-control-allow-credentials" && *v == "true")?;
    if acao > acac || r.headers.count("access-control-allow-origin") != 1 {
        return None;
    }
    Some(Finding {
        id: "echoes-any-origin".into(),
        severity: Severity::Security,
        text: Text::new(
            "finding.echoes-any-origin",
            "This passes, but most likely any site can read it: Starlette's `CORSMiddleware` wrote `Access-Control-Allow-Origin: {origin}` before `Access-Control-Allow-Credentials: true`, which it does only with `allow_origins=[\"*\"]` and `allow_credentials=True` when the request carries a cookie: it then echoes whatever Origin it receives, so every site can read this response with the user's cookies (and a visitor without a cookie gets `*`, which browsers block). To confirm, request it with a cookie and `Origin: https://attacker.example`. List the origins instead (the snippet).",
            &[("origin", page)],
        ),
        link: Some(MDN_ACAO.to_string()),
    })
}

/// The fix for a response that passes but echoes any origin: allow-list the
/// page's origin (the stack's snippet). Not verified by the engine: the
/// patched exchange looks the same; the suite verifies it live.
pub fn allow_list_fix(ex: &Exchange) -> Option<Fix> {
    let page = crate::core::facts::page_origin(ex).filter(|o| *o != "null")?;
    let changes = vec![Change {
        stage: Stage::Actual,
        hop: None,
        action: ChangeAction::SetHeader,
        target: "Access-Control-Allow-Origin".into(),
        value: Some(page.to_string()),
    }];
    let snippets = crate::report::snippets::snippets(ex, &changes);
    Some(Fix {
        summary: Text::new(
            "fix.allow-list",
            "Allow exactly `{origin}` (an allow-list) instead of echoing every origin; keep the credentials.",
            &[("origin", page)],
        ),
        changes,
        verified: Vec::new(),
        verification: None,
        snippets,
        stack: None,
    })
}

/// `acao-two-layers`: two `Access-Control-Allow-Origin` values on the
/// failing response (`stage`, `hop` of its evidence) and the layers that
/// answered (`found`, from this exchange or its neighbours): which line most
/// likely came from which, how to confirm, and the one-layer change.
pub fn two_layers(ex: &Exchange, stage: Stage, hop: Option<usize>, found: &Detected) -> Option<Finding> {
    let (headers, merged) = stage_headers(ex, stage, hop)?;
    let lines = headers.count("access-control-allow-origin");
    let items: Vec<&str> = headers.values("access-control-allow-origin").flat_map(split_iter).collect();
    if !(lines > 1 || (merged && items.len() > 1)) {
        return None;
    }
    let f = found.front.as_ref()?;
    let page = crate::core::facts::page_origin(ex).unwrap_or("null").to_string();
    let count = items.len().max(lines).to_string();
    let merged_note = if merged {
        Text::plain("stack.two-layers.merged", " This browser's extension API merges repeated lines, so the lines themselves are not visible: this is the most likely reading.")
    } else {
        Text::plain("stack.two-layers.lines", "")
    };
    let Some(a) = &found.app else {
        // No application named itself.
        let (id, template) = if f.stack == "apache" {
            ("finding.acao-two-layers.apache-tables", "`Access-Control-Allow-Origin` came {count} times from Apache httpd ({front_evidence}), most likely from both of its header tables: `Header set` (2xx answers) and `Header always set` (every answer) each add a line when both are configured.{merged} To confirm, look for the header in both forms (and in `.htaccess`). Set the CORS headers with `Header always set` only; if an application behind Apache adds them too, `Header unset Access-Control-Allow-Origin` first or drop its copy.")
        } else {
            ("finding.acao-two-layers.front-only", "`Access-Control-Allow-Origin` came {count} times: most likely one line from {front} ({front_evidence}) and one from the application behind it, which does not name itself.{merged} To confirm, request the application directly, bypassing {front}, with `Origin: {origin}`: if its answer carries `Access-Control-Allow-Origin`, {front} adds the second. Keep CORS in one layer.")
        };
        return Some(with_parts(
            "acao-two-layers",
            template,
            &[("count", &count), ("front", f.name), ("front_evidence", &f.evidence), ("origin", &page)],
            vec![("merged", Part::Message(merged_note))],
            MDN_ACAO,
        ))
        .map(|mut x| {
            x.text.id = id.to_string();
            x
        });
    };
    let advice = match f.stack {
        "nginx" => Text::plain("stack.one-layer.nginx", "in nginx, drop its `add_header Access-Control-*` lines, or keep them and hide the app's with `proxy_hide_header Access-Control-Allow-Origin;` (and the other `Access-Control-*` headers)"),
        "caddy" => Text::plain("stack.one-layer.caddy", "in Caddy, drop its `header Access-Control-*` lines, or keep them and remove the app's with `header_down -Access-Control-Allow-Origin` (and the other `Access-Control-*` headers) inside `reverse_proxy`"),
        "apache" => Text::plain("stack.one-layer.apache", "in Apache, drop its `Header set Access-Control-*` lines, or keep them and remove the app's with `Header unset Access-Control-Allow-Origin` before setting its own"),
        _ => Text::plain("stack.one-layer.any", "remove the CORS headers from one of the two"),
    };
    let template = if merged {
        "`Access-Control-Allow-Origin` holds {count} values, most likely one line from {front} ({front_evidence}) and one from {app} behind it ({app_evidence}): this browser's extension API merges repeated lines, so the lines themselves are not visible. To confirm, request the app directly, bypassing {front}, with `Origin: {origin}`: if its answer carries `Access-Control-Allow-Origin`, {front} adds the second. Keep CORS in one layer: {advice}."
    } else {
        "Two `Access-Control-Allow-Origin` lines: one most likely from {front} ({front_evidence}) and one from {app} behind it ({app_evidence}). To confirm, request the app directly, bypassing {front}, with `Origin: {origin}`: if its answer carries `Access-Control-Allow-Origin`, {front} adds the second. Keep CORS in one layer: {advice}."
    };
    Some(with_parts(
        "acao-two-layers",
        template,
        &[("count", &count), ("front", f.name), ("front_evidence", &f.evidence), ("app", a.name), ("app_evidence", &a.evidence), ("origin", &page)],
        vec![("advice", Part::Message(advice))],
        MDN_ACAO,
    ))
}

/// The failing stage's response headers and whether the source merged lines.
fn stage_headers(ex: &Exchange, stage: Stage, hop: Option<usize>) -> Option<(&[Header], bool)> {
    let r = match stage {
        Stage::Preflight => ex.legs.get(crate::core::facts::preflight_leg(hop)?)?.preflight.as_ref()?.response.as_ref()?,
        Stage::Redirect => ex.legs.get(hop?)?.response.as_ref()?,
        Stage::Actual => ex.legs.get(crate::core::facts::hop_count(ex))?.response.as_ref()?,
        Stage::Request => return None,
    };
    Some((&r.headers, r.headers_merged))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: &str, v: &str) -> Header {
        Header { name: n.into(), value: v.into() }
    }

    #[test]
    fn signs() {
        let nginx = [h("Server", "nginx/1.22.1"), h("X-Powered-By", "Express")];
        let mut d = Detected::default();
        scan(&[&nginx], true, false, &mut d);
        assert_eq!(d.front.as_ref().map(|x| x.stack), Some("nginx"));
        assert_eq!(d.app.as_ref().map(|x| x.stack), Some("express"));
        let hyper = [h("content-type", "text/plain"), h("allow", "GET")];
        let mut d = Detected::default();
        scan(&[&hyper], false, false, &mut d);
        assert_eq!(d.app, None, "lower case names over https say nothing (HTTP/2)");
        scan(&[&hyper], true, false, &mut d);
        assert_eq!(d.app.as_ref().map(|x| x.stack), Some("axum"));
    }
}
