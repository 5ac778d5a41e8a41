// The page works as plain forms; this only makes it live: posts without reloading, and redraws what changed.
"use strict";
document.documentElement.classList.add("js");

let version = Number(document.body.dataset.version || 0);
const regionsQuery = document.body.dataset.regions || "";
const drawn = {};

function toast(text, bad) {
  const box = document.getElementById("toast");
  box.textContent = text || "";
  box.className = bad ? "bad" : "";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.textContent = ""; }, 4000);
}

function draw(regions) {
  for (const [id, html] of Object.entries(regions)) {
    const box = document.getElementById(id);
    if (!box || drawn[id] === html) continue;
    // Follow new messages only when the reader is already at the bottom, as Slack does.
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.innerHTML = html;
    drawn[id] = html;
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
}

async function refresh() {
  const answer = await fetch("/sandbox/api/regions?" + regionsQuery, { cache: "no-store" });
  const body = await answer.json();
  version = body.version;
  draw(body.regions);
}

async function follow() {
  // A long poll: the server answers as soon as anything changes, or after 20 s with nothing new.
  for (;;) {
    try {
      const answer = await fetch("/sandbox/api/wait?v=" + version, { cache: "no-store" });
      const body = await answer.json();
      if (body.version !== version) await refresh();
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function post(url, data) {
  const answer = await fetch(url, { method: "POST", body: data, headers: { Accept: "application/json" } });
  const body = await answer.json().catch(() => ({ ok: false, note: "The sandbox did not answer." }));
  if (!body.ok || /failed|error/i.test(body.note)) toast(body.note, !body.ok);
  await refresh();
  return body.ok;
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.method.toLowerCase() !== "post") return;
  event.preventDefault();
  const submitter = event.submitter;
  const url = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
  const data = new URLSearchParams(new FormData(form, submitter));
  if (submitter) submitter.disabled = true;
  try {
    const ok = await post(url, data);
    if (ok && form.hasAttribute("data-reset")) form.reset();
  } finally {
    if (submitter) submitter.disabled = false;
  }
});

document.addEventListener("change", (event) => {
  const control = event.target;
  if (control.hasAttribute("data-autonav")) { control.form.submit(); return; }
  if (!control.dataset.el) return;
  // Selects, overflows and checkboxes in messages act at once, like Slack's.
  const data = new URLSearchParams(new FormData(control.form));
  data.set("el", control.dataset.el);
  post(control.dataset.post, data);
});

document.addEventListener("keydown", (event) => {
  // Enter sends, Shift+Enter is a new line: Slack's composer.
  const box = event.target;
  if (event.key === "Enter" && !event.shiftKey && box.matches(".composer textarea")) {
    event.preventDefault();
    box.form.requestSubmit();
  }
});

for (const box of document.querySelectorAll("#messages, #thread")) box.scrollTop = box.scrollHeight;
for (const id of ["sidebar", "messages", "thread", "modal", "home", "world-log"]) {
  const box = document.getElementById(id);
  if (box) drawn[id] = box.innerHTML;
}
if (document.getElementById("toast").textContent) toast(document.getElementById("toast").textContent);
follow();
