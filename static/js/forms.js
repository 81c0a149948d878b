// A POST form is sent once: a double click on «Nhân bản», «Gửi», «Lưu» … sends one request, not two (the second
// used to land on the first one's result, e.g. «Bộ chỉ số mã … đã tồn tại» after the set was created).
//
// After the first submit the page's browser actually sends, the form's submit buttons are disabled until the page
// is left; a page shown again from the back-forward cache gets them back. Left alone:
// - forms a script of the page sends itself (it cancelled the submit event: the sheet's autosave, the evidence
//   library, the appraisal pages, the exports) — those scripts keep their own guards;
// - forms marked data-no-submit-guard (a form whose answer leaves the page where it is, e.g. a download);
// - GET forms (filters, searches) and forms opening another window (target).

const SKIP = "data-no-submit-guard";
const SENDING = "data-submit-guard-sending";
const DISABLED = "data-submit-guard-disabled";

function submitButtons(form) {
  return [...form.elements].filter(
    (el) => (el instanceof HTMLButtonElement && el.type === "submit")
      || (el instanceof HTMLInputElement && (el.type === "submit" || el.type === "image")),
  );
}

function methodOf(form, submitter) {
  return (submitter?.getAttribute("formmethod") || form.getAttribute("method") || "get").toLowerCase();
}

function targetOf(form, submitter) {
  return submitter?.getAttribute("formtarget") || form.getAttribute("target") || "";
}

function release(form) {
  form.removeAttribute(SENDING);
  for (const button of submitButtons(form)) {
    if (!button.hasAttribute(DISABLED)) continue;
    button.removeAttribute(DISABLED);
    button.disabled = false;
  }
}

// On window, in the bubbling phase: it runs after every handler on the form or the document, so a script that
// takes the form over (its submit event cancelled) has already said so.
window.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.hasAttribute(SKIP)) return;
  const submitter = event.submitter;
  if (methodOf(form, submitter) !== "post") return;
  if (form.hasAttribute(SENDING)) {
    event.preventDefault(); // sent already (Enter pressed again, a second click that beat the disabling)
    return;
  }
  if (event.defaultPrevented) return;
  const target = targetOf(form, submitter);
  if (target && target !== "_self") return;
  form.setAttribute(SENDING, "");
  // Disabled once the event is over: a button disabled now would drop its own name=value from what is sent.
  setTimeout(() => {
    if (!form.hasAttribute(SENDING)) return;
    for (const button of submitButtons(form)) {
      if (button.disabled) continue; // disabled by the page: stays so, and is not given back
      button.disabled = true;
      button.setAttribute(DISABLED, "");
    }
    form.setAttribute("aria-busy", "true");
  }, 0);
});

// Back (or forward) to a page kept in the back-forward cache: its forms were left disabled, mid-send.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const form of document.querySelectorAll(`form[${SENDING}]`)) {
    release(form);
    form.removeAttribute("aria-busy");
  }
});
