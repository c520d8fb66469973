// A list filled a page at a time from a keyset-paged endpoint (`nextCursor` back as `cursor`),
// with a "show more" button. Keyboard users continue from the first newly shown entry.
import { api, errorText, showMessage } from "./api.js";

/**
 * - `list`, `more`, `message`: the <ul>, its "show more" button and the message region;
 * - `path`, `key`: the endpoint and the answer's array (`events`, `users`, …);
 * - `query()`: the filters of the moment; `item(row, page)`: a row as an <li> (`page`: the
 *   whole answer, for what it says about every row);
 * - `empty`: what an empty list says; `failed(error)`: the words for an error (optional).
 * Returns `reload()`, which starts again from the first page.
 */
export function pagedList({ list, more, message, path, key, query = () => ({}), item, empty, failed }) {
  let cursor = null;
  let generation = 0;

  async function load() {
    const mine = ++generation;
    const q = { ...query() };
    if (cursor) q.cursor = cursor;
    list.setAttribute("aria-busy", "true");
    const { data, error } = await api(path, { query: q });
    // A newer search started meanwhile: its answer wins.
    if (mine !== generation) return null;
    list.setAttribute("aria-busy", "false");
    if (!cursor) list.textContent = "";
    if (error) {
      showMessage(message, failed ? failed(error) : errorText(error));
      more.hidden = true;
      return null;
    }
    const rows = data && Array.isArray(data[key]) ? data[key] : [];
    if (!cursor && rows.length === 0) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = empty;
      list.append(li);
    }
    let first = null;
    for (const row of rows) {
      const li = item(row, data);
      first = first || li;
      list.append(li);
    }
    cursor = (data && data.nextCursor) || null;
    more.hidden = !cursor;
    return first;
  }

  more.addEventListener("click", async () => {
    more.disabled = true;
    const first = await load();
    more.disabled = false;
    if (first) {
      first.tabIndex = -1;
      first.focus();
    } else if (!more.hidden) {
      more.focus();
    }
  });

  return function reload() {
    cursor = null;
    return load();
  };
}
