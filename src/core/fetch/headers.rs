//! Header-value parsing as the Fetch Standard and RFC 9110 define it:
//! HTTP whitespace, tokens, and "extracting header list values" for the
//! `#method` / `#field-name` lists of `Access-Control-Allow-Methods` and
//! `Access-Control-Allow-Headers`.
//!
//! It is also the one place where a header list is looked up: [`Header`]
//! (one line as observed) and [`HeaderList`] (by name, case-insensitively:
//! the lines, the first line, the Fetch Standard's "get" with each value
//! OWS-trimmed, and the comma-separated items of every line). Nothing else
//! in the crate parses header lists.

#[cfg(feature = "full")]
use serde::Deserialize;
use serde::Serialize;
use std::borrow::Cow;

/// One HTTP header line, as observed. Names keep their case; values keep
/// their bytes (as far as the source kept them). Lists of these keep order and
/// repeats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl Header {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Header { name: name.into(), value: value.into() }
    }
}

/// Case-insensitive lookups over a header list (`[Header]`, and so
/// `Vec<Header>`). Names match as [`name_is`] says.
pub trait HeaderList {
    /// Every line's value of header `name`, in order, as observed (untrimmed).
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + Clone + 'a;
    /// The first line's value, as observed (untrimmed).
    fn first_value<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.values(name).next()
    }
    /// The first line's value, OWS-trimmed, None when absent or empty.
    fn first_trimmed<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.first_value(name).map(trim_ows).filter(|v| !v.is_empty())
    }
    /// How many lines named `name`.
    fn count(&self, name: &str) -> usize;
    fn has(&self, name: &str) -> bool {
        self.count(name) > 0
    }
    /// The Fetch Standard's "get": every line's value, OWS-trimmed, joined
    /// with ", "; None when there is no such line. Borrowed for one line.
    fn combined<'a>(&'a self, name: &'a str) -> Option<Cow<'a, str>> {
        let mut out: Option<Cow<'a, str>> = None;
        for v in self.values(name) {
            let v = trim_ows(v);
            out = Some(match out {
                None => Cow::Borrowed(v),
                Some(prev) => {
                    let mut s = prev.into_owned();
                    s.push_str(", ");
                    s.push_str(v);
                    Cow::Owned(s)
                }
            });
        }
        out
    }
    /// The items of every line (`#rule` lists: comma-split, OWS-trimmed,
    /// empty items dropped), in order.
    fn list<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + Clone + 'a {
        self.values(name).flat_map(split_iter)
    }
}

impl HeaderList for [Header] {
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + Clone + 'a {
        self.iter().filter(move |h| name_is(&h.name, name)).map(|h| h.value.as_str())
    }
    fn count(&self, name: &str) -> usize {
        self.iter().filter(|h| name_is(&h.name, name)).count()
    }
}

/// HTTP whitespace for trimming header values: SP and HT (and CR, LF, which a
/// well-formed value never contains but a careless source may).
#[inline]
pub fn is_http_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Strips leading and trailing HTTP whitespace.
#[inline]
pub fn trim_ows(s: &str) -> &str {
    let b = s.as_bytes();
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let Some(start) = b.iter().position(|c| !ws(c)) else {
        return "";
    };
    let end = b.iter().rposition(|c| !ws(c)).map_or(start, |e| e + 1);
    // The trimmed bytes are ASCII, so both ends are char boundaries.
    s.get(start..end).unwrap_or("")
}

/// Whether a header line's name is `name` (ASCII case-insensitive; the
/// line's name may carry stray surrounding whitespace).
#[inline]
pub fn name_is(line_name: &str, name: &str) -> bool {
    if line_name.len() == name.len() {
        return line_name.eq_ignore_ascii_case(name);
    }
    line_name.len() > name.len() && line_name.trim_ascii().eq_ignore_ascii_case(name)
}

/// Lower-cases a short ASCII name into `buf`; None if it is longer than the
/// buffer (used to `match` header names without allocating).
#[inline]
pub fn lower_into<'b>(name: &str, buf: &'b mut [u8; 48]) -> Option<&'b str> {
    let n = name.trim_ascii().as_bytes();
    let dst = buf.get_mut(..n.len())?;
    for (d, c) in dst.iter_mut().zip(n) {
        *d = c.to_ascii_lowercase();
    }
    std::str::from_utf8(dst).ok()
}

/// RFC 9110 `tchar`.
#[inline]
pub fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' |
        b'^' | b'_' | b'`' | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// RFC 9110 `token = 1*tchar`.
#[inline]
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Comma-split, each item OWS-trimmed, empty items dropped (what both
/// Chromium's `HttpUtil::ValuesIterator` and Firefox's
/// `nsCCharSeparatedTokenizer` do for the CORS list headers).
pub fn split_list(value: &str) -> Vec<&str> {
    split_iter(value).collect()
}

/// Allocation-free form of `split_list`.
#[inline]
pub fn split_iter(value: &str) -> impl Iterator<Item = &str> + Clone {
    value.split(',').map(trim_ows).filter(|s| !s.is_empty())
}

/// "Extracting header list values" over every line of a header, each item
/// required to be a token (`#method`, `#field-name`): `Ok(items)` in order,
/// or `Err(first invalid item as observed)`.
pub fn parse_token_list(values: &[&str]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for v in values {
        for item in split_iter(v) {
            if !is_token(item) {
                return Err(item.to_string());
            }
            out.push(item.to_string());
        }
    }
    Ok(out)
}

/// The first item of a header line list that is not a token, if any
/// (allocation-free check used on the hot path).
pub fn first_invalid_token<'a, I: IntoIterator<Item = &'a str>>(values: I) -> Option<&'a str> {
    values
        .into_iter()
        .flat_map(split_iter)
        .find(|item| !is_token(item))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_http_whitespace_only() {
        assert_eq!(trim_ows(" \t x y \t "), "x y");
        assert_eq!(trim_ows("\r\n*\r\n"), "*");
        // U+00A0 and vertical tab are not HTTP whitespace.
        assert_eq!(trim_ows("\u{a0}x"), "\u{a0}x");
        assert_eq!(trim_ows("\u{b}x"), "\u{b}x");
        assert_eq!(trim_ows(""), "");
        assert_eq!(trim_ows(" \t "), "");
        assert_eq!(trim_ows("é "), "é");
        assert_eq!(trim_ows("a"), "a");
    }

    #[test]
    fn names() {
        assert!(name_is(
            "Access-Control-Allow-Origin",
            "access-control-allow-origin"
        ));
        assert!(name_is(" Origin ", "origin"));
        assert!(!name_is("Origins", "origin"));
        assert!(!name_is("Orig", "origin"));
        let mut buf = [0u8; 48];
        assert_eq!(lower_into(" X-Foo ", &mut buf), Some("x-foo"));
        assert_eq!(lower_into(&"a".repeat(49), &mut buf), None);
        assert_eq!(lower_into("é", &mut buf), Some("é"));
    }

    #[test]
    fn tokens() {
        assert!(is_token("GET"));
        assert!(is_token("x-foo_bar.baz~1"));
        assert!(is_token("*"));
        assert!(!is_token(""));
        assert!(!is_token("Bad method name"));
        assert!(!is_token("header name with space"));
        assert!(!is_token("a:b"));
        assert!(!is_token("\"quoted\""));
        assert!(!is_token("é"));
        assert!(!is_token("a/b"));
    }

    #[test]
    fn lists() {
        assert_eq!(split_list(" a ,b,, ,c "), vec!["a", "b", "c"]);
        assert_eq!(split_list(""), Vec::<&str>::new());
        assert_eq!(split_list(",,"), Vec::<&str>::new());
    }

    #[test]
    fn lookups() {
        let hs = [
            Header::new("Access-Control-Allow-Methods", " PUT, ,DELETE "),
            Header::new(" access-control-allow-methods", "PATCH"),
            Header::new("X", ""),
        ];
        assert_eq!(hs.values("ACCESS-CONTROL-ALLOW-METHODS").collect::<Vec<_>>(), [" PUT, ,DELETE ", "PATCH"]);
        assert_eq!(hs.first_value("access-control-allow-methods"), Some(" PUT, ,DELETE "));
        assert_eq!(hs.combined("access-control-allow-methods").as_deref(), Some("PUT, ,DELETE, PATCH"));
        assert_eq!(hs.list("access-control-allow-methods").collect::<Vec<_>>(), ["PUT", "DELETE", "PATCH"]);
        assert_eq!(hs.count("x"), 1);
        assert_eq!(hs.first_trimmed("x"), None);
        assert_eq!(hs.combined("x").as_deref(), Some(""));
        assert!(hs.combined("y").is_none() && !hs.has("y"));
    }

    #[test]
    fn token_lists() {
        assert_eq!(
            parse_token_list(&["PUT, DELETE", "PATCH"]),
            Ok(vec!["PUT".into(), "DELETE".into(), "PATCH".into()])
        );
        // WPT cors-preflight-response-validation: a name with a space fails.
        assert_eq!(
            parse_token_list(&["x-a, header name with space"]),
            Err("header name with space".into())
        );
        assert_eq!(
            parse_token_list(&["Bad method name"]),
            Err("Bad method name".into())
        );
        assert_eq!(parse_token_list(&[]), Ok(vec![]));
        assert_eq!(first_invalid_token(["a, b c"]), Some("b c"));
        assert_eq!(first_invalid_token(["a, b"]), None);
    }
}
