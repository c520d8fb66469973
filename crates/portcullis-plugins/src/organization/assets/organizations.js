// Account page, "Organizations" section (organization plugin): the organizations the user
// belongs to (make one active), a create form, the active organization's members (change a
// role, remove), an invite form and its pending invitations (cancel), its teams when teams are
// on (create, add or remove a member, remove), and the invitations sent to this account
// (accept, decline). Text from the server always goes through textContent.
import { api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { checkRequired, showServerError, wireForm } from "./forms.js";

const $ = (id) => document.getElementById(id);
const section = $("organizations");
const message = $("organizations-message");
const roles = (section?.dataset.roles || "owner,admin,member").split(",").filter(Boolean);
const SIGN_IN_AGAIN = { href: "/sign-in?redirect=/account%23organizations", text: "Sign in again" };
const EXPLAIN = {
  ORGANIZATION_ALREADY_EXISTS: "That slug is taken. Choose another.",
  YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER: "The organization needs another owner first: make someone else an owner, then try again.",
  YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER: "The organization needs another owner first: make someone else an owner, then try again.",
  YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE: "Your role cannot give that role. Choose a role with no more rights than yours.",
  YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER: "Your role cannot make that change. Ask an owner.",
  YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER: "Your role cannot remove members. Ask an owner or an admin.",
  YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION: "Your role cannot invite people. Ask an owner or an admin.",
  USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION: "That address already has a pending invitation.",
  USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION: "That person is already a member.",
  TEAM_ALREADY_EXISTS: "A team with that name exists. Choose another name.",
  YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION: "Your role cannot create teams. Ask an owner or an admin.",
  YOU_ARE_NOT_ALLOWED_TO_DELETE_TEAMS_IN_THIS_ORGANIZATION: "Your role cannot remove teams. Ask an owner or an admin.",
  YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_TEAMS: "The organization has as many teams as it may. Remove one first.",
  UNABLE_TO_REMOVE_LAST_TEAM: "An organization keeps at least one team. Create another before removing this one.",
  TEAM_MEMBER_LIMIT_REACHED: "The team is full. Remove someone from it first.",
  YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_TEAM_MEMBER: "Your role cannot add people to teams. Ask an owner or an admin.",
  YOU_ARE_NOT_ALLOWED_TO_REMOVE_A_TEAM_MEMBER: "Your role cannot remove people from teams. Ask an owner or an admin.",
  INVALID_LOGO_URL: "Enter an https:// address, or a path on this server such as /logo.svg.",
  INVALID_BRAND_COLOR: "Enter a hex colour such as #4f46e5.",
  INVALID_SENDER_NAME: "Use up to 64 characters, without quotes, backslashes or angle brackets.",
  YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION: "Your role cannot change the organization. Ask an owner or an admin.",
};

function showError(error, form, fields) {
  if (error && error.status === 401 && !error.code?.startsWith("YOU_")) {
    showMessage(message, "Your session has ended. Sign in again to manage organizations.", "error", SIGN_IN_AGAIN);
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
  select.setAttribute("aria-label", `Role of ${member.user.email}`);
  for (const r of roles) {
    const o = document.createElement("option");
    o.value = r;
    o.textContent = r;
    o.selected = member.role.split(",").includes(r);
    select.append(o);
  }
  select.addEventListener("change", () =>
    call("/organization/update-member-role", { memberId: member.id, role: select.value }, `${member.user.email} is now ${select.value}.`),
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
      buttons.push(button("Leave", `Leave ${full.name}`, () =>
        window.confirm(`Leave ${full.name}?`) && call("/organization/leave", { organizationId: full.id }, `You left ${full.name}.`), true));
    } else {
      buttons.push(button("Remove", `Remove ${m.user.email}`, () =>
        window.confirm(`Remove ${m.user.email} from ${full.name}?`) &&
          call("/organization/remove-member", { memberIdOrEmail: m.id, organizationId: full.id }, `${m.user.email} was removed.`), true));
    }
    members.append(item(who, `Role: ${m.role}`, buttons));
  }
  const pending = $("organization-pending");
  pending.textContent = "";
  const open = full.invitations.filter((i) => i.status === "pending");
  if (open.length === 0) pending.append(emptyItem("No pending invitations."));
  for (const inv of open) {
    pending.append(item(inv.email, `Role: ${inv.role} · expires ${new Date(inv.expiresAt).toLocaleString()}`, [
      button("Cancel", `Cancel the invitation to ${inv.email}`, () =>
        call("/organization/cancel-invitation", { invitationId: inv.id }, `The invitation to ${inv.email} was cancelled.`), true),
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
  $("organization-branding-domain").textContent = brand.domain ? ` (at ${brand.domain})` : "";
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
  if (!teams.length) list.append(emptyItem("No teams yet. Create one below."));
  const emailOf = new Map(full.members.map((m) => [m.userId, m.user.email]));
  for (const team of teams) {
    // Only a team's own members may list it (as in Better Auth): others see that it exists.
    const { data: inTeam } = await api(`/organization/list-team-members?teamId=${encodeURIComponent(team.id)}`);
    const ids = (inTeam || []).map((tm) => tm.userId);
    const names = ids.map((id) => emailOf.get(id) || id);
    const meta = !inTeam ? "Only its members see who is in it." : names.length ? `Members: ${names.join(", ")}` : "No members yet";
    const add = document.createElement("select");
    add.setAttribute("aria-label", `Member to add to ${team.name}`);
    for (const m of full.members.filter((m) => !ids.includes(m.userId))) {
      const o = document.createElement("option");
      o.value = m.userId;
      o.textContent = m.user.email;
      add.append(o);
    }
    const buttons = [];
    if (add.options.length) {
      buttons.push(add, button("Add", `Add the chosen member to ${team.name}`, () =>
        call("/organization/add-team-member", { teamId: team.id, userId: add.value }, `${emailOf.get(add.value)} joined ${team.name}.`)));
    }
    buttons.push(button("Remove team", `Remove team ${team.name}`, () =>
      window.confirm(`Remove the team ${team.name}?`) &&
        call("/organization/remove-team", { teamId: team.id, organizationId: full.id }, `The team ${team.name} was removed.`), true));
    const li = item(team.name, meta, buttons);
    // Each member on a line of its own, with a short Remove (long addresses wrap).
    for (const id of ids) {
      const who = emailOf.get(id) || id;
      const line = document.createElement("p");
      line.className = "device-meta team-member";
      line.append(document.createTextNode(`${who} `), button("Remove", `Remove ${who} from ${team.name}`, () =>
        call("/organization/remove-team-member", { teamId: team.id, userId: id }, `${who} left ${team.name}.`)));
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
      ? "Verify your email address to see invitations sent to it."
      : errorText(error)));
    return;
  }
  if (!data.length) list.append(emptyItem("No invitations."));
  for (const inv of data) {
    list.append(item(`Invitation as ${inv.role}`, `Expires ${new Date(inv.expiresAt).toLocaleString()}`, [
      button("Accept", "Accept the invitation", () => call("/organization/accept-invitation", { invitationId: inv.id }, "You joined the organization.")),
      button("Decline", "Decline the invitation", () => call("/organization/reject-invitation", { invitationId: inv.id }, "You declined the invitation.")),
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
  if (!orgs.length) list.append(emptyItem("You belong to no organization yet. Create one below."));
  for (const org of orgs) {
    const isActive = org.id === active;
    const buttons = isActive ? [] : [button("Make active", `Make ${org.name} active`, () =>
      call("/organization/set-active", { organizationId: org.id }, `${org.name} is now active.`))];
    list.append(item(org.name, isActive ? `${org.slug} · active` : org.slug, buttons));
  }
  await Promise.all([loadActive(session), loadMine()]);
}

if (section) {
  const create = $("organization-create-form");
  wireForm(create, message);
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    if (!checkRequired(create, { name: "Enter the organization's name.", slug: "Enter a slug, such as acme-inc." })) return;
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
    showMessage(message, "The organization was created and is now active.", "success");
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
    if (!checkRequired(invite, { email: "Enter the address to invite." })) return;
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
    showMessage(message, `An invitation was sent to ${email}.`, "success");
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
    showMessage(message, "The branding was saved.", "success");
  });
  const teamForm = $("organization-team-form");
  if (teamForm) {
    wireForm(teamForm, message);
    teamForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearMessage(message);
      if (!checkRequired(teamForm, { name: "Enter the team's name." })) return;
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
      showMessage(message, `The team ${name} was created.`, "success");
    });
  }
  load();
}
