//! The lab server (`whycors lab`): three origins on 127.0.0.1 answering the
//! URL grammar in `docs/lab.md`, recording what they received and sent.
//!
//! Responses are serialized by tiny_http; the lab captures the exact bytes
//! (so the record says what was really written), and, for `drop`, closes the
//! connection without writing. Connections are the lab's own (`http`): one
//! thread per connection, requests read as tiny_http reads them (tiny_http's
//! own server leaves connections unread under a burst; see `http.rs`).

mod assets;
mod files;
pub mod grammar;
mod http;
mod store;
mod wire;

use crate::labrecord::{Received, Record, Sent};
use crate::exchange::{Header, HeaderList};
use grammar::{BodyType, Plan, Subst};
use http::{Connections, Incoming, Listening, Responder};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::Store;

pub use store::MAX_RECORDS;

/// Where the lab listens and what it serves.
#[derive(Clone, Debug)]
pub struct LabConfig {
    pub bind: String,
    /// Serves `www/` and the API same-origin. 0 picks a free port.
    pub page_port: u16,
    /// The cross-origin API.
    pub api_port: u16,
    /// A third origin, for cross-origin redirect targets.
    pub other_port: u16,
    /// The static site to serve on the page origin.
    pub www_dir: PathBuf,
}

impl Default for LabConfig {
    fn default() -> Self {
        LabConfig {
            bind: "127.0.0.1".into(),
            page_port: 8801,
            api_port: 8802,
            other_port: 8803,
            www_dir: PathBuf::from("www"),
        }
    }
}

/// Which of the three listeners.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Page,
    Api,
    Other,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Page => "page",
            Role::Api => "api",
            Role::Other => "other",
        }
    }
}

/// The bound origins (`http://127.0.0.1:PORT`).
#[derive(Clone, Debug)]
pub struct LabUrls {
    pub page: String,
    pub api: String,
    pub other: String,
}

struct Shared {
    urls: LabUrls,
    /// The host in the origins (`127.0.0.1`), and page, api, other ports.
    host: String,
    ports: [u16; 3],
    www_dir: PathBuf,
    store: Store,
    /// Print one line per API request on stderr (only when stderr is a
    /// terminal: a pipe nobody reads must never block an answer).
    log: bool,
}

/// A running lab. Dropping it (or [`LabHandle::stop`]) stops the listeners.
pub struct LabHandle {
    urls: LabUrls,
    stop: Arc<AtomicBool>,
    listening: Vec<Listening>,
    conns: Arc<Connections>,
    shared: Arc<Shared>,
}

impl LabHandle {
    pub fn urls(&self) -> &LabUrls {
        &self.urls
    }
    pub fn page_url(&self) -> &str {
        &self.urls.page
    }
    pub fn api_url(&self) -> &str {
        &self.urls.api
    }
    pub fn other_url(&self) -> &str {
        &self.urls.other
    }
    /// The records currently held (all tags), in arrival order.
    pub fn records(&self, tag: Option<&str>) -> Vec<Record> {
        self.shared.store.list(tag)
    }
    /// Stops the listeners (their ports close) and closes the open
    /// connections. Requests being answered finish on their own threads
    /// (their answers go nowhere).
    pub fn stop(mut self) {
        self.shutdown();
    }
    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for l in &mut self.listening {
            l.stop();
        }
        self.listening.clear();
        self.conns.close_all();
    }
}

impl Drop for LabHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn origin_host(bind: &str) -> &str {
    // A wildcard bind is still reached through loopback.
    match bind {
        "0.0.0.0" | "" => "127.0.0.1",
        "::" | "[::]" => "[::1]",
        b => b,
    }
}

fn bind_one(bind: &str, port: u16) -> Result<(std::net::TcpListener, u16), String> {
    let addr = if bind.contains(':') && !bind.starts_with('[') { format!("[{bind}]:{port}") } else { format!("{bind}:{port}") };
    let listener = http::bind(&addr)?;
    let bound = listener.local_addr().map_err(|e| format!("{addr}: {e}"))?.port();
    Ok((listener, bound))
}

/// Starts the lab and returns at once.
pub fn start(cfg: LabConfig) -> Result<LabHandle, String> {
    start_with(cfg, false)
}

fn start_with(cfg: LabConfig, log: bool) -> Result<LabHandle, String> {
    let host = origin_host(&cfg.bind).to_string();
    let host_in_url = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host };
    let (page_srv, page_port) = bind_one(&cfg.bind, cfg.page_port)?;
    let (api_srv, api_port) = bind_one(&cfg.bind, cfg.api_port)?;
    let (other_srv, other_port) = bind_one(&cfg.bind, cfg.other_port)?;
    let urls = LabUrls {
        page: format!("http://{host_in_url}:{page_port}"),
        api: format!("http://{host_in_url}:{api_port}"),
        other: format!("http://{host_in_url}:{other_port}"),
    };
    let shared = Arc::new(Shared {
        urls: urls.clone(),
        host: host_in_url.clone(),
        ports: [page_port, api_port, other_port],
        www_dir: cfg.www_dir.clone(),
        store: Store::new(MAX_RECORDS),
        log,
    });
    let stop = Arc::new(AtomicBool::new(false));
    let conns = Arc::new(Connections::default());
    let mut lab = LabHandle { urls, stop: stop.clone(), listening: Vec::new(), conns: conns.clone(), shared: shared.clone() };
    for (listener, role) in [(page_srv, Role::Page), (api_srv, Role::Api), (other_srv, Role::Other)] {
        let shared = shared.clone();
        // Each connection has its own thread, so a `delay` (or a connection
        // the browser keeps idle) never holds up a request on another one.
        let handler: Arc<http::Handler> = Arc::new(move |rq: Incoming, out: &mut Responder<'_>| handle(rq, out, role, &shared));
        // On an error, dropping `lab` stops what was started.
        let l = http::serve(listener, role.as_str(), stop.clone(), conns.clone(), handler)?;
        lab.listening.push(l);
    }
    Ok(lab)
}

/// Runs the lab until the process ends.
pub fn run(cfg: LabConfig) -> Result<(), String> {
    use std::io::IsTerminal;
    let www = cfg.www_dir.clone();
    let handle = start_with(cfg, std::io::stderr().is_terminal())?;
    let u = handle.urls().clone();
    println!("whycors lab");
    println!("  page   {}/   (serves {})", u.page, www.display());
    println!("  api    {}/api/   (the scriptable API; also on the page origin, same-origin)", u.api);
    println!("  other  {}/api/   (a third origin, for cross-origin redirect targets)", u.other);
    println!();
    if !www.is_dir() {
        println!("Note: {} does not exist; the page origin serves only /api/ (build the site with ./build.sh).", www.display());
    } else if www.join("lab").join("index.html").is_file() {
        println!("Open {}/lab/ in Chromium or Firefox.", u.page);
    } else {
        println!("Open {}/ in Chromium or Firefox.", u.page);
    }
    println!("Try: {}/api/x?acao=*&h=X-Demo:%20odd%20spacing%20&tag=demo", u.api);
    println!("Records: {}/__records?tag=demo   Reset: POST {}/__reset", u.api, u.api);
    println!("Grammar: docs/lab.md. Ctrl-C stops.");
    // One machine-readable line for scripts that start the lab on port 0.
    println!("ready {}", serde_json::json!({ "page": u.page, "api": u.api, "other": u.other }));
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn request_headers(rq: &Incoming) -> Vec<Header> {
    rq.headers.iter().map(|h| Header::new(h.field.as_str().as_str(), h.value.as_str())).collect()
}

fn handle(rq: Incoming, out: &mut Responder<'_>, role: Role, shared: &Shared) {
    let target = rq.target.clone();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.clone(), String::new()),
    };
    let method = rq.method.as_str().to_string();
    let this_origin = match role {
        Role::Page => shared.urls.page.clone(),
        Role::Api => shared.urls.api.clone(),
        Role::Other => shared.urls.other.clone(),
    };

    if path == "/__records" {
        return serve_records(&rq, out, &query, shared);
    }
    if path == "/__lab.json" {
        let j = serde_json::json!({
            "page": shared.urls.page,
            "api": shared.urls.api,
            "other": shared.urls.other,
            "maxRecords": MAX_RECORDS,
        });
        let mut resp = tiny_http::Response::from_data(j.to_string().into_bytes());
        if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", "application/json") {
            resp.add_header(h);
        }
        cors_star(&mut resp);
        wire::send(&rq, out, resp);
        return;
    }
    if path == "/__reset" {
        return serve_reset(&rq, out, &method, &query, shared);
    }
    if path == "/api" || path.starts_with("/api/") {
        return serve_api(&rq, out, role, shared, &target, &query, &method, &this_origin);
    }
    if role == Role::Page && (method == "GET" || method == "HEAD") {
        return serve_file(&rq, out, &path, shared);
    }
    let resp = wire::text(404, "not found: the lab answers /api/..., /__records and /__reset here\n");
    wire::send(&rq, out, resp);
}

fn cors_star(resp: &mut tiny_http::Response<std::io::Cursor<Vec<u8>>>) {
    if let Ok(h) = tiny_http::Header::from_bytes("Access-Control-Allow-Origin", "*") {
        resp.add_header(h);
    }
    if let Ok(h) = tiny_http::Header::from_bytes("Cache-Control", "no-store") {
        resp.add_header(h);
    }
}

fn serve_records(rq: &Incoming, out: &mut Responder<'_>, query: &str, shared: &Shared) {
    let mut tag: Option<String> = None;
    let mut since: u64 = 0;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "tag" => tag = Some(v.into_owned()),
            "since" => since = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    let list: Vec<Record> = shared.store.list(tag.as_deref()).into_iter().filter(|r| r.seq >= since).collect();
    let json = serde_json::to_string(&list).unwrap_or_else(|_| "[]".into());
    let mut resp = tiny_http::Response::from_data(json.into_bytes());
    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", "application/json") {
        resp.add_header(h);
    }
    cors_star(&mut resp);
    wire::send(rq, out, resp);
}

fn serve_reset(rq: &Incoming, out: &mut Responder<'_>, method: &str, query: &str, shared: &Shared) {
    if method != "POST" {
        let mut resp = wire::text(405, "POST /__reset clears the records (POST /__reset?tag=T clears one tag)\n");
        cors_star(&mut resp);
        wire::send(rq, out, resp);
        return;
    }
    let tag = url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "tag").map(|(_, v)| v.into_owned());
    let n = shared.store.clear(tag.as_deref());
    let mut resp = wire::text(200, &format!("cleared {n} records\n"));
    cors_star(&mut resp);
    wire::send(rq, out, resp);
}

fn serve_file(rq: &Incoming, out: &mut Responder<'_>, path: &str, shared: &Shared) {
    let Some(file) = files::resolve(&shared.www_dir, path) else {
        wire::send(rq, out, wire::text(404, "not found\n"));
        return;
    };
    match std::fs::read(&file) {
        Ok(data) => {
            let mut resp = tiny_http::Response::from_data(data);
            if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", files::content_type(&file)) {
                resp.add_header(h);
            }
            if let Ok(h) = tiny_http::Header::from_bytes("Cache-Control", "no-cache") {
                resp.add_header(h);
            }
            wire::send(rq, out, resp);
        }
        Err(_) => {
            wire::send(rq, out, wire::text(404, "not found\n"));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn serve_api(
    rq: &Incoming,
    out: &mut Responder<'_>,
    role: Role,
    shared: &Shared,
    target: &str,
    query: &str,
    method: &str,
    this_origin: &str,
) {
    let headers = request_headers(rq);
    let host = headers.values("Host").next().map(|s| s.to_string());
    let url = match &host {
        Some(h) if !h.is_empty() => format!("http://{h}{target}"),
        _ => format!("{this_origin}{target}"),
    };
    let is_preflight = method.eq_ignore_ascii_case("OPTIONS") && headers.has("Access-Control-Request-Method");
    let subst = Subst {
        origin: headers.values("Origin").next().map(|s| s.to_string()),
        page: shared.urls.page.clone(),
        api: shared.urls.api.clone(),
        other: shared.urls.other.clone(),
        this: this_origin.to_string(),
        host: shared.host.clone(),
        page_port: shared.ports[0],
        api_port: shared.ports[1],
        other_port: shared.ports[2],
    };
    let parsed = grammar::parse(query, &subst);
    let tag = match &parsed {
        Ok(p) => p.tag.clone(),
        Err(_) => url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "tag").map(|(_, v)| v.into_owned()),
    };
    let seq = shared.store.push(Record {
        seq: 0,
        tag,
        origin: this_origin.to_string(),
        server: role.as_str().to_string(),
        received: Received { method: method.to_string(), url: url.clone(), headers },
        sent: None,
        at: now_ms(),
    });
    let plan: Plan = match parsed {
        Ok(p) => p,
        Err(msg) => {
            let resp = wire::text(400, &format!("whycors lab: {msg}\n"));
            wire::send_then(rq, out, resp, |sent| shared.store.set_sent(seq, sent.clone()));
            return;
        }
    };
    let answer = if is_preflight { &plan.preflight } else { &plan.actual };
    if answer.delay_ms > 0 {
        std::thread::sleep(Duration::from_millis(answer.delay_ms));
    }
    if answer.drop {
        wire::drop_connection(out, || {
            shared.store.set_sent(seq, Sent { status: 0, headers: Vec::new(), dropped: true })
        });
        if shared.log {
            eprintln!("{:<5} {method} {target} -> dropped", role.as_str());
        }
        return;
    }
    let default_status = if is_preflight { 204 } else { 200 };
    let status = answer.final_status(default_status);
    // 204 and 304 have no body (tiny_http would still announce its length).
    let no_body = status == 204 || status == 304;
    let (data, ctype) = if no_body || (is_preflight && answer.body.is_none() && answer.body_type.is_none()) {
        (Vec::new(), None)
    } else {
        let (d, c) = assets::body(answer.body_type.unwrap_or(BodyType::Text), answer.body.as_deref());
        (d, Some(c))
    };
    let mut resp = tiny_http::Response::from_data(data).with_status_code(status);
    if let Some(loc) = &answer.redirect {
        let loc = match &plan.tag {
            Some(t) => grammar::propagate_tag(loc, t, |u| is_lab_url(u, &shared.ports), &url),
            None => loc.clone(),
        };
        if let Ok(h) = tiny_http::Header::from_bytes("Location", loc.as_bytes()) {
            resp.add_header(h);
        }
    }
    let user_sets_ct = answer.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    for (n, v) in &answer.headers {
        if let Ok(h) = tiny_http::Header::from_bytes(n.as_bytes(), v.as_bytes()) {
            resp.add_header(h);
        }
    }
    if let (Some(c), false) = (ctype, user_sets_ct) {
        if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", c) {
            resp.add_header(h);
        }
    }
    let sent = wire::send_then(rq, out, resp, |sent| shared.store.set_sent(seq, sent.clone()));
    if shared.log {
        eprintln!("{:<5} {method} {target} -> {}", role.as_str(), sent.status);
    }
}

fn is_lab_url(u: &url::Url, ports: &[u16; 3]) -> bool {
    let local = matches!(u.host_str(), Some("127.0.0.1") | Some("localhost") | Some("[::1]"));
    local && u.scheme() == "http" && u.port_or_known_default().is_some_and(|p| ports.contains(&p))
}
