// Forms marked [data-confirm] ask before they are sent: loaded by the pages that only need that, and imported by
// the administration script. The appraisal and evidence scripts ask themselves, as they first save or send in
// place. Without this script the form is sent.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
