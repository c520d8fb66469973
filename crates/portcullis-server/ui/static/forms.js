// Forms on every hosted page behave alike: the browser's own validation bubbles are off
// (forms carry `novalidate`), and every problem is shown in one style, inline at its field
// (`#<input id>-error`, linked by aria-describedby, a polite live region) or, when it belongs
// to no field, in the form's message. A message never outlives the next edit or submit.
import { api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { describePassword } from "./strength.js";
import { t } from "./i18n.js";

/** Shows `text` (and an optional `{href, text}` link) under `input` and marks it invalid. */
export function fieldError(input, text, link) {
  if (!input) return;
  const slot = document.getElementById(`${input.id}-error`);
  input.setAttribute("aria-invalid", "true");
  if (!slot) return;
  slot.textContent = text;
  if (link && link.href) {
    slot.append(" ");
    const a = document.createElement("a");
    a.href = link.href;
    a.textContent = link.text || link.href;
    slot.append(a);
  }
}

/**
 * A small button acting on one item of a list (a key, a passkey, a session). `text` is what it
 * shows; `label` is what a screen reader hears, so it names the item ("Revoke CI key"); `variant`
 * is "danger", "primary" or nothing. `onClick` gets the button, to disable it while it works.
 */
export function actionButton(text, label, onClick, variant) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = variant ? `button button--small button--${variant}` : "button button--small";
  button.textContent = text;
  button.setAttribute("aria-label", label);
  button.addEventListener("click", () => onClick(button));
  return button;
}

/** Clears one field's error. */
export function clearFieldError(input) {
  if (!input) return;
  input.removeAttribute("aria-invalid");
  const slot = document.getElementById(`${input.id}-error`);
  if (slot) slot.textContent = "";
}

/** Clears every field error of `form` and the message `message`. */
export function clearErrors(form, message) {
  if (form) for (const input of form.querySelectorAll("[aria-invalid]")) clearFieldError(input);
  clearMessage(message);
}

/**
 * The first problem with the form's required fields, shown at the field and focused: returns
 * false if there was one. `labels` maps a field name to what to ask for ("Enter your email").
 */
export function checkRequired(form, labels) {
  let first = null;
  for (const [name, ask] of Object.entries(labels)) {
    const input = form.elements.namedItem(name);
    if (!input || input.disabled) continue;
    const value = input.type === "password" ? input.value : input.value.trim();
    if (value === "") {
      fieldError(input, ask);
      first = first || input;
    } else if (input.type === "email" && !looksLikeEmail(value)) {
      fieldError(input, t("js-forms-email-invalid"));
      first = first || input;
    }
  }
  if (first) first.focus();
  return first === null;
}

export function looksLikeEmail(value) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

/**
 * Checks a new password against the server's rules (the input's data-min-length and
 * data-max-length) and, if `confirm` is given and filled, that the two match. Shows each
 * problem at its field; focuses the first unless `focus` is false (an earlier check already
 * did). Returns whether all was well. An empty field is left to `checkRequired`.
 */
export function checkNewPassword(password, confirm, focus = true) {
  const min = Number.parseInt(password.dataset.minLength || "", 10) || 8;
  const max = Number.parseInt(password.dataset.maxLength || "", 10) || 128;
  let first = null;
  if (password.value !== "" && password.value.length < min) {
    fieldError(password, t("js-forms-password-min", { min }));
    first = password;
  } else if (password.value.length > max) {
    fieldError(password, t("js-forms-password-max", { max }));
    first = password;
  }
  if (confirm && confirm.value !== "" && password.value !== confirm.value) {
    fieldError(confirm, t("js-forms-passwords-differ"));
    first = first || confirm;
  }
  if (first && focus) first.focus();
  return first === null;
}

/** Where the server's refusals of a new password go: at the field named `field`. */
export function newPasswordErrors(field) {
  return {
    PASSWORD_TOO_SHORT: field,
    PASSWORD_TOO_LONG: field,
    PASSWORD_COMPROMISED: { field, text: t("js-forms-password-breached") },
  };
}

/**
 * Shows a server error where it belongs: the codes in `fields` ({CODE: inputName or
 * {field, text, link}}) at their field, anything else in `message`.
 */
export function showServerError(form, message, error, fields = {}) {
  const target = fields[error && error.code];
  if (target) {
    const spec = typeof target === "string" ? { field: target } : target;
    const input = form.elements.namedItem(spec.field);
    if (input) {
      fieldError(input, spec.text || errorText(error), spec.link);
      input.focus();
      return;
    }
  }
  showMessage(message, errorText(error));
}

/**
 * Wires a form's live behaviour: editing a field clears its error, the form's message, and
 * (for a password) the confirmation's mismatch; submitting starts from a clean slate.
 */
export function wireForm(form, message) {
  if (!form) return;
  form.noValidate = true;
  form.addEventListener("input", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLElement)) return;
    clearFieldError(input);
    if (message && !message.classList.contains("message--keep")) clearMessage(message);
    const confirm = input.type === "password" && input.form ? input.form.querySelector("[data-confirms]") : null;
    if (confirm && confirm !== input) clearFieldError(confirm);
  });
  form.addEventListener("submit", () => clearErrors(form, message), { capture: true });
  initPasswordFields(form);
}

/** Show/hide toggles and strength meters inside `root`. */
export function initPasswordFields(root = document) {
  for (const button of root.querySelectorAll("[data-reveal]")) {
    if (button.dataset.wired) continue;
    button.dataset.wired = "true";
    const input = document.getElementById(button.getAttribute("aria-controls"));
    const label = button.querySelector("[data-reveal-label]");
    button.addEventListener("click", () => {
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      button.setAttribute("aria-pressed", show ? "true" : "false");
      if (label) label.textContent = show ? t("js-forms-hide") : t("js-forms-show");
    });
    // A form that is sent or reset hides the password again.
    if (input.form) {
      const hide = () => {
        input.type = "password";
        button.setAttribute("aria-pressed", "false");
        if (label) label.textContent = t("js-forms-show");
      };
      input.form.addEventListener("reset", hide);
      input.form.addEventListener("submit", hide);
    }
  }
  for (const input of root.querySelectorAll("input[data-strength]")) {
    if (input.dataset.wired) continue;
    input.dataset.wired = "true";
    const meter = document.getElementById(`${input.id}-strength`);
    if (!meter) continue;
    const text = meter.querySelector(".strength-text");
    let seq = 0;
    const update = async () => {
      const mine = ++seq;
      const others = [...(input.form ? input.form.querySelectorAll("input[name=email], input[name=name], input[name=username]") : [])]
        .map((i) => i.value)
        .filter(Boolean);
      const verdict = await describePassword(input.value, {
        min: Number.parseInt(input.dataset.minLength || "", 10) || 8,
        max: Number.parseInt(input.dataset.maxLength || "", 10) || 128,
        userInputs: others,
      });
      if (mine !== seq) return;
      meter.dataset.level = verdict.level;
      text.textContent = verdict.text;
    };
    input.addEventListener("input", update);
    if (input.form) input.form.addEventListener("reset", () => {
      seq += 1;
      meter.dataset.level = "none";
      text.textContent = "";
    });
  }
}

/**
 * Wires a one-field form that emails something (a reset link, a sign-in link): checks the
 * address, POSTs `body(email)` to `path`, then shows the server's error at the field or
 * `sent(email)`.
 */
export function emailRequestForm({ formId, messageId, path, body, sent }) {
  const form = document.getElementById(formId);
  const message = document.getElementById(messageId);
  if (!form) return;
  wireForm(form, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkRequired(form, { email: t("js-forms-enter-email") })) return;
    const email = form.elements.namedItem("email").value.trim();
    setBusy(form, true);
    const { error } = await api(path, { method: "POST", body: body(email) });
    setBusy(form, false);
    if (error) {
      showServerError(form, message, error, {
        INVALID_EMAIL: { field: "email", text: t("js-forms-email-invalid") },
      });
      return;
    }
    form.reset();
    showMessage(message, sent(email), "success");
  });
}

/**
 * An inline "New name" form inside a list item `li` (the account page's API keys and passkeys):
 * a labelled field with its error line, "Save name" and "Cancel" (back to `opener`). On submit
 * it checks the field, then awaits `save(name)`, which returns the server's error or null.
 * Opening it twice in one item does nothing.
 */
export function renameForm(li, { idPrefix, current, maxLength, message, emptyText, save, opener }) {
  if (li.querySelector("form")) return;
  const f = document.createElement("form");
  f.className = "form";
  f.noValidate = true;
  const id = `${idPrefix}-rename`;
  const field = document.createElement("div");
  field.className = "field";
  const lab = document.createElement("label");
  lab.htmlFor = id;
  lab.textContent = t("js-forms-new-name");
  const input = document.createElement("input");
  input.id = id;
  input.name = "name";
  input.required = true;
  input.maxLength = maxLength;
  input.value = current || "";
  input.setAttribute("aria-describedby", `${id}-error`);
  const err = document.createElement("p");
  err.id = `${id}-error`;
  err.className = "field-error";
  err.setAttribute("aria-live", "polite");
  field.append(lab, input, err);
  f.append(field, saveAndCancel(f, opener, { save: t("js-forms-save-name"), saving: t("js-forms-saving"), cancel: t("js-forms-cancel") }));
  wireForm(f, message);
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    if (!checkRequired(f, { name: emptyText })) return;
    setBusy(f, true);
    await save(input.value.trim(), f);
    setBusy(f, false);
  });
  (li.querySelector(".device-body") || li).append(f);
  input.focus();
}

/**
 * The "Save" and "Cancel" buttons of a small form opened in place (`save`, `saving` while busy,
 * `cancel`: their words). Cancel removes `form` and gives the focus back to `opener`, the button
 * that opened it. Returns their `.form-actions` row.
 */
export function saveAndCancel(form, opener, { save, saving, cancel }) {
  const buttons = document.createElement("div");
  buttons.className = "form-actions";
  const saveButton = document.createElement("button");
  saveButton.type = "submit";
  saveButton.className = "button button--primary button--small";
  saveButton.textContent = save;
  saveButton.dataset.busyLabel = saving;
  const cancelButton = document.createElement("button");
  cancelButton.type = "button";
  cancelButton.className = "button button--small";
  cancelButton.textContent = cancel;
  cancelButton.addEventListener("click", () => {
    form.remove();
    opener.focus();
  });
  buttons.append(saveButton, cancelButton);
  return buttons;
}
