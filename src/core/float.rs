//! Decimal text to the nearest `f64` (ties to even): what `str::parse::<f64>`
//! returns, for the same texts, without its tables.
//!
//! The standard library's parser (Eisel-Lemire) carries a 10 KiB table of
//! powers of five, about 9 KiB gzip -9 of the background's wasm module, whose
//! budget is 150 KiB (issue 8). The engine reads few numbers (the JSON
//! reader's, `Access-Control-Max-Age`) and almost all of them take the exact
//! fast path below: at most 19 significant digits, a mantissa up to 2^53 and
//! a power of ten up to 10^22 are exact in `f64`, so one multiplication or
//! division rounds correctly (Clinger). The rest is done exactly with big
//! integers: the value as a fraction, its quotient to 53 bits, and the
//! remainder decides the rounding. Checked against `str::parse::<f64>` in
//! the tests below (random texts and doubles, halfway cases, subnormals).

/// Significant digits kept; the rest only say whether they were all zeros.
/// 768 are enough to decide the rounding of any `f64`.
const MAX_DIGITS: usize = 800;

/// 10^0 ..= 10^22, each exact in `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// `s` as `str::parse::<f64>` reads it: an optional sign, then `inf`,
/// `infinity` or `nan` (any case), or digits with an optional point and
/// exponent (`1`, `1.5`, `.5`, `5.`, `1e-3`). None where it returns an error.
pub fn parse(s: &str) -> Option<f64> {
    let (negative, body) = match s.as_bytes().split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s.as_bytes()),
    };
    let v = if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        f64::INFINITY
    } else if body.eq_ignore_ascii_case(b"nan") {
        f64::NAN
    } else {
        decimal(body)?
    };
    Some(if negative { -v } else { v })
}

/// Unsigned decimal text: the value is `digits × 10^exp`.
fn decimal(b: &[u8]) -> Option<f64> {
    let mut digits: Vec<u8> = Vec::new();
    let mut exp: i64 = 0;
    let mut seen = false;
    let mut dropped = false;
    let mut i = 0;
    let mut fraction = false;
    loop {
        match b.get(i) {
            Some(c @ b'0'..=b'9') => {
                seen = true;
                let d = c - b'0';
                if digits.is_empty() && d == 0 {
                    // a leading zero: only the place counts
                    if fraction {
                        exp -= 1;
                    }
                } else if digits.len() < MAX_DIGITS {
                    digits.push(d);
                    if fraction {
                        exp -= 1;
                    }
                } else {
                    dropped |= d != 0;
                    if !fraction {
                        exp += 1;
                    }
                }
            }
            Some(b'.') if !fraction => fraction = true,
            _ => break,
        }
        i += 1;
    }
    if !seen {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let negative = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut e: i64 = 0;
        let mut any = false;
        while let Some(c @ b'0'..=b'9') = b.get(i) {
            any = true;
            e = (e * 10 + i64::from(c - b'0')).min(1_000_000_000);
            i += 1;
        }
        if !any {
            return None;
        }
        exp += if negative { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    if dropped {
        // Just above the digits kept, and below the next value they could
        // write: enough to round as the whole text would.
        digits.push(1);
        exp -= 1;
    }
    while digits.last() == Some(&0) {
        digits.pop();
        exp += 1;
    }
    if digits.is_empty() {
        return Some(0.0);
    }
    let n = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    // value in [10^(exp+n-1), 10^(exp+n))
    if exp + n - 1 > 309 {
        return Some(f64::INFINITY);
    }
    if exp + n <= -324 {
        return Some(0.0); // under half the smallest subnormal
    }
    if digits.len() <= 19 {
        let w = digits.iter().fold(0u64, |w, &d| w * 10 + u64::from(d));
        if w <= 1 << 53 {
            if let Some(&p) = usize::try_from(exp.unsigned_abs()).ok().and_then(|e| POW10.get(e)) {
                return Some(if exp >= 0 { w as f64 * p } else { w as f64 / p });
            }
        }
    }
    Some(exact(&digits, exp))
}

/// `digits × 10^exp`, correctly rounded, with big integers.
fn exact(digits: &[u8], exp: i64) -> f64 {
    let mut num = Big::from_digits(digits);
    let mut den = Big(vec![1]);
    let m = u32::try_from(exp.unsigned_abs()).unwrap_or(u32::MAX);
    if exp >= 0 {
        num.mul_pow10(m);
    } else {
        den.mul_pow10(m);
    }
    // q = floor(num × 2^k / den) in [2^52, 2^53); the value is q × 2^-k.
    // With num of a bits and den of b, num / den lies in (2^(a-b-1),
    // 2^(a-b+1)): k = 53 - (a - b) gives q in [2^52, 2^54), and one step
    // down when q >= 2^53.
    let bits = |b: &Big| i64::try_from(b.bit_len()).unwrap_or(i64::MAX);
    let mut k = 53 - (bits(&num) - bits(&den));
    let (mut q, mut r, mut d) = quotient(&num, &den, k);
    if q >= 1 << 53 {
        k -= 1;
        (q, r, d) = quotient(&num, &den, k);
    }
    if k > 1074 {
        // subnormal: fewer bits
        k = 1074;
        (q, r, d) = quotient(&num, &den, k);
    }
    // round to nearest, ties to even
    r.shl(1);
    match r.cmp(&d) {
        std::cmp::Ordering::Greater => q += 1,
        std::cmp::Ordering::Equal if q & 1 == 1 => q += 1,
        _ => {}
    }
    if q == 1 << 53 {
        q = 1 << 52;
        k -= 1;
    }
    let e2 = -k;
    if e2 > 971 {
        return f64::INFINITY;
    }
    q as f64 * pow2(e2)
}

/// 2^e for e in [-1074, 1023].
fn pow2(e: i64) -> f64 {
    if e >= -1022 {
        f64::from_bits(u64::try_from(e + 1023).unwrap_or(0) << 52)
    } else {
        f64::from_bits(1u64 << u64::try_from(e + 1074).unwrap_or(0))
    }
}

/// floor(num × 2^k / den) (below 2^54 for the k chosen), the remainder, and
/// the divisor it is a remainder of.
fn quotient(num: &Big, den: &Big, k: i64) -> (u64, Big, Big) {
    let mut n = num.clone();
    let mut d = den.clone();
    let shift = u32::try_from(k.unsigned_abs()).unwrap_or(u32::MAX);
    if k >= 0 {
        n.shl(shift);
    } else {
        d.shl(shift);
    }
    let mut q = 0u64;
    let mut step = d.clone();
    step.shl(54);
    for bit in (0..=54).rev() {
        if n.cmp(&step) != std::cmp::Ordering::Less {
            n.sub(&step);
            q |= 1 << bit;
        }
        step.shr1();
    }
    (q, n, d)
}

/// An unsigned big integer, 32-bit limbs, least significant first, no
/// leading zero limbs.
#[derive(Clone, Debug)]
struct Big(Vec<u32>);

impl Big {
    fn from_digits(digits: &[u8]) -> Big {
        let mut b = Big(Vec::new());
        for chunk in digits.chunks(9) {
            let mut v = 0u32;
            for &d in chunk {
                v = v * 10 + u32::from(d);
            }
            b.mul_add(10u32.pow(u32::try_from(chunk.len()).unwrap_or(0)), v);
        }
        b
    }

    fn mul_add(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for x in &mut self.0 {
            let v = u64::from(*x) * u64::from(m) + carry;
            *x = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut e: u32) {
        while e >= 9 {
            self.mul_add(1_000_000_000, 0);
            e -= 9;
        }
        if e > 0 {
            self.mul_add(10u32.pow(e), 0);
        }
    }

    fn bit_len(&self) -> u64 {
        match self.0.last() {
            Some(&top) => (self.0.len() as u64 - 1) * 32 + u64::from(32 - top.leading_zeros()),
            None => 0,
        }
    }

    fn shl(&mut self, bits: u32) {
        if self.0.is_empty() {
            return;
        }
        let limbs = (bits / 32) as usize;
        let rest = bits % 32;
        if rest > 0 {
            let mut carry = 0u32;
            for x in &mut self.0 {
                let v = *x;
                *x = (v << rest) | carry;
                carry = v >> (32 - rest);
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        if limbs > 0 {
            self.0.splice(0..0, std::iter::repeat_n(0, limbs));
        }
    }

    fn shr1(&mut self) {
        let mut carry = 0u32;
        for x in self.0.iter_mut().rev() {
            let v = *x;
            *x = (v >> 1) | carry;
            carry = v << 31;
        }
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// self - other, for self >= other.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, x) in self.0.iter_mut().enumerate() {
            let v = i64::from(*x) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            borrow = i64::from(v < 0);
            *x = (v + (borrow << 32)) as u32;
        }
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use proptest::prelude::*;

    fn same(s: &str) {
        let want = s.parse::<f64>().ok();
        let got = parse(s);
        match (want, got) {
            (Some(a), Some(b)) => assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()), "{s}: std {a:e}, ours {b:e}"),
            (a, b) => assert_eq!(a.is_some(), b.is_some(), "{s}: std {a:?}, ours {b:?}"),
        }
    }

    #[test]
    fn agrees_with_std_on_hard_cases() {
        for s in [
            "0", "-0", "0.0", "00", "1", "-1", "+1", "1.", ".5", "5.", ".", "", "-", "+", "e5", "1e", "1e+", "1e-", "1.5e3",
            "1E3", "1e-3", "0.1", "0.3", "123456789012345678901234567890", "9007199254740992", "9007199254740993",
            "9007199254740994", "9007199254740995", "2.2250738585072011e-308", "2.2250738585072014e-308",
            "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-324", "1e-400",
            "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "1e400", "inf",
            "-Infinity", "NaN", "nan", "infinity", "infinit", "1_0", "1 ", " 1", "0x10", "1e99999999999999999999",
            "1e-99999999999999999999", "1796243935789.0", "1733241234567.8912", "1796243935789.123456789",
            "0.000000000000000000000000000000000000001", "7.2057594037927933e16", "8.98846567431158e307",
            "5e-324", "3e-324", "2e-324", "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124", "1.00000000000000011102230246251565404236316680908203126",
        ] {
            same(s);
        }
        // A halfway value written with more digits than are kept, then a far
        // non-zero digit: it decides the rounding.
        let half = format!("1.00000000000000011102230246251565404236316680908203125{}", "0".repeat(900));
        same(&half);
        same(&format!("{half}1"));
        same(&format!("9{}e-700", "9".repeat(1000)));
        same(&format!("0.{}1", "0".repeat(1000)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn agrees_with_std_on_every_double_as_written(bits in any::<u64>()) {
            let x = f64::from_bits(bits);
            for s in [format!("{x}"), format!("{x:e}"), format!("{x:.3e}"), format!("{x:.16e}"), format!("{x:.25e}")] {
                same(&s);
            }
        }

        #[test]
        fn agrees_with_std_on_decimal_texts(int in "[0-9]{0,30}", frac in proptest::option::of("[0-9]{0,30}"), e in proptest::option::of(-400i32..400)) {
            let mut s = int;
            if let Some(f) = frac {
                s.push('.');
                s.push_str(&f);
            }
            if let Some(e) = e {
                s.push_str(&format!("e{e}"));
            }
            same(&s);
        }
    }
}
