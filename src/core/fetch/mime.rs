//! WHATWG MIME Sniffing "parse a MIME type", as the Fetch Standard uses it
//! for the `Content-Type` of a CORS-safelisted request-header (the strict
//! parse, not "extract a MIME type").

/// A parsed MIME type: lower-cased `type/subtype` and its parameters (names
/// lower-cased, values as given, first occurrence wins).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mime {
    pub essence: String,
    pub params: Vec<(String, String)>,
}

fn is_http_ws(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\t' | ' ')
}

fn is_token_cp(c: char) -> bool {
    c.is_ascii() && super::headers::is_tchar(c as u8)
}

/// HTTP quoted-string token code points: U+0009, U+0020–U+007E, U+0080–U+00FF.
fn is_quoted_cp(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{80}'..='\u{ff}')
}

/// Parses `s` as a MIME type; None is the standard's "failure".
pub fn parse_mime(s: &str) -> Option<Mime> {
    let s = s.trim_matches(is_http_ws);
    let slash = s.find('/')?;
    let ty = s.get(..slash)?;
    if ty.is_empty() || !ty.chars().all(is_token_cp) {
        return None;
    }
    let rest = s.get(slash + 1..)?;
    let (sub, mut rest) = match rest.find(';') {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => (rest, ""),
    };
    let sub = sub.trim_end_matches(is_http_ws);
    if sub.is_empty() || !sub.chars().all(is_token_cp) {
        return None;
    }
    let mut essence = String::with_capacity(ty.len() + sub.len() + 1);
    essence.push_str(ty);
    essence.push('/');
    essence.push_str(sub);
    essence.make_ascii_lowercase();
    let mut params: Vec<(String, String)> = Vec::new();

    // `rest` is empty or starts with ';'.
    while !rest.is_empty() {
        // Skip the ';', then HTTP whitespace.
        rest = rest.get(1..).unwrap_or("").trim_start_matches(is_http_ws);
        let end = rest.find([';', '=']).unwrap_or(rest.len());
        let name = rest.get(..end).unwrap_or("").to_ascii_lowercase();
        rest = rest.get(end..).unwrap_or("");
        if rest.starts_with(';') {
            continue;
        }
        if rest.starts_with('=') {
            rest = rest.get(1..).unwrap_or("");
        }
        if rest.is_empty() {
            break;
        }
        let value: String;
        if rest.starts_with('"') {
            let (v, after) = collect_quoted(rest);
            value = v;
            // Discard up to the next ';'.
            rest = match after.find(';') {
                Some(i) => after.get(i..).unwrap_or(""),
                None => "",
            };
        } else {
            let end = rest.find(';').unwrap_or(rest.len());
            let v = rest.get(..end).unwrap_or("").trim_end_matches(is_http_ws);
            rest = rest.get(end..).unwrap_or("");
            if v.is_empty() {
                continue;
            }
            value = v.to_string();
        }
        if !name.is_empty()
            && name.chars().all(is_token_cp)
            && value.chars().all(is_quoted_cp)
            && !params.iter().any(|(n, _)| *n == name)
        {
            params.push((name, value));
        }
    }
    Some(Mime { essence, params })
}

/// "Collect an HTTP quoted string" with extract-value: `s` starts with `"`.
/// Returns the value and what follows the closing quote.
fn collect_quoted(s: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, n)) => value.push(n),
                None => {
                    value.push('\\');
                    return (value, "");
                }
            },
            '"' => return (value, s.get(i + 1..).unwrap_or("")),
            _ => value.push(c),
        }
    }
    (value, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn essence(s: &str) -> Option<String> {
        parse_mime(s).map(|m| m.essence)
    }

    #[test]
    fn essences() {
        assert_eq!(essence("text/plain").as_deref(), Some("text/plain"));
        assert_eq!(
            essence("  Text/PLAIN ; charset=UTF-8 ").as_deref(),
            Some("text/plain")
        );
        assert_eq!(
            essence("multipart/form-data; boundary=x").as_deref(),
            Some("multipart/form-data")
        );
        assert_eq!(essence("text/plain;garbage").as_deref(), Some("text/plain"));
        assert_eq!(essence("text/plain;").as_deref(), Some("text/plain"));
        // Failures (WPT cors-safelisted-request-header content-type rows).
        assert_eq!(essence("text /plain"), None);
        assert_eq!(essence("text/ plain"), None);
        assert_eq!(essence("text"), None);
        assert_eq!(essence("/plain"), None);
        assert_eq!(essence("text/"), None);
        assert_eq!(essence("text/plain,"), None);
        assert_eq!(essence(""), None);
        assert_eq!(essence("té/plain"), None);
    }

    #[test]
    fn params() {
        let m = parse_mime("text/plain; Charset=\"utf\\-8\" ; x=1; x=2; bad name=3; y=\"a;b\"c; z")
            .unwrap();
        assert_eq!(
            m.params,
            vec![
                ("charset".to_string(), "utf-8".to_string()),
                ("x".to_string(), "1".to_string()),
                ("y".to_string(), "a;b".to_string()),
            ]
        );
        let m = parse_mime("text/plain;a=\"unterminated\\").unwrap();
        assert_eq!(
            m.params,
            vec![("a".to_string(), "unterminated\\".to_string())]
        );
        let m = parse_mime("text/plain;a=").unwrap();
        assert!(m.params.is_empty());
        let m = parse_mime("text/plain;a=\u{100}").unwrap();
        assert!(m.params.is_empty());
    }
}
