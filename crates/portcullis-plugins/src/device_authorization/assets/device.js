// The device verification page: /device[?user_code=…]. A signed-out visitor is sent to
// sign-in (and two-factor) with this page, code included, as where to come back; a signed-in
// one checks the code (GET /device claims it for them), sees the client and the access it
// asks for, and allows or denies it. The device endpoints answer RFC 8628 errors,
// {error, error_description}, which is why this page reads them itself. Text goes through
// textContent only.
import { BASE_PATH, api, sessionOnce, setBusy, showMessage, statusMessage } from "./api.js";
import { clearErrors, fieldError, wireForm } from "./forms.js";
import { t } from "./i18n.js";

const message = document.getElementById("device-message");
const intro = document.getElementById("device-intro");
const codeForm = document.getElementById("device-code-form");
const codeInput = document.getElementById("device-user-code");
const review = document.getElementById("device-review-form");
const deny = document.getElementById("device-deny");

/** Calls a device endpoint: `{data}` or `{error: {error, description, status}}`. */
async function call(path, { method = "GET", body, query } = {}) {
  let url = BASE_PATH + path;
  if (query) url += `?${new URLSearchParams(query)}`;
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    return { error: { error: "network", description: statusMessage(0), status: 0 } };
  }
  let parsed = {};
  try {
    parsed = await response.json();
  } catch {
    parsed = {};
  }
  if (response.ok) return { data: parsed };
  return {
    error: {
      error: parsed.error || parsed.code || "",
      description: parsed.error_description || parsed.message || "",
      status: response.status,
    },
  };
}

/** What to tell a person about a refused code, and what to do next. */
function explain(error) {
  if (error.status === 429) {
    return t("js-device-authorization-too-many");
  }
  if (error.status === 0) return error.description;
  switch (error.error) {
    case "expired_token":
      return t("js-device-authorization-expired");
    case "access_denied":
      return t("js-device-authorization-taken");
    case "unauthorized":
      return t("js-device-authorization-session-ended");
    case "invalid_request":
      if (/already processed/i.test(error.description)) {
        return t("js-device-authorization-already-answered");
      }
      return t("js-device-authorization-wrong-code");
    default:
      return statusMessage(error.status);
  }
}

function normalized(code) {
  return code.replace(/[^a-z0-9]/gi, "").toUpperCase();
}

/** How a code is shown: BCDF-GHJK. */
function shown(code) {
  const c = normalized(code);
  return c.length === 8 ? `${c.slice(0, 4)}-${c.slice(4)}` : c;
}

function signInFor(code) {
  const back = code ? `/device?user_code=${encodeURIComponent(shown(code))}` : "/device";
  window.location.assign(`/sign-in?redirect=${encodeURIComponent(back)}`);
}

function showReview(code, data) {
  document.getElementById("device-review-code").textContent = shown(code);
  const client = document.getElementById("device-review-client");
  client.textContent = data.client_id || t("js-device-authorization-an-application");
  // With the OpenID provider on, a registered client has a name worth showing instead.
  if (data.client_id) {
    api("/oauth2/public-client", { query: { client_id: data.client_id } }).then(({ data: found }) => {
      if (found?.client_name) client.textContent = found.client_name;
    });
  }
  const scopes = (data.scope || "").split(/\s+/).filter(Boolean);
  document.getElementById("device-review-scope").textContent = scopes.length
    ? scopes.join(", ")
    : t("js-device-authorization-no-scopes");
  codeForm.hidden = true;
  review.hidden = false;
  intro.textContent = t("js-device-authorization-asking");
  document.getElementById("device-approve").focus();
}

async function check(code) {
  clearErrors(codeForm, message);
  const { session } = await sessionOnce();
  if (!session) {
    signInFor(code);
    return;
  }
  setBusy(codeForm, true);
  const { data, error } = await call("/device", { query: { user_code: code } });
  setBusy(codeForm, false);
  if (error) {
    if (error.error === "invalid_request" || error.error === "expired_token") {
      fieldError(codeInput, explain(error));
      codeInput.focus();
    } else {
      showMessage(message, explain(error));
    }
    return;
  }
  if (data.status !== "pending") {
    showMessage(
      message,
      data.status === "approved"
        ? t("js-device-authorization-already-connected")
        : t("js-device-authorization-was-denied"),
      "info",
    );
    return;
  }
  if (!("client_id" in data)) {
    showMessage(message, explain({ error: "access_denied", status: 403 }));
    return;
  }
  showReview(code, data);
}

async function answer(path, done) {
  const code = review.dataset.code;
  setBusy(review, true);
  const { error } = await call(path, { method: "POST", body: { userCode: code } });
  setBusy(review, false);
  if (error) {
    if (error.error === "unauthorized") {
      signInFor(code);
      return;
    }
    showMessage(message, explain(error));
    return;
  }
  review.hidden = true;
  done();
  message.focus();
}

wireForm(codeForm, message);
codeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const code = codeInput.value.trim();
  if (normalized(code).length === 0) {
    fieldError(codeInput, t("js-device-authorization-enter-code"));
    codeInput.focus();
    return;
  }
  review.dataset.code = normalized(code);
  check(code);
});
review.addEventListener("submit", (event) => {
  event.preventDefault();
  answer("/device/approve", () => {
    intro.textContent = "";
    showMessage(message, t("js-device-authorization-connected"), "success");
  });
});
deny.addEventListener("click", () =>
  answer("/device/deny", () => {
    intro.textContent = "";
    showMessage(message, t("js-device-authorization-denied"), "info");
  }),
);

message.setAttribute("tabindex", "-1");
const fromLink = new URLSearchParams(window.location.search).get("user_code") || "";
if (fromLink) {
  codeInput.value = shown(fromLink);
  sessionOnce().then(({ session }) => {
    if (session) {
      review.dataset.code = normalized(fromLink);
      check(fromLink);
    } else {
      intro.textContent = t("js-device-authorization-sign-in-to-connect");
    }
  });
}
sessionOnce().then(({ session }) => {
  if (!session) codeForm.querySelector("[type=submit]").textContent = t("js-device-authorization-sign-in-to-continue");
});
