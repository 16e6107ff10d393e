//! Header-value parsing as the Fetch Standard and RFC 9110 define it:
//! HTTP whitespace, tokens, and "extracting header list values" for the
//! `#method` / `#field-name` lists of `Access-Control-Allow-Methods` and
//! `Access-Control-Allow-Headers`.

/// HTTP whitespace for trimming header values: SP and HT (and CR, LF, which a
/// well-formed value never contains but a careless source may).
#[inline]
pub fn is_http_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Strips leading and trailing HTTP whitespace.
#[inline]
pub fn trim_ows(s: &str) -> &str {
    s.trim_matches(is_http_ws)
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
pub fn split_iter(value: &str) -> impl Iterator<Item = &str> {
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
    values.into_iter().flat_map(split_iter).find(|item| !is_token(item))
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
    fn token_lists() {
        assert_eq!(parse_token_list(&["PUT, DELETE", "PATCH"]), Ok(vec!["PUT".into(), "DELETE".into(), "PATCH".into()]));
        // WPT cors-preflight-response-validation: a name with a space fails.
        assert_eq!(parse_token_list(&["x-a, header name with space"]), Err("header name with space".into()));
        assert_eq!(parse_token_list(&["Bad method name"]), Err("Bad method name".into()));
        assert_eq!(parse_token_list(&[]), Ok(vec![]));
        assert_eq!(first_invalid_token(["a, b c"]), Some("b c"));
        assert_eq!(first_invalid_token(["a, b"]), None);
    }
}
