//! `open-api`: the OpenAPI 3.1 document generated from the endpoint registry, and a reference
//! page rendered from it.

mod view;

use async_trait::async_trait;
use http::Method;
use portcullis_core::openapi::schema;
use portcullis_core::{
    ApiError, AuthContext, AuthRequest, AuthResponse, Endpoint, Plugin, openapi,
};
use serde_json::json;

pub struct OpenApi;

async fn generate_schema(ctx: &AuthContext, _req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    Ok(AuthResponse::json(openapi::document(ctx)))
}

async fn reference(ctx: &AuthContext, _req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let doc = openapi::document(ctx);
    let model = view::page(&doc, &ctx.config.base_path);
    let html = ctx
        .renderer
        .as_ref()
        .and_then(|r| {
            r.render(
                "reference.html",
                json!({"reference": model, "openapi": doc, "page_title": "page-title-reference"}),
            )
        })
        .ok_or_else(|| ApiError::empty(404))?;
    Ok(AuthResponse::html(html))
}

#[async_trait]
impl Plugin for OpenApi {
    fn id(&self) -> &'static str {
        "open-api"
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        vec![
            Endpoint::new(
                Method::GET,
                "/open-api/generate-schema",
                "generateOpenAPISchema",
                portcullis_core::handler!(generate_schema),
            )
            .summary(
                "OpenAPI document",
                "This API as OpenAPI 3.1 JSON, generated from the endpoint definitions.",
            )
            .tag("Open API")
            .returns(schema::object(json!({
                "openapi": schema::string("The OpenAPI version, `3.1.0`"),
                "info": {"type": "object", "description": "Title, version and description"},
                "servers": schema::array(json!({"type": "object"})),
                "paths": {"type": "object", "description": "Each path's operations"},
                "components": {"type": "object", "description": "The shared schemas and the security schemes"},
            }))),
            Endpoint::new(
                Method::GET,
                "/reference",
                "apiReference",
                portcullis_core::handler!(reference),
            )
            .summary(
                "API reference page",
                "A readable page rendered from the OpenAPI document, with a form to try each call.",
            )
            .tag("Open API")
            .returns_html("The reference page"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use portcullis_core::Endpoint;
    use portcullis_core::endpoint::ResponseBody;
    use portcullis_core::openapi::example::{Fill, example};
    use portcullis_core::openapi::schema::COMPONENTS;
    use portcullis_core::validate::{json_schema, validate};
    use serde_json::{Map, Value};

    /// Every endpoint the server can register: core's and those of every plugin in the
    /// registry, with the plugins that are off by default switched on.
    fn every_endpoint() -> Vec<Endpoint> {
        let plugins = crate::tests::every_plugin();
        for id in [
            "bearer",
            "magic-link",
            "email-otp",
            "username",
            "phone-number",
            "anonymous",
            "multi-session",
            "api-key",
            "passkey",
            "last-login-method",
            "jwt",
            "organization",
            "oidc-provider",
            "open-api",
        ] {
            assert!(
                plugins.iter().any(|p| p.id() == id),
                "{id} is not registered"
            );
        }
        let mut all = portcullis_core::context::build_endpoints(&plugins);
        all.extend(plugins.iter().flat_map(|p| p.root_endpoints()));
        all
    }

    /// The `$ref`s a schema makes.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                    out.push(r.to_owned());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn every_endpoint_documents_its_answer() {
        let endpoints = every_endpoint();
        assert!(endpoints.len() > 40, "{}", endpoints.len());
        let mut undocumented = Vec::new();
        for e in &endpoints {
            let name = format!("{} {}", e.method, e.path);
            if e.responses.is_empty() {
                undocumented.push(name);
                continue;
            }
            for r in &e.responses {
                let ResponseBody::Json(schema) = &r.body else {
                    continue;
                };
                let shaped = ["type", "$ref", "anyOf", "properties"]
                    .iter()
                    .any(|k| schema.get(k).is_some());
                assert!(
                    shaped,
                    "{name} {}: a schema says nothing: {schema}",
                    r.status
                );
                let mut found = Vec::new();
                refs(schema, &mut found);
                for r in found {
                    let component = r.strip_prefix("#/components/schemas/").unwrap_or(&r);
                    assert!(
                        COMPONENTS.contains(&component),
                        "{name}: {r} is no component"
                    );
                }
            }
        }
        assert!(
            undocumented.is_empty(),
            "endpoints without a documented answer (Endpoint::returns, returns_html, \
             redirects or response): {undocumented:?}"
        );
    }

    /// The example the reference page sends is a body the endpoint accepts.
    #[test]
    fn request_examples_pass_validation() {
        for e in every_endpoint() {
            if let Some(body) = &e.body {
                let ex = example(&json_schema(body), &Map::new(), Fill::Request);
                assert!(
                    validate(body, Some(&ex)).is_ok(),
                    "{} {}: {ex} fails {:?}",
                    e.method,
                    e.path,
                    validate(body, Some(&ex))
                );
            }
        }
    }
}
