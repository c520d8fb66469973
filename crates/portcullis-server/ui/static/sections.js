// Sectioned pages (the account area, the admin console): one `[data-section]` at a time,
// chosen by the address (#<id>) and the side navigation's `[data-section-link]`s.

// A part a plugin withheld (`data-withheld`, e.g. the Email section for a guest, whose address
// is a placeholder) stays hidden whatever this script decides.
export const withheld = (el) => el.dataset.withheld === "true";

const sections = () => [...document.querySelectorAll("[data-section]")].filter((s) => !withheld(s));

/** The section the address names (before any "/"), else the first; `null` when none. */
export function showSection() {
  const all = sections();
  const wanted = window.location.hash.slice(1).split("/")[0];
  const section = all.find((s) => s.id === wanted) || all[0];
  if (!section) return null;
  for (const s of all) s.hidden = s !== section;
  for (const link of document.querySelectorAll("[data-section-link]")) {
    if (link.dataset.sectionLink === section.id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  return section;
}

/** Shows the section the address names, and follows the address as it changes. */
export function initSections() {
  window.addEventListener("hashchange", () => {
    const section = showSection();
    // Keyboard and screen-reader users land on the section they chose.
    const heading = section && section.querySelector("h2");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  });
  showSection();
}
