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
    // the contents only: the live region stays in place (a region put in anew is not announced), and so does
    // whatever the user is on
    if (fresh && fresh.innerHTML !== target.innerHTML) target.innerHTML = fresh.innerHTML;
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
  // Only the fields the unit's input is drawn from redraw the preview: not the preview's own inputs (a picture of
  // the unit's, tried with the keyboard), nor the name, the guidance or the other settings.
  const drawnFrom = (field) => !field.closest("#method-preview")
    && (["method", "max_points", "floor", "kind"].includes(field.name) || field.name.startsWith("p_"));
  form.addEventListener("change", (event) => {
    if (event.target.name === "method") showParams();
    if (drawnFrom(event.target)) schedulePreview();
  });
  form.addEventListener("input", (event) => {
    if (drawnFrom(event.target)) schedulePreview();
  });
  const button = form.querySelector("button[name=preview]");
  if (button) button.hidden = true;
}
