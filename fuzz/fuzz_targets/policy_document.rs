//! `PolicyDocument::from_text` on arbitrary text (JSON, a JSON string, URL-encoded
//! JSON); whatever parses must survive serialization back to AWS's shape and parse
//! again to the same document.
//!
//! "The same" up to what AWS's shape cannot keep and the evaluator never looks at:
//! the order of a statement's conditions (AND-ed) and of its principals (OR-ed),
//! and the values of a `"*"`-kind principal (it is everyone, written `"*"`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use stopguard::iam::policy::PolicyDocument;

fn normalised(mut doc: PolicyDocument) -> PolicyDocument {
    for s in &mut doc.statements {
        s.conditions.sort_by(|a, b| {
            (&a.operator, &a.key, &a.values).cmp(&(&b.operator, &b.key, &b.values))
        });
        if let Some((_, entries)) = &mut s.principal {
            if entries.iter().any(|(k, _)| k == "*") {
                *entries = vec![("*".into(), "*".into())];
            }
            entries.sort();
        }
    }
    doc
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(doc) = PolicyDocument::from_text(text) else {
        return;
    };
    let json = serde_json::to_string(&doc).expect("a parsed document serializes");
    let again = PolicyDocument::from_text(&json)
        .unwrap_or_else(|e| panic!("serialized document does not parse: {e}\n{json}"));
    assert_eq!(
        normalised(doc),
        normalised(again),
        "round trip changed the document:\n{json}"
    );
});
