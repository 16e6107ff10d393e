//! What the extension's background feeds the adapter: webRequest event
//! details as the browser gave them, the relay's messages (the page's calls,
//! its elements), the answers to sync requests, and a few facts about tabs.
//!
//! A batch is a JSON array of items, each `[kind, payload]`, in the order
//! the background received them (that order is evidence: see `join`).
//! Unknown kinds and fields are ignored; an item that does not read is
//! skipped and counted, never fatal.

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// One header as webRequest gives it: `value`, or Chromium's `binaryValue`
/// (bytes, read as Latin-1).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawHeader {
    pub name: String,
    pub value: Option<String>,
    pub binary_value: Option<Vec<f64>>,
}

impl RawHeader {
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
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Details {
    pub request_id: Option<String>,
    pub tab_id: Option<f64>,
    pub frame_id: Option<f64>,
    pub document_id: Option<String>,
    pub url: String,
    pub method: Option<String>,
    #[serde(rename = "type")]
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
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RelayMsg {
    pub tab: f64,
    pub frame: f64,
    /// Chromium: the sender's `documentId`.
    pub doc: Option<String>,
    pub json: String,
}

/// The answer to a sync request (`Output::syncs`): the relay's JSON, or
/// `none` when no relay answered (no content script in that document, or
/// the document is gone).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SyncReply {
    pub id: f64,
    pub json: Option<String>,
    pub none: bool,
}

/// A tab and its URL (`tabs.query`), for attributing a service worker's
/// requests.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TabInfo {
    pub id: f64,
    pub url: Option<String>,
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

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Item;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("[kind, payload]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Item, A::Error> {
                let kind: String = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let ev = match kind.as_str() {
                    "BR" => Some(Ev::BeforeRequest),
                    "BSH" => Some(Ev::BeforeSendHeaders),
                    "SH" => Some(Ev::SendHeaders),
                    "HR" => Some(Ev::HeadersReceived),
                    "RD" => Some(Ev::BeforeRedirect),
                    "RS" => Some(Ev::ResponseStarted),
                    "C" => Some(Ev::Completed),
                    "E" => Some(Ev::ErrorOccurred),
                    _ => None,
                };
                let item = if let Some(ev) = ev {
                    seq.next_element::<Details>()?.map(|d| Item::Web(ev, d))
                } else {
                    match kind.as_str() {
                        "hook" => seq.next_element::<RelayMsg>()?.map(Item::Relay),
                        "sync" => seq.next_element::<SyncReply>()?.map(Item::Sync),
                        "tabs" => seq.next_element::<Vec<TabInfo>>()?.map(Item::Tabs),
                        "closed" => seq.next_element::<f64>()?.map(|t| Item::TabClosed(t as i64)),
                        _ => {
                            seq.next_element::<IgnoredAny>()?;
                            Some(Item::Skipped)
                        }
                    }
                };
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(item.unwrap_or(Item::Skipped))
            }
        }
        d.deserialize_seq(V)
    }
}

/// Reads a batch: fast when every item reads, item by item (skipping what
/// does not) when one does not. Never fails: text that is not a JSON array
/// is one skipped item.
pub fn parse_batch(text: &str) -> (Vec<Item>, usize) {
    if let Ok(items) = serde_json::from_str::<Vec<Item>>(text) {
        let skipped = items.iter().filter(|i| matches!(i, Item::Skipped)).count();
        return (items, skipped);
    }
    let Ok(values) = serde_json::from_str::<Vec<serde_json::Value>>(text) else {
        return (Vec::new(), 1);
    };
    let mut out = Vec::with_capacity(values.len());
    let mut skipped = 0;
    for v in values {
        // Each item re-read from its text rather than `from_value`: one
        // deserializer (from text) for every type keeps the wasm small.
        let Ok(text) = serde_json::to_string(&v) else {
            skipped += 1;
            continue;
        };
        match serde_json::from_str::<Item>(&text) {
            Ok(Item::Skipped) | Err(_) => skipped += 1,
            Ok(item) => out.push(item),
        }
    }
    (out, skipped)
}

// ---------------------------------------------------------------------------
// The relay's JSON (extension/relay.js, hook.js).

/// One relay message: the records of one document's hook, `f..=m` in
/// sequence, and what the relay saw of elements.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
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
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
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
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
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
