// "Last used": the way into this account this browser used last, as Better Auth's
// lastLoginMethod plugin records it in a cookie the page can read (its value is a method id:
// email, username, magic-link, email-otp, a social provider's id, …). Each way in on the
// sign-in page carries data-login-method (several ids, space-separated); the one that matches
// gets a badge. The order of the methods never changes, so nothing moves under the reader.
// The cookie's name comes from the page (the plugin's `last_login_method_cookie` global); a page
// without it has no such plugin, and marks nothing.
import { t } from "./i18n.js";

export const LAST_LOGIN_COOKIE = document.documentElement.dataset.lastLoginCookie || "";

export function lastLoginMethod() {
  if (!LAST_LOGIN_COOKIE) return "";
  for (const part of document.cookie.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === LAST_LOGIN_COOKIE || name === `__Secure-${LAST_LOGIN_COOKIE}`) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return "";
      }
    }
  }
  return "";
}

export function markLastLoginMethod(root = document) {
  const method = lastLoginMethod();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(method)) return;
  const target = [...root.querySelectorAll("[data-login-method]")].find((el) =>
    el.dataset.loginMethod.split(/\s+/).includes(method),
  );
  if (!target) return;
  const badge = document.createElement("span");
  badge.className = "badge badge--primary last-used";
  badge.textContent = t("js-last-method-last-used");
  target.classList.add("is-last-used");
  target.prepend(badge);
}
