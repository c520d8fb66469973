//! Building blocks for the JSON Schemas endpoints declare with `Endpoint::returns`. The shared
//! components (`User`, `Session`, `Account`, `Status`, `Success`, `Error`) are referenced by
//! `$ref`; the document defines them (`super::components`).

use serde_json::{Map, Value, json};

/// The components an endpoint's schema may reference, as `#/components/schemas/<name>`.
pub const COMPONENTS: &[&str] = &["User", "Session", "Account", "Status", "Success", "Error"];

/// `{"$ref": "#/components/schemas/<name>"}`.
pub fn component(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// A user as responses show it: `id` and the fields the schema marks returned, plugin and
/// additional fields included.
pub fn user() -> Value {
    component("User")
}

/// A session as responses show it, with the caller's raw token.
pub fn session() -> Value {
    component("Session")
}

/// A linked account as `/list-accounts` shows it (no tokens, no password).
pub fn account() -> Value {
    component("Account")
}

/// `{"status": true}`.
pub fn status() -> Value {
    component("Status")
}

/// `{"success": true}`.
pub fn success() -> Value {
    component("Success")
}

/// The schema with a description added (beside a `$ref` too, as OpenAPI 3.1 allows).
pub fn described(mut schema: Value, description: &str) -> Value {
    if let Some(o) = schema.as_object_mut() {
        o.insert("description".into(), description.into());
    }
    schema
}

pub fn string(description: &str) -> Value {
    described(json!({"type": "string"}), description)
}

pub fn boolean(description: &str) -> Value {
    described(json!({"type": "boolean"}), description)
}

/// A boolean that is always `true` in this answer.
pub fn always_true(description: &str) -> Value {
    described(json!({"type": "boolean", "enum": [true]}), description)
}

/// One of these strings.
pub fn one_of(values: &[&str], description: &str) -> Value {
    described(json!({"type": "string", "enum": values}), description)
}

/// The schema, or `null`.
pub fn nullable(schema: Value) -> Value {
    match schema.get("type") {
        Some(Value::String(t)) if schema.get("enum").is_none() => {
            let mut s = schema.clone();
            s["type"] = json!([t, "null"]);
            s
        }
        _ => json!({"anyOf": [schema, {"type": "null"}]}),
    }
}

pub fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

/// An object whose properties every answer carries: `props` is a JSON object of name → schema.
pub fn object(props: Value) -> Value {
    let required: Vec<String> = props
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    object_with(
        props,
        &required.iter().map(String::as_str).collect::<Vec<_>>(),
    )
}

/// An object where only `required` are always present.
pub fn object_with(props: Value, required: &[&str]) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), "object".into());
    o.insert("properties".into(), props);
    if !required.is_empty() {
        o.insert("required".into(), json!(required));
    }
    Value::Object(o)
}

/// `{token, user}`: what a sign-in that issues a session answers.
pub fn token_and_user() -> Value {
    object(json!({
        "token": string("The new session's token (also set as the session cookie)"),
        "user": user(),
    }))
}

/// `{redirect, token, url?, user}`: what the password sign-ins answer.
pub fn password_sign_in() -> Value {
    object_with(
        json!({
            "redirect": boolean("`true` when a `callbackURL` was given: the client should go to `url`"),
            "token": string("The new session's token (also set as the session cookie)"),
            "url": string("The `callbackURL`, only with `redirect: true` (also sent as `Location`)"),
            "user": user(),
        }),
        &["redirect", "token", "user"],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_keeps_simple_types_flat() {
        assert_eq!(
            nullable(string("x")),
            json!({"type": ["string", "null"], "description": "x"})
        );
        assert_eq!(
            nullable(user()),
            json!({"anyOf": [{"$ref": "#/components/schemas/User"}, {"type": "null"}]})
        );
        assert_eq!(
            object(json!({"a": boolean(""), "b": string("")}))["required"],
            json!(["a", "b"])
        );
    }
}
