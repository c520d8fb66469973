// Account page, "Connected apps" section (OpenID provider): each consent with the application's
// name and the scopes granted, and a button that revokes it (and the app's tokens).
import { api, clearMessage, errorText, showMessage } from "./api.js";
import { actionButton } from "./forms.js";
import { absoluteTime, factsList } from "./devices.js";
import { t } from "./i18n.js";

const list = document.getElementById("connected-apps-list");
const message = document.getElementById("connected-apps-message");

async function appItem(consent) {
  const { data: client } = await api("/oauth2/public-client", { query: { client_id: consent.clientId } });
  const name = client?.client_name || t("js-oidc-provider-an-application");
  const li = document.createElement("li");
  li.className = "device";
  const body = document.createElement("div");
  body.className = "device-body";
  const title = document.createElement("p");
  title.className = "device-name";
  title.textContent = name;
  body.append(
    title,
    factsList([
      [t("js-oidc-provider-can"), consent.scopes.join(", ") || t("js-oidc-provider-can-nothing")],
      [t("js-oidc-provider-allowed"), absoluteTime(consent.updatedAt || consent.createdAt)],
    ]),
  );
  const actions = document.createElement("div");
  actions.className = "form-actions";
  actions.append(
    actionButton(t("js-oidc-provider-remove"), t("js-oidc-provider-remove-app", { name }), async (button) => {
      if (!window.confirm(t("js-oidc-provider-remove-confirm", { name }))) return;
      clearMessage(message);
      button.disabled = true;
      const { error } = await api("/oauth2/delete-consent", { method: "POST", body: { id: consent.id } });
      if (error) {
        button.disabled = false;
        showMessage(message, errorText(error));
        return;
      }
      li.remove();
      showMessage(message, t("js-oidc-provider-removed", { name }), "success");
      if (!list.children.length) empty();
    }, "danger"),
  );
  li.append(body, actions);
  return li;
}

function empty() {
  const li = document.createElement("li");
  li.className = "muted";
  li.textContent = t("js-oidc-provider-no-apps");
  list.replaceChildren(li);
}

async function load() {
  const { data, error } = await api("/oauth2/get-consents");
  if (error) {
    list.replaceChildren();
    showMessage(message, errorText(error));
    return;
  }
  if (!data.length) return empty();
  list.replaceChildren(...(await Promise.all(data.map(appItem))));
}

load();
