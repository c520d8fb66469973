//! What the reference page shows, worked out from the OpenAPI document so that the template
//! only lays it out: operations grouped by tag, `$ref`s expanded into nested field lists,
//! descriptions split into text and `code` runs (the template escapes both), examples written
//! out, and a curl command per operation.

use serde_json::{Map, Value, json};

/// How deep nested schemas are expanded on the page.
const MAX_DEPTH: usize = 6;

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

/// The page's model: `{info, server, schema_url, operation_count, groups: [{tag, id,
/// operations: [..]}]}`.
pub fn page(doc: &Value, base_path: &str) -> Value {
    let components = doc["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let walker = Walker {
        components: &components,
    };
    let server = doc["servers"][0]["url"].as_str().unwrap_or(base_path);
    let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        // A plugin's endpoint outside the base path is served from the site's root.
        let root_server = item["servers"][0]["url"].as_str();
        let (url_path, url) = match root_server {
            Some(root) => (path.clone(), format!("{root}{path}")),
            None => (format!("{base_path}{path}"), format!("{server}{path}")),
        };
        for method in METHODS {
            let Some(op) = item.get(*method).filter(|o| o.is_object()) else {
                continue;
            };
            count += 1;
            let tag = op["tags"][0].as_str().unwrap_or("Other").to_owned();
            let model = walker.operation(method, path, &url_path, &url, op);
            match groups.iter_mut().find(|(t, _)| *t == tag) {
                Some((_, ops)) => ops.push(model),
                None => groups.push((tag, vec![model])),
            }
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(tag, ops)| json!({"tag": tag, "id": format!("tag-{}", slug(&tag)), "operations": ops}))
        .collect();
    json!({
        "title": doc["info"]["title"].as_str().unwrap_or("API reference"),
        "version": doc["info"]["version"],
        "description": inline(doc["info"]["description"].as_str().unwrap_or_default()),
        "server": server,
        "schema_url": format!("{base_path}/open-api/generate-schema"),
        "operation_count": count,
        "groups": groups,
    })
}

/// `"a-b_c"` from any tag, for element ids.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Text split at backticks into `{text, code}` runs. A backtick without its pair stays text.
pub fn inline(text: &str) -> Value {
    let mut runs = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else {
            break;
        };
        if open > 0 {
            runs.push(json!({"text": &rest[..open], "code": false}));
        }
        if close > 0 {
            runs.push(json!({"text": &after[..close], "code": true}));
        }
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        runs.push(json!({"text": rest, "code": false}));
    }
    Value::Array(runs)
}

/// A shell word in single quotes.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `scheme://host[:port]` of a URL, for the Origin header a browser would send.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

struct Walker<'a> {
    components: &'a Map<String, Value>,
}

/// A schema with its `$ref` followed: the name it was referenced by, and the target.
struct Resolved<'s> {
    ref_name: Option<String>,
    schema: &'s Value,
}

impl<'a> Walker<'a> {
    fn resolve<'s>(&self, schema: &'s Value) -> Resolved<'s>
    where
        'a: 's,
    {
        let target = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"));
        match target.and_then(|name| Some((name, self.components.get(name)?))) {
            Some((name, s)) => Resolved {
                ref_name: Some(name.to_owned()),
                schema: s,
            },
            None => Resolved {
                ref_name: None,
                schema,
            },
        }
    }

    /// Splits "X or null": the non-null schema, and whether null is allowed.
    fn non_null<'s>(&self, schema: &'s Value) -> (&'s Value, bool) {
        if let Some(alts) = schema["anyOf"].as_array().or(schema["oneOf"].as_array()) {
            let real: Vec<&Value> = alts.iter().filter(|a| a["type"] != "null").collect();
            if real.len() == 1 && real.len() < alts.len() {
                return (real[0], true);
            }
        }
        let nullable = schema["type"]
            .as_array()
            .is_some_and(|ts| ts.iter().any(|t| t == "null"));
        (schema, nullable)
    }

    /// A short type: `string (date-time)`, `User`, `array of Session`, `boolean`, `object`.
    fn type_label(&self, schema: &Value) -> String {
        let (inner, _) = self.non_null(schema);
        let r = self.resolve(inner);
        if let Some(name) = r.ref_name {
            return name;
        }
        let s = r.schema;
        if let Some(alts) = s["anyOf"].as_array().or(s["oneOf"].as_array()) {
            return alts
                .iter()
                .map(|a| self.type_label(a))
                .collect::<Vec<_>>()
                .join(" or ");
        }
        let ty = match &s["type"] {
            Value::String(t) => t.clone(),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect::<Vec<_>>()
                .join(" or "),
            _ if s.get("properties").is_some() => "object".into(),
            _ => "any JSON value".into(),
        };
        match (ty.as_str(), s["format"].as_str()) {
            ("array", _) => format!("array of {}", self.type_label(&s["items"])),
            (_, Some(f)) => format!("{ty} ({f})"),
            _ => ty,
        }
    }

    /// The type label, with "or null" when null is allowed.
    fn full_label(&self, schema: &Value) -> String {
        let (inner, nullable) = self.non_null(schema);
        let label = self.type_label(inner);
        if nullable {
            format!("{label} or null")
        } else {
            label
        }
    }

    /// One field of a schema and, nested, the fields of what it holds.
    fn field(&self, name: &str, schema: &Value, required: bool, depth: usize) -> Value {
        let (inner, _) = self.non_null(schema);
        let resolved = self.resolve(inner);
        let description = schema["description"]
            .as_str()
            .or(inner["description"].as_str())
            .or(resolved.schema["description"].as_str())
            .unwrap_or_default();
        let values: Vec<String> = resolved.schema["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        json!({
            "name": name,
            "type": self.full_label(schema),
            "required": required,
            "description": inline(description),
            "values": values,
            "fields": self.fields(inner, depth + 1),
        })
    }

    /// The fields of an object schema (or of an array's items), `$ref`s expanded.
    fn fields(&self, schema: &Value, depth: usize) -> Vec<Value> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let (inner, _) = self.non_null(schema);
        let s = self.resolve(inner).schema;
        if s["type"] == "array" {
            return self.fields(&s["items"], depth);
        }
        let required: Vec<&str> = s["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        s["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, p)| self.field(k, p, required.contains(&k.as_str()), depth))
            .collect()
    }

    fn operation(&self, method: &str, path: &str, url_path: &str, url: &str, op: &Value) -> Value {
        let id = op["operationId"]
            .as_str()
            .map(|o| format!("op-{o}"))
            .unwrap_or_else(|| format!("op-{method}{}", slug(path)));
        let params: Vec<Value> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                json!({
                    "name": p["name"],
                    "in": p["in"],
                    "required": p["required"].as_bool().unwrap_or(false),
                    "type": self.type_label(&p["schema"]),
                    "description": inline(p["description"].as_str().unwrap_or_default()),
                })
            })
            .collect();
        let body = op["requestBody"]["content"]["application/json"]
            .as_object()
            .map(|media| {
                let example = media.get("example").cloned().unwrap_or(json!({}));
                let types: Vec<&String> = op["requestBody"]["content"]
                    .as_object()
                    .into_iter()
                    .flat_map(|c| c.keys())
                    .collect();
                let text = serde_json::to_string_pretty(&example).unwrap_or_default();
                // The try-it box shows the whole example, up to a point.
                let rows = (text.lines().count() + 1).clamp(3, 14);
                json!({
                    "required": op["requestBody"]["required"].as_bool().unwrap_or(false),
                    "content_types": types,
                    "type": self.type_label(&media["schema"]),
                    "fields": self.fields(&media["schema"], 0),
                    "example": text,
                    "rows": rows,
                })
            });
        let responses: Vec<Value> = op["responses"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(status, r)| self.response(status, r))
            .collect();
        let session = match op["x-session"].as_str() {
            Some("fresh") => Some("A fresh session: signed in within the last day (`freshAge`)"),
            Some("sensitive") => {
                Some("A session, checked against the database (the cookie cache is not enough)")
            }
            Some(_) => Some("A session"),
            None if op.get("security").is_some() => Some("A session"),
            None => None,
        };
        let curl = curl(method, url, op);
        json!({
            "id": id,
            "method": method,
            "path": path,
            "url_path": url_path,
            "summary": op["summary"].as_str().unwrap_or_default(),
            "description": inline(op["description"].as_str().unwrap_or_default()),
            "session": session.map(inline),
            "params": params,
            "body": body,
            "responses": responses,
            "curl": curl,
        })
    }

    fn response(&self, status: &str, r: &Value) -> Value {
        let description = inline(r["description"].as_str().unwrap_or_default());
        let class = format!("{}xx", status.chars().next().unwrap_or('2'));
        if let Some(media) = r["content"]["application/json"].as_object() {
            let schema = media.get("schema").cloned().unwrap_or(Value::Null);
            let example = media
                .get("example")
                .map(|e| serde_json::to_string_pretty(e).unwrap_or_default());
            // An error's shape is the same everywhere: named, not expanded each time.
            let is_error = schema["$ref"] == "#/components/schemas/Error";
            return json!({
                "status": status,
                "class": class,
                "description": description,
                "kind": "json",
                "type": self.full_label(&schema),
                "schema_description": inline(self.schema_description(&schema)),
                "fields": if is_error { Vec::new() } else { self.fields(&schema, 0) },
                "example": example,
            });
        }
        let kind = if r["content"]["text/html"].is_object() {
            "html"
        } else if r["headers"]["Location"].is_object() {
            "redirect"
        } else {
            "empty"
        };
        json!({"status": status, "class": class, "description": description, "kind": kind})
    }

    fn schema_description<'s>(&self, schema: &'s Value) -> &'s str
    where
        'a: 's,
    {
        let (inner, _) = self.non_null(schema);
        schema["description"]
            .as_str()
            .or(inner["description"].as_str())
            .or(self.resolve(inner).schema["description"].as_str())
            .unwrap_or_default()
    }
}

/// A curl command for the operation: the cookie jar keeps the session between calls, and a
/// POST says where it comes from (the server checks the Origin of requests with cookies).
fn curl(method: &str, url: &str, op: &Value) -> String {
    let mut target = url.to_owned();
    // `{token}` would be a curl glob: a placeholder the reader replaces instead.
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] == "path"
            && let Some(name) = p["name"].as_str()
        {
            target = target.replace(&format!("{{{name}}}"), &name.to_ascii_uppercase());
        }
    }
    let mut lines = vec![if method == "get" {
        format!("curl {}", shell_quote(&target))
    } else {
        format!(
            "curl -X {} {}",
            method.to_ascii_uppercase(),
            shell_quote(&target)
        )
    }];
    lines.push("  -b cookies.txt -c cookies.txt".into());
    if method != "get" {
        lines.push(format!(
            "  -H {}",
            shell_quote(&format!("Origin: {}", origin_of(url)))
        ));
    }
    if let Some(example) = op["requestBody"]["content"]["application/json"].get("example") {
        lines.push(format!(
            "  -H {}",
            shell_quote("Content-Type: application/json")
        ));
        lines.push(format!("  --data {}", shell_quote(&example.to_string())));
    }
    lines.join(" \\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_code_runs() {
        assert_eq!(
            inline("Returns `{session, user}` or `null`."),
            json!([
                {"text": "Returns ", "code": false},
                {"text": "{session, user}", "code": true},
                {"text": " or ", "code": false},
                {"text": "null", "code": true},
                {"text": ".", "code": false},
            ])
        );
        assert_eq!(
            inline("a ` alone"),
            json!([{"text": "a ` alone", "code": false}])
        );
        assert_eq!(inline(""), json!([]));
    }

    #[test]
    fn curl_quotes_and_sets_origin() {
        let op = json!({
            "parameters": [{"name": "token", "in": "path"}],
            "requestBody": {"content": {"application/json": {"example": {"name": "O'Brien"}}}},
        });
        let c = curl("post", "https://auth.example.com/api/auth/x/{token}", &op);
        assert_eq!(
            c,
            "curl -X POST 'https://auth.example.com/api/auth/x/TOKEN' \\\n  -b cookies.txt -c cookies.txt \\\n  -H 'Origin: https://auth.example.com' \\\n  -H 'Content-Type: application/json' \\\n  --data '{\"name\":\"O'\\''Brien\"}'"
        );
    }

    #[test]
    fn refs_are_expanded_into_nested_fields() {
        let doc = json!({
            "servers": [{"url": "https://a.test/api/auth"}],
            "paths": {"/get-session": {"get": {
                "operationId": "getSession",
                "tags": ["Session"],
                "description": "Returns `x`",
                "responses": {"200": {"description": "Success", "content": {"application/json": {
                    "schema": {"anyOf": [{"type": "object", "properties": {
                        "user": {"$ref": "#/components/schemas/User"},
                        "list": {"type": "array", "items": {"$ref": "#/components/schemas/User"}},
                    }, "required": ["user"]}, {"type": "null"}]},
                    "example": {"user": {"id": "1"}},
                }}}},
            }}},
            "components": {"schemas": {"User": {"type": "object", "properties": {
                "id": {"type": "string", "description": "Unique"},
                "image": {"type": ["string", "null"]},
            }, "required": ["id"]}}},
        });
        let p = page(&doc, "/api/auth");
        let op = &p["groups"][0]["operations"][0];
        assert_eq!(op["id"], "op-getSession");
        assert_eq!(op["url_path"], "/api/auth/get-session");
        let r = &op["responses"][0];
        assert_eq!(r["type"], "object or null");
        assert_eq!(r["fields"][0]["name"], "user");
        assert_eq!(r["fields"][0]["type"], "User");
        assert_eq!(r["fields"][0]["required"], true);
        assert_eq!(r["fields"][0]["fields"][0]["name"], "id");
        assert_eq!(r["fields"][0]["fields"][1]["type"], "string or null");
        assert_eq!(r["fields"][1]["type"], "array of User");
        assert_eq!(
            r["fields"][1]["fields"][0]["description"][0]["text"],
            "Unique"
        );
    }
}
