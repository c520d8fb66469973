//! The OpenAPI 3.1 document, generated from the endpoint registry: each endpoint's body spec,
//! its documented answers (`Endpoint::returns`, `redirects`, …) and its auth rule, with shared
//! component schemas (`User` and `Session` built from the schema registry, so plugin and
//! additional fields appear as they do on the wire) and examples generated from the schemas.

pub mod example;
pub mod schema;

use portcullis_storage::{FieldType, Table};
use serde_json::{Map, Value, json};

use crate::context::AuthContext;
use crate::endpoint::{Auth, Endpoint, ResponseBody};
use crate::validate::json_schema;
use example::Fill;

/// An OAuth error body (RFC 6749 §5.2, RFC 8628 §3.5).
fn oauth_error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "error_description": {"type": "string"},
        },
    })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": schema::component("Error")}}
    })
}

/// What a field of the user or session table holds, for the components' descriptions.
fn field_description(table: &str, field: &str) -> Option<&'static str> {
    Some(match (table, field) {
        (_, "id") => "Unique identifier",
        ("user", "name") => "Display name",
        ("user", "email") => "Email address, lower-cased",
        ("user", "emailVerified") => "Whether the owner has proven the address",
        ("user", "image") => "Profile image URL",
        ("user", "username") => "Username, lower-cased",
        ("user", "displayUsername") => "Username as the user typed it",
        ("user", "phoneNumber") => "Phone number, E.164",
        ("user", "phoneNumberVerified") => "Whether the owner has proven the number",
        ("user", "isAnonymous") => "A guest from `/sign-in/anonymous`",
        ("session", "expiresAt") => "When the session ends unless it is refreshed",
        ("session", "token") => {
            "The session token; in `/list-sessions`, sessions other than the caller's carry \
             their stored identifier instead, which `/revoke-session` accepts"
        }
        ("session", "ipAddress") => "The client's address when the session was created",
        ("session", "userAgent") => "The client's User-Agent when the session was created",
        ("session", "userId") => "The user the session belongs to",
        (_, "createdAt") => "When it was created",
        (_, "updatedAt") => "When it was last changed",
        _ => return None,
    })
}

/// A table's rows as responses show them: `id` and every returned field, optional ones
/// nullable.
fn table_schema(table: &Table, description: &str) -> Value {
    let mut props = Map::new();
    let mut required = vec![Value::from("id")];
    let id = schema::string(field_description(&table.name, "id").unwrap_or_default());
    props.insert("id".into(), id);
    for f in table.fields.iter().filter(|f| f.returned) {
        let mut s = match f.ty {
            FieldType::String => json!({"type": "string"}),
            FieldType::Number => json!({"type": "number"}),
            FieldType::Boolean => json!({"type": "boolean"}),
            FieldType::Date => json!({"type": "string", "format": "date-time"}),
            FieldType::Json => json!({"description": "Any JSON value"}),
        };
        if !f.required && f.ty != FieldType::Json {
            s = schema::nullable(s);
        }
        if let Some(d) = field_description(&table.name, &f.name) {
            s = schema::described(s, d);
        }
        if f.required {
            required.push(f.name.clone().into());
        }
        props.insert(f.name.clone(), s);
    }
    json!({
        "type": "object",
        "description": description,
        "properties": props,
        "required": required,
    })
}

/// The shared component schemas (`schema::COMPONENTS`).
pub fn components(ctx: &AuthContext) -> Map<String, Value> {
    let mut codes: Vec<&str> = crate::error::codes::ALL.iter().map(|c| c.code).collect();
    for p in &ctx.plugins {
        codes.extend(p.error_codes().iter().map(|c| c.code));
    }
    let date = |d: &str| json!({"type": "string", "format": "date-time", "description": d});
    let mut m = Map::new();
    m.insert(
        "User".into(),
        table_schema(
            ctx.user_table(),
            "A user, with the fields plugins and configuration add",
        ),
    );
    m.insert(
        "Session".into(),
        table_schema(
            ctx.session_table(),
            "A session, with the fields plugins and configuration add",
        ),
    );
    m.insert(
        "Account".into(),
        schema::described(
            schema::object(json!({
                "id": schema::string("Unique identifier"),
                "providerId": schema::string("`credential` for email and password, else the provider's id"),
                "accountId": schema::string("The user's id at the provider (the user id for `credential`)"),
                "userId": schema::string("The user it belongs to"),
                "createdAt": date("When it was linked"),
                "updatedAt": date("When it was last changed"),
                "scopes": schema::array(json!({"type": "string"})),
            })),
            "A linked account (tokens and password are never shown)",
        ),
    );
    m.insert(
        "Status".into(),
        schema::object(json!({"status": schema::always_true("Done")})),
    );
    m.insert(
        "Success".into(),
        schema::object(json!({"success": schema::always_true("Done")})),
    );
    m.insert(
        "Error".into(),
        json!({
            "type": "object",
            "description": "An error: `message` for people, `code` for programs (absent on a few, as in Better Auth)",
            "properties": {
                "message": {"type": "string"},
                "code": {"type": "string", "enum": codes},
            },
            "required": ["message"],
        }),
    );
    m
}

/// The `responses` entry of one documented answer, with an example for JSON.
fn response_entry(
    body: &ResponseBody,
    description: &str,
    components: &Map<String, Value>,
) -> Value {
    match body {
        ResponseBody::Json(s) => json!({
            "description": description,
            "content": {"application/json": {
                "schema": s,
                "example": example::example(s, components, Fill::All),
            }},
        }),
        ResponseBody::Html => json!({
            "description": description,
            "content": {"text/html": {"schema": {"type": "string"}}},
        }),
        // Each event of the stream, as its fields: a block may carry only `retry` or `id`.
        ResponseBody::EventStream => json!({
            "description": description,
            "content": {"text/event-stream": {"schema": {
                "type": "object",
                "properties": {
                    "event": {"type": "string"},
                    "data": {"type": "string"},
                    "id": {"type": "string"},
                    "retry": {"type": ["integer", "string"]},
                },
            }}},
        }),
        // No content type documented: a body, when there is one, is the usual error.
        ResponseBody::ErrorOrNothing => json!({"description": description}),
        ResponseBody::Redirect => json!({
            "description": description,
            "headers": {"Location": {
                "description": "Where the browser goes next",
                "schema": {"type": "string"},
            }},
        }),
    }
}

fn operation(e: &Endpoint, components: &Map<String, Value>) -> Map<String, Value> {
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
        let schema = json_schema(body);
        let example = example::example(&schema, components, Fill::Request);
        let mut content = Map::new();
        content.insert(
            "application/json".into(),
            json!({"schema": schema, "example": example}),
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
    for r in &e.responses {
        responses.insert(
            r.status.to_string(),
            response_entry(&r.body, r.description, components),
        );
    }
    if e.responses.is_empty() {
        // A plugin that documents nothing: say so rather than invent a shape.
        responses.insert(
            "200".into(),
            json!({"description": "Success (the plugin does not document its answer)"}),
        );
    }
    // The OAuth and device-grant endpoints answer their own errors as `{error,
    // error_description}`; a body the pipeline cannot read is answered before they run, with
    // the common error, as Better Auth's are. Either may come.
    if e.path.starts_with("/oauth2/") || e.path.starts_with("/device") {
        for status in ["400", "401", "403"] {
            let declared = responses.remove(status);
            let oauth = declared
                .as_ref()
                .and_then(|d| d.pointer("/content/application~1json/schema"))
                .cloned()
                .unwrap_or_else(oauth_error_schema);
            let description = declared
                .as_ref()
                .and_then(|d| d.get("description"))
                .and_then(Value::as_str)
                .unwrap_or(match status {
                    "400" => "The request is refused (an OAuth error), or its body cannot be read",
                    "401" => "The client or token is not valid",
                    _ => {
                        "The caller may not do this (an OAuth error), or the origin is not trusted"
                    }
                })
                .to_owned();
            responses.insert(
                status.to_owned(),
                json!({
                    "description": description,
                    "content": {"application/json": {"schema": {"anyOf": [
                        oauth,
                        schema::component("Error"),
                    ]}}},
                }),
            );
        }
    }
    if e.auth == Auth::Fresh {
        responses.entry("403").or_insert_with(|| {
            error_response(
                "Refused: the session is not fresh (sign in again), the origin is not trusted, \
                 or the caller may not do this",
            )
        });
    }
    // A 401 from an endpoint that checks the session itself, and a 404 (the router's own, for
    // a plugin turned off, or a resource that does not exist), may come with no body at all, as
    // Better Auth answers them: documented without a content type.
    let no_body = |description: &str| json!({"description": description});
    if e.auth == Auth::Public {
        responses.entry("401").or_insert_with(|| {
            no_body(
                "Not signed in, or the credentials or token presented are not valid: a \
                 `{message, code}` error, or no body",
            )
        });
    }
    responses.entry("404").or_insert_with(|| {
        no_body(
            "What the request names does not exist (or is not the caller's), or the endpoint is \
             turned off: a `{message, code}` error, or no body",
        )
    });
    // What any endpoint may answer, whatever it documents itself: refusals of the request as a
    // whole (its origin, its rate, its session) and a database that is away.
    for (status, description) in [
        (
            "400",
            "Bad request: validation failed or the request cannot be processed",
        ),
        (
            "401",
            "Not signed in, or the credentials or token presented are not valid",
        ),
        (
            "403",
            "Refused: the origin is not trusted, or the caller may not do this",
        ),
        ("429", "Too many requests: wait as `Retry-After` says"),
        ("503", "The database is unavailable: try again shortly"),
    ] {
        responses
            .entry(status)
            .or_insert_with(|| error_response(description));
    }
    if e.auth != Auth::Public {
        op.insert("security".into(), json!([{"cookie": []}, {"bearer": []}]));
        let rule = match e.auth {
            Auth::Fresh => "fresh",
            Auth::Sensitive => "sensitive",
            _ => "session",
        };
        op.insert("x-session".into(), rule.into());
    }

    // Status codes in order, whatever order they were declared in.
    let mut sorted: Vec<(String, Value)> = responses.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    op.insert(
        "responses".into(),
        Value::Object(sorted.into_iter().collect()),
    );
    op
}

/// `/reset-password/:token` as OpenAPI writes it: `/reset-password/{token}`.
fn openapi_path(path: &str) -> String {
    path.split('/')
        .map(|s| {
            s.strip_prefix(':')
                .map(|p| format!("{{{p}}}"))
                .unwrap_or_else(|| s.to_owned())
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub fn document(ctx: &AuthContext) -> Value {
    let components = components(ctx);
    let mut paths = Map::new();
    for (i, e) in ctx.endpoints.iter().enumerate() {
        // A plugin turned off is left out, as if never registered.
        if !ctx.switches.endpoint_on(i) {
            continue;
        }
        let op = operation(e, &components);
        let entry = paths
            .entry(openapi_path(e.path))
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
            "schemas": components,
            "securitySchemes": {
                "cookie": {"type": "apiKey", "in": "cookie", "name": ctx.cookies.session_token()},
                "bearer": {"type": "http", "scheme": "bearer", "description": "The `set-auth-token` value from sign-in"},
            },
        },
    })
}
