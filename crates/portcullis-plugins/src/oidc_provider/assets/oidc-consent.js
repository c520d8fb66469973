// The OpenID provider's consent page: shows which application asks for what, then answers
// POST /oauth2/consent {accept, oauth_query} and follows the URL it gets back (to the
// authorization request, or to the application with access_denied). Text goes through
// textContent only.
import { api, errorText, queryParam, sessionOnce, setBusy, showMessage } from "./api.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const form = $("consent-form");
const message = $("consent-message");

const SCOPES = {
  openid: t("js-oidc-provider-scope-openid"),
  profile: t("js-oidc-provider-scope-profile"),
  email: t("js-oidc-provider-scope-email"),
  offline_access: t("js-oidc-provider-scope-offline-access"),
};

const EXPLAIN = {
  INVALID_OAUTH_QUERY: t("js-oidc-provider-request-expired"),
};

const query = window.location.search.slice(1);

async function show() {
  const clientId = queryParam("client_id");
  if (!clientId || !queryParam("sig")) {
    showMessage(message, t("js-oidc-provider-request-missing"));
    return;
  }
  const { session } = await sessionOnce();
  const user = session?.user;
  if (!session) {
    showMessage(message, t("js-oidc-provider-session-ended"), "error", {
      href: "/sign-in",
      text: t("js-oidc-provider-sign-in"),
    });
    return;
  }
  const { data: client, error } = await api("/oauth2/public-client", { query: { client_id: clientId } });
  if (error) {
    showMessage(message, t("js-oidc-provider-unknown-app"));
    return;
  }
  const name = client.client_name || t("js-oidc-provider-an-application");
  $("consent-summary").textContent = t("js-oidc-provider-wants-access", { name });
  if (client.logo_uri) {
    const logo = $("consent-logo");
    logo.src = client.logo_uri;
    logo.alt = t("js-oidc-provider-logo", { name });
    logo.hidden = false;
  }
  $("consent-client").hidden = false;
  const list = $("consent-scopes");
  list.replaceChildren();
  for (const scope of (queryParam("scope") || "openid").split(" ").filter(Boolean)) {
    const li = document.createElement("li");
    li.textContent = SCOPES[scope] || t("js-oidc-provider-scope-other", { scope });
    list.append(li);
  }
  $("consent-account").textContent = user?.email != null
    ? t("js-oidc-provider-signed-in-as", { email: user.email })
    : t("js-oidc-provider-signed-in-as-this-account");
  const links = [];
  if (client.policy_uri) links.push([t("js-oidc-provider-privacy-policy"), client.policy_uri]);
  if (client.tos_uri) links.push([t("js-oidc-provider-terms"), client.tos_uri]);
  if (links.length) {
    const p = $("consent-links");
    p.textContent = `${t("js-oidc-provider-links-of", { name })} `;
    links.forEach(([text, href], i) => {
      const a = document.createElement("a");
      a.href = href;
      a.rel = "noopener noreferrer";
      a.textContent = text;
      if (i) p.append(` ${t("js-oidc-provider-links-and")} `);
      p.append(a);
    });
    p.append(".");
    p.hidden = false;
  }
  form.hidden = false;
  $("consent-allow").focus();
}

async function answer(accept) {
  setBusy(form, true);
  const { data, error } = await api("/oauth2/consent", { method: "POST", body: { accept, oauth_query: query } });
  if (error || !data?.url) {
    setBusy(form, false);
    showMessage(message, EXPLAIN[error?.code] || errorText(error));
    return;
  }
  window.location.assign(data.url);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  answer(true);
});
$("consent-deny").addEventListener("click", () => answer(false));
show();
