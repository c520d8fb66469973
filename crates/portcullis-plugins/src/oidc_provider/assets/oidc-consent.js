// The OpenID provider's consent page: shows which application asks for what, then answers
// POST /oauth2/consent {accept, oauth_query} and follows the URL it gets back (to the
// authorization request, or to the application with access_denied). Text goes through
// textContent only.
import { api, errorText, queryParam, sessionOnce, setBusy, showMessage } from "./api.js";

const $ = (id) => document.getElementById(id);
const form = $("consent-form");
const message = $("consent-message");

const SCOPES = {
  openid: "Know who you are (your account's identifier)",
  profile: "See your name and profile picture",
  email: "See your email address and whether it is verified",
  offline_access: "Keep access while you are away, until you revoke it",
};

const EXPLAIN = {
  INVALID_OAUTH_QUERY:
    "This request has expired or was changed on the way. Go back to the application and sign in again.",
};

const query = window.location.search.slice(1);

async function show() {
  const clientId = queryParam("client_id");
  if (!clientId || !queryParam("sig")) {
    showMessage(message, "This page is missing its request. Go back to the application and sign in again.");
    return;
  }
  const { session } = await sessionOnce();
  const user = session?.user;
  if (!session) {
    showMessage(message, "Your session has ended. Sign in, then start again from the application.", "error", {
      href: "/sign-in",
      text: "Sign in",
    });
    return;
  }
  const { data: client, error } = await api("/oauth2/public-client", { query: { client_id: clientId } });
  if (error) {
    showMessage(message, "This application is not known here, or has been turned off. Contact whoever runs it.");
    return;
  }
  const name = client.client_name || "An application";
  $("consent-summary").textContent = `${name} wants to access your account.`;
  if (client.logo_uri) {
    const logo = $("consent-logo");
    logo.src = client.logo_uri;
    logo.alt = `${name} logo`;
    logo.hidden = false;
  }
  $("consent-client").hidden = false;
  const list = $("consent-scopes");
  list.replaceChildren();
  for (const scope of (queryParam("scope") || "openid").split(" ").filter(Boolean)) {
    const li = document.createElement("li");
    li.textContent = SCOPES[scope] || `Use the “${scope}” permission`;
    list.append(li);
  }
  $("consent-account").textContent = `You are signed in as ${user?.email ?? "this account"}.`;
  const links = [];
  if (client.policy_uri) links.push(["Privacy policy", client.policy_uri]);
  if (client.tos_uri) links.push(["Terms of service", client.tos_uri]);
  if (links.length) {
    const p = $("consent-links");
    p.textContent = `${name}'s `;
    links.forEach(([text, href], i) => {
      const a = document.createElement("a");
      a.href = href;
      a.rel = "noopener noreferrer";
      a.textContent = text.toLowerCase();
      if (i) p.append(" and ");
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
