//! Security notices (ASVS 2.2.3): the user is emailed when their password is changed, set or
//! reset, when their address is changed (to the old address), and when someone tries to sign up
//! with their address. The new-sign-in alert (`issue.rs`) describes the device the same way.
//!
//! Every notice says what happened, when (UTC, from the context's clock), from where (the client
//! address as `TRUSTED_PROXIES` resolves it) and on what (a browser and OS named from the
//! User-Agent), and what to do if it was not them. Callers send one only after the change is
//! committed. A notice carries no token and no password: only the fixed vocabulary below, the
//! user's public fields and links to pages anyone can open.

use portcullis_delivery::EmailTemplate;
use portcullis_storage::{Row, Value};
use serde_json::json;

use crate::context::AuthContext;
use crate::endpoint::AuthRequest;
use crate::{links, session};

/// What happened to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice<'a> {
    /// `/change-password`.
    PasswordChanged,
    /// `/set-password`: a first password for an account that had none.
    PasswordSet,
    /// A reset by link, email code or SMS code.
    PasswordReset,
    /// The address changed to `new_email`; sent to the old one.
    EmailChanged { new_email: &'a str },
    /// Someone signed up with the address of an existing account (answered like a new sign-up
    /// under enumeration protection).
    SignUpAttempt,
}

/// When and from where a request came, as a notice shows it. Taken while the request is at
/// hand, so a notice sent later still describes the request that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestOrigin {
    /// `2026-12-05 07:49:03 UTC`, from `ctx.now()`.
    pub time: String,
    /// The client address (`TRUSTED_PROXIES` applied); empty when unknown.
    pub ip: String,
    /// `Firefox 121 on Linux`, or `an unrecognised browser or app`.
    pub device: String,
    /// The raw User-Agent, for override templates written before `device` existed. The
    /// embedded templates never print it: it is whatever the client chose to send.
    pub user_agent: String,
}

impl RequestOrigin {
    pub fn of(ctx: &AuthContext, req: &AuthRequest) -> Self {
        RequestOrigin {
            time: ctx.now().format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            ip: display_ip(req.ip),
            device: readable_device(req.user_agent()),
            user_agent: req.user_agent().to_owned(),
        }
    }

    /// The template variables `time`, `ip`, `device` and `user_agent`.
    pub fn insert_into(&self, vars: &mut serde_json::Value) {
        if let Some(m) = vars.as_object_mut() {
            m.insert("time".into(), self.time.clone().into());
            m.insert("ip".into(), self.ip.clone().into());
            m.insert("device".into(), self.device.clone().into());
            m.insert("user_agent".into(), self.user_agent.clone().into());
        }
    }
}

/// The whole address (an IPv4-mapped one as IPv4): a person reads it, unlike the session row's
/// IPv6 /64.
fn display_ip(ip: Option<std::net::IpAddr>) -> String {
    match ip {
        None => String::new(),
        Some(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        Some(ip) => ip.to_string(),
    }
}

/// Shown when the User-Agent names nothing woothee knows.
pub const UNKNOWN_DEVICE: &str = "an unrecognised browser or app";

/// A browser and operating system a person can read, from woothee's fixed vocabulary only
/// (`Chrome 120 on Windows 10`, `Safari 17 on iPhone`): the raw header is the client's to choose,
/// and an email from us must not repeat whatever text (or link) it holds.
pub fn readable_device(user_agent: &str) -> String {
    const UNKNOWN: &str = "UNKNOWN";
    let Some(parsed) = woothee::parser::Parser::new().parse(user_agent) else {
        return UNKNOWN_DEVICE.to_owned();
    };
    let browser = match parsed.name {
        UNKNOWN => None,
        name => {
            // The major version only, and only digits: the rest is free text in the header.
            let major: String = parsed
                .version
                .split('.')
                .next()
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_digit)
                .take(4)
                .collect();
            Some(if major.is_empty() {
                name.to_owned()
            } else {
                format!("{name} {major}")
            })
        }
    };
    let os = match parsed.os {
        UNKNOWN => None,
        "Mac OSX" => Some("macOS"),
        os => Some(os),
    };
    match (browser, os) {
        (Some(b), Some(os)) => format!("{b} on {os}"),
        (Some(b), None) => b,
        (None, Some(os)) => format!("a browser on {os}"),
        (None, None) => UNKNOWN_DEVICE.to_owned(),
    }
}

impl Notice<'_> {
    fn template(self) -> EmailTemplate {
        match self {
            Notice::PasswordChanged | Notice::PasswordSet => EmailTemplate::PasswordChanged,
            Notice::PasswordReset => EmailTemplate::PasswordWasReset,
            Notice::EmailChanged { .. } => EmailTemplate::EmailChanged,
            Notice::SignUpAttempt => EmailTemplate::SignUpAttempt,
        }
    }

    /// Whether the configuration sends this notice.
    pub fn enabled(self, ctx: &AuthContext) -> bool {
        match self {
            Notice::SignUpAttempt => ctx.config.email.notify_existing_sign_up,
            _ => ctx.config.email.security_notices,
        }
    }

    /// The message's variables, without the recipient.
    fn vars(self, ctx: &AuthContext, user: &Row, origin: &RequestOrigin) -> serde_json::Value {
        let mut vars = json!({
            "user": session::user_json(ctx, user),
            // What to do if it was not them: choose a new password (the reset page asks for
            // the address, so the link holds nothing secret) and review the sessions.
            "reset_url": links::page_url(ctx, "/forgot-password"),
            "account_url": links::page_url(ctx, "/account"),
            "sign_in_url": links::page_url(ctx, "/sign-in"),
        });
        origin.insert_into(&mut vars);
        if let Some(m) = vars.as_object_mut() {
            match self {
                Notice::PasswordChanged => {
                    m.insert("first_password".into(), false.into());
                }
                Notice::PasswordSet => {
                    m.insert("first_password".into(), true.into());
                }
                Notice::PasswordReset => {
                    m.insert(
                        "sessions_ended".into(),
                        ctx.config.email.revoke_sessions_on_password_reset.into(),
                    );
                }
                Notice::EmailChanged { new_email } => {
                    m.insert("new_email".into(), new_email.into());
                }
                Notice::SignUpAttempt => {}
            }
        }
        vars
    }
}

/// Emails `notice` to `to` about `user`, when the configuration sends it. Call it once the
/// change is committed. Rendering happens here; sending is queued (`Delivery`).
pub fn send(ctx: &AuthContext, to: &str, user: &Row, origin: &RequestOrigin, notice: Notice<'_>) {
    if !notice.enabled(ctx) || to.is_empty() {
        return;
    }
    ctx.delivery
        .send_email(to, notice.template(), notice.vars(ctx, user, origin));
}

/// As [`send`], to the user's own address, described from `req`.
pub fn send_to_user(ctx: &AuthContext, req: &AuthRequest, user: &Row, notice: Notice<'_>) {
    let to = user
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default();
    send(ctx, to, user, &RequestOrigin::of(ctx, req), notice);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_named_from_a_fixed_vocabulary() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
                "Firefox 121 on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/120.0.0.0 Safari/537.36",
                "Chrome 120 on Windows 10",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
                "Edge 120 on Windows 10",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 \
                 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
                "Safari 17 on iPhone",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, \
                 like Gecko) Version/17.1 Safari/605.1.15",
                "Safari 17 on macOS",
            ),
            ("curl/8.5.0", "HTTP Library"),
            ("", UNKNOWN_DEVICE),
            ("portcullis-it/1.0", UNKNOWN_DEVICE),
            // Free text in the header never reaches the message.
            (
                "Visit https://evil.example/reset to keep your account",
                UNKNOWN_DEVICE,
            ),
        ];
        for (ua, want) in cases {
            assert_eq!(readable_device(ua), want, "{ua}");
        }
    }

    #[test]
    fn addresses_are_shown_whole() {
        use std::net::IpAddr;
        let ip = |s: &str| Some(s.parse::<IpAddr>().expect("ip"));
        assert_eq!(display_ip(ip("203.0.113.9")), "203.0.113.9");
        assert_eq!(display_ip(ip("::ffff:198.51.100.7")), "198.51.100.7");
        assert_eq!(display_ip(ip("2001:db8::1")), "2001:db8::1");
        assert_eq!(display_ip(None), "");
    }
}
