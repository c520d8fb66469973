//! The sign-in challenge and trusted devices.
//!
//! A held sign-in gets the signed `two_factor` cookie, `2fa-<20 random characters>` as Better
//! Auth makes it, for `TWO_FACTOR_CHALLENGE_MAX_AGE` (10 minutes). Its row in `verification`
//! is named by the hash of that value (`2fa:<hash>`) and holds the user, the first factor, the
//! "remember me" choice and the wrong codes tried against it (five, as Better Auth allows).
//!
//! A trusted device carries the signed `trust_device` cookie, `<hmac>!trust-device-<32>`, where
//! the HMAC under the server secret binds the user to the identifier; its row is
//! `trust-device:<hash of the identifier>` → user id, for `TWO_FACTOR_TRUST_DEVICE_MAX_AGE`
//! (30 days). Each trusted sign-in replaces both, as Better Auth does. Better Auth's own rows
//! (the identifier stored as it is) are read too.

use portcullis_core::cookies::SetCookie;
use portcullis_core::crypto::sign::{self, hmac_base64url, verify_base64url};
use portcullis_core::crypto::token::random_string;
use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::issue::PendingSession;
use portcullis_core::session::{self, Lookup, SessionWithUser};
use portcullis_core::verification::{self, Found};
use portcullis_core::{ApiError, AuthContext, Issued, SignIn, issue_session, links, users};
use portcullis_storage::{Row, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    INVALID_TWO_FACTOR_COOKIE, TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE, TwoFactorSettings, store,
};

/// The hosted challenge page.
pub const PAGE: &str = "/two-factor";
const COOKIE: &str = "two_factor";
const TRUST_COOKIE: &str = "trust_device";
/// Wrong TOTP or backup codes one challenge allows, as Better Auth.
const ATTEMPTS: u32 = 5;

/// The first factors that end in `issue_session`, so a challenge can name the one it holds
/// (`SignIn::method` is a `&'static str`): the login metric and last-login-method then see the
/// first factor, as they would without the second step.
const METHODS: &[&str] = &[
    "email",
    "username",
    "phone-number",
    "magic-link",
    "email-otp",
    "email-verification",
    "passkey",
    "anonymous",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChallengeData {
    #[serde(rename = "userId")]
    pub user_id: String,
    pub method: String,
    #[serde(rename = "dontRemember")]
    pub dont_remember: bool,
    pub attempts: u32,
}

/// A live challenge: what its cookie named, and its row.
pub struct Challenge {
    /// The row's identifier, `2fa:<hash of the cookie's value>`.
    pub identifier: String,
    pub found: Found,
    pub data: ChallengeData,
}

/// Who a verify endpoint acts for.
pub enum Subject {
    /// A sign-in held for its second step.
    SigningIn { challenge: Challenge, user: Row },
    /// A signed-in user (enrolment, or a check of a code).
    SignedIn(SessionWithUser),
}

impl Subject {
    pub fn user(&self) -> &Row {
        match self {
            Subject::SigningIn { user, .. } => user,
            Subject::SignedIn(s) => &s.user,
        }
    }

    pub fn user_id(&self) -> &str {
        self.user()
            .get("id")
            .and_then(portcullis_storage::Value::as_str)
            .unwrap_or_default()
    }

    /// What one-time codes are filed under: the challenge, or the session.
    pub fn otp_key(&self) -> String {
        match self {
            Subject::SigningIn { challenge, .. } => challenge.identifier.clone(),
            Subject::SignedIn(s) => format!("{}!{}", s.user_id(), s.id()),
        }
    }
}

fn identifier(value: &str) -> String {
    verification::identifier("2fa:", value)
}

fn invalid_cookie() -> ApiError {
    ApiError::new(401, INVALID_TWO_FACTOR_COOKIE)
}

/// The session the request carries (checked against the store, never the cookie cache), else
/// the challenge its `two_factor` cookie names: Better Auth's `verifyTwoFactor`.
pub async fn subject(ctx: &AuthContext, req: &AuthRequest) -> Result<Subject, ApiError> {
    if let Lookup::Found(s) = session::lookup(ctx, req, false).await? {
        return Ok(Subject::SignedIn(s));
    }
    let value = req
        .cookie(&ctx.cookies.name(COOKIE))
        .and_then(|v| sign::unsign(ctx.secret(), v))
        .ok_or_else(invalid_cookie)?;
    let identifier = identifier(&value);
    let found = verification::find(ctx, ctx.adapter.as_ref(), &identifier)
        .await?
        .filter(|f| !f.expired)
        .ok_or_else(invalid_cookie)?;
    let data: ChallengeData = serde_json::from_str(&found.value).map_err(|_| invalid_cookie())?;
    let user = users::find_user(ctx, &data.user_id)
        .await?
        .ok_or_else(invalid_cookie)?;
    Ok(Subject::SigningIn {
        challenge: Challenge {
            identifier,
            found,
            data,
        },
        user,
    })
}

/// One attempt at a challenge: its row is taken for the time of the check, so concurrent
/// guesses cannot try more codes than it allows, and put back unless the check succeeds.
pub struct Attempt {
    identifier: String,
    data: ChallengeData,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// Takes the challenge's row for one attempt. Counted attempts (TOTP, backup codes) are
/// refused once five have failed, which ends the challenge.
pub async fn begin(
    ctx: &AuthContext,
    challenge: &Challenge,
    counted: bool,
) -> Result<Attempt, ApiError> {
    let store = ctx.adapter.as_ref();
    if !verification::take(store, &challenge.found).await? {
        return Err(invalid_cookie());
    }
    if counted && challenge.data.attempts >= ATTEMPTS {
        return Err(ApiError::bad_request(TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE)
            .with_cookies(vec![ctx.cookies.delete(COOKIE)]));
    }
    Ok(Attempt {
        identifier: challenge.identifier.clone(),
        data: challenge.data.clone(),
        expires_at: challenge.found.expires_at.unwrap_or_else(|| ctx.now()),
    })
}

impl Attempt {
    async fn put_back(self, ctx: &AuthContext, data: ChallengeData) -> Result<(), ApiError> {
        let value = serde_json::to_string(&data).map_err(|_| ApiError::internal())?;
        verification::create_until(
            ctx,
            ctx.adapter.as_ref(),
            &self.identifier,
            &value,
            self.expires_at,
        )
        .await
    }

    /// A wrong code: the challenge comes back with one more attempt counted.
    pub async fn failed(self, ctx: &AuthContext) -> Result<(), ApiError> {
        let mut data = self.data.clone();
        data.attempts += 1;
        self.put_back(ctx, data).await
    }

    /// Nothing was decided (an error on the way, or a check that signs nobody in): the
    /// challenge comes back as it was.
    pub async fn restore(self, ctx: &AuthContext) -> Result<(), ApiError> {
        let data = self.data.clone();
        self.put_back(ctx, data).await
    }

    /// The second step succeeded: the challenge stays spent and the session is issued.
    pub async fn complete(
        self,
        ctx: &AuthContext,
        req: &AuthRequest,
        user: Row,
        settings: &TwoFactorSettings,
    ) -> Result<AuthResponse, ApiError> {
        complete(ctx, req, &self.data, user, settings).await
    }
}

/// Issues the session a challenge held back, as Better Auth's verify endpoints answer:
/// `{token, user}`, the session cookies, the `two_factor` cookie expired, and with
/// `trustDevice: true` a `trust_device` cookie (and `dont_remember` expired).
async fn complete(
    ctx: &AuthContext,
    req: &AuthRequest,
    data: &ChallengeData,
    user: Row,
    settings: &TwoFactorSettings,
) -> Result<AuthResponse, ApiError> {
    let method = METHODS
        .iter()
        .find(|m| **m == data.method)
        .copied()
        .unwrap_or("two-factor");
    let user_id = data.user_id.clone();
    let user_json = session::user_json(ctx, &user);
    let sign_in = SignIn::new(user, method)
        .dont_remember(data.dont_remember)
        .both_factors(true);
    let (session, mut cookies) = match issue_session(ctx, req, sign_in).await? {
        Issued::Session { session, cookies } => (session, cookies),
        // Another plugin's challenge (none exists yet): its answer stands.
        Issued::Held(answer) => return Ok(answer),
    };
    cookies.push(ctx.cookies.delete(COOKIE));
    if req.bool_field("trustDevice") == Some(true) {
        cookies.push(trust(ctx, ctx.adapter.as_ref(), &user_id, settings).await?);
        cookies.push(ctx.cookies.delete("dont_remember"));
    }
    Ok(AuthResponse::json(json!({"token": session.token, "user": user_json})).cookies(cookies))
}

/// Takes a challenge that no attempt has taken (one-time codes count their own attempts) and
/// completes it.
pub async fn take_and_complete(
    ctx: &AuthContext,
    req: &AuthRequest,
    challenge: &Challenge,
    user: Row,
    settings: &TwoFactorSettings,
) -> Result<AuthResponse, ApiError> {
    if !verification::take(ctx.adapter.as_ref(), &challenge.found).await? {
        return Err(invalid_cookie().with_cookies(vec![ctx.cookies.delete(COOKIE)]));
    }
    complete(ctx, req, &challenge.data, user, settings).await
}

/// A trusted device's replaced cookie, for the after-hook to add to the sign-in's answer.
#[derive(Clone)]
pub struct RotatedTrust(pub SetCookie);

fn trust_identifier(id: &str) -> String {
    verification::identifier("trust-device:", id)
}

/// What the `trust_device` cookie says about `user_id`.
enum Trust {
    Absent,
    /// Present but not for this user, forged, or its row gone or expired.
    Invalid,
    Trusted(Found),
}

async fn read_trust(
    ctx: &AuthContext,
    store: &dyn Store,
    req: &AuthRequest,
    user_id: &str,
) -> Result<Trust, ApiError> {
    let Some(value) = req
        .cookie(&ctx.cookies.name(TRUST_COOKIE))
        .and_then(|v| sign::unsign(ctx.secret(), v))
    else {
        return Ok(Trust::Absent);
    };
    let Some((mac, id)) = value.split_once('!') else {
        return Ok(Trust::Invalid);
    };
    if !verify_base64url(ctx.secret(), &format!("{user_id}!{id}"), mac) {
        return Ok(Trust::Invalid);
    }
    let found = match verification::find(ctx, store, &trust_identifier(id)).await? {
        Some(f) => Some(f),
        // Better Auth's row, named by the identifier itself.
        None => verification::find(ctx, store, id).await?,
    };
    Ok(match found {
        Some(f) if !f.expired && f.value == user_id => Trust::Trusted(f),
        _ => Trust::Invalid,
    })
}

/// A new trusted-device row and its cookie.
async fn trust(
    ctx: &AuthContext,
    store: &dyn Store,
    user_id: &str,
    settings: &TwoFactorSettings,
) -> Result<SetCookie, ApiError> {
    let id = format!("trust-device-{}", random_string(32));
    let mac = hmac_base64url(ctx.secret(), &format!("{user_id}!{id}"));
    verification::create(
        ctx,
        store,
        &trust_identifier(&id),
        user_id,
        settings.trust_device_max_age,
    )
    .await?;
    Ok(ctx.cookies.make(
        TRUST_COOKIE,
        sign::sign(ctx.secret(), &format!("{mac}!{id}")),
        Some(settings.trust_device_max_age),
    ))
}

/// Forgets this browser's trusted device (two-factor turned off): its row, and its cookie.
pub async fn forget_trust(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<Option<SetCookie>, ApiError> {
    let Some(value) = req
        .cookie(&ctx.cookies.name(TRUST_COOKIE))
        .and_then(|v| sign::unsign(ctx.secret(), v))
    else {
        return Ok(None);
    };
    if let Some((_, id)) = value.split_once('!') {
        let store = ctx.adapter.as_ref();
        for identifier in [trust_identifier(id), id.to_owned()] {
            store
                .delete_many(
                    "verification",
                    &[portcullis_storage::Where::eq("identifier", identifier)],
                )
                .await?;
        }
    }
    Ok(Some(ctx.cookies.delete(TRUST_COOKIE)))
}

/// The issue hook: a trusted device passes (its cookie replaced in the answer by the
/// after-hook); anyone else gets the challenge.
pub async fn hold(
    ctx: &AuthContext,
    req: &AuthRequest,
    pending: &PendingSession<'_>,
    settings: &TwoFactorSettings,
) -> Result<Option<AuthResponse>, ApiError> {
    let user_id = pending.user_id();
    let db = pending.store;
    let mut cookies = Vec::new();
    match read_trust(ctx, db, req, user_id).await? {
        Trust::Trusted(found) => {
            verification::take(db, &found).await?;
            let cookie = trust(ctx, db, user_id, settings).await?;
            req.state.insert(RotatedTrust(cookie));
            return Ok(None);
        }
        Trust::Invalid => cookies.push(ctx.cookies.delete(TRUST_COOKIE)),
        Trust::Absent => {}
    }
    // Better Auth created the session before holding it, then deleted it and expired its
    // cookies: the browser ends up without a session either way, so it is said the same way.
    cookies.push(ctx.cookies.delete("session_token"));
    cookies.push(ctx.cookies.delete("session_data"));
    if pending.dont_remember {
        cookies.push(
            ctx.cookies
                .make("dont_remember", sign::sign(ctx.secret(), "true"), None),
        );
    }
    let value = format!("2fa-{}", random_string(20));
    let data = ChallengeData {
        user_id: user_id.to_owned(),
        method: pending.method.to_owned(),
        dont_remember: pending.dont_remember,
        attempts: 0,
    };
    let stored = serde_json::to_string(&data).map_err(|_| ApiError::internal())?;
    verification::create(
        ctx,
        db,
        &identifier(&value),
        &stored,
        settings.challenge_max_age,
    )
    .await?;
    cookies.push(ctx.cookies.make(
        COOKIE,
        sign::sign(ctx.secret(), &value),
        Some(settings.challenge_max_age),
    ));
    let mut methods = Vec::new();
    if store::find(db, user_id)
        .await?
        .is_some_and(|row| row.verified)
    {
        methods.push("totp");
    }
    if settings.otp_enabled {
        methods.push("otp");
    }
    // A link followed in the browser (a GET that would redirect to its callbackURL) goes on to
    // the hosted challenge page instead, keeping where it was going.
    let callback = req
        .query_param("callbackURL")
        .filter(|c| !c.is_empty() && req.method == http::Method::GET);
    let answer = match callback {
        Some(cb) => {
            let joined = methods.join(",");
            let page = links::page_url(ctx, PAGE);
            AuthResponse::redirect(&links::resolve_with(
                ctx,
                &page,
                &[("methods", joined.as_str()), ("callbackURL", cb)],
            ))
        }
        None => AuthResponse::json(json!({"twoFactorRedirect": true, "twoFactorMethods": methods})),
    };
    Ok(Some(answer.cookies(cookies)))
}
