//! The `whycors` command line.
//!
//! `whycors diagnose FILE` reads a HAR or exchange JSON and prints, for every
//! blocked or suspicious exchange, the reason as both browsers name it, the
//! evidence, the explanation and the verified fix; `--json` prints the
//! diagnoses (each with its `schema`, docs/diagnosis-format.md). The verdict
//! is the outcome the browser recorded where it recorded one. Exit status:
//! 0 nothing blocked, 1 an exchange is blocked (decided; with
//! `--fail-undecided` also an undecided one, with `--strict` also any
//! finding), 2 bad input. Undecided exchanges (allowed without credentials,
//! blocked with them, and nothing recorded decides) print a warning on
//! standard error; `--credentials include|omit` states the mode (what the
//! file records wins, with a note where they disagree).
//!
//! `whycors upgrade FILE` prints the exchanges of a file as exchange JSON
//! schema 2: a first-format exchange file (no `schema`) upgraded, a schema-2
//! file as read, a HAR as the exchanges whycors reads from it.
//!
//! Everything printed that came from the network (URLs, header values,
//! messages quoting them) passes through `term_safe`: control characters,
//! ANSI escape sequences and bidirectional overrides are shown escaped, never
//! sent to the terminal.

use clap::{Parser, Subcommand};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use whycors::diagnosis::{ChangeAction, Diagnosis, Evidence, Finding, Severity, Stage, Verdict};
use whycors::input::{Format, Limits};
use whycors::exchange::{Browser, Credentials};

#[derive(Parser)]
#[command(name = "whycors", version, about = "Why did the browser block this cross-origin request, and how do I fix it?")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Diagnose the exchanges in a HAR file or an exchange JSON file.
    #[command(after_help = "Exit status: 1 when at least one request was blocked (decided by what the file records); \
0 otherwise: undecided requests (allowed without credentials, blocked with them, nothing recorded decides) \
print a warning, unless --fail-undecided; findings count only with --strict; 2 on bad input.")]
    Diagnose {
        /// A HAR 1.2 file or a whycors exchange JSON file ("-" for standard input).
        file: PathBuf,
        /// Report as this browser would (default: the file's, else both).
        #[arg(long, value_parser = ["chromium", "firefox"])]
        browser: Option<String>,
        /// Print the diagnoses as JSON.
        #[arg(long)]
        json: bool,
        /// Exit with status 1 on findings too, not only on blocked requests.
        #[arg(long)]
        strict: bool,
        /// The credentials mode the page's requests use, where the file does
        /// not record it: `include` (`credentials: 'include'`,
        /// `withCredentials = true`), `omit` or `same-origin` (the default of
        /// fetch(): no credentials to another origin). What the file records
        /// wins (a note says where they disagree).
        #[arg(long, value_parser = ["include", "omit", "same-origin"])]
        credentials: Option<String>,
        /// Exit with status 1 on undecided requests too (allowed without
        /// credentials, blocked with them, and nothing in the file decides).
        /// Without it they print a warning and do not change the status.
        #[arg(long)]
        fail_undecided: bool,
    },
    /// Print the exchanges of a file as exchange JSON schema 2 (upgrades the
    /// first format; a HAR gives the exchanges whycors reads from it).
    Upgrade {
        /// An exchange JSON file (either schema), or a HAR 1.2 file ("-" for standard input).
        file: PathBuf,
    },
    /// Start the lab: the lab page, the scriptable API and a redirect target, on 127.0.0.1.
    Lab {
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        #[arg(long, default_value_t = 8801)]
        page_port: u16,
        #[arg(long, default_value_t = 8802)]
        api_port: u16,
        #[arg(long, default_value_t = 8803)]
        other_port: u16,
        /// The static site served on the page origin.
        #[arg(long, default_value = "www")]
        www: PathBuf,
    },
    /// Ask a live server what Chromium and Firefox would get: the preflight, the request, the
    /// redirects, each as a curl command, then the diagnosis (--scan: look for CORS holes).
    #[command(after_help = "Exit status: 0 when every browser asked for would deliver the response to the page; \
1 when one would not (blocked by CORS, or a network error such as a reset or a malformed answer; \
with --scan: a severe or moderate hole); 2 when there was nothing to probe (bad input, an unreachable host, \
a refused connection, a TLS failure, a redirect loop, --max-redirects reached, a timeout).")]
    Probe(whycors::probe::ProbeArgs),
    /// List the reasons whycors knows.
    Reasons {
        /// As the Markdown table kept in README.md.
        #[arg(long)]
        markdown: bool,
        /// The registry as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Diagnose { file, browser, json, strict, credentials, fail_undecided } => {
            let credentials = match credentials.as_deref() {
                Some("include") => Some(Credentials::Include),
                Some("omit") => Some(Credentials::Omit),
                Some("same-origin") => Some(Credentials::SameOrigin),
                _ => None,
            };
            let how = DiagnoseFlags { json, strict, credentials, fail_undecided };
            diagnose_cmd(&file, browser.as_deref(), &how)
        }
        Command::Lab { bind, page_port, api_port, other_port, www } => {
            let cfg = whycors::lab::LabConfig { bind, page_port, api_port, other_port, www_dir: www };
            match whycors::lab::run(cfg) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("whycors lab: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Reasons { markdown, json } => reasons_cmd(markdown, json),
        Command::Upgrade { file } => upgrade_cmd(&file),
        Command::Probe(args) => probe_cmd(&args),
    }
}

fn upgrade_cmd(file: &PathBuf) -> ExitCode {
    let (text, parsed) = match read_parsed(file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    // One exchange object in, one out; otherwise an array.
    let single = parsed.format == Format::ExchangeJson && text.trim_start().starts_with('{');
    let json = match (single, parsed.exchanges.first()) {
        (true, Some(ex)) => serde_json::to_string_pretty(ex),
        _ => serde_json::to_string_pretty(&parsed.exchanges),
    };
    match json {
        Ok(s) => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            let _ = lock.write_all(s.as_bytes());
            let _ = lock.write_all(b"\n");
            let _ = lock.flush();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("whycors: could not serialize the exchanges: {e}");
            ExitCode::from(2)
        }
    }
}

// ---------------------------------------------------------------- whycors probe
// (src/probe/, docs/probe.md). Text: the requests as curl lines with the
// responses, then each diagnosis as `diagnose` prints it. --json: the
// diagnoses exactly as `diagnose --json` prints them (a scan: its report),
// the requests on standard error. Exit 0 delivered, 1 not delivered (scan:
// a severe or moderate finding), 2 bad input or the server unreachable.
fn probe_cmd(args: &whycors::probe::ProbeArgs) -> ExitCode {
    use whycors::probe::Run;
    let run = match whycors::probe::execute(args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("whycors probe: {}", term_safe(&e.0));
            return ExitCode::from(2);
        }
    };
    let mut out = String::new();
    let mut err = String::new();
    match &run {
        Run::Probe(p) => {
            let transcript = p.transcript(&term_safe);
            if args.json {
                err.push_str(&transcript);
                match serde_json::to_string_pretty(&p.diagnoses) {
                    Ok(s) => out.push_str(&json_term_safe(&s)),
                    Err(e) => err.push_str(&format!("whycors probe: {e}\n")),
                }
                out.push('\n');
            } else {
                out.push_str(&transcript);
                for d in &p.diagnoses {
                    block(&mut out, d);
                    out.push('\n');
                }
                out.push_str(&term_safe(&p.summary()));
                out.push('\n');
            }
            if let Some(f) = &p.fatal {
                err.push_str(&format!("whycors probe: {}\n", term_safe(f)));
            }
        }
        Run::Scan(s) => {
            if args.json {
                match serde_json::to_string_pretty(&**s) {
                    Ok(j) => out.push_str(&json_term_safe(&j)),
                    Err(e) => err.push_str(&format!("whycors probe: {e}\n")),
                }
                out.push('\n');
            } else {
                out.push_str(&s.render(&term_safe));
            }
            if let Some(f) = &s.fatal {
                err.push_str(&format!("whycors probe --scan: {}\n", term_safe(f)));
            }
        }
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    let _ = std::io::stderr().lock().write_all(err.as_bytes());
    ExitCode::from(run.exit_status())
}

/// The file (or standard input) read and parsed as HAR or exchange JSON; on
/// failure the message is printed and the exit status (2) returned.
fn read_parsed(file: &PathBuf) -> Result<(String, whycors::input::Parsed), ExitCode> {
    let limits = Limits::default();
    let shown = if file.as_os_str() == "-" { "standard input".to_string() } else { file.display().to_string() };
    let text = read_input(file, &limits).map_err(|msg| {
        eprintln!("whycors: {msg}");
        ExitCode::from(2)
    })?;
    let parsed = whycors::input::parse_with(&text, &limits).map_err(|e| {
        eprintln!("whycors: {}: {}", term_safe(&shown), term_safe(&e.to_string()));
        ExitCode::from(2)
    })?;
    Ok((text, parsed))
}

fn read_input(file: &PathBuf, limits: &Limits) -> Result<String, String> {
    let name = file.display().to_string();
    let mut bytes = Vec::new();
    if name == "-" {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock().take(limits.max_bytes as u64 + 1);
        lock.read_to_end(&mut bytes).map_err(|e| format!("standard input: {e}"))?;
    } else {
        let f = std::fs::File::open(file).map_err(|e| format!("{}: {e}", term_safe(&name)))?;
        if let Ok(meta) = f.metadata() {
            if meta.is_dir() {
                return Err(format!("{}: is a directory; expected a HAR or exchange JSON file", term_safe(&name)));
            }
        }
        f.take(limits.max_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{}: {e}", term_safe(&name)))?;
    }
    if bytes.len() > limits.max_bytes {
        return Err(format!(
            "{}: larger than the {}-byte limit; split the HAR or export fewer requests",
            term_safe(&name),
            limits.max_bytes
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!("{}: not UTF-8 text (invalid byte at offset {}); expected JSON", term_safe(&name), e.utf8_error().valid_up_to())
    })
}

/// `whycors diagnose`'s options beyond the file and the browser.
struct DiagnoseFlags {
    json: bool,
    strict: bool,
    credentials: Option<Credentials>,
    fail_undecided: bool,
}

fn diagnose_cmd(file: &PathBuf, browser: Option<&str>, how: &DiagnoseFlags) -> ExitCode {
    let (json, strict) = (how.json, how.strict);
    let (_, parsed) = match read_parsed(file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let browser = match browser {
        Some("chromium") => Some(Browser::Chromium),
        Some("firefox") => Some(Browser::Firefox),
        _ => None,
    };
    let opts = whycors::Options { browser, verdict_only: false, credentials: how.credentials };
    // What `diagnoseHar` says of the same file: `diagnose` decides the
    // credentials mode for each exchange (the one credentials function: what
    // the file records, then the stated mode), among the file's other
    // exchanges (report::neighbours).
    let diagnoses: Vec<Diagnosis> = whycors::har::diagnose_exchanges(&parsed.exchanges, &opts);

    let failed = diagnoses.iter().any(|d| d.verdict.is_failure());
    let undecided = diagnoses.iter().filter(|d| d.verdict.is_undecided()).count();
    let findings: usize = diagnoses.iter().map(|d| d.findings.len()).sum();

    let mut out = String::new();
    if json {
        match serde_json::to_string_pretty(&diagnoses) {
            Ok(s) => {
                out.push_str(&json_term_safe(&s));
                out.push('\n');
            }
            Err(e) => {
                eprintln!("whycors: could not serialize the diagnoses: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        report(&mut out, &diagnoses, &parsed);
    }
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    // A closed pipe (| head) is not an error worth a panic.
    let _ = lock.write_all(out.as_bytes());
    let _ = lock.flush();

    if undecided > 0 {
        eprintln!(
            "whycors: warning: {undecided} request{} undecided: allowed without credentials, blocked with them, and the file does not say which mode the page used. State it with --credentials include|omit; --fail-undecided makes this exit 1.",
            if undecided == 1 { "" } else { "s" }
        );
    }
    if failed || (strict && findings > 0) || (how.fail_undecided && undecided > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Whether an exchange gets a block in the readable report.
fn worth_a_block(d: &Diagnosis) -> bool {
    d.verdict.is_failure()
        || matches!(d.verdict, Verdict::Unknown | Verdict::Undecided | Verdict::NetworkError)
        || d.stopped_by.is_some()
        || d.browsers_differ
        || !d.findings.is_empty()
        || !d.hints.is_empty()
}

fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Blocked => "BLOCKED",
        Verdict::Undecided => "UNDECIDED (allowed without credentials, blocked with them)",
        Verdict::Allowed => "allowed",
        Verdict::NotCors => "not a CORS request",
        Verdict::NetworkError => "network error (not CORS)",
        Verdict::Unknown => "cannot tell",
    }
}

fn stage_label(e: &Evidence) -> String {
    match e.stage {
        Stage::Request => "request".into(),
        Stage::Preflight => "preflight response".into(),
        Stage::Actual => "actual response".into(),
        Stage::Redirect => match e.hop {
            Some(h) => format!("redirect hop {}", h + 1),
            None => "redirect".into(),
        },
    }
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Security => "security",
    }
}

fn report(out: &mut String, diagnoses: &[Diagnosis], parsed: &whycors::input::Parsed) {
    for d in diagnoses.iter().filter(|d| worth_a_block(d)) {
        block(out, d);
        out.push('\n');
    }
    let count = |v: Verdict| diagnoses.iter().filter(|d| d.verdict == v).count();
    let findings: usize = diagnoses.iter().map(|d| d.findings.len()).sum();
    let n = diagnoses.len();
    let _ = write!(
        out,
        "{n} exchange{}: {} blocked, {} undecided, {} allowed, {findings} finding{}",
        if n == 1 { "" } else { "s" },
        count(Verdict::Blocked),
        count(Verdict::Undecided),
        count(Verdict::Allowed),
        if findings == 1 { "" } else { "s" },
    );
    let extra = [
        (count(Verdict::NotCors), "not CORS"),
        (count(Verdict::NetworkError), "network errors"),
        (count(Verdict::Unknown), "cannot tell"),
    ];
    for (k, label) in extra {
        if k > 0 {
            let _ = write!(out, ", {k} {label}");
        }
    }
    if parsed.format == Format::Har {
        let _ = write!(
            out,
            " (from {} HAR entries; {} skipped: same-origin, navigations, no-cors, paired preflights, redirect hops)",
            parsed.entries, parsed.skipped
        );
    }
    out.push('\n');
}

fn block(out: &mut String, d: &Diagnosis) {
    let _ = writeln!(out, "{} {}", term_safe(&d.method), term_safe_trunc(&d.url, 400));
    if let Some(id) = &d.id {
        let _ = writeln!(out, "  exchange: {}", term_safe(id));
    }
    if let Some(o) = &d.origin {
        let _ = writeln!(out, "  from:     {}", term_safe(o));
    }
    let reason = d.reason.as_deref().map(|r| format!(" ({})", term_safe(r))).unwrap_or_default();
    let _ = writeln!(out, "  verdict:  {}{reason}", verdict_label(d.verdict));
    if let Some(s) = &d.stopped_by {
        let _ = writeln!(out, "  stopped:  {} [{}]", term_safe_trunc(&s.title.text, 200), term_safe(&s.id));
    }
    for b in &d.browsers {
        let mut line = format!("    {:<9} {}", b.browser.as_str(), verdict_label(b.verdict));
        if let Some(n) = &b.name {
            let _ = write!(line, ", {}", term_safe(n));
        }
        if let Some(p) = &b.parameter {
            let _ = write!(line, " [{}]", term_safe_trunc(p, 200));
        }
        let _ = writeln!(out, "{line}");
        if let Some(m) = &b.message {
            let _ = writeln!(out, "      console: {}", term_safe_trunc(m, 600));
        }
    }
    if d.browsers_differ {
        let _ = writeln!(out, "    (the two browsers classify this exchange differently)");
    }
    // The same alternative for both browsers is shown once.
    let mut shown: Vec<(&str, &str)> = Vec::new();
    for a in &d.alternatives {
        if shown.contains(&(a.reason.as_str(), a.when.text.as_str())) {
            continue;
        }
        shown.push((a.reason.as_str(), a.when.text.as_str()));
        let both = d.alternatives.iter().filter(|b| b.reason == a.reason && b.when.text == a.when.text).count() > 1;
        let who = match (a.browser, both) {
            (Some(b), false) => format!(" ({})", b.as_str()),
            _ => String::new(),
        };
        let _ = writeln!(out, "  or:       {}{who}: {}", term_safe(&a.reason), term_safe_trunc(&a.when.text, 400));
    }
    for e in &d.evidence {
        let header = e.header.as_deref().map(term_safe).unwrap_or_else(|| "-".into());
        let observed = match &e.observed {
            Some(v) => format!("\"{}\"", term_safe_trunc(v, 300)),
            None => "(absent)".into(),
        };
        let _ = writeln!(out, "  evidence: {}, {}: observed {observed}", stage_label(e), header);
        if let Some(x) = &e.expected {
            let _ = writeln!(out, "            expected \"{}\"", term_safe_trunc(x, 300));
        }
        let _ = writeln!(out, "            Fetch: {}", term_safe(&e.fetch_step));
    }
    if let Some(x) = &d.explanation {
        let _ = writeln!(out, "  why:      {}", term_safe_trunc(&x.text, 2000));
    }
    if let Some(s) = &d.stopped_by {
        let _ = writeln!(out, "  do:       {}", term_safe_trunc(&s.fix.text, 1000));
    }
    if let Some(l) = &d.link {
        let _ = writeln!(out, "  see:      {}", term_safe(l));
    }
    for m in &d.missing {
        let _ = writeln!(out, "  missing:  {}", term_safe_trunc(&m.text, 400));
    }
    if let Some(fix) = &d.fix {
        let _ = writeln!(out, "  fix:      {}", term_safe_trunc(&fix.summary.text, 600));
        for c in &fix.changes {
            let stage = match (c.stage, c.hop) {
                (Stage::Redirect, Some(h)) => format!("redirect hop {}", h + 1),
                (Stage::Preflight, _) => "preflight".into(),
                (Stage::Actual, _) => "actual".into(),
                (Stage::Redirect, None) => "redirect".into(),
                (Stage::Request, _) => "request".into(),
            };
            let target = term_safe(&c.target);
            let value = c.value.as_deref().map(|v| term_safe_trunc(v, 300)).unwrap_or_default();
            let what = match c.action {
                ChangeAction::SetHeader => format!("set {target}: {value}"),
                ChangeAction::RemoveHeader => format!("remove {target}"),
                ChangeAction::SetStatus => format!("answer with status {value}"),
                ChangeAction::SetLocation => {
                    if value.is_empty() {
                        "do not redirect".to_string()
                    } else {
                        format!("redirect to {value}")
                    }
                }
                ChangeAction::Client => format!("in the page: {target} {value}"),
            };
            let _ = writeln!(out, "            - {stage}: {what}");
        }
        match (&fix.verification, fix.verified.is_empty()) {
            (Some(v), _) => {
                let _ = writeln!(out, "            {}", term_safe_trunc(&v.text, 600));
            }
            (None, false) => {
                let names: Vec<&str> = fix.verified.iter().map(|b| b.as_str()).collect();
                let _ = writeln!(out, "            verified: allowed in {} with this change", names.join(" and "));
            }
            (None, true) => {}
        }
        if !fix.snippets.is_empty() {
            let labels: Vec<String> = fix.snippets.iter().map(|s| term_safe(&s.label)).collect();
            let _ = writeln!(out, "            config snippets ({}): run with --json", labels.join(", "));
        }
    }
    for h in &d.hints {
        finding_line(out, "hint", h);
    }
    for f in &d.findings {
        finding_line(out, "finding", f);
    }
    for n in &d.notes {
        let _ = writeln!(out, "  note:     {}", term_safe_trunc(&n.text, 600));
    }
}

fn finding_line(out: &mut String, what: &str, f: &Finding) {
    let _ = writeln!(
        out,
        "  {what}:{}[{}] {}",
        " ".repeat(9usize.saturating_sub(what.len() + 1)),
        severity_label(f.severity),
        term_safe_trunc(&f.text.text, 600)
    );
}

/// Text safe to print on a terminal: C0 and C1 control characters (ESC
/// among them, so no ANSI sequence gets through), DEL, and Unicode
/// bidirectional controls are shown as `\xNN` / `\u{NNNN}`; a backslash is
/// doubled so escapes cannot be forged.
fn term_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (0x80..=0x9f).contains(&(c as u32))
                || matches!(c as u32, 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2069 | 0xfeff) =>
            {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// JSON text with the characters serde_json leaves raw but a terminal may
/// act on (C1 controls, bidirectional and zero-width controls) written as
/// `\uXXXX` escapes: the same JSON value, safe to `cat`. (serde_json already
/// escapes C0 controls, ESC among them.) These characters only occur inside
/// JSON strings, where the escape is valid.
fn json_term_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        let u = c as u32;
        if (0x7f..=0x9f).contains(&u) || matches!(u, 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2069 | 0xfeff) {
            let _ = write!(out, "\\u{u:04x}");
        } else {
            out.push(c);
        }
    }
    out
}

/// `term_safe`, cut to about `max` characters with a note of the full length.
fn term_safe_trunc(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return term_safe(s);
    }
    let cut: String = s.chars().take(max).collect();
    format!("{}... ({} more characters)", term_safe(&cut), n - max)
}

fn reasons_cmd(markdown: bool, json: bool) -> ExitCode {
    let mut out = String::new();
    if markdown {
        out.push_str(&whycors::reasons::markdown_table());
        if !out.ends_with('\n') {
            out.push('\n');
        }
    } else if json {
        // The same shape as the wasm `reasons()` (`ReasonInfo`).
        let list = whycors::reasons::infos();
        match serde_json::to_string_pretty(&list) {
            Ok(s) => {
                out.push_str(&s);
                out.push('\n');
            }
            Err(e) => {
                eprintln!("whycors: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        for r in whycors::reasons::REASONS {
            let _ = writeln!(out, "{}\t{}", r.id, r.title);
        }
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls() {
        assert_eq!(term_safe("a\x1b[31mred"), "a\\x1b[31mred");
        assert_eq!(term_safe("x\u{9b}31m"), "x\\u{009b}31m");
        assert_eq!(term_safe("\u{202e}evil"), "\\u{202e}evil");
        assert_eq!(term_safe("a\\x1b"), "a\\\\x1b");
        assert_eq!(term_safe("caf\u{e9} \u{4e2d}"), "caf\u{e9} \u{4e2d}");
        assert!(term_safe_trunc(&"x".repeat(1000), 10).contains("990 more"));
        let j = json_term_safe("{\"a\":\"x\u{9b}y\u{202e}\"}");
        assert_eq!(j, "{\"a\":\"x\\u009by\\u202e\"}");
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v["a"], "x\u{9b}y\u{202e}");
    }
}
