// The cycle creation form: as the year typed changes, each unit kind's set drop-down lists that year's sets first, in
// the server's order and headings (this page asked with `?nam=<year>`), the set already chosen kept, and the note
// saying the year has no set yet follows. Without the script, the lists follow the year the page was shown with (the
// year after the last cycle's, or the one sent back).

const form = document.getElementById("cycle-form");
const yearInput = form ? form.querySelector("input[name=year]") : null;

async function relist(year) {
  const url = new URL(window.location.href);
  url.search = "";
  url.hash = "";
  url.searchParams.set("nam", year);
  let html;
  try {
    const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok) return;
    html = await response.text();
  } catch {
    return; // offline or refused: the lists stay as they are, and sending the form still works
  }
  if (yearInput.value.trim() !== year) return; // typed on since: that year's answer will come
  const fresh = new DOMParser().parseFromString(html, "text/html");
  for (const select of form.querySelectorAll("select[name^='set_']")) {
    const offered = fresh.querySelector(`#cycle-form select[name='${select.name}']`);
    if (!offered) continue;
    const chosen = select.value;
    select.replaceChildren(...[...offered.children].map((node) => document.importNode(node, true)));
    select.value = chosen; // every set is still listed, under another heading
  }
  const note = form.querySelector("[data-sets-note]");
  const freshNote = fresh.querySelector("#cycle-form [data-sets-note]");
  if (note && freshNote) note.replaceWith(document.importNode(freshNote, true)); // «no set of that year yet»
  form.dataset.setsYear = year;
}

if (yearInput) {
  form.dataset.setsYear = yearInput.value.trim();
  let waiting = null;
  const follow = () => {
    clearTimeout(waiting);
    const year = yearInput.value.trim();
    if (!/^\d{4}$/.test(year) || year === form.dataset.setsYear) return;
    waiting = setTimeout(() => relist(year), 300);
  };
  yearInput.addEventListener("input", follow);
  yearInput.addEventListener("change", follow);
}
