//! `bearer`: `Authorization: Bearer <token>` authenticates like the session cookie, and every
//! response that sets the session cookie also carries the token in `set-auth-token`.

use async_trait::async_trait;
use portcullis_core::crypto::sign;
use portcullis_core::{
    AuthContext, AuthRequest, AuthResponse, Before, Config, ConfigError, Plugin,
};

pub struct Bearer;

/// The bearer plugin's settings: only whether it is on (`ENABLE_BEARER`, or `enabled` in
/// `[plugins.bearer]`; default on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BearerSettings;

impl BearerSettings {
    /// `None` when the plugin is off.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let on = config
            .sources
            .plugin("bearer")
            .flag("enabled", Some("ENABLE_BEARER"), true)?;
        Ok(on.then_some(BearerSettings))
    }
}

/// The signed cookie value for a bearer token, if it authenticates.
fn signed_value(secret: &[u8], token: &str) -> Option<String> {
    let token = token.trim();
    if token.is_empty() {
        return None;
    }
    if token.contains('.') {
        let decoded = if token.contains('%') {
            percent_encoding::percent_decode_str(token)
                .decode_utf8()
                .ok()?
                .into_owned()
        } else {
            token.to_owned()
        };
        // Only a correctly signed value is accepted; a bad signature leaves the request unauthenticated.
        sign::unsign(secret, &decoded).map(|_| decoded)
    } else {
        Some(sign::sign(secret, token))
    }
}

#[async_trait]
impl Plugin for Bearer {
    fn id(&self) -> &'static str {
        "bearer"
    }

    fn hooks(&self) -> portcullis_core::plugin::Hooks {
        use portcullis_core::plugin::HookScope;
        portcullis_core::plugin::Hooks {
            before: HookScope::Always,
            after: HookScope::Always,
            ..Default::default()
        }
    }

    async fn before(
        &self,
        ctx: &AuthContext,
        req: &mut AuthRequest,
    ) -> Result<Before, portcullis_core::ApiError> {
        let Some(auth) = req.header(http::header::AUTHORIZATION) else {
            return Ok(Before::Continue);
        };
        let Some((scheme, token)) = auth.trim().split_once(' ') else {
            return Ok(Before::Continue);
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Ok(Before::Continue);
        }
        if let Some(value) = signed_value(ctx.secret(), token) {
            req.set_cookie(ctx.cookies.session_token(), value);
        }
        Ok(Before::Continue)
    }

    async fn after(&self, ctx: &AuthContext, _req: &AuthRequest, res: &mut AuthResponse) {
        if res.cookies.is_empty() {
            return;
        }
        let name = ctx.cookies.session_token();
        let Some(cookie) = res
            .cookies
            .iter()
            .find(|c| c.name == name && !c.value.is_empty() && !c.is_deletion())
        else {
            return;
        };
        let token = cookie.value.clone();
        res.push_exposed_header("set-auth-token", token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"better-auth-secret-12345678901234567890";

    #[test]
    fn accepts_signed_encoded_and_raw_tokens() {
        let signed =
            "AbCdEfGhIjKlMnOpQrStUvWxYz012345.Ti/xeH4hFO5G4Kofpp9E9KCgaAEDRZ5hrYLoq0FI2L8=";
        assert_eq!(signed_value(SECRET, signed).as_deref(), Some(signed));
        let encoded =
            "AbCdEfGhIjKlMnOpQrStUvWxYz012345.Ti%2FxeH4hFO5G4Kofpp9E9KCgaAEDRZ5hrYLoq0FI2L8%3D";
        assert_eq!(signed_value(SECRET, encoded).as_deref(), Some(signed));
        assert_eq!(
            signed_value(SECRET, " AbCdEfGhIjKlMnOpQrStUvWxYz012345 ").as_deref(),
            Some(signed)
        );
        assert_eq!(signed_value(SECRET, "AbCd.badsignature"), None);
        assert_eq!(signed_value(SECRET, ""), None);
    }
}
