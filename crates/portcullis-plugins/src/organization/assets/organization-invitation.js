// The invitation landing page: /organization/invitation?id=…. Without a session it offers
// sign-in and sign-up, each coming back here; with one it shows the invitation and answers it
// with accept-invitation or reject-invitation. Text goes through textContent only.
import { api, errorText, queryParam, sessionOnce, setBusy, showMessage } from "./api.js";
import { t } from "./i18n.js";

const id = queryParam("id") || "";
const summary = document.getElementById("invitation-summary");
const message = document.getElementById("invitation-message");
const signedOut = document.getElementById("invitation-signed-out");
const form = document.getElementById("invitation-form");
const decline = document.getElementById("invitation-decline");

const EXPLAIN = {
  INVITATION_NOT_FOUND: t("js-organization-invitation-not-found"),
  YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION: t("js-organization-invitation-not-recipient"),
  INVITER_IS_NO_LONGER_A_MEMBER_OF_THE_ORGANIZATION: t("js-organization-invitation-inviter-left"),
  EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION: t("js-organization-invitation-verify-first"),
  EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION: t("js-organization-invitation-verify-first"),
  ORGANIZATION_MEMBERSHIP_LIMIT_REACHED: t("js-organization-invitation-full"),
  USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION: t("js-organization-invitation-already-member"),
};
const explain = (error) => EXPLAIN[error?.code] || errorText(error);

function here() {
  return `${window.location.pathname}?id=${encodeURIComponent(id)}`;
}

async function show() {
  if (!id) {
    summary.textContent = "";
    showMessage(message, t("js-organization-invitation-no-id"));
    return;
  }
  const { session } = await sessionOnce();
  if (!session) {
    summary.textContent = t("js-organization-invitation-invited");
    for (const [linkId, path] of [["invitation-sign-in", "/sign-in"], ["invitation-sign-up", "/sign-up"]]) {
      document.getElementById(linkId).setAttribute("href", `${path}?redirect=${encodeURIComponent(here())}`);
    }
    signedOut.hidden = false;
    return;
  }
  const { data, error } = await api("/organization/get-invitation", { query: { id } });
  if (error) {
    summary.textContent = "";
    showMessage(message, explain(error));
    return;
  }
  const parts = { inviter: data.inviterEmail, email: data.email, organization: data.organizationName, role: data.role };
  summary.textContent = data.role
    ? t("js-organization-invitation-summary-role", parts)
    : t("js-organization-invitation-summary", parts);
  form.hidden = false;
}

async function answer(path, done) {
  setBusy(form, true);
  const { error } = await api(path, { method: "POST", body: { invitationId: id } });
  setBusy(form, false);
  if (error) {
    showMessage(message, explain(error));
    return;
  }
  form.hidden = true;
  done();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  answer("/organization/accept-invitation", () =>
    showMessage(message, t("js-organization-invitation-joined"), "success", {
      href: "/account",
      text: t("js-organization-invitation-go-to-account"),
    }),
  );
});
decline.addEventListener("click", () =>
  answer("/organization/reject-invitation", () => showMessage(message, t("js-organization-declined"), "info")),
);

show();
