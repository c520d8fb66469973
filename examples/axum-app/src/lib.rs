//! An axum app that trusts Portcullis users through `portcullis-client`:
//!
//! - `GET /` is public and greets whoever is signed in (`Option<User>`);
//! - `GET /me` needs a user, by cookie, bearer session token, JWT or API key (`Identity`);
//! - `GET /session` needs a session (a JWT is refused: it names no session);
//! - `GET /reports/*` is guarded by the layer itself (`AuthLayer::required`): its handlers
//!   never see an anonymous request.

use axum::routing::get;
use axum::{Json, Router};
use portcullis_client::{Authenticator, Identity, Session, User};
use serde_json::{Value, json};

pub fn router(auth: &Authenticator) -> Router {
    let reports = Router::new()
        .route("/reports/daily", get(daily_report))
        .route_layer(auth.layer().required());
    Router::new()
        .route("/", get(home))
        .route("/me", get(me))
        .route("/session", get(session))
        .merge(reports)
        .layer(auth.layer())
}

async fn home(user: Option<User>) -> Json<Value> {
    Json(match user {
        Some(u) => json!({"signedIn": true, "greeting": format!("Hello, {}", u.name)}),
        None => json!({"signedIn": false, "greeting": "Hello, guest"}),
    })
}

async fn me(identity: Identity) -> Json<Value> {
    Json(json!({
        "id": identity.user.id,
        "email": identity.user.email,
        "name": identity.user.name,
        "method": identity.method.as_str(),
        "sessionId": identity.session.map(|s| s.id),
    }))
}

async fn session(session: Session) -> Json<Value> {
    Json(json!({
        "sessionId": session.id,
        "userId": session.user_id,
        "expiresAt": session.expires_at,
    }))
}

async fn daily_report() -> Json<Value> {
    Json(json!({"report": "daily", "rows": 3}))
}
