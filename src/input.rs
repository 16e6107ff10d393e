//! Reading exchanges from text: the project's exchange JSON (one object or
//! an array) or a HAR 1.2 file, with errors that say what is wrong and where.
//!
//! Detection: a JSON object with a `log` member is a HAR (its `log.entries`
//! must be an array); any other object is one exchange; an array is a list of
//! exchanges. Errors carry the JSON line and column when the text is not JSON
//! or an exchange does not fit the format, and a path (`entries[12].response.headers[3]`,
//! `[2].request.headers[0].value`) when a value has the wrong shape.
//!
//! Limits: inputs over `Limits::max_bytes` or with more than
//! `Limits::max_exchanges` entries are refused with a message, before any
//! large allocation; nesting is bounded by serde_json's recursion limit (128).
//! Nothing here panics, whatever the input.

use crate::model::Exchange;
use serde_json::Value;
use std::fmt;

/// Refusal thresholds for absurd inputs.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Most exchanges (exchange JSON items, or HAR entries) accepted.
    pub max_exchanges: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // A busy DevTools session with response bodies runs to tens of MB;
        // 256 MiB leaves room without letting a stray disk image through.
        Limits { max_bytes: 256 * 1024 * 1024, max_exchanges: 200_000 }
    }
}

/// What is wrong with the input, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where in the structure: `entries[12].response.headers[3]`,
    /// `[0].request.url`. None when the text itself is at fault.
    pub path: Option<String>,
    /// 1-based line and column in the text, where serde_json reported one.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl InputError {
    pub fn new(message: impl Into<String>) -> Self {
        InputError { message: message.into(), path: None, line: None, column: None }
    }

    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError { message: message.into(), path: Some(path.into()), line: None, column: None }
    }

    fn from_json(e: &serde_json::Error, what: &str) -> Self {
        // serde_json's Display appends " at line L column C"; keep the bare
        // message and put the position in the fields.
        let full = e.to_string();
        let bare = match full.rfind(" at line ") {
            Some(i) if e.line() > 0 => full.get(..i).unwrap_or(&full).to_string(),
            _ => full.clone(),
        };
        let message = if what.is_empty() { bare } else { format!("{what}: {bare}") };
        let (line, column) = if e.line() > 0 { (Some(e.line()), Some(e.column())) } else { (None, None) };
        InputError { message, path: None, line, column }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.message)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, " (line {l}, column {c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// The kind of input that was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Har,
    ExchangeJson,
}

/// What was read.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub format: Format,
    pub exchanges: Vec<Exchange>,
    /// HAR entries that produced no exchange (same-origin, navigations,
    /// `no-cors`, non-HTTP URLs, service-worker answers) and preflights paired
    /// with their actual request. Always 0 for exchange JSON.
    pub skipped: usize,
    /// HAR entries read (0 for exchange JSON).
    pub entries: usize,
}

/// Reads a HAR or exchange JSON with the default limits.
pub fn parse(text: &str) -> Result<Vec<Exchange>, InputError> {
    parse_with(text, &Limits::default()).map(|p| p.exchanges)
}

/// Reads a HAR or exchange JSON, and says which it was.
pub fn parse_with(text: &str, limits: &Limits) -> Result<Parsed, InputError> {
    if text.len() > limits.max_bytes {
        return Err(InputError::new(format!(
            "the input is {} bytes, more than the {}-byte limit; split the HAR or export fewer requests",
            text.len(),
            limits.max_bytes
        )));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(InputError::new("the input is empty; expected a HAR file or whycors exchange JSON"));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| InputError::from_json(&e, "not valid JSON"))?;
    match &value {
        Value::Object(map) if map.contains_key("log") => {
            let read = crate::har::read(&value, limits)?;
            Ok(Parsed { format: Format::Har, exchanges: read.exchanges, skipped: read.skipped, entries: read.entries })
        }
        Value::Object(_) => {
            let ex = exchange_from(&value, "", text, false)?;
            Ok(Parsed { format: Format::ExchangeJson, exchanges: vec![ex], skipped: 0, entries: 0 })
        }
        Value::Array(items) => {
            if items.len() > limits.max_exchanges {
                return Err(InputError::new(format!(
                    "{} exchanges, more than the limit of {}",
                    items.len(),
                    limits.max_exchanges
                )));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(exchange_from(item, &format!("[{i}]"), text, true)?);
            }
            Ok(Parsed { format: Format::ExchangeJson, exchanges: out, skipped: 0, entries: 0 })
        }
        other => Err(InputError::new(format!(
            "expected a HAR (an object with \"log\"), an exchange object, or an array of exchanges; found {}",
            kind(other)
        ))),
    }
}

/// Reads exchange JSON only (one object or an array), e.g. from the wasm boundary.
pub fn parse_exchanges(text: &str) -> Result<Vec<Exchange>, InputError> {
    let p = parse_with(text, &Limits::default())?;
    match p.format {
        Format::ExchangeJson => Ok(p.exchanges),
        Format::Har => Err(InputError::new("expected exchange JSON, found a HAR")),
    }
}

/// One exchange from a JSON value, with a path for shape errors. When the
/// typed deserialisation fails, the error gets the position serde_json
/// reports on the original text (re-parsed as the same shape).
fn exchange_from(v: &Value, prefix: &str, text: &str, in_array: bool) -> Result<Exchange, InputError> {
    if !v.is_object() {
        return Err(InputError::at(
            if prefix.is_empty() { "(top level)".to_string() } else { prefix.to_string() },
            format!("expected an exchange object, found {}", kind(v)),
        ));
    }
    // Shape check first: it finds the path of the first wrong value.
    if let Some((path, msg)) = shape_error(v) {
        let mut err = InputError::at(join(prefix, &path), msg);
        add_position(&mut err, text, in_array);
        return Err(err);
    }
    match <Exchange as serde::Deserialize>::deserialize(v) {
        Ok(ex) => {
            if ex.request.url.trim().is_empty() {
                return Err(InputError::at(join(prefix, ".request.url"), "empty: every exchange needs request.url"));
            }
            Ok(ex)
        }
        Err(e) => {
            let mut err = InputError::at(
                if prefix.is_empty() { "(top level)".to_string() } else { prefix.to_string() },
                e.to_string(),
            );
            add_position(&mut err, text, in_array);
            Err(err)
        }
    }
}

fn add_position(err: &mut InputError, text: &str, in_array: bool) {
    let r = if in_array {
        serde_json::from_str::<Vec<Exchange>>(text).err()
    } else {
        serde_json::from_str::<Exchange>(text).err()
    };
    if let Some(e) = r {
        if e.line() > 0 {
            err.line = Some(e.line());
            err.column = Some(e.column());
        }
    }
}

fn join(prefix: &str, path: &str) -> String {
    let s = format!("{prefix}{path}");
    match s.strip_prefix('.') {
        Some(rest) => rest.to_string(),
        None => s,
    }
}

/// Checks the parts of an exchange whose shape is easy to get wrong by hand
/// (header lists, numbers), returning the path of the first problem.
fn shape_error(v: &Value) -> Option<(String, String)> {
    let obj = v.as_object()?;
    if let Some(req) = obj.get("request") {
        let Some(r) = req.as_object() else {
            return Some((".request".into(), format!("expected an object, found {}", kind(req))));
        };
        match r.get("url") {
            None | Some(Value::Null) => return Some((".request.url".into(), "missing: every exchange needs request.url".into())),
            Some(Value::String(_)) => {}
            Some(other) => return Some((".request.url".into(), format!("expected a string, found {}", kind(other)))),
        }
        for key in ["headers", "authorHeaders"] {
            if let Some(e) = header_list_error(r.get(key), &format!(".request.{key}")) {
                return Some(e);
            }
        }
    } else {
        return Some((".request".into(), "missing: every exchange needs request.url".into()));
    }
    if let Some(p) = obj.get("preflight").filter(|p| !p.is_null()) {
        for key in ["requestHeaders", "headers"] {
            if let Some(e) = header_list_error(p.get(key), &format!(".preflight.{key}")) {
                return Some(e);
            }
        }
        if let Some(e) = status_error(p.get("status"), ".preflight.status", true) {
            return Some(e);
        }
    }
    if let Some(hops) = obj.get("redirects").filter(|h| !h.is_null()) {
        let Some(hops) = hops.as_array() else {
            return Some((".redirects".into(), format!("expected an array of hops, found {}", kind(hops))));
        };
        for (i, h) in hops.iter().enumerate() {
            for key in ["headers", "requestHeaders"] {
                if let Some(e) = header_list_error(h.get(key), &format!(".redirects[{i}].{key}")) {
                    return Some(e);
                }
            }
            if let Some(e) = status_error(h.get("status"), &format!(".redirects[{i}].status"), false) {
                return Some(e);
            }
        }
    }
    if let Some(r) = obj.get("response").filter(|r| !r.is_null()) {
        for key in ["headers", "requestHeaders"] {
            if let Some(e) = header_list_error(r.get(key), &format!(".response.{key}")) {
                return Some(e);
            }
        }
        if let Some(e) = status_error(r.get("status"), ".response.status", false) {
            return Some(e);
        }
    }
    None
}

fn header_list_error(v: Option<&Value>, path: &str) -> Option<(String, String)> {
    let v = v?;
    if v.is_null() {
        return None;
    }
    let Some(list) = v.as_array() else {
        return Some((path.to_string(), format!("expected an array of {{\"name\", \"value\"}} objects, found {}", kind(v))));
    };
    for (i, h) in list.iter().enumerate() {
        let Some(o) = h.as_object() else {
            return Some((format!("{path}[{i}]"), format!("expected a name/value object, found {}", kind(h))));
        };
        for f in ["name", "value"] {
            match o.get(f) {
                Some(Value::String(_)) => {}
                None => return Some((format!("{path}[{i}]"), format!("missing \"{f}\""))),
                Some(other) => return Some((format!("{path}[{i}].{f}"), format!("expected a string, found {}", kind(other)))),
            }
        }
    }
    None
}

fn status_error(v: Option<&Value>, path: &str, nullable: bool) -> Option<(String, String)> {
    match v {
        None => None,
        Some(Value::Null) if nullable => None,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(s) if s <= 999 => None,
            _ => Some((path.to_string(), format!("expected an HTTP status (0-999), found {n}"))),
        },
        Some(other) => Some((path.to_string(), format!("expected an HTTP status number, found {}", kind(other)))),
    }
}

/// A short description of a JSON value's type, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_exchange_and_an_array() {
        let one = r#"{"request":{"url":"https://api.example/x","method":"PUT"}}"#;
        let v = parse(one).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].request.method(), "PUT");
        let many = format!("[{one},{one}]");
        assert_eq!(parse(&many).unwrap().len(), 2);
    }

    #[test]
    fn not_json_has_line_and_column() {
        let e = parse("{\n  \"request\": {\n    \"url\": \"x\",,\n  }\n}").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.column.is_some());
        assert!(e.to_string().starts_with("not valid JSON"), "{e}");
    }

    #[test]
    fn header_shape_error_has_path() {
        let t = r#"[{"request":{"url":"https://a.test/"}},
                    {"request":{"url":"https://a.test/","headers":[{"name":"A","value":"b"},["x","y"]]}}]"#;
        let e = parse(t).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("[1].request.headers[1]"));
        assert!(e.message.contains("name/value"), "{e}");
    }

    #[test]
    fn wrong_enum_value_has_position() {
        let t = "{\"request\":{\"url\":\"https://a.test/\",\n\"mode\":\"sideways\"}}";
        let e = parse(t).unwrap_err();
        assert!(e.message.contains("sideways"), "{e}");
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn missing_url_is_refused() {
        let e = parse(r#"{"request":{"method":"GET"}}"#).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("request.url"));
        let e = parse(r#"{"response":{"status":200}}"#).unwrap_err();
        assert!(e.message.contains("request.url"));
    }

    #[test]
    fn limits_refuse_cleanly() {
        let limits = Limits { max_bytes: 10, max_exchanges: 1 };
        let e = parse_with("[1,2,3,4,5,6,7,8,9,10]", &limits).unwrap_err();
        assert!(e.message.contains("limit"));
        let limits = Limits { max_bytes: 1000, max_exchanges: 1 };
        let two = r#"[{"request":{"url":"https://a.test/"}},{"request":{"url":"https://a.test/"}}]"#;
        assert!(parse_with(two, &limits).unwrap_err().message.contains("limit"));
    }

    #[test]
    fn scalars_and_empty_are_refused() {
        assert!(parse("").is_err());
        assert!(parse("   ").is_err());
        assert!(parse("42").unwrap_err().message.contains("number"));
        assert!(parse("null").is_err());
        assert!(parse("[1]").unwrap_err().path.as_deref() == Some("[0]"));
    }

    #[test]
    fn status_out_of_range() {
        let e = parse(r#"{"request":{"url":"https://a.test/"},"response":{"status":70000}}"#).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("response.status"));
    }
}
