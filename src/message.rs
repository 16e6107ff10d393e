//! Translatable text.
//!
//! Every user-facing sentence the engine produces is a `Text`: a stable
//! message id, the English template it came from, its parameters, and the
//! rendered English. A translation (zh-TW is planned) maps the id to another
//! template and renders the same parameters; nothing else changes. Templates
//! use `{name}` placeholders; `{{` and `}}` are literal braces. Parameters
//! are plain text: renderers (panel, pages) must insert them as text, never
//! as markup.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// Stable message id, e.g. `reason.CORSMissingAllowOrigin.explanation`.
    pub id: String,
    /// The English template.
    pub template: String,
    /// Values for the template's placeholders.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// The template rendered with `params` (English).
    pub text: String,
}

impl Text {
    /// A message with parameters. Unknown placeholders render as written.
    pub fn new(id: impl Into<String>, template: &str, params: &[(&str, &str)]) -> Text {
        let params: BTreeMap<String, String> =
            params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let text = render(template, &params);
        Text { id: id.into(), template: template.to_string(), params, text }
    }

    /// A message without parameters.
    pub fn plain(id: impl Into<String>, template: &str) -> Text {
        Text::new(id, template, &[])
    }
}

/// Fills `{name}` placeholders from `params`. Never panics; an unknown or
/// unterminated placeholder is kept literally.
pub fn render(template: &str, params: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some(body) = tail.strip_prefix('{') {
            match body.split_once('}') {
                Some((key, after)) => {
                    match params.get(key) {
                        Some(v) => out.push_str(v),
                        None => {
                            out.push('{');
                            out.push_str(key);
                            out.push('}');
                        }
                    }
                    rest = after;
                }
                None => {
                    out.push_str(tail);
                    rest = "";
                }
            }
        } else {
            out.push('}');
            rest = tail.get(1..).unwrap_or("");
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_params_and_escapes() {
        let t = Text::new("x", "Header {h} is {{literal}} {missing} {v}", &[("h", "ACAO"), ("v", "{x}")]);
        assert_eq!(t.text, "Header ACAO is {literal} {missing} {x}");
    }

    #[test]
    fn unterminated_placeholder_is_kept() {
        let t = Text::plain("x", "a {b");
        assert_eq!(t.text, "a {b");
        let t = Text::plain("x", "a } b");
        assert_eq!(t.text, "a } b");
    }
}
