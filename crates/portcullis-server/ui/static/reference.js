// The API reference page (reference.html): the endpoint filter, the navigation that folds away
// on narrow screens, opening the operation a link points at, and "try it": each form sends its
// request with fetch from this page (same origin, so this browser's session cookie applies) and
// shows the answer. Everything the server sends back is shown with textContent, never as HTML.
(() => {
  "use strict";

  // The page's words come from /assets/i18n.js, a module this classic script loads; "try it"
  // waits for it (`words`) before it says anything.
  let t = (id) => id;
  const words = import("/assets/i18n.js").then(
    (i18n) => {
      t = i18n.t;
    },
    () => {},
  );

  const nav = document.getElementById("apiref-nav");
  const filter = document.getElementById("apiref-filter");
  const noMatch = document.getElementById("apiref-nomatch");
  // The width at which the stylesheet puts the navigation beside the operations.
  const wide = window.matchMedia("(min-width: 60rem)");

  function syncNav() {
    if (nav) nav.open = wide.matches;
  }
  syncNav();
  wide.addEventListener("change", syncNav);

  // --- filter ---------------------------------------------------------------------------------
  if (filter && nav) {
    filter.addEventListener("input", () => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      let any = false;
      for (const group of nav.querySelectorAll("[data-group]")) {
        let shown = 0;
        for (const item of group.querySelectorAll("li[data-filter]")) {
          const text = item.dataset.filter.toLowerCase();
          const match = words.every((w) => text.includes(w));
          item.hidden = !match;
          if (match) shown += 1;
        }
        group.hidden = shown === 0;
        if (shown > 0) any = true;
      }
      if (noMatch) noMatch.hidden = any;
    });
  }

  // --- opening operations ------------------------------------------------------------------
  /** Opens the operation (or shows the group) with this id; true when there was one. */
  function reveal(id, focus) {
    const target = id && document.getElementById(id);
    if (!target) return false;
    if (target.tagName === "DETAILS") target.open = true;
    target.scrollIntoView({ block: "start" });
    if (focus) {
      const summary = target.tagName === "DETAILS" ? target.querySelector("summary") : null;
      (summary || target).focus({ preventScroll: true });
    }
    return true;
  }

  function revealFromAddress() {
    if (location.hash.length > 1) {
      try {
        reveal(decodeURIComponent(location.hash.slice(1)), false);
      } catch {
        // A malformed fragment names nothing here.
      }
    }
  }
  window.addEventListener("hashchange", revealFromAddress);
  revealFromAddress();

  if (nav) {
    nav.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      if (!link) return;
      const id = link.hash.slice(1);
      if (!document.getElementById(id)) return;
      event.preventDefault();
      // On a phone the list folds away first, so the operation lands at the top of the screen.
      if (!wide.matches) nav.open = false;
      history.pushState(null, "", `#${id}`);
      reveal(id, true);
    });
  }

  // --- try it ------------------------------------------------------------------------------
  // Headers worth showing; Set-Cookie is never visible to scripts (the browser keeps the cookie).
  const SHOWN_HEADERS = [
    "content-type",
    "location",
    "set-auth-token",
    "cache-control",
    "retry-after",
    "x-retry-after",
    "x-request-id",
  ];

  function showStatus(form, text, isError) {
    const status = form.querySelector("[data-try-status]");
    status.textContent = text;
    status.classList.toggle("apiref-try-status--error", Boolean(isError));
  }

  /** The request's URL and init from the form, or an error message. */
  function buildRequest(form) {
    const method = form.dataset.method;
    let path = form.dataset.path;
    const query = new URLSearchParams();
    for (const input of form.querySelectorAll("input[data-in]")) {
      const value = input.value.trim();
      if (input.dataset.in === "path") {
        if (!value) {
          input.focus();
          return { error: t("js-reference-fill-path", { name: input.name }) };
        }
        path = path.replace(`{${input.name}}`, encodeURIComponent(value));
      } else if (input.dataset.in === "query" && value !== "") {
        query.append(input.name, value);
      }
    }
    const init = {
      method,
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json" },
    };
    const body = form.querySelector("textarea[name='body']");
    if (body && body.value.trim() !== "") {
      try {
        JSON.parse(body.value);
      } catch (err) {
        body.focus();
        return { error: t("js-reference-body-not-json", { error: err.message }) };
      }
      init.body = body.value;
      init.headers["Content-Type"] = "application/json";
    }
    const search = query.toString();
    return { url: search ? `${path}?${search}` : path, init };
  }

  function statusClass(code) {
    return `apiref-status--${String(code).charAt(0)}xx`;
  }

  async function renderAnswer(form, res, started) {
    const result = form.querySelector("[data-result]");
    const code = form.querySelector("[data-status-code]");
    const headers = form.querySelector("[data-headers]");
    const bodyOut = form.querySelector("[data-body] code");
    const ms = Math.round(performance.now() - started);
    headers.replaceChildren();
    code.className = "apiref-status";
    if (res.type === "opaqueredirect") {
      code.textContent = t("js-reference-redirect-status");
      code.classList.add(statusClass(3));
      bodyOut.textContent = t("js-reference-redirect-body");
      showStatus(form, t("js-reference-redirect-after", { ms }));
      result.hidden = false;
      return;
    }
    code.textContent = `${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
    code.classList.add(statusClass(res.status));
    for (const name of SHOWN_HEADERS) {
      const value = res.headers.get(name);
      if (value === null) continue;
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.textContent = value;
      headers.append(dt, dd);
    }
    const text = await res.text();
    let shown = text;
    if (text === "") {
      shown = t("js-reference-empty-body");
    } else if ((res.headers.get("content-type") || "").includes("json")) {
      try {
        shown = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // Not JSON after all: shown as it came.
      }
    }
    bodyOut.textContent = shown;
    result.hidden = false;
    showStatus(form, t("js-reference-answered", { status: res.status, ms }));
  }

  for (const form of document.querySelectorAll("form.apiref-try")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await words;
      const request = buildRequest(form);
      if (request.error) {
        showStatus(form, request.error, true);
        return;
      }
      const button = form.querySelector("button[type='submit']");
      button.disabled = true;
      showStatus(form, t("js-reference-sending"));
      const started = performance.now();
      try {
        const res = await fetch(request.url, request.init);
        await renderAnswer(form, res, started);
      } catch (err) {
        showStatus(form, t("js-reference-request-failed", { error: err.message }), true);
      } finally {
        button.disabled = false;
      }
    });
    form.addEventListener("reset", () => {
      showStatus(form, "");
      form.querySelector("[data-result]").hidden = true;
    });
  }
})();
