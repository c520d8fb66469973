//! Examples generated from JSON Schemas, for request bodies (what the reference page's "try it
//! out" starts from) and answers. Values come from the property's name where it says what it
//! holds (`email`, `password`, `otp`, …), else from its type.

use serde_json::{Map, Value, json};

/// Which properties an example shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Every property: what an answer may carry.
    All,
    /// Required properties, and optional ones whose example is worth sending as it is: a body
    /// to send, so an optional `token` or `callbackURL` is left for the caller to add.
    Request,
}

/// Optional request fields the example includes.
const OPTIONAL_IN_REQUESTS: &[&str] = &["rememberMe"];

/// How deep `$ref`s and nesting are followed.
const MAX_DEPTH: usize = 8;

/// An example of `schema`, resolving `$ref`s against `components` (name → schema).
pub fn example(schema: &Value, components: &Map<String, Value>, fill: Fill) -> Value {
    value(schema, None, components, fill, 0)
}

fn value(
    schema: &Value,
    name: Option<&str>,
    components: &Map<String, Value>,
    fill: Fill,
    depth: usize,
) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    let Some(s) = schema.as_object() else {
        return Value::Null;
    };
    if let Some(target) = s.get("$ref").and_then(Value::as_str) {
        let resolved = target
            .strip_prefix("#/components/schemas/")
            .and_then(|n| components.get(n));
        return match resolved {
            Some(r) => value(r, name, components, fill, depth + 1),
            None => Value::Null,
        };
    }
    if let Some(v) = s.get("const") {
        return v.clone();
    }
    if let Some(first) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(v) = s.get("example") {
        return v.clone();
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let alt = alts
                .iter()
                .find(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                .or_else(|| alts.first());
            return alt.map_or(Value::Null, |a| value(a, name, components, fill, depth + 1));
        }
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.as_str(),
        // `["string", "null"]`: the value, not the null.
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if s.contains_key("properties") => "object",
        _ => "",
    };
    match ty {
        "object" => {
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut out = Map::new();
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                for (k, p) in props {
                    let wanted = fill == Fill::All
                        || required.contains(&k.as_str())
                        || OPTIONAL_IN_REQUESTS.contains(&k.as_str());
                    if wanted {
                        out.insert(k.clone(), value(p, Some(k), components, fill, depth + 1));
                    }
                }
            }
            Value::Object(out)
        }
        "array" => {
            let item = s
                .get("items")
                .map_or(Value::Null, |i| value(i, name, components, fill, depth + 1));
            Value::Array(vec![item])
        }
        "string" => string(name, s.get("format").and_then(Value::as_str)),
        "boolean" => Value::Bool(!matches!(
            name,
            Some("redirect" | "isAnonymous" | "phoneNumberVerified")
        )),
        "number" | "integer" => json!(1),
        "null" => Value::Null,
        _ => Value::Null,
    }
}

fn string(name: Option<&str>, format: Option<&str>) -> Value {
    let by_format = match format {
        Some("date-time") => Some("2026-01-15T09:30:00.000Z"),
        Some("email") => Some("ada@example.com"),
        Some("uri") => Some("https://example.com/ada.png"),
        _ => None,
    };
    let s = by_format.unwrap_or(match name.unwrap_or_default() {
        "email" => "ada@example.com",
        "newEmail" => "ada.lovelace@example.com",
        // Not on any breached list, and long enough for every length rule.
        "password" | "newPassword" | "currentPassword" => "plum-Orbit-4821-kestrel",
        "name" => "Ada Lovelace",
        "image" => "https://example.com/ada.png",
        "username" => "ada_lovelace",
        "displayUsername" => "Ada_Lovelace",
        "phoneNumber" => "+15555550123",
        "otp" | "code" => "123456",
        "token" => "Xq3vR8mK2pL9sT4wY7zB1nC6dF0gH5jJ",
        "id" | "userId" => "5kT9qWm2Rx7LpB3nVc8YzA4h",
        "accountId" => "5kT9qWm2Rx7LpB3nVc8YzA4h",
        "providerId" => "credential",
        "ipAddress" => "203.0.113.7",
        "userAgent" => "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
        "callbackURL" | "redirectTo" | "url" => "/account",
        "message" => "Done",
        _ => "string",
    });
    Value::String(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_follow_names_types_and_refs() {
        let components: Map<String, Value> = serde_json::from_value(json!({
            "User": {"type": "object", "properties": {
                "id": {"type": "string"},
                "email": {"type": "string"},
                "image": {"type": ["string", "null"]},
                "createdAt": {"type": "string", "format": "date-time"},
            }, "required": ["id", "email"]},
        }))
        .unwrap();
        let schema = json!({"type": ["object", "null"], "properties": {
            "user": {"$ref": "#/components/schemas/User"},
            "status": {"type": "boolean", "enum": [true]},
            "list": {"type": "array", "items": {"type": "number"}},
            "kind": {"anyOf": [{"type": "null"}, {"type": "string", "enum": ["a", "b"]}]},
        }});
        assert_eq!(
            example(&schema, &components, Fill::All),
            json!({
                "user": {
                    "id": "5kT9qWm2Rx7LpB3nVc8YzA4h",
                    "email": "ada@example.com",
                    "image": "https://example.com/ada.png",
                    "createdAt": "2026-01-15T09:30:00.000Z",
                },
                "status": true,
                "list": [1],
                "kind": "a",
            })
        );
        // A request leaves out optional fields other than rememberMe.
        let body = json!({"type": "object", "properties": {
            "email": {"type": "string", "format": "email"},
            "callbackURL": {"type": "string"},
            "rememberMe": {"type": "boolean"},
        }, "required": ["email"]});
        assert_eq!(
            example(&body, &components, Fill::Request),
            json!({"email": "ada@example.com", "rememberMe": true})
        );
        // A reference to itself ends instead of recursing forever.
        let looping: Map<String, Value> = serde_json::from_value(json!({
            "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}},
        }))
        .unwrap();
        let v = example(
            &json!({"$ref": "#/components/schemas/Node"}),
            &looping,
            Fill::All,
        );
        assert!(v.is_object());
    }
}
