// Landing page: the signed-in visitor is offered their account, not sign-up.
import { sessionOnce } from "./api.js";

async function start() {
  const { session } = await sessionOnce();
  const state = session ? "user" : "guest";
  for (const el of document.querySelectorAll("[data-when]")) el.hidden = el.dataset.when !== state;
  const who = document.getElementById("home-who");
  if (who && session) who.textContent = session.user.email || session.user.name || "";
}

start();
