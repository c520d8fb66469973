//! The OpenAPI 3.1 document, generated from the endpoint registry.

use serde_json::{Map, Value, json};

use crate::context::AuthContext;
use crate::endpoint::Auth;
use crate::validate::json_schema;

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

pub fn document(ctx: &AuthContext) -> Value {
    let mut paths = Map::new();
    for (i, e) in ctx.endpoints.iter().enumerate() {
        let mut op = Map::new();
        op.insert("operationId".into(), e.operation_id.into());
        op.insert("summary".into(), e.summary.into());
        op.insert("description".into(), e.description.into());
        op.insert("tags".into(), json!([e.tag]));
        let params: Vec<Value> = e
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix(':'))
            .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}}))
            .chain(e.query.iter().map(|(n, d)| json!({"name": n, "in": "query", "required": false, "description": d, "schema": {"type": "string"}})))
            .collect();
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        if let Some(body) = &e.body {
            let mut content = Map::new();
            content.insert(
                "application/json".into(),
                json!({"schema": json_schema(body)}),
            );
            if e.accepts_form {
                content.insert(
                    "application/x-www-form-urlencoded".into(),
                    json!({"schema": json_schema(body)}),
                );
            }
            op.insert(
                "requestBody".into(),
                json!({"required": !body.optional, "content": content}),
            );
        }
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({"description": "Success", "content": {"application/json": {"schema": {}}}}),
        );
        responses.insert(
            "400".into(),
            error_response("Bad request: validation failed or the request cannot be processed"),
        );
        if e.auth != Auth::Public {
            responses.insert("401".into(), error_response("No valid session"));
            op.insert("security".into(), json!([{"cookie": []}, {"bearer": []}]));
        }
        if e.auth == Auth::Fresh {
            responses.insert("403".into(), error_response("Session not fresh"));
        }
        op.insert("responses".into(), Value::Object(responses));
        let path = e
            .path
            .split('/')
            .map(|s| {
                s.strip_prefix(':')
                    .map(|p| format!("{{{p}}}"))
                    .unwrap_or_else(|| s.to_owned())
            })
            .collect::<Vec<_>>()
            .join("/");
        let entry = paths
            .entry(path)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(m) = entry.as_object_mut() {
            m.insert(e.method.as_str().to_ascii_lowercase(), Value::Object(op));
            // A plugin's endpoint outside the base path is served from the site's root.
            if ctx.root_routes.contains(i) {
                let root = ctx.config.base_url.as_str().trim_end_matches('/');
                m.insert("servers".into(), json!([{"url": root}]));
            }
        }
    }
    let brand = &ctx.config.brand;
    let mut codes: Vec<&str> = crate::error::codes::ALL.iter().map(|c| c.code).collect();
    for p in &ctx.plugins {
        codes.extend(p.error_codes().iter().map(|c| c.code));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("{} API", brand.name),
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("{} — Better Auth–compatible authentication API.", brand.description),
        },
        "servers": [{"url": ctx.config.auth_url()}],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "message": {"type": "string"},
                        "code": {"type": "string", "enum": codes},
                    },
                },
            },
            "securitySchemes": {
                "cookie": {"type": "apiKey", "in": "cookie", "name": ctx.cookies.session_token()},
                "bearer": {"type": "http", "scheme": "bearer", "description": "The `set-auth-token` value from sign-in"},
            },
        },
    })
}
