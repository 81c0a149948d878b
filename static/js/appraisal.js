// The appraisal pages without reloads: save a leaf's appraisal or explanation in place, show a stale-version
// conflict with both values, move between leaves with the keyboard, and poll while a result is «đang tính».
// Every form also works as a plain post without this script.
import { fill, markInvalid } from "./method-input.js";

const vi = document.documentElement.lang.startsWith("vi");
const T = vi
  ? {
      saving: "Đang lưu…", saved: "Đã lưu", failed: "Không lưu được", conflict: "Tiêu chí này vừa được người khác thẩm định.",
      stored: "Giá trị đang lưu", keep: "Giữ giá trị của tôi", take: "Lấy giá trị đang lưu", done: "Đã thẩm định",
      differs: "Đã điều chỉnh", network: "Mất kết nối, chưa lưu được. Hãy thử lại.", points: "điểm",
    }
  : {
      saving: "Saving…", saved: "Saved", failed: "Not saved", conflict: "Somebody else has just appraised this leaf.",
      stored: "Stored value", keep: "Keep my value", take: "Take the stored value", done: "Appraised",
      differs: "Adjusted", network: "Connection lost, not saved. Please try again.", points: "points",
    };

async function postForm(form) {
  const response = await fetch(form.action, {
    method: "POST",
    body: new FormData(form),
    headers: { Accept: "application/json", "X-Requested-With": "fetch" },
    credentials: "same-origin",
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = { ok: false, message: T.failed };
  }
  return { status: response.status, data };
}

function setVersion(leaf, version) {
  for (const input of leaf.querySelectorAll("[data-version]")) input.value = String(version);
}

function showLine(leaf, line) {
  const out = leaf.querySelector("[data-appraised]");
  if (out) out.textContent = line.display;
  const status = leaf.querySelector("[data-status]");
  if (status && line.done) {
    status.textContent = line.differs ? T.differs : T.done;
    status.classList.toggle("differs", line.differs);
    status.classList.toggle("done", !line.differs);
  }
  const form = leaf.querySelector("form[data-appraise]");
  const fieldset = form?.querySelector("fieldset.method-input");
  if (fieldset && line.value) fill(fieldset, line.value);
  const note = form?.querySelector("textarea[name=note]");
  if (note && line.value) note.value = line.note || "";
  setVersion(leaf, line.version);
}

function conflictBox(leaf, form, current) {
  const box = leaf.querySelector(".js-conflict");
  if (!box) return;
  box.replaceChildren();
  const title = document.createElement("p");
  title.innerHTML = "<strong></strong>";
  title.firstChild.textContent = T.conflict;
  const stored = document.createElement("p");
  stored.textContent = `${T.stored}: ${current.summary} (${current.display} ${T.points})${current.note ? " — " + current.note : ""}`;
  const keep = document.createElement("button");
  keep.type = "button";
  keep.textContent = T.keep;
  keep.addEventListener("click", () => {
    setVersion(leaf, current.version);
    box.hidden = true;
    form.requestSubmit();
  });
  const take = document.createElement("button");
  take.type = "button";
  take.className = "secondary";
  take.textContent = T.take;
  take.addEventListener("click", () => {
    const fieldset = form.querySelector("fieldset.method-input");
    if (fieldset) fill(fieldset, current.value);
    const note = form.querySelector("textarea[name=note]");
    if (note) note.value = current.note || "";
    showLine(leaf, current);
    box.hidden = true;
  });
  box.append(title, stored, keep, " ", take);
  box.hidden = false;
}

function enhanceSaveForm(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const leaf = form.closest("[data-leaf]");
    const status = leaf.querySelector("[data-save-status]");
    const error = form.querySelector("[data-error]");
    const fieldset = form.querySelector("fieldset.method-input");
    if (status) status.textContent = T.saving;
    let result;
    try {
      result = await postForm(form);
    } catch {
      if (status) status.textContent = T.network;
      return;
    }
    const { status: code, data } = result;
    if (data.ok) {
      if (data.line) showLine(leaf, data.line);
      if (error) error.hidden = true;
      if (fieldset) markInvalid(fieldset, null);
      form.querySelector("textarea[name=note]")?.removeAttribute("aria-invalid");
      leaf.classList.remove("has-error");
      if (status) status.textContent = T.saved;
      return;
    }
    if (status) status.textContent = T.failed;
    leaf.classList.add("has-error");
    if (code === 409 && data.current) {
      conflictBox(leaf, form.matches("[data-appraise]") ? form : leaf.querySelector("[data-appraise]") || form, data.current);
      return;
    }
    const target = error || leaf.querySelector("[data-error]");
    if (target) {
      target.textContent = data.message || T.failed;
      target.hidden = false;
    }
    if (data.field === "note") form.querySelector("textarea[name=note]")?.setAttribute("aria-invalid", "true");
    else if (fieldset) markInvalid(fieldset, data.field)?.focus();
  });
}

function leaves() {
  return Array.from(document.querySelectorAll("[data-leaf]"));
}

function currentLeaf() {
  return document.activeElement?.closest?.("[data-leaf]") || null;
}

function move(step) {
  const all = leaves();
  if (!all.length) return;
  const here = currentLeaf();
  let index = here ? all.indexOf(here) + step : step > 0 ? 0 : all.length - 1;
  index = Math.max(0, Math.min(all.length - 1, index));
  const leaf = all[index];
  leaf.focus({ preventScroll: true });
  leaf.scrollIntoView({ block: "start", behavior: "smooth" });
  history.replaceState(null, "", `#${leaf.id}`);
}

function onKey(event) {
  const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    const form = currentLeaf()?.querySelector("[data-appraise], [data-explain-line]");
    if (form) {
      event.preventDefault();
      form.requestSubmit();
    }
    return;
  }
  const down = (event.altKey && event.key === "ArrowDown") || (!typing && !event.altKey && !event.ctrlKey && event.key === "j");
  const up = (event.altKey && event.key === "ArrowUp") || (!typing && !event.altKey && !event.ctrlKey && event.key === "k");
  if (down || up) {
    event.preventDefault();
    move(down ? 1 : -1);
  }
}

function pollResult(box) {
  const url = box.dataset.resultPoll;
  let tries = 0;
  const tick = async () => {
    tries += 1;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      const data = await response.json();
      if (data.ready) {
        window.location.reload();
        return;
      }
    } catch {
      // keep polling: the refresh link stays for the user
    }
    if (tries < 120) setTimeout(tick, Math.min(1000 + tries * 250, 5000));
  };
  setTimeout(tick, 1000);
}

for (const form of document.querySelectorAll("form[data-appraise], form[data-accept], form[data-explain-line]")) {
  enhanceSaveForm(form);
}
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
if (leaves().length) document.addEventListener("keydown", onKey);
for (const box of document.querySelectorAll("[data-result-poll]")) pollResult(box);
