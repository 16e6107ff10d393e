//! Server configuration snippets.
//!
//! `snippets(ex, changes)` turns a fix into one configuration snippet per
//! server, with this exchange's values filled in (origin, methods, request
//! headers, credentials, exposed headers, max-age) as they stand once the
//! changes are applied. Every snippet lists the exact origin (an allow-list
//! of one), never reflects the request's origin, never pairs `*` with
//! credentials, and carries `notes` naming the trap it avoids.
//!
//! Values come from the network and end up in code, so each one is checked
//! before use: the origin must be a plain `http(s)://host[:port]`
//! serialization, methods and header names must be simple tokens
//! (`[A-Za-z0-9._~+-]`, at most 64 bytes). A value that fails is not put in
//! the code: the origin is replaced by a placeholder and a note says so;
//! tokens are left out with a note. Every value is still escaped for the
//! target language (quotes, backslashes, control characters; `$` for nginx,
//! `%` for Apache, braces for Caddy) as a second line of defence.

use crate::report::diagnosis::{Change, ChangeAction, Snippet, Stage};
use crate::core::exchange::{AsLegs, Exchange, Header, HeaderList, Preflight};
use crate::core::facts::{self, hop_count};
use crate::report::message::Text;
use crate::report::patch::{apply, ACAC, ACAH, ACAM, ACAO};

/// The browsers the real-server suite (`tests/servers/`) runs the snippets in.
pub const SUITE_BROWSERS: &str = "Chromium 156 and Firefox ESR 153";

/// Placeholder used when the origin cannot be put in code.
pub const ORIGIN_PLACEHOLDER: &str = "https://your-page-origin.example";

/// Every server id `snippets` produces, in order.
pub const SERVERS: [&str; 11] = [
    "nginx",
    "apache",
    "express",
    "django",
    "flask",
    "fastapi",
    "spring",
    "aspnet",
    "go-rs-cors",
    "axum",
    "caddy",
];

/// The CORS configuration one exchange needs once the fix is applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Values {
    /// The exact origin, or the placeholder when the observed one was refused.
    pub origin: String,
    pub origin_refused: bool,
    pub credentials: bool,
    /// Methods the preflight must allow (non-safelisted ones, as sent).
    pub methods: Vec<String>,
    /// Request header names to allow (lower-case).
    pub headers: Vec<String>,
    /// Response header names to expose.
    pub expose: Vec<String>,
    /// `Access-Control-Max-Age`, when the preflight carried a valid one.
    pub max_age: Option<u64>,
    /// Whether the exchange is preflighted (the server must answer `OPTIONS`).
    pub preflight: bool,
    /// Notes about values that were refused.
    pub refused: Vec<Text>,
    /// The server answered the request itself with a 5xx (an unhandled
    /// exception, an upstream down): the CORS layer must cover error
    /// responses too.
    pub server_error: bool,
}

/// Whether `s` is exactly a serialized http(s) origin safe to put in code.
pub fn sane_origin(s: &str) -> bool {
    if s.is_empty() || s.len() > 253 + 14 {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '/' | '[' | ']'))
    {
        return false;
    }
    let Ok(u) = url::Url::parse(s) else {
        return false;
    };
    matches!(u.scheme(), "http" | "https") && u.origin().ascii_serialization() == s
}

/// Whether `s` is a method or header name safe to put in code.
pub fn sane_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '~' | '+' | '-'))
}

/// Shows a refused value in a note: at most 80 characters, controls escaped.
fn shown(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i >= 80 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn push_unique(v: &mut Vec<String>, s: String, ci: bool) {
    if !v.iter().any(|x| {
        if ci {
            x.eq_ignore_ascii_case(&s)
        } else {
            *x == s
        }
    }) {
        v.push(s);
    }
}

fn list_items(headers: &[Header], name: &str) -> Vec<String> {
    headers.list(name).map(str::to_string).collect()
}

/// The response headers of a preflight (none when it got no response).
fn pf_headers(p: &Preflight) -> &[Header] {
    p.response.as_ref().map(|r| r.headers.as_slice()).unwrap_or(&[])
}

/// The values of the patched exchange.
pub fn values(ex: &Exchange, changes: &[Change]) -> Values {
    let patched = apply(ex, changes);
    let mut refused = Vec::new();

    let set_origin = changes
        .iter()
        .find(|c| {
            c.action == ChangeAction::SetHeader
                && c.target.eq_ignore_ascii_case(ACAO)
                && c.stage != Stage::Request
        })
        .and_then(|c| c.value.clone());
    let final_response = patched.legs.get(hop_count(&patched)).and_then(|l| l.response.as_ref());
    let observed = final_response.and_then(|r| r.headers.first_value(ACAO).map(|v| v.trim().to_string()));
    let raw_origin = set_origin
        .or(observed)
        .filter(|o| o != "*")
        .or_else(|| facts::page_origin(ex).map(str::to_string))
        .unwrap_or_default();
    let origin_refused = !sane_origin(&raw_origin);
    let origin = if origin_refused {
        refused.push(Text::new(
            "snippet.refused.origin",
            "The origin `{value}` is not a plain http(s) origin, so it was not put in the code: replace `{placeholder}` with your page's origin (scheme, host and port, no path or trailing slash)",
            &[("value", &shown(&raw_origin)), ("placeholder", ORIGIN_PLACEHOLDER)],
        ));
        ORIGIN_PLACEHOLDER.to_string()
    } else {
        raw_origin
    };

    let is_true = |h: &[Header]| h.values(ACAC).any(|v| v.trim() == "true");
    let first_pf = patched.legs.first().and_then(|l| l.preflight.as_ref());
    let credentials = changes
        .iter()
        .any(|c| c.action == ChangeAction::SetHeader && c.target.eq_ignore_ascii_case(ACAC))
        || final_response.is_some_and(|r| is_true(&r.headers))
        || first_pf.is_some_and(|p| is_true(pf_headers(p)));

    let mut bad_tokens: Vec<String> = Vec::new();
    let mut methods = Vec::new();
    let mut headers = Vec::new();
    let mut max_age = None;
    let preflight = patched.legs.iter().any(|l| l.preflight.is_some());
    // The first URL's preflight, else the last one sent after a redirect.
    let last_hop_preflight = patched.legs.iter().skip(1).rev().find_map(|l| l.preflight.as_ref());
    if let Some(p) = first_pf.or(last_hop_preflight) {
        let requested: Vec<String> = p
            .request_headers
            .values("Access-Control-Request-Method")
            .map(|m| m.trim().to_string())
            .collect();
        for m in list_items(pf_headers(p), ACAM).into_iter().chain(requested) {
            if m == "*" {
                continue;
            }
            if sane_token(&m) {
                push_unique(&mut methods, m, false);
            } else {
                bad_tokens.push(m);
            }
        }
        let acrh: Vec<String> = list_items(&p.request_headers, "Access-Control-Request-Headers");
        for h in list_items(pf_headers(p), ACAH).into_iter().chain(acrh) {
            if h == "*" {
                continue;
            }
            if sane_token(&h) {
                push_unique(&mut headers, h.to_ascii_lowercase(), true);
            } else {
                bad_tokens.push(h);
            }
        }
        if let Some(v) = pf_headers(p)
            .values("Access-Control-Max-Age")
            .next()
            .map(str::trim)
        {
            if !v.is_empty() && v.len() <= 12 && v.bytes().all(|b| b.is_ascii_digit()) {
                max_age = v.parse::<u64>().ok().map(|n| n.min(86_400));
            }
        }
    }
    if methods.is_empty() {
        let m = ex.page.method().trim().to_string();
        if !matches!(m.to_ascii_uppercase().as_str(), "GET" | "HEAD" | "POST") {
            if sane_token(&m) {
                methods.push(m);
            } else {
                bad_tokens.push(m);
            }
        }
    }
    let mut expose = Vec::new();
    let read = ex.page.read_headers.iter().map(|s| s.trim().to_string());
    let aceh = final_response
        .map(|r| list_items(&r.headers, "Access-Control-Expose-Headers"))
        .unwrap_or_default();
    for h in aceh.into_iter().chain(read) {
        if h == "*" || crate::core::fetch::safelist::is_safelisted_response_header_name(&h) {
            continue;
        }
        if sane_token(&h) {
            push_unique(&mut expose, h, true);
        } else {
            bad_tokens.push(h);
        }
    }
    if !bad_tokens.is_empty() {
        let list: Vec<String> = bad_tokens
            .iter()
            .take(5)
            .map(|t| format!("`{}`", shown(t)))
            .collect();
        refused.push(Text::new(
            "snippet.refused.tokens",
            "Left out of the code because they are not plain method or header names: {values}",
            &[("values", &list.join(", "))],
        ));
    }
    let server_error = ex
        .legs
        .get(hop_count(ex))
        .and_then(|l| l.response.as_ref())
        .is_some_and(|r| r.status >= 500);
    Values {
        server_error,
        origin,
        origin_refused,
        credentials,
        methods,
        headers,
        expose,
        max_age,
        preflight,
        refused,
    }
}

// ---------------------------------------------------------------------------
// Escaping, per target language (defence in depth: values are validated).

/// A double-quoted string literal body for JS, Python, Java, C#, Go, Rust:
/// backslash and double quote escaped, control and non-ASCII characters dropped.
pub fn esc_dq(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            _ => {}
        }
    }
    out
}

/// nginx double-quoted string: also drops `$` (variable interpolation).
pub fn esc_nginx(s: &str) -> String {
    esc_dq(&s.replace('$', ""))
}

/// Apache `Header` value: also drops `%` (format specifiers).
pub fn esc_apache(s: &str) -> String {
    esc_dq(&s.replace('%', ""))
}

/// Caddyfile quoted token: also drops `{` `}` (placeholders).
pub fn esc_caddy(s: &str) -> String {
    esc_dq(&s.replace(['{', '}'], ""))
}

fn q(s: &str) -> String {
    format!("\"{}\"", esc_dq(s))
}

fn qlist(items: &[String]) -> String {
    items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
}

/// Methods for libraries that also check the actual request's method
/// (GET/HEAD/POST are always allowed by browsers, listing them weakens nothing).
fn lib_methods(v: &Values) -> Vec<String> {
    let mut m: Vec<String> = vec!["GET".into(), "HEAD".into(), "POST".into()];
    for x in &v.methods {
        push_unique(&mut m, x.clone(), false);
    }
    m
}

// ---------------------------------------------------------------------------
// The templates (`src/report/snippets/*.tmpl`, described in its README.md).

/// Every server's template, in the default order of [`SERVERS`].
const TEMPLATES: [&str; 11] = [
    include_str!("snippets/nginx.tmpl"),
    include_str!("snippets/apache.tmpl"),
    include_str!("snippets/express.tmpl"),
    include_str!("snippets/django.tmpl"),
    include_str!("snippets/flask.tmpl"),
    include_str!("snippets/fastapi.tmpl"),
    include_str!("snippets/spring.tmpl"),
    include_str!("snippets/aspnet.tmpl"),
    include_str!("snippets/go.tmpl"),
    include_str!("snippets/axum.tmpl"),
    include_str!("snippets/caddy.tmpl"),
];

/// Notes several templates share (`note id` without a text).
const COMMON: &str = include_str!("snippets/common.tmpl");

/// One template, read.
struct Template {
    server: &'static str,
    label: &'static str,
    language: &'static str,
    /// The versions the real-server suite ran it against; None: not run here.
    verified: Option<&'static str>,
    /// (condition, id, English template).
    notes: Vec<(Option<&'static str>, &'static str, &'static str)>,
    body: &'static str,
}

/// The `note` lines of a header: (condition, id, text or None).
fn note_line(line: &'static str) -> Option<(Option<&'static str>, &'static str, Option<&'static str>)> {
    let rest = line.strip_prefix("note")?;
    let (cond, rest) = match rest.strip_prefix('[') {
        Some(r) => {
            let (c, r) = r.split_once(']')?;
            (Some(c.trim()), r)
        }
        None => (None, rest),
    };
    let rest = rest.trim_start();
    Some(match rest.split_once(": ") {
        Some((id, text)) => (cond, id.trim(), Some(text.trim())),
        None => (cond, rest.trim(), None),
    })
}

fn common_note(id: &str) -> Option<&'static str> {
    COMMON.lines().filter_map(note_line).find(|(_, i, _)| *i == id).and_then(|(_, _, t)| t)
}

fn template(src: &'static str) -> Template {
    let (head, body) = src.split_once("\n---\n").unwrap_or(("", src));
    let mut t = Template { server: "", label: "", language: "", verified: None, notes: Vec::new(), body };
    for line in head.lines() {
        if let Some((cond, id, text)) = note_line(line) {
            if let Some(text) = text.or_else(|| common_note(id)) {
                t.notes.push((cond, id, text));
            }
        } else if let Some((k, v)) = line.split_once(':') {
            let v = v.trim();
            match k.trim() {
                "server" => t.server = v,
                "label" => t.label = v,
                "language" => t.language = v,
                "verified" => t.verified = (v != "none").then_some(v),
                _ => {}
            }
        }
    }
    t
}

/// A value a template can name.
enum Val {
    Flag(bool),
    One(String),
    List(Vec<String>),
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::Flag(b) => *b,
            Val::One(s) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
        }
    }

    fn format(&self, how: &str) -> String {
        let joined = || match self {
            Val::Flag(b) => b.to_string(),
            Val::One(s) => s.clone(),
            Val::List(l) => l.join(", "),
        };
        match how {
            "q" => match self {
                Val::List(l) => qlist(l),
                _ => q(&joined()),
            },
            "nginx" => esc_nginx(&joined()),
            "apache" => esc_apache(&joined()),
            "caddy" => esc_caddy(&joined()),
            _ => joined(),
        }
    }
}

struct Vars(Vec<(&'static str, Val)>);

impl Vars {
    fn get(&self, name: &str) -> Option<&Val> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn truthy(&self, name: &str) -> bool {
        match name.trim().strip_prefix('!') {
            Some(n) => !self.truthy(n),
            None => self.get(name.trim()).is_some_and(Val::truthy),
        }
    }

    /// `a & b`, `a | b`, `!a`, `a`.
    fn holds(&self, cond: &str) -> bool {
        if cond.contains('|') {
            cond.split('|').any(|c| self.truthy(c))
        } else {
            cond.split('&').all(|c| self.truthy(c))
        }
    }

    /// `@{name:format}` replaced in one line.
    fn fill(&self, line: &str) -> String {
        let mut out = String::with_capacity(line.len());
        let mut rest = line;
        while let Some(i) = rest.find("@{") {
            let (before, after) = rest.split_at(i);
            out.push_str(before);
            let inner = after.get(2..).unwrap_or("");
            let Some(j) = inner.find('}') else {
                out.push_str(after);
                return out;
            };
            let spec = inner.get(..j).unwrap_or("");
            let (name, how) = spec.split_once(':').unwrap_or((spec, "raw"));
            match self.get(name) {
                Some(v) => out.push_str(&v.format(how)),
                None => out.push_str(after.get(..j + 3).unwrap_or("")),
            }
            rest = inner.get(j + 1..).unwrap_or("");
        }
        out.push_str(rest);
        out
    }

    /// The template's code: directives applied, values filled.
    fn render(&self, body: &str) -> String {
        // (this block's condition, whether the enclosing blocks are on)
        let mut stack: Vec<(bool, bool)> = Vec::new();
        let mut on = true;
        let mut out = String::with_capacity(body.len() + 64);
        for line in body.lines() {
            let d = line.trim();
            if let Some(cond) = d.strip_prefix("@if ") {
                let c = self.holds(cond);
                stack.push((c, on));
                on = on && c;
            } else if d == "@else" {
                if let Some((c, outer)) = stack.last() {
                    on = *outer && !*c;
                }
            } else if d == "@end" {
                if let Some((_, outer)) = stack.pop() {
                    on = outer;
                }
            } else if on {
                out.push_str(&self.fill(line));
                out.push('\n');
            }
        }
        out
    }
}

/// Everything a template can name, for these values.
fn vars(v: &Values) -> Vars {
    const DJANGO_METHODS: [&str; 6] = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"];
    const DJANGO_HEADERS: [&str; 6] = ["accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with"];
    let beyond = |list: &[String], defaults: &[&str]| -> Vec<String> {
        list.iter().filter(|x| !defaults.contains(&x.as_str())).cloned().collect()
    };
    let mut http = vec!["HeaderValue"];
    if (v.preflight && !v.headers.is_empty()) || !v.expose.is_empty() {
        http.insert(0, "HeaderName");
    }
    if v.preflight {
        http.push("Method");
    }
    let header_names = |l: &[String]| -> String {
        l.iter()
            .map(|h| format!("HeaderName::from_static({})", q(&h.to_ascii_lowercase())))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let lib = lib_methods(v);
    // Starlette checks the preflight's method against `allow_methods`
    // (default: GET only) and answers 400 otherwise; the actual request's
    // method is not checked. GET and the methods to allow.
    let mut starlette_methods: Vec<String> = vec!["GET".into()];
    for m in &v.methods {
        push_unique(&mut starlette_methods, m.clone(), false);
    }
    Vars(vec![
        ("origin", Val::One(v.origin.clone())),
        ("preflight", Val::Flag(v.preflight)),
        ("credentials", Val::Flag(v.credentials)),
        ("server_error", Val::Flag(v.server_error)),
        ("methods", Val::List(v.methods.clone())),
        ("headers", Val::List(v.headers.clone())),
        ("expose", Val::List(v.expose.clone())),
        ("max_age", Val::One(v.max_age.map(|m| m.to_string()).unwrap_or_default())),
        ("django_methods", Val::List(beyond(&v.methods, &DJANGO_METHODS))),
        ("django_headers", Val::List(beyond(&v.headers, &DJANGO_HEADERS))),
        ("axum_http", Val::One(http.join(", "))),
        ("axum_methods", Val::One(lib.iter().map(|m| rust_method(m)).collect::<Vec<_>>().join(", "))),
        ("axum_headers", Val::One(header_names(&v.headers))),
        ("axum_expose", Val::One(header_names(&v.expose))),
        ("lib_methods", Val::List(lib)),
        ("starlette_methods", Val::List(starlette_methods)),
    ])
}

fn rust_method(m: &str) -> String {
    match m {
        "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS" | "CONNECT" | "TRACE" => {
            format!("Method::{m}")
        }
        other => format!("Method::from_bytes(b{}).expect(\"method\")", q(other)),
    }
}

// ---------------------------------------------------------------------------
// The snippets.

/// One snippet per server implementing `changes` for `ex`. Empty when the
/// changes are all client-side.
///
/// `ex` is schema 2, or (for callers not yet moved to legs) the first
/// format, upgraded ([`crate::core::exchange::AsLegs`]).
pub fn snippets<E: AsLegs + ?Sized>(ex: &E, changes: &[Change]) -> Vec<Snippet> {
    let ex: &Exchange = &ex.as_legs();
    // Only CORS header and status changes are server configuration; a
    // `Location` fix or a client change has no CORS snippet.
    let cors_change = changes.iter().any(|c| {
        c.stage != Stage::Request
            && matches!(
                c.action,
                ChangeAction::SetHeader | ChangeAction::RemoveHeader | ChangeAction::SetStatus
            )
    });
    if !cors_change {
        return Vec::new();
    }
    let v = values(ex, changes);
    let vars = vars(&v);
    let conditional = v.credentials && ex.page.credentials.is_none();
    let mut out = Vec::with_capacity(TEMPLATES.len());
    for src in TEMPLATES {
        let t = template(src);
        let mut notes = v.refused.clone();
        if conditional {
            notes.push(Text::plain(
                "snippet.credentials-conditional",
                "The credentials lines are needed only if the page sends credentials (cookies, `credentials: 'include'`, `withCredentials`); the exchange does not say whether it does. Leave them out otherwise.",
            ));
        }
        for (cond, id, text) in &t.notes {
            if cond.is_none_or(|c| vars.holds(c)) {
                notes.push(Text::plain(*id, text));
            }
        }
        let verified = match t.verified {
            Some(versions) => Text::new(
                "snippet.verified",
                "Verified against {versions}, running here, in {browsers}: applied to that server, it made the browsers allow the request.",
                &[("versions", versions), ("browsers", SUITE_BROWSERS)],
            ),
            None => Text::new(
                "snippet.not-verified",
                "Not verified against a running server here: {label} cannot be installed from the package registries whycors' tests use.",
                &[("label", t.label)],
            ),
        };
        out.push(Snippet {
            server: t.server.into(),
            label: t.label.into(),
            code: vars.render(t.body),
            language: t.language.into(),
            notes,
            verified: Some(verified),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(esc_dq("a\"b\\c\nd"), "a\\\"b\\\\cd");
        assert_eq!(esc_nginx("$host\""), "host\\\"");
        assert_eq!(esc_apache("%{X}e"), "{X}e");
        assert_eq!(esc_caddy("{http.x}"), "http.x");
    }

    #[test]
    fn sanity() {
        assert!(sane_origin("https://app.example"));
        assert!(sane_origin("http://127.0.0.1:8801"));
        assert!(sane_origin("http://[::1]:8080"));
        assert!(!sane_origin("https://app.example/"));
        assert!(!sane_origin("https://App.example"));
        assert!(!sane_origin("null"));
        assert!(!sane_origin("*"));
        assert!(!sane_origin("https://a.example\", evil: \""));
        assert!(!sane_origin("ftp://a.example"));
        assert!(sane_token("X-Token"));
        assert!(!sane_token("x\"y"));
        assert!(!sane_token("a$b"));
        assert!(!sane_token(""));
    }
}
