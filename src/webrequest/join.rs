//! Joining the page's own record of each call to the request webRequest
//! saw, deterministically.
//!
//! Each document's hook numbers its records (`seq`), and its relay sends
//! them in ranges `f..=m` ("flushed up to m"). Per document (a *stream*)
//! and per key (method, first URL), the calls in `seq` order are paired with
//! the requests in requestId order (both browsers number requests in the
//! order they are created, which for one document is the order of its
//! calls). Nothing is joined by closeness in time; what decides is evidence
//! of order:
//!
//! - A call is paired only once it has **settled** (fetch resolved or
//!   rejected, XHR `loadend`): by then its request, if it had one, has been
//!   heard of (the browser dispatches a request's webRequest events before
//!   the page can see its outcome), so the oldest unpaired request of the
//!   key is that call's, and if there is none the call **never reached the
//!   network** (known absent; a rejected cross-origin one becomes an
//!   exchange of its own, from what the page knew).
//! - A request is known to have **no call** only once a *sync* (the
//!   background asks the relay to flush; `Output::syncs`) issued after the
//!   request was heard of has come back with mark `m`, every record up to
//!   `m` has arrived, and no unpaired call of its key numbered up to `m` is
//!   left. A document that is gone (its relay said `pagehide`, or no relay
//!   answers) decides the same way with what it sent.
//!
//! Until then the request is *pending*: it has no verdict. Calls that the
//! Fetch Standard refuses before the network (`mode: 'same-origin'` to
//! another origin) never take a request.
//!
//! Elements (`<img crossorigin>`, scripts, stylesheets, media) are facts
//! about a URL, not numbered calls: a request of an element's type waits
//! until the relay reports an element of its URL loaded or failed, or a sync
//! issued after the request ended shows no element of that URL still
//! loading.

use super::capture::{http_origin, Class, Ended, Order, ReqInfo};
use super::events::{ElementFact, Record, RelayBatch};
use crate::exchange::{Credentials, Exchange, Header, Leg, Mode, PageRequest, ResourceType};
use crate::core::sorted::{SortedMap, SortedSet};
use std::collections::HashMap;

/// (method upper-cased, URL without fragment).
pub type Key = (String, String);

pub fn key_of(method: &str, url: &str) -> Key {
    (method.trim().to_ascii_uppercase(), url.split_once('#').map_or(url, |(a, _)| a).to_string())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallState {
    Open,
    /// Paired with this request.
    Paired(String),
    /// Its exchange has been handed out under this id.
    Final(String),
    /// It never reached the network.
    Absent,
}

#[derive(Clone, Debug)]
pub struct Call {
    pub seq: u64,
    pub kind: String,
    pub url: String,
    pub method: String,
    pub mode: Option<String>,
    pub credentials: Option<String>,
    pub redirect: Option<String>,
    pub headers: Vec<Header>,
    pub call_site: Option<String>,
    pub origin: Option<String>,
    pub rejected: Option<bool>,
    pub read: Vec<String>,
    pub settled: bool,
    pub state: CallState,
    /// Changes since its exchange was handed out (reads).
    pub dirty: bool,
    /// Settled with no request of its key heard of, at this item: absent
    /// once a sync issued after it has come back (the browser's webRequest
    /// events and the page's records travel different ways; the round trip
    /// lets events already on their way arrive first).
    pub absent_after: Option<u64>,
}

impl Call {
    fn from_record(r: &Record) -> Call {
        let s = |v: &Option<String>| v.as_ref().map(|x| x.chars().take(200).collect::<String>());
        Call {
            seq: r.s as u64,
            kind: if r.k == "xhr" { "xhr".into() } else { "fetch".into() },
            url: r.u.clone(),
            method: if r.m.is_empty() { "GET".into() } else { r.m.clone() },
            mode: s(&r.md),
            credentials: s(&r.cr),
            redirect: s(&r.rd),
            headers: r
                .h
                .iter()
                .take(100)
                .map(|(n, v)| {
                    let value = if super::redact::is_secret_header(n) { super::redact::REDACTED.to_string() } else { v.clone() };
                    Header::new(n.clone(), value)
                })
                .collect(),
            call_site: r.cs.as_ref().map(|c| c.chars().take(500).collect()),
            origin: r.or.as_ref().map(|o| o.chars().take(300).collect()),
            rejected: r.rj,
            read: Vec::new(),
            settled: r.rj.is_some(),
            state: CallState::Open,
            dirty: false,
            absent_after: None,
        }
    }

    /// The Fetch Standard refuses it before any network activity (main
    /// fetch: a `same-origin` mode request to another origin).
    pub fn never_reaches_network(&self) -> bool {
        self.mode.as_deref() == Some("same-origin")
            && match (&self.origin, http_origin(&self.url)) {
                (Some(page), Some(target)) => *page != target,
                _ => false,
            }
    }

    fn read_header(&mut self, name: &str) {
        let n = name.trim().to_ascii_lowercase();
        if n.is_empty() || self.read.len() >= 50 || self.read.contains(&n) {
            return;
        }
        self.read.push(n.chars().take(200).collect());
        self.dirty = true;
    }
}

#[derive(Clone, Debug, Default)]
pub struct Stream {
    pub id: String,
    pub tab: i64,
    pub frame: i64,
    pub doc: Option<String>,
    started: bool,
    /// Every record numbered up to here has arrived (or was lost before
    /// this background started).
    contiguous: u64,
    buffered: SortedMap<u64, RelayBatch>,
    /// The highest mark a message carried.
    mark: u64,
    /// A sync answered: (issued at item, its mark).
    synced: Option<(u64, u64)>,
    /// A gap reported by a sync and not filled by the next one: lost.
    gap_seen: Option<u64>,
    /// pagehide (or gone): nothing follows the mark.
    closed: bool,
    /// Closed by the page's own pagehide (a page back from the
    /// back/forward cache opens it again).
    closed_by_page: bool,
    /// The relay dropped records from here on (the page's budget).
    pub overflow: Option<u64>,
    pub dropped: u64,
    pub received: u64,
    calls: HashMap<u64, Call>,
    open: HashMap<Key, SortedSet<u64>>,
    unpaired: HashMap<Key, SortedMap<Order, String>>,
    facts: HashMap<String, Vec<ElementFact>>,
    /// Element URLs still loading, as of sync `awaiting.0` (issued at item).
    awaiting: Option<(u64, Vec<String>)>,
}

impl Stream {
    /// Everything numbered up to `m` is known: the highest such m, for a
    /// request heard of at item `heard` (None: not decidable yet).
    fn complete_up_to(&self, heard: u64) -> Option<u64> {
        if let Some(o) = self.overflow {
            return Some(o.saturating_sub(1).min(self.contiguous));
        }
        if self.closed && self.contiguous >= self.mark {
            return Some(self.contiguous);
        }
        match self.synced {
            Some((at, m)) if at >= heard && self.contiguous >= m => Some(m),
            _ => None,
        }
    }
}

/// A request the join holds: heard of, maybe ended, not yet handed out.
#[derive(Clone, Debug)]
pub struct Held {
    pub info: ReqInfo,
    pub stream: Option<String>,
    pub heard_at: u64,
    pub ended: Option<Box<Ended>>,
    pub ended_at: u64,
    pub call: Option<u64>,
    pub epoch: u64,
}

/// What the join hands out.
#[derive(Clone, Debug)]
pub enum Joined {
    /// A request, with the page's record applied when there was one.
    Final { tab: i64, t: f64, epoch: u64, ex: Exchange, call: Option<(String, u64)>, how: How },
    /// A call that never reached the network (rejected, cross-origin).
    PageOnly { tab: i64, epoch: u64, ex: Exchange, call: (String, u64) },
    /// A call the page said more about (headers read) after its exchange
    /// was handed out.
    Update { tab: i64, xid: String, call: Call },
}

/// How a request was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// Joined to the page's call.
    Call,
    /// Joined to an element's load or error.
    Element,
    /// Known to have no page record (the mark covered it, or no hook runs there).
    NoRecord,
    /// The page's records were lost (the page exceeded its budget).
    Lost,
    /// Not something a page record explains (fonts, beacons, workers).
    NotApplicable,
}

#[derive(Clone, Debug, Default)]
struct Frame {
    /// Stream ids, oldest first.
    streams: Vec<String>,
    /// Requests heard of before any stream of this frame.
    unassigned: Vec<String>,
}

/// A document as a sync addresses it: (tab, frameId, documentId).
type Target = (i64, i64, Option<String>);

#[derive(Clone, Debug, Default)]
struct TargetState {
    /// A sync in flight: (id, issued at item).
    sync: Option<(u64, u64)>,
    /// No relay answered a sync issued at this item.
    no_relay: Option<u64>,
    polls: u32,
}

#[derive(Default)]
pub struct Join {
    pub streams: HashMap<String, Stream>,
    frames: HashMap<(i64, i64), Frame>,
    targets: HashMap<Target, TargetState>,
    pub held: HashMap<String, Held>,
    next_sync: u64,
    /// Sync id -> (target, issued at).
    syncs: HashMap<u64, (Target, u64)>,
    /// Syncs to send now: (id, tab, frame, doc, poll).
    pub to_send: Vec<(u64, i64, i64, Option<String>, bool)>,
    pub out: Vec<Joined>,
    /// Finals handed out with a call: xid -> (stream, seq).
    pub finals: HashMap<String, (String, u64)>,
    /// The item being processed (set by the session).
    pub item: u64,
    /// Streams with a call waiting to be known absent: they need a sync.
    absent_waits: SortedSet<String>,
}

impl Join {
    fn frame(&mut self, tab: i64, frame: i64) -> &mut Frame {
        self.frames.entry((tab, frame)).or_default()
    }

    /// The stream a request of this frame and document belongs to.
    fn stream_for(&self, tab: i64, frame: i64, doc: &Option<String>) -> Option<String> {
        let f = self.frames.get(&(tab, frame))?;
        if doc.is_some() {
            if let Some(s) = f.streams.iter().rev().find(|s| self.streams.get(*s).is_some_and(|st| st.doc == *doc)) {
                return Some(s.clone());
            }
            // Chromium names every document: no stream of this one (yet).
            if f.streams.iter().any(|s| self.streams.get(s).is_some_and(|st| st.doc.is_some())) {
                return None;
            }
        }
        f.streams.last().cloned()
    }

    /// A request heard of for the first time (call and element classes of
    /// a tab only; the session finalizes the others at their end).
    pub fn heard(&mut self, info: ReqInfo, item: u64, epoch: u64) {
        let rid = info.rid.clone();
        let stream = self.stream_for(info.tab, info.frame, &info.doc);
        match &stream {
            Some(s) => {
                if info.class == Class::Call {
                    if let Some(st) = self.streams.get_mut(s) {
                        st.unpaired.entry(key_of(&info.method, &info.url)).or_default().insert(info.order.clone(), rid.clone());
                    }
                }
            }
            None => self.frame(info.tab, info.frame).unassigned.push(rid.clone()),
        }
        self.held.insert(rid, Held { info, stream, heard_at: item, ended: None, ended_at: 0, call: None, epoch });
    }

    /// A request ended.
    pub fn ended(&mut self, e: Box<Ended>, item: u64) {
        let rid = e.info.rid.clone();
        if let Some(h) = self.held.get_mut(&rid) {
            h.ended = Some(e);
            h.ended_at = item;
        }
        self.decide(&rid);
    }

    /// One message of a relay (or the records of a sync's answer).
    pub fn relay(&mut self, tab: i64, frame: i64, doc: Option<String>, batch: RelayBatch, budget: &mut impl FnMut(usize) -> bool) {
        if batch.s.is_empty() || batch.s.len() > 100 {
            return;
        }
        let sid = batch.s.clone();
        if !self.streams.contains_key(&sid) {
            let st = Stream { id: sid.clone(), tab, frame, doc: doc.clone(), ..Default::default() };
            self.streams.insert(sid.clone(), st);
            let older: Vec<String> = self.frame(tab, frame).streams.clone();
            self.frame(tab, frame).streams.push(sid.clone());
            // An older document of this frame whose end we never heard of: gone.
            for o in older {
                if let Some(os) = self.streams.get_mut(&o) {
                    if doc.is_none() || os.doc.is_none() {
                        os.closed = true;
                        os.mark = os.mark.min(os.contiguous);
                    }
                }
            }
            self.assign_unassigned(tab, frame);
        }
        let Some(st) = self.streams.get_mut(&sid) else { return };
        let f = batch.f.max(1.0) as u64;
        if !st.started {
            st.started = true;
            st.contiguous = f - 1;
        }
        if f > st.contiguous.saturating_add(1) {
            st.buffered.insert(f, batch);
            return;
        }
        self.apply(&sid, batch, budget);
        loop {
            let next = {
                let Some(st) = self.streams.get_mut(&sid) else { return };
                let c = st.contiguous;
                let first = st.buffered.keys().next().copied();
                match first {
                    Some(k) if k <= c.saturating_add(1) => st.buffered.remove(&k),
                    _ => None,
                }
            };
            match next {
                Some(b) => self.apply(&sid, b, budget),
                None => break,
            }
        }
        self.decide_stream(&sid);
    }

    fn apply(&mut self, sid: &str, batch: RelayBatch, budget: &mut impl FnMut(usize) -> bool) {
        let mut keys: SortedSet<Key> = SortedSet::new();
        {
            let Some(st) = self.streams.get_mut(sid) else { return };
            let m = batch.m.max(0.0) as u64;
            if m > st.mark {
                st.mark = m;
            }
            if m > st.contiguous {
                st.contiguous = m;
            }
            st.dropped = st.dropped.max(batch.d.max(0.0) as u64);
            if let Some(o) = batch.o {
                let o = o.max(1.0) as u64;
                st.overflow = Some(st.overflow.map_or(o, |x| x.min(o)));
            }
            if batch.x {
                st.closed = true;
                st.closed_by_page = true;
            } else if st.closed_by_page {
                st.closed = false;
                st.closed_by_page = false;
            }
            if !budget(batch.b.len()) {
                // The background's own budget for this tab is spent: from
                // here on this document is unrecorded.
                let first = batch.b.iter().map(|r| r.s as u64).min().unwrap_or(m.saturating_add(1));
                st.overflow = Some(st.overflow.map_or(first, |x| x.min(first)));
            }
            let limit = st.overflow.unwrap_or(u64::MAX);
            for r in batch.b.iter() {
                let seq = r.s.max(0.0) as u64;
                if seq >= limit {
                    continue;
                }
                st.received += 1;
                match r.o.as_str() {
                    "c" => {
                        if st.calls.contains_key(&seq) || r.u.is_empty() {
                            continue;
                        }
                        let mut call = Call::from_record(r);
                        for n in r.rh.iter() {
                            call.read_header(n);
                        }
                        call.dirty = false;
                        if !call.never_reaches_network() {
                            let k = key_of(&call.method, &call.url);
                            st.open.entry(k.clone()).or_default().insert(seq);
                            keys.insert(k);
                        } else if call.settled {
                            call.state = CallState::Absent;
                        }
                        st.calls.insert(seq, call);
                    }
                    "s" => {
                        let c = r.c.max(0.0) as u64;
                        if let Some(call) = st.calls.get_mut(&c) {
                            call.settled = true;
                            if r.rj.is_some() {
                                call.rejected = r.rj;
                            }
                            keys.insert(key_of(&call.method, &call.url));
                            if call.never_reaches_network() && call.state == CallState::Open {
                                call.state = CallState::Absent;
                            }
                        }
                    }
                    "r" => {
                        let c = r.c.max(0.0) as u64;
                        if let Some(call) = st.calls.get_mut(&c) {
                            call.read_header(&r.n);
                        }
                    }
                    _ => {}
                }
            }
            for fact in batch.e.into_iter().take(2000) {
                let url = fact.u.split_once('#').map_or(fact.u.as_str(), |(a, _)| a).to_string();
                let list = st.facts.entry(url).or_default();
                if list.len() < 8 {
                    list.push(fact);
                }
            }
            if st.facts.len() > 5000 {
                st.facts.clear();
            }
        }
        // Absent same-origin-mode calls become page-only exchanges.
        let absent: Vec<u64> = self
            .streams
            .get(sid)
            .map(|st| st.calls.values().filter(|c| c.state == CallState::Absent && c.settled).map(|c| c.seq).collect())
            .unwrap_or_default();
        for seq in absent {
            self.page_only(sid, seq);
        }
        for k in keys {
            self.pair(sid, &k);
        }
        self.updates(sid);
    }

    /// Pairs the settled head calls of a key with its requests, in order.
    fn pair(&mut self, sid: &str, key: &Key) {
        loop {
            let item = self.item;
            let (seq, rid) = {
                let Some(st) = self.streams.get_mut(sid) else { return };
                let Some(seq) = st.open.get(key).and_then(|s| s.iter().next().copied()) else { return };
                let settled = st.calls.get(&seq).is_some_and(|c| c.settled);
                if !settled {
                    return;
                }
                // The oldest request whose evidence fits this call; else the oldest.
                let call = st.calls.get(&seq);
                let pick = st.unpaired.get(key).and_then(|m| {
                    let fits = m.iter().find(|(_, rid)| {
                        let info = self.held.get(*rid).map(|h| &h.info);
                        matches!((call, info), (Some(c), Some(i)) if compatible(c, i))
                    });
                    fits.or_else(|| m.iter().next()).map(|(o, r)| (o.clone(), r.clone()))
                });
                if pick.is_none() {
                    // No request heard of: absent, once a sync issued after this comes back.
                    let synced = st.synced;
                    let gone = st.closed;
                    let Some(call) = st.calls.get_mut(&seq) else { return };
                    match call.absent_after {
                        None if !gone => {
                            call.absent_after = Some(item);
                            self.absent_waits.insert(sid.to_string());
                            return;
                        }
                        Some(at) if !gone && synced.is_none_or(|(issued, _)| issued < at) => return,
                        _ => {}
                    }
                }
                if let Some((order, _)) = &pick {
                    if let Some(m) = st.unpaired.get_mut(key) {
                        m.remove(order);
                    }
                }
                if let Some(s) = st.open.get_mut(key) {
                    s.remove(&seq);
                }
                (seq, pick.map(|(_, r)| r))
            };
            match rid {
                Some(rid) => {
                    if let Some(call) = self.streams.get_mut(sid).and_then(|st| st.calls.get_mut(&seq)) {
                        call.state = CallState::Paired(rid.clone());
                    }
                    if let Some(h) = self.held.get_mut(&rid) {
                        h.call = Some(seq);
                    }
                    self.decide(&rid);
                }
                None => {
                    if let Some(call) = self.streams.get_mut(sid).and_then(|st| st.calls.get_mut(&seq)) {
                        call.state = CallState::Absent;
                    }
                    self.page_only(sid, seq);
                }
            }
        }
    }

    /// Keys of a stream whose head call waits to be known absent.
    fn waiting_keys(&self, sid: &str) -> Vec<Key> {
        let Some(st) = self.streams.get(sid) else { return Vec::new() };
        st.open
            .iter()
            .filter(|(_, seqs)| seqs.iter().next().and_then(|q| st.calls.get(q)).is_some_and(|c| c.absent_after.is_some()))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// A call that never reached the network: an exchange of its own when
    /// the page saw it fail and it was for another origin.
    fn page_only(&mut self, sid: &str, seq: u64) {
        let Some(st) = self.streams.get_mut(sid) else { return };
        let tab = st.tab;
        let Some(call) = st.calls.get_mut(&seq) else { return };
        if call.state != CallState::Absent {
            return;
        }
        let xid = format!("page-{sid}-{seq}");
        call.state = CallState::Final(xid.clone());
        let target = http_origin(&call.url);
        let cross = match (&call.origin, &target) {
            (Some(p), Some(t)) => p != t,
            _ => false,
        };
        if call.rejected != Some(true) || !cross {
            return;
        }
        let mut page = PageRequest { origin: call.origin.clone(), ..Default::default() };
        apply_call(&mut page, call, None);
        let ex = Exchange {
            id: Some(xid),
            page,
            legs: vec![Leg { url: call.url.clone(), ..Default::default() }],
            end: crate::exchange::End::NotSent,
            ..Default::default()
        };
        self.out.push(Joined::PageOnly { tab, epoch: 0, ex, call: (sid.to_string(), seq) });
    }

    fn updates(&mut self, sid: &str) {
        let Some(st) = self.streams.get_mut(sid) else { return };
        let tab = st.tab;
        for call in st.calls.values_mut() {
            if !call.dirty {
                continue;
            }
            if let CallState::Final(xid) = &call.state {
                call.dirty = false;
                self.out.push(Joined::Update { tab, xid: xid.clone(), call: call.clone() });
            }
        }
    }

    fn assign_unassigned(&mut self, tab: i64, frame: i64) {
        let list = std::mem::take(&mut self.frame(tab, frame).unassigned);
        let mut keep = Vec::new();
        for rid in list {
            let Some(h) = self.held.get(&rid) else { continue };
            let (doc, class, key, order) = (h.info.doc.clone(), h.info.class, key_of(&h.info.method, &h.info.url), h.info.order.clone());
            match self.stream_for(tab, frame, &doc) {
                Some(sid) => {
                    if class == Class::Call {
                        if let Some(st) = self.streams.get_mut(&sid) {
                            st.unpaired.entry(key).or_default().insert(order, rid.clone());
                        }
                    }
                    if let Some(h) = self.held.get_mut(&rid) {
                        h.stream = Some(sid);
                    }
                }
                None => keep.push(rid),
            }
        }
        self.frame(tab, frame).unassigned = keep;
    }

    fn decide_stream(&mut self, sid: &str) {
        let rids: Vec<String> = self
            .held
            .iter()
            .filter(|(_, h)| h.ended.is_some() && h.stream.as_deref() == Some(sid))
            .map(|(k, _)| k.clone())
            .collect();
        for rid in rids {
            self.decide(&rid);
        }
    }

    /// Hands a held request out when nothing can change its join any more.
    fn decide(&mut self, rid: &str) {
        let Some(h) = self.held.get(rid) else { return };
        if h.ended.is_none() {
            return;
        }
        let how = match (h.info.class, &h.stream) {
            (Class::Call, Some(sid)) => {
                if h.call.is_some() {
                    Some(How::Call)
                } else {
                    let key = key_of(&h.info.method, &h.info.url);
                    match self.streams.get(sid) {
                        None => Some(How::NoRecord),
                        Some(st) => match st.complete_up_to(h.heard_at) {
                            Some(m) => {
                                let open_before = st.open.get(&key).is_some_and(|s| s.iter().next().is_some_and(|&q| q <= m));
                                if open_before {
                                    None
                                } else if st.overflow.is_some() {
                                    Some(How::Lost)
                                } else {
                                    Some(How::NoRecord)
                                }
                            }
                            None => None,
                        },
                    }
                }
            }
            (Class::Element, Some(sid)) => match self.streams.get(sid) {
                None => Some(How::NoRecord),
                Some(st) => {
                    let url = &h.info.url;
                    let last_url = h.ended.as_ref().and_then(|e| e.ex.legs.last()).map(|l| l.url.clone());
                    let has_fact = st.facts.contains_key(url) || last_url.as_ref().is_some_and(|u| st.facts.contains_key(u));
                    if has_fact {
                        Some(How::Element)
                    } else if st.closed || st.overflow.is_some() {
                        Some(How::NoRecord)
                    } else {
                        match &st.awaiting {
                            Some((at, list)) if *at >= h.ended_at => {
                                let loading = list.iter().any(|u| u == url || last_url.as_deref() == Some(u.as_str()));
                                (!loading).then_some(How::NoRecord)
                            }
                            _ => None,
                        }
                    }
                }
            },
            (Class::None, _) => Some(How::NotApplicable),
            (_, None) => {
                // No stream for this frame: decided once a sync issued after
                // the request was heard of found no relay.
                let t = self.targets.get(&(h.info.tab, h.info.frame, h.info.doc.clone()));
                match t.and_then(|t| t.no_relay) {
                    Some(at) if at >= h.heard_at => Some(How::NoRecord),
                    _ => None,
                }
            }
        };
        let Some(how) = how else { return };
        self.hand_out(rid, how);
    }

    fn hand_out(&mut self, rid: &str, how: How) {
        let Some(h) = self.held.remove(rid) else { return };
        let Some(ended) = h.ended else { return };
        if let Some(sid) = &h.stream {
            if let Some(st) = self.streams.get_mut(sid) {
                if let Some(m) = st.unpaired.get_mut(&key_of(&h.info.method, &h.info.url)) {
                    m.remove(&h.info.order);
                }
            }
        }
        let mut ex = ended.ex;
        let mut call_ref = None;
        match how {
            How::Call => {
                if let (Some(sid), Some(seq)) = (&h.stream, h.call) {
                    let xid = h.info.rid.clone();
                    if let Some(call) = self.streams.get_mut(sid).and_then(|st| st.calls.get_mut(&seq)) {
                        apply_call(&mut ex.page, call, ended.sec_mode.as_deref());
                        call.state = CallState::Final(xid.clone());
                        call.dirty = false;
                        call_ref = Some((sid.clone(), seq));
                        self.finals.insert(xid, (sid.clone(), seq));
                        if self.finals.len() > 5000 {
                            self.finals.clear();
                        }
                    }
                }
            }
            How::Element => {
                if let Some(st) = h.stream.as_ref().and_then(|s| self.streams.get(s)) {
                    let last_url = ex.legs.last().map(|l| l.url.clone()).unwrap_or_default();
                    let facts = st.facts.get(&h.info.url).or_else(|| st.facts.get(&last_url));
                    if let Some(fact) = facts.and_then(|f| pick_fact(f, ended.sec_mode.as_deref())) {
                        apply_element(&mut ex.page, fact);
                    }
                }
            }
            _ => {}
        }
        if !ended.cross {
            return;
        }
        self.out.push(Joined::Final { tab: h.info.tab, t: h.info.t, epoch: h.epoch, ex, call: call_ref, how });
    }

    /// The syncs the held requests need now: one in flight per document;
    /// `poll` when the last one passed the request's barrier but the page
    /// still owes something (an unsettled call, a loading element): the
    /// background sends those after a short pause.
    pub fn plan_syncs(&mut self, item: u64) {
        let mut want: SortedMap<Target, bool> = SortedMap::new();
        for h in self.held.values() {
            if h.ended.is_none() || h.info.tab < 0 || h.info.class == Class::None {
                continue;
            }
            let target: Target = (h.info.tab, h.info.frame, h.info.doc.clone());
            if self.targets.get(&target).is_some_and(|t| t.sync.is_some()) {
                continue;
            }
            let after = if h.info.class == Class::Element { h.ended_at } else { h.heard_at };
            let passed = match h.stream.as_ref().and_then(|s| self.streams.get(s)) {
                Some(st) if h.info.class == Class::Element => st.awaiting.as_ref().is_some_and(|(at, _)| *at >= after),
                Some(st) => st.synced.is_some_and(|(at, _)| at >= after),
                None => false,
            };
            want.update(target, passed, |e| *e = *e && passed);
        }
        let waits: Vec<String> = std::mem::take(&mut self.absent_waits).into_iter().collect();
        for sid in waits {
            let Some(st) = self.streams.get(&sid) else { continue };
            if self.waiting_keys(&sid).is_empty() {
                continue;
            }
            let target: Target = (st.tab, st.frame, st.doc.clone());
            if self.targets.get(&target).is_some_and(|t| t.sync.is_some()) {
                // The answer to the one in flight comes back after this: ask again then.
                self.absent_waits.insert(sid);
                continue;
            }
            want.update(target, false, |_| {});
        }
        for (target, poll) in want {
            let t = self.targets.entry(target.clone()).or_default();
            if poll {
                t.polls += 1;
                if t.polls > 200 {
                    continue; // a page that never settles: left pending, no more asking
                }
            } else {
                t.polls = 0;
            }
            self.next_sync += 1;
            let id = self.next_sync;
            t.sync = Some((id, item));
            self.syncs.insert(id, (target.clone(), item));
            self.to_send.push((id, target.0, target.1, target.2, poll));
        }
    }

    /// The answer to sync `id`.
    pub fn sync_reply(&mut self, id: u64, batch: Option<RelayBatch>, budget: &mut impl FnMut(usize) -> bool) {
        let Some((target, issued)) = self.syncs.remove(&id) else { return };
        let (tab, frame, doc) = target.clone();
        if let Some(t) = self.targets.get_mut(&target) {
            if t.sync.is_some_and(|(s, _)| s == id) {
                t.sync = None;
            }
        }
        match batch {
            None => {
                // No relay in that document: nothing of it will ever join.
                let t = self.targets.entry(target).or_default();
                t.no_relay = Some(t.no_relay.map_or(issued, |x| x.max(issued)));
                let streams: Vec<String> = self.frames.get(&(tab, frame)).map(|f| f.streams.clone()).unwrap_or_default();
                for sid in streams {
                    if let Some(st) = self.streams.get_mut(&sid) {
                        if doc.is_none() || st.doc == doc {
                            st.closed = true;
                            st.mark = st.mark.min(st.contiguous);
                        }
                    }
                }
                let rids: Vec<String> = self
                    .held
                    .iter()
                    .filter(|(_, h)| h.info.tab == tab && h.info.frame == frame)
                    .map(|(k, _)| k.clone())
                    .collect();
                for rid in rids {
                    self.decide(&rid);
                }
            }
            Some(b) => {
                let sid = b.s.clone();
                let m = b.m.max(0.0) as u64;
                let aw = b.aw.clone();
                self.relay(tab, frame, doc, b, budget);
                if let Some(st) = self.streams.get_mut(&sid) {
                    // A gap the previous sync saw and this one still sees: lost.
                    if let Some(g) = st.gap_seen {
                        if st.contiguous < g {
                            st.contiguous = g;
                            st.buffered.clear();
                        }
                    }
                    st.gap_seen = (st.contiguous < m).then_some(m);
                    if st.synced.is_none_or(|(at, _)| at <= issued) {
                        st.synced = Some((issued, m));
                    }
                    if let Some(aw) = aw {
                        st.awaiting = Some((issued, aw.into_iter().take(2000).collect()));
                    }
                }
                for k in self.waiting_keys(&sid) {
                    self.pair(&sid, &k);
                    if !self.waiting_keys(&sid).is_empty() {
                        self.absent_waits.insert(sid.clone());
                    }
                }
                self.decide_stream(&sid);
                let rids: Vec<String> = self
                    .held
                    .iter()
                    .filter(|(_, h)| h.stream.is_none() && h.info.tab == tab && h.info.frame == frame)
                    .map(|(k, _)| k.clone())
                    .collect();
                for rid in rids {
                    self.decide(&rid);
                }
            }
        }
    }

    /// The tab sync `id` went to (-1: unknown).
    pub fn sync_tab(&self, id: u64) -> i64 {
        self.syncs.get(&id).map_or(-1, |(t, _)| t.0)
    }

    /// Forgets a tab.
    pub fn close_tab(&mut self, tab: i64) {
        self.held.retain(|_, h| h.info.tab != tab);
        self.frames.retain(|(t, _), _| *t != tab);
        self.targets.retain(|(t, _, _), _| *t != tab);
        self.streams.retain(|_, s| s.tab != tab);
        self.syncs.retain(|_, s| s.0 .0 != tab);
    }

    /// Held requests per tab that have ended (pending rows).
    pub fn pending(&self) -> SortedMap<i64, usize> {
        let mut out = SortedMap::new();
        for h in self.held.values() {
            if h.ended.as_ref().is_some_and(|e| e.cross) {
                out.update(h.info.tab, 0, |n| *n += 1);
            }
        }
        out
    }

    /// Old state no request can need any more: streams of closed documents
    /// with nothing held, calls long handed out.
    pub fn trim(&mut self) {
        let mut used: SortedSet<String> = SortedSet::new();
        for s in self.held.values().filter_map(|h| h.stream.clone()) {
            used.insert(s);
        }
        let dead: Vec<String> = self
            .streams
            .iter()
            .filter(|(id, s)| s.closed && !used.contains(*id))
            .map(|(id, _)| id.clone())
            .collect();
        for id in dead {
            self.streams.remove(&id);
            for f in self.frames.values_mut() {
                f.streams.retain(|s| *s != id);
            }
        }
        for st in self.streams.values_mut() {
            if st.calls.len() > 4000 {
                let mut finished: Vec<u64> = st
                    .calls
                    .values()
                    .filter(|c| matches!(c.state, CallState::Final(_) | CallState::Absent))
                    .map(|c| c.seq)
                    .collect();
                crate::core::order::sort_unstable(&mut finished);
                let n = finished.len().saturating_sub(1000);
                for seq in finished.into_iter().take(n) {
                    st.calls.remove(&seq);
                }
            }
        }
    }

    /// Counts for tests and the status message.
    pub fn stream_stats(&self, tab: i64) -> (u64, u64, u64, usize, bool) {
        let mut received = 0;
        let mut dropped = 0;
        let mut mark = 0;
        let mut overflowed = false;
        let mut n = 0;
        for s in self.streams.values().filter(|s| s.tab == tab) {
            received += s.received;
            dropped += s.dropped;
            mark += s.mark;
            overflowed |= s.overflow.is_some();
            n += 1;
        }
        (received, dropped, mark, n, overflowed)
    }

    /// A one-line summary per stream (debugging aid for tests).
    #[cfg(test)]
    pub fn debug_streams(&self) -> String {
        let mut out = String::new();
        for st in self.streams.values() {
            let open: usize = st.open.values().map(|s| s.len()).sum();
            let unpaired: usize = st.unpaired.values().map(|m| m.len()).sum();
            let absent_waiting: Vec<u64> = st.calls.values().filter(|c| c.absent_after.is_some() && c.state == CallState::Open).map(|c| c.seq).collect();
            out.push_str(&format!(
                "stream {} tab {} frame {} contiguous {} mark {} synced {:?} closed {} open {open} unpaired {unpaired} absent-waiting {absent_waiting:?} buffered {:?}\n",
                st.id, st.tab, st.frame, st.contiguous, st.mark, st.synced, st.closed, st.buffered.keys().collect::<Vec<_>>()
            ));
            for (k, seqs) in &st.open {
                for q in seqs {
                    if let Some(c) = st.calls.get(q) {
                        out.push_str(&format!("  open call {q} {k:?} settled {} rejected {:?}\n", c.settled, c.rejected));
                    }
                }
            }
        }
        out
    }

    pub fn call_of(&self, sid: &str, seq: u64) -> Option<&Call> {
        self.streams.get(sid).and_then(|s| s.calls.get(&seq))
    }
}

/// Whether what the browser sent can be this call's request: the kind
/// Firefox's header order reveals, a Cookie on a first URL of another
/// origin (only credentials `include` sends one there), the header names
/// the call set.
pub fn compatible(call: &Call, info: &ReqInfo) -> bool {
    if let Some(k) = info.kind_hint {
        if k != call.kind {
            return false;
        }
    }
    let Some(headers) = &info.headers else { return true };
    if crate::credentials::cookie_means_include(&info.origin, &info.url, headers) && call.credentials.as_deref() != Some("include") {
        return false;
    }
    // Names the browser never sends as set (forbidden) or whycors does not keep are no evidence.
    call.headers
        .iter()
        .filter(|a| {
            !crate::fetch::safelist::is_forbidden_request_header_name(&a.name)
                && !super::redact::is_droppable_request_header(&a.name)
        })
        .all(|a| headers.iter().any(|h| h.name.trim().eq_ignore_ascii_case(a.name.trim())))
}

/// What the page's call says about the request (CORS knowledge: the
/// modes' names, the credentials modes).
pub fn apply_call(page: &mut PageRequest, call: &Call, _sec_mode: Option<&str>) {
    if page.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(&call.method)) {
        page.method = Some(call.method.clone());
    }
    if matches!(page.resource_type, ResourceType::Xhr | ResourceType::Fetch | ResourceType::Other) {
        page.resource_type = if call.kind == "xhr" { ResourceType::Xhr } else { ResourceType::Fetch };
    }
    page.mode = match call.mode.as_deref() {
        Some("cors") => Some(Mode::Cors),
        Some("no-cors") => Some(Mode::NoCors),
        Some("same-origin") => Some(Mode::SameOrigin),
        Some("navigate") => Some(Mode::Navigate),
        _ => page.mode,
    };
    page.credentials = match call.credentials.as_deref() {
        Some("omit") => Some(Credentials::Omit),
        Some("same-origin") => Some(Credentials::SameOrigin),
        Some("include") => Some(Credentials::Include),
        _ => page.credentials,
    };
    page.author_headers = Some(call.headers.clone());
    page.rejected = call.rejected;
    page.read_headers = call.read.clone();
    page.redirect_mode = call.redirect.clone();
    page.call_site = call.call_site.clone();
    if page.origin.is_none() {
        page.origin = call.origin.clone();
    }
}

/// Which of the elements seen for a URL made this request: the one whose
/// CORS-ness matches the `Sec-Fetch-Mode` the browser sent, else the last.
fn pick_fact<'a>(facts: &'a [ElementFact], sec_mode: Option<&str>) -> Option<&'a ElementFact> {
    let want_cors = match sec_mode.map(str::trim) {
        Some("cors") => Some(true),
        Some("no-cors") => Some(false),
        _ => None,
    };
    match want_cors {
        Some(w) => facts.iter().rev().find(|f| element_mode(f).0 == Mode::Cors && w || element_mode(f).0 == Mode::NoCors && !w),
        None => facts.last(),
    }
}

/// HTML's CORS settings attribute: no attribute = no CORS (credentials
/// include), `anonymous`, empty or any other value = cors with same-origin
/// credentials, `use-credentials` = cors with include. A module script is
/// fetched in cors mode even without the attribute. A preload link
/// (`<link rel=preload as=font crossorigin>`) follows its attribute like
/// the rest; its destination is webRequest's type (`Other` here: the type
/// is left as it is).
pub fn element_mode(f: &ElementFact) -> (Mode, Credentials, ResourceType) {
    let module = f.t == "script" && f.ty.as_deref().is_some_and(|t| t.trim().eq_ignore_ascii_case("module"));
    let rt = match f.t.as_str() {
        "img" => ResourceType::Image,
        "script" if module => ResourceType::ModuleScript,
        "script" => ResourceType::Script,
        "link" if f.ty.as_deref().is_some_and(|r| r.to_ascii_lowercase().split_whitespace().any(|x| x == "stylesheet")) => {
            ResourceType::Stylesheet
        }
        "video" | "audio" => ResourceType::Media,
        _ => ResourceType::Other,
    };
    // HTML's CORS settings attribute: the engine's one reading of it.
    let (mode, credentials) = crate::credentials::cors_settings(f.co.as_deref(), module);
    (mode, credentials, rt)
}

pub fn apply_element(page: &mut PageRequest, f: &ElementFact) {
    let (mode, credentials, rt) = element_mode(f);
    page.mode = Some(mode);
    page.credentials = Some(credentials);
    if rt != ResourceType::Other {
        page.resource_type = rt;
    }
    page.rejected = Some(!f.ok);
}
