//! A plugin tested the way every plugin is: a server running exactly that plugin, on each
//! backend, sending its email over real SMTP to the test kit's sink; the link is read from the
//! sink, followed with a cookie-keeping client, and expired with the server's movable clock.

use std::sync::Arc;

use portcullis_plugins::magic_link::{MagicLink, MagicLinkSettings};
use portcullis_testkit::prelude::*;
use portcullis_testkit::{Suite, runner};
use serde_json::json;

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("magic_link_by_smtp_signs_in_once_and_expires", |backend| {
            Box::pin(magic_link_by_smtp_signs_in_once_and_expires(backend))
        })
        .trial(runner::backend_trial(
            Backend::Sqlite,
            "a_sink_without_auth_takes_mail_too",
            || runner::block_on(a_sink_without_auth_takes_mail_too()),
        ))
        .run()
}

fn magic_link_only() -> Vec<Arc<dyn portcullis_core::Plugin>> {
    vec![Arc::new(MagicLink::new(MagicLinkSettings {
        expires_in: 300,
        disable_sign_up: false,
    }))]
}

async fn request_link(srv: &TestServer, email: &str) {
    let res = srv
        .post(
            "/sign-in/magic-link",
            json!({"email": email, "callbackURL": "/dash"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
}

async fn magic_link_by_smtp_signs_in_once_and_expires(backend: Backend) {
    let sink = MailSink::start().await;
    let srv = TestServer::builder(backend)
        .envs(sink.env())
        .only_plugins(magic_link_only())
        .start()
        .await;
    let plugins: Vec<&str> = srv.app.ctx.plugins.iter().map(|p| p.id()).collect();
    assert_eq!(plugins, ["magic-link"], "exactly the plugin asked for");

    request_link(&srv, "Smtp.User@Example.com").await;
    let mail = sink.last_to("smtp.user@example.com").await;
    assert_eq!(mail.authenticated_as.as_deref(), sink.user(), "SMTP AUTH");
    assert!(mail.subject.contains(APP_NAME), "{}", mail.subject);
    assert!(mail.html.contains("<"), "an HTML part too: {}", mail.html);
    let link = mail.link().expect("link");
    assert!(
        link.starts_with(&format!("{}/api/auth/magic-link/verify?token=", srv.base)),
        "{link}"
    );

    let mut browser = srv.agent();
    assert_eq!(browser.get_session().await, None, "not signed in yet");
    let res = browser.get(&srv.local_path(&link)).await;
    assert_eq!(res.status, 302, "{}", res.describe());
    assert_eq!(
        browser.session_email().await.as_deref(),
        Some("smtp.user@example.com")
    );
    let again = srv.send(Request::get(&srv.local_path(&link))).await;
    assert_eq!(
        again.header("location"),
        Some(format!("{}/dash?error=INVALID_TOKEN", srv.base).as_str()),
        "single use"
    );

    // A second link, followed after its five minutes on the server's clock.
    request_link(&srv, "smtp.user@example.com").await;
    let second = sink
        .wait_for(std::time::Duration::from_secs(10), |m| {
            m.is_to("smtp.user@example.com")
                && m.subject == mail.subject
                && m.link().is_some_and(|l| l != link)
        })
        .await
        .expect("a second link");
    // Beside the two links, the welcome for the account the first one created. Messages are
    // sent concurrently, so they may arrive in any order.
    let subjects: Vec<String> = sink
        .messages_to("smtp.user@example.com")
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert_eq!(
        subjects.iter().filter(|s| **s == mail.subject).count(),
        2,
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.starts_with("Welcome")),
        "{subjects:?}"
    );
    srv.clock.advance(chrono::Duration::seconds(301));
    let late = srv
        .send(Request::get(&srv.local_path(&second.link().expect("link"))))
        .await;
    assert_eq!(
        late.header("location"),
        Some(format!("{}/dash?error=INVALID_TOKEN", srv.base).as_str()),
        "expired: {}",
        late.describe()
    );
    browser.sign_out().await;
    assert_eq!(browser.get_session().await, None);
}

async fn a_sink_without_auth_takes_mail_too() {
    let sink = MailSink::start_without_auth().await;
    assert!(!sink.env().iter().any(|(k, _)| k == "SMTP_USER"));
    let srv = TestServer::builder(Backend::Sqlite)
        .envs(sink.env())
        .only_plugins(magic_link_only())
        .start()
        .await;
    request_link(&srv, "open@example.com").await;
    let mail = sink.last_to("open@example.com").await;
    assert_eq!(mail.authenticated_as, None);
    assert_eq!(mail.envelope_from, portcullis_testkit::mail::FROM_ADDRESS);
    assert_eq!(mail.code(), None, "a link, no code");
}
