// The publish form asks first (the confirmation of static/js/confirm.js, read from data-confirm when the form is
// sent), repeating the document number and date as typed: its question is rebuilt from data-confirm-template at
// each keystroke. While either field is empty there is nothing to confirm (data-confirm empty): the server names
// what is missing.
for (const form of document.querySelectorAll("form[data-confirm-template]")) {
  const number = form.querySelector("[name=document_number]");
  const date = form.querySelector("[name=document_date]");
  const update = () => {
    const n = number ? number.value.trim() : "";
    const d = date ? date.value.trim() : "";
    form.dataset.confirm = n && d
      ? form.dataset.confirmTemplate.replace("%(number)s", n).replace("%(date)s", d)
      : "";
  };
  form.addEventListener("input", update);
  update();
}
