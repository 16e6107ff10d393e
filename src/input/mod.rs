//! Reading exchanges from text: the project's exchange JSON (one object or
//! an array) or a HAR 1.2 file, with errors that say what is wrong and where.
//!
//! Exchange JSON: a document with `"schema": 2` (or without `schema` but with
//! `legs`) is read as it is; a document without `schema` is the first
//! format and is upgraded (`Exchange::from_v1`); any other `schema` is
//! refused, with the path `schema` (see `exchange::check_schema`). Every
//! exchange read is schema 2.
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

pub mod error;
pub mod har;
pub mod labrecord;
pub mod raw;
pub mod v1;

/// Preflights after redirects, from measured lab records through the checks.
#[cfg(test)]
mod hop_tests;

pub use error::{kind, locate, InputError, Limits};

use crate::core::exchange::{Exchange, SCHEMA};
use serde_json::Value;

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
    /// What the HAR's evidence implies but it does not record
    /// (`har::HarRead::inferences`), by index into `exchanges`, in order;
    /// `diagnose` applies them from each exchange's own evidence. Empty for
    /// exchange JSON.
    pub inferences: Vec<(usize, crate::input::har::Inference)>,
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
            let read = crate::input::har::read(&value, limits).map_err(|mut e| {
                // Point at the offending value in the text too.
                if e.line.is_none() {
                    if let Some(path) = &e.path {
                        let full = if path.starts_with("log") { path.clone() } else { format!("log.{path}") };
                        if let Some((l, c)) = locate(text, &full) {
                            e.line = Some(l);
                            e.column = Some(c);
                        }
                    }
                }
                e
            })?;
            Ok(Parsed {
                format: Format::Har,
                exchanges: read.exchanges,
                skipped: read.skipped,
                entries: read.entries,
                inferences: read.inferences,
            })
        }
        Value::Object(_) => {
            let ex = exchange_from(&value, "", text, false)?;
            Ok(Parsed { format: Format::ExchangeJson, exchanges: vec![ex], skipped: 0, entries: 0, inferences: Vec::new() })
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
            Ok(Parsed { format: Format::ExchangeJson, exchanges: out, skipped: 0, entries: 0, inferences: Vec::new() })
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

/// One exchange from exchange JSON text (one object, either schema): the
/// typed read first (the fast path, for the wasm boundary); on failure,
/// [`parse_exchanges`] re-reads it to say what is wrong and where.
pub fn exchange_from_str(text: &str) -> Result<Exchange, InputError> {
    if let Ok(ex) = serde_json::from_str::<Exchange>(text) {
        if ex.schema == SCHEMA && ex.legs.first().is_some_and(|l| !l.url.trim().is_empty()) {
            return Ok(ex);
        }
    }
    if let Ok(old) = serde_json::from_str::<v1::Exchange>(text) {
        if !old.request.url.trim().is_empty() && !text.contains("\"schema\"") {
            return Ok(Exchange::from_v1(&old));
        }
    }
    let mut list = parse_exchanges(text)?;
    match (list.pop(), list.is_empty()) {
        (Some(ex), true) => Ok(ex),
        (_, _) => Err(InputError::new(format!(
            "expected one exchange object, found a list of {} (use diagnoseAll)",
            list.len().saturating_add(1)
        ))),
    }
}

/// One exchange from a JSON value, with a path for shape errors. When the
/// typed deserialisation fails, the error gets the position serde_json
/// reports on the original text (re-parsed as the same shape).
fn exchange_from(v: &Value, prefix: &str, text: &str, in_array: bool) -> Result<Exchange, InputError> {
    let here = || if prefix.is_empty() { "(top level)".to_string() } else { prefix.to_string() };
    if !v.is_object() {
        return Err(InputError::at(here(), format!("expected an exchange object, found {}", kind(v))));
    }
    let schema = crate::core::exchange::check_schema(v).map_err(|m| InputError::at(join(prefix, ".schema"), m))?;
    if schema == 1 {
        return v1_exchange_from(v, prefix, text, in_array).map(|old| Exchange::from_v1(&old));
    }
    // Shape check first: it finds the path of the first wrong value.
    if let Some((path, msg)) = shape_error(v) {
        let mut err = InputError::at(join(prefix, &path), msg);
        add_position::<Exchange>(&mut err, text, in_array);
        return Err(err);
    }
    match <Exchange as serde::Deserialize>::deserialize(v) {
        Ok(mut ex) => {
            ex.schema = SCHEMA;
            Ok(ex)
        }
        Err(e) => {
            let mut err = InputError::at(here(), e.to_string());
            add_position::<Exchange>(&mut err, text, in_array);
            Err(err)
        }
    }
}

/// A first-format exchange (no `schema`), with the same located errors.
fn v1_exchange_from(v: &Value, prefix: &str, text: &str, in_array: bool) -> Result<v1::Exchange, InputError> {
    if let Some((path, msg)) = v1_shape_error(v) {
        let mut err = InputError::at(join(prefix, &path), msg);
        add_position::<v1::Exchange>(&mut err, text, in_array);
        return Err(err);
    }
    match <v1::Exchange as serde::Deserialize>::deserialize(v) {
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
            add_position::<v1::Exchange>(&mut err, text, in_array);
            Err(err)
        }
    }
}

fn add_position<T: serde::de::DeserializeOwned>(err: &mut InputError, text: &str, in_array: bool) {
    let r = if in_array {
        serde_json::from_str::<Vec<T>>(text).err()
    } else {
        serde_json::from_str::<T>(text).err()
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

/// Checks the parts of a schema-2 exchange whose shape is easy to get wrong
/// by hand (the legs, header lists, statuses), returning the path of the
/// first problem.
fn shape_error(v: &Value) -> Option<(String, String)> {
    let obj = v.as_object()?;
    if let Some(page) = obj.get("page").filter(|p| !p.is_null()) {
        let Some(p) = page.as_object() else {
            return Some((".page".into(), format!("expected an object, found {}", kind(page))));
        };
        if let Some(e) = header_list_error(p.get("authorHeaders"), ".page.authorHeaders") {
            return Some(e);
        }
    }
    let missing = || Some((".legs".into(), "missing: every exchange needs legs[0].url (the URL the page requested)".into()));
    let Some(legs) = obj.get("legs") else { return missing() };
    let Some(legs) = legs.as_array() else {
        return Some((".legs".into(), format!("expected an array of legs, found {}", kind(legs))));
    };
    if legs.is_empty() {
        return missing();
    }
    for (i, leg) in legs.iter().enumerate() {
        let at = format!(".legs[{i}]");
        let Some(l) = leg.as_object() else {
            return Some((at, format!("expected a leg object, found {}", kind(leg))));
        };
        match l.get("url") {
            Some(Value::String(u)) if i > 0 || !u.trim().is_empty() => {}
            Some(Value::String(_)) => return Some((format!("{at}.url"), "empty: every exchange needs legs[0].url".into())),
            None | Some(Value::Null) if i > 0 => {}
            None | Some(Value::Null) => return Some((format!("{at}.url"), "missing: every exchange needs legs[0].url".into())),
            Some(other) => return Some((format!("{at}.url"), format!("expected a string, found {}", kind(other)))),
        }
        if let Some(e) = header_list_error(l.get("requestHeaders"), &format!("{at}.requestHeaders")) {
            return Some(e);
        }
        if let Some(e) = response_error(l.get("response"), &format!("{at}.response")) {
            return Some(e);
        }
        if let Some(p) = l.get("preflight").filter(|p| !p.is_null()) {
            let Some(po) = p.as_object() else {
                return Some((format!("{at}.preflight"), format!("expected an object, found {}", kind(p))));
            };
            if let Some(e) = header_list_error(po.get("requestHeaders"), &format!("{at}.preflight.requestHeaders")) {
                return Some(e);
            }
            if let Some(e) = response_error(po.get("response"), &format!("{at}.preflight.response")) {
                return Some(e);
            }
        }
    }
    None
}

/// A response object: a status (a response has one: a leg or preflight
/// that got no response has no `response`) and its header list.
fn response_error(v: Option<&Value>, path: &str) -> Option<(String, String)> {
    let v = v.filter(|v| !v.is_null())?;
    let Some(r) = v.as_object() else {
        return Some((path.to_string(), format!("expected an object, found {}", kind(v))));
    };
    match r.get("status") {
        Some(Value::Number(n)) if n.as_u64().is_some_and(|s| (100..=999).contains(&s)) => {}
        Some(Value::Number(n)) => {
            return Some((
                format!("{path}.status"),
                format!("expected an HTTP status (100-999), found {n} (no response: leave `response` out)"),
            ))
        }
        None => return Some((format!("{path}.status"), "missing: a response has a status".into())),
        Some(other) => return Some((format!("{path}.status"), format!("expected an HTTP status number, found {}", kind(other)))),
    }
    header_list_error(r.get("headers"), &format!("{path}.headers"))
}

/// [`shape_error`] for the first format.
fn v1_shape_error(v: &Value) -> Option<(String, String)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_exchange_and_an_array() {
        let one = r#"{"request":{"url":"https://api.example/x","method":"PUT"}}"#;
        let v = parse(one).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].page.method(), "PUT");
        let many = format!("[{one},{one}]");
        assert_eq!(parse(&many).unwrap().len(), 2);
    }

    #[test]
    fn schema_2_is_read_as_it_is_the_first_format_upgraded() {
        let two = r#"{"schema":2,"page":{"method":"PUT","origin":"https://app.example"},
            "legs":[{"url":"https://api.example/1","response":{"status":307,"headers":[{"name":"Location","value":"https://api.example/2"}]}},
                    {"url":"https://api.example/2","preflight":{"response":{"status":403}}}]}"#;
        let v = parse(two).unwrap();
        assert_eq!(v[0].schema, 2);
        assert_eq!(v[0].legs.len(), 2);
        assert_eq!(v[0].legs[1].preflight.as_ref().and_then(|p| p.response.as_ref()).map(|r| r.status), Some(403));
        // Without `schema` but with legs: schema 2 too.
        let no_schema = two.replacen(r#""schema":2,"#, "", 1);
        assert_eq!(parse(&no_schema).unwrap(), v);
        // The same exchange in the first format, upgraded.
        let one = r#"{"request":{"url":"https://api.example/1","method":"PUT","origin":"https://app.example"},
            "redirects":[{"url":"https://api.example/1","status":307,"headers":[{"name":"Location","value":"https://api.example/2"}]}],
            "response":{"url":"https://api.example/2","status":0,"preflight":{"status":403}}}"#;
        assert_eq!(parse(one).unwrap(), v);
        assert_eq!(exchange_from_str(one).unwrap(), v[0]);
        assert_eq!(exchange_from_str(two).unwrap(), v[0]);
    }

    #[test]
    fn other_schemas_are_refused_with_a_path() {
        let e = parse(r#"{"schema":3,"legs":[{"url":"https://a.test/"}]}"#).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("schema"));
        assert!(e.message.contains("newer"), "{e}");
        let e = parse(r#"[{"request":{"url":"https://a.test/"}},{"schema":"2","legs":[]}]"#).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("[1].schema"));
        assert!(exchange_from_str(r#"{"schema":9,"legs":[{"url":"https://a.test/"}]}"#).is_err());
    }

    #[test]
    fn schema_2_shape_errors_have_paths() {
        for (text, path) in [
            (r#"{"schema":2}"#, "legs"),
            (r#"{"schema":2,"legs":[]}"#, "legs"),
            (r#"{"schema":2,"legs":[{"url":""}]}"#, "legs[0].url"),
            (r#"{"schema":2,"legs":[{"url":"https://a/","response":{"status":0}}]}"#, "legs[0].response.status"),
            (r#"{"schema":2,"legs":[{"url":"https://a/"},{"url":"https://b/","preflight":{"requestHeaders":[["x"]]}}]}"#, "legs[1].preflight.requestHeaders[0]"),
            (r#"{"schema":2,"page":{"authorHeaders":{}},"legs":[{"url":"https://a/"}]}"#, "page.authorHeaders"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.path.as_deref(), Some(path), "{text}: {e}");
        }
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
    fn har_errors_get_line_and_column() {
        let t = "{\"log\": {\"entries\": [\n  {\"request\": {\"url\": \"https://a/\"}},\n  {\"request\": {\"url\": \"https://a/\", \"headers\": [\n     {\"name\": \"a\", \"value\": \"b\"},\n     \"oops\"]}}]}}";
        let e = parse(t).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("entries[1].request.headers[1]"));
        assert_eq!((e.line, e.column), (Some(5), Some(6)), "{e}");
        assert_eq!(locate(t, "log.entries[0].request.url"), Some((2, 23)));
        assert_eq!(locate(t, "log.entries[7]"), None);
        assert_eq!(locate("{\"a\\u0062\": [1, {\"c\": 2}]}", "ab[1].c"), Some((1, 23)));
        assert_eq!(locate("[", "[0]"), None);
        assert_eq!(locate("{\"a\":", "a.b"), None);
    }

    #[test]
    fn status_out_of_range() {
        let e = parse(r#"{"request":{"url":"https://a.test/"},"response":{"status":70000}}"#).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("response.status"));
    }

    // ---- the JSON Schema in docs/exchange.schema.json ----------------------

    const SCHEMA: &str = include_str!("../../docs/exchange.schema.json");

    /// A validator for the subset of JSON Schema 2020-12 the schema uses
    /// (`$ref` to `#/$defs/..`, `oneOf`, `type`, `enum`, `properties`,
    /// `required`, `items`, `minimum`, `maximum`, `minLength`).
    fn validate(schema: &Value, root: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/$defs/");
            match root["$defs"].get(name) {
                Some(def) => validate(def, root, v, path, errs),
                None => errs.push(format!("{path}: unknown $ref {r}")),
            }
        }
        if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
            let ok = alts
                .iter()
                .filter(|a| {
                    let mut e = Vec::new();
                    validate(a, root, v, path, &mut e);
                    e.is_empty()
                })
                .count();
            if ok != 1 {
                errs.push(format!("{path}: matches {ok} of the oneOf alternatives"));
            }
        }
        if let Some(t) = schema.get("type") {
            let types: Vec<&str> = match t {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let ok = types.iter().any(|t| match *t {
                "string" => v.is_string(),
                "integer" => v.is_i64() || v.is_u64(),
                "boolean" => v.is_boolean(),
                "array" => v.is_array(),
                "object" => v.is_object(),
                "null" => v.is_null(),
                _ => false,
            });
            if !ok {
                errs.push(format!("{path}: expected {types:?}, found {}", kind(v)));
                return;
            }
        }
        if let Some(e) = schema.get("enum").and_then(Value::as_array) {
            if !e.contains(v) {
                errs.push(format!("{path}: {v} is not one of {e:?}"));
            }
        }
        if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), v.as_f64()) {
            if n < min {
                errs.push(format!("{path}: {n} < {min}"));
            }
        }
        if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Value::as_f64), v.as_f64()) {
            if n > max {
                errs.push(format!("{path}: {n} > {max}"));
            }
        }
        if let (Some(min), Some(a)) = (schema.get("minItems").and_then(Value::as_u64), v.as_array()) {
            if (a.len() as u64) < min {
                errs.push(format!("{path}: fewer than {min} items"));
            }
        }
        if let (Some(min), Some(s)) = (schema.get("minLength").and_then(Value::as_u64), v.as_str()) {
            if (s.chars().count() as u64) < min {
                errs.push(format!("{path}: shorter than {min}"));
            }
        }
        if let (Some(req), Some(o)) = (schema.get("required").and_then(Value::as_array), v.as_object()) {
            for r in req.iter().filter_map(Value::as_str) {
                if !o.contains_key(r) {
                    errs.push(format!("{path}: missing {r}"));
                }
            }
        }
        if let (Some(props), Some(o)) = (schema.get("properties").and_then(Value::as_object), v.as_object()) {
            for (k, x) in o {
                if let Some(ps) = props.get(k) {
                    validate(ps, root, x, &format!("{path}.{k}"), errs);
                }
            }
        }
        if let (Some(items), Some(a)) = (schema.get("items"), v.as_array()) {
            for (i, x) in a.iter().enumerate() {
                validate(items, root, x, &format!("{path}[{i}]"), errs);
            }
        }
    }

    fn schema_errors(v: &Value) -> Vec<String> {
        let root: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
        let mut errs = Vec::new();
        validate(&root, &root, v, "$", &mut errs);
        errs
    }

    /// An exchange with every optional part present, so that it serialises
    /// every field.
    fn full_exchange() -> Exchange {
        use crate::core::exchange::*;
        let h = vec![Header::new("A", "b")];
        let response = |status| Some(Response { status, headers: h.clone(), headers_merged: true });
        let preflight = Some(Preflight { request_headers: h.clone(), response: response(204), error: Some("e".into()) });
        Exchange {
            schema: SCHEMA,
            id: Some("x".into()),
            browser: Some(Browser::Firefox),
            page: PageRequest {
                origin: Some("https://app.example".into()),
                method: Some("GET".into()),
                author_headers: Some(h.clone()),
                resource_type: ResourceType::ModuleScript,
                mode: Some(Mode::NoCors),
                credentials: Some(Credentials::SameOrigin),
                redirect_mode: Some("follow".into()),
                rejected: Some(true),
                read_headers: vec!["x".into()],
                call_site: Some("a.js:1:1".into()),
            },
            legs: vec![
                Leg { url: "https://api.example/".into(), method: Some("GET".into()), preflight: preflight.clone(), request_headers: h.clone(), response: response(302) },
                Leg { url: "https://api.example/2".into(), method: None, preflight, request_headers: h.clone(), response: response(200) },
            ],
            preflight_observation: PreflightObservation::NotSent,
            end: End::Failed,
            error: Some("net::ERR_FAILED".into()),
            remote_address: Some("1.2.3.4:443".into()),
            reported: Some(Reported { cors_error: Some("a".into()), failed_parameter: Some("b".into()), firefox_key: Some("c".into()), message: Some("d".into()), blocked_reason: Some("csp".into()), issues: vec!["MixedContentIssue".into()] }),
            context: Some(Context {
                initiator_address_space: Some("public".into()),
                target_address_space: Some("local".into()),
                declared_target_address_space: Some("local".into()),
                secure_context: Some(true),
                local_network_permission: Some("granted".into()),
                cors_disabled: Some(false),
                expanded_principal: Some(false),
                page_csp: Some(vec!["connect-src 'self'".into()]),
            }),
        }
    }

    fn keys(v: &Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        k.sort();
        k
    }

    #[test]
    fn schema_lists_every_field_of_the_model() {
        let root: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
        assert_eq!(root["$schema"], "https://json-schema.org/draft/2020-12/schema");
        let ex = serde_json::to_value(full_exchange()).unwrap();
        let pairs = [
            ("exchange", &ex),
            ("page", &ex["page"]),
            ("leg", &ex["legs"][0]),
            ("preflight", &ex["legs"][0]["preflight"]),
            ("response", &ex["legs"][0]["response"]),
            ("reported", &ex["reported"]),
            ("context", &ex["context"]),
            ("header", &ex["legs"][0]["requestHeaders"][0]),
        ];
        for (def, value) in pairs {
            let documented = keys(&root["$defs"][def]["properties"]);
            assert_eq!(documented, keys(value), "schema $defs.{def} vs exchange.rs");
        }
        // The default exchange too (the defaults the schema documents).
        let d = serde_json::to_value(Exchange::default()).unwrap();
        assert_eq!(keys(&root["$defs"]["exchange"]["properties"]), keys(&d));
        // What the reader reads back is what was written.
        assert_eq!(parse(&ex.to_string()).unwrap(), vec![full_exchange()]);
        assert!(schema_errors(&ex).is_empty(), "{:?}", schema_errors(&ex));
    }

    #[test]
    fn schema_rejects_what_the_reader_rejects() {
        for bad in [
            r#"{"schema":2}"#,
            r#"{"schema":2,"legs":[]}"#,
            r#"{"schema":2,"legs":[{"url":"https://a/","response":{"status":1000}}]}"#,
            r#"{"schema":2,"legs":[{"url":"https://a/","response":{"status":0}}]}"#,
            r#"{"schema":2,"legs":[{"url":"https://a/"}],"page":{"mode":"sideways"}}"#,
            r#"{"schema":2,"legs":[{"url":"https://a/","requestHeaders":[{"name":"a"}]}]}"#,
            r#"{"schema":2,"legs":[{"url":"https://a/"}],"preflightObservation":"maybe"}"#,
            r#"{"schema":2,"legs":[{"url":"https://a/"}],"end":"maybe"}"#,
        ] {
            let v: Value = serde_json::from_str(bad).unwrap();
            assert!(!schema_errors(&v).is_empty(), "schema accepts {bad}");
            assert!(parse(bad).is_err(), "reader accepts {bad}");
        }
    }

    /// Every exchange this build writes validates: the reasons' examples,
    /// the WPT-derived exchanges (first format, upgraded) and the exchanges
    /// read from HAR files, serialised.
    #[test]
    fn reason_examples_and_test_exchanges_validate() {
        let mut n = 0;
        let mut check = |what: &str, ex: &Exchange| {
            let v = serde_json::to_value(ex).unwrap();
            let errs = schema_errors(&v);
            assert!(errs.is_empty(), "{what}: {errs:?}");
            assert_eq!(v["schema"], 2, "{what}");
            n += 1;
        };
        for r in crate::report::reasons::REASONS {
            let v: Value = serde_json::from_str(r.example).unwrap_or_else(|e| panic!("{}: example is not JSON: {e}", r.id));
            assert!(schema_errors(&v).is_empty(), "{}: the example as written: {:?}", r.id, schema_errors(&v));
            let ex = parse(r.example).unwrap_or_else(|e| panic!("{}: {e}", r.id));
            check(r.id.as_str(), &ex[0]);
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/wpt");
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                let Ok(text) = std::fs::read_to_string(e.path()) else { continue };
                let Ok(doc) = serde_json::from_str::<Value>(&text) else { continue };
                for c in doc["cases"].as_array().into_iter().flatten() {
                    if let Some(ex) = c.get("exchange") {
                        let read = parse(&ex.to_string()).unwrap_or_else(|err| panic!("{}: {}: {err}", e.path().display(), c["name"]));
                        check(&format!("{}: {}", e.path().display(), c["name"]), &read[0]);
                    }
                }
            }
        }
        for name in ["chrome-sample.har", "firefox-sample.har"] {
            let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/har").join(name);
            if let Ok(text) = std::fs::read_to_string(p) {
                for ex in parse(&text).unwrap() {
                    check(name, &ex);
                }
            }
        }
        assert!(n > 20, "only {n} exchanges validated");
    }
}
