// The invitation landing page: /organization/invitation?id=…. Without a session it offers
// sign-in and sign-up, each coming back here; with one it shows the invitation and answers it
// with accept-invitation or reject-invitation. Text goes through textContent only.
import { api, errorText, queryParam, sessionOnce, setBusy, showMessage } from "./api.js";

const id = queryParam("id") || "";
const summary = document.getElementById("invitation-summary");
const message = document.getElementById("invitation-message");
const signedOut = document.getElementById("invitation-signed-out");
const form = document.getElementById("invitation-form");
const decline = document.getElementById("invitation-decline");

const EXPLAIN = {
  INVITATION_NOT_FOUND:
    "This invitation has expired, was cancelled, or has already been answered. Ask whoever invited you to send a new one.",
  YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION:
    "This invitation was sent to another address. Sign out, then sign in with the address it was sent to.",
  INVITER_IS_NO_LONGER_A_MEMBER_OF_THE_ORGANIZATION:
    "Whoever invited you has left the organization. Ask another member for a new invitation.",
  EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION:
    "Verify your email address first (see the message we sent you), then open this link again.",
  EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION:
    "Verify your email address first (see the message we sent you), then open this link again.",
  ORGANIZATION_MEMBERSHIP_LIMIT_REACHED:
    "The organization is full. Ask an administrator to make room, then try again.",
  USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION: "You are already a member of this organization.",
};
const explain = (error) => EXPLAIN[error?.code] || errorText(error);

function here() {
  return `${window.location.pathname}?id=${encodeURIComponent(id)}`;
}

async function show() {
  if (!id) {
    summary.textContent = "";
    showMessage(message, "This link has no invitation in it. Open the link from the invitation e-mail again.");
    return;
  }
  const { session } = await sessionOnce();
  if (!session) {
    summary.textContent = "You have been invited to join an organization.";
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
  const role = data.role ? ` as ${data.role}` : "";
  summary.textContent = `${data.inviterEmail} invited ${data.email} to join ${data.organizationName}${role}.`;
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
    showMessage(message, "You have joined the organization.", "success", { href: "/account", text: "Go to your account" }),
  );
});
decline.addEventListener("click", () =>
  answer("/organization/reject-invitation", () => showMessage(message, "You declined the invitation.", "info")),
);

show();
