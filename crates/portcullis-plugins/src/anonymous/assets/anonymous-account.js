// Account page: shows the guest notice when the signed-in user is anonymous, and shows
// "Guest" instead of the placeholder address nobody can read mail at.
import { getSession } from "./api.js";

const notice = document.getElementById("guest-notice");
const { session } = await getSession();
if (notice && session && session.user && session.user.isAnonymous === true) {
  notice.hidden = false;
  const email = document.getElementById("summary-email");
  if (email) email.textContent = "Guest";
}
