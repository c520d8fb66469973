//! `open-api`: the OpenAPI 3.1 document generated from the endpoint registry, and a reference
//! page rendered from it.

use async_trait::async_trait;
use http::Method;
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
    let html = ctx
        .renderer
        .as_ref()
        .and_then(|r| {
            r.render(
                "reference.html",
                json!({"openapi": doc, "page_title": "API reference"}),
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
            .tag("Open API"),
            Endpoint::new(
                Method::GET,
                "/reference",
                "apiReference",
                portcullis_core::handler!(reference),
            )
            .summary(
                "API reference page",
                "A readable page rendered from the OpenAPI document.",
            )
            .tag("Open API"),
        ]
    }
}
