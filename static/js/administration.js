// Administration pages: show the parameters of the chosen scoring method, a live preview of the input a
// unit will see, and a confirmation before deleting. Without JavaScript every parameter stays visible and
// the "Xem trước" button posts the form for the same preview.
import "./confirm.js"; // the confirmation before deleting, shared with the pages without a script of their own

const form = document.getElementById("indicator-form");

function showParams() {
  const method = form.querySelector("select[name=method]");
  if (!method) return;
  for (const block of form.querySelectorAll(".param")) {
    block.hidden = !block.dataset.methods.split(" ").includes(method.value);
  }
}

let timer = null;
let sequence = 0;

async function refreshPreview() {
  const target = document.getElementById("method-preview");
  if (!target || !form.dataset.previewUrl) return;
  const mine = ++sequence;
  const body = new FormData(form);
  try {
    const response = await fetch(form.dataset.previewUrl, {
      method: "POST", body, headers: { "X-Requested-With": "fetch" }, credentials: "same-origin",
    });
    if (mine !== sequence) return; // an answer to an older edit
    const html = await response.text();
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const fresh = holder.querySelector("#method-preview");
    if (fresh) target.replaceWith(fresh);
  } catch (_error) {
    // The server preview button still works; keep the last preview.
  }
}

function schedulePreview() {
  clearTimeout(timer);
  timer = setTimeout(refreshPreview, 300);
}

if (form) {
  showParams();
  form.addEventListener("change", (event) => {
    if (event.target.name === "method") showParams();
    schedulePreview();
  });
  form.addEventListener("input", schedulePreview);
  const button = form.querySelector("button[name=preview]");
  if (button) button.hidden = true;
}
