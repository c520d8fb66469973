//! Better Auth's `additionalFields` for the user and session tables, from the
//! `USER_ADDITIONAL_FIELDS` / `SESSION_ADDITIONAL_FIELDS` JSON objects or the TOML file's
//! `[user.additional_fields]` / `[session.additional_fields]`, checked against the core fields.

use std::collections::HashMap;

use portcullis_storage::{Field, FieldType, Value};
use serde::Deserialize;

use super::{ConfigError, Sources, bad};

pub(super) struct AdditionalFields {
    pub(super) user: Vec<Field>,
    pub(super) session: Vec<Field>,
}

pub(super) fn load(src: &Sources) -> Result<AdditionalFields, ConfigError> {
    let additional_user_fields = load_additional_fields(
        src,
        "USER_ADDITIONAL_FIELDS",
        src.file_user_fields.as_ref(),
        FieldsOf::User,
    )?;
    let additional_session_fields = load_additional_fields(
        src,
        "SESSION_ADDITIONAL_FIELDS",
        src.file_session_fields.as_ref(),
        FieldsOf::Session,
    )?;

    Ok(AdditionalFields {
        user: additional_user_fields,
        session: additional_session_fields,
    })
}

/// A Better Auth `additionalFields` entry, from TOML `[user.additional_fields.<name>]` or the
/// `USER_ADDITIONAL_FIELDS` JSON object (likewise `session` and `SESSION_ADDITIONAL_FIELDS`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AdditionalField {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    required: bool,
    #[serde(default, alias = "default_value", alias = "default")]
    default_value: Option<serde_json::Value>,
    #[serde(default = "yes")]
    input: bool,
    #[serde(default = "yes")]
    returned: bool,
    #[serde(default)]
    unique: bool,
}

fn yes() -> bool {
    true
}

/// Which table's additional fields are being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldsOf {
    User,
    Session,
}

impl FieldsOf {
    fn name(self) -> &'static str {
        match self {
            FieldsOf::User => "user",
            FieldsOf::Session => "session",
        }
    }
    fn core(self) -> &'static [&'static str] {
        match self {
            FieldsOf::User => crate::users::CORE_USER_FIELDS,
            FieldsOf::Session => crate::session::CORE_SESSION_FIELDS,
        }
    }
}

/// Names that the TOML file's `[user.additional_fields]` (or `[session.additional_fields]`)
/// and the env var both accept.
fn parse_additional_fields(
    var: &str,
    of: FieldsOf,
    fields: HashMap<String, AdditionalField>,
) -> Result<Vec<Field>, ConfigError> {
    let mut names: Vec<_> = fields.into_iter().collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (name, f) in names {
        if name == "id" || of.core().contains(&name.as_str()) {
            return Err(bad(
                var,
                format!("cannot redefine the core {} field `{name}`", of.name()),
            ));
        }
        // Sessions are created without input: a required field must have a value to start with.
        if of == FieldsOf::Session && f.required && f.default_value.is_none() {
            return Err(bad(
                var,
                format!("field `{name}` is required, so it needs a default_value"),
            ));
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad(
                var,
                format!("field name `{name}` must be letters, digits or _"),
            ));
        }
        let ty = FieldType::parse(&f.ty)
            .ok_or_else(|| bad(var, format!("field `{name}` has unknown type `{}`", f.ty)))?;
        let mut field = Field::new(&name, ty);
        field.required = f.required;
        field.unique = f.unique;
        field.input = f.input;
        field.returned = f.returned;
        if let Some(d) = f.default_value {
            field.default = Some(match (ty, d) {
                (FieldType::String, serde_json::Value::String(s)) => Value::String(s),
                (FieldType::Boolean, serde_json::Value::Bool(b)) => Value::Bool(b),
                (FieldType::Number, serde_json::Value::Number(n)) if n.is_i64() => {
                    Value::Int(n.as_i64().unwrap_or_default())
                }
                (FieldType::Json, v) => Value::Json(v),
                _ => {
                    return Err(bad(
                        var,
                        format!("field `{name}` has a default that is not a {}", ty.name()),
                    ));
                }
            });
        }
        out.push(field);
    }
    Ok(out)
}

/// Additional fields from the env var `var` (a JSON object), else from the TOML file's
/// `[<table>.additional_fields]`.
fn load_additional_fields(
    src: &Sources,
    var: &str,
    file: Option<&toml::Value>,
    of: FieldsOf,
) -> Result<Vec<Field>, ConfigError> {
    if let Some(json) = src.get(var) {
        let map: HashMap<String, AdditionalField> = serde_json::from_str(json)
            .map_err(|e| bad(var, format!("is not a valid JSON object of fields: {e}")))?;
        return parse_additional_fields(var, of, map);
    }
    let Some(v) = file else {
        return Ok(Vec::new());
    };
    let key = format!("{}.additional_fields", of.name());
    let map: HashMap<String, AdditionalField> = v
        .clone()
        .try_into()
        .map_err(|e: toml::de::Error| bad(&key, format!("is invalid: {}", e.message())))?;
    parse_additional_fields(&key, of, map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::config::tests::load;

    #[test]
    fn additional_fields_from_json_and_toml() {
        let c = load(&[("USER_ADDITIONAL_FIELDS", r#"{"role":{"type":"string","defaultValue":"user","input":false},"displayName":{"type":"string","defaultValue":""}}"#)]).expect("ok");
        let names: Vec<_> = c
            .additional_user_fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, vec!["displayName", "role"]);
        assert!(!c.additional_user_fields[1].input);

        let mut s = Sources::new(HashMap::new()).expect("sources");
        s.load_toml("port = 9000\nallowed_origins = [\"http://app.test\"]\n[user.additional_fields.preferences]\ntype = \"string\"\ndefault_value = \"{}\"\n").expect("toml");
        let c = Config::load(&s).expect("ok");
        assert_eq!(c.port, 9000);
        assert!(c.trusted_origins.contains(&"http://app.test".to_string()));
        assert_eq!(
            c.additional_user_fields[0].default,
            Some(Value::String("{}".into()))
        );

        let e = load(&[("USER_ADDITIONAL_FIELDS", r#"{"email":{"type":"string"}}"#)]).unwrap_err();
        assert_eq!(e.var, "USER_ADDITIONAL_FIELDS");
    }

    #[test]
    fn additional_session_fields() {
        let c = load(&[("SESSION_ADDITIONAL_FIELDS", r#"{"theme":{"type":"string"},"tier":{"type":"number","required":true,"defaultValue":1,"input":false}}"#)]).expect("ok");
        let names: Vec<_> = c
            .additional_session_fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, vec!["theme", "tier"]);
        assert!(c.additional_user_fields.is_empty());

        let mut s = Sources::new(HashMap::new()).expect("sources");
        s.load_toml("[session.additional_fields.theme]\ntype = \"string\"\n")
            .expect("toml");
        let c = Config::load(&s).expect("ok");
        assert_eq!(c.additional_session_fields[0].name, "theme");

        for bad in [
            r#"{"token":{"type":"string"}}"#,
            r#"{"id":{"type":"string"}}"#,
            r#"{"tier":{"type":"number","required":true}}"#,
        ] {
            let e = load(&[("SESSION_ADDITIONAL_FIELDS", bad)]).unwrap_err();
            assert_eq!(e.var, "SESSION_ADDITIONAL_FIELDS", "{bad}");
        }
    }
}
