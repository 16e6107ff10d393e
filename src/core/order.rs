//! Sorting for the engine's lists, in few instructions.
//!
//! Each call of the standard library's `sort`, `sort_by_key` or
//! `sort_unstable` (and each `collect` into a `BTreeMap` or `BTreeSet`, which
//! sorts first) instantiates a driftsort or an ipnsort for its element type:
//! 1 to 4 KiB of wasm each, 18 KiB in the background's module and 32 KiB in
//! the report's (measured with twiggy, issue 8). The lists sorted here are a
//! request's headers, a fix's changes, a stack's snippets, the ids a drain
//! finished: short, so the two algorithms below are the small ones, each a
//! few hundred bytes per element type.
//!
//! - [`sort_by_key`], [`sort`]: stable (equal keys keep their order), by
//!   insertion: quadratic, for lists of tens of items.
//! - [`sort_unstable`], [`sort_unstable_by_key`]: heapsort, `O(n log n)`
//!   whatever the input, for a list that may be long (the calls a drain
//!   finished, the preflight cache).

/// Sorts `v` stably by `key` (as `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    insertion(v, &mut |a, b| key(a) < key(b));
}

/// Sorts `v` stably (as `slice::sort`).
pub fn sort<T: Ord>(v: &mut [T]) {
    insertion(v, &mut |a, b| a < b);
}

/// Sorts `v`, equal items in any order (as `slice::sort_unstable`).
pub fn sort_unstable<T: Ord>(v: &mut [T]) {
    heapsort(v, &mut |a, b| a < b);
}

/// Sorts `v` by `key`, items of equal keys in any order (as
/// `slice::sort_unstable_by_key`).
pub fn sort_unstable_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    heapsort(v, &mut |a, b| key(a) < key(b));
}

fn heapsort<T>(v: &mut [T], less: &mut impl FnMut(&T, &T) -> bool) {
    let n = v.len();
    for root in (0..n / 2).rev() {
        sift_down(v, root, n, less);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end, less);
    }
}

/// Whether `v[i] < v[j]` by `less` (false for an index out of range, which
/// the callers never pass).
fn less_at<T>(v: &[T], i: usize, j: usize, less: &mut impl FnMut(&T, &T) -> bool) -> bool {
    match (v.get(i), v.get(j)) {
        (Some(a), Some(b)) => less(a, b),
        _ => false,
    }
}

fn insertion<T>(v: &mut [T], less: &mut impl FnMut(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less_at(v, j, j - 1, less) {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Restores the max-heap below `root` within `v[..end]`.
fn sift_down<T>(v: &mut [T], mut root: usize, end: usize, less: &mut impl FnMut(&T, &T) -> bool) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less_at(v, child, child + 1, less) {
            child += 1;
        }
        if !less_at(v, root, child, less) {
            return;
        }
        v.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_as_the_standard_library_does(mut v in proptest::collection::vec((0u8..6, any::<u16>()), 0..80)) {
            // Stable: by the first field only, the second keeps its order.
            let mut want = v.clone();
            want.sort_by_key(|p| p.0);
            let mut got = v.clone();
            sort_by_key(&mut got, |p| p.0);
            prop_assert_eq!(&got, &want);

            let mut want = v.clone();
            want.sort();
            let mut got = v.clone();
            sort(&mut got);
            prop_assert_eq!(&got, &want);

            let mut got = v.clone();
            sort_unstable_by_key(&mut got, |p| *p);
            prop_assert_eq!(&got, &want);

            sort_unstable(&mut v);
            prop_assert_eq!(&v, &want);
        }
    }

    #[test]
    fn sorts_a_long_list() {
        let mut v: Vec<u32> = (0..20_000u32).map(|i| i.wrapping_mul(2_654_435_761) % 1000).collect();
        let mut want = v.clone();
        want.sort_unstable();
        sort_unstable(&mut v);
        assert_eq!(v, want);
    }
}
