// The page shell on every hosted page: the header shows what a signed-in visitor can do
// (their account, sign out) instead of "Sign in / Create account". Both sets stay hidden until
// the session is known, so neither flashes.
import { api, sessionOnce } from "./api.js";
import { t } from "./i18n.js";

const nav = document.querySelector(".site-nav");

async function start() {
  const { session } = await sessionOnce();
  const state = session ? "user" : "guest";
  document.documentElement.dataset.session = state;
  if (!nav) return;
  for (const item of nav.querySelectorAll("[data-nav]")) item.hidden = item.dataset.nav !== state;
  nav.dataset.session = state;
  const who = nav.querySelector("[data-nav-who]");
  if (who && session) who.textContent = session.user.name || session.user.email || t("js-shell-your-account");
  const signOut = nav.querySelector("[data-sign-out]");
  if (signOut) {
    signOut.addEventListener("click", async () => {
      signOut.disabled = true;
      const { error } = await api("/sign-out", { method: "POST", body: {} });
      if (error) {
        signOut.disabled = false;
        return;
      }
      window.location.assign("/");
    });
  }
}

start();
