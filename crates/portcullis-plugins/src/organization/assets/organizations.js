// Account page, "Organizations" section (organization plugin): the organizations the user
// belongs to (make one active), a create form, the active organization's members (change a
// role, remove), an invite form and its pending invitations (cancel), its teams when teams are
// on (create, add or remove a member, remove), and the invitations sent to this account
// (accept, decline). Text from the server always goes through textContent.
import { api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { checkRequired, showServerError, wireForm } from "./forms.js";
import { dateTime, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const section = $("organizations");
const message = $("organizations-message");
const roles = (section?.dataset.roles || "owner,admin,member").split(",").filter(Boolean);
const SIGN_IN_AGAIN = { href: "/sign-in?redirect=/account%23organizations", text: t("js-organization-sign-in-again") };
const EXPLAIN = {
  ORGANIZATION_ALREADY_EXISTS: t("js-organization-slug-taken"),
  YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER: t("js-organization-needs-owner"),
  YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER: t("js-organization-needs-owner"),
  YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE: t("js-organization-cannot-give-role"),
  YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER: t("js-organization-cannot-update-member"),
  YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER: t("js-organization-cannot-remove-members"),
  YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION: t("js-organization-cannot-invite"),
  USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION: t("js-organization-already-invited"),
  USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION: t("js-organization-already-member"),
  TEAM_ALREADY_EXISTS: t("js-organization-team-exists"),
  YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION: t("js-organization-cannot-create-teams"),
  YOU_ARE_NOT_ALLOWED_TO_DELETE_TEAMS_IN_THIS_ORGANIZATION: t("js-organization-cannot-remove-teams"),
  YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_TEAMS: t("js-organization-max-teams"),
  UNABLE_TO_REMOVE_LAST_TEAM: t("js-organization-last-team"),
  TEAM_MEMBER_LIMIT_REACHED: t("js-organization-team-full"),
  YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_TEAM_MEMBER: t("js-organization-cannot-add-team-member"),
  YOU_ARE_NOT_ALLOWED_TO_REMOVE_A_TEAM_MEMBER: t("js-organization-cannot-remove-team-member"),
  INVALID_LOGO_URL: t("js-organization-invalid-logo"),
  INVALID_BRAND_COLOR: t("js-organization-invalid-color"),
  INVALID_SENDER_NAME: t("js-organization-invalid-sender"),
  YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION: t("js-organization-cannot-update"),
};

function showError(error, form, fields) {
  if (error && error.status === 401 && !error.code?.startsWith("YOU_")) {
    showMessage(message, t("js-organization-session-ended"), "error", SIGN_IN_AGAIN);
  } else if (form) {
    showServerError(form, message, { ...error, message: EXPLAIN[error?.code] || errorText(error) }, fields);
  } else {
    showMessage(message, EXPLAIN[error?.code] || errorText(error));
  }
}

function item(title, meta, buttons) {
  const li = document.createElement("li");
  li.className = "device";
  const body = document.createElement("div");
  body.className = "device-body";
  const name = document.createElement("p");
  name.className = "device-name";
  name.textContent = title;
  const sub = document.createElement("p");
  sub.className = "device-meta muted";
  sub.textContent = meta;
  body.append(name, sub);
  const actions = document.createElement("div");
  actions.className = "form-actions";
  actions.append(...buttons);
  li.append(body, actions);
  return li;
}

function button(text, label, onClick, danger = false) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `button button--small${danger ? " button--danger" : ""}`;
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", async () => {
    clearMessage(message);
    b.disabled = true;
    try {
      await onClick();
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

function emptyItem(text) {
  const li = document.createElement("li");
  li.className = "muted";
  li.textContent = text;
  return li;
}

async function call(path, body, done) {
  const { data, error } = await api(path, { method: "POST", body });
  if (error) {
    showError(error);
    return null;
  }
  await load();
  if (done) showMessage(message, done, "success");
  return data;
}

function roleSelect(member) {
  const select = document.createElement("select");
  select.setAttribute("aria-label", t("js-organization-role-of", { email: member.user.email }));
  for (const r of roles) {
    const o = document.createElement("option");
    o.value = r;
    o.textContent = r;
    o.selected = member.role.split(",").includes(r);
    select.append(o);
  }
  select.addEventListener("change", () =>
    call("/organization/update-member-role", { memberId: member.id, role: select.value }, t("js-organization-role-changed", { email: member.user.email, role: select.value })),
  );
  return select;
}

async function loadActive(session) {
  const box = $("organization-active");
  const { data: full, error } = await api("/organization/get-full-organization");
  if (error || !full) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  $("organization-active-name").textContent = full.name;
  const members = $("organization-members");
  members.textContent = "";
  for (const m of full.members) {
    const who = m.user.name ? `${m.user.name} (${m.user.email})` : m.user.email;
    const buttons = [roleSelect(m)];
    if (m.userId === session.user.id) {
      buttons.push(button(t("js-organization-leave"), t("js-organization-leave-label", { organization: full.name }), () =>
        window.confirm(t("js-organization-leave-confirm", { organization: full.name })) &&
          call("/organization/leave", { organizationId: full.id }, t("js-organization-left", { organization: full.name })), true));
    } else {
      buttons.push(button(t("js-organization-remove"), t("js-organization-remove-member-label", { email: m.user.email }), () =>
        window.confirm(t("js-organization-remove-member-confirm", { email: m.user.email, organization: full.name })) &&
          call("/organization/remove-member", { memberIdOrEmail: m.id, organizationId: full.id },
            t("js-organization-member-removed", { email: m.user.email })), true));
    }
    members.append(item(who, t("js-organization-role-meta", { role: m.role }), buttons));
  }
  const pending = $("organization-pending");
  pending.textContent = "";
  const open = full.invitations.filter((i) => i.status === "pending");
  if (open.length === 0) pending.append(emptyItem(t("js-organization-no-pending")));
  for (const inv of open) {
    pending.append(item(inv.email, t("js-organization-pending-meta", { role: inv.role, date: dateTime(inv.expiresAt) }), [
      button(t("js-organization-cancel"), t("js-organization-cancel-label", { email: inv.email }), () =>
        call("/organization/cancel-invitation", { invitationId: inv.id }, t("js-organization-cancelled", { email: inv.email })), true),
    ]));
  }
  await loadBranding(full);
  await loadTeams(full);
}

/** The branding form, for members who may update the organization, filled with its values. */
async function loadBranding(full) {
  const form = $("organization-branding-form");
  const { data: may } = await api("/organization/has-permission", {
    method: "POST",
    body: { organizationId: full.id, permissions: { organization: ["update"] } },
  });
  const { data: brand } = may?.success ? await api(`/organization/get-branding?organizationId=${encodeURIComponent(full.id)}`) : {};
  form.hidden = !brand;
  if (!brand) return;
  form.dataset.organizationId = full.id;
  form.elements.logo.value = brand.logo || "";
  form.elements.primaryColor.value = brand.primaryColor || "";
  form.elements.senderName.value = brand.senderName || "";
  $("organization-branding-domain").textContent = brand.domain ? ` ${t("js-organization-branding-at-domain", { domain: brand.domain })}` : "";
}

/** The active organization's teams, each with its members (add one of the organization's, remove). */
async function loadTeams(full) {
  const list = $("organization-teams");
  if (!list) return;
  list.textContent = "";
  const { data: teams, error } = await api(`/organization/list-teams?organizationId=${encodeURIComponent(full.id)}`);
  if (error) {
    list.append(emptyItem(errorText(error)));
    return;
  }
  if (!teams.length) list.append(emptyItem(t("js-organization-no-teams")));
  const emailOf = new Map(full.members.map((m) => [m.userId, m.user.email]));
  for (const team of teams) {
    // Only a team's own members may list it (as in Better Auth): others see that it exists.
    const { data: inTeam } = await api(`/organization/list-team-members?teamId=${encodeURIComponent(team.id)}`);
    const ids = (inTeam || []).map((tm) => tm.userId);
    const names = ids.map((id) => emailOf.get(id) || id);
    const meta = !inTeam
      ? t("js-organization-team-hidden")
      : names.length ? t("js-organization-team-members", { names: names.join(", ") }) : t("js-organization-team-no-members");
    const add = document.createElement("select");
    add.setAttribute("aria-label", t("js-organization-team-add-select-label", { team: team.name }));
    for (const m of full.members.filter((m) => !ids.includes(m.userId))) {
      const o = document.createElement("option");
      o.value = m.userId;
      o.textContent = m.user.email;
      add.append(o);
    }
    const buttons = [];
    if (add.options.length) {
      buttons.push(add, button(t("js-organization-add"), t("js-organization-team-add-label", { team: team.name }), () =>
        call("/organization/add-team-member", { teamId: team.id, userId: add.value },
          t("js-organization-team-joined", { email: emailOf.get(add.value), team: team.name }))));
    }
    buttons.push(button(t("js-organization-remove-team"), t("js-organization-remove-team-label", { team: team.name }), () =>
      window.confirm(t("js-organization-remove-team-confirm", { team: team.name })) &&
        call("/organization/remove-team", { teamId: team.id, organizationId: full.id },
          t("js-organization-team-removed", { team: team.name })), true));
    const li = item(team.name, meta, buttons);
    // Each member on a line of its own, with a short Remove (long addresses wrap).
    for (const id of ids) {
      const who = emailOf.get(id) || id;
      const line = document.createElement("p");
      line.className = "device-meta team-member";
      line.append(document.createTextNode(`${who} `), button(t("js-organization-remove"), t("js-organization-team-remove-member-label", { email: who, team: team.name }), () =>
        call("/organization/remove-team-member", { teamId: team.id, userId: id }, t("js-organization-team-left", { email: who, team: team.name }))));
      li.querySelector(".device-body").append(line);
    }
    list.append(li);
  }
}

async function loadMine() {
  const list = $("organization-mine");
  list.textContent = "";
  const { data, error } = await api("/organization/list-user-invitations");
  if (error) {
    list.append(emptyItem(error.code === "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION"
      ? t("js-organization-verify-to-see")
      : errorText(error)));
    return;
  }
  if (!data.length) list.append(emptyItem(t("js-organization-no-invitations")));
  for (const inv of data) {
    list.append(item(t("js-organization-invitation-as", { role: inv.role }), t("js-organization-invitation-expires", { date: dateTime(inv.expiresAt) }), [
      button(t("js-organization-accept"), t("js-organization-accept-label"), () =>
        call("/organization/accept-invitation", { invitationId: inv.id }, t("js-organization-joined"))),
      button(t("js-organization-decline"), t("js-organization-decline-label"), () =>
        call("/organization/reject-invitation", { invitationId: inv.id }, t("js-organization-declined"))),
    ]));
  }
}

async function load() {
  const list = $("organizations-list");
  const [{ data: orgs, error }, { data: session }] = await Promise.all([
    api("/organization/list"),
    api("/get-session"),
  ]);
  list.textContent = "";
  if (error || !session) {
    showError(error || { status: 401 });
    return;
  }
  const active = session.session.activeOrganizationId;
  if (!orgs.length) list.append(emptyItem(t("js-organization-none")));
  for (const org of orgs) {
    const isActive = org.id === active;
    const buttons = isActive ? [] : [button(t("js-organization-make-active"), t("js-organization-make-active-label", { organization: org.name }), () =>
      call("/organization/set-active", { organizationId: org.id }, t("js-organization-now-active", { organization: org.name })))];
    list.append(item(org.name, isActive ? t("js-organization-slug-active", { slug: org.slug }) : org.slug, buttons));
  }
  await Promise.all([loadActive(session), loadMine()]);
}

if (section) {
  const create = $("organization-create-form");
  wireForm(create, message);
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    if (!checkRequired(create, { name: t("js-organization-enter-name"), slug: t("js-organization-enter-slug") })) return;
    setBusy(create, true);
    const { error } = await api("/organization/create", {
      method: "POST",
      body: { name: create.elements.name.value.trim(), slug: create.elements.slug.value.trim().toLowerCase() },
    });
    setBusy(create, false);
    if (error) {
      showError(error, create, { ORGANIZATION_ALREADY_EXISTS: "slug" });
      return;
    }
    create.reset();
    await load();
    showMessage(message, t("js-organization-created"), "success");
  });
  const invite = $("organization-invite-form");
  const select = $("organization-invite-role");
  for (const r of roles.filter((r) => r !== "owner")) {
    const o = document.createElement("option");
    o.value = r;
    o.textContent = r;
    select.append(o);
  }
  wireForm(invite, message);
  invite.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    if (!checkRequired(invite, { email: t("js-organization-enter-invite-email") })) return;
    setBusy(invite, true);
    const email = invite.elements.email.value.trim();
    const { error } = await api("/organization/invite-member", { method: "POST", body: { email, role: select.value } });
    setBusy(invite, false);
    if (error) {
      showError(error, invite, { INVALID_EMAIL: "email", USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION: "email", USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION: "email", YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE: "role" });
      return;
    }
    invite.reset();
    await load();
    showMessage(message, t("js-organization-invitation-sent", { email }), "success");
  });
  const branding = $("organization-branding-form");
  wireForm(branding, message);
  branding.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    setBusy(branding, true);
    const value = (name) => branding.elements[name].value.trim() || null;
    const { error } = await api("/organization/update-branding", {
      method: "POST",
      body: {
        organizationId: branding.dataset.organizationId,
        logo: value("logo"),
        primaryColor: value("primaryColor"),
        senderName: value("senderName"),
      },
    });
    setBusy(branding, false);
    if (error) {
      showError(error, branding, { INVALID_LOGO_URL: "logo", INVALID_BRAND_COLOR: "primaryColor", INVALID_SENDER_NAME: "senderName" });
      return;
    }
    await load();
    showMessage(message, t("js-organization-branding-saved"), "success");
  });
  const teamForm = $("organization-team-form");
  if (teamForm) {
    wireForm(teamForm, message);
    teamForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearMessage(message);
      if (!checkRequired(teamForm, { name: t("js-organization-enter-team-name") })) return;
      setBusy(teamForm, true);
      const name = teamForm.elements.name.value.trim();
      const { error } = await api("/organization/create-team", { method: "POST", body: { name } });
      setBusy(teamForm, false);
      if (error) {
        showError(error, teamForm, { TEAM_ALREADY_EXISTS: "name" });
        return;
      }
      teamForm.reset();
      await load();
      showMessage(message, t("js-organization-team-created", { team: name }), "success");
    });
  }
  load();
}
