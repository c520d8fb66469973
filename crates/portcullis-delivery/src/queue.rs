//! The send queue: a bounded channel drained by a dispatcher that starts one task per message.
//! Sends run concurrently, at most [`SEND_CONCURRENCY`] at once, and a message waiting for its
//! next try holds no send slot, so a retry back-off never holds up the other messages.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::config::{DeliveryConfig, MailBackend, SmsBackend};
use crate::http_api::{ResendMailer, SendGridMailer, TwilioSms, WebhookSms};
use crate::outbox::Outbox;
use crate::smtp::{SmtpMailer, SmtpSettings};
use crate::templates::{EmailTemplate, Templates};
use crate::{DeliveryError, Email, MailTransport, Sms, SmsTransport, redact, shown_reason};

/// Messages waiting beyond this are dropped (and counted): a mail outage must not grow memory
/// without bound.
const QUEUE_CAPACITY: usize = 10_000;

/// Provider calls in progress at once: enough to keep up with bursts, few enough not to trip
/// a provider's rate limit or a small relay's connection limit.
const SEND_CONCURRENCY: usize = 8;

/// Messages taken off the queue and not yet finished (sending or waiting to retry). Past this
/// the dispatcher waits, the channel fills up and further messages are dropped and counted.
const MAX_IN_FLIGHT: usize = 1_024;

#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    failed: AtomicU64,
    retried: AtomicU64,
    dropped: AtomicU64,
}

/// How one message ended: sent, or given up on. The error is scrubbed of the recipient and the
/// content, as the logs are, and of anything else that looks like an address or a phone
/// number ([`shown_reason`]): operators read it in the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `email` or `sms`.
    pub channel: &'static str,
    pub transport: &'static str,
    /// The message's kind: `verification`, `password-reset`, …
    pub kind: String,
    pub sent: bool,
    pub attempts: u32,
    pub error: Option<String>,
}

/// Where each message's outcome is reported once it is sent or given up on: the server keeps
/// them where every instance reads them, for the console's view of each transport's health.
/// Called on the message's own task, after its last attempt and outside the send slots, so a
/// slow log delays no other send; it cannot fail the message (problems are the log's to report).
#[async_trait]
pub trait OutcomeLog: Send + Sync {
    async fn record(&self, outcome: &Outcome);
}

/// The log outcomes go to, set once after start-up (it needs storage the delivery crate knows
/// nothing of); until then outcomes are only counted and logged.
type SharedLog = Arc<OnceLock<Arc<dyn OutcomeLog>>>;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    pub sent: u64,
    pub failed: u64,
    pub retried: u64,
    pub dropped: u64,
}

enum Message {
    Email(Email),
    Sms(Sms),
}

struct Job {
    message: Message,
    /// Marks the message finished when the job is dropped, however its task ends.
    done: Done,
}

/// Which queued messages are unfinished, numbered in queue order, so `flush` waits for exactly
/// the ones queued before it even though they finish out of order.
struct Tracker {
    state: Mutex<TrackerState>,
    /// The lowest unfinished number, or the next number when nothing is unfinished.
    low: watch::Sender<u64>,
}

#[derive(Default)]
struct TrackerState {
    next: u64,
    pending: BTreeSet<u64>,
}

impl Tracker {
    fn new() -> Arc<Self> {
        Arc::new(Tracker {
            state: Mutex::new(TrackerState::default()),
            low: watch::Sender::new(0),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TrackerState> {
        // The guarded data stays consistent across a panic, so poisoning can be ignored.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn begin(self: &Arc<Self>) -> Done {
        let mut st = self.lock();
        let seq = st.next;
        st.next += 1;
        st.pending.insert(seq);
        Done {
            tracker: self.clone(),
            seq,
        }
    }

    fn finish(&self, seq: u64) {
        let mut st = self.lock();
        st.pending.remove(&seq);
        let low = st.pending.first().copied().unwrap_or(st.next);
        self.low.send_replace(low);
    }

    /// The number the next message will get: everything below it is "queued before".
    fn mark(&self) -> u64 {
        self.lock().next
    }
}

struct Done {
    tracker: Arc<Tracker>,
    seq: u64,
}

impl Drop for Done {
    fn drop(&mut self) {
        self.tracker.finish(self.seq);
    }
}

pub struct Delivery {
    tx: mpsc::Sender<Job>,
    templates: Templates,
    counters: Arc<Counters>,
    tracker: Arc<Tracker>,
    outbox: Option<Outbox>,
    mail_transport: &'static str,
    sms_transport: &'static str,
    log: SharedLog,
}

fn build_mail(cfg: &DeliveryConfig) -> Result<Arc<dyn MailTransport>, DeliveryError> {
    Ok(match &cfg.mail {
        MailBackend::Outbox => Arc::new(Outbox::new(cfg.outbox_dir.clone())),
        MailBackend::Smtp {
            host,
            port,
            user,
            password,
            tls,
        } => Arc::new(SmtpMailer::new(
            SmtpSettings {
                host: host.clone(),
                port: *port,
                user: user.clone(),
                password: password.clone(),
                tls: *tls,
                timeout: cfg.timeout,
            },
            cfg.from_mailbox()?,
        )?),
        MailBackend::Resend { api_key, endpoint } => Arc::new(ResendMailer::new(
            api_key.clone(),
            endpoint,
            &cfg.from_mailbox()?,
            cfg.timeout,
        )?),
        MailBackend::SendGrid { api_key, endpoint } => Arc::new(SendGridMailer::new(
            api_key.clone(),
            endpoint,
            &cfg.from_mailbox()?,
            cfg.timeout,
        )?),
    })
}

fn build_sms(cfg: &DeliveryConfig) -> Result<Arc<dyn SmsTransport>, DeliveryError> {
    Ok(match &cfg.sms {
        SmsBackend::Outbox => Arc::new(Outbox::new(cfg.outbox_dir.clone())),
        SmsBackend::Twilio {
            account_sid,
            auth_token,
            from,
            endpoint,
        } => Arc::new(TwilioSms::new(
            account_sid,
            auth_token.clone(),
            from,
            endpoint,
            cfg.timeout,
        )?),
        SmsBackend::Webhook { url, secret } => {
            Arc::new(WebhookSms::new(url, secret.clone(), cfg.timeout)?)
        }
    })
}

impl Delivery {
    /// Builds the transports and starts the dispatcher on the current tokio runtime.
    pub fn start(cfg: DeliveryConfig) -> Result<Arc<Delivery>, DeliveryError> {
        crate::templates::check_plugin_templates(&cfg.plugin_templates)?;
        let mail = build_mail(&cfg)?;
        let sms = build_sms(&cfg)?;
        Ok(Delivery::with_transports(cfg, mail, sms))
    }

    /// As [`Delivery::start`], with transports built by the caller (tests, embedders); the
    /// backends named in `cfg` are ignored.
    pub fn with_transports(
        cfg: DeliveryConfig,
        mail: Arc<dyn MailTransport>,
        sms: Arc<dyn SmsTransport>,
    ) -> Arc<Delivery> {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        let counters = Arc::new(Counters::default());
        let log = SharedLog::default();
        let delivery = Arc::new(Delivery {
            tx,
            templates: Templates::with_plugin_templates(
                cfg.templates_dir.clone(),
                cfg.globals.clone(),
                &cfg.plugin_templates,
                cfg.catalogs.clone(),
            ),
            counters: counters.clone(),
            tracker: Tracker::new(),
            outbox: cfg
                .uses_outbox()
                .then(|| Outbox::new(cfg.outbox_dir.clone())),
            mail_transport: mail.name(),
            sms_transport: sms.name(),
            log: log.clone(),
        });
        let sender = Arc::new(Sender {
            mail,
            sms,
            counters,
            log,
            permits: Semaphore::new(SEND_CONCURRENCY),
            max_attempts: cfg.max_attempts.max(1),
            retry_delay: cfg.retry_delay,
            timeout: cfg.timeout,
        });
        tokio::spawn(dispatch(rx, sender));
        delivery
    }

    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// Renders and queues an email, with the brand of the work sending it
    /// ([`crate::with_brand`]) when there is one. Never fails the caller: problems are logged
    /// and counted.
    pub fn send_email(&self, to: &str, template: EmailTemplate, vars: Value) {
        let brand = crate::current_brand();
        self.send_email_branded(to, template, vars, brand.as_deref());
    }

    /// [`Delivery::send_email`] with this brand (or the configured one for `None`): its name,
    /// logo and colour in the message, its sender name on the `From` line.
    pub fn send_email_branded(
        &self,
        to: &str,
        template: EmailTemplate,
        vars: Value,
        brand: Option<&crate::BrandOverlay>,
    ) {
        let mut vars = vars;
        if let Some(m) = vars.as_object_mut() {
            m.insert("to".into(), Value::String(to.to_owned()));
        }
        let brand = brand.filter(|b| b.is_safe());
        match self.templates.render_email_branded(template, vars, brand) {
            Ok(r) => self.enqueue(Message::Email(Email {
                to: to.to_owned(),
                subject: r.subject,
                html: r.html,
                text: r.text,
                kind: template.kind().to_owned(),
                from_name: self
                    .templates
                    .stored_brand()
                    .layered(brand)
                    .and_then(|b| b.sender_name),
            })),
            Err(e) => {
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, kind = template.kind(), "email not sent: template failed");
            }
        }
    }

    /// Renders `sms-<name>.txt` and queues it. An unknown name is logged and counted as failed,
    /// like any template error; start-up checks the names plugins declare (`Plugin::sends`).
    pub fn send_sms(&self, to: &str, name: &str, vars: Value) {
        match self.templates.render_sms(name, vars) {
            Ok(body) => self.enqueue(Message::Sms(Sms {
                to: to.to_owned(),
                body,
                kind: name.to_owned(),
            })),
            Err(e) => {
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, kind = name, "text message not sent: template failed");
            }
        }
    }

    fn enqueue(&self, message: Message) {
        let job = Job {
            message,
            done: self.tracker.begin(),
        };
        // On failure the job comes back in the error and is dropped here, which finishes it.
        if self.tx.try_send(job).is_err() {
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            tracing::error!("delivery queue full or closed: message dropped");
        }
    }

    /// Waits until everything queued so far has been sent or given up on, or `timeout` passes.
    /// Messages queued after the call do not extend the wait.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let target = self.tracker.mark();
        let mut low = self.tracker.low.subscribe();
        matches!(
            tokio::time::timeout(timeout, low.wait_for(|low| *low >= target)).await,
            Ok(Ok(_))
        )
    }

    /// The outbox, when email or SMS goes there (development).
    pub fn outbox(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    pub fn transports(&self) -> (&'static str, &'static str) {
        (self.mail_transport, self.sms_transport)
    }

    /// Reports every message's outcome to `log` from now on. The first log given stays: an
    /// error hands back a later one.
    pub fn report_outcomes_to(&self, log: Arc<dyn OutcomeLog>) -> Result<(), Arc<dyn OutcomeLog>> {
        self.log.set(log)
    }

    pub fn stats(&self) -> DeliveryStats {
        DeliveryStats {
            sent: self.counters.sent.load(Ordering::Relaxed),
            failed: self.counters.failed.load(Ordering::Relaxed),
            retried: self.counters.retried.load(Ordering::Relaxed),
            dropped: self.counters.dropped.load(Ordering::Relaxed),
        }
    }
}

/// Takes messages off the queue and starts a task for each, up to [`MAX_IN_FLIGHT`].
async fn dispatch(mut rx: mpsc::Receiver<Job>, sender: Arc<Sender>) {
    let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    while let Some(job) = rx.recv().await {
        // Never closed, so `None` cannot happen; going on without a slot would still be safe.
        let slot = slots.clone().acquire_owned().await.ok();
        let sender = sender.clone();
        tokio::spawn(async move {
            let _slot = slot;
            sender.deliver(job).await;
        });
    }
}

/// What each message task needs, shared by all of them.
struct Sender {
    mail: Arc<dyn MailTransport>,
    sms: Arc<dyn SmsTransport>,
    counters: Arc<Counters>,
    log: SharedLog,
    permits: Semaphore,
    max_attempts: u32,
    retry_delay: Duration,
    timeout: Duration,
}

impl Sender {
    /// Sends one message, retrying temporary failures with exponential back-off. Logs name the
    /// channel, kind, transport and attempt, never the recipient or the content.
    async fn deliver(&self, job: Job) {
        let Job { message, done } = job;
        let (channel, kind, transport) = match &message {
            Message::Email(e) => ("email", e.kind.as_str(), self.mail.name()),
            Message::Sms(s) => ("sms", s.kind.as_str(), self.sms.name()),
        };
        // Transports scrub their errors already; this also covers ones that do not.
        let private: Vec<&str> = match &message {
            Message::Email(e) => vec![&e.to],
            Message::Sms(s) => vec![&s.to, &s.body],
        };
        let mut delay = self.retry_delay;
        let mut attempt = 1;
        let outcome = loop {
            let result = {
                // Held for the attempt only, not for the back-off sleep below.
                let _permit = self.permits.acquire().await.ok();
                let send = async {
                    match &message {
                        Message::Email(e) => self.mail.send(e).await,
                        Message::Sms(s) => self.sms.send(s).await,
                    }
                };
                tokio::time::timeout(self.timeout, send)
                    .await
                    .unwrap_or_else(|_| {
                        Err(DeliveryError::Temporary {
                            transport,
                            reason: "timed out".into(),
                        })
                    })
            };
            match result {
                Ok(()) => {
                    self.counters.sent.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(channel, kind, transport, attempt, "message sent");
                    break Outcome {
                        channel,
                        transport,
                        kind: kind.to_owned(),
                        sent: true,
                        attempts: attempt,
                        error: None,
                    };
                }
                Err(e) if e.is_temporary() && attempt < self.max_attempts => {
                    self.counters.retried.fetch_add(1, Ordering::Relaxed);
                    let error = redact(e.to_string(), &private);
                    tracing::warn!(
                        channel,
                        kind,
                        transport,
                        attempt,
                        error,
                        "send failed, will retry"
                    );
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2);
                    attempt += 1;
                }
                Err(e) => {
                    self.counters.failed.fetch_add(1, Ordering::Relaxed);
                    let error = redact(e.to_string(), &private);
                    tracing::error!(channel, kind, transport, attempt, error, "message not sent");
                    break Outcome {
                        channel,
                        transport,
                        kind: kind.to_owned(),
                        sent: false,
                        attempts: attempt,
                        error: Some(shown_reason(&error)),
                    };
                }
            }
        };
        // Before the message counts as finished, so a flush waits for its outcome to be kept.
        if let Some(log) = self.log.get() {
            log.record(&outcome).await;
        }
        drop(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::AtomicU32;

    use async_trait::async_trait;
    use serde_json::json;

    fn temp_dir() -> PathBuf {
        std::env::temp_dir().join(format!(
            "portcullis-queue-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ))
    }

    fn config(dir: PathBuf) -> DeliveryConfig {
        let mut cfg = DeliveryConfig::outbox(dir);
        cfg.retry_delay = Duration::from_millis(5);
        cfg.globals = json!({ "brand": { "name": "Acme" } });
        // The phone-number plugin brings `sms-otp.txt`; these tests bring their own.
        cfg.plugin_templates = vec![("sms-otp.txt", "{{ otp }} is your {{ brand.name }} code.")];
        cfg
    }

    /// Fails the first `failures` sends (temporarily or not), then succeeds; counts calls.
    /// Mail to `slow@` always fails temporarily, to keep one message in its back-off.
    struct Flaky {
        failures: AtomicU32,
        permanent: bool,
        calls: AtomicU32,
        delivered: Mutex<Vec<Email>>,
    }

    impl Flaky {
        fn new(failures: u32, permanent: bool) -> Arc<Self> {
            Arc::new(Flaky {
                failures: AtomicU32::new(failures),
                permanent,
                calls: AtomicU32::new(0),
                delivered: Mutex::new(Vec::new()),
            })
        }
    }

    #[async_trait]
    impl MailTransport for Flaky {
        fn name(&self) -> &'static str {
            "flaky"
        }
        async fn send(&self, email: &Email) -> Result<(), DeliveryError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let fail = email.to.starts_with("slow@")
                || self
                    .failures
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
            if !fail {
                self.delivered.lock().unwrap().push(email.clone());
                return Ok(());
            }
            let reason = "simulated".to_owned();
            Err(if self.permanent {
                DeliveryError::Permanent {
                    transport: "flaky",
                    reason,
                }
            } else {
                DeliveryError::Temporary {
                    transport: "flaky",
                    reason,
                }
            })
        }
    }

    fn start_with(cfg: DeliveryConfig, mail: Arc<Flaky>) -> Arc<Delivery> {
        let sms = Arc::new(Outbox::new(cfg.outbox_dir.clone()));
        Delivery::with_transports(cfg, mail, sms)
    }

    fn welcome(d: &Delivery, to: &str) {
        d.send_email(
            to,
            EmailTemplate::Welcome,
            json!({ "url": "https://acme.test/sign-in" }),
        );
    }

    #[tokio::test]
    async fn outbox_delivery_and_flush() {
        let dir = temp_dir();
        let d = Delivery::start(config(dir.clone())).unwrap();
        assert_eq!(d.transports(), ("outbox", "outbox"));
        d.send_email(
            "bob@example.com",
            EmailTemplate::Verification,
            json!({ "url": "https://acme.test/verify?token=t", "expires_in_minutes": 60 }),
        );
        d.send_sms(
            "+14155550123",
            "otp",
            json!({ "otp": "123456", "expires_in_minutes": 5 }),
        );
        assert!(d.flush(Duration::from_secs(5)).await);
        let all = d.outbox().unwrap().list(10).await.unwrap();
        assert_eq!(all.len(), 2);
        let email = all.iter().find(|m| m.channel == "email").unwrap();
        assert_eq!(email.to, "bob@example.com");
        assert_eq!(email.kind, "verification");
        assert_eq!(email.subject, "Verify your email for Acme");
        assert!(email.text.contains("https://acme.test/verify?token=t"));
        let sms = all.iter().find(|m| m.channel == "sms").unwrap();
        assert!(sms.text.starts_with("123456 is your Acme code."));
        assert_eq!(
            d.stats(),
            DeliveryStats {
                sent: 2,
                ..Default::default()
            }
        );
        // Nothing queued: flush returns at once.
        assert!(d.flush(Duration::from_millis(10)).await);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn temporary_failures_are_retried() {
        let mail = Flaky::new(2, false);
        let d = start_with(config(temp_dir()), mail.clone());
        welcome(&d, "bob@example.com");
        assert!(d.flush(Duration::from_secs(5)).await);
        assert_eq!(mail.calls.load(Ordering::SeqCst), 3);
        assert_eq!(mail.delivered.lock().unwrap().len(), 1);
        assert_eq!(
            d.stats(),
            DeliveryStats {
                sent: 1,
                retried: 2,
                ..Default::default()
            }
        );
    }

    #[tokio::test]
    async fn permanent_failures_are_not_retried() {
        let mail = Flaky::new(1, true);
        let d = start_with(config(temp_dir()), mail.clone());
        welcome(&d, "bob@example.com");
        assert!(d.flush(Duration::from_secs(5)).await);
        assert_eq!(mail.calls.load(Ordering::SeqCst), 1);
        assert_eq!(
            d.stats(),
            DeliveryStats {
                failed: 1,
                ..Default::default()
            }
        );
    }

    #[tokio::test]
    async fn retries_stop_at_max_attempts() {
        let mail = Flaky::new(100, false);
        let mut cfg = config(temp_dir());
        cfg.max_attempts = 3;
        let d = start_with(cfg, mail.clone());
        welcome(&d, "bob@example.com");
        assert!(d.flush(Duration::from_secs(5)).await);
        assert_eq!(mail.calls.load(Ordering::SeqCst), 3);
        assert_eq!(
            d.stats(),
            DeliveryStats {
                failed: 1,
                retried: 2,
                ..Default::default()
            }
        );
    }

    #[tokio::test]
    async fn a_retry_does_not_hold_up_other_messages() {
        let mail = Flaky::new(0, false);
        let mut cfg = config(temp_dir());
        cfg.retry_delay = Duration::from_secs(3600);
        let d = start_with(cfg, mail.clone());
        welcome(&d, "slow@example.com");
        for i in 0..20 {
            welcome(&d, &format!("user{i}@example.com"));
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while d.stats().sent < 20 {
            assert!(tokio::time::Instant::now() < deadline, "{:?}", d.stats());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // The slow message is still waiting to retry, so flush cannot succeed yet.
        assert!(!d.flush(Duration::from_millis(50)).await);
        assert_eq!(d.stats().retried, 1);
        assert_eq!(d.stats().failed, 0);
    }

    /// A transport that quotes the recipient and the message back in its error, as some do.
    struct Echo;

    #[async_trait]
    impl SmsTransport for Echo {
        fn name(&self) -> &'static str {
            "echo"
        }
        async fn send(&self, sms: &Sms) -> Result<(), DeliveryError> {
            Err(DeliveryError::Temporary {
                transport: "echo",
                reason: format!("cannot send {:?} to {}", sms.body, sms.to),
            })
        }
    }

    #[derive(Clone, Default)]
    struct LogBuffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for LogBuffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Everything this test binary logs. Global, not per test: tracing caches per call site
    /// whether anyone listens, and a thread-local subscriber loses events to that cache when
    /// other tests run at the same time.
    fn captured_logs() -> &'static LogBuffer {
        static LOGS: std::sync::OnceLock<LogBuffer> = std::sync::OnceLock::new();
        LOGS.get_or_init(|| {
            let logs = LogBuffer::default();
            let writer = logs.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::DEBUG)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
            logs
        })
    }

    #[tokio::test]
    async fn logs_leave_out_recipient_and_content() {
        let logs = captured_logs();
        let mut cfg = config(temp_dir());
        cfg.max_attempts = 2;
        let mail = Flaky::new(0, false);
        let d = Delivery::with_transports(cfg, mail, Arc::new(Echo));
        d.send_sms(
            "+14155550123",
            "otp",
            json!({ "otp": "987654", "expires_in_minutes": 5 }),
        );
        welcome(&d, "carol@example.com");
        assert!(d.flush(Duration::from_secs(5)).await);
        assert_eq!(d.stats().failed, 1);
        assert_eq!(d.stats().sent, 1);

        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("send failed, will retry"), "{text}");
        assert!(text.contains("message not sent"), "{text}");
        assert!(text.contains("message sent"), "{text}");
        assert!(
            text.contains("kind=\"otp\"") && text.contains("transport=\"echo\""),
            "{text}"
        );
        for private in ["+14155550123", "987654", "carol@example.com"] {
            assert!(!text.contains(private), "{private} in logs:\n{text}");
        }
    }

    /// Keeps the outcomes reported to it; each report waits until `open` is set.
    #[derive(Default)]
    struct Kept {
        outcomes: Mutex<Vec<Outcome>>,
        open: tokio::sync::watch::Sender<bool>,
    }

    #[async_trait]
    impl OutcomeLog for Kept {
        async fn record(&self, outcome: &Outcome) {
            let _ = self.open.subscribe().wait_for(|open| *open).await;
            self.outcomes.lock().unwrap().push(outcome.clone());
        }
    }

    #[tokio::test]
    async fn outcomes_go_to_the_log_scrubbed() {
        let mut cfg = config(temp_dir());
        cfg.max_attempts = 2;
        let d = Delivery::with_transports(cfg, Flaky::new(0, false), Arc::new(Echo));
        let log = Arc::new(Kept::default());
        log.open.send_replace(true);
        assert!(d.report_outcomes_to(log.clone()).is_ok());
        assert!(
            d.report_outcomes_to(Arc::new(Kept::default())).is_err(),
            "the first log stays"
        );
        welcome(&d, "carol@example.com");
        d.send_sms(
            "+14155550123",
            "otp",
            json!({ "otp": "987654", "expires_in_minutes": 5 }),
        );
        assert!(d.flush(Duration::from_secs(5)).await);
        let mut outcomes = log.outcomes.lock().unwrap().clone();
        outcomes.sort_by_key(|o| o.channel);
        let [email, sms] = &outcomes[..] else {
            panic!("{outcomes:?}")
        };
        assert_eq!(
            (
                email.channel,
                email.transport,
                email.kind.as_str(),
                email.sent
            ),
            ("email", "flaky", "welcome", true)
        );
        assert_eq!((email.attempts, &email.error), (1, &None));
        assert_eq!(
            (
                sms.channel,
                sms.transport,
                sms.kind.as_str(),
                sms.sent,
                sms.attempts
            ),
            ("sms", "echo", "otp", false, 2)
        );
        let error = sms.error.as_deref().unwrap_or_default();
        assert!(
            error.starts_with("echo: temporary failure: cannot send"),
            "{error}"
        );
        for private in ["+14155550123", "987654"] {
            assert!(!error.contains(private), "{error}");
        }
    }

    #[tokio::test]
    async fn a_slow_log_holds_up_no_send() {
        let mail = Flaky::new(0, false);
        let d = start_with(config(temp_dir()), mail.clone());
        let log = Arc::new(Kept::default());
        assert!(d.report_outcomes_to(log.clone()).is_ok());
        // More messages than send slots, each outcome's report held until `open`.
        for i in 0..(SEND_CONCURRENCY * 3) {
            welcome(&d, &format!("user{i}@example.com"));
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while d.stats().sent < (SEND_CONCURRENCY * 3) as u64 {
            assert!(tokio::time::Instant::now() < deadline, "{:?}", d.stats());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Sent, but not finished until their outcomes are kept.
        assert!(!d.flush(Duration::from_millis(50)).await);
        log.open.send_replace(true);
        assert!(d.flush(Duration::from_secs(5)).await);
        assert_eq!(log.outcomes.lock().unwrap().len(), SEND_CONCURRENCY * 3);
    }

    #[tokio::test]
    async fn flush_waits_only_for_earlier_messages() {
        let tracker = Tracker::new();
        let a = tracker.begin();
        let target = tracker.mark();
        let b = tracker.begin();
        let low = tracker.low.subscribe();
        // Finishing the later one first does not release a flush waiting for the earlier one.
        drop(b);
        assert!(*low.borrow() < target);
        drop(a);
        assert!(*low.borrow() >= target);
        assert_eq!(*low.borrow(), tracker.mark());
    }

    #[tokio::test]
    async fn template_errors_count_as_failed() {
        let dir = temp_dir();
        let d = Delivery::start(config(dir)).unwrap();
        d.send_sms("+14155550123", "no-such-template", json!({}));
        assert!(d.flush(Duration::from_secs(1)).await);
        assert_eq!(
            d.stats(),
            DeliveryStats {
                failed: 1,
                ..Default::default()
            }
        );
    }

    #[tokio::test]
    async fn start_builds_configured_transports() {
        let mut cfg = config(temp_dir());
        cfg.mail = MailBackend::Resend {
            api_key: crate::config::Credential::new("k"),
            endpoint: "https://api.resend.com".into(),
        };
        cfg.sms = SmsBackend::Webhook {
            url: "https://hooks.acme.test/sms".into(),
            secret: crate::config::Credential::new("s"),
        };
        let d = Delivery::start(cfg.clone()).unwrap();
        assert_eq!(d.transports(), ("resend", "webhook"));
        assert!(d.outbox().is_none());

        cfg.mail = MailBackend::Smtp {
            host: "smtp.acme.test".into(),
            port: 587,
            user: Some("u".into()),
            password: Some(crate::config::Credential::new("p")),
            tls: crate::config::SmtpTls::StartTls,
        };
        cfg.sms = SmsBackend::Twilio {
            account_sid: "AC1".into(),
            auth_token: crate::config::Credential::new("t"),
            from: "+15005550006".into(),
            endpoint: "https://api.twilio.com".into(),
        };
        assert_eq!(
            Delivery::start(cfg.clone()).unwrap().transports(),
            ("smtp", "twilio")
        );

        cfg.from_address = "not an address".into();
        assert!(matches!(
            Delivery::start(cfg),
            Err(DeliveryError::Config(_))
        ));
    }
}
