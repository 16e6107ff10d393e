//! What the extension's background feeds the adapter: webRequest event
//! details as the browser gave them, the relay's messages (the page's calls,
//! its elements), the answers to sync requests, and a few facts about tabs.
//!
//! A batch is a JSON array of items, each `[kind, payload]`, in the order
//! the background received them (that order is evidence: see `join`).
//! Unknown kinds and fields are ignored; an item that does not read is
//! skipped and counted, never fatal. Read with the adapter's own reader
//! (`json`): each type's `read` walks an object's members once and takes
//! the ones it knows, as serde's `#[serde(default)]` did (absent: the
//! default; `null`: `None` where optional; of the wrong type: the item does
//! not read).

use crate::core::json::{self, Read, Reader};

/// One header as webRequest gives it: `value`, or Chromium's `binaryValue`
/// (bytes, read as Latin-1).
#[derive(Clone, Debug, Default)]
pub struct RawHeader {
    pub name: String,
    pub value: Option<String>,
    pub binary_value: Option<Vec<f64>>,
}

impl RawHeader {
    fn read(r: &mut Reader) -> Read<RawHeader> {
        let mut out = RawHeader::default();
        r.object(|r, k| {
            match k {
                "name" => out.name = r.owned()?,
                "value" => out.value = r.opt(Reader::owned)?,
                "binaryValue" => out.binary_value = r.opt(|r| r.list(Reader::number))?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }

    pub fn value_text(&self) -> String {
        if let Some(v) = &self.value {
            return v.clone();
        }
        match &self.binary_value {
            Some(bytes) => bytes.iter().map(|b| char::from((*b as i64 & 0xff) as u8)).collect(),
            None => String::new(),
        }
    }
}

/// The details of one webRequest event (both browsers' fields; each sets
/// some). Numbers are read as `f64` so that no value a browser sends can
/// fail the batch.
#[derive(Clone, Debug, Default)]
pub struct Details {
    pub request_id: Option<String>,
    pub tab_id: Option<f64>,
    pub frame_id: Option<f64>,
    pub document_id: Option<String>,
    pub url: String,
    pub method: Option<String>,
    /// `type`.
    pub resource_type: Option<String>,
    /// Chromium: the initiator's serialized origin (or `null`).
    pub initiator: Option<String>,
    /// Firefox: the URL of what started the request.
    pub origin_url: Option<String>,
    /// Firefox: the URL of the document the request belongs to.
    pub document_url: Option<String>,
    pub time_stamp: Option<f64>,
    pub request_headers: Option<Vec<RawHeader>>,
    pub response_headers: Option<Vec<RawHeader>>,
    pub status_code: Option<f64>,
    pub redirect_url: Option<String>,
    pub error: Option<String>,
    pub ip: Option<String>,
    pub from_cache: Option<bool>,
}

impl Details {
    fn read(r: &mut Reader) -> Read<Details> {
        let mut out = Details::default();
        r.object(|r, k| {
            match k {
                "requestId" => out.request_id = r.opt(Reader::owned)?,
                "tabId" => out.tab_id = r.opt(Reader::number)?,
                "frameId" => out.frame_id = r.opt(Reader::number)?,
                "documentId" => out.document_id = r.opt(Reader::owned)?,
                "url" => out.url = r.owned()?,
                "method" => out.method = r.opt(Reader::owned)?,
                "type" => out.resource_type = r.opt(Reader::owned)?,
                "initiator" => out.initiator = r.opt(Reader::owned)?,
                "originUrl" => out.origin_url = r.opt(Reader::owned)?,
                "documentUrl" => out.document_url = r.opt(Reader::owned)?,
                "timeStamp" => out.time_stamp = r.opt(Reader::number)?,
                "requestHeaders" => out.request_headers = r.opt(|r| r.list(RawHeader::read))?,
                "responseHeaders" => out.response_headers = r.opt(|r| r.list(RawHeader::read))?,
                "statusCode" => out.status_code = r.opt(Reader::number)?,
                "redirectUrl" => out.redirect_url = r.opt(Reader::owned)?,
                "error" => out.error = r.opt(Reader::owned)?,
                "ip" => out.ip = r.opt(Reader::owned)?,
                "fromCache" => out.from_cache = r.opt(Reader::flag)?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }

    pub fn tab(&self) -> i64 {
        self.tab_id.map_or(-1, |t| t as i64)
    }
    pub fn frame(&self) -> i64 {
        self.frame_id.map_or(-1, |f| f as i64)
    }
    pub fn rid(&self) -> &str {
        self.request_id.as_deref().unwrap_or("")
    }
    pub fn status(&self) -> Option<u16> {
        self.status_code.filter(|s| (0.0..=999.0).contains(s)).map(|s| s as u16)
    }
    pub fn method(&self) -> &str {
        self.method.as_deref().unwrap_or("GET")
    }
    pub fn wr_type(&self) -> &str {
        self.resource_type.as_deref().unwrap_or("other")
    }
}

/// Which webRequest event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ev {
    BeforeRequest,
    BeforeSendHeaders,
    SendHeaders,
    HeadersReceived,
    BeforeRedirect,
    ResponseStarted,
    Completed,
    ErrorOccurred,
}

/// A message of one frame's relay (`extension/relay.js`): its text is the
/// relay's JSON, read by `join`.
#[derive(Clone, Debug, Default)]
pub struct RelayMsg {
    pub tab: f64,
    pub frame: f64,
    /// Chromium: the sender's `documentId`.
    pub doc: Option<String>,
    pub json: String,
}

impl RelayMsg {
    fn read(r: &mut Reader) -> Read<RelayMsg> {
        let mut out = RelayMsg::default();
        r.object(|r, k| {
            match k {
                "tab" => out.tab = r.number()?,
                "frame" => out.frame = r.number()?,
                "doc" => out.doc = r.opt(Reader::owned)?,
                "json" => out.json = r.owned()?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// The answer to a sync request (`Output::syncs`): the relay's JSON, or
/// `none` when no relay answered (no content script in that document, or
/// the document is gone).
#[derive(Clone, Debug, Default)]
pub struct SyncReply {
    pub id: f64,
    pub json: Option<String>,
    pub none: bool,
}

impl SyncReply {
    fn read(r: &mut Reader) -> Read<SyncReply> {
        let mut out = SyncReply::default();
        r.object(|r, k| {
            match k {
                "id" => out.id = r.number()?,
                "json" => out.json = r.opt(Reader::owned)?,
                "none" => out.none = r.flag()?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// A tab and its URL (`tabs.query`), for attributing a service worker's
/// requests.
#[derive(Clone, Debug, Default)]
pub struct TabInfo {
    pub id: f64,
    pub url: Option<String>,
}

impl TabInfo {
    fn read(r: &mut Reader) -> Read<TabInfo> {
        let mut out = TabInfo::default();
        r.object(|r, k| {
            match k {
                "id" => out.id = r.number()?,
                "url" => out.url = r.opt(Reader::owned)?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Item {
    Web(Ev, Details),
    Relay(RelayMsg),
    Sync(SyncReply),
    Tabs(Vec<TabInfo>),
    TabClosed(i64),
    /// A kind this build does not know, or a payload that did not read.
    Skipped,
}

impl Item {
    /// One `[kind, payload]` item (more items after the payload are
    /// ignored). An unknown kind, or a known one without a payload, is
    /// `Skipped`; a payload that does not read is an error.
    fn read(r: &mut Reader) -> Read<Item> {
        let mut kind = None;
        let mut item = None;
        r.array(|r| {
            match (&kind, &item) {
                (None, _) => kind = Some(r.string()?),
                (Some(k), None) => item = Some(Item::payload(k, r)?),
                _ => r.skip()?,
            }
            Ok(())
        })?;
        if kind.is_none() {
            return Err(json::Error { at: 0, expected: "[kind, payload]" });
        }
        Ok(item.unwrap_or(Item::Skipped))
    }

    fn payload(kind: &str, r: &mut Reader) -> Read<Item> {
        let ev = match kind {
            "BR" => Ev::BeforeRequest,
            "BSH" => Ev::BeforeSendHeaders,
            "SH" => Ev::SendHeaders,
            "HR" => Ev::HeadersReceived,
            "RD" => Ev::BeforeRedirect,
            "RS" => Ev::ResponseStarted,
            "C" => Ev::Completed,
            "E" => Ev::ErrorOccurred,
            "hook" => return RelayMsg::read(r).map(Item::Relay),
            "sync" => return SyncReply::read(r).map(Item::Sync),
            "tabs" => return r.list(TabInfo::read).map(Item::Tabs),
            "closed" => return r.number().map(|t| Item::TabClosed(t as i64)),
            _ => {
                r.skip()?;
                return Ok(Item::Skipped);
            }
        };
        Details::read(r).map(|d| Item::Web(ev, d))
    }
}

/// Reads a batch, item by item: an item that does not read (or that this
/// build does not know) is skipped and counted. Never fails: text that is
/// not a JSON array is one skipped item.
pub fn parse_batch(text: &str) -> (Vec<Item>, usize) {
    let mut out = Vec::new();
    let mut skipped = 0;
    let whole = json::read_all(text, |r| {
        r.array(|r| {
            let at = r.mark();
            match Item::read(r) {
                Ok(Item::Skipped) => skipped += 1,
                Ok(item) => out.push(item),
                Err(_) => {
                    // Not this item's shape: past it (when it is JSON at all).
                    r.reset(at);
                    r.skip()?;
                    skipped += 1;
                }
            }
            Ok(())
        })
    });
    if whole.is_err() {
        return (Vec::new(), 1);
    }
    (out, skipped)
}

// ---------------------------------------------------------------------------
// The relay's JSON (extension/relay.js, hook.js).

/// One relay message: the records of one document's hook, `f..=m` in
/// sequence, and what the relay saw of elements.
#[derive(Clone, Debug, Default)]
pub struct RelayBatch {
    /// The stream: one per document, chosen by the relay at random.
    pub s: String,
    /// The first sequence number this message covers (records numbered
    /// below it were in earlier messages).
    pub f: f64,
    /// The mark: every record up to this number has now been sent.
    pub m: f64,
    /// The records.
    pub b: Vec<Record>,
    /// Element facts (load / error events the relay saw).
    pub e: Vec<ElementFact>,
    /// Elements still loading, by URL (only in answers to a sync).
    pub aw: Option<Vec<String>>,
    /// The first record the relay dropped (the page exceeded its budget):
    /// from there on, nothing more of this document is recorded.
    pub o: Option<f64>,
    /// Records dropped so far.
    pub d: f64,
    /// The document is going away (`pagehide`): nothing follows.
    pub x: bool,
}

/// A hook record. `o`: `c` a call, `s` its settlement, `r` a header read.
#[derive(Clone, Debug, Default)]
pub struct Record {
    /// Sequence number.
    pub s: f64,
    pub o: String,
    /// Settle / read: the call's sequence number.
    pub c: f64,
    /// Call: `fetch` or `xhr`.
    pub k: String,
    /// Call: the URL (absolute, fragment removed).
    pub u: String,
    /// Call: the method as given.
    pub m: String,
    pub md: Option<String>,
    pub cr: Option<String>,
    pub rd: Option<String>,
    /// Call: the headers the page set, secret values already redacted.
    pub h: Vec<(String, String)>,
    /// Call: where it was made.
    pub cs: Option<String>,
    /// Call: the page's origin.
    pub or: Option<String>,
    /// Whether the call rejected (fetch) / fired error or abort (XHR).
    pub rj: Option<bool>,
    /// Call: response header names read while the record was queued.
    pub rh: Vec<String>,
    /// Read: the header name.
    pub n: String,
}

/// An element's load or error, seen by the relay (trusted events only).
#[derive(Clone, Debug, Default)]
pub struct ElementFact {
    /// `img`, `script`, `link`, `video`, `audio`.
    pub t: String,
    pub u: String,
    /// The `crossorigin` attribute (None: absent).
    pub co: Option<String>,
    /// `<script type>` / `<link rel>`.
    pub ty: Option<String>,
    /// true: load (media: loadedmetadata), false: error.
    pub ok: bool,
}

impl RelayBatch {
    /// A relay message's text (`extension/relay.js`).
    pub fn parse(text: &str) -> Read<RelayBatch> {
        let mut out = RelayBatch::default();
        json::read_all(text, |r| r.object(|r, k| {
            match k {
                "s" => out.s = r.owned()?,
                "f" => out.f = r.number()?,
                "m" => out.m = r.number()?,
                "b" => out.b = r.list(Record::read)?,
                "e" => out.e = r.list(ElementFact::read)?,
                "aw" => out.aw = r.opt(|r| r.list(Reader::owned))?,
                "o" => out.o = r.opt(Reader::number)?,
                "d" => out.d = r.number()?,
                "x" => out.x = r.flag()?,
                _ => r.skip()?,
            }
            Ok(())
        }))?;
        Ok(out)
    }
}

impl Record {
    fn read(r: &mut Reader) -> Read<Record> {
        let mut out = Record::default();
        r.object(|r, k| {
            match k {
                "s" => out.s = r.number()?,
                "o" => out.o = r.owned()?,
                "c" => out.c = r.number()?,
                "k" => out.k = r.owned()?,
                "u" => out.u = r.owned()?,
                "m" => out.m = r.owned()?,
                "md" => out.md = r.opt(Reader::owned)?,
                "cr" => out.cr = r.opt(Reader::owned)?,
                "rd" => out.rd = r.opt(Reader::owned)?,
                "h" => out.h = r.list(|r| r.pair(Reader::owned, Reader::owned))?,
                "cs" => out.cs = r.opt(Reader::owned)?,
                "or" => out.or = r.opt(Reader::owned)?,
                "rj" => out.rj = r.opt(Reader::flag)?,
                "rh" => out.rh = r.list(Reader::owned)?,
                "n" => out.n = r.owned()?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

impl ElementFact {
    fn read(r: &mut Reader) -> Read<ElementFact> {
        let mut out = ElementFact::default();
        r.object(|r, k| {
            match k {
                "t" => out.t = r.owned()?,
                "u" => out.u = r.owned()?,
                "co" => out.co = r.opt(Reader::owned)?,
                "ty" => out.ty = r.opt(Reader::owned)?,
                "ok" => out.ok = r.flag()?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_read_item_by_item_when_one_is_bad() {
        let (items, skipped) = parse_batch(r#"[["SH",{"requestId":"1","url":"http://a/","tabId":3}],["SH",{"url":5}],["zz",1],["hook",{"tab":1,"frame":0,"json":"{}"}]]"#);
        assert_eq!(items.len(), 2);
        assert_eq!(skipped, 2);
        let (items, skipped) = parse_batch("not json");
        assert!(items.is_empty());
        assert_eq!(skipped, 1);
        let (items, _) = parse_batch(r#"[["SH",{"requestId":"1","url":"http://a/","requestHeaders":[{"name":"X","binaryValue":[99,97,102,233]}]}]]"#);
        match items.first() {
            Some(Item::Web(Ev::SendHeaders, d)) => {
                let h = d.request_headers.as_ref().and_then(|h| h.first()).map(RawHeader::value_text);
                assert_eq!(h.as_deref(), Some("caf\u{e9}"));
            }
            other => panic!("{other:?}"),
        }
    }
}
