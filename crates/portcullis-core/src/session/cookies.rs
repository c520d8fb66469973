//! The cookies that carry a session: the signed `session_token`, `dont_remember` and the
//! cookie cache, written when a session is issued or refreshed, and the signed ones read back
//! from a request.

use super::SessionWithUser;
use super::cookie_cache::encode_cookie_cache;
use crate::context::AuthContext;
use crate::cookies::SetCookie;
use crate::crypto::sign;
use crate::endpoint::AuthRequest;

/// The cookies that carry a session: the signed token, `dont_remember`, and the cookie cache.
pub fn session_cookies(
    ctx: &AuthContext,
    s: &SessionWithUser,
    dont_remember: bool,
) -> Vec<SetCookie> {
    let jar = &ctx.cookies;
    let secret = ctx.secret();
    let max_age = (!dont_remember).then_some(ctx.config.session.expires_in);
    let mut out = vec![jar.make("session_token", sign::sign(secret, &s.token), max_age)];
    if dont_remember {
        out.push(jar.make("dont_remember", sign::sign(secret, "true"), None));
    }
    let cache_age = ctx.config.session.cookie_cache_max_age;
    if cache_age > 0 {
        let value = encode_cookie_cache(ctx, s, if dont_remember { 60 } else { cache_age });
        let cookie = jar.make("session_data", value, (!dont_remember).then_some(cache_age));
        if cookie.header_value().len() <= MAX_SET_COOKIE_BYTES {
            out.push(cookie);
        } else {
            // Too big for one cookie: go without the cache for this session, and clear an
            // earlier one so that it cannot answer with what this change replaced.
            out.push(jar.delete("session_data"));
        }
    }
    out
}

/// The longest `Set-Cookie` value written for the cookie cache, attributes included. Browsers
/// keep at most 4096 bytes of name and value per cookie and drop bigger ones silently, and
/// common HTTP clients refuse long headers.
const MAX_SET_COOKIE_BYTES: usize = 4096;

/// The signed session token from the request's cookies, if its signature verifies.
pub fn token_from_cookies(ctx: &AuthContext, req: &AuthRequest) -> Option<String> {
    let raw = req.cookie(ctx.cookies.session_token())?;
    sign::unsign(ctx.secret(), raw)
}

pub fn dont_remember(ctx: &AuthContext, req: &AuthRequest) -> bool {
    req.cookie(ctx.cookies.dont_remember())
        .and_then(|v| sign::unsign(ctx.secret(), v))
        .is_some_and(|v| v == "true")
}
