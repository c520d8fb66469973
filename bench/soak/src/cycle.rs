//! One virtual-user cycle: the life of an account through the Better Auth wire API.
//!
//!  1. sign-up (a new, unique user) → session A (cookie)
//!  2. get-session ×2 with A, update-user (a new name), get-session with A shows the new name
//!  3. sign-out A, and get-session with A answers `null`
//!  4. sign-in twice: session B (cookie, "device B") and session C (bearer, "device C");
//!     get-session with each
//!  5. list-sessions with B: exactly B and C (by their ids)
//!  6. even cycles: B revokes C (revoke-session); odd cycles: C revokes the others
//!     (revoke-other-sessions); the revoked session's get-session answers `null`
//!  7. sign-out with the survivor, whose get-session then answers `null`
//!
//! 16 requests, three of them password hashes (sign-up and the two sign-ins). Every answer is
//! checked for its status and for the field that shows it worked; the first surprise ends the
//! cycle, as it would end a user's.

use serde_json::{Value, json};

use crate::http::{Api, Auth, Reply, Req};
use crate::stats::Step;

/// Requests in a full cycle, and how many of them hash a password (see the list above).
pub const REQUESTS_PER_CYCLE: f64 = 16.0;
pub const HASHES_PER_CYCLE: f64 = 3.0;

/// The password of every soak user (as bench/lib/seed.py's): long enough, not a breached one.
const PASSWORD: &str = "correct horse battery staple";

pub struct Cycle<'a> {
    pub api: &'a Api,
    pub run_id: &'a str,
    pub cookie_name: &'a str,
}

/// A session as the client holds it.
struct Session {
    token: String,
    /// `name=value` for the Cookie header.
    cookie: String,
    /// The `set-auth-token` value for `Authorization: Bearer`.
    bearer: String,
}

impl Session {
    fn cookie(&self) -> Auth<'_> {
        Auth::Cookie(&self.cookie)
    }

    fn bearer(&self) -> Auth<'_> {
        Auth::Bearer(&self.bearer)
    }
}

impl Cycle<'_> {
    /// Runs cycle number N; true when every answer was the expected one.
    pub async fn run(&self, n: u64) -> bool {
        self.steps(n).await.is_some()
    }

    async fn steps(&self, n: u64) -> Option<()> {
        let api = self.api;
        let email = format!("soak-{}-{n}@bench.test", self.run_id);
        let name = format!("Soak User {n}");
        let renamed = format!("Soak User {n} (renamed)");

        // 1-3: sign up, read, rename, sign out
        let body = json!({"name": name, "email": email, "password": PASSWORD});
        let a = api
            .call(
                Req::post(Step::SignUp, "/sign-up/email", Auth::None, "A", body),
                |r| self.signed_in(r, &email, &name),
            )
            .await?;
        for _ in 0..2 {
            self.get_session(a.cookie(), "A", &a, &email, &name).await?;
        }
        let body = json!({"name": renamed});
        api.call(
            Req::post(Step::UpdateUser, "/update-user", a.cookie(), "A", body),
            |r| field_is_true(r, "status"),
        )
        .await?;
        self.get_session(a.cookie(), "A", &a, &email, &renamed)
            .await?;
        self.sign_out(a.cookie(), "A").await?;
        self.revoked(a.cookie(), "A").await?;

        // 4: two more sessions for the same user, one held as a cookie, one as a bearer token
        let body = json!({"email": email, "password": PASSWORD});
        let b = api
            .call(
                Req::post(
                    Step::SignIn,
                    "/sign-in/email",
                    Auth::None,
                    "B",
                    body.clone(),
                ),
                |r| self.signed_in(r, &email, &renamed),
            )
            .await?;
        let c = api
            .call(
                Req::post(Step::SignIn, "/sign-in/email", Auth::None, "C", body),
                |r| self.signed_in(r, &email, &renamed),
            )
            .await?;
        let b_id = self
            .get_session(b.cookie(), "B", &b, &email, &renamed)
            .await?;
        let c_id = self
            .get_session(c.bearer(), "C", &c, &email, &renamed)
            .await?;

        // 5: the user's live sessions are exactly B and C (A was signed out), known by their ids.
        // Better Auth lists every session's raw token; a server may list another identifier for
        // the sessions other than the caller's, so C is revoked by what the list says.
        let c_listed = api
            .call(
                Req::get(Step::ListSessions, "/list-sessions", b.cookie(), "B"),
                |r| {
                    expect_status(r, 200)?;
                    let v = r.json()?;
                    let list = v.as_array().ok_or("not an array")?;
                    let id = |s: &Value| s.get("id").and_then(Value::as_str).map(str::to_owned);
                    let mut ids: Vec<Option<String>> = list.iter().map(id).collect();
                    ids.sort_unstable();
                    let mut want = vec![Some(b_id.clone()), Some(c_id.clone())];
                    want.sort_unstable();
                    if ids != want {
                        return Err(format!(
                            "expected exactly the two signed-in sessions, got {} session(s), {} of them signed in",
                            list.len(),
                            ids.iter().filter(|i| want.contains(i)).count()
                        ));
                    }
                    list.iter()
                        .find(|s| id(s).as_deref() == Some(c_id.as_str()))
                        .and_then(|s| s.get("token"))
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .ok_or_else(|| "no token listed for the other session".to_owned())
                },
            )
            .await?;

        // 6: a revocation, then the revoked session must be gone at once
        let survivor = if n.is_multiple_of(2) {
            let body = json!({"token": c_listed});
            api.call(
                Req::post(
                    Step::RevokeSession,
                    "/revoke-session",
                    b.cookie(),
                    "B",
                    body,
                ),
                |r| field_is_true(r, "status"),
            )
            .await?;
            self.revoked(c.bearer(), "C").await?;
            (b.cookie(), "B")
        } else {
            api.call(
                Req::post_bare(
                    Step::RevokeOtherSessions,
                    "/revoke-other-sessions",
                    c.bearer(),
                    "C",
                ),
                |r| field_is_true(r, "status"),
            )
            .await?;
            self.revoked(b.cookie(), "B").await?;
            (c.bearer(), "C")
        };

        // 7: the last session signs out
        self.sign_out(survivor.0, survivor.1).await?;
        self.revoked(survivor.0, survivor.1).await
    }

    /// A sign-up or sign-in answer: 200, the user, the session token in the body, the cookie
    /// and `set-auth-token`.
    fn signed_in(&self, r: &Reply, email: &str, name: &str) -> Result<Session, String> {
        expect_status(r, 200)?;
        let v = r.json()?;
        let token = v
            .get("token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or("no session token in the body")?;
        user_is(&v, email, name)?;
        let cookie = r
            .set_cookie(self.cookie_name)
            .ok_or_else(|| format!("no {} cookie set", self.cookie_name))?;
        let bearer = r
            .header("set-auth-token")
            .filter(|b| b.starts_with(&format!("{token}.")))
            .ok_or("no set-auth-token header for the session")?;
        Ok(Session {
            token: token.to_owned(),
            cookie: format!("{}={cookie}", self.cookie_name),
            bearer: bearer.to_owned(),
        })
    }

    /// get-session answers this session and this user, with this name; gives the session's id.
    async fn get_session(
        &self,
        auth: Auth<'_>,
        device: &str,
        s: &Session,
        email: &str,
        name: &str,
    ) -> Option<String> {
        self.api
            .call(
                Req::get(Step::GetSession, "/get-session", auth, device),
                |r| {
                    expect_status(r, 200)?;
                    let v = r.json()?;
                    if v.is_null() {
                        return Err("null: the session is not recognised".to_owned());
                    }
                    user_is(&v, email, name)?;
                    if v.pointer("/session/token").and_then(Value::as_str) != Some(&s.token) {
                        return Err("session.token is not the session's token".to_owned());
                    }
                    v.pointer("/session/id")
                        .and_then(Value::as_str)
                        .filter(|i| !i.is_empty())
                        .map(str::to_owned)
                        .ok_or_else(|| "no session.id".to_owned())
                },
            )
            .await
    }

    async fn sign_out(&self, auth: Auth<'_>, device: &str) -> Option<()> {
        self.api
            .call(
                Req::post(Step::SignOut, "/sign-out", auth, device, json!({})),
                |r| field_is_true(r, "success"),
            )
            .await
    }

    /// get-session with a session that was just signed out or revoked answers `null`.
    async fn revoked(&self, auth: Auth<'_>, device: &str) -> Option<()> {
        self.api
            .call(
                Req::get(Step::RevokedCheck, "/get-session", auth, device),
                |r| {
                    expect_status(r, 200)?;
                    if r.json()?.is_null() {
                        Ok(())
                    } else {
                        Err("a revoked session is still served".to_owned())
                    }
                },
            )
            .await
    }
}

fn expect_status(r: &Reply, want: u16) -> Result<(), String> {
    if r.status == want {
        Ok(())
    } else {
        Err(format!("status {} (expected {want})", r.status))
    }
}

/// 200 and `{"<field>": true}`.
fn field_is_true(r: &Reply, field: &str) -> Result<(), String> {
    expect_status(r, 200)?;
    match r.json()?.get(field) {
        Some(Value::Bool(true)) => Ok(()),
        _ => Err(format!("expected {field}: true")),
    }
}

fn user_is(v: &Value, email: &str, name: &str) -> Result<(), String> {
    let user = v.get("user").ok_or("no user in the body")?;
    if user.get("email").and_then(Value::as_str) != Some(email) {
        return Err(format!("user.email is not {email}"));
    }
    if user.get("name").and_then(Value::as_str) != Some(name) {
        return Err(format!("user.name is not {name:?}"));
    }
    Ok(())
}
