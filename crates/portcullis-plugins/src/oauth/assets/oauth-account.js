// Account page, "Linked accounts" section (oauth plugin): list the accounts that sign the user
// in (GET /list-accounts), unlink one (POST /unlink-account), and link a configured provider
// (POST /link-social, then its authorization page; back here after). Server text goes through
// textContent only.
import { api, clearMessage, errorText, showMessage } from "./api.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const message = $("linked-accounts-message");
const list = $("linked-accounts-list");
const labels = new Map(
  [...document.querySelectorAll("button[data-link-provider]")].map((b) => [b.dataset.linkProvider, b.dataset.providerLabel]),
);
const SIGN_IN_AGAIN = { href: "/sign-in?redirect=/account%23linked-accounts", text: t("js-oauth-sign-in-again") };

function label(providerId) {
  if (providerId === "credential") return t("js-oauth-email-and-password");
  return labels.get(providerId) || providerId;
}

function showError(error) {
  if (error && (error.status === 401 || error.code === "SESSION_NOT_FRESH")) {
    showMessage(message, t("js-oauth-sign-in-again-to-change"), "error", SIGN_IN_AGAIN);
  } else if (error && error.code === "FAILED_TO_UNLINK_LAST_ACCOUNT") {
    showMessage(message, t("js-oauth-only-way"));
  } else {
    showMessage(message, errorText(error));
  }
}

function item(account, count) {
  const li = document.createElement("li");
  li.className = "device";
  const body = document.createElement("div");
  body.className = "device-body";
  const name = document.createElement("p");
  name.className = "device-name";
  name.textContent = label(account.providerId);
  const meta = document.createElement("p");
  meta.className = "device-meta muted";
  meta.textContent = account.providerId === "credential"
    ? t("js-oauth-password-signs-you-in")
    : account.scopes && account.scopes.length
      ? t("js-oauth-signs-you-in-as-sharing", { account: account.accountId, scopes: account.scopes.join(", ") })
      : t("js-oauth-signs-you-in-as", { account: account.accountId });
  body.append(name, meta);
  li.append(body);
  if (account.providerId !== "credential") {
    const unlink = document.createElement("button");
    unlink.type = "button";
    unlink.className = "button button--danger";
    unlink.textContent = t("js-oauth-unlink");
    unlink.setAttribute("aria-label", t("js-oauth-unlink-provider", { provider: label(account.providerId) }));
    unlink.disabled = count < 2;
    unlink.addEventListener("click", async () => {
      clearMessage(message);
      unlink.disabled = true;
      const { error } = await api("/unlink-account", { method: "POST", body: { accountId: account.id } });
      if (error) {
        unlink.disabled = false;
        showError(error);
        return;
      }
      showMessage(message, t("js-oauth-unlinked", { provider: label(account.providerId) }), "success");
      await load();
    });
    li.append(unlink);
  }
  return li;
}

async function load() {
  const { data, error } = await api("/list-accounts");
  list.replaceChildren();
  if (error || !Array.isArray(data)) {
    showError(error);
    return;
  }
  for (const account of data) list.append(item(account, data.length));
  for (const button of document.querySelectorAll("button[data-link-provider]")) {
    button.hidden = data.some((a) => a.providerId === button.dataset.linkProvider);
  }
}

for (const button of document.querySelectorAll("button[data-link-provider]")) {
  button.addEventListener("click", async () => {
    clearMessage(message);
    const text = button.textContent;
    button.disabled = true;
    button.textContent = button.dataset.busyLabel || text;
    const { data, error } = await api("/link-social", {
      method: "POST",
      body: {
        provider: button.dataset.linkProvider,
        callbackURL: "/account#linked-accounts",
        errorCallbackURL: "/account#linked-accounts",
        disableRedirect: true,
      },
    });
    if (error || !data || !data.url) {
      button.disabled = false;
      button.textContent = text;
      showError(error);
      return;
    }
    window.location.assign(data.url);
  });
}

// Back from a provider that refused the link: say why.
const failed = new URLSearchParams(window.location.search).get("error");
if (failed) {
  const why = {
    email_does_not_match: t("js-oauth-link-email-differs"),
    account_already_linked_to_different_user: t("js-oauth-link-taken"),
    unable_to_link_account: t("js-oauth-link-unverified"),
  };
  showMessage(message, why[failed] || t("js-oauth-link-failed"));
}

load();
