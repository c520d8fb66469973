//! The body and query checks zod makes in Better Auth's api-key routes that the engine's
//! `BodySpec` cannot express (nullable numbers, minimums, records of action lists, the prefix
//! pattern, coerced query numbers), with zod's messages, issues joined by "; ".

use serde_json::{Map, Value};

use portcullis_core::ApiError;
use portcullis_core::validate::received;

#[derive(Default)]
pub struct Issues(Vec<String>);

impl Issues {
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0.join("; ")))
        }
    }

    /// `z.number().min(min)` (optional, `.nullable()` when `nullable`). Integers only: the
    /// columns are integers, where Better Auth would fail in the database.
    pub fn number(
        &mut self,
        body: &Map<String, Value>,
        field: &str,
        min: Option<i64>,
        nullable: bool,
    ) {
        match body.get(field) {
            None => {}
            Some(Value::Null) if nullable => {}
            Some(Value::Number(n)) => match n.as_i64() {
                None => self.0.push(format!(
                    "[body.{field}] Invalid input: expected int, received number"
                )),
                Some(v) if min.is_some_and(|m| v < m) => self.0.push(format!(
                    "[body.{field}] Too small: expected number to be >={}",
                    min.unwrap_or_default()
                )),
                Some(_) => {}
            },
            other => self.0.push(format!(
                "[body.{field}] Invalid input: expected number, received {}",
                received(other)
            )),
        }
    }

    /// `z.record(z.string(), z.array(z.string()))`, optional (and `.nullable()` when asked).
    pub fn statements(&mut self, body: &Map<String, Value>, field: &str, nullable: bool) {
        match body.get(field) {
            None => {}
            Some(Value::Null) if nullable => {}
            Some(Value::Object(m)) => {
                for (resource, actions) in m {
                    match actions {
                        Value::Array(items) => {
                            for (i, a) in items.iter().enumerate() {
                                if !a.is_string() {
                                    self.0.push(format!(
                                        "[body.{field}.{resource}.{i}] Invalid input: expected string, received {}",
                                        received(Some(a))
                                    ));
                                }
                            }
                        }
                        other => self.0.push(format!(
                            "[body.{field}.{resource}] Invalid input: expected array, received {}",
                            received(Some(other))
                        )),
                    }
                }
            }
            other => self.0.push(format!(
                "[body.{field}] Invalid input: expected record, received {}",
                received(other)
            )),
        }
    }

    /// The prefix pattern of Better Auth's create route.
    pub fn prefix(&mut self, body: &Map<String, Value>) {
        if let Some(Value::String(p)) = body.get("prefix")
            && (p.is_empty()
                || !p
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        {
            self.0.push(
                "[body.prefix] Invalid prefix format, must be alphanumeric and contain only underscores and hyphens."
                    .into(),
            );
        }
    }

    /// `z.coerce.number().int().nonnegative()` on a query parameter.
    pub fn query_count(&mut self, field: &str, value: Option<&str>) -> Option<i64> {
        let raw = value?;
        match raw.trim().parse::<f64>() {
            Ok(n) if n.is_finite() && n.fract() == 0.0 && n >= 0.0 => Some(n as i64),
            Ok(n) if n.is_finite() && n.fract() != 0.0 => {
                self.0.push(format!(
                    "[query.{field}] Invalid input: expected int, received number"
                ));
                None
            }
            Ok(n) if n.is_finite() => {
                self.0.push(format!(
                    "[query.{field}] Too small: expected number to be >=0"
                ));
                None
            }
            _ => {
                self.0.push(format!(
                    "[query.{field}] Invalid input: expected number, received NaN"
                ));
                None
            }
        }
    }

    /// `z.enum([..])` on a query parameter.
    pub fn query_one_of(&mut self, field: &str, value: Option<&str>, options: &[&str]) {
        if let Some(v) = value
            && !options.contains(&v)
        {
            let list = options
                .iter()
                .map(|o| format!("\"{o}\""))
                .collect::<Vec<_>>()
                .join("|");
            self.0.push(format!(
                "[query.{field}] Invalid option: expected one of {list}"
            ));
        }
    }

    pub fn push(&mut self, issue: String) {
        self.0.push(issue);
    }
}

/// `z.coerce.string()`: what Better Auth makes of a `userId` or `organizationId`.
pub fn coerced_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// JavaScript's truthiness, which Better Auth's checks use (`if (metadata)`, `if (name)`).
pub fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issues_of(f: impl FnOnce(&mut Issues)) -> String {
        let mut i = Issues::default();
        f(&mut i);
        i.0.join("; ")
    }

    #[test]
    fn zods_messages() {
        let body =
            json!({"expiresIn": 0, "remaining": "x", "permissions": {"a": "b"}, "prefix": "a b"});
        let body = body.as_object().expect("object");
        assert_eq!(
            issues_of(|i| {
                i.number(body, "expiresIn", Some(1), true);
                i.number(body, "remaining", Some(0), true);
                i.statements(body, "permissions", false);
                i.prefix(body);
            }),
            "[body.expiresIn] Too small: expected number to be >=1; \
             [body.remaining] Invalid input: expected number, received string; \
             [body.permissions.a] Invalid input: expected array, received string; \
             [body.prefix] Invalid prefix format, must be alphanumeric and contain only underscores and hyphens."
        );
        assert_eq!(
            issues_of(|i| {
                i.query_count("limit", Some("-1"));
                i.query_one_of("sortDirection", Some("up"), &["asc", "desc"]);
            }),
            "[query.limit] Too small: expected number to be >=0; [query.sortDirection] Invalid option: expected one of \"asc\"|\"desc\""
        );
        assert!(truthy(Some(&json!({}))) && !truthy(Some(&json!(""))) && !truthy(None));
        assert_eq!(coerced_string(Some(&json!(12))).as_deref(), Some("12"));
    }
}
