//! The engine's own exchange JSON reader (`Exchange::from_json`,
//! `exchange::schema_of_text`: what the extension's report module reads)
//! takes what serde's derived reader (the full build's) takes, the same way:
//!
//! - every stored exchange (the fixtures', every HAR's under tests/data)
//!   written by serde reads back equal, and each fixture's own exchange
//!   text reads to what serde reads from it;
//! - in those documents, any member replaced by a value of another type or
//!   name, both readers read the same exchange or both refuse it (except a
//!   struct written as an array, which serde alone reads);
//! - the schema is decided as `exchange::check_schema` decides it on the tree.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use proptest::prelude::*;
use serde_json::{json, Value};
use stored::Stored;
use whycors::exchange::{check_schema, schema_of_text, Exchange};

mod stored;

/// Both readers on one text: `Ok` with the exchange both read, or `Err`
/// when both refuse it; a disagreement is a test failure.
fn both(text: &str) -> Result<Result<Exchange, String>, String> {
    let theirs = serde_json::from_str::<Exchange>(text);
    let ours = Exchange::from_json(text);
    match (theirs, ours) {
        (Ok(a), Ok(b)) if a == b => Ok(Ok(a)),
        (Err(a), Err(b)) => Ok(Err(format!("{a} / {b}"))),
        (a, b) => Err(format!("serde {a:?}\nours {b:?}")),
    }
}

#[test]
fn every_stored_exchange_reads_back() {
    let all = stored::all();
    assert!(all.len() > 300, "only {} exchanges", all.len());
    let mut own = 0;
    for Stored { label, exchange: ex, text } in all {
        let written = serde_json::to_string(ex).unwrap();
        assert_eq!(schema_of_text(&written), Ok(2), "{label}");
        assert_eq!(Exchange::from_json(&written).as_ref(), Ok(ex), "{label}");
        if let Some(text) = text {
            own += 1;
            match both(text) {
                Ok(Ok(_)) => {}
                other => panic!("{label}: {other:?}"),
            }
        }
    }
    assert!(own > 50, "only {own} fixtures hold schema-2 text");
}

/// The paths to every object member of a tree (`["legs", 0, "response"]`).
fn member_paths(v: &Value, here: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                here.push(json!(k));
                out.push(here.clone());
                member_paths(x, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(json!(i));
                member_paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match k {
        Value::String(s) => &mut v[s.as_str()],
        k => &mut v[k.as_u64().unwrap() as usize],
    })
}

fn pool() -> Vec<Value> {
    vec![
        json!(null),
        json!(true),
        json!(0),
        json!(1),
        json!(2),
        json!(3),
        json!(65536),
        json!(4294967296u64),
        json!(-1),
        json!(2.5),
        json!(""),
        json!("x"),
        json!("chromium"),
        json!("cors"),
        json!("no-cors"),
        json!("include"),
        json!("module-script"),
        json!("completed"),
        json!("not-sent"),
        json!({}),
        json!({"name": "a"}),
        json!({"name": "a", "value": "b"}),
        json!({"status": 204, "headers": []}),
        json!([]),
        json!(["x"]),
        json!([{}]),
        json!([{"name": "a", "value": "b"}]),
        json!([{"url": "http://b.test/"}]),
    ]
}

/// Members whose value is one struct (serde also reads a struct from an
/// array of its fields in order; ours does not).
const STRUCTS: &[&str] = &["page", "preflight", "response", "reported", "context"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn a_changed_member_reads_as_serde_reads_it(pick in any::<prop::sample::Index>(), member in any::<prop::sample::Index>(), value in prop::sample::select(pool()), more in any::<bool>(), member2 in any::<prop::sample::Index>(), value2 in prop::sample::select(pool())) {
        let all = stored::all();
        let Stored { label, exchange: ex, .. } = &all[pick.index(all.len())];
        let mut doc = serde_json::to_value(ex).unwrap();
        let mut changes = vec![(member, value)];
        if more {
            changes.push((member2, value2));
        }
        for (member, value) in changes {
            let mut paths = Vec::new();
            member_paths(&doc, &mut Vec::new(), &mut paths);
            let path = &paths[member.index(paths.len())];
            let key = path.last().and_then(Value::as_str).unwrap_or("");
            prop_assume!(!(value.is_array() && STRUCTS.contains(&key)));
            *at(&mut doc, path) = value;
        }
        let text = doc.to_string();
        prop_assert_eq!(schema_of_text(&text), check_schema(&doc), "{}: {}", label, text);
        let r = both(&text);
        prop_assert!(r.is_ok(), "{}: {}\n{}", label, text, r.unwrap_err());
    }

    #[test]
    fn the_schema_is_decided_as_on_the_tree(schema in prop::sample::select(pool()), legs in any::<bool>(), request in any::<bool>(), absent in any::<bool>()) {
        let mut doc = json!({});
        if !absent {
            doc["schema"] = schema;
        }
        if legs {
            doc["legs"] = json!([]);
        }
        if request {
            doc["request"] = json!({});
        }
        prop_assert_eq!(schema_of_text(&doc.to_string()), check_schema(&doc));
    }
}

#[test]
fn what_does_not_read_says_where() {
    let e = Exchange::from_json(r#"{"schema": 2, "legs": [{"url": 1}]}"#).unwrap_err();
    assert!(e.contains("expected a string at byte"), "{e}");
    let e = schema_of_text(r#"{"schema": 3, "legs": []}"#).unwrap_err();
    assert!(e.contains("newer"), "{e}");
    assert!(schema_of_text("[").unwrap_err().starts_with("exchange: expected"));
}
