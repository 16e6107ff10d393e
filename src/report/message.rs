//! Translatable text.
//!
//! Every user-facing sentence the engine produces is a `Text`: a stable
//! message id, the English template it came from, its parameters, and the
//! rendered English. A translation (zh-TW is planned) maps the id to another
//! template and renders the same parameters; nothing else changes. Templates
//! use `{name}` placeholders; `{{` and `}}` are literal braces. Parameters
//! are plain text: renderers (panel, pages) must insert them as text, never
//! as markup.
//!
//! A parameter can itself be translatable: a nested message, or a list of
//! messages (the phrases of a fix summary, the places a header goes). Those
//! are in [`Text::parts`], keyed like `params`; `params` still holds their
//! English rendering, so `render(template, params) == text` for every
//! `Text` (consumers that only show English, or fill `params` themselves,
//! are unaffected). A translation renders a part itself: a message by its
//! own id (recursively), a list by rendering each item and joining them with
//! the locale's list pattern for the list's [`ListStyle`] (the message ids
//! in [`LIST_PATTERNS`], CLDR's `start`/`middle`/`end`/`2` scheme, the same
//! as `Intl.ListFormat`). [`localize`] is that algorithm.

#[cfg(feature = "full")]
use serde::Deserialize;
use serde::Serialize;
use crate::core::sorted::SortedMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]

#[cfg_attr(feature = "full", derive(Deserialize))]
pub struct Text {
    /// Stable message id, e.g. `reason.CORSMissingAllowOrigin.explanation`.
    pub id: String,
    /// The English template.
    pub template: String,
    /// Values for the template's placeholders. For a key that is also in
    /// `parts`, the English rendering of that part.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub params: SortedMap<String, String>,
    /// Placeholders whose value is itself translatable (a message or a list
    /// of messages). A translation renders these instead of `params[key]`.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub parts: SortedMap<String, Part>,
    /// The template rendered with `params` (English).
    pub text: String,
}

/// A translatable parameter value.
///
/// JSON: a list is `{"list": "and", "items": [Text, ...]}`; a message is the
/// `Text` object itself (`{"id", "template", "params", "parts", "text"}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(untagged)]
pub enum Part {
    /// Items joined with the locale's list pattern for `list`.
    List(List),
    /// One nested message.
    Message(Text),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]

#[cfg_attr(feature = "full", derive(Deserialize))]
pub struct List {
    pub list: ListStyle,
    pub items: Vec<Text>,
}

/// How a list of messages is joined (English shown).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "kebab-case")]
pub enum ListStyle {
    /// A conjunction of short items: "a and b", "a, b and c"
    /// (`Intl.ListFormat` type `conjunction`, without the serial comma).
    And,
    /// Separate steps, each a clause: "a; b; c".
    Steps,
}

impl ListStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            ListStyle::And => "and",
            ListStyle::Steps => "steps",
        }
    }
}

/// The list patterns, as messages a translation overrides like any other:
/// `(id, English template)`. `list.<style>.2` joins exactly two items;
/// longer lists are `start(item0, middle(item1, ... end(item[n-2], item[n-1])))`
/// (CLDR list patterns). `{0}` and `{1}` are the two sides.
pub const LIST_PATTERNS: &[(&str, &str)] = &[
    ("list.and.2", "{0} and {1}"),
    ("list.and.start", "{0}, {1}"),
    ("list.and.middle", "{0}, {1}"),
    ("list.and.end", "{0} and {1}"),
    ("list.steps.2", "{0}; {1}"),
    ("list.steps.start", "{0}; {1}"),
    ("list.steps.middle", "{0}; {1}"),
    ("list.steps.end", "{0}; {1}"),
];

/// The English list pattern `which` (`2`, `start`, `middle`, `end`) of a style.
fn english_pattern(id: &str) -> &'static str {
    LIST_PATTERNS.iter().find(|(i, _)| *i == id).map(|(_, t)| *t).unwrap_or("{0}, {1}")
}

impl Text {
    /// A message with parameters. Unknown placeholders render as written.
    pub fn new(id: impl Into<String>, template: &str, params: &[(&str, &str)]) -> Text {
        let params = param_map(params);
        let text = render(template, &params);
        Text { id: id.into(), template: template.to_string(), params, parts: SortedMap::new(), text }
    }

    /// A message without parameters.
    pub fn plain(id: impl Into<String>, template: &str) -> Text {
        Text::new(id, template, &[])
    }

    /// A message whose parameters include translatable parts. Each part's
    /// English rendering goes into `params` too (a part wins over a plain
    /// parameter of the same name).
    pub fn with_parts(id: impl Into<String>, template: &str, params: &[(&str, &str)], parts: Vec<(&str, Part)>) -> Text {
        let mut t = Text::new(id, template, params);
        for (k, p) in parts {
            t.params.insert(k.to_string(), p.english());
            t.parts.insert(k.to_string(), p);
        }
        t.text = render(&t.template, &t.params);
        t
    }
}

impl Part {
    /// One nested message.
    pub fn message(t: Text) -> Part {
        Part::Message(t)
    }

    /// A list of messages joined in `style`.
    pub fn list(style: ListStyle, items: Vec<Text>) -> Part {
        Part::List(List { list: style, items })
    }

    /// The English rendering (the items' `text` joined with the English patterns).
    pub fn english(&self) -> String {
        match self {
            Part::Message(t) => t.text.clone(),
            Part::List(l) => {
                let items: Vec<String> = l.items.iter().map(|t| t.text.clone()).collect();
                join_list(l.list, &items, &|id| Some(english_pattern(id).to_string()))
            }
        }
    }
}

/// Joins rendered items with a style's list patterns, looked up by id
/// (`list.and.2`, ...) in `patterns`, English where it has none.
pub fn join_list(style: ListStyle, items: &[String], patterns: &dyn Fn(&str) -> Option<String>) -> String {
    let pat = |which: &str| {
        let id = format!("list.{}.{which}", style.as_str());
        patterns(&id).unwrap_or_else(|| english_pattern(&id).to_string())
    };
    let fill = |tpl: &str, a: &str, b: &str| {
        let mut m = SortedMap::new();
        m.insert("0".to_string(), a.to_string());
        m.insert("1".to_string(), b.to_string());
        render(tpl, &m)
    };
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => fill(&pat("2"), a, b),
        [first, mid @ .., before_last, last] => {
            // Built from the end: end(n-2, n-1), then middle(..., acc), then start(0, acc).
            let mut acc = fill(&pat("end"), before_last, last);
            for m in mid.iter().rev() {
                acc = fill(&pat("middle"), m, &acc);
            }
            fill(&pat("start"), first, &acc)
        }
    }
}

/// Renders a message the way a translation does: each id's template from
/// `catalogue` (the message's own English template where the catalogue has
/// none), plain parameters as they are, parts rendered recursively, lists
/// joined with the catalogue's list patterns ([`LIST_PATTERNS`] ids). With an
/// empty catalogue this reproduces `text`.
pub fn localize(t: &Text, catalogue: &dyn Fn(&str) -> Option<String>) -> String {
    let template = catalogue(&t.id).unwrap_or_else(|| t.template.clone());
    let mut values = t.params.clone();
    for (k, p) in &t.parts {
        let v = match p {
            Part::Message(m) => localize(m, catalogue),
            Part::List(l) => {
                let items: Vec<String> = l.items.iter().map(|i| localize(i, catalogue)).collect();
                join_list(l.list, &items, catalogue)
            }
        };
        values.insert(k.clone(), v);
    }
    render(&template, &values)
}

/// `params` as a map, a later value of a name replacing an earlier one.
/// Inserted one by one: `collect` would sort first, and each sort costs its
/// own code in the wasm (`core::order`).
pub fn param_map(params: &[(&str, &str)]) -> SortedMap<String, String> {
    let mut map = SortedMap::new();
    for (k, v) in params {
        map.insert(k.to_string(), v.to_string());
    }
    map
}

/// Fills `{name}` placeholders from `params`. Never panics; an unknown or
/// unterminated placeholder is kept literally.
pub fn render(template: &str, params: &SortedMap<String, String>) -> String {
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

    fn items(n: usize) -> Vec<Text> {
        (0..n).map(|i| Text::new("item", "<{i}>", &[("i", &i.to_string())])).collect()
    }

    #[test]
    fn lists_join_like_cldr_patterns() {
        let and = |n| Part::list(ListStyle::And, items(n)).english();
        assert_eq!(and(0), "");
        assert_eq!(and(1), "<0>");
        assert_eq!(and(2), "<0> and <1>");
        assert_eq!(and(3), "<0>, <1> and <2>");
        assert_eq!(and(4), "<0>, <1>, <2> and <3>");
        assert_eq!(Part::list(ListStyle::Steps, items(3)).english(), "<0>; <1>; <2>");
    }

    #[test]
    fn parts_render_into_params_and_relocalize() {
        let inner = Text::new("inner", "fix {what}", &[("what", "ACAO")]);
        let t = Text::with_parts(
            "outer",
            "{steps}. Also: {one}",
            &[],
            vec![("steps", Part::list(ListStyle::Steps, items(2))), ("one", Part::message(inner))],
        );
        assert_eq!(t.text, "<0>; <1>. Also: fix ACAO");
        assert_eq!(render(&t.template, &t.params), t.text);
        assert_eq!(localize(&t, &|_| None), t.text);
        // A translation replaces templates by id, list patterns included.
        let cat = |id: &str| -> Option<String> {
            Some(match id {
                "outer" => "{one} / {steps}",
                "inner" => "répare {what}",
                "item" => "[{i}]",
                "list.steps.2" => "{0} puis {1}",
                _ => return None,
            }
            .to_string())
        };
        assert_eq!(localize(&t, &cat), "répare ACAO / [0] puis [1]");
    }

    #[test]
    fn json_shape_is_backward_compatible() {
        let plain = Text::new("x", "a {b}", &[("b", "c")]);
        let v = serde_json::to_value(&plain).unwrap();
        assert_eq!(v, serde_json::json!({"id": "x", "template": "a {b}", "params": {"b": "c"}, "text": "a c"}));
        let t = Text::with_parts("o", "{l} / {m}", &[], vec![("l", Part::list(ListStyle::And, items(2))), ("m", Part::message(plain.clone()))]);
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["params"]["l"], "<0> and <1>");
        assert_eq!(v["parts"]["l"]["list"], "and");
        assert_eq!(v["parts"]["l"]["items"][1]["id"], "item");
        assert_eq!(v["parts"]["m"]["id"], "x");
        let back: Text = serde_json::from_value(v).unwrap();
        assert_eq!(back, t);
        // Old JSON (no parts) still reads.
        let old: Text = serde_json::from_str(r#"{"id":"x","template":"a","text":"a"}"#).unwrap();
        assert!(old.parts.is_empty());
    }

    #[test]
    fn unterminated_placeholder_is_kept() {
        let t = Text::plain("x", "a {b");
        assert_eq!(t.text, "a {b");
        let t = Text::plain("x", "a } b");
        assert_eq!(t.text, "a } b");
    }
}
