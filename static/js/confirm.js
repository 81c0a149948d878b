// Forms marked [data-confirm] ask before they are sent (for pages with no script of their own doing so; the
// appraisal, evidence and administration scripts ask for their own pages). Without this script the form is sent.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
