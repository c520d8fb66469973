// The organization plugin with the official client's `organizationClient`, unchanged: create an
// organization, invite by e-mail, accept by the invitee from the message received over SMTP,
// set-active, has-permission, member roles and leave; and the refusals, each with Better Auth's
// code: a member acting above its role, a user of another organization, a cancelled invitation,
// an invitation accepted by another address, the last owner leaving, a duplicate slug.
//
// The plugin is optional (Portcullis: ENABLE_ORGANIZATIONS=true; the reference has it). A server
// without it answers 404 on /organization/create and these tests are skipped, unless
// EXPECT_ORGANIZATIONS=1, which makes that a failure. Against the reference, the invitation is
// read from its outbox (OUTBOX) instead of the SMTP sink (MAIL_SINK_DIR).
//
// Env: AUTH_BASE_URL (required), MAIL_SINK_DIR or OUTBOX, EXPECT_ORGANIZATIONS=1.

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { organizationClient } from "better-auth/client/plugins";
import { device } from "./lib/device.mjs";

const REQUIRED = process.env.EXPECT_ORGANIZATIONS === "1";
const SINK = process.env.MAIL_SINK_DIR || "";
const OUTBOX = process.env.OUTBOX || "";
const RUN = randomUUID().replace(/-/g, "");
const PASSWORD = `Pw-${RUN.slice(0, 10)}-org`;
const uniqueEmail = (label) => `${label}-${randomUUID().slice(0, 10)}@example.com`;

async function person(label) {
  const dev = device({ plugins: [organizationClient()] });
  const email = uniqueEmail(label);
  const { data, error } = await dev.client.signUp.email({ name: `Org ${label}`, email, password: PASSWORD });
  assert.equal(error, null, JSON.stringify(error));
  return { dev, org: dev.client.organization, email, user: data.user };
}

async function createOrSkip(t, who, slug) {
  const res = await who.org.create({ name: `Org ${slug}`, slug });
  if (res.error && res.error.status === 404 && !REQUIRED) {
    t.skip("the server has no organization plugin (Portcullis: ENABLE_ORGANIZATIONS=true)");
    return null;
  }
  assert.equal(res.error, null, JSON.stringify(res.error));
  return res.data;
}

/** The invitation id from the message that reached `to`: the SMTP sink's, or the reference's outbox. */
async function invitationIdFor(to) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (SINK) {
      for (const name of (await readdir(SINK)).sort().reverse()) {
        if (!name.endsWith(".json") || name.startsWith(".")) continue;
        const m = JSON.parse(await readFile(`${SINK}/${name}`, "utf8"));
        if (m.to.toLowerCase() !== to.toLowerCase()) continue;
        const link = m.text.match(/https?:\/\/[^\s<>")]+\/organization\/invitation\?id=([A-Za-z0-9]+)/);
        if (link) return link[1];
      }
    } else if (OUTBOX) {
      const lines = (await readFile(OUTBOX, "utf8").catch(() => "")).trim().split("\n").reverse();
      for (const line of lines) {
        if (!line) continue;
        const m = JSON.parse(line);
        if (m.kind === "invitation" && m.email === to.toLowerCase()) return m.id;
      }
    } else {
      throw new Error("MAIL_SINK_DIR (Portcullis) or OUTBOX (reference) is required");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no invitation to ${to} within 15 s`);
}

const slug = (label) => `${label}-${RUN.slice(0, 12)}`;

test("create, invite, accept from the e-mail, set-active, has-permission, roles and leave", async (t) => {
  const owner = await person("owner");
  const org = await createOrSkip(t, owner, slug("main"));
  if (!org) return;
  assert.equal(org.members[0].role, "owner");
  assert.ok(org.createdAt instanceof Date, "the client revives dates");

  const dup = await owner.org.create({ name: "Again", slug: slug("main") });
  assert.equal(dup.error?.status, 400);
  assert.equal(dup.error?.code, "ORGANIZATION_ALREADY_EXISTS");
  const taken = await owner.org.checkSlug({ slug: slug("main") });
  assert.equal(taken.error?.code, "ORGANIZATION_SLUG_ALREADY_TAKEN");

  const invitee = await person("invitee");
  const invited = await owner.org.inviteMember({ email: invitee.email, role: "member" });
  assert.equal(invited.error, null, JSON.stringify(invited.error));
  assert.equal(invited.data.status, "pending");
  const id = await invitationIdFor(invitee.email);
  assert.equal(id, invited.data.id);

  const seen = await invitee.org.getInvitation({ query: { id } });
  assert.equal(seen.error, null, JSON.stringify(seen.error));
  assert.equal(seen.data.organizationName, `Org ${slug("main")}`);
  const accepted = await invitee.org.acceptInvitation({ invitationId: id });
  assert.equal(accepted.error, null, JSON.stringify(accepted.error));
  assert.equal(accepted.data.member.role, "member");

  const active = await invitee.org.setActive({ organizationId: org.id });
  assert.equal(active.error, null, JSON.stringify(active.error));
  assert.equal(active.data.id, org.id);
  const session = await invitee.dev.client.getSession();
  assert.equal(session.data.session.activeOrganizationId, org.id);

  const can = await invitee.org.hasPermission({ permissions: { member: ["create"] } });
  assert.deepEqual(can.data, { error: null, success: false });
  const canRead = await invitee.org.hasPermission({ permissions: { ac: ["read"] } });
  assert.equal(canRead.data.success, true);
  // Above its role.
  const refused = await invitee.org.inviteMember({ email: uniqueEmail("x"), role: "member" });
  assert.equal(refused.error?.status, 403);
  assert.equal(refused.error?.code, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION");

  const members = await owner.org.listMembers({ query: { organizationId: org.id } });
  assert.equal(members.data.total, 2);
  const theirs = members.data.members.find((m) => m.userId === invitee.user.id);
  const promoted = await owner.org.updateMemberRole({ memberId: theirs.id, role: "admin" });
  assert.equal(promoted.error, null, JSON.stringify(promoted.error));
  const canNow = await invitee.org.hasPermission({ permissions: { member: ["create"] } });
  assert.equal(canNow.data.success, true, "the role change is seen at once");

  const ownerLeaves = await owner.org.leave({ organizationId: org.id });
  assert.equal(ownerLeaves.error?.code, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER");
  const left = await invitee.org.leave({ organizationId: org.id });
  assert.equal(left.error, null, JSON.stringify(left.error));
  const after = await invitee.org.hasPermission({ permissions: { ac: ["read"] }, organizationId: org.id });
  assert.equal(after.error?.code, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION");
});

test("cancelled invitations, another address and another organization are refused", async (t) => {
  const owner = await person("boss");
  const org = await createOrSkip(t, owner, slug("guarded"));
  if (!org) return;
  const target = await person("target");
  const inv = await owner.org.inviteMember({ email: target.email, role: "member" });
  assert.equal(inv.error, null, JSON.stringify(inv.error));

  const stranger = await person("stranger");
  const wrong = await stranger.org.acceptInvitation({ invitationId: inv.data.id });
  assert.equal(wrong.error?.status, 403);
  assert.equal(wrong.error?.code, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION");

  const other = await stranger.org.create({ name: "Other", slug: slug("other") });
  assert.equal(other.error, null, JSON.stringify(other.error));
  const idor = await stranger.org.update({ organizationId: org.id, data: { name: "pwned" } });
  assert.equal(idor.error?.code, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION");
  const full = await stranger.org.getFullOrganization({ query: { organizationId: org.id } });
  assert.equal(full.error?.status, 403);
  const cancelByStranger = await stranger.org.cancelInvitation({ invitationId: inv.data.id });
  assert.equal(cancelByStranger.error?.code, "MEMBER_NOT_FOUND");
  // Another organization's owner, through the stranger's own organization: refused before the
  // organizations are compared, as Better Auth orders its checks.
  const removeOwner = await stranger.org.removeMember({ memberIdOrEmail: org.members[0].id, organizationId: other.data.id });
  assert.equal(removeOwner.error?.code, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER");
  const removeByEmail = await stranger.org.removeMember({ memberIdOrEmail: owner.email, organizationId: other.data.id });
  assert.equal(removeByEmail.error?.code, "MEMBER_NOT_FOUND");

  const cancelled = await owner.org.cancelInvitation({ invitationId: inv.data.id });
  assert.equal(cancelled.error, null, JSON.stringify(cancelled.error));
  assert.equal(cancelled.data.status, "canceled");
  const late = await target.org.acceptInvitation({ invitationId: inv.data.id });
  assert.equal(late.error?.status, 400);
  assert.equal(late.error?.code, "INVITATION_NOT_FOUND");
  const list = await owner.org.list();
  assert.deepEqual(list.data.map((o) => o.id), [org.id]);
});
