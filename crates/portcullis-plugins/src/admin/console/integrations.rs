//! The admin console's Integrations section: how mail, text messages and sign-in providers are
//! set up, with every secret shown only as "set" (never its value, nor part of it); a test
//! message through the real transport; and each transport's health across every instance
//! (`portcullis_core::delivery_health`, kept in the secondary storage).

use http::Method;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::plugin_parts::Sends;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext};
use portcullis_core::{audit, delivery_health};
use portcullis_delivery::config::SmtpTls;
use portcullis_delivery::{EmailTemplate, MailBackend, SmsBackend};
use serde_json::{Value, json};

use super::super::YOU_ARE_NOT_ALLOWED_TO_READ_INTEGRATIONS;
use super::super::endpoints::{event, operator};
use super::lists::bad_query;

/// The test e-mail and text message.
pub const TEST_EMAIL: EmailTemplate = EmailTemplate::named("admin-test");
pub const TEST_SMS: &str = "admin-test";

pub fn sends() -> Vec<Sends> {
    vec![Sends::Email(TEST_EMAIL), Sends::Sms(TEST_SMS)]
}

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(
            Method::GET,
            "/admin/console/integrations",
            "consoleIntegrations",
            portcullis_core::handler!(integrations),
        )
        .tag("Admin console")
        .summary(
            "Mail, text messages and sign-in providers",
            "How each is set up, secrets shown only as set or not; each transport's messages sent and failed over the last 24 hours with its last success and failure, and the outcomes of the last 50 messages, from every instance (through Redis when configured); `sent`, `failed`, `retried` and `dropped` count this instance's since it started. `shared` is false when the secondary storage could not be read (then `transports` and `recent` are empty). Needs `integration:read` (under the default access control, an administrator).",
        )
        .returns(schema::object(json!({
            "mail": {"type": "object"},
            "sms": {"type": "object"},
            "providers": schema::array(json!({"type": "object"})),
            "delivery": schema::object(json!({
                "sent": {"type": "integer"},
                "failed": {"type": "integer"},
                "retried": {"type": "integer"},
                "dropped": {"type": "integer"},
                "shared": {"type": "boolean"},
                "windowHours": {"type": "integer"},
                "transports": schema::array(json!({"type": "object"})),
                "recent": schema::array(json!({"type": "object"})),
            })),
        }))),
        Endpoint::new(
            Method::POST,
            "/admin/console/test-message",
            "consoleTestMessage",
            portcullis_core::handler!(test_message),
        )
        .tag("Admin console")
        .summary(
            "Send a test message",
            "An e-mail (to `to`, else your own address) or a text message (to `to`) through the configured transport; its outcome shows in the integrations' recent messages. Needs `integration:read`.",
        )
        .body(BodySpec::object(vec![
            FieldSpec::req("channel", Ty::String, "`email` or `sms`"),
            FieldSpec::opt("to", Ty::String, "Where to send it"),
        ]))
        .returns(schema::status()),
    ]
}

/// `integration:read`: granted by a custom access control, or to any administrator under the
/// default one.
pub(super) async fn may_read(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<portcullis_core::session::SessionWithUser, ApiError> {
    operator(
        ctx,
        req,
        "integration",
        "read",
        YOU_ARE_NOT_ALLOWED_TO_READ_INTEGRATIONS,
    )
    .await
}

/// An address as it may be shown: scheme, host, port and path. A user name, password, query
/// or fragment may carry a credential (`https://sms.example/send?key=…`), so each is replaced
/// by `…`, which says something was there in any language.
fn shown_url(url: &str) -> Value {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let credentials = !u.username().is_empty() || u.password().is_some();
            let query = u.query().is_some();
            let fragment = u.fragment().is_some();
            // Setting these cannot fail on an address that has a host.
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            let mut shown = u.to_string();
            if credentials && let Some(at) = shown.find("://") {
                shown.insert_str(at + 3, "…@");
            }
            if query {
                shown.push_str("?…");
            }
            if fragment {
                shown.push_str("#…");
            }
            json!(shown)
        }
        // Configuration validated it at start-up; anything else is not shown at all.
        Err(_) => json!("set"),
    }
}

fn set(secret: bool) -> Value {
    if secret { json!("set") } else { Value::Null }
}

/// The SMTP encryption, as a code the console names in its language.
fn tls(t: SmtpTls) -> &'static str {
    match t {
        SmtpTls::Wrapper => "wrapper",
        SmtpTls::StartTls => "starttls",
        SmtpTls::Opportunistic => "opportunistic",
        SmtpTls::None => "none",
    }
}

async fn integrations(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    may_read(ctx, req).await?;
    let d = &ctx.config.delivery;
    let from = format!("{} <{}>", d.from_name, d.from_address);
    let mail = match &d.mail {
        MailBackend::Smtp {
            host,
            port,
            user,
            password,
            tls: t,
        } => json!({
            "transport": "smtp", "from": from, "host": host, "port": port,
            "tls": tls(*t), "username": user, "password": set(password.is_some()),
        }),
        MailBackend::Resend { endpoint, .. } => json!({
            "transport": "resend", "from": from, "endpoint": shown_url(endpoint), "apiKey": set(true),
        }),
        MailBackend::SendGrid { endpoint, .. } => json!({
            "transport": "sendgrid", "from": from, "endpoint": shown_url(endpoint), "apiKey": set(true),
        }),
        MailBackend::Outbox => json!({"transport": "outbox", "from": from}),
    };
    let sms = match &d.sms {
        SmsBackend::Twilio {
            account_sid,
            from,
            endpoint,
            ..
        } => json!({
            "transport": "twilio", "accountSid": account_sid, "from": from,
            "endpoint": shown_url(endpoint), "authToken": set(true),
        }),
        SmsBackend::Webhook { url, .. } => {
            json!({"transport": "webhook", "url": shown_url(url), "secret": set(true)})
        }
        SmsBackend::Outbox => json!({"transport": "outbox"}),
    };
    let providers: Vec<Value> = match ctx.plugin::<crate::oauth::OAuth>() {
        Some(oauth) => oauth
            .providers()
            .map(|p| {
                let s = &p.settings;
                json!({
                    "id": s.id,
                    "label": s.label,
                    "clientId": s.client_id,
                    "clientSecret": set(!s.client_secret.is_empty()),
                    "issuer": s.issuer,
                    "discoveryUrl": s.discovery_url.as_ref().map(|u| shown_url(u.as_str())),
                    "redirectUri": p.redirect_uri(),
                })
            })
            .collect(),
        None => Vec::new(),
    };
    let stats = ctx.delivery.stats();
    let (shared, health) = match delivery_health::read(ctx.secondary.as_ref(), ctx.now()).await {
        Ok(h) => (true, h),
        Err(e) => {
            tracing::warn!(error = %e, "delivery health not read: secondary storage unavailable");
            (false, delivery_health::Health::default())
        }
    };
    Ok(AuthResponse::json(json!({
        "mail": mail,
        "sms": sms,
        "providers": providers,
        "delivery": {
            "sent": stats.sent,
            "failed": stats.failed,
            "retried": stats.retried,
            "dropped": stats.dropped,
            "shared": shared,
            "windowHours": delivery_health::WINDOW_HOURS,
            "transports": health.transports,
            "recent": health.recent,
        },
    }))
    .no_store())
}

async fn test_message(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = may_read(ctx, req).await?;
    let to = req.str_field("to").map(str::trim).filter(|t| !t.is_empty());
    if to.is_some_and(|t| t.chars().count() > 320 || t.chars().any(char::is_control)) {
        return Err(bad_query("to must be an address or a number"));
    }
    let channel = req.str_field("channel").unwrap_or_default();
    let channel = match channel {
        "email" => {
            let to = to
                .or_else(|| me.user.get("email").and_then(|v| v.as_str()))
                .unwrap_or_default();
            if !to.contains('@') {
                return Err(bad_query("to must be an e-mail address"));
            }
            ctx.delivery.send_email(to, TEST_EMAIL, json!({}));
            "email"
        }
        "sms" => {
            let Some(to) = to.filter(|t| t.starts_with('+') && t.len() > 4) else {
                return Err(bad_query(
                    "to must be a phone number in international form, such as +15555550123",
                ));
            };
            ctx.delivery.send_sms(to, TEST_SMS, json!({}));
            "sms"
        }
        _ => return Err(bad_query("channel must be email or sms")),
    };
    audit::record(
        ctx,
        ctx.adapter.as_ref(),
        event(req, &me, "admin.test_message", me.user_id()).detail("channel", channel),
    )
    .await?;
    Ok(AuthResponse::json(json!({"status": true})).no_store())
}

#[cfg(test)]
mod tests {
    use super::shown_url;
    use serde_json::json;

    #[test]
    fn addresses_lose_what_may_be_a_credential() {
        assert_eq!(
            shown_url("https://sms.example.com/send"),
            json!("https://sms.example.com/send")
        );
        assert_eq!(
            shown_url("https://user:pw@sms.example.com:8443/send?key=abc#x"),
            json!("https://…@sms.example.com:8443/send?…#…")
        );
        assert_eq!(shown_url("not a url"), json!("set"));
    }
}
