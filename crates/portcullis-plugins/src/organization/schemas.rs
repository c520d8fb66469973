//! The JSON Schemas of the organization plugin's answers, for the OpenAPI document.

use portcullis_core::openapi::schema;
use serde_json::{Value, json};

fn date(d: &str) -> Value {
    json!({"type": "string", "format": "date-time", "description": d})
}

/// An organization; `parsed` when `metadata` is answered as an object (create, update).
pub fn org_schema(parsed: bool) -> Value {
    schema::object(json!({
        "name": schema::string("Its name"),
        "slug": schema::string("Its unique slug"),
        "logo": schema::nullable(schema::string("A logo URL")),
        "createdAt": date("When it was made"),
        "metadata": if parsed {
            json!({"description": "Its metadata object, or null"})
        } else {
            schema::nullable(schema::string("Its metadata as JSON text"))
        },
        "id": schema::string("Its id"),
    }))
}

pub fn member_schema() -> Value {
    schema::object(json!({
        "organizationId": schema::string("The organization"),
        "userId": schema::string("The user"),
        "role": schema::string("Its roles, comma-separated"),
        "createdAt": date("When it joined"),
        "id": schema::string("The membership's id"),
    }))
}

pub fn member_with_user_schema() -> Value {
    let mut m = member_schema();
    m["properties"]["user"] = schema::object(json!({
        "id": schema::string("The user's id"),
        "name": schema::string("Name"),
        "email": schema::string("Email"),
        "image": schema::nullable(schema::string("Image URL")),
    }));
    if let Some(r) = m["required"].as_array_mut() {
        r.push(json!("user"));
    }
    m
}

pub fn invitation_schema() -> Value {
    schema::object(json!({
        "organizationId": schema::string("The organization"),
        "email": schema::string("Who is invited"),
        "role": schema::nullable(schema::string("The roles it grants, comma-separated")),
        "status": schema::one_of(&["pending", "accepted", "rejected", "canceled"], "Its state"),
        "expiresAt": date("When it expires"),
        "createdAt": date("When it was sent"),
        "inviterId": schema::string("Who invited"),
        "id": schema::string("Its id (the link's key)"),
    }))
}
