//! Request body schemas. One declaration per endpoint drives validation (with zod's messages,
//! as Better Auth's clients see them) and the OpenAPI document.

use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    String,
    Email,
    Boolean,
    Number,
    /// A string or null.
    NullableString,
    /// Any JSON value (additional fields are typed by the schema registry).
    Any,
    /// One of these strings (zod's `enum`).
    OneOf(&'static [&'static str]),
    /// Any value, read as text (zod's `coerce.string()`, as Better Auth's admin ids): only a
    /// missing one is refused, as zod's `expected nonoptional`.
    Coerced,
}

#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub min_len: Option<usize>,
    /// The most characters a string may have (zod's `.max`).
    pub max_len: Option<usize>,
    pub description: &'static str,
}

impl FieldSpec {
    pub const fn req(name: &'static str, ty: Ty, description: &'static str) -> Self {
        FieldSpec {
            name,
            ty,
            required: true,
            min_len: None,
            max_len: None,
            description,
        }
    }
    pub const fn opt(name: &'static str, ty: Ty, description: &'static str) -> Self {
        FieldSpec {
            name,
            ty,
            required: false,
            min_len: None,
            max_len: None,
            description,
        }
    }
    pub const fn non_empty(mut self) -> Self {
        self.min_len = Some(1);
        self
    }
    pub const fn max_len(mut self, max: usize) -> Self {
        self.max_len = Some(max);
        self
    }
}

/// Whether zod sees the body as an object, a record, or both (sign-up reports both issues).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Object,
    Record,
    ObjectAndRecord,
}

#[derive(Debug, Clone)]
pub struct BodySpec {
    pub kind: BodyKind,
    pub fields: Vec<FieldSpec>,
    /// Body may be absent (e.g. `/sign-out`).
    pub optional: bool,
}

impl BodySpec {
    pub fn object(fields: Vec<FieldSpec>) -> Self {
        BodySpec {
            kind: BodyKind::Object,
            fields,
            optional: false,
        }
    }
    pub fn optional(fields: Vec<FieldSpec>) -> Self {
        BodySpec {
            kind: BodyKind::Object,
            fields,
            optional: true,
        }
    }
}

/// zod's name for what it received.
pub fn received(v: Option<&Value>) -> &'static str {
    match v {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

/// zod 4's email check, written out because Rust's regex has no look-ahead.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_'+-.".contains(c))
        && local
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || "_+-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels[..labels.len() - 1].iter().all(|l| {
            !l.is_empty()
                && l.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

fn check_field(spec: &FieldSpec, v: Option<&Value>, issues: &mut Vec<String>) {
    let path = format!("[body.{}]", spec.name);
    if let Ty::OneOf(options) = spec.ty {
        // zod says the same whatever it received instead, a missing value included.
        let ok = match v {
            None => !spec.required,
            Some(Value::String(s)) => options.contains(&s.as_str()),
            Some(_) => false,
        };
        if !ok {
            let expected: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
            issues.push(format!(
                "{path} Invalid option: expected one of {}",
                expected.join("|")
            ));
        }
        return;
    }
    let expected = match spec.ty {
        Ty::String | Ty::Email | Ty::NullableString => "string",
        Ty::Boolean => "boolean",
        Ty::Number => "number",
        Ty::Coerced => {
            if v.is_none() && spec.required {
                issues.push(format!(
                    "{path} Invalid input: expected nonoptional, received undefined"
                ));
            }
            return;
        }
        Ty::Any | Ty::OneOf(_) => return,
    };
    match (spec.ty, v) {
        (_, None) if !spec.required => {}
        (Ty::NullableString, Some(Value::Null)) => {}
        (Ty::String | Ty::Email | Ty::NullableString, Some(Value::String(s))) => {
            if let Some(max) = spec.max_len
                && longer_than(s, max)
            {
                issues.push(too_big(&path, max));
            } else if spec.ty == Ty::Email && !is_email(s) {
                issues.push(format!("{path} Invalid email address"));
            } else if let Some(min) = spec.min_len
                && s.chars().count() < min
            {
                issues.push(format!(
                    "{path} Too small: expected string to have >={min} characters"
                ));
            }
        }
        (Ty::Boolean, Some(Value::Bool(_))) | (Ty::Number, Some(Value::Number(_))) => {}
        (_, other) => issues.push(format!(
            "{path} Invalid input: expected {expected}, received {}",
            received(other)
        )),
    }
}

/// Whether `s` has more than `max` characters (zod counts characters, not bytes). The byte
/// length is looked at first: a string has at least as many bytes as characters.
pub fn longer_than(s: &str, max: usize) -> bool {
    s.len() > max && s.chars().count() > max
}

/// zod 4's message for a string over its `.max`.
pub fn too_big(path: &str, max: usize) -> String {
    format!("{path} Too big: expected string to have <={max} characters")
}

/// Validates a body against its spec. `Err` carries zod's joined message.
pub fn validate(spec: &BodySpec, body: Option<&Value>) -> Result<(), String> {
    let obj = match body {
        Some(Value::Object(m)) => m,
        None if spec.optional => return Ok(()),
        Some(Value::Null) if spec.optional => return Ok(()),
        other => {
            let r = received(other);
            return Err(match spec.kind {
                BodyKind::Object => format!("[body] Invalid input: expected object, received {r}"),
                BodyKind::Record => format!("[body] Invalid input: expected record, received {r}"),
                BodyKind::ObjectAndRecord => format!(
                    "[body] Invalid input: expected object, received {r}; [body] Invalid input: expected record, received {r}"
                ),
            });
        }
    };
    let mut issues = Vec::new();
    for f in &spec.fields {
        check_field(f, obj.get(f.name), &mut issues);
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(issues.join("; "))
    }
}

/// The JSON Schema of a body, for OpenAPI.
pub fn json_schema(spec: &BodySpec) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in &spec.fields {
        let mut s = match f.ty {
            Ty::String | Ty::Coerced => json!({"type": "string"}),
            Ty::Email => json!({"type": "string", "format": "email"}),
            Ty::Boolean => json!({"type": "boolean"}),
            Ty::Number => json!({"type": "number"}),
            Ty::NullableString => json!({"type": ["string", "null"]}),
            Ty::Any => json!({}),
            Ty::OneOf(options) => json!({"type": "string", "enum": options}),
        };
        if let (Some(min), Some(o)) = (f.min_len, s.as_object_mut()) {
            o.insert("minLength".into(), min.into());
        }
        if let (Some(max), Some(o)) = (f.max_len, s.as_object_mut()) {
            o.insert("maxLength".into(), max.into());
        }
        if !f.description.is_empty()
            && let Some(o) = s.as_object_mut()
        {
            o.insert("description".into(), f.description.into());
        }
        props.insert(f.name.into(), s);
        if f.required {
            required.push(Value::from(f.name));
        }
    }
    let mut schema = json!({"type": "object", "properties": props});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    if spec.kind != BodyKind::Object {
        schema["additionalProperties"] = json!(true);
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in() -> BodySpec {
        BodySpec::object(vec![
            FieldSpec::req("email", Ty::Email, ""),
            FieldSpec::req("password", Ty::String, "").non_empty(),
            FieldSpec::opt("rememberMe", Ty::Boolean, ""),
        ])
    }

    #[test]
    fn messages_match_zod() {
        let e = validate(&sign_in(), Some(&json!({"email": "nope"}))).unwrap_err();
        assert_eq!(
            e,
            "[body.email] Invalid email address; [body.password] Invalid input: expected string, received undefined"
        );
        let e = validate(
            &sign_in(),
            Some(&json!({"email": "a@b.co", "password": "", "rememberMe": "yes"})),
        )
        .unwrap_err();
        assert_eq!(
            e,
            "[body.password] Too small: expected string to have >=1 characters; [body.rememberMe] Invalid input: expected boolean, received string"
        );
        let e = validate(&sign_in(), None).unwrap_err();
        assert_eq!(
            e,
            "[body] Invalid input: expected object, received undefined"
        );
        let both = BodySpec {
            kind: BodyKind::ObjectAndRecord,
            ..sign_in()
        };
        assert_eq!(
            validate(&both, Some(&Value::Null)).unwrap_err(),
            "[body] Invalid input: expected object, received null; [body] Invalid input: expected record, received null"
        );
        assert!(
            validate(
                &sign_in(),
                Some(&json!({"email": "A@Example.com", "password": "x"}))
            )
            .is_ok()
        );
    }

    #[test]
    fn too_long_strings_get_zods_message() {
        let spec = BodySpec::object(vec![
            FieldSpec::opt("name", Ty::String, "").max_len(3),
            FieldSpec::opt("email", Ty::Email, "").max_len(8),
        ]);
        assert!(validate(&spec, Some(&json!({"name": "abc"}))).is_ok());
        // Characters, not bytes: three two-byte letters are three.
        assert!(validate(&spec, Some(&json!({"name": "äöü"}))).is_ok());
        assert_eq!(
            validate(&spec, Some(&json!({"name": "abcd", "email": "ab@cd.efgh"}))).unwrap_err(),
            "[body.name] Too big: expected string to have <=3 characters; [body.email] Too big: expected string to have <=8 characters"
        );
        assert_eq!(
            json_schema(&spec)["properties"]["name"]["maxLength"],
            json!(3)
        );
    }

    #[test]
    fn enum_messages_match_zod() {
        let spec = BodySpec::object(vec![FieldSpec::req("type", Ty::OneOf(&["a", "b-c"]), "")]);
        let msg = r#"[body.type] Invalid option: expected one of "a"|"b-c""#;
        for bad in [
            json!({}),
            json!({"type": "x"}),
            json!({"type": 5}),
            json!({"type": null}),
        ] {
            assert_eq!(validate(&spec, Some(&bad)).unwrap_err(), msg, "{bad}");
        }
        assert!(validate(&spec, Some(&json!({"type": "b-c"}))).is_ok());
        assert_eq!(
            json_schema(&spec)["properties"]["type"]["enum"],
            json!(["a", "b-c"])
        );
    }

    #[test]
    fn email_rules() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org", "o'neil@x.io"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            ".a@b.co",
            "a..b@c.co",
            "a.@b.co",
            "a@-b.co",
            "a@b.c",
            "a b@c.co",
            "a@b.c0",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
