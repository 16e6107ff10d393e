//! The layers and the imports between modules (docs/ARCHITECTURE.md):
//!
//! | layer | modules |
//! |---|---|
//! | 0 core | `core::*` (the exchange, fetch, facts, check, credentials, reason, verdict) |
//! | 1 report | `report::*` (texts, diagnosis, reasons, diagnose, fix, patch, snippets, findings) |
//! | 2 input | `input::*` (exchange JSON, the first format, HAR, raw, lab records), `webrequest` |
//! | 3 boundaries | `main.rs`, `wasm`, `lab`, `probe` |
//!
//! Reads every `crate::…` path in the non-test code of every module under
//! `src/` (and `whycors::…` in `main.rs`), resolves the paths `lib.rs`
//! re-exports (`crate::check` is `core::check`), and fails on a path into
//! a higher layer, and on a cycle between modules. A module is a file, or
//! a directory whose files form one module (`report::reasons`, `lab`,
//! `probe`, `webrequest`; `core::check` with its test files). Test code
//! (`tests.rs`, `*_tests.rs`, a trailing `#[cfg(test)] mod`) may import
//! anything, except in the core: its tests name only the core.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Directories whose files are one module.
const COLLAPSED: &[&str] = &["report::reasons", "lab", "probe", "webrequest", "core::check"];

/// The module a file belongs to (`core::fetch::headers`, `report::reasons`).
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().to_string()).collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".rs").to_string();
    }
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    let m = parts.join("::");
    for c in COLLAPSED {
        if m == *c || m.starts_with(&format!("{c}::")) {
            return c.to_string();
        }
    }
    m
}

fn layer(module: &str) -> Option<u8> {
    let first = module.split("::").next().unwrap_or("");
    match first {
        "core" => Some(0),
        "report" => Some(1),
        "input" | "webrequest" => Some(2),
        "main" | "wasm" | "lab" | "probe" => Some(3),
        _ => None,
    }
}

/// `lib.rs`'s re-exports: the former paths.
fn alias(first: &str) -> Option<&'static str> {
    Some(match first {
        "check" => "core::check",
        "credentials" => "core::credentials",
        "exchange" | "Browser" | "Exchange" => "core::exchange",
        "facts" => "core::facts",
        "fetch" => "core::fetch",
        "reason" => "core::reason",
        "verdict" => "core::verdict",
        "har" => "input::har",
        "labrecord" => "input::labrecord",
        "raw" => "input::raw",
        "model" => "input::v1",
        "diagnose" | "Options" => "report::diagnose",
        "diagnosis" | "Diagnosis" | "Verdict" => "report::diagnosis",
        "findings" => "report::findings",
        "fix" => "report::fix",
        "message" => "report::message",
        "patch" => "report::patch",
        "reasons" => "report::reasons",
        "snippets" => "report::snippets",
        "texts" => "report::texts",
        _ => return None,
    })
}

/// The non-test code of a file: lines outside comments, string literals
/// blanked, cut at a trailing `#[cfg(test)] mod`.
fn code_of(text: &str) -> String {
    code_with(text, false)
}

/// A file's code, comments out and string literals blanked; its tests too
/// when `tests`.
fn code_with(text: &str, tests: bool) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if !tests && t.starts_with("#[cfg(test)]") && lines.get(i + 1).is_some_and(|n| n.trim_start().starts_with("mod ")) {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        // Blank string literals (a URL's `//` is not a comment), then cut comments.
        let mut l = String::new();
        let mut in_str = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (in_str, c) {
                (true, '\\') => {
                    chars.next();
                }
                (true, '"') => in_str = false,
                (true, _) => {}
                (false, '"') => in_str = true,
                (false, '/') if chars.peek() == Some(&'/') => break,
                (false, c) => l.push(c),
            }
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// Every module path a file's code names (`crate::a::b`, `crate::{a, b}`).
fn references(code: &str, root: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let pat = format!("{root}::");
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(pos) = code.get(from..).and_then(|s| s.find(&pat)).map(|p| p + from) {
        from = pos + pat.len();
        // Not part of a longer identifier (`mycrate::`).
        if pos > 0 && bytes.get(pos - 1).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
            continue;
        }
        let rest = code.get(from..).unwrap_or("");
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c}`: each item's first segments.
            let end = group.find('}').unwrap_or(group.len());
            for item in group.get(..end).unwrap_or("").split(',') {
                let segs: Vec<String> = item
                    .trim()
                    .split("::")
                    .map(|s| s.trim().to_string())
                    .take_while(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                    .collect();
                if !segs.is_empty() {
                    out.push(segs);
                }
            }
            continue;
        }
        let mut segs = Vec::new();
        let mut r = rest;
        loop {
            let end = r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(r.len());
            let seg = r.get(..end).unwrap_or("");
            if seg.is_empty() {
                break;
            }
            segs.push(seg.to_string());
            match r.get(end..).and_then(|x| x.strip_prefix("::")) {
                Some(next) if !next.starts_with('{') => r = next,
                Some(next) => {
                    // `crate::a::{b, c}`: the module is `a` (or deeper, per item).
                    let end = next.find('}').unwrap_or(next.len());
                    for item in next.get(1..end).unwrap_or("").split(',') {
                        let mut s = segs.clone();
                        for seg in item.trim().split("::") {
                            let seg = seg.trim();
                            if seg.is_empty() || !seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                                break;
                            }
                            s.push(seg.to_string());
                        }
                        out.push(s);
                    }
                    segs.clear();
                    break;
                }
                None => break,
            }
        }
        if !segs.is_empty() {
            out.push(segs);
        }
    }
    out
}

/// The module a path names: the longest known module prefix, former paths
/// resolved.
fn resolve(segs: &[String], modules: &BTreeSet<String>) -> Option<String> {
    let mut segs: Vec<String> = segs.to_vec();
    if let Some(a) = segs.first().and_then(|f| alias(f)) {
        let mut v: Vec<String> = a.split("::").map(str::to_string).collect();
        v.extend(segs.into_iter().skip(1));
        segs = v;
    }
    (1..=segs.len()).rev().map(|n| segs.get(..n).map(|s| s.join("::")).unwrap_or_default()).find(|m| modules.contains(m))
}

struct Graph {
    edges: BTreeMap<String, BTreeSet<String>>,
    /// (from, to, file) for every edge.
    sites: Vec<(String, String, String)>,
}

fn graph() -> Graph {
    let root = src();
    let mut files = Vec::new();
    rs_files(&root, &mut files);
    files.sort();
    let mut modules: BTreeSet<String> = BTreeSet::new();
    let mut per_file: Vec<(PathBuf, String)> = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap_or(f).to_path_buf();
        if rel == Path::new("lib.rs") {
            continue;
        }
        let m = module_of(&rel);
        modules.insert(m.clone());
        // Directory modules: their parents (`core::fetch` for `core/fetch/headers.rs`).
        let mut prefix = String::new();
        for seg in m.split("::") {
            if !prefix.is_empty() {
                prefix.push_str("::");
            }
            prefix.push_str(seg);
            modules.insert(prefix.clone());
        }
        per_file.push((rel, m));
    }
    let mut g = Graph { edges: BTreeMap::new(), sites: Vec::new() };
    for (rel, m) in &per_file {
        let name = rel.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(root.join(rel)).unwrap_or_default();
        let code = code_of(&text);
        let crate_root = if m == "main" { "whycors" } else { "crate" };
        for segs in references(&code, crate_root) {
            let Some(to) = resolve(&segs, &modules) else { continue };
            // A module's own submodules and its parent's declarations are itself.
            if to == *m || to.starts_with(&format!("{m}::")) || m.starts_with(&format!("{to}::")) {
                continue;
            }
            g.edges.entry(m.clone()).or_default().insert(to.clone());
            g.sites.push((m.clone(), to, rel.display().to_string()));
        }
    }
    g
}

#[test]
fn no_import_goes_up_a_layer() {
    let g = graph();
    assert!(g.edges.len() > 20, "only {} modules import anything: is the scan right?", g.edges.len());
    let mut bad = BTreeSet::new();
    for (from, to, file) in &g.sites {
        let (Some(a), Some(b)) = (layer(from), layer(to)) else {
            bad.insert(format!("{file}: {from} -> {to}: a module outside every layer"));
            continue;
        };
        if b > a {
            bad.insert(format!("{file}: {from} (layer {a}) imports {to} (layer {b})"));
        }
    }
    assert!(bad.is_empty(), "imports up a layer:\n  {}", bad.into_iter().collect::<Vec<_>>().join("\n  "));
}

#[test]
fn no_import_cycles() {
    let g = graph();
    // Tarjan's strongly connected components.
    struct State<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        next: usize,
        sccs: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on.insert(v);
        if let Some(ws) = s.g.get(v) {
            for w in ws {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let lw = s.low[w];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(lw));
                } else if s.on.contains(w) {
                    let iw = s.index[w];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(iw));
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort_unstable();
                s.sccs.push(comp);
            }
        }
    }
    let mut s = State { g: &g.edges, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), on: BTreeSet::new(), next: 0, sccs: Vec::new() };
    let nodes: Vec<&str> = g.edges.keys().map(String::as_str).collect();
    for v in nodes {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    let cycles: Vec<String> = s
        .sccs
        .iter()
        .map(|c| {
            let sites: Vec<String> = g
                .sites
                .iter()
                .filter(|(a, b, _)| c.contains(&a.as_str()) && c.contains(&b.as_str()))
                .map(|(a, b, f)| format!("{a} -> {b} ({f})"))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            format!("{}: {}", c.join(", "), sites.join("; "))
        })
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n  {}", cycles.join("\n  "));
}

/// The core's tests are the core's too: they build exchanges in the model
/// and read the checks' own values, so the core can be tested (and built)
/// without the report or the readers.
#[test]
fn the_core_is_tested_alone() {
    let root = src();
    let mut files = Vec::new();
    rs_files(&root.join("core"), &mut files);
    files.sort();
    assert!(files.len() > 8, "{files:?}");
    let modules: BTreeSet<String> = {
        let mut all = Vec::new();
        rs_files(&root, &mut all);
        let mut m = BTreeSet::new();
        for f in &all {
            let module = module_of(f.strip_prefix(&root).unwrap_or(f));
            let mut prefix = String::new();
            for seg in module.split("::") {
                if !prefix.is_empty() {
                    prefix.push_str("::");
                }
                prefix.push_str(seg);
                m.insert(prefix.clone());
            }
        }
        m
    };
    let mut bad = BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for segs in references(&code_with(&text, true), "crate") {
            let Some(to) = resolve(&segs, &modules) else { continue };
            if layer(&to) != Some(0) {
                bad.insert(format!("{}: {to}", f.strip_prefix(&root).unwrap_or(f).display()));
            }
        }
    }
    assert!(bad.is_empty(), "core code (tests included) naming a module above the core:\n  {}", bad.into_iter().collect::<Vec<_>>().join("\n  "));
}

/// The scan itself: it finds the paths it must, through the forms they take.
#[test]
fn the_scan_reads_every_form_of_path() {
    let code = code_of(
        "use crate::core::check::{self, Failure};\nuse crate::{diagnose, Options};\n// crate::lab::x in a comment\nlet s = \"crate::probe\"; let x = crate::report::fix::hop_preflight(e, h);\nuse crate::core::exchange::{\n    Browser, Header,\n};\n#[cfg(test)]\nmod tests {\n    use crate::input::har;\n}\n",
    );
    let refs: Vec<String> = references(&code, "crate").into_iter().map(|s| s.join("::")).collect();
    assert!(refs.contains(&"core::check::self".to_string()), "{refs:?}");
    assert!(refs.contains(&"diagnose".to_string()) && refs.contains(&"Options".to_string()), "{refs:?}");
    assert!(refs.contains(&"report::fix::hop_preflight".to_string()), "{refs:?}");
    assert!(refs.contains(&"core::exchange::Browser".to_string()), "{refs:?}");
    assert!(!refs.iter().any(|r| r.starts_with("lab") || r.starts_with("probe") || r.starts_with("input")), "{refs:?}");
    let modules: BTreeSet<String> = ["core", "core::check", "report", "report::diagnose", "report::fix"].iter().map(|s| s.to_string()).collect();
    assert_eq!(resolve(&["check".into(), "evaluate".into()], &modules).as_deref(), Some("core::check"));
    assert_eq!(resolve(&["Options".into()], &modules).as_deref(), Some("report::diagnose"));
    assert_eq!(module_of(Path::new("report/reasons/cors_disabled.rs")), "report::reasons");
    assert_eq!(module_of(Path::new("core/fetch/headers.rs")), "core::fetch::headers");
    assert_eq!(module_of(Path::new("input/mod.rs")), "input");
}
