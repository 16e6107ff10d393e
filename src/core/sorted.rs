//! Ordered maps and sets kept as sorted vectors, for the engine's small
//! ordered collections: the webRequest join's (a stream's out-of-order
//! batches, the open calls and unpaired requests of one method and URL, the
//! syncs to plan, the pending rows per tab) and a message's parameters
//! (`report::message::Text`).
//!
//! `BTreeMap` and `BTreeSet` are the obvious choice, but each key and value
//! type instantiates their node code again: eight of them took 34 KiB of the
//! background's wasm, two 13 KiB of the report module's (issue 8). These
//! collections hold a handful of entries, where a binary search and a vector
//! insert are as fast, and their code is a few hundred bytes per type. Same order, same answers as the B-trees
//! (tests below).

use serde::{Serialize, Serializer};
use std::borrow::Borrow;

/// A map ordered by key (the subset of `BTreeMap`'s API the engine uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    pub fn new() -> Self {
        SortedMap(Vec::new())
    }
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }
    /// Inserts `value` at `key`; the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => self.0.get_mut(i).map(|slot| std::mem::replace(&mut slot.1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().and_then(|i| self.0.get(i)).map(|(_, v)| v)
    }
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.find(key).ok().and_then(|i| self.0.get_mut(i)).map(|(_, v)| v)
    }
    /// Applies `f` to the value at `key`, to `default` inserted there first
    /// when there is none (`*map.entry(key).or_insert(default)` updated).
    pub fn update(&mut self, key: K, default: V, f: impl FnOnce(&mut V)) {
        match self.find(&key) {
            Ok(i) => {
                if let Some((_, v)) = self.0.get_mut(i) {
                    f(v);
                }
            }
            Err(i) => {
                let mut v = default;
                f(&mut v);
                self.0.insert(i, (key, v));
            }
        }
    }
}

impl<K, V> SortedMap<K, V> {
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.into_iter()
    }
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// A JSON object, keys in order (as a `BTreeMap` serializes).
impl<K: Serialize, V: Serialize> Serialize for SortedMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// A JSON object read as a `BTreeMap` reads it (the full build's readers).
#[cfg(feature = "full")]
impl<'de, K: Ord + serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::Deserialize<'de> for SortedMap<K, V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = std::collections::BTreeMap::<K, V>::deserialize(d)?;
        Ok(SortedMap(m.into_iter().collect()))
    }
}

/// A set in order (the subset of `BTreeSet`'s API the join uses).
#[derive(Clone, Debug)]
pub struct SortedSet<K>(Vec<K>);

impl<K> Default for SortedSet<K> {
    fn default() -> Self {
        SortedSet(Vec::new())
    }
}

impl<K: Ord> SortedSet<K> {
    pub fn new() -> Self {
        SortedSet(Vec::new())
    }
    /// Whether `key` was not in the set.
    pub fn insert(&mut self, key: K) -> bool {
        match self.0.binary_search(&key) {
            Ok(_) => false,
            Err(i) => {
                self.0.insert(i, key);
                true
            }
        }
    }
    /// Whether `key` was in the set.
    pub fn remove(&mut self, key: &K) -> bool {
        match self.0.binary_search(key) {
            Ok(i) => {
                self.0.remove(i);
                true
            }
            Err(_) => false,
        }
    }
    pub fn contains(&self, key: &K) -> bool {
        self.0.binary_search(key).is_ok()
    }
}

impl<K> SortedSet<K> {
    pub fn iter(&self) -> std::slice::Iter<'_, K> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K> IntoIterator for SortedSet<K> {
    type Item = K;
    type IntoIter = std::vec::IntoIter<K>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, K> IntoIterator for &'a SortedSet<K> {
    type Item = &'a K;
    type IntoIter = std::slice::Iter<'a, K>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    proptest! {
        /// The same operations give the same answers and order as the B-trees.
        #[test]
        fn behave_as_the_btrees(ops in proptest::collection::vec((0u8..4, 0u8..12, any::<u16>()), 0..120)) {
            let (mut m, mut bm) = (SortedMap::new(), BTreeMap::new());
            let (mut s, mut bs) = (SortedSet::new(), BTreeSet::new());
            for (op, k, v) in ops {
                match op {
                    0 => {
                        prop_assert_eq!(m.insert(k, v), bm.insert(k, v));
                        prop_assert_eq!(s.insert(k), bs.insert(k));
                    }
                    1 => {
                        prop_assert_eq!(m.remove(&k), bm.remove(&k));
                        prop_assert_eq!(s.remove(&k), bs.remove(&k));
                    }
                    2 => {
                        m.update(k, v, |x| *x = x.wrapping_add(1));
                        let x = bm.entry(k).or_insert(v);
                        *x = x.wrapping_add(1);
                    }
                    _ => {
                        prop_assert_eq!(m.get(&k), bm.get(&k));
                        if let (Some(a), Some(b)) = (m.get_mut(&k), bm.get_mut(&k)) {
                            *a ^= v;
                            *b ^= v;
                        }
                        prop_assert_eq!(s.contains(&k), bs.contains(&k));
                    }
                }
                prop_assert_eq!(m.iter().collect::<Vec<_>>(), bm.iter().collect::<Vec<_>>());
                prop_assert_eq!(s.iter().collect::<Vec<_>>(), bs.iter().collect::<Vec<_>>());
                prop_assert_eq!((m.len(), s.len()), (bm.len(), bs.len()));
            }
            prop_assert_eq!(serde_json::to_string(&m).unwrap(), serde_json::to_string(&bm).unwrap());
            prop_assert_eq!(m.into_iter().collect::<Vec<_>>(), bm.into_iter().collect::<Vec<_>>());
        }
    }
}
