// Account page notice (admin plugin): while an administrator is signed in as this user, says
// so and offers the way back (POST /admin/stop-impersonating restores their own session).
import { api, errorText, sessionOnce, showMessage } from "./api.js";
import { t } from "./i18n.js";

const notice = document.getElementById("impersonation-notice");
const stop = document.getElementById("impersonation-stop");
const message = document.getElementById("impersonation-message");

async function init() {
  const { session: current } = await sessionOnce();
  if (!current || !current.session || !current.session.impersonatedBy) return;
  document.getElementById("impersonation-email").textContent = current.user.email || t("js-admin-impersonation-this-user");
  notice.hidden = false;
  stop.addEventListener("click", async () => {
    stop.disabled = true;
    const { error } = await api("/admin/stop-impersonating", { method: "POST", body: {} });
    stop.disabled = false;
    if (error) {
      showMessage(message, `${errorText(error)} ${t("js-admin-impersonation-sign-out-first")}`);
      return;
    }
    window.location.assign("/admin#users");
  });
}

if (notice && stop) init();
