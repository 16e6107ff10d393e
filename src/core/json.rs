//! The engine's own JSON reader: the exchange model (`core::exchange`), and
//! what the extension's background feeds the adapter (`webrequest::events`,
//! the relay's records, the session's config and saved state).
//!
//! Not serde: in the background's wasm (`whycors_ext`) serde's derived
//! readers, serde_json's deserializer and the error texts they format (with
//! the float printer behind them) took about 30 KiB gzip -9 of 193 (issue
//! 8). This is a pull reader over the text, as fast as serde's derived
//! readers (no tree is built; a string is copied only when the caller keeps
//! it, and unescaped only when it has an escape). Each type's reader walks
//! its object's members once and reads the ones it knows the way
//! `#[serde(default)]` did: a member that is absent keeps its default, one
//! of the wrong type makes the whole value unreadable (`null` is `None` for
//! an optional member, wrong for any other), unknown ones are skipped.
//!
//! Any text reads or is refused with an [`Error`]; nothing panics; nesting
//! is limited to 128 levels (serde_json's limit). A lone UTF-16 surrogate
//! escape (`JSON.stringify` writes one for a lone surrogate) reads as
//! U+FFFD, where serde_json refused the whole value.

use std::borrow::Cow;

/// Why a text did not read: the byte offset and what was expected there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    pub at: usize,
    pub expected: &'static str,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "expected {} at byte {}", self.expected, self.at)
    }
}

/// What reading a value gives.
pub type Read<T> = Result<T, Error>;

const MAX_DEPTH: usize = 128;

/// A position to come back to ([`Reader::mark`], [`Reader::reset`]).
#[derive(Clone, Copy, Debug)]
pub struct Mark(usize, usize);

/// Reads JSON values one after another from a text.
pub struct Reader<'a> {
    s: &'a str,
    i: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    pub fn new(s: &'a str) -> Reader<'a> {
        Reader { s, i: 0, depth: 0 }
    }

    fn err(&self, expected: &'static str) -> Error {
        Error { at: self.i, expected }
    }
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn eat(&mut self, lit: &str) -> bool {
        if self.s.as_bytes().get(self.i..self.i + lit.len()) == Some(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }
    /// The text from `start` to here (always at char boundaries: the reader
    /// stops only at ASCII bytes).
    fn since(&self, start: usize) -> &'a str {
        self.s.get(start..self.i).unwrap_or("")
    }
    /// The next value's first byte (after whitespace), without reading it.
    pub fn next_byte(&mut self) -> Option<u8> {
        self.ws();
        self.peek()
    }

    pub fn mark(&self) -> Mark {
        Mark(self.i, self.depth)
    }
    pub fn reset(&mut self, m: Mark) {
        self.i = m.0;
        self.depth = m.1;
    }

    /// Nothing but whitespace is left.
    pub fn end(&mut self) -> Read<()> {
        self.ws();
        if self.i == self.s.len() {
            Ok(())
        } else {
            Err(self.err("the end of the text"))
        }
    }

    /// `null` is next (and is read).
    pub fn null(&mut self) -> bool {
        self.ws();
        self.eat("null")
    }

    /// The next value by `read`, `null` being `None` (an optional member).
    pub fn opt<T>(&mut self, read: impl FnOnce(&mut Self) -> Read<T>) -> Read<Option<T>> {
        if self.null() {
            Ok(None)
        } else {
            read(self).map(Some)
        }
    }

    pub fn flag(&mut self) -> Read<bool> {
        self.ws();
        if self.eat("true") {
            Ok(true)
        } else if self.eat("false") {
            Ok(false)
        } else {
            Err(self.err("true or false"))
        }
    }

    /// A number as written (checked against JSON's grammar).
    fn number_text(&mut self) -> Read<&'a str> {
        self.ws();
        let start = self.i;
        self.eat("-");
        if !self.eat("0") {
            self.digits()?;
        }
        if self.eat(".") {
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digits()?;
        }
        Ok(self.since(start))
    }
    fn digits(&mut self) -> Read<()> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.err("a digit"));
        }
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        Ok(())
    }

    pub fn number(&mut self) -> Read<f64> {
        let start = self.i;
        let n = self.number_text()?;
        super::float::parse(n).ok_or(Error { at: start, expected: "a number" })
    }

    /// A non-negative integer, every digit kept (no fraction or exponent).
    pub fn integer(&mut self) -> Read<u64> {
        let start = self.i;
        let n = self.number_text()?;
        n.parse().map_err(|_| Error { at: start, expected: "a non-negative integer" })
    }

    /// A non-negative integer that fits `T` (`u16`, `u32`).
    pub fn integer_in<T: TryFrom<u64>>(&mut self) -> Read<T> {
        self.ws();
        let start = self.i;
        let n = self.integer()?;
        T::try_from(n).map_err(|_| Error { at: start, expected: "a smaller integer" })
    }

    /// An error here: `expected` was not found.
    pub fn error(&self, expected: &'static str) -> Error {
        self.err(expected)
    }

    /// A string: borrowed from the text when it has no escape.
    pub fn string(&mut self) -> Read<Cow<'a, str>> {
        self.ws();
        if !self.eat("\"") {
            return Err(self.err("a string"));
        }
        let start = self.i;
        self.plain_run();
        match self.peek() {
            Some(b'"') => {
                let s = self.since(start);
                self.i += 1;
                return Ok(Cow::Borrowed(s));
            }
            Some(b'\\') => {}
            Some(_) => return Err(self.err("no control character in a string")),
            None => return Err(self.err("the end of the string")),
        }
        let mut out = String::from(self.since(start));
        loop {
            match self.peek() {
                None => return Err(self.err("the end of the string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.peek();
                    self.i += 1;
                    match c {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let u = self.hex4()?;
                            out.push(self.code_point(u)?);
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err("an escape"));
                        }
                    }
                }
                Some(c) if c < 0x20 => return Err(self.err("no control character in a string")),
                Some(_) => {
                    let run = self.i;
                    self.plain_run();
                    out.push_str(self.since(run));
                }
            }
        }
    }

    /// An owned string.
    pub fn owned(&mut self) -> Read<String> {
        self.string().map(Cow::into_owned)
    }

    /// Past the bytes that stand for themselves in a string.
    fn plain_run(&mut self) {
        let rest = self.s.as_bytes().get(self.i..).unwrap_or(&[]);
        self.i += rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(rest.len());
    }

    fn hex4(&mut self) -> Read<u32> {
        let h = self.s.get(self.i..self.i + 4).ok_or(self.err("four hex digits"))?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.err("four hex digits"));
        }
        self.i += 4;
        u32::from_str_radix(h, 16).map_err(|_| self.err("four hex digits"))
    }

    /// The character of a `\uXXXX` escape (after it): a high surrogate joins
    /// the low one escaped right after it; a lone surrogate is U+FFFD.
    fn code_point(&mut self, u: u32) -> Read<char> {
        if (0xD800..0xDC00).contains(&u) {
            let back = self.i;
            if self.eat("\\u") {
                let lo = self.hex4()?;
                if (0xDC00..0xE000).contains(&lo) {
                    return Ok(char::from_u32(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)).unwrap_or('\u{FFFD}'));
                }
                self.i = back;
            }
        }
        Ok(char::from_u32(u).unwrap_or('\u{FFFD}'))
    }

    fn enter(&mut self, open: &str, what: &'static str) -> Read<()> {
        self.ws();
        if !self.eat(open) {
            return Err(self.err(what));
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.err("less nesting"));
        }
        self.depth += 1;
        Ok(())
    }

    /// `open`, items separated by commas (each read by `item`), `close`.
    fn delimited(&mut self, open: &str, close: &str, what: &'static str, mut item: impl FnMut(&mut Self) -> Read<()>) -> Read<()> {
        self.enter(open, what)?;
        self.ws();
        if !self.eat(close) {
            loop {
                item(self)?;
                self.ws();
                if self.eat(close) {
                    break;
                }
                if !self.eat(",") {
                    return Err(self.err("',' or the end of the list"));
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// An object, each member given to `member` with its name (`member`
    /// reads the value, or [`Reader::skip`]s it).
    pub fn object(&mut self, mut member: impl FnMut(&mut Self, &str) -> Read<()>) -> Read<()> {
        self.delimited("{", "}", "an object", |r| {
            let key = r.string()?;
            r.ws();
            if !r.eat(":") {
                return Err(r.err("':'"));
            }
            member(r, &key)
        })
    }

    /// An array, each item given to `item` (which reads it, or skips it).
    pub fn array(&mut self, item: impl FnMut(&mut Self) -> Read<()>) -> Read<()> {
        self.delimited("[", "]", "an array", item)
    }

    /// An array, each item read by `item`.
    pub fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Read<T>) -> Read<Vec<T>> {
        let mut out = Vec::new();
        self.array(|r| {
            out.push(item(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// A pair written as a two-item array, e.g. `["name", "value"]`.
    pub fn pair<A, B>(
        &mut self,
        first: impl FnOnce(&mut Self) -> Read<A>,
        second: impl FnOnce(&mut Self) -> Read<B>,
    ) -> Read<(A, B)> {
        self.enter("[", "a pair")?;
        let a = first(self)?;
        self.ws();
        if !self.eat(",") {
            return Err(self.err("a pair"));
        }
        let b = second(self)?;
        self.ws();
        if !self.eat("]") {
            return Err(self.err("a pair"));
        }
        self.depth -= 1;
        Ok((a, b))
    }

    /// The next value's text, as written (it must be well-formed JSON).
    pub fn raw(&mut self) -> Read<&'a str> {
        self.ws();
        let start = self.i;
        self.skip()?;
        Ok(self.since(start))
    }

    /// Past the next value, which must be well-formed JSON.
    pub fn skip(&mut self) -> Read<()> {
        match self.next_byte() {
            Some(b'{') => self.object(|r, _| r.skip()),
            Some(b'[') => self.array(Reader::skip),
            Some(b'"') => self.string().map(drop),
            Some(b't' | b'f') => self.flag().map(drop),
            Some(b'n') if self.null() => Ok(()),
            Some(b'-' | b'0'..=b'9') => self.number_text().map(drop),
            _ => Err(self.err("a value")),
        }
    }
}

/// One of a closed set of names (an enum written as a string): the item of
/// `all` that `name` gives the string read.
pub fn variant<T: Copy>(r: &mut Reader, all: &[T], name: fn(T) -> &'static str) -> Read<T> {
    let m = r.mark();
    let s = r.string()?;
    all.iter().copied().find(|v| name(*v) == s).ok_or_else(|| {
        r.reset(m);
        r.err("a known name")
    })
}

/// A whole text read by `read` (whitespace around it only).
pub fn read_all<'a, T>(text: &'a str, read: impl FnOnce(&mut Reader<'a>) -> Read<T>) -> Read<T> {
    let mut r = Reader::new(text);
    let v = read(&mut r)?;
    r.end()?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value as V;

    /// Any value, as serde_json's tree (for comparing the two readers).
    fn value(r: &mut Reader) -> Read<V> {
        Ok(match r.next_byte() {
            Some(b'{') => {
                let mut m = serde_json::Map::new();
                r.object(|r, k| {
                    m.insert(k.to_string(), value(r)?);
                    Ok(())
                })?;
                V::Object(m)
            }
            Some(b'[') => V::Array(r.list(value)?),
            Some(b'"') => V::String(r.owned()?),
            Some(b't' | b'f') => V::Bool(r.flag()?),
            Some(b'n') if r.null() => V::Null,
            _ => {
                let n = r.number_text()?;
                match (n.parse::<i64>(), n.parse::<u64>(), n.parse::<f64>()) {
                    (Ok(i), _, _) => serde_json::json!(i),
                    (_, Ok(u), _) => serde_json::json!(u),
                    (_, _, Ok(f)) => serde_json::json!(f),
                    _ => return Err(r.err("a number")),
                }
            }
        })
    }

    #[test]
    fn reads_what_json_stringify_writes() {
        let text = r#" {"a":[1,-2.5e3,true,false,null],"b":"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","c":{},"d":"plain é"} "#;
        let v = read_all(text, value).unwrap();
        assert_eq!(v["a"], serde_json::json!([1, -2500.0, true, false, null]));
        assert_eq!(v["b"], "x\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{1F600}");
        assert_eq!(v["d"], "plain é");
        // Borrowed when there is no escape.
        assert!(matches!(Reader::new(r#""plain é""#).string(), Ok(Cow::Borrowed("plain é"))));
        // Integers keep every digit.
        assert_eq!(Reader::new("18446744073709551615").integer(), Ok(u64::MAX));
        assert!(Reader::new("1.5").integer().is_err());
        // Lone surrogates (JSON.stringify escapes them) read as U+FFFD.
        assert_eq!(Reader::new(r#""a\ud800b\udc00\ud800\u0041""#).owned().unwrap(), "a\u{FFFD}b\u{FFFD}\u{FFFD}A");
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "", " ", "[", "[1,]", "{\"a\"}", "{\"a\":1,}", "01", "1.", "-", ".5", "1e", "+1", "\"a", "\"\\x\"", "\"\\u12\"",
            "\"a\u{1}\"", "tru", "nul", "[1] x", "{a:1}", "'a'", "NaN", "Infinity",
        ] {
            assert!(read_all(bad, Reader::skip).is_err(), "{bad:?} read");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(read_all(&deep, Reader::skip).unwrap_err().expected, "less nesting");
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(read_all(&ok, Reader::skip).is_ok());
    }

    #[test]
    fn typed_reads() {
        assert_eq!(Reader::new(r#" "x" "#).owned(), Ok("x".to_string()));
        assert_eq!(Reader::new("3").number(), Ok(3.0));
        assert_eq!(Reader::new("true").flag(), Ok(true));
        assert_eq!(Reader::new("null").opt(Reader::owned), Ok(None));
        assert_eq!(Reader::new("\"y\"").opt(Reader::owned), Ok(Some("y".to_string())));
        assert!(Reader::new("null").owned().is_err(), "null is not a string");
        assert!(Reader::new("5").owned().is_err());
        assert!(Reader::new("\"5\"").number().is_err());
        assert_eq!(Reader::new(r#"["a","b"]"#).pair(Reader::owned, Reader::owned), Ok(("a".to_string(), "b".to_string())));
        assert!(Reader::new(r#"["c"]"#).pair(Reader::owned, Reader::owned).is_err());
        assert!(Reader::new(r#"["a","b","c"]"#).pair(Reader::owned, Reader::owned).is_err());
        assert_eq!(Reader::new(r#"[1, 2.5]"#).list(Reader::number), Ok(vec![1.0, 2.5]));
        // Members in order, unknown ones skipped; after a failed read, back
        // to the mark and past the value.
        let mut r = Reader::new(r#"[{"a":1,"b":{"x":[1]},"c":"z"}, 7]"#);
        let mut seen = Vec::new();
        let mut n = 0;
        r.array(|r| {
            n += 1;
            let at = r.mark();
            if r.object(|r, k| {
                seen.push(k.to_string());
                r.skip()
            })
            .is_err()
            {
                r.reset(at);
                r.skip()?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!((seen, n), (vec!["a".to_string(), "b".to_string(), "c".to_string()], 2));
        assert!(r.end().is_ok());
    }

    proptest! {
        /// Whatever serde_json reads, this reads to the same value; whatever
        /// it refuses, this refuses (lone surrogates and out-of-range
        /// numbers aside); nothing panics.
        #[test]
        fn agrees_with_serde_json(text in r#"[\[\]{}",:0-9.eE+\- a-z\\u]{0,40}"#) {
            let ours = read_all(&text, value);
            let valid = read_all(&text, Reader::skip).is_ok();
            match serde_json::from_str::<V>(&text) {
                Ok(v) => {
                    let ours = ours.unwrap();
                    prop_assert!(valid);
                    prop_assert!(close(&ours, &v), "{:?}: {} against {}", text, ours, v);
                }
                Err(e) => {
                    if !text.contains("\\u") && !e.to_string().contains("out of range") {
                        prop_assert!(ours.is_err() && !valid, "{:?} read", text);
                    }
                }
            }
        }

        #[test]
        fn values_serde_json_writes_read_back(v in any_value()) {
            let text = serde_json::to_string(&v).unwrap();
            prop_assert_eq!(read_all(&text, value).unwrap(), v);
        }
    }

    /// Equal, floats within an ulp or so: serde_json's float parsing
    /// (without `float_roundtrip`) may be off by one where std's is exact.
    fn close(a: &V, b: &V) -> bool {
        match (a, b) {
            (V::Number(x), V::Number(y)) => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                x == y || (x - y).abs() <= x.abs().max(y.abs()) * 1e-15
            }
            (V::Array(x), V::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| close(a, b)),
            (V::Object(x), V::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w))),
            _ => a == b,
        }
    }

    fn any_value() -> impl Strategy<Value = V> {
        let leaf = prop_oneof![
            Just(V::Null),
            any::<bool>().prop_map(V::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|n| serde_json::json!(n)),
            ".*".prop_map(V::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(V::Array),
                proptest::collection::btree_map(".*", inner, 0..6).prop_map(|m| V::Object(m.into_iter().collect())),
            ]
        })
    }
}
