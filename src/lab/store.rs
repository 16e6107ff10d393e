//! The record store: shared by the three origins, in arrival order, bounded.

use crate::labrecord::{Record, Sent};
use std::collections::VecDeque;
use std::sync::Mutex;

/// How many records the lab keeps; older ones are forgotten first.
pub const MAX_RECORDS: usize = 10_000;

pub struct Store {
    inner: Mutex<Inner>,
    cap: usize,
}

struct Inner {
    next_seq: u64,
    records: VecDeque<Record>,
}

impl Store {
    pub fn new(cap: usize) -> Store {
        Store { inner: Mutex::new(Inner { next_seq: 1, records: VecDeque::new() }), cap: cap.max(1) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere must not take the lab down: use the data anyway.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a record, giving it the next sequence number, which it returns.
    pub fn push(&self, mut r: Record) -> u64 {
        let mut g = self.lock();
        let seq = g.next_seq;
        g.next_seq += 1;
        r.seq = seq;
        g.records.push_back(r);
        while g.records.len() > self.cap {
            g.records.pop_front();
        }
        seq
    }

    pub fn set_sent(&self, seq: u64, sent: Sent) {
        let mut g = self.lock();
        // Sequence numbers increase along the deque: search from the back.
        if let Some(r) = g.records.iter_mut().rev().find(|r| r.seq == seq) {
            r.sent = Some(sent);
        }
    }

    pub fn list(&self, tag: Option<&str>) -> Vec<Record> {
        let g = self.lock();
        g.records.iter().filter(|r| tag.is_none() || r.tag.as_deref() == tag).cloned().collect()
    }

    /// Clears every record, or those of one tag; returns how many went.
    pub fn clear(&self, tag: Option<&str>) -> usize {
        let mut g = self.lock();
        let before = g.records.len();
        match tag {
            None => g.records.clear(),
            Some(t) => g.records.retain(|r| r.tag.as_deref() != Some(t)),
        }
        before - g.records.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_ordered() {
        let s = Store::new(3);
        for i in 0..5 {
            let tag = if i % 2 == 0 { "a" } else { "b" };
            s.push(Record { tag: Some(tag.into()), ..Record::default() });
        }
        let all = s.list(None);
        assert_eq!(all.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(s.list(Some("a")).len(), 2);
        s.set_sent(4, Sent { status: 201, ..Sent::default() });
        assert_eq!(s.list(Some("b"))[0].sent.as_ref().map(|x| x.status), Some(201));
        assert_eq!(s.clear(Some("a")), 2);
        assert_eq!(s.list(None).len(), 1);
    }
}
