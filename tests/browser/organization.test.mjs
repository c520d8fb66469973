// The organization plugin's hosted parts (the browser suite's server runs with
// ENABLE_ORGANIZATIONS=true): the account page's "Organizations" section creates an
// organization, invites someone (the e-mail reaches the outbox), and the invitee follows the
// link to the landing page, signs in through it and accepts; the owner then changes the new
// member's role, puts them in a new team and takes them out (with ORGANIZATION_TEAMS), and
// removes them. Every page passes the shared page checks.

import { test } from "node:test";
import assert from "node:assert/strict";
import { browserForFile, freshEmail, newestLink, signUpByApi } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

test("organizations: create, invite by e-mail, accept on the landing page, change a role, remove", { timeout: 180_000 }, async (t) => {
  await context.clearCookies();
  const owner = freshEmail("org-owner");
  const invitee = freshEmail("org-invitee");
  const password = "organization password 1";
  await signUpByApi(page, { email: owner, password });
  await page.goto("/account#organizations");
  const section = page.locator("#organizations");
  if ((await section.count()) === 0) {
    assert.notEqual(process.env.EXPECT_ORGANIZATIONS, "1", "the Organizations section is there");
    t.skip("the server has no organization plugin (ENABLE_ORGANIZATIONS=true)");
    return;
  }
  await section.getByText("You belong to no organization yet.", { exact: false }).waitFor();

  // Without a name, the form says what to do at the field.
  await section.getByRole("button", { name: "Create organization" }).click();
  await page.locator("#organization-name-error").getByText("Enter the organization's name").waitFor();
  await section.getByLabel("Organization name", { exact: true }).fill("Rocket Labs");
  await section.getByLabel("Slug", { exact: true }).fill(`rocket-${Date.now()}`);
  await section.getByRole("button", { name: "Create organization" }).click();
  await section.getByText("The organization was created and is now active.").waitFor();
  await section.locator("#organization-active-name").getByText("Rocket Labs").waitFor();
  await checkPage(page, "account-organizations");

  await section.getByLabel("Email to invite", { exact: true }).fill(invitee);
  await section.locator("#organization-invite-role").selectOption("member");
  await section.getByRole("button", { name: "Send invitation" }).click();
  await section.getByText(`An invitation was sent to ${invitee}.`).waitFor();
  await section.locator("#organization-pending").getByText(invitee).waitFor();

  // The invitee opens the link signed out, signs up through the page, comes back and accepts.
  const link = await newestLink(page, "organization-invitation", invitee);
  assert.match(link, /\/organization\/invitation\?id=[A-Za-z0-9]+$/);
  const landing = new URL(link).pathname + new URL(link).search;
  await context.clearCookies();
  await page.goto(landing);
  await page.locator("#invitation-signed-out").waitFor();
  await checkPage(page, "organization-invitation-signed-out");
  await signUpByApi(page, { email: invitee, password });
  await page.goto(landing);
  await page.getByText(`${owner} invited ${invitee} to join Rocket Labs as member.`).waitFor();
  await checkPage(page, "organization-invitation");
  await page.getByRole("button", { name: "Accept and join" }).click();
  await page.getByText("You have joined the organization.").waitFor();
  const session = await (await page.request.get("/api/auth/get-session")).json();
  assert.ok(session.session.activeOrganizationId, "the organization is active");

  // Answered once only: the page says what happened and what to do.
  await page.goto(landing);
  await page.getByText("already been answered", { exact: false }).waitFor();

  // Back as the owner: change the member's role, then remove them.
  await context.clearCookies();
  const res = await page.request.post("/api/auth/sign-in/email", {
    data: { email: owner, password },
    headers: { Origin: new URL(page.url()).origin },
  });
  assert.equal(res.status(), 200);
  await page.goto("/account#organizations");
  // A new session has no active organization: the switcher makes one active.
  await section.getByRole("button", { name: "Make Rocket Labs active" }).click();
  await section.getByText("Rocket Labs is now active.").waitFor();
  const members = section.locator("#organization-members");
  await members.getByText(invitee, { exact: false }).waitFor();
  await members.getByLabel(`Role of ${invitee}`).selectOption("admin");
  await section.getByText(`${invitee} is now admin.`).waitFor();

  // Teams (ORGANIZATION_TEAMS): create one, put the new member in it, take them out again.
  const teams = section.locator("#organization-teams");
  if ((await teams.count()) === 0) {
    assert.notEqual(process.env.EXPECT_ORGANIZATION_TEAMS, "1", "the Teams list is there");
  } else {
    await section.getByRole("button", { name: "Create team" }).click();
    await page.locator("#organization-team-name-error").getByText("Enter the team's name").waitFor();
    await section.getByLabel("Team name", { exact: true }).fill("Launch crew");
    await section.getByRole("button", { name: "Create team" }).click();
    await section.getByText("The team Launch crew was created.").waitFor();
    // Only a team's members see who is in it: the owner joins first, then adds the member.
    await teams.getByText("Only its members see who is in it.").first().waitFor();
    await teams.getByLabel("Member to add to Launch crew").selectOption({ label: owner });
    await teams.getByRole("button", { name: "Add the chosen member to Launch crew" }).click();
    await section.getByText(`${owner} joined Launch crew.`).waitFor();
    await teams.getByLabel("Member to add to Launch crew").selectOption({ label: invitee });
    await teams.getByRole("button", { name: "Add the chosen member to Launch crew" }).click();
    await section.getByText(`${invitee} joined Launch crew.`).waitFor();
    await teams.getByText(`Members: ${owner}, ${invitee}`, { exact: false }).waitFor();
    await checkPage(page, "account-organization-teams");
    await teams.getByRole("button", { name: `Remove ${invitee} from Launch crew` }).click();
    await section.getByText(`${invitee} left Launch crew.`).waitFor();
  }
  page.once("dialog", (dialog) => dialog.accept());
  await members.getByRole("button", { name: `Remove ${invitee}` }).click();
  await section.getByText(`${invitee} was removed.`).waitFor();
  assert.equal(await members.getByText(invitee, { exact: false }).count(), 0);
  assert.deepEqual(problems, []);
});
