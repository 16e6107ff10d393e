//! What is wrong with an input, and where: [`InputError`] (a message, a
//! path, a line and column), the [`Limits`] on absurd inputs, [`locate`]
//! (the line and column of a path in JSON text) and [`kind`]. Every reader
//! (`input`, `input::har`) reports through these.

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

    pub(crate) fn from_json(e: &serde_json::Error, what: &str) -> Self {
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

/// One step of a path like `log.entries[12].response.headers[3]`.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn parse_path(path: &str) -> Option<Vec<Step<'_>>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (part.get(..i)?, part.get(i..)?),
            None => (part, ""),
        };
        if !key.is_empty() {
            steps.push(Step::Key(key));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            steps.push(Step::Index(r.get(..end)?.parse().ok()?));
            rest = r.get(end + 1..)?;
        }
    }
    Some(steps)
}

/// The 1-based line and column where the value at `path` starts in `text`
/// (valid JSON). A small scanner: skips whitespace, strings and nested
/// values; never panics, None when the path is not found.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let ws = |mut i: usize| {
        while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        i
    };
    // End of the string starting at `i` (on its opening quote).
    let string_end = |mut i: usize| -> Option<usize> {
        i += 1;
        loop {
            match b.get(i)? {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        }
    };
    // End of the value starting at `i`.
    let value_end = |i: usize| -> Option<usize> {
        match b.get(i)? {
            b'"' => string_end(i),
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut j = i;
                loop {
                    match b.get(j)? {
                        b'"' => {
                            j = string_end(j)?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.checked_sub(1)?;
                            if depth == 0 {
                                return Some(j + 1);
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
            }
            _ => {
                let mut j = i;
                while !matches!(b.get(j), None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')) {
                    j += 1;
                }
                Some(j)
            }
        }
    };
    let mut at = ws(0);
    if b.get(at) == Some(&0xef) {
        at = ws(at + 3); // BOM
    }
    for step in parse_path(path)? {
        match step {
            Step::Key(k) => {
                if b.get(at) != Some(&b'{') {
                    return None;
                }
                let mut i = ws(at + 1);
                loop {
                    if b.get(i) != Some(&b'"') {
                        return None;
                    }
                    let end = string_end(i)?;
                    let raw = text.get(i + 1..end - 1)?;
                    let name: std::borrow::Cow<'_, str> = if raw.contains('\\') {
                        serde_json::from_str::<String>(text.get(i..end)?).ok()?.into()
                    } else {
                        raw.into()
                    };
                    i = ws(end);
                    if b.get(i) != Some(&b':') {
                        return None;
                    }
                    i = ws(i + 1);
                    if name == k {
                        at = i;
                        break;
                    }
                    i = ws(value_end(i)?);
                    match b.get(i)? {
                        b',' => i = ws(i + 1),
                        _ => return None,
                    }
                }
            }
            Step::Index(n) => {
                if b.get(at) != Some(&b'[') {
                    return None;
                }
                let mut i = ws(at + 1);
                for _ in 0..n {
                    i = ws(value_end(i)?);
                    match b.get(i)? {
                        b',' => i = ws(i + 1),
                        _ => return None,
                    }
                }
                if matches!(b.get(i), None | Some(b']')) {
                    return None;
                }
                at = i;
            }
        }
    }
    let before = text.get(..at)?;
    let line = before.bytes().filter(|&c| c == b'\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count() + 1).unwrap_or(1);
    Some((line, col))
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

