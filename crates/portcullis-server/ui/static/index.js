// Landing page: live API status and, when signed in, a link to the account.
import { api, getSession, setNavSignedIn } from "./api.js";

const status = document.getElementById("api-status");
const statusText = status ? status.querySelector("[data-status-text]") : null;
const sessionLine = document.getElementById("session-line");

async function checkStatus() {
  if (!status || !statusText) return;
  const { data, error } = await api("/ok");
  const online = !error && data && data.ok === true;
  status.classList.toggle("status--online", online);
  status.classList.toggle("status--offline", !online);
  statusText.textContent = online ? "API online" : "API unreachable";
}

async function showSession() {
  const { session } = await getSession();
  setNavSignedIn(Boolean(session));
  if (!session || !sessionLine) return;
  const who = session.user.email || session.user.name || "your account";
  sessionLine.textContent = "";
  sessionLine.append(document.createTextNode(`Signed in as ${who} — `));
  const link = document.createElement("a");
  link.href = "/account";
  link.textContent = "go to your account";
  sessionLine.append(link);
  sessionLine.hidden = false;
}

checkStatus();
showSession();
