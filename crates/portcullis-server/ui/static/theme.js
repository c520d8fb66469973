// The theme: the system's unless the visitor picked Light or Dark with the footer's switch,
// remembered in this browser (localStorage). Loaded in <head>, before the page is drawn, so a
// picked theme never flashes the other one. The stylesheet's colours are light-dark() pairs;
// `data-theme` on <html> sets color-scheme, which chooses between them.
const KEY = "portcullis.theme";
const CHOICES = ["light", "dark"];

function stored() {
  try {
    const v = window.localStorage.getItem(KEY);
    return CHOICES.includes(v) ? v : "";
  } catch {
    // Storage off (private mode, a policy): follow the system.
    return "";
  }
}

function apply(choice) {
  if (choice) document.documentElement.dataset.theme = choice;
  else delete document.documentElement.dataset.theme;
}

apply(stored());

document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("theme-choice");
  if (!select) return;
  select.value = stored();
  select.addEventListener("change", () => {
    const choice = CHOICES.includes(select.value) ? select.value : "";
    try {
      if (choice) window.localStorage.setItem(KEY, choice);
      else window.localStorage.removeItem(KEY);
    } catch {
      // Not remembered, but still applied to this page.
    }
    apply(choice);
  });
});
