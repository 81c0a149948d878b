// Forms marked [data-confirm] ask before they are sent: loaded by the pages that only need that, and imported by
// the administration script. The appraisal and evidence scripts ask themselves, as they first save or send in
// place. Without this script the form is sent; so is a form whose question is empty (nothing to confirm yet).
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
