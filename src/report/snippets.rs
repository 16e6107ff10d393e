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

/// Placeholder used when the origin cannot be put in code.
pub const ORIGIN_PLACEHOLDER: &str = "https://your-page-origin.example";

/// Every server id `snippets` produces, in order.
pub const SERVERS: [&str; 10] = [
    "nginx",
    "apache",
    "express",
    "django",
    "flask",
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

const SAFELISTED_RESPONSE: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

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
        if h == "*" || SAFELISTED_RESPONSE.contains(&h.to_ascii_lowercase().as_str()) {
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
    Values {
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
// Notes.

fn note(id: &str, template: &str) -> Text {
    Text::plain(id, template)
}

fn one_layer() -> Text {
    note(
        "snippet.one-layer",
        "Add the CORS headers in one layer only: if a proxy and the application both add `Access-Control-Allow-Origin`, the browser sees two values and blocks the response.",
    )
}

fn before_auth() -> Text {
    note(
        "snippet.before-auth",
        "Put CORS before authentication: preflights never carry cookies or `Authorization`, so an authentication step that runs first answers them 401/403 and the browser blocks the request.",
    )
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
    let mut out = vec![
        nginx(&v),
        apache(&v),
        express(&v),
        django(&v),
        flask(&v),
        spring(&v),
        aspnet(&v),
        go(&v),
        axum(&v),
        caddy(&v),
    ];
    let conditional = v.credentials && ex.page.credentials.is_none();
    for s in &mut out {
        let mut notes = v.refused.clone();
        if conditional {
            notes.push(Text::plain(
                "snippet.credentials-conditional",
                "The credentials lines are needed only if the page sends credentials (cookies, `credentials: 'include'`, `withCredentials`); the exchange does not say whether it does. Leave them out otherwise.",
            ));
        }
        notes.append(&mut s.notes);
        s.notes = notes;
    }
    out
}

fn snippet(server: &str, label: &str, language: &str, code: String, notes: Vec<Text>) -> Snippet {
    Snippet {
        server: server.into(),
        label: label.into(),
        code,
        language: language.into(),
        notes,
    }
}

fn nginx(v: &Values) -> Snippet {
    let o = esc_nginx(&v.origin);
    let mut common = format!("add_header Access-Control-Allow-Origin \"{o}\" always;\n");
    if v.credentials {
        common.push_str("add_header Access-Control-Allow-Credentials \"true\" always;\n");
    }
    common.push_str("add_header Vary \"Origin\" always;\n");
    let mut code = String::from("# In the server/location that serves the API. Keep every CORS add_header in the\n# block that answers: an add_header in an inner block drops the outer ones.\nlocation /api/ {\n");
    if v.preflight {
        code.push_str("    if ($request_method = OPTIONS) {\n");
        for l in common.lines() {
            code.push_str(&format!("        {l}\n"));
        }
        if !v.methods.is_empty() {
            code.push_str(&format!(
                "        add_header Access-Control-Allow-Methods \"{}\" always;\n",
                esc_nginx(&v.methods.join(", "))
            ));
        }
        if !v.headers.is_empty() {
            code.push_str(&format!(
                "        add_header Access-Control-Allow-Headers \"{}\" always;\n",
                esc_nginx(&v.headers.join(", "))
            ));
        }
        if let Some(m) = v.max_age {
            code.push_str(&format!(
                "        add_header Access-Control-Max-Age \"{m}\" always;\n"
            ));
        }
        code.push_str("        return 204;\n    }\n");
    }
    for l in common.lines() {
        code.push_str(&format!("    {l}\n"));
    }
    if !v.expose.is_empty() {
        code.push_str(&format!(
            "    add_header Access-Control-Expose-Headers \"{}\" always;\n",
            esc_nginx(&v.expose.join(", "))
        ));
    }
    code.push_str("    # If the application behind this proxy adds CORS headers too, drop its copy:\n    proxy_hide_header Access-Control-Allow-Origin;\n    proxy_hide_header Access-Control-Allow-Credentials;\n    proxy_pass http://backend;\n}\n");
    let mut notes = vec![
        note(
            "snippet.nginx.always",
            "`always` makes nginx add the headers to 4xx and 5xx responses too; without it an error loses `Access-Control-Allow-Origin` and the browser reports a CORS error instead of the status.",
        ),
        note(
            "snippet.nginx.inheritance",
            "An `add_header` inside a `location` or `if` block discards every `add_header` inherited from outer blocks: keep all CORS headers together in the block that answers.",
        ),
    ];
    if v.preflight {
        notes.push(note(
            "snippet.nginx.preflight",
            "nginx answers the preflight (`OPTIONS`) itself with 204, so the backend and its authentication never see it.",
        ));
    }
    notes.push(one_layer());
    snippet("nginx", "nginx", "nginx", code, notes)
}

fn apache(v: &Values) -> Snippet {
    let mut code = String::from(
        "# In the <VirtualHost> (server context) that serves the API; needs mod_headers",
    );
    code.push_str(if v.preflight {
        " and mod_rewrite.\n"
    } else {
        ".\n"
    });
    code.push_str(&format!(
        "Header always set Access-Control-Allow-Origin \"{}\"\n",
        esc_apache(&v.origin)
    ));
    if v.credentials {
        code.push_str("Header always set Access-Control-Allow-Credentials \"true\"\n");
    }
    if v.preflight {
        if !v.methods.is_empty() {
            code.push_str(&format!(
                "Header always set Access-Control-Allow-Methods \"{}\"\n",
                esc_apache(&v.methods.join(", "))
            ));
        }
        if !v.headers.is_empty() {
            code.push_str(&format!(
                "Header always set Access-Control-Allow-Headers \"{}\"\n",
                esc_apache(&v.headers.join(", "))
            ));
        }
        if let Some(m) = v.max_age {
            code.push_str(&format!(
                "Header always set Access-Control-Max-Age \"{m}\"\n"
            ));
        }
    }
    if !v.expose.is_empty() {
        code.push_str(&format!(
            "Header always set Access-Control-Expose-Headers \"{}\"\n",
            esc_apache(&v.expose.join(", "))
        ));
    }
    code.push_str("Header always merge Vary Origin\n");
    if v.preflight {
        code.push_str("# Answer preflights with 204 before authentication (server context runs before auth;\n# in .htaccess mod_rewrite runs after it).\nRewriteEngine On\nRewriteCond %{REQUEST_METHOD} OPTIONS\nRewriteRule ^ - [R=204,L]\n");
    }
    let notes = vec![
        note(
            "snippet.apache.always",
            "`Header always set` keeps the headers on error and redirect responses; plain `Header set` applies to 2xx only. Set them in one table only (not also with plain `Header set`), or they are sent twice.",
        ),
        note("snippet.apache.vary", "`Header merge Vary Origin` adds `Origin` to `Vary` without dropping the values already there."),
        one_layer(),
    ];
    snippet(
        "apache",
        "Apache httpd (mod_headers)",
        "apache",
        code,
        notes,
    )
}

fn express(v: &Values) -> Snippet {
    let mut code = String::from("const cors = require(\"cors\");\n\nconst corsOptions = {\n");
    code.push_str(&format!(
        "  origin: [{}], // an allow-list: never `true`, which reflects any origin\n",
        q(&v.origin)
    ));
    if v.preflight {
        code.push_str(&format!("  methods: [{}],\n", qlist(&lib_methods(v))));
        code.push_str(&format!("  allowedHeaders: [{}],\n", qlist(&v.headers)));
        if let Some(m) = v.max_age {
            code.push_str(&format!("  maxAge: {m},\n"));
        }
    }
    if !v.expose.is_empty() {
        code.push_str(&format!("  exposedHeaders: [{}],\n", qlist(&v.expose)));
    }
    if v.credentials {
        code.push_str("  credentials: true,\n");
    }
    code.push_str("  optionsSuccessStatus: 204,\n};\n\n// App-wide, before the routes and before authentication: this also answers preflights (OPTIONS).\napp.use(cors(corsOptions));\n");
    let notes = vec![
        note(
            "snippet.express.order",
            "`app.use(cors(...))` before the routes and the authentication middleware also answers preflights; `cors()` on a single route needs a matching `app.options(...)` route, or the preflight gets 404.",
        ),
        note("snippet.express.no-reflect", "Never `origin: true` (it reflects any origin) and never `origin: \"*\"` with `credentials: true`."),
        one_layer(),
    ];
    snippet("express", "Express (cors)", "js", code, notes)
}

fn django(v: &Values) -> Snippet {
    const DEFAULT_METHODS: [&str; 6] = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"];
    const DEFAULT_HEADERS: [&str; 6] = [
        "accept",
        "authorization",
        "content-type",
        "user-agent",
        "x-csrftoken",
        "x-requested-with",
    ];
    let extra_methods: Vec<String> = v
        .methods
        .iter()
        .filter(|m| !DEFAULT_METHODS.contains(&m.as_str()))
        .cloned()
        .collect();
    let extra_headers: Vec<String> = v
        .headers
        .iter()
        .filter(|h| !DEFAULT_HEADERS.contains(&h.as_str()))
        .cloned()
        .collect();
    let mut code = String::from("# settings.py  (pip install django-cors-headers)\n");
    if !extra_methods.is_empty() || !extra_headers.is_empty() {
        code.push_str("from corsheaders.defaults import default_headers, default_methods\n");
    }
    code.push_str("\nINSTALLED_APPS = [\n    # ...\n    \"corsheaders\",\n]\n\nMIDDLEWARE = [\n    \"corsheaders.middleware.CorsMiddleware\",  # as high as possible: before CommonMiddleware and authentication\n    \"django.middleware.common.CommonMiddleware\",\n    # ...\n]\n\n");
    code.push_str(&format!("CORS_ALLOWED_ORIGINS = [{}]\n", q(&v.origin)));
    if v.credentials {
        code.push_str("CORS_ALLOW_CREDENTIALS = True\n");
    }
    if !extra_methods.is_empty() {
        code.push_str(&format!(
            "CORS_ALLOW_METHODS = (*default_methods, {})\n",
            qlist(&extra_methods)
        ));
    }
    if !extra_headers.is_empty() {
        code.push_str(&format!(
            "CORS_ALLOW_HEADERS = (*default_headers, {})\n",
            qlist(&extra_headers)
        ));
    }
    if !v.expose.is_empty() {
        code.push_str(&format!("CORS_EXPOSE_HEADERS = [{}]\n", qlist(&v.expose)));
    }
    if let Some(m) = v.max_age.filter(|_| v.preflight) {
        code.push_str(&format!("CORS_PREFLIGHT_MAX_AGE = {m}\n"));
    }
    let notes = vec![
        note(
            "snippet.django.middleware",
            "`CorsMiddleware` must come as high as possible, before `CommonMiddleware` and anything that can answer early (WhiteNoise, authentication), or redirects, 404s and preflights go out without CORS headers.",
        ),
        note("snippet.django.no-all", "Do not use `CORS_ALLOW_ALL_ORIGINS = True` (least of all with `CORS_ALLOW_CREDENTIALS = True`): list the origin."),
        one_layer(),
    ];
    snippet(
        "django",
        "Django (django-cors-headers)",
        "python",
        code,
        notes,
    )
}

fn flask(v: &Values) -> Snippet {
    let mut code =
        String::from("from flask_cors import CORS  # pip install flask-cors\n\nCORS(\n    app,\n");
    code.push_str(&format!(
        "    origins=[{}],  # always pass origins: the default allows every origin\n",
        q(&v.origin)
    ));
    if v.preflight {
        code.push_str(&format!("    methods=[{}],\n", qlist(&lib_methods(v))));
        code.push_str(&format!("    allow_headers=[{}],\n", qlist(&v.headers)));
        if let Some(m) = v.max_age {
            code.push_str(&format!("    max_age={m},\n"));
        }
    }
    if !v.expose.is_empty() {
        code.push_str(&format!("    expose_headers=[{}],\n", qlist(&v.expose)));
    }
    if v.credentials {
        code.push_str("    supports_credentials=True,\n");
    }
    code.push_str(")\n");
    let notes = vec![
        note(
            "snippet.flask.origins",
            "Always pass `origins`: flask-cors defaults to `*`, and with `supports_credentials=True` it then echoes any origin back with credentials.",
        ),
        before_auth(),
        one_layer(),
    ];
    snippet("flask", "Flask (flask-cors)", "python", code, notes)
}

fn spring(v: &Values) -> Snippet {
    let mut code = String::from(
        "import org.springframework.context.annotation.Configuration;\nimport org.springframework.web.servlet.config.annotation.CorsRegistry;\nimport org.springframework.web.servlet.config.annotation.WebMvcConfigurer;\n\n@Configuration\npublic class CorsConfig implements WebMvcConfigurer {\n    @Override\n    public void addCorsMappings(CorsRegistry registry) {\n        registry.addMapping(\"/**\")\n",
    );
    code.push_str(&format!("            .allowedOrigins({})\n", q(&v.origin)));
    code.push_str(&format!(
        "            .allowedMethods({})\n",
        qlist(&lib_methods(v))
    ));
    if v.preflight && !v.headers.is_empty() {
        code.push_str(&format!(
            "            .allowedHeaders({})\n",
            qlist(&v.headers)
        ));
    }
    if !v.expose.is_empty() {
        code.push_str(&format!(
            "            .exposedHeaders({})\n",
            qlist(&v.expose)
        ));
    }
    if v.credentials {
        code.push_str("            .allowCredentials(true)\n");
    }
    if let Some(m) = v.max_age.filter(|_| v.preflight) {
        code.push_str(&format!("            .maxAge({m})\n"));
    }
    code.push_str("            ;\n    }\n}\n// With Spring Security, also: http.cors(Customizer.withDefaults()) so CORS runs before authentication.\n");
    let notes = vec![
        note(
            "snippet.spring.patterns",
            "Never `allowedOriginPatterns(\"*\")` with `allowCredentials(true)`: it lets every site read the responses with the user's cookies. List the origin.",
        ),
        note(
            "snippet.spring.security",
            "With Spring Security, enable `http.cors(...)` so the CORS filter runs before authentication; otherwise preflights are answered 401.",
        ),
        one_layer(),
    ];
    snippet("spring", "Spring (WebMvcConfigurer)", "java", code, notes)
}

fn aspnet(v: &Values) -> Snippet {
    let mut code = String::from("// Program.cs\nbuilder.Services.AddCors(options =>\n{\n    options.AddPolicy(\"ApiCors\", policy =>\n        policy");
    code.push_str(&format!(".WithOrigins({})\n", q(&v.origin)));
    code.push_str(&format!(
        "              .WithMethods({})\n",
        qlist(&lib_methods(v))
    ));
    if v.preflight && !v.headers.is_empty() {
        code.push_str(&format!(
            "              .WithHeaders({})\n",
            qlist(&v.headers)
        ));
    }
    if !v.expose.is_empty() {
        code.push_str(&format!(
            "              .WithExposedHeaders({})\n",
            qlist(&v.expose)
        ));
    }
    if v.credentials {
        code.push_str("              .AllowCredentials()\n");
    }
    if let Some(m) = v.max_age.filter(|_| v.preflight) {
        code.push_str(&format!(
            "              .SetPreflightMaxAge(TimeSpan.FromSeconds({m}))\n"
        ));
    }
    code.push_str("    );\n});\n\nvar app = builder.Build();\napp.UseRouting();\napp.UseCors(\"ApiCors\");   // after UseRouting, before UseAuthentication/UseAuthorization\napp.UseAuthentication();\napp.UseAuthorization();\n");
    let notes = vec![
        note("snippet.aspnet.order", "`UseCors` must come after `UseRouting` and before `UseAuthentication` and `UseAuthorization`, or preflights are rejected."),
        note(
            "snippet.aspnet.no-any",
            "`AllowAnyOrigin()` cannot be combined with `AllowCredentials()`, and `SetIsOriginAllowed(_ => true)` reflects any origin: list the origin.",
        ),
        one_layer(),
    ];
    snippet(
        "aspnet",
        "ASP.NET Core (AddCors/UseCors)",
        "csharp",
        code,
        notes,
    )
}

fn go(v: &Values) -> Snippet {
    let mut code = String::from("import \"github.com/rs/cors\"\n\nc := cors.New(cors.Options{\n");
    code.push_str(&format!(
        "\tAllowedOrigins:   []string{{{}}},\n",
        q(&v.origin)
    ));
    code.push_str(&format!(
        "\tAllowedMethods:   []string{{{}}},\n",
        qlist(&lib_methods(v))
    ));
    if v.preflight && !v.headers.is_empty() {
        code.push_str(&format!(
            "\tAllowedHeaders:   []string{{{}}},\n",
            qlist(&v.headers)
        ));
    }
    if !v.expose.is_empty() {
        code.push_str(&format!(
            "\tExposedHeaders:   []string{{{}}},\n",
            qlist(&v.expose)
        ));
    }
    if v.credentials {
        code.push_str("\tAllowCredentials: true,\n");
    }
    if let Some(m) = v.max_age.filter(|_| v.preflight) {
        code.push_str(&format!("\tMaxAge:           {m},\n"));
    }
    code.push_str("})\n// Wrap the whole handler, outside authentication, so preflights are answered first.\nhandler := c.Handler(mux)\n");
    let notes = vec![
        note("snippet.go.wrap", "Wrap the outermost handler (outside the authentication middleware), so preflights are answered before authentication."),
        note("snippet.go.no-func", "Do not use an `AllowOriginFunc` that returns true, nor `AllowedOrigins: []string{{\"*\"}}` with credentials: list the origin."),
        one_layer(),
    ];
    snippet("go-rs-cors", "Go (rs/cors)", "go", code, notes)
}

fn rust_method(m: &str) -> String {
    match m {
        "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS" | "CONNECT" | "TRACE" => {
            format!("Method::{m}")
        }
        other => format!("Method::from_bytes(b{}).expect(\"method\")", q(other)),
    }
}

fn axum(v: &Values) -> Snippet {
    let mut http = vec!["HeaderValue"];
    if (v.preflight && !v.headers.is_empty()) || !v.expose.is_empty() {
        http.insert(0, "HeaderName");
    }
    if v.preflight {
        http.push("Method");
    }
    let mut code = format!(
        "use axum::{{\n    http::{{{}}},\n    Router,\n}};\n",
        http.join(", ")
    );
    if v.preflight && v.max_age.is_some() {
        code.push_str("use std::time::Duration;\n");
    }
    code.push_str("use tower_http::cors::CorsLayer;\n\nlet cors = CorsLayer::new()\n");
    code.push_str(&format!(
        "    .allow_origin(HeaderValue::from_static({}))\n",
        q(&v.origin)
    ));
    if v.preflight {
        let ms: Vec<String> = lib_methods(v).iter().map(|m| rust_method(m)).collect();
        code.push_str(&format!("    .allow_methods([{}])\n", ms.join(", ")));
        if !v.headers.is_empty() {
            let hs: Vec<String> = v
                .headers
                .iter()
                .map(|h| format!("HeaderName::from_static({})", q(&h.to_ascii_lowercase())))
                .collect();
            code.push_str(&format!("    .allow_headers([{}])\n", hs.join(", ")));
        }
        if let Some(m) = v.max_age {
            code.push_str(&format!("    .max_age(Duration::from_secs({m}))\n"));
        }
    }
    if !v.expose.is_empty() {
        let hs: Vec<String> = v
            .expose
            .iter()
            .map(|h| format!("HeaderName::from_static({})", q(&h.to_ascii_lowercase())))
            .collect();
        code.push_str(&format!("    .expose_headers([{}])\n", hs.join(", ")));
    }
    if v.credentials {
        code.push_str("    .allow_credentials(true)\n");
    }
    code.push_str("    ;\n\n// Added last, so it is the outermost layer and answers preflights before authentication layers.\nlet app = Router::new()\n    /* .route(...) and auth layers */\n    .layer(cors);\n");
    let notes = vec![
        note(
            "snippet.axum.panic",
            "tower-http panics when `allow_credentials(true)` is combined with `Any` (`*`) origins, methods or headers, and `CorsLayer::very_permissive()` mirrors any origin: list the exact values, as here.",
        ),
        note("snippet.axum.order", "Add the `CorsLayer` last (outermost), so it answers preflights before authentication layers run."),
        one_layer(),
    ];
    snippet("axum", "axum (tower-http CorsLayer)", "rust", code, notes)
}

fn caddy(v: &Values) -> Snippet {
    let o = esc_caddy(&v.origin);
    let mut common = format!("Access-Control-Allow-Origin \"{o}\"\n");
    if v.credentials {
        common.push_str("Access-Control-Allow-Credentials \"true\"\n");
    }
    let mut code = String::from("api.example.com {\n");
    if v.preflight {
        code.push_str(
            "\t@cors_preflight method OPTIONS\n\thandle @cors_preflight {\n\t\theader {\n",
        );
        for l in common.lines() {
            code.push_str(&format!("\t\t\t{l}\n"));
        }
        if !v.methods.is_empty() {
            code.push_str(&format!(
                "\t\t\tAccess-Control-Allow-Methods \"{}\"\n",
                esc_caddy(&v.methods.join(", "))
            ));
        }
        if !v.headers.is_empty() {
            code.push_str(&format!(
                "\t\t\tAccess-Control-Allow-Headers \"{}\"\n",
                esc_caddy(&v.headers.join(", "))
            ));
        }
        if let Some(m) = v.max_age {
            code.push_str(&format!("\t\t\tAccess-Control-Max-Age \"{m}\"\n"));
        }
        code.push_str("\t\t}\n\t\trespond 204\n\t}\n");
    }
    code.push_str("\theader {\n");
    for l in common.lines() {
        code.push_str(&format!("\t\t{l}\n"));
    }
    if !v.expose.is_empty() {
        code.push_str(&format!(
            "\t\tAccess-Control-Expose-Headers \"{}\"\n",
            esc_caddy(&v.expose.join(", "))
        ));
    }
    code.push_str("\t\t# set when the response is written, replacing a copy from the upstream app\n\t\tdefer\n\t}\n\treverse_proxy localhost:8080\n");
    // Errors Caddy produces itself (502 when the upstream is down) skip the
    // headers above: handle_errors answers them with the same headers.
    code.push_str("\thandle_errors {\n\t\theader {\n");
    for l in common.lines() {
        code.push_str(&format!("\t\t\t{l}\n"));
    }
    code.push_str(
        "\t\t}\n\t\trespond \"{err.status_code} {err.status_text}\" {err.status_code}\n\t}\n}\n",
    );
    let mut notes = Vec::new();
    if v.preflight {
        notes.push(note("snippet.caddy.preflight", "The `OPTIONS` handler answers preflights itself with 204, before `reverse_proxy` and any authentication."));
    }
    notes.push(note(
        "snippet.caddy.errors",
        "Errors Caddy produces itself (for example 502 when the upstream is down) skip the `header` directive and go through `handle_errors`, which sets the same headers here; without it those errors reach the page as CORS failures.",
    ));
    notes.push(one_layer());
    snippet("caddy", "Caddy", "caddyfile", code, notes)
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
