// Admin console, "Organizations" (organization plugin, with the admin plugin): search
// (GET /admin/console/organizations, a page at a time), an organization's detail
// (GET /admin/console/organizations/detail), its branding (POST
// /admin/console/organizations/update-branding) with a preview frame that follows the form
// (the admin plugin's GET /admin/console/branding/preview, as the Branding section does), its
// domain (POST /organization/set-domain) and deletion (POST /admin/console/organizations/delete),
// confirmed first. Server text goes through textContent.
import { BASE_PATH, api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { actionButton, showServerError, wireForm } from "./forms.js";
import { absoluteTime, factsList, listItem } from "./devices.js";
import { pagedList } from "./paged-list.js";
import { number, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const searchForm = $("org-console-search-form");
const list = $("org-console-list");
const more = $("org-console-more");
const listMessage = $("org-console-message");
const detail = $("org-console-detail");
const message = $("org-console-detail-message");
const brandingForm = $("org-console-branding-form");
const domainForm = $("org-console-domain-form");
const brandingMessage = $("org-console-branding-message");
const colorText = $("org-console-color");
const colorPicker = $("org-console-color-picker");
const frame = $("org-console-preview");
const pageChoice = $("org-console-preview-page");

let shown = null; // the organization whose detail is open
let opener = null; // the button that opened it, to return focus to

const simpleItem = (text, pairs) => listItem(text, pairs).li;

function fillList(ul, items, empty) {
  ul.textContent = "";
  if (items.length === 0) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = empty;
    ul.append(li);
  }
  for (const item of items) ul.append(item);
}

/** "Showing 100 of 250." when a list holds fewer than there are; nothing otherwise. */
function showCount(id, shownCount, total) {
  $(id).textContent = typeof total === "number" && total > shownCount ? t("js-organization-console-showing", { shown: number(shownCount), total: number(total) }) : "";
}

function organizationItem(o) {
  const { li } = listItem(o.name, [
    [t("js-organization-console-slug"), o.slug],
    [t("js-organization-console-members"), number(o.members)],
    [t("js-organization-console-domain"), o.domain || t("js-organization-console-no-domain")],
    [t("js-organization-console-created"), absoluteTime(o.createdAt)],
  ]);
  li.append(actionButton(t("js-organization-console-open"), t("js-organization-console-open-label", { organization: o.name }), (button) => openOrganization(o.id, button), "primary"));
  return li;
}

/** The colour typed, as the picker shows it: `#rrggbb`, or null when it is not one. */
function pickerValue(text) {
  const v = text.trim().toLowerCase();
  if (/^#[0-9a-f]{6}$/.test(v)) return v;
  if (/^#[0-9a-f]{3}$/.test(v)) return `#${v[1]}${v[1]}${v[2]}${v[2]}${v[3]}${v[3]}`;
  return null;
}

/** The branding form's values by their JSON key, trimmed; empty ones are "". */
function brandingValues() {
  const value = (name) => brandingForm.elements.namedItem(name).value.trim();
  return { logo: value("logo"), primaryColor: value("primaryColor").toLowerCase(), senderName: value("senderName") };
}

/** The preview of the sign-in page or an e-mail, as the organization's brand would make it. */
function showPreview() {
  if (!shown) return;
  const v = brandingValues();
  const query = new URLSearchParams({ page: pageChoice.value, name: shown.name });
  if (v.logo) query.set("logoUrl", v.logo);
  if (v.primaryColor) query.set("primaryColor", v.primaryColor);
  if (v.senderName) query.set("senderName", v.senderName);
  frame.src = `${BASE_PATH}/admin/console/branding/preview?${query}`;
}

let timer = null;
function previewSoon() {
  clearTimeout(timer);
  timer = setTimeout(showPreview, 400);
}

function fillBranding(branding) {
  brandingForm.elements.namedItem("logo").value = branding.logo || "";
  colorText.value = branding.primaryColor || "";
  const picked = pickerValue(colorText.value);
  if (picked) colorPicker.value = picked;
  brandingForm.elements.namedItem("senderName").value = branding.senderName || "";
  domainForm.elements.namedItem("domain").value = branding.domain || "";
}

function fillDetail(data) {
  const o = data.organization;
  shown = o;
  $("org-console-detail-title").textContent = o.name;
  const facts = $("org-console-facts");
  facts.textContent = "";
  facts.append(
    factsList([
      [t("js-organization-console-id"), o.id],
      [t("js-organization-console-slug"), o.slug],
      [t("js-organization-console-created"), absoluteTime(o.createdAt)],
      [t("js-organization-console-members"), number(o.members)],
      [t("js-organization-console-domain"), o.domain || t("js-organization-console-no-domain")],
    ]),
  );
  const members = Array.isArray(data.members) ? data.members : [];
  fillList(
    $("org-console-members"),
    members.map((m) =>
      simpleItem(m.email || m.userId, [
        [t("js-organization-console-member-name"), m.name || t("js-organization-console-not-given")],
        [t("js-organization-console-role"), m.role],
        [t("js-organization-console-joined"), absoluteTime(m.createdAt)],
      ]),
    ),
    t("js-organization-console-no-members"),
  );
  showCount("org-console-members-count", members.length, o.members);
  const teams = data.teams;
  $("org-console-teams-part").hidden = !Array.isArray(teams);
  if (Array.isArray(teams)) {
    fillList(
      $("org-console-teams"),
      teams.map((team) =>
        simpleItem(team.name, [
          [t("js-organization-console-members"), typeof team.members === "number" ? number(team.members) : t("js-organization-console-not-given")],
          [t("js-organization-console-created"), absoluteTime(team.createdAt)],
        ]),
      ),
      t("js-organization-console-no-teams"),
    );
    showCount("org-console-teams-count", teams.length, data.teamCount);
  }
  const invitations = Array.isArray(data.invitations) ? data.invitations : [];
  fillList(
    $("org-console-invitations"),
    invitations.map((i) =>
      simpleItem(i.email, [
        [t("js-organization-console-role"), i.role || "member"],
        [t("js-organization-console-expires"), absoluteTime(i.expiresAt)],
      ]),
    ),
    t("js-organization-console-no-invitations"),
  );
  showCount("org-console-invitations-count", invitations.length, data.invitationCount);
  fillBranding(data.branding || {});
  showPreview();
}

/** Fills the detail with the organization as the server has it now; false if it could not be read. */
async function loadOrganization(id) {
  const { data, error } = await api("/admin/console/organizations/detail", { query: { id } });
  if (error) {
    showMessage(detail.hidden ? listMessage : message, errorText(error));
    return false;
  }
  fillDetail(data);
  return true;
}

/** Opens an organization's detail and moves focus to it. */
async function openOrganization(id, button) {
  opener = button || opener;
  clearMessage(message);
  clearMessage(brandingMessage);
  if (await loadOrganization(id)) {
    detail.hidden = false;
    detail.focus();
  }
}

function closeDetail() {
  detail.hidden = true;
  shown = null;
  frame.removeAttribute("src");
  if (opener && opener.isConnected) opener.focus();
  else $("org-console-search").focus();
}

let reload = () => {};

function wireDetail() {
  wireForm(brandingForm, brandingMessage);
  brandingForm.addEventListener("input", previewSoon);
  pageChoice.addEventListener("change", showPreview);
  // The picker and the text say the same colour; the text may also be #rgb or #rrggbbaa.
  colorPicker.addEventListener("input", () => {
    colorText.value = colorPicker.value;
  });
  colorText.addEventListener("input", () => {
    const picked = pickerValue(colorText.value);
    if (picked) colorPicker.value = picked;
  });
  brandingForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!shown) return;
    const v = brandingValues();
    setBusy(brandingForm, true);
    const { data, error } = await api("/admin/console/organizations/update-branding", {
      method: "POST",
      body: { organizationId: shown.id, logo: v.logo || null, primaryColor: v.primaryColor || null, senderName: v.senderName || null },
    });
    setBusy(brandingForm, false);
    if (error) {
      showServerError(brandingForm, brandingMessage, error, {
        INVALID_LOGO_URL: "logo",
        INVALID_BRAND_COLOR: "primaryColor",
        INVALID_SENDER_NAME: "senderName",
      });
      return;
    }
    fillBranding(data);
    showPreview();
    showMessage(brandingMessage, t("js-organization-console-branding-saved", { organization: shown.name }), "success");
  });

  wireForm(domainForm, brandingMessage);
  domainForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!shown) return;
    const domain = domainForm.elements.namedItem("domain").value.trim();
    setBusy(domainForm, true);
    const { data, error } = await api("/organization/set-domain", {
      method: "POST",
      body: { organizationId: shown.id, domain: domain || null },
    });
    setBusy(domainForm, false);
    if (error) {
      showServerError(domainForm, brandingMessage, error, {
        INVALID_ORGANIZATION_DOMAIN: "domain",
        ORGANIZATION_DOMAIN_ALREADY_TAKEN: "domain",
      });
      return;
    }
    domainForm.elements.namedItem("domain").value = data.domain || "";
    showMessage(
      brandingMessage,
      data.domain ? t("js-organization-console-domain-saved", { organization: shown.name, domain: data.domain }) : t("js-organization-console-domain-cleared", { organization: shown.name }),
      "success",
    );
  });

  const remove = $("org-console-delete");
  if (remove) {
    remove.addEventListener("click", async () => {
      if (!shown) return;
      const organization = shown.name;
      if (!window.confirm(t("js-organization-console-delete-confirm", { organization }))) return;
      remove.disabled = true;
      const { error } = await api("/admin/console/organizations/delete", { method: "POST", body: { organizationId: shown.id } });
      remove.disabled = false;
      if (error) {
        showMessage(message, errorText(error));
        return;
      }
      closeDetail();
      showMessage(listMessage, t("js-organization-console-deleted", { organization }), "success");
      reload();
    });
  }
  $("org-console-close").addEventListener("click", closeDetail);
}

if (searchForm && list) {
  reload = pagedList({
    list,
    more,
    message: listMessage,
    path: "/admin/console/organizations",
    key: "organizations",
    query: () => ({ q: $("org-console-search").value.trim() || undefined, limit: "25" }),
    item: organizationItem,
    empty: t("js-organization-console-empty"),
  });
  searchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(listMessage);
    setBusy(searchForm, true);
    await reload();
    setBusy(searchForm, false);
  });
  wireDetail();
  reload();
}
