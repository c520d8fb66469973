//! Checks a real answer against the schema the OpenAPI document gives for it: every key the
//! answer has is a documented property, every required property is there, and each value has
//! the documented type, down to nested objects and `$ref`s. What OpenAPI leaves open
//! (`additionalProperties: true`, an empty schema) is not checked.

use serde_json::Value;

use crate::client::Request;
use crate::server::TestServer;

/// The server's OpenAPI document.
pub async fn openapi_document(srv: &TestServer) -> Value {
    let res = srv
        .send(Request::get("/api/auth/open-api/generate-schema"))
        .await;
    assert_eq!(res.status, 200, "the OpenAPI document: {}", res.describe());
    res.json()
}

/// The JSON schema of `method path`'s `status` answer in `doc` (`path` as OpenAPI writes it,
/// e.g. `/reset-password/{token}`).
pub fn response_schema<'d>(doc: &'d Value, method: &str, path: &str, status: u16) -> &'d Value {
    let schema = &doc["paths"][path][method.to_ascii_lowercase()]["responses"][status.to_string()]
        ["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "the OpenAPI document has no JSON schema for {method} {path} {status}"
    );
    schema
}

/// Where `value` departs from `schema` (empty when it conforms); `doc` resolves `$ref`s.
pub fn mismatches(value: &Value, schema: &Value, doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(value, schema, doc, "$", &mut out, 0);
    out
}

/// Panics, listing every mismatch, unless `value` conforms to `method path`'s `status` schema.
pub fn assert_matches_openapi(doc: &Value, method: &str, path: &str, status: u16, value: &Value) {
    let problems = mismatches(value, response_schema(doc, method, path, status), doc);
    assert!(
        problems.is_empty(),
        "{method} {path} {status} does not match its OpenAPI schema:\n  {}\nanswer: {value}",
        problems.join("\n  ")
    );
}

fn resolve<'d>(schema: &'d Value, doc: &'d Value) -> &'d Value {
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => &doc["components"]["schemas"][name],
        None => schema,
    }
}

fn type_matches(value: &Value, ty: &str) -> bool {
    match ty {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

fn check(
    value: &Value,
    schema: &Value,
    doc: &Value,
    at: &str,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    if schema.get("$ref").is_some() {
        let target = resolve(schema, doc);
        if target.is_null() {
            out.push(format!("{at}: {} names no component", schema["$ref"]));
            return;
        }
        return check(value, target, doc, at, out, depth + 1);
    }
    if let Some(alts) = schema["anyOf"].as_array().or(schema["oneOf"].as_array()) {
        let fits = alts.iter().any(|a| {
            let mut probe = Vec::new();
            check(value, a, doc, at, &mut probe, depth + 1);
            probe.is_empty()
        });
        if !fits {
            out.push(format!("{at}: {value} matches none of the alternatives"));
        }
        return;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| type_matches(value, t)) {
        out.push(format!("{at}: {value} is not {}", types.join(" or ")));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        out.push(format!(
            "{at}: {value} is not one of {}",
            Value::from(allowed.clone())
        ));
    }
    if schema["format"] == "date-time"
        && let Some(s) = value.as_str()
        && chrono::DateTime::parse_from_rfc3339(s).is_err()
    {
        out.push(format!("{at}: {s:?} is not a date-time"));
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, v) in list.iter().enumerate() {
            check(v, items, doc, &format!("{at}[{i}]"), out, depth + 1);
        }
    }
    let (Some(props), Some(obj)) = (schema["properties"].as_object(), value.as_object()) else {
        return;
    };
    for name in schema["required"].as_array().into_iter().flatten() {
        if let Some(name) = name.as_str()
            && !obj.contains_key(name)
        {
            out.push(format!("{at}: required `{name}` is missing"));
        }
    }
    let open = schema["additionalProperties"] == Value::Bool(true);
    for (k, v) in obj {
        match props.get(k) {
            Some(p) => check(v, p, doc, &format!("{at}.{k}"), out, depth + 1),
            None if open => {}
            None => out.push(format!("{at}: `{k}` is not a documented property")),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn mismatches_name_what_departs() {
        let doc = json!({"components": {"schemas": {"User": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "image": {"type": ["string", "null"]},
                "createdAt": {"type": "string", "format": "date-time"}},
            "required": ["id"],
        }}}});
        let schema = json!({"anyOf": [{"type": "object", "properties": {
            "user": {"$ref": "#/components/schemas/User"},
            "ok": {"type": "boolean", "enum": [true]},
        }, "required": ["user", "ok"]}, {"type": "null"}]});
        let good = json!({"user": {"id": "1", "image": null, "createdAt": "2026-01-01T00:00:00.000Z"}, "ok": true});
        assert_eq!(mismatches(&good, &schema, &doc), Vec::<String>::new());
        assert!(mismatches(&Value::Null, &schema, &doc).is_empty());
        let inner = json!({"type": "object", "properties": {
            "user": {"$ref": "#/components/schemas/User"},
            "ok": {"type": "boolean", "enum": [true]},
        }, "required": ["user", "ok"]});
        let bad = json!({"user": {"image": 3, "extra": 1, "createdAt": "yesterday"}, "ok": false});
        let found = mismatches(&bad, &inner, &doc);
        for want in [
            "$.user: required `id` is missing",
            "$.user.image: 3 is not string or null",
            "$.user: `extra` is not a documented property",
            "$.user.createdAt: \"yesterday\" is not a date-time",
            "$.ok: false is not one of [true]",
        ] {
            assert!(found.iter().any(|f| f == want), "{want} in {found:?}");
        }
        assert_eq!(
            mismatches(&json!({"ok": true}), &inner, &doc),
            vec!["$: required `user` is missing".to_owned()]
        );
    }
}
