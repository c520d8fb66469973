// Account page: shows the guest notice when the signed-in user is anonymous, and names the
// account "Guest" instead of its placeholder address, which no mail reaches. The page's own
// script fills the address in when its session arrives, so the name is kept by watching it.
// The parts that act on that address (the Email section, setting a password for it) are
// hidden: a guest keeps the account by creating one, as the notice says.
import { sessionOnce } from "./api.js";
import { t } from "./i18n.js";

const notice = document.getElementById("guest-notice");
const summary = document.getElementById("summary-email");
const { session } = await sessionOnce();
if (notice && session && session.user && session.user.isAnonymous === true) {
  notice.hidden = false;
  for (const el of document.querySelectorAll('[data-section-link="email"], #email, #password-set')) {
    el.closest("li")?.setAttribute("hidden", "");
    el.setAttribute("hidden", "");
    el.dataset.withheld = "true";
  }
  // The Email section is out of the navigation: an address that names it shows Profile.
  if (window.location.hash === "#email") window.location.hash = "#profile";
  if (summary) {
    const placeholder = session.user.email;
    const rename = () => {
      if (summary.textContent === placeholder || summary.textContent === "") {
        summary.textContent = t("js-anonymous-guest");
      }
    };
    rename();
    new MutationObserver(rename).observe(summary, { childList: true, characterData: true, subtree: true });
  }
}
