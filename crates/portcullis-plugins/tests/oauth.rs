//! The oauth plugin against a real OpenID provider (`tests/oidc`: node-oidc-provider, started
//! here on a loopback port and stopped after), on each backend: the whole redirect dance for a
//! generic provider and for Google and Microsoft with their endpoints pointed at it, tokens at
//! rest, refresh, linking and unlinking, ID-token sign-in, and Better Auth's errors for a
//! replayed, expired or foreign state, a wrong PKCE verifier, an untrusted callback URL and an
//! account linked to someone else.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use portcullis_storage::{Row, Value as DbValue, Where};
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};

const CLIENT: &str = "portcullis-test";
const CLIENT_SECRET: &str = "portcullis-test-secret";
/// A second client of the same provider: its ID tokens are for another audience.
const OTHER_CLIENT: &str = "another-app";
/// The client of the Apple test (the token stand-in passes its requests on with this secret).
const POST_CLIENT: &str = "portcullis-post";
const POST_CLIENT_SECRET: &str = "portcullis-post-secret";
/// A client registered for `client_secret_basic`: the provider refuses the secret in the form.
const BASIC_CLIENT: &str = "portcullis-basic";
const BASIC_CLIENT_SECRET: &str = "portcullis-basic-secret";

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("generic_provider_signs_up_then_in", |b| {
            Box::pin(generic_provider_signs_up_then_in(b))
        })
        .per_backend("google_and_microsoft_pointed_at_the_provider", |b| {
            Box::pin(google_and_microsoft_pointed_at_the_provider(b))
        })
        .per_backend("state_is_single_use_bound_and_short_lived", |b| {
            Box::pin(state_is_single_use_bound_and_short_lived(b))
        })
        .per_backend("linking_rules_and_unlinking", |b| {
            Box::pin(linking_rules_and_unlinking(b))
        })
        .per_backend("tokens_are_sealed_and_refreshed", |b| {
            Box::pin(tokens_are_sealed_and_refreshed(b))
        })
        .per_backend("id_token_sign_in_is_verified", |b| {
            Box::pin(id_token_sign_in_is_verified(b))
        })
        .per_backend("github_against_a_stand_in", |b| {
            Box::pin(github_against_a_stand_in(b))
        })
        .per_backend("discord_and_facebook_against_stand_ins", |b| {
            Box::pin(discord_and_facebook_against_stand_ins(b))
        })
        .per_backend("apple_posts_back_with_a_signed_secret", |b| {
            Box::pin(apple_posts_back_with_a_signed_secret(b))
        })
        .per_backend("id_token_keys_are_fetched_again_for_a_new_key_id", |b| {
            Box::pin(id_token_keys_are_fetched_again_for_a_new_key_id(b))
        })
        .per_backend("an_imported_google_account_signs_in_as_its_user", |b| {
            Box::pin(an_imported_google_account_signs_in_as_its_user(b))
        })
        .run()
}

/// node-oidc-provider on a loopback port, killed when dropped.
struct OidcProvider {
    child: Child,
    issuer: String,
    /// Kept open: the provider must not write into a closed pipe.
    _stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

impl OidcProvider {
    /// Starts the provider on a free port. Another test may take that port between the choice
    /// and the provider's listen (the suites run in parallel): the provider then exits before
    /// its ready line, and a new port is tried.
    fn start(access_token_ttl: u64) -> OidcProvider {
        for _ in 0..4 {
            if let Some(op) = Self::try_start(access_token_ttl) {
                return op;
            }
        }
        panic!("the OpenID provider did not start on four free ports in a row");
    }

    fn try_start(access_token_ttl: u64) -> Option<OidcProvider> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/oidc");
        assert!(
            std::path::Path::new(dir)
                .join("node_modules/oidc-provider")
                .exists(),
            "run `npm ci` in tests/oidc first"
        );
        let port = free_port();
        let clients = json!([
            {"client_id": CLIENT, "client_secret": CLIENT_SECRET},
            {"client_id": OTHER_CLIENT, "client_secret": "another-secret"},
            {"client_id": POST_CLIENT, "client_secret": POST_CLIENT_SECRET},
            {"client_id": BASIC_CLIENT, "client_secret": BASIC_CLIENT_SECRET, "token_endpoint_auth_method": "client_secret_basic"},
        ]);
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(dir)
            .env("PORT", port.to_string())
            .env("CLIENTS", clients.to_string())
            .env("ACCESS_TOKEN_TTL", access_token_ttl.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("node: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut line = String::new();
        let mut reader = std::io::BufReader::new(stdout);
        std::io::BufRead::read_line(&mut reader, &mut line)
            .unwrap_or_else(|e| panic!("provider output: {e}"));
        let Some(issuer) = line.trim().strip_prefix("ready ").map(str::to_owned) else {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        };
        Some(OidcProvider {
            child,
            issuer,
            _stdout: reader,
        })
    }

    /// `[[generic_oauth]]` for this provider, by discovery.
    fn generic_toml(&self, id: &str, client: &str) -> String {
        format!(
            "[[generic_oauth]]\nprovider_id = \"{id}\"\ndiscovery_url = \"{}/.well-known/openid-configuration\"\n\
             client_id = \"{client}\"\nclient_secret = \"{}\"\nscopes = [\"openid\", \"email\", \"profile\"]\n",
            self.issuer,
            if client == CLIENT {
                CLIENT_SECRET
            } else {
                "another-secret"
            },
        )
    }
}

/// A server whose configuration file holds `toml`.
async fn server(
    backend: Backend,
    toml: &str,
    env: &[(&str, &str)],
) -> (TestServer, tempfile_path::TempToml) {
    let file = tempfile_path::TempToml::new(toml);
    let srv = TestServer::builder(backend)
        .env("PORTCULLIS_CONFIG", file.path())
        .envs(env.iter().copied())
        .start()
        .await;
    (srv, file)
}

mod tempfile_path {
    /// A TOML file removed when dropped.
    pub struct TempToml(std::path::PathBuf);
    impl TempToml {
        pub fn new(text: &str) -> Self {
            let n: u64 = rand_id();
            let path = std::env::temp_dir().join(format!("portcullis-oauth-{n}.toml"));
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            TempToml(path)
        }
        pub fn path(&self) -> String {
            self.0.display().to_string()
        }
    }
    impl Drop for TempToml {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    fn rand_id() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        h.finish()
    }
}

/// A browser at the provider: keeps its cookies, logs in as `login` and consents on the
/// development pages, and answers the URL the provider sends it back to.
struct ProviderBrowser {
    http: reqwest::Client,
    jar: Vec<(String, String)>,
}

impl ProviderBrowser {
    fn new() -> Self {
        ProviderBrowser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
            jar: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn request(&mut self, req: reqwest::RequestBuilder) -> (u16, Option<String>, String) {
        let res = req
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap_or_else(|e| panic!("provider request: {e:?}"));
        for v in res.headers().get_all("set-cookie") {
            let Some((pair, _)) = v
                .to_str()
                .unwrap_or_default()
                .split_once(';')
                .or(Some((v.to_str().unwrap_or_default(), "")))
            else {
                continue;
            };
            if let Some((k, val)) = pair.split_once('=') {
                self.jar.retain(|(n, _)| n != k);
                if !val.is_empty() {
                    self.jar.push((k.to_owned(), val.to_owned()));
                }
            }
        }
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned);
        (status, location, res.text().await.unwrap_or_default())
    }

    /// Follows the authorization URL through login and consent; returns the URL the provider
    /// redirects to (the callback with `code`, `state` and `iss`).
    async fn authorize(&mut self, url: &str, login: &str, issuer: &str) -> String {
        match self.authorize_to(url, login, issuer).await {
            Landing::Redirect(to) => to,
            Landing::FormPost { action, .. } => panic!("a form post to {action}"),
        }
    }

    /// As `authorize`, for a provider that may answer with `response_mode=form_post`: the
    /// page it ends on then holds a form aimed at the callback, which is answered here.
    async fn authorize_to(&mut self, url: &str, login: &str, issuer: &str) -> Landing {
        let mut next = url.to_owned();
        for _ in 0..12 {
            if !next.starts_with(issuer) {
                return Landing::Redirect(next);
            }
            let (status, location, body) = self.request(self.http.get(&next)).await;
            if let Some(l) = location {
                next = if l.starts_with('/') {
                    format!("{issuer}{l}")
                } else {
                    l
                };
                continue;
            }
            assert_eq!(status, 200, "provider page {next}: {body}");
            let action = between(&body, "action=\"", "\"")
                .unwrap_or_else(|| panic!("no form at {next}: {body}"));
            if action.starts_with("http") && !action.starts_with(issuer) {
                return Landing::FormPost {
                    action,
                    fields: hidden_inputs(&body),
                };
            }
            let prompt = between(&body, "name=\"prompt\" value=\"", "\"").unwrap_or_default();
            let form: Vec<(&str, &str)> = match prompt.as_str() {
                "login" => vec![("prompt", "login"), ("login", login), ("password", "any")],
                _ => vec![("prompt", prompt.as_str())],
            };
            let (_, location, body) = self
                .request(self.http.post(absolute(issuer, &action)).form(&form))
                .await;
            next = match location {
                Some(l) if l.starts_with('/') => format!("{issuer}{l}"),
                Some(l) => l,
                None => panic!("no redirect after {prompt}: {body}"),
            };
        }
        panic!("too many redirects at the provider");
    }
}

/// Where the provider sent the browser back.
enum Landing {
    Redirect(String),
    /// The callback by `response_mode=form_post`: its form's target and hidden fields.
    FormPost {
        action: String,
        fields: Vec<(String, String)>,
    },
}

/// The `name`/`value` pairs of a page's hidden inputs.
fn hidden_inputs(body: &str) -> Vec<(String, String)> {
    body.split("<input")
        .skip(1)
        .filter_map(|tag| {
            let tag = tag.split('>').next()?;
            Some((
                between(tag, "name=\"", "\"")?,
                html_unescape(&between(tag, "value=\"", "\"")?),
            ))
        })
        .collect()
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn absolute(issuer: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{issuer}{url}")
    } else {
        url.to_owned()
    }
}

fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(s[from..from + len].replace("&amp;", "&"))
}

/// The path and query of an absolute URL on the test server.
fn local(srv: &TestServer, url: &str) -> String {
    url.strip_prefix(&srv.base)
        .unwrap_or_else(|| panic!("{url} is not on {}", srv.base))
        .to_owned()
}

/// Starts a sign-in at Portcullis: the provider's authorization URL.
async fn start_sign_in(agent: &mut Agent<'_>, body: Value) -> String {
    let res = agent.post("/api/auth/sign-in/social", body).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let url = res.json()["url"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        res.header("location"),
        Some(url.as_str()),
        "{}",
        res.describe()
    );
    assert!(
        res.set_cookie("better-auth.state").is_some(),
        "{}",
        res.describe()
    );
    url
}

/// The whole dance for `login`: sign-in, provider login and consent, callback. Answers the
/// callback's response.
async fn dance(
    agent: &mut Agent<'_>,
    op: &OidcProvider,
    provider: &str,
    login: &str,
    extra: Value,
) -> Response {
    let mut body = json!({"provider": provider, "callbackURL": "/dashboard", "newUserCallbackURL": "/welcome"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let url = start_sign_in(agent, body).await;
    let back = ProviderBrowser::new()
        .authorize(&url, login, &op.issuer)
        .await;
    let path = local(agent.srv, &back);
    agent.get(&path).await
}

#[track_caller]
fn assert_code(res: &Response, status: u16, code: &str) {
    assert_eq!(res.status, status, "{}", res.describe());
    assert_eq!(res.json()["code"], json!(code), "{}", res.describe());
}

#[track_caller]
fn redirects_to(res: &Response, to: &str) {
    assert_eq!(res.status, 302, "{}", res.describe());
    assert_eq!(res.header("location"), Some(to), "{}", res.describe());
}

#[track_caller]
fn error_of(res: &Response) -> String {
    assert_eq!(res.status, 302, "{}", res.describe());
    let loc = res.header("location").unwrap_or_default();
    let q = loc.split_once('?').map(|(_, q)| q).unwrap_or_default();
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no error in {loc}"))
}

async fn account_row(srv: &TestServer, provider: &str) -> Row {
    srv.adapter()
        .find_one("account", &[Where::eq("providerId", provider)])
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no {provider} account"))
}

async fn generic_provider_signs_up_then_in(backend: Backend) {
    let op = OidcProvider::start(3600);
    let (srv, _f) = server(backend, &op.generic_toml("local-oidc", CLIENT), &[]).await;
    let mut agent = srv.agent();
    // The authorization URL: the provider's, with state, PKCE S256, nonce and the scopes.
    let url = start_sign_in(
        &mut agent,
        json!({"provider": "local-oidc", "loginHint": "ann", "disableRedirect": false}),
    )
    .await;
    let u = url::Url::parse(&url).unwrap_or_else(|e| panic!("{e}"));
    let q: std::collections::HashMap<String, String> = u.query_pairs().into_owned().collect();
    assert_eq!(
        format!("{}{}", u.origin().ascii_serialization(), u.path()),
        format!("{}/auth", op.issuer)
    );
    assert_eq!(q["client_id"], CLIENT);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["login_hint"], "ann");
    assert_eq!(
        q["redirect_uri"],
        format!("{}/api/auth/callback/local-oidc", srv.base)
    );
    assert!(q.contains_key("nonce") && q["state"].len() == 32, "{q:?}");
    for s in ["openid", "email", "profile"] {
        assert!(q["scope"].split(' ').any(|x| x == s), "{q:?}");
    }
    // disableRedirect: the URL without Location.
    let res = agent
        .post(
            "/api/auth/sign-in/social",
            json!({"provider": "local-oidc", "disableRedirect": true}),
        )
        .await;
    assert_eq!(res.json()["redirect"], json!(false), "{}", res.describe());
    assert_eq!(res.header("location"), None);
    // Unknown provider.
    let res = agent
        .post("/api/auth/sign-in/social", json!({"provider": "nope"}))
        .await;
    assert_code(&res, 404, "PROVIDER_NOT_FOUND");

    // First time: a new user, sent to newUserCallbackURL, signed in.
    let mut agent = srv.agent();
    let res = dance(&mut agent, &op, "local-oidc", "ann", json!({})).await;
    redirects_to(&res, "/welcome");
    assert!(
        res.set_cookie(SESSION_COOKIE).is_some(),
        "{}",
        res.describe()
    );
    let session = agent
        .get_session()
        .await
        .unwrap_or_else(|| panic!("no session"));
    assert_eq!(session["user"]["email"], json!("ann@example.com"));
    assert_eq!(session["user"]["name"], json!("User ann"));
    assert_eq!(session["user"]["emailVerified"], json!(true));
    let accounts = agent.get("/api/auth/list-accounts").await.json();
    assert_eq!(accounts.as_array().map(Vec::len), Some(1), "{accounts}");
    assert_eq!(accounts[0]["providerId"], json!("local-oidc"));
    assert_eq!(accounts[0]["accountId"], json!("ann"));
    let scopes = accounts[0]["scopes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        scopes.contains(&json!("openid")) && scopes.contains(&json!("email")),
        "{accounts}"
    );

    // Again, from another browser: the same user, to callbackURL.
    let mut again = srv.agent();
    let res = dance(&mut again, &op, "local-oidc", "ann", json!({})).await;
    redirects_to(&res, "/dashboard");
    assert_eq!(
        again.session_email().await.as_deref(),
        Some("ann@example.com")
    );
    assert_eq!(srv.count("user", &[]).await, 1);

    // What the provider says now.
    let id = accounts[0]["id"].as_str().unwrap_or_default();
    let info = agent
        .get(&format!("/api/auth/account-info?accountId={id}"))
        .await;
    assert_eq!(info.status, 200, "{}", info.describe());
    assert_eq!(info.json()["user"]["email"], json!("ann@example.com"));
    assert_eq!(info.json()["account"]["accountId"], json!("ann"));
    assert_eq!(info.json()["data"]["sub"], json!("ann"));
    assert!(info.json()["user"].get("id").is_none(), "as Better Auth's");

    // Sign-out logs out at the provider too (RP-initiated logout): its end-session URL with
    // the account's ID token as the hint, followed unless the client says not to.
    let res = agent
        .post(
            "/api/auth/sign-out",
            json!({"callbackURL": "/bye", "state": "s-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let url = res.json()["url"].as_str().unwrap_or_default().to_owned();
    assert_eq!(res.header("location"), Some(url.as_str()));
    assert_eq!(res.json()["redirect"], json!(true));
    let q: std::collections::HashMap<String, String> = url::Url::parse(&url)
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default();
    assert!(
        url.starts_with(&format!("{}/session/end?", op.issuer)),
        "{url}"
    );
    let hint = claims_of(
        q.get("id_token_hint")
            .map(String::as_str)
            .unwrap_or_default(),
    );
    assert_eq!(hint["sub"], json!("ann"));
    assert_eq!(q.get("client_id").map(String::as_str), Some(CLIENT));
    assert_eq!(q.get("state").map(String::as_str), Some("s-1"));
    assert_eq!(
        q.get("post_logout_redirect_uri").cloned(),
        Some(format!("{}/bye", srv.base))
    );
    assert!(
        agent.get_session().await.is_none(),
        "signed out here as well"
    );
    // Someone who never used the provider signs out as before.
    let mut other = srv.agent();
    other
        .sign_up("Pat", "pat-oauth@example.com", "a long password 1")
        .await;
    let res = other.post("/api/auth/sign-out", json!({})).await;
    assert_eq!(res.json(), json!({"success": true}));
    assert_eq!(res.header("location"), None);

    // A provider without an e-mail for the user, and one the user refuses.
    let mut agent = srv.agent();
    let res = dance(
        &mut agent,
        &op,
        "local-oidc",
        "noemail1",
        json!({"errorCallbackURL": "/oops"}),
    )
    .await;
    assert_eq!(error_of(&res), "email_not_found");
    assert!(
        res.header("location")
            .unwrap_or_default()
            .starts_with("/oops?"),
        "{}",
        res.describe()
    );

    // The older generic-oauth paths.
    let res = srv
        .agent()
        .post(
            "/api/auth/sign-in/oauth2",
            json!({"providerId": "local-oidc", "callbackURL": "/x"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(
        res.json()["url"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&op.issuer)
    );
}

async fn google_and_microsoft_pointed_at_the_provider(backend: Backend) {
    let op = OidcProvider::start(3600);
    let i = op.issuer.as_str();
    let (auth, token, userinfo, jwks) = (
        format!("{i}/auth"),
        format!("{i}/token"),
        format!("{i}/me"),
        format!("{i}/jwks"),
    );
    let mut env: Vec<(String, String)> = Vec::new();
    for (p, client, secret) in [
        ("GOOGLE", CLIENT, CLIENT_SECRET),
        ("MICROSOFT", CLIENT, CLIENT_SECRET),
        ("SLACK", CLIENT, CLIENT_SECRET),
        ("LINKEDIN", CLIENT, CLIENT_SECRET),
        ("TWITCH", CLIENT, CLIENT_SECRET),
    ] {
        env.push((format!("{p}_CLIENT_ID"), client.into()));
        env.push((format!("{p}_CLIENT_SECRET"), secret.into()));
        env.push((format!("{p}_AUTHORIZATION_URL"), auth.clone()));
        env.push((format!("{p}_TOKEN_URL"), token.clone()));
        env.push((format!("{p}_USERINFO_URL"), userinfo.clone()));
        env.push((format!("{p}_JWKS_URL"), jwks.clone()));
        env.push((format!("{p}_ISSUER"), i.to_owned()));
    }
    // Microsoft asks for scopes this provider does not know; it ignores them.
    env.push(("MICROSOFT_TENANT_ID".into(), "contoso".into()));
    // GitLab, self-hosted: every endpoint from its base URL.
    env.push(("GITLAB_CLIENT_ID".into(), CLIENT.into()));
    env.push(("GITLAB_CLIENT_SECRET".into(), CLIENT_SECRET.into()));
    env.push(("GITLAB_BASE_URL".into(), i.to_owned()));
    env.push(("GITLAB_AUTHORIZATION_URL".into(), auth.clone()));
    env.push(("GITLAB_TOKEN_URL".into(), token.clone()));
    env.push(("GITLAB_USERINFO_URL".into(), userinfo.clone()));
    env.push(("GITLAB_JWKS_URL".into(), jwks.clone()));
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // A generic provider whose client is registered for client_secret_basic says so.
    let basic = format!(
        "[[generic_oauth]]\nprovider_id = \"basic-sso\"\ndiscovery_url = \"{i}/.well-known/openid-configuration\"\n\
         client_id = \"{BASIC_CLIENT}\"\nclient_secret = \"{BASIC_CLIENT_SECRET}\"\nauthentication = \"basic\"\n"
    );
    let (srv, _f) = server(backend, &basic, &env_refs).await;
    let mut agent = srv.agent();
    let res = dance(&mut agent, &op, "basic-sso", "bea", json!({})).await;
    redirects_to(&res, "/welcome");
    let mut agent = srv.agent();
    let res = dance(&mut agent, &op, "google", "gail", json!({})).await;
    redirects_to(&res, "/welcome");
    assert_eq!(
        agent.session_email().await.as_deref(),
        Some("gail@example.com")
    );
    // Google's own authorization parameter rides along.
    let url = start_sign_in(&mut srv.agent(), json!({"provider": "google"})).await;
    assert!(url.contains("include_granted_scopes=true"), "{url}");

    // The same person through Microsoft: a verified e-mail links implicitly to the user that
    // Google created (its e-mail is verified too).
    let mut agent = srv.agent();
    let res = dance(&mut agent, &op, "microsoft", "gail", json!({})).await;
    redirects_to(&res, "/dashboard");
    let accounts = agent.get("/api/auth/list-accounts").await.json();
    let mut providers: Vec<&str> = accounts
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["providerId"].as_str()).collect())
        .unwrap_or_default();
    providers.sort_unstable();
    assert_eq!(providers, ["google", "microsoft"], "{accounts}");

    // Slack, LinkedIn, Twitch and a self-hosted GitLab sign new people up the same way.
    for (provider, login) in [
        ("slack", "sam"),
        ("linkedin", "lin"),
        ("gitlab", "gil"),
        ("twitch", "tess"),
    ] {
        let mut agent = srv.agent();
        let res = dance(&mut agent, &op, provider, login, json!({})).await;
        redirects_to(&res, "/welcome");
        let session = agent
            .get_session()
            .await
            .unwrap_or_else(|| panic!("no session"));
        assert_eq!(
            session["user"]["email"],
            json!(format!("{login}@example.com")),
            "{provider}"
        );
        assert_eq!(session["user"]["emailVerified"], json!(true), "{provider}");
        // Twitch names people by their login (`preferred_username`), others by their name.
        let name = match provider {
            "twitch" => login.to_owned(),
            _ => format!("User {login}"),
        };
        assert_eq!(session["user"]["name"], json!(name), "{provider}");
    }
    // What each mapping makes of an address the provider has not verified, and of none.
    for provider in ["slack", "linkedin", "gitlab", "twitch", "microsoft"] {
        let mut agent = srv.agent();
        let login = format!("unverified-{provider}");
        let res = dance(&mut agent, &op, provider, &login, json!({})).await;
        redirects_to(&res, "/welcome");
        let user = agent
            .get_session()
            .await
            .unwrap_or_else(|| panic!("no session"))["user"]
            .clone();
        assert_eq!(user["emailVerified"], json!(false), "{provider}");
        let mut agent = srv.agent();
        let login = format!("noemail-{provider}");
        let res = dance(
            &mut agent,
            &op,
            provider,
            &login,
            json!({"errorCallbackURL": "/failed"}),
        )
        .await;
        redirects_to(&res, "/failed?error=email_not_found");
    }
    // Twitch asks for its ID token's claims by name.
    let url = start_sign_in(&mut srv.agent(), json!({"provider": "twitch"})).await;
    let claims = url::Url::parse(&url)
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "claims")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    let claims: Value = serde_json::from_str(&claims).unwrap_or_default();
    assert!(claims["id_token"].get("email_verified").is_some(), "{url}");
    // A self-hosted GitLab's URLs come from its base URL.
    let (srv2, _f2) = server(
        backend,
        "",
        &[
            ("GITLAB_CLIENT_ID", "c"),
            ("GITLAB_CLIENT_SECRET", "s"),
            ("GITLAB_BASE_URL", "https://git.example.org/"),
        ],
    )
    .await;
    let url = start_sign_in(&mut srv2.agent(), json!({"provider": "gitlab"})).await;
    assert!(
        url.starts_with("https://git.example.org/oauth/authorize?"),
        "{url}"
    );
}

async fn state_is_single_use_bound_and_short_lived(backend: Backend) {
    let op = OidcProvider::start(3600);
    let (srv, _f) = server(backend, &op.generic_toml("local-oidc", CLIENT), &[]).await;
    let default_error = format!("{}/api/auth/error", srv.base);

    // No state at all; a state nobody issued.
    let res = srv
        .send(Request::get("/api/auth/callback/local-oidc?code=x"))
        .await;
    redirects_to(&res, &format!("{default_error}?error=state_not_found"));
    let res = srv
        .send(Request::get(
            "/api/auth/callback/local-oidc?code=x&state=forged",
        ))
        .await;
    redirects_to(&res, &format!("{default_error}?error=state_mismatch"));

    // Replayed: the second use of a state that already signed in.
    let mut agent = srv.agent();
    let url = start_sign_in(
        &mut agent,
        json!({"provider": "local-oidc", "callbackURL": "/in", "errorCallbackURL": "/failed"}),
    )
    .await;
    let back = ProviderBrowser::new()
        .authorize(&url, "rita", &op.issuer)
        .await;
    let path = local(&srv, &back);
    let state_cookie = agent.cookie("better-auth.state").map(str::to_owned);
    let first = agent.get(&path).await;
    redirects_to(&first, "/in");
    // The state cookie is cleared on success.
    assert!(
        first
            .set_cookie("better-auth.state")
            .is_some_and(|c| c.is_deletion()),
        "{}",
        first.describe()
    );
    let mut replay = srv.agent();
    replay
        .jar
        .push(("better-auth.state".into(), state_cookie.unwrap_or_default()));
    let res = replay.get(&path).await;
    assert_eq!(error_of(&res), "state_mismatch");

    // From another browser: the state exists, but this browser has no cookie naming it.
    let mut agent = srv.agent();
    let url = start_sign_in(
        &mut agent,
        json!({"provider": "local-oidc", "errorCallbackURL": "/failed"}),
    )
    .await;
    let back = ProviderBrowser::new()
        .authorize(&url, "rita", &op.issuer)
        .await;
    let path = local(&srv, &back);
    let res = srv.agent().get(&path).await;
    redirects_to(&res, "/failed?error=state_mismatch");
    // ... and the state is still good for the browser that started it.
    redirects_to(&agent.get(&path).await, &srv.base);

    // Expired: ten minutes later the state is refused.
    let mut agent = srv.agent();
    let url = start_sign_in(
        &mut agent,
        json!({"provider": "local-oidc", "errorCallbackURL": "/failed"}),
    )
    .await;
    let back = ProviderBrowser::new()
        .authorize(&url, "rita", &op.issuer)
        .await;
    srv.clock.advance(chrono::Duration::minutes(11));
    let res = agent.get(&local(&srv, &back)).await;
    redirects_to(&res, "/failed?error=state_mismatch");

    // A wrong PKCE verifier: the provider refuses the code.
    let mut agent = srv.agent();
    let url = start_sign_in(
        &mut agent,
        json!({"provider": "local-oidc", "errorCallbackURL": "/failed"}),
    )
    .await;
    let rows = srv
        .adapter()
        .find_many("verification", &portcullis_storage::Query::filter(vec![]))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let state = url::Url::parse(&url)
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "state")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    let row = rows
        .iter()
        .find(|r| {
            r.get("value")
                .and_then(DbValue::as_str)
                .is_some_and(|v| v.contains(&state))
        })
        .unwrap_or_else(|| panic!("no state row"));
    let mut value: Value = serde_json::from_str(
        row.get("value")
            .and_then(DbValue::as_str)
            .unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    value["codeVerifier"] = json!("x".repeat(64));
    let mut set = Row::new();
    set.insert("value".into(), value.to_string().into());
    srv.adapter()
        .update(
            "verification",
            &[Where::eq(
                "id",
                row.get("id").and_then(DbValue::as_str).unwrap_or_default(),
            )],
            set,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let back = ProviderBrowser::new()
        .authorize(&url, "rita", &op.issuer)
        .await;
    let res = agent.get(&local(&srv, &back)).await;
    redirects_to(&res, "/failed?error=invalid_code");

    // The provider's own error is passed on.
    let mut agent = srv.agent();
    let url = start_sign_in(
        &mut agent,
        json!({"provider": "local-oidc", "errorCallbackURL": "/failed"}),
    )
    .await;
    let state = url::Url::parse(&url)
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "state")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    let res = agent
        .get(&format!(
            "/api/auth/callback/local-oidc?error=access_denied&error_description=no&state={state}"
        ))
        .await;
    redirects_to(&res, "/failed?error=access_denied&error_description=no");

    // A form_post continues as a GET with the same values.
    let res = srv
        .send(
            Request::post("/api/auth/callback/local-oidc").form(&[("state", "s1"), ("code", "c1")]),
        )
        .await;
    redirects_to(
        &res,
        &format!("{}/api/auth/callback/local-oidc?code=c1&state=s1", srv.base),
    );

    // An untrusted callback URL is refused before anything starts.
    for field in ["callbackURL", "errorCallbackURL", "newUserCallbackURL"] {
        let res = srv
            .agent()
            .post(
                "/api/auth/sign-in/social",
                json!({"provider": "local-oidc", field: "https://evil.example/x"}),
            )
            .await;
        assert_eq!(res.status, 403, "{}", res.describe());
    }
}

async fn linking_rules_and_unlinking(backend: Backend) {
    let op = OidcProvider::start(3600);
    let mut toml = op.generic_toml("local-oidc", CLIENT);
    toml.push_str(&op.generic_toml("second-oidc", OTHER_CLIENT));
    let (srv, _f) = server(backend, &toml, &[]).await;

    // A password user with the same e-mail, not verified here: no implicit link.
    let mut owner = srv.agent();
    owner
        .sign_up("Lee", "lee@example.com", "a-long-password-1")
        .await;
    let res = dance(
        &mut srv.agent(),
        &op,
        "local-oidc",
        "lee",
        json!({"errorCallbackURL": "/failed"}),
    )
    .await;
    redirects_to(&res, "/failed?error=account_not_linked");

    // Linking while signed in: the provider's verified e-mail matches.
    let res = owner
        .post(
            "/api/auth/link-social",
            json!({"provider": "local-oidc", "callbackURL": "/linked"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let url = res.json()["url"].as_str().unwrap_or_default().to_owned();
    let back = ProviderBrowser::new()
        .authorize(&url, "lee", &op.issuer)
        .await;
    redirects_to(&owner.get(&local(&srv, &back)).await, "/linked");
    let accounts = owner.get("/api/auth/list-accounts").await.json();
    assert_eq!(accounts.as_array().map(Vec::len), Some(2), "{accounts}");
    // The user is told a new way in was added.
    let notice = srv
        .last_message("lee@example.com", "account-linked")
        .await
        .unwrap_or_else(|| panic!("no account-linked notice"));
    assert!(
        notice.subject.contains("local-oidc was linked"),
        "{}",
        notice.subject
    );

    // A provider e-mail that differs: refused.
    let url = owner
        .post("/api/auth/link-social", json!({"provider": "second-oidc", "callbackURL": "/linked", "errorCallbackURL": "/failed"}))
        .await
        .json()["url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let back = ProviderBrowser::new()
        .authorize(&url, "someone-else", &op.issuer)
        .await;
    redirects_to(
        &owner.get(&local(&srv, &back)).await,
        "/failed?error=email_does_not_match",
    );

    // An unverified provider e-mail: refused.
    let mut unverified = srv.agent();
    unverified
        .sign_up("U", "unverified-u@example.com", "a-long-password-1")
        .await;
    let url = unverified
        .post(
            "/api/auth/link-social",
            json!({"provider": "local-oidc", "errorCallbackURL": "/failed"}),
        )
        .await
        .json()["url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let back = ProviderBrowser::new()
        .authorize(&url, "unverified-u", &op.issuer)
        .await;
    redirects_to(
        &unverified.get(&local(&srv, &back)).await,
        "/failed?error=unable_to_link_account",
    );

    // A provider account that belongs to someone else cannot be linked (e-mails may differ
    // here, so the ownership rule is what refuses it).
    let (srv2, _f2) = server(
        backend,
        &toml,
        &[("ACCOUNT_LINKING_ALLOW_DIFFERENT_EMAILS", "true")],
    )
    .await;
    let mut first = srv2.agent();
    let res = dance(&mut first, &op, "local-oidc", "kim", json!({})).await;
    redirects_to(&res, "/welcome");
    let mut second = srv2.agent();
    second
        .sign_up("Second", "second@example.com", "a-long-password-1")
        .await;
    let url = second
        .post(
            "/api/auth/link-social",
            json!({"provider": "local-oidc", "errorCallbackURL": "/failed"}),
        )
        .await
        .json()["url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let back = ProviderBrowser::new()
        .authorize(&url, "kim", &op.issuer)
        .await;
    redirects_to(
        &second.get(&local(&srv2, &back)).await,
        "/failed?error=account_already_linked_to_different_user",
    );

    // Unlinking: the last account stays; another goes.
    let kim_accounts = first.get("/api/auth/list-accounts").await.json();
    let only = kim_accounts[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let res = first
        .post("/api/auth/unlink-account", json!({"accountId": only}))
        .await;
    assert_code(&res, 400, "FAILED_TO_UNLINK_LAST_ACCOUNT");
    let linked = accounts
        .as_array()
        .and_then(|a| a.iter().find(|x| x["providerId"] == json!("local-oidc")))
        .and_then(|x| x["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let res = owner
        .post("/api/auth/unlink-account", json!({"accountId": "nope"}))
        .await;
    assert_code(&res, 400, "ACCOUNT_NOT_FOUND");
    let res = owner
        .post("/api/auth/unlink-account", json!({"accountId": linked}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json(), json!({"status": true}));
    let accounts = owner.get("/api/auth/list-accounts").await.json();
    assert_eq!(accounts.as_array().map(Vec::len), Some(1), "{accounts}");
}

async fn tokens_are_sealed_and_refreshed(backend: Backend) {
    // Access tokens live one minute at the provider: moving the clock makes them expire here.
    let op = OidcProvider::start(60);
    let (srv, _f) = server(backend, &op.generic_toml("local-oidc", CLIENT), &[]).await;
    let mut agent = srv.agent();
    redirects_to(
        &dance(&mut agent, &op, "local-oidc", "tess", json!({})).await,
        "/welcome",
    );
    let row = account_row(&srv, "local-oidc").await;
    let stored = |r: &Row, k: &str| {
        r.get(k)
            .and_then(DbValue::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let id = stored(&row, "id");

    let res = agent
        .post("/api/auth/get-access-token", json!({"accountId": id}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let first = res.json()["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!first.is_empty());
    assert!(
        res.json()["idToken"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3),
        "{}",
        res.describe()
    );
    // At rest, none of the tokens is in plain.
    for k in ["accessToken", "refreshToken", "idToken"] {
        let v = stored(&row, k);
        assert!(
            !v.is_empty() && v != first && !v.contains('.'),
            "{k} is stored as {v}"
        );
    }
    // By providerId too (earlier clients).
    let res = agent
        .post(
            "/api/auth/get-access-token",
            json!({"providerId": "local-oidc"}),
        )
        .await;
    assert_eq!(res.json()["accessToken"], json!(first));

    // Expired: the token is refreshed at the provider and the new one stored sealed.
    srv.clock.advance(chrono::Duration::minutes(2));
    let res = agent
        .post("/api/auth/get-access-token", json!({"accountId": id}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let second = res.json()["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!second.is_empty() && second != first, "{}", res.describe());
    let row = account_row(&srv, "local-oidc").await;
    assert_ne!(stored(&row, "accessToken"), second);

    let res = agent
        .post("/api/auth/refresh-token", json!({"accountId": id}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["providerId"], json!("local-oidc"));
    assert_eq!(res.json()["accountId"], json!(id));
    assert_ne!(res.json()["accessToken"], json!(second));

    // A token Better Auth stored in plain still reads, and is sealed at its next write.
    let mut set = Row::new();
    set.insert("accessToken".into(), "plain-token-from-better-auth".into());
    set.insert(
        "accessTokenExpiresAt".into(),
        (srv.clock_now() + chrono::Duration::hours(1)).into(),
    );
    srv.adapter()
        .update("account", &[Where::eq("id", id.as_str())], set)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let res = agent
        .post("/api/auth/get-access-token", json!({"accountId": id}))
        .await;
    assert_eq!(
        res.json()["accessToken"],
        json!("plain-token-from-better-auth")
    );
    redirects_to(
        &dance(&mut srv.agent(), &op, "local-oidc", "tess", json!({})).await,
        "/dashboard",
    );
    let row = account_row(&srv, "local-oidc").await;
    assert_ne!(stored(&row, "accessToken"), "plain-token-from-better-auth");

    // Someone else's account id is not found.
    let mut stranger = srv.agent();
    stranger
        .sign_up("S", "s@example.com", "a-long-password-1")
        .await;
    let res = stranger
        .post("/api/auth/get-access-token", json!({"accountId": id}))
        .await;
    assert_code(&res, 400, "ACCOUNT_NOT_FOUND");
    let res = srv
        .post("/get-access-token", json!({"accountId": id}))
        .await;
    assert_eq!(res.status, 401, "{}", res.describe());
}

trait ClockNow {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc>;
}
impl ClockNow for TestServer {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.app.ctx.now()
    }
}

/// The claims of a JWT, read without checking it (the test's own view).
fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

async fn id_token_sign_in_is_verified(backend: Backend) {
    let op = OidcProvider::start(3600);
    let mut toml = op.generic_toml("local-oidc", CLIENT);
    toml.push_str(&op.generic_toml("second-oidc", OTHER_CLIENT));
    let (srv, _f) = server(backend, &toml, &[]).await;
    // An ID token the provider issued to this client, through a first sign-in.
    let mut agent = srv.agent();
    redirects_to(
        &dance(&mut agent, &op, "local-oidc", "ida", json!({})).await,
        "/welcome",
    );
    let id = agent.get("/api/auth/list-accounts").await.json()[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let token = agent
        .post("/api/auth/get-access-token", json!({"accountId": id}))
        .await
        .json()["idToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let nonce = claims_of(&token)["nonce"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!nonce.is_empty(), "{}", claims_of(&token));

    // Signed in from it, with its nonce.
    let mut mobile = srv.agent();
    let res = mobile
        .post(
            "/api/auth/sign-in/social",
            json!({"provider": "local-oidc", "idToken": {"token": token, "nonce": nonce}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["redirect"], json!(false));
    assert_eq!(res.json()["user"]["email"], json!("ida@example.com"));
    assert!(res.json()["token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(
        mobile.session_email().await.as_deref(),
        Some("ida@example.com")
    );

    // A wrong nonce, another audience, a broken signature: Invalid token.
    let res = srv
        .post(
            "/sign-in/social",
            json!({"provider": "local-oidc", "idToken": {"token": token, "nonce": "other"}}),
        )
        .await;
    assert_code(&res, 401, "INVALID_TOKEN");
    let res = srv
        .post(
            "/sign-in/social",
            json!({"provider": "second-oidc", "idToken": {"token": token, "nonce": nonce}}),
        )
        .await;
    assert_code(&res, 401, "INVALID_TOKEN");
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let sig = parts[2].clone();
    let flipped: String = sig
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 5 {
                if c == 'A' { 'B' } else { 'A' }
            } else {
                c
            }
        })
        .collect();
    parts[2] = flipped;
    let res = srv
        .post("/sign-in/social", json!({"provider": "local-oidc", "idToken": {"token": parts.join("."), "nonce": nonce}}))
        .await;
    assert_code(&res, 401, "INVALID_TOKEN");
    let res = srv
        .post(
            "/sign-in/social",
            json!({"provider": "local-oidc", "idToken": {"token": "not-a-jwt"}}),
        )
        .await;
    assert_code(&res, 401, "INVALID_TOKEN");
}

/// A stand-in for GitHub (not GitHub): its authorize redirect (the user is the `login_hint`),
/// token endpoint, `/user` and `/user/emails`, as GitHub documents them. Users: `octo` has no
/// public e-mail and a primary verified one in `/user/emails`; `pub` shows an e-mail that
/// `/user/emails` says is not verified; `nomail` has none at all.
async fn github_stand_in() -> (String, tokio::task::JoinHandle<()>) {
    use axum::extract::Query;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Redirect};
    use axum::routing::{get, post};
    use std::collections::HashMap;

    fn login_of(h: &HeaderMap) -> Option<String> {
        h.get("authorization")?
            .to_str()
            .ok()?
            .strip_prefix("Bearer gh-")
            .map(str::to_owned)
    }
    let app = axum::Router::new()
        .route(
            "/login/oauth/authorize",
            get(|Query(q): Query<HashMap<String, String>>| async move {
                let login = q.get("login_hint").cloned().unwrap_or_default();
                let to = format!(
                    "{}?code=code-{login}&state={}",
                    q.get("redirect_uri").cloned().unwrap_or_default(),
                    q.get("state").cloned().unwrap_or_default()
                );
                Redirect::to(&to)
            }),
        )
        .route(
            "/login/oauth/access_token",
            post(|body: String| async move {
                let f: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
                    .into_owned()
                    .collect();
                let login = f.get("code").and_then(|c| c.strip_prefix("code-")).unwrap_or_default();
                axum::Json(json!({"access_token": format!("gh-{login}"), "token_type": "bearer", "scope": "read:user,user:email"}))
            }),
        )
        .route(
            "/user",
            get(|h: HeaderMap| async move {
                let Some(login) = login_of(&h) else {
                    return StatusCode::UNAUTHORIZED.into_response();
                };
                let email = (login == "pub").then(|| "pub@example.com".to_owned());
                axum::Json(json!({"id": 4242 + login.len(), "login": login, "name": null, "email": email, "avatar_url": format!("https://avatars.example/{login}")})).into_response()
            }),
        )
        .route(
            "/user/emails",
            get(|h: HeaderMap| async move {
                let Some(login) = login_of(&h) else {
                    return StatusCode::UNAUTHORIZED.into_response();
                };
                let list = match login.as_str() {
                    "octo" => json!([
                        {"email": "octo-old@example.com", "primary": false, "verified": true},
                        {"email": "octo@example.com", "primary": true, "verified": true},
                    ]),
                    "pub" => json!([{"email": "pub@example.com", "primary": true, "verified": false}]),
                    _ => json!([]),
                };
                axum::Json(list).into_response()
            }),
        );
    let (base, task) = serve(app).await;
    (base, task)
}

async fn github_against_a_stand_in(backend: Backend) {
    let (gh, task) = github_stand_in().await;
    let env = [
        ("GITHUB_CLIENT_ID", "gh-client".to_owned()),
        ("GITHUB_CLIENT_SECRET", "gh-secret".to_owned()),
        (
            "GITHUB_AUTHORIZATION_URL",
            format!("{gh}/login/oauth/authorize"),
        ),
        ("GITHUB_TOKEN_URL", format!("{gh}/login/oauth/access_token")),
        ("GITHUB_USERINFO_URL", format!("{gh}/user")),
        ("GITHUB_EMAILS_URL", format!("{gh}/user/emails")),
    ];
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (srv, _f) = server(backend, "", &env_refs).await;
    // No public e-mail: the primary verified one from /user/emails.
    let (res, mut agent) = through_stand_in(&srv, "github", "octo").await;
    redirects_to(&res, "/in");
    let session = agent
        .get_session()
        .await
        .unwrap_or_else(|| panic!("no session"));
    assert_eq!(session["user"]["email"], json!("octo@example.com"));
    assert_eq!(session["user"]["emailVerified"], json!(true));
    assert_eq!(
        session["user"]["name"],
        json!("octo"),
        "the login when there is no name"
    );
    let accounts = agent.get("/api/auth/list-accounts").await.json();
    assert_eq!(accounts[0]["accountId"], json!("4246"));
    // A public e-mail that GitHub has not verified: a new user, not verified.
    let (res, mut agent) = through_stand_in(&srv, "github", "pub").await;
    redirects_to(&res, "/in");
    let session = agent
        .get_session()
        .await
        .unwrap_or_else(|| panic!("no session"));
    assert_eq!(session["user"]["emailVerified"], json!(false));
    // No e-mail at all.
    let (res, _) = through_stand_in(&srv, "github", "nomail").await;
    redirects_to(&res, "/failed?error=email_not_found");
    task.abort();
}

/// Follows a stand-in's authorize redirect (it signs in whoever the `login_hint` names) back to
/// Portcullis's callback, and answers the callback's response.
async fn through_stand_in<'a>(
    srv: &'a TestServer,
    provider: &str,
    login: &str,
) -> (Response, Agent<'a>) {
    let mut agent = srv.agent();
    let url = start_sign_in(
        &mut agent,
        json!({"provider": provider, "loginHint": login, "callbackURL": "/in", "errorCallbackURL": "/failed"}),
    )
    .await;
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let back = res
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let res = agent.get(&local(srv, &back)).await;
    (res, agent)
}

/// Stand-ins for Discord and Facebook (not them): the authorize redirect (the user is the
/// `login_hint`), the token endpoint, which takes the client's secret only in the form as
/// both document (`client_secret_post`), and the profile as each documents it:
/// - Discord's `/users/@me`: `disco` has a display name, an animated avatar and a verified
///   e-mail; `plain` has neither name nor avatar and an unverified e-mail; `nomail` none.
/// - Facebook's Graph `/me?fields=…`: `fb` has an e-mail (Facebook never says it is
///   verified) and a picture; `nomail` none.
async fn social_stand_in() -> (String, tokio::task::JoinHandle<()>) {
    use axum::extract::{Path, Query};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Redirect};
    use axum::routing::{get, post};
    use std::collections::HashMap;

    fn bearer(h: &HeaderMap, prefix: &str) -> Option<String> {
        h.get("authorization")?
            .to_str()
            .ok()?
            .strip_prefix(&format!("Bearer {prefix}"))
            .map(str::to_owned)
    }
    let app = axum::Router::new()
        .route(
            "/{provider}/authorize",
            get(|Query(q): Query<HashMap<String, String>>| async move {
                let login = q.get("login_hint").cloned().unwrap_or_default();
                let to = format!(
                    "{}?code=code-{login}&state={}",
                    q.get("redirect_uri").cloned().unwrap_or_default(),
                    q.get("state").cloned().unwrap_or_default()
                );
                Redirect::to(&to)
            }),
        )
        .route(
            "/{provider}/token",
            post(|Path(provider): Path<String>, h: HeaderMap, body: String| async move {
                let f: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
                    .into_owned()
                    .collect();
                let secret = format!("{provider}-secret");
                if h.contains_key("authorization") || f.get("client_secret") != Some(&secret) {
                    return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client"}))).into_response();
                }
                let login = f.get("code").and_then(|c| c.strip_prefix("code-")).unwrap_or_default();
                axum::Json(json!({"access_token": format!("{provider}-{login}"), "token_type": "Bearer", "expires_in": 3600})).into_response()
            }),
        )
        .route(
            "/discord/users/@me",
            get(|h: HeaderMap| async move {
                let Some(login) = bearer(&h, "discord-") else {
                    return StatusCode::UNAUTHORIZED.into_response();
                };
                let body = match login.as_str() {
                    "disco" => json!({"id": "80351110224678912", "username": "disco", "global_name": "Disco Fan", "discriminator": "0", "avatar": "a_1269e74af4df7417b13759eae50c83dc", "email": "disco@example.com", "verified": true}),
                    "plain" => json!({"id": "175928847299117063", "username": "plain", "global_name": null, "discriminator": "0", "avatar": null, "email": "plain@example.com", "verified": false}),
                    _ => json!({"id": "1", "username": login, "global_name": null, "discriminator": "0", "avatar": null, "email": null, "verified": false}),
                };
                axum::Json(body).into_response()
            }),
        )
        .route(
            "/facebook/me",
            get(|h: HeaderMap, Query(q): Query<HashMap<String, String>>| async move {
                let Some(login) = bearer(&h, "facebook-") else {
                    return StatusCode::UNAUTHORIZED.into_response();
                };
                // The Graph API answers only the fields asked for.
                let fields = q.get("fields").cloned().unwrap_or_default();
                let mut body = json!({"id": format!("10{}", login.len()), "name": format!("Face {login}"), "picture": {"data": {"url": format!("https://graph.example/{login}.jpg"), "is_silhouette": false}}});
                if login != "nomail" {
                    body["email"] = json!(format!("{login}@example.com"));
                }
                if let Some(m) = body.as_object_mut() {
                    m.retain(|k, _| fields.split(',').any(|f| f == k));
                }
                axum::Json(body).into_response()
            }),
        );
    let (base, task) = serve(app).await;
    (base, task)
}

async fn discord_and_facebook_against_stand_ins(backend: Backend) {
    let (sb, task) = social_stand_in().await;
    let mut env: Vec<(String, String)> = Vec::new();
    for (p, id) in [("DISCORD", "discord"), ("FACEBOOK", "facebook")] {
        env.push((format!("{p}_CLIENT_ID"), format!("{id}-client")));
        env.push((format!("{p}_CLIENT_SECRET"), format!("{id}-secret")));
        env.push((
            format!("{p}_AUTHORIZATION_URL"),
            format!("{sb}/{id}/authorize"),
        ));
        env.push((format!("{p}_TOKEN_URL"), format!("{sb}/{id}/token")));
    }
    env.push((
        "DISCORD_USERINFO_URL".into(),
        format!("{sb}/discord/users/@me"),
    ));
    env.push((
        "FACEBOOK_USERINFO_URL".into(),
        format!("{sb}/facebook/me?fields=id,name,email,picture"),
    ));
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (srv, _f) = server(backend, "", &env_refs).await;

    // Discord: the display name, the animated avatar as a GIF, the verified e-mail.
    let (res, mut agent) = through_stand_in(&srv, "discord", "disco").await;
    redirects_to(&res, "/in");
    let user = agent
        .get_session()
        .await
        .unwrap_or_else(|| panic!("no session"))["user"]
        .clone();
    assert_eq!(user["name"], json!("Disco Fan"));
    assert_eq!(user["email"], json!("disco@example.com"));
    assert_eq!(user["emailVerified"], json!(true));
    assert_eq!(
        user["image"],
        json!(
            "https://cdn.discordapp.com/avatars/80351110224678912/a_1269e74af4df7417b13759eae50c83dc.gif"
        )
    );
    // No display name: the username; no avatar: Discord's default one for the id
    // ((175928847299117063 >> 22) % 6 = 2); Discord says the e-mail is unverified.
    let (res, mut agent) = through_stand_in(&srv, "discord", "plain").await;
    redirects_to(&res, "/in");
    let user = agent
        .get_session()
        .await
        .unwrap_or_else(|| panic!("no session"))["user"]
        .clone();
    assert_eq!(user["name"], json!("plain"));
    assert_eq!(
        user["image"],
        json!("https://cdn.discordapp.com/embed/avatars/2.png")
    );
    assert_eq!(user["emailVerified"], json!(false));
    let (res, _) = through_stand_in(&srv, "discord", "nomail").await;
    redirects_to(&res, "/failed?error=email_not_found");

    // Facebook: the Graph profile; its e-mail is never taken as verified.
    let (res, mut agent) = through_stand_in(&srv, "facebook", "fb").await;
    redirects_to(&res, "/in");
    let user = agent
        .get_session()
        .await
        .unwrap_or_else(|| panic!("no session"))["user"]
        .clone();
    assert_eq!(user["name"], json!("Face fb"));
    assert_eq!(user["email"], json!("fb@example.com"));
    assert_eq!(user["emailVerified"], json!(false));
    assert_eq!(user["image"], json!("https://graph.example/fb.jpg"));
    let accounts = agent.get("/api/auth/list-accounts").await.json();
    assert_eq!(accounts[0]["providerId"], json!("facebook"), "{accounts}");
    // An unverified address does not link itself to the existing user of that address.
    let (res, _) = through_stand_in(&srv, "discord", "plain").await;
    redirects_to(&res, "/in");
    let mut other = srv.agent();
    let res = other
        .post(
            "/api/auth/sign-up/email",
            json!({"email": "fbx@example.com", "password": "a long password 1", "name": "X"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let (res, _) = through_stand_in(&srv, "facebook", "fbx").await;
    assert_eq!(error_of(&res), "account_not_linked");
    let (res, _) = through_stand_in(&srv, "facebook", "nomail").await;
    redirects_to(&res, "/failed?error=email_not_found");
    task.abort();
}

/// A new P-256 key: its PKCS#8 PEM (as Apple's `.p8`), and its public point as base64url
/// `x` and `y` (a JWK's).
fn p256_key() -> (String, String, String) {
    use p256::elliptic_curve::sec1::ToEncodedPoint as _;
    use p256::pkcs8::{EncodePrivateKey as _, LineEnding};
    let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let pem = secret
        .to_pkcs8_pem(LineEnding::LF)
        .unwrap_or_else(|e| panic!("pkcs8: {e}"))
        .to_string();
    let point = secret.public_key().to_encoded_point(false);
    let enc = |b: Option<&p256::FieldBytes>| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(b.map(|b| b.as_slice()).unwrap_or_default())
    };
    (pem, enc(point.x()), enc(point.y()))
}

/// The signing key of a PEM made by `p256_key`.
fn encoding_key(pem: &str) -> jsonwebtoken::EncodingKey {
    use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
    let der = p256::SecretKey::from_pkcs8_pem(pem)
        .and_then(|k| k.to_pkcs8_der())
        .unwrap_or_else(|e| panic!("{e}"));
    jsonwebtoken::EncodingKey::from_ec_der(der.as_bytes())
}

/// A key as Apple issues it (`.p8`), and its public half for the stand-in.
fn apple_key() -> (String, jsonwebtoken::DecodingKey) {
    let (pem, x, y) = p256_key();
    let decoding =
        jsonwebtoken::DecodingKey::from_ec_components(&x, &y).unwrap_or_else(|e| panic!("{e}"));
    (pem, decoding)
}

/// A stand-in for Apple's token endpoint (not Apple): it checks the client secret as Apple
/// does (an ES256 JWT from the team's key: `kid`, `iss` the team, `sub` the client, `aud`
/// Apple, at most six months long), records each one's `iat`, then passes the request on to
/// the real provider with that client's own secret.
async fn apple_token_stand_in(
    op_token: String,
    key: jsonwebtoken::DecodingKey,
) -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<i64>>>,
    tokio::task::JoinHandle<()>,
) {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use std::collections::HashMap;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen_here = seen.clone();
    let app = axum::Router::new().route(
        "/auth/token",
        axum::routing::post(move |body: String| {
            let (key, seen, op_token) = (key.clone(), seen_here.clone(), op_token.clone());
            async move {
                let mut f: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
                    .into_owned()
                    .collect();
                let refuse = |why: String| {
                    (
                        StatusCode::BAD_REQUEST,
                        axum::Json(json!({"error": "invalid_client", "error_description": why})),
                    )
                        .into_response()
                };
                let secret = f.get("client_secret").cloned().unwrap_or_default();
                let header = match jsonwebtoken::decode_header(&secret) {
                    Ok(h) => h,
                    Err(e) => return refuse(format!("header: {e}")),
                };
                if header.kid.as_deref() != Some("KEY123ABC") {
                    return refuse("kid".into());
                }
                let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
                v.set_audience(&["https://appleid.apple.com"]);
                v.set_issuer(&["TEAM456DEF"]);
                v.sub = Some(POST_CLIENT.into());
                v.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
                let claims = match jsonwebtoken::decode::<Value>(&secret, &key, &v) {
                    Ok(d) => d.claims,
                    Err(e) => return refuse(format!("claims: {e}")),
                };
                let (iat, exp) = (
                    claims["iat"].as_i64().unwrap_or(0),
                    claims["exp"].as_i64().unwrap_or(0),
                );
                if exp - iat > 15_777_000 {
                    return refuse("longer than six months".into());
                }
                if let Ok(mut s) = seen.lock() {
                    s.push(iat);
                }
                f.insert("client_secret".into(), POST_CLIENT_SECRET.into());
                let res = reqwest::Client::new()
                    .post(&op_token)
                    .form(&f)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                let status =
                    StatusCode::from_u16(res.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
                let text = res.text().await.unwrap_or_default();
                (status, [("content-type", "application/json")], text).into_response()
            }
        }),
    );
    let (base, task) = serve(app).await;
    (base, seen, task)
}

/// Apple's shape against the real provider: `response_mode=form_post` (the callback is a POST,
/// continued as a GET that carries the browser's cookies), the name from Apple's one-time
/// `user` field, and a client secret that Portcullis signs with the team's key and signs again
/// once half its day has passed (the clock moves; nothing sleeps).
async fn apple_posts_back_with_a_signed_secret(backend: Backend) {
    let op = OidcProvider::start(60);
    let i = op.issuer.as_str();
    let (pem, public) = apple_key();
    let (stand_in, seen, task) = apple_token_stand_in(format!("{i}/token"), public).await;
    let key_file = tempfile_path::TempToml::new(&pem);
    let env = [
        ("APPLE_CLIENT_ID", POST_CLIENT.to_owned()),
        ("APPLE_TEAM_ID", "TEAM456DEF".to_owned()),
        ("APPLE_KEY_ID", "KEY123ABC".to_owned()),
        ("APPLE_PRIVATE_KEY_FILE", key_file.path()),
        ("APPLE_AUTHORIZATION_URL", format!("{i}/auth")),
        ("APPLE_TOKEN_URL", format!("{stand_in}/auth/token")),
        ("APPLE_JWKS_URL", format!("{i}/jwks")),
        ("APPLE_ISSUER", i.to_owned()),
    ];
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (srv, _f) = server(backend, "", &env_refs).await;
    let mut agent = srv.agent();
    let url = start_sign_in(
        &mut agent,
        json!({"provider": "apple", "callbackURL": "/in", "newUserCallbackURL": "/welcome"}),
    )
    .await;
    assert!(url.contains("response_mode=form_post"), "{url}");
    let Landing::FormPost { action, mut fields } =
        ProviderBrowser::new().authorize_to(&url, "ada", i).await
    else {
        panic!("the provider did not post back");
    };
    assert_eq!(action, format!("{}/api/auth/callback/apple", srv.base));
    // Apple adds the user's name, once, beside the code.
    fields.push((
        "user".into(),
        json!({"name": {"firstName": "Ada", "lastName": "Lovelace"}, "email": "ada@example.com"})
            .to_string(),
    ));
    // The post arrives without the browser's cookies (a cross-site POST); Portcullis
    // continues it as a GET, which carries them.
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = srv
        .send(
            Request::post("/api/auth/callback/apple")
                .form(&pairs)
                .origin("https://appleid.apple.com"),
        )
        .await;
    assert_eq!(res.status, 302, "{}", res.describe());
    let back = res.header("location").unwrap_or_default().to_owned();
    assert!(back.contains("code=") && back.contains("user="), "{back}");
    let res = agent.get(&local(&srv, &back)).await;
    redirects_to(&res, "/welcome");
    let user = agent
        .get_session()
        .await
        .unwrap_or_else(|| panic!("no session"))["user"]
        .clone();
    assert_eq!(user["name"], json!("Ada Lovelace"));
    assert_eq!(user["email"], json!("ada@example.com"));
    let first = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(first.len(), 1, "one token request, with a signed secret");

    // Half a day on, the access token (60 s) has expired: its refresh is sent with a secret
    // signed again, at the moved clock.
    srv.clock.advance(chrono::Duration::hours(13));
    let res = agent
        .post("/api/auth/get-access-token", json!({"providerId": "apple"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let all = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all[1] - all[0] >= 13 * 3600, "signed again: {all:?}");
    task.abort();
}

/// A provider rotates its signing key: an ID token under a key id the cached set lacks makes
/// Portcullis fetch the set again, but not more than once a minute (by the clock, moved here).
/// The key set is served by a stand-in JWKS endpoint; the tokens are ES256 JWTs signed here.
async fn id_token_keys_are_fetched_again_for_a_new_key_id(backend: Backend) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let keys: Vec<(String, Value)> = ["key-a", "key-b"]
        .iter()
        .map(|kid| {
            let (pem, x, y) = p256_key();
            (pem, json!({"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid, "x": x, "y": y}))
        })
        .collect();
    // Which key the set holds now, and how often it was fetched.
    let current = Arc::new(AtomicUsize::new(0));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (served, (c, f)) = (
        keys.iter().map(|(_, j)| j.clone()).collect::<Vec<_>>(),
        (current.clone(), fetches.clone()),
    );
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let (served, c, f) = (served.clone(), c.clone(), f.clone());
            async move {
                f.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({"keys": [served[c.load(Ordering::SeqCst)].clone()]}))
            }
        }),
    );
    let (base, task) = serve(app).await;
    let toml = format!(
        "[[generic_oauth]]\nprovider_id = \"rotating\"\nauthorization_url = \"{base}/authorize\"\n\
         token_url = \"{base}/token\"\njwks_url = \"{base}/jwks\"\nissuer = \"{base}\"\n\
         client_id = \"{CLIENT}\"\nclient_secret = \"s\"\n"
    );
    let (srv, _f) = server(backend, &toml, &[]).await;
    let token = |i: usize, who: &str| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = keys[i].1["kid"].as_str().map(str::to_owned);
        let now = chrono::Utc::now().timestamp();
        let claims = json!({"iss": base, "aud": CLIENT, "sub": who, "email": format!("{who}@example.com"), "email_verified": true, "iat": now, "exp": now + 600});
        let key = encoding_key(&keys[i].0);
        jsonwebtoken::encode(&header, &claims, &key).unwrap_or_else(|e| panic!("{e}"))
    };
    let sign_in = |jwt: String| {
        let srv = &srv;
        async move {
            srv.agent()
                .post(
                    "/api/auth/sign-in/social",
                    json!({"provider": "rotating", "idToken": {"token": jwt}}),
                )
                .await
        }
    };
    let res = sign_in(token(0, "ann")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    // The provider rotates to key B.
    current.store(1, Ordering::SeqCst);
    // Within a minute of the last fetch, an unknown key id does not fetch again.
    let res = sign_in(token(1, "bob")).await;
    assert_code(&res, 401, "INVALID_TOKEN");
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    // A minute on, it does, once, and the token verifies.
    srv.clock.advance(chrono::Duration::seconds(61));
    let res = sign_in(token(1, "bob")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    // Known key ids use the cached set; the old key is gone with it. The name a native app
    // passes along (Apple's `user`, given to the app once) names the new user.
    let res = srv
        .agent()
        .post(
            "/api/auth/sign-in/social",
            json!({"provider": "rotating", "idToken": {"token": token(1, "cy"), "user": {"name": {"firstName": "Cy", "lastName": "Young"}, "email": "cy@example.com"}}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["name"], json!("Cy Young"));
    let res = sign_in(token(0, "dee")).await;
    assert_code(&res, 401, "INVALID_TOKEN");
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        2,
        "key A's id is unknown, but within the minute"
    );
    task.abort();
}

/// Serves a stand-in on a free loopback port: its base URL, and the task to abort at the end.
async fn serve(app: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = format!(
        "http://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, task)
}

/// A user brought over by `portcullis import` (here from Auth0's export) signs in with the
/// Google account they had: the provider's id for them finds the imported user, whose old
/// address differs from the one the provider now reports, so nothing but the linked account
/// can have matched.
async fn an_imported_google_account_signs_in_as_its_user(backend: Backend) {
    use portcullis_import::{ImportOptions, SourceKind, SourceOptions};
    let op = OidcProvider::start(3600);
    let i = op.issuer.as_str();
    let env = [
        ("GOOGLE_CLIENT_ID", CLIENT.to_owned()),
        ("GOOGLE_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("GOOGLE_AUTHORIZATION_URL", format!("{i}/auth")),
        ("GOOGLE_TOKEN_URL", format!("{i}/token")),
        ("GOOGLE_USERINFO_URL", format!("{i}/me")),
        ("GOOGLE_JWKS_URL", format!("{i}/jwks")),
        ("GOOGLE_ISSUER", i.to_owned()),
    ];
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (srv, _f) = server(backend, "", &env_refs).await;

    // The provider's subject for the login `gina` is `gina`.
    let export = tempfile_path::TempToml::new(
        &json!({
            "user_id": "google-oauth2|gina",
            "email": "gina.before@old-company.example",
            "email_verified": true,
            "name": "Gina Imported",
            "created_at": "2023-05-01T09:00:00.000Z",
            "identities": [{"provider": "google-oauth2", "user_id": "gina", "isSocial": true}],
        })
        .to_string(),
    );
    let report = portcullis_import::run(
        &srv.app.ctx,
        &ImportOptions {
            source: SourceKind::Auth0,
            inputs: vec![export.path()],
            source_options: SourceOptions::default(),
            dry_run: false,
            batch_size: 10,
            progress: false,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("import: {e}"));
    assert_eq!(report.imported, 1, "{report}");

    let mut agent = srv.agent();
    let res = dance(&mut agent, &op, "google", "gina", json!({})).await;
    // An existing user goes to callbackURL, a new one to newUserCallbackURL.
    redirects_to(&res, "/dashboard");
    let session = agent.get_session().await.unwrap_or_default();
    assert_eq!(session["user"]["id"], "google-oauth2|gina", "{session}");
    assert_eq!(session["user"]["email"], "gina.before@old-company.example");
    let users = srv
        .adapter()
        .count("user", &[])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(users, 1, "no second user was made");
}
