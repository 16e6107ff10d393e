//! The extension's one adapter from what the browser shows to schema-2
//! exchanges: webRequest events, the page's own records of its calls and
//! elements (the MAIN-world hook, through the relay), joined
//! deterministically, then diagnosed. JavaScript only forwards the events
//! in batches (`Session::feed`) and renders what comes back.
//!
//! Pure Rust (no wasm-bindgen): `cargo test --lib webrequest` runs it
//! natively, against event traces recorded from the real extension in
//! Chromium 156 and Firefox ESR 153 (`tests/data/webrequest/`).
//!
//! - `events`: what a batch holds (raw webRequest details, relay messages,
//!   sync answers).
//! - `capture`: webRequest events -> exchanges (preflights paired, redirects
//!   as legs, the preflight cache).
//! - `join`: the page's calls and elements joined to requests, by order
//!   and marks, never by time.
//! - `redact`: secret header values and URL parameters.
//! - `view`: the table's row, rank, warning flag and highlights.

pub mod capture;
pub mod events;
pub mod join;
pub mod redact;
pub mod view;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod traces;

use crate::exchange::{Browser, Exchange, Header};
use capture::{Capture, Class, Out};
use events::{Item, RelayBatch};
use crate::core::json::{self, Reader};
use join::{How, Join, Joined};
use serde::Serialize;
#[cfg(feature = "report")]
use crate::report::diagnosis::Diagnosis;
use std::collections::HashMap;

/// How a session is set up (JSON from the background).
#[derive(Clone, Debug)]
pub struct Config {
    pub browser: Browser,
    /// This browser's webRequest shows every preflight (Firefox; Chromium
    /// with `extraHeaders`).
    pub sees_preflights: bool,
    /// When the background started (ms since the epoch).
    pub started_at: f64,
    /// Keep secret URL parameters as they are (the user's setting).
    pub raw_urls: bool,
    /// Records a tab may send per second, and at once (its budget).
    pub tab_rate: f64,
    pub tab_burst: f64,
}

impl Config {
    fn parse(text: &str) -> json::Read<Config> {
        let mut out = Config::default();
        json::read_all(text, |r| {
            r.object(|r, k| {
                match k {
                    "browser" => {
                        out.browser = match r.string()?.as_ref() {
                            "chromium" => Browser::Chromium,
                            "firefox" => Browser::Firefox,
                            _ => return Err(json::Error { at: 0, expected: "chromium or firefox" }),
                        }
                    }
                    "seesPreflights" => out.sees_preflights = r.flag()?,
                    "startedAt" => out.started_at = r.number()?,
                    "rawUrls" => out.raw_urls = r.flag()?,
                    "tabRate" => out.tab_rate = r.number()?,
                    "tabBurst" => out.tab_burst = r.number()?,
                    _ => r.skip()?,
                }
                Ok(())
            })
        })?;
        Ok(out)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            browser: Browser::Chromium,
            sees_preflights: true,
            started_at: 0.0,
            raw_urls: false,
            tab_rate: 5_000.0,
            tab_burst: 40_000.0,
        }
    }
}

/// One row handed out: a request (or a page-only call) with its exchange,
/// ready to store, and its summary; or an update of an earlier one.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub tab: i64,
    pub t: f64,
    /// The tab's navigation epoch when the request was heard of: rows of an
    /// earlier epoch belong to a page already left.
    pub epoch: u64,
    /// This row's id among the session's rows (updates name it).
    pub xid: String,
    /// An update of the row `xid` handed out earlier.
    pub upd: bool,
    pub x: Exchange,
    pub s: view::Summary,
    /// Attributed from a service worker (the request had no tab).
    pub sw: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Sync {
    pub id: u64,
    pub tab: i64,
    pub frame: i64,
    pub doc: Option<String>,
    /// Send after a short pause: the last answer passed the barrier but the
    /// page still owes a settlement or an element's end.
    pub poll: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Navigation {
    pub tab: i64,
    pub epoch: u64,
}

/// What the background keeps in `storage.session` for a restarted session
/// (`Session::restore_state` reads it back): the preflight cache, keys
/// hashed (no URL), with their expiry.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SavedState {
    pub pfc: Vec<(u64, f64)>,
}

/// What one `feed` produced.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Output {
    pub rows: Vec<Row>,
    pub syncs: Vec<Sync>,
    /// Ended requests per tab still waiting for their join (no verdict yet).
    pub pending: crate::core::sorted::SortedMap<i64, usize>,
    pub navigations: Vec<Navigation>,
    /// The preflight cache, when it changed (for `storage.session`).
    pub state: Option<SavedState>,
    /// Items that did not read.
    pub skipped: usize,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct TabStats {
    /// Hook records received (all documents of the tab this adapter knows).
    pub records: u64,
    /// Records the relays dropped (the pages' budgets).
    pub dropped: u64,
    /// The sum of the documents' marks: records the hooks made.
    pub mark: u64,
    pub streams: usize,
    pub overflowed: bool,
    pub refused: u64,
    /// The tab's top-level origin, as far as this adapter knows it (a
    /// service worker's requests are attributed by it).
    pub origin: Option<String>,
}

pub struct Session {
    cfg: Config,
    capture: Capture,
    join: Join,
    item: u64,
    epochs: HashMap<i64, u64>,
    /// Tab -> (top-level origin, item when navigated): attributes a service
    /// worker's requests.
    tab_origins: HashMap<i64, (String, u64)>,
    budgets: HashMap<i64, (f64, f64)>,
    refused: HashMap<i64, u64>,
    /// Rows handed out with a call, for updates: xid -> (tab, exchange, how).
    recent: HashMap<String, (i64, Exchange, String)>,
    recent_order: std::collections::VecDeque<String>,
    now: f64,
}

impl Session {
    pub fn new(cfg: Config) -> Session {
        let capture = Capture::new(cfg.browser, cfg.sees_preflights, cfg.started_at);
        Session {
            now: cfg.started_at,
            cfg,
            capture,
            join: Join::default(),
            item: 0,
            epochs: HashMap::new(),
            tab_origins: HashMap::new(),
            budgets: HashMap::new(),
            refused: HashMap::new(),
            recent: HashMap::new(),
            recent_order: Default::default(),
        }
    }

    /// A session set up by `config` (`Config`'s fields in camelCase; each
    /// absent one takes its default; a config that does not read is the
    /// default one).
    pub fn from_json(config: &str) -> Session {
        Session::new(Config::parse(config).unwrap_or_default())
    }

    pub fn set_raw_urls(&mut self, raw: bool) {
        self.cfg.raw_urls = raw;
    }

    /// Restores the preflight cache (`Output::state` of an earlier session).
    /// A state that does not read restores nothing.
    pub fn restore_state(&mut self, text: &str) {
        let mut pfc = Vec::new();
        let read = json::read_all(text, |r| {
            r.object(|r, k| match k {
                "pfc" => {
                    pfc = r.list(|r| r.pair(Reader::integer, Reader::number))?;
                    Ok(())
                }
                _ => r.skip(),
            })
        });
        if read.is_err() {
            pfc.clear();
        }
        self.capture.restore_cache(&pfc);
    }

    pub fn stats(&self, tab: i64) -> TabStats {
        let (records, dropped, mark, streams, overflowed) = self.join.stream_stats(tab);
        TabStats {
            records,
            dropped,
            mark,
            streams,
            overflowed,
            refused: self.refused.get(&tab).copied().unwrap_or(0),
            origin: self.tab_origins.get(&tab).map(|(o, _)| o.clone()),
        }
    }

    /// Feeds one batch (a JSON array of `[kind, payload]` items, in the
    /// order the background received them) at time `now` (ms since the
    /// epoch), and returns what is decided.
    pub fn feed(&mut self, batch: &str, now: f64) -> Output {
        let (items, skipped) = events::parse_batch(batch);
        self.feed_items(items, now, skipped)
    }

    pub fn feed_items(&mut self, items: Vec<Item>, now: f64, skipped: usize) -> Output {
        if now > self.now {
            self.now = now;
        }
        let mut out = Output { skipped, ..Default::default() };
        let mut cap = Vec::new();
        for item in items {
            self.item += 1;
            self.join.item = self.item;
            match item {
                Item::Web(ev, d) => {
                    self.capture.handle(ev, &d, &mut cap);
                    self.after_capture(&mut cap, &mut out);
                }
                Item::Relay(m) => {
                    let batch = match RelayBatch::parse(&m.json) {
                        Ok(b) if m.json.len() <= 1 << 20 => b,
                        _ => {
                            out.skipped += 1;
                            continue;
                        }
                    };
                    let tab = m.tab as i64;
                    let mut budget = budget(&mut self.budgets, &mut self.refused, &self.cfg, self.now, tab);
                    self.join.relay(tab, m.frame as i64, m.doc.clone(), batch, &mut budget);
                }
                Item::Sync(r) => {
                    let batch = if r.none { None } else { r.json.as_deref().and_then(|j| RelayBatch::parse(j).ok()) };
                    let tab = self.join.sync_tab(r.id as u64);
                    let mut budget = budget(&mut self.budgets, &mut self.refused, &self.cfg, self.now, tab);
                    self.join.sync_reply(r.id as u64, batch, &mut budget);
                }
                Item::Tabs(list) => {
                    for t in list {
                        if let Some(o) = t.url.as_deref().and_then(capture::http_origin) {
                            self.tab_origins.entry(t.id as i64).or_insert((o, 0));
                        }
                    }
                }
                Item::TabClosed(tab) => {
                    self.join.close_tab(tab);
                    self.tab_origins.remove(&tab);
                    self.budgets.remove(&tab);
                }
                Item::Skipped => out.skipped += 1,
            }
            self.drain_join(&mut out);
        }
        self.capture.expire(self.now, &mut cap);
        self.after_capture(&mut cap, &mut out);
        self.drain_join(&mut out);
        self.join.plan_syncs(self.item);
        for (id, tab, frame, doc, poll) in self.join.to_send.drain(..) {
            out.syncs.push(Sync { id, tab, frame, doc, poll });
        }
        self.join.trim();
        out.pending = self.join.pending();
        if self.capture.pf_cache_changed {
            self.capture.pf_cache_changed = false;
            out.state = Some(SavedState { pfc: self.capture.cache_state() });
        }
        out
    }

    fn epoch(&self, tab: i64) -> u64 {
        self.epochs.get(&tab).copied().unwrap_or(0)
    }

    fn after_capture(&mut self, cap: &mut Vec<Out>, out: &mut Output) {
        for o in cap.drain(..) {
            match o {
                Out::Navigated(tab, url) => {
                    let e = self.epochs.entry(tab).or_insert(0);
                    *e += 1;
                    out.navigations.push(Navigation { tab, epoch: *e });
                    if let Some(origin) = capture::http_origin(&url) {
                        self.tab_origins.insert(tab, (origin, self.item));
                    }
                }
                Out::Heard(info) => {
                    if info.tab >= 0 && info.class != Class::None {
                        let epoch = self.epoch(info.tab);
                        self.join.heard(info, self.item, epoch);
                    }
                }
                Out::Done(e) => {
                    if self.join.held.contains_key(&e.info.rid) {
                        self.join.ended(e, self.item);
                    } else if e.cross {
                        // Not something a page record explains: decided now.
                        let (tab, sw) = if e.info.tab >= 0 { (e.info.tab, false) } else { (self.attribute(&e.info.origin), true) };
                        if tab < 0 {
                            continue;
                        }
                        let how = "n/a";
                        let row = self.row(tab, e.info.t, self.epoch(tab), e.info.rid.clone(), e.ex, how, false, sw);
                        out.rows.push(row);
                    }
                }
            }
        }
    }

    /// The tab a service worker's request belongs to: the most recently
    /// navigated tab of its initiator's origin (-1: none).
    fn attribute(&self, origin: &str) -> i64 {
        self.tab_origins
            .iter()
            .filter(|(_, (o, _))| o == origin)
            .max_by_key(|(tab, (_, at))| (*at, **tab))
            .map_or(-1, |(tab, _)| *tab)
    }

    fn drain_join(&mut self, out: &mut Output) {
        let joined: Vec<Joined> = self.join.out.drain(..).collect();
        for j in joined {
            match j {
                Joined::Final { tab, t, epoch, ex, call, how } => {
                    let how_s = match how {
                        How::Call => "call",
                        How::Element => "element",
                        How::NoRecord => "no-record",
                        How::Lost => "lost",
                        How::NotApplicable => "n/a",
                    };
                    let xid = ex.id.clone().unwrap_or_default();
                    let joined = matches!(how, How::Call | How::Element);
                    if call.is_some() {
                        self.remember(&xid, tab, &ex, how_s);
                    }
                    let row = self.row(tab, t, epoch, xid, ex, how_s, joined, false);
                    out.rows.push(row);
                }
                Joined::PageOnly { tab, ex, .. } => {
                    let xid = ex.id.clone().unwrap_or_default();
                    self.remember(&xid, tab, &ex, "page");
                    let mut ex = ex;
                    ex.browser = Some(self.cfg.browser);
                    let row = self.row(tab, self.now, self.epoch(tab), xid, ex, "page", true, false);
                    out.rows.push(row);
                }
                Joined::Update { tab, xid, call } => {
                    let Some((_, ex, how)) = self.recent.get(&xid).cloned() else { continue };
                    let mut ex = ex;
                    join::apply_call(&mut ex.page, &call, None);
                    self.remember(&xid, tab, &ex, &how);
                    let mut row = self.row(tab, self.now, self.epoch(tab), xid, ex, &how, true, false);
                    row.upd = true;
                    out.rows.push(row);
                }
            }
        }
    }

    fn remember(&mut self, xid: &str, tab: i64, ex: &Exchange, how: &str) {
        if !self.recent.contains_key(xid) {
            self.recent_order.push_back(xid.to_string());
        }
        self.recent.insert(xid.to_string(), (tab, ex.clone(), how.to_string()));
        while self.recent_order.len() > 3000 {
            if let Some(old) = self.recent_order.pop_front() {
                self.recent.remove(&old);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn row(&self, tab: i64, t: f64, epoch: u64, xid: String, mut ex: Exchange, how: &str, joined: bool, sw: bool) -> Row {
        if !self.cfg.raw_urls {
            redact_urls(&mut ex);
        }
        // At capture: the verdict, the reason and the names only. The full
        // diagnosis (fix, hints, findings) is computed when the panel or the
        // popup asks for it (`view_of`, the full build).
        let light = crate::core::assess::light(&ex, Some(self.cfg.browser));
        let s = view::summarize_light(&ex, &light, how, joined);
        Row { tab, t, epoch, xid, upd: false, x: ex, s, sw }
    }
}

/// The tab's record budget (a token bucket over `now`): false once a
/// page sends more than its share; the rest of that document is then
/// unrecorded (its requests are still diagnosed from webRequest).
fn budget<'a>(
    budgets: &'a mut HashMap<i64, (f64, f64)>,
    refused: &'a mut HashMap<i64, u64>,
    cfg: &Config,
    now: f64,
    tab: i64,
) -> impl FnMut(usize) -> bool + 'a {
    let (rate, burst) = (cfg.tab_rate, cfg.tab_burst);
    let entry = budgets.entry(tab).or_insert((burst, now));
    move |n: usize| {
        let (tokens, at) = *entry;
        let t = (tokens + (now - at).max(0.0) / 1000.0 * rate).min(burst);
        if t >= n as f64 {
            *entry = (t - n as f64, now);
            true
        } else {
            *entry = (t, now);
            *refused.entry(tab).or_insert(0) += n as u64;
            false
        }
    }
}

/// The engine's diagnosis of a schema-2 exchange for `browser`.
#[cfg(feature = "report")]
pub fn diagnose(ex: &Exchange, browser: Browser) -> Diagnosis {
    diagnose_among(ex, browser, &[])
}

/// The diagnosis among the tab's other exchanges (`report::neighbours`: the
/// hints that compare the responses of the same server).
#[cfg(feature = "report")]
pub fn diagnose_among(ex: &Exchange, browser: Browser, neighbours: &[Exchange]) -> Diagnosis {
    let opts = crate::diagnose::Options { browser: Some(browser), ..Default::default() };
    crate::report::neighbours::diagnose_in_context(ex, &opts, neighbours)
}

/// Secret URL parameters out of everything that carries a URL.
pub fn redact_urls(ex: &mut Exchange) {
    let fix_headers = |hs: &mut Vec<Header>| {
        for h in hs.iter_mut() {
            let n = h.name.trim();
            if n.eq_ignore_ascii_case("location") || n.eq_ignore_ascii_case("content-location") || n.eq_ignore_ascii_case("referer") {
                h.value = redact::redact_url(&h.value);
            }
        }
    };
    for leg in ex.legs.iter_mut() {
        leg.url = redact::redact_url(&leg.url);
        fix_headers(&mut leg.request_headers);
        if let Some(r) = leg.response.as_mut() {
            fix_headers(&mut r.headers);
        }
        if let Some(p) = leg.preflight.as_mut() {
            fix_headers(&mut p.request_headers);
            if let Some(r) = p.response.as_mut() {
                fix_headers(&mut r.headers);
            }
        }
    }
    if let Some(cs) = ex.page.call_site.as_mut() {
        *cs = redact::redact_url(cs);
    }
}

/// What the panel shows of a stored exchange: the diagnosis, the headers
/// to highlight, and the row's fields the full diagnosis refines.
#[cfg(feature = "report")]
#[derive(Serialize)]
pub struct View {
    pub diagnosis: Diagnosis,
    pub highlights: Vec<view::Highlight>,
    /// `v`, `r`, `c`, `f`, `fx`, `w`, `rk`, `bl`: the one-line fix, the
    /// warning flag and rank from findings and console lines, which the
    /// capture leaves out.
    pub flags: view::Flags,
}

/// The stored exchange's [`View`] (for the background's `get` and
/// `export`).
#[cfg(feature = "report")]
pub fn view_of(exchange_json: &str, browser: Browser) -> Result<View, String> {
    view_among(exchange_json, "[]", browser)
}

/// [`view_of`] among the tab's other stored exchanges (`neighbours_json`: a
/// JSON array of exchanges; at most 500 are read, those that do not read
/// as schema 2 skipped).
#[cfg(feature = "report")]
pub fn view_among(exchange_json: &str, neighbours_json: &str, browser: Browser) -> Result<View, String> {
    let ex = read_stored(exchange_json)?;
    if ex.legs.is_empty() {
        return Err("exchange: no leg".into());
    }
    let mut near = Vec::new();
    // A list that does not read as a whole gives no neighbours: they only
    // add hints.
    let _ = json::read_all(neighbours_json, |r| {
        r.array(|r| {
            let m = r.mark();
            match Exchange::read(r) {
                Ok(n) if n.schema == crate::exchange::SCHEMA && !n.legs.is_empty() && near.len() < 500 => near.push(n),
                Ok(_) => {}
                Err(_) => {
                    r.reset(m);
                    r.skip()?;
                }
            }
            Ok(())
        })
    });
    let diagnosis = diagnose_among(&ex, browser, &near);
    Ok(View { highlights: view::highlights(&ex, &diagnosis), flags: view::flags(&diagnosis), diagnosis })
}

/// A stored exchange: schema 2 (and, in the full build, the first format).
#[cfg(feature = "report")]
fn read_stored(exchange_json: &str) -> Result<Exchange, String> {
    Ok(match crate::exchange::schema_of_text(exchange_json)? {
        2 => Exchange::from_json(exchange_json)?,
        #[cfg(feature = "full")]
        _ => {
            let v1: crate::input::v1::Exchange =
                serde_json::from_str(exchange_json).map_err(|e| format!("exchange: {e}"))?;
            Exchange::from_v1(&v1)
        }
        // The extension stores schema 2 only (storage.session does not
        // outlive an update); its build reads no first format.
        #[cfg(not(feature = "full"))]
        _ => return Err("exchange: the first format is not read here".into()),
    })
}
