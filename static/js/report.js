// Part III of the self-assessment report («Khó khăn, vướng mắc và kiến nghị»), a plain form saved by its button:
// what is typed and not saved is guarded. Leaving the page asks first (beforeunload), and so do the page's own
// links and its print button, in the page: the Excel file and the print are made from the saved text, so they say
// that the new text would be missing. What is typed is also kept in the browser (localStorage) until it is saved: a
// tab closed or discarded brings it back, and the pre-submit check page says that Part III has text not saved.
// The same file runs on the check page for that note alone.
import { button } from "./dom.js";

const vi = document.documentElement.lang.startsWith("vi");
const T = vi
  ? {
      unsaved: "Chưa lưu.",
      leave: "Phần III còn nội dung chưa lưu.",
      warnLink: "Phần III (Khó khăn, vướng mắc và kiến nghị) có nội dung chưa lưu: rời trang bây giờ sẽ mất nội dung này.",
      warnDownload: "Phần III (Khó khăn, vướng mắc và kiến nghị) có nội dung chưa lưu: tệp Excel được lập từ nội dung đã lưu nên sẽ không có phần anh/chị vừa nhập.",
      warnPrint: "Phần III (Khó khăn, vướng mắc và kiến nghị) có nội dung chưa lưu: bản in lấy nội dung đã lưu nên sẽ không có phần anh/chị vừa nhập.",
      save: "Lưu", goOn: "Vẫn tiếp tục", stay: "Ở lại trang",
      restored: "Có nội dung chưa lưu từ lần trước — đã khôi phục vào ô dưới đây; bấm «Lưu» để lưu.",
      restoredStale: "Có nội dung chưa lưu từ lần trước — đã khôi phục vào ô dưới đây. Nội dung đang lưu đã được sửa từ đó: khi bấm «Lưu», trang sẽ cho xem cả hai để chọn.",
      discard: "Bỏ nội dung khôi phục",
      checkNote: "Phần III của báo cáo (Khó khăn, vướng mắc và kiến nghị) có nội dung đã nhập trên trình duyệt này nhưng chưa lưu.",
      checkLink: "Mở báo cáo để lưu",
    }
  : {
      unsaved: "Not saved.",
      leave: "Part III has text that is not saved.",
      warnLink: "Part III (difficulties and proposals) has text that is not saved: leaving the page now loses it.",
      warnDownload: "Part III (difficulties and proposals) has text that is not saved: the Excel file is made from the saved text, so it will not have what you just typed.",
      warnPrint: "Part III (difficulties and proposals) has text that is not saved: the print shows the saved text, so it will not have what you just typed.",
      save: "Save", goOn: "Continue anyway", stay: "Stay on the page",
      restored: "Text not saved last time has been restored in the box below; press «Save» to save it.",
      restoredStale: "Text not saved last time has been restored in the box below. The saved text has changed since: on «Save», the page shows both to choose from.",
      discard: "Discard the restored text",
      checkNote: "Part III of the report (difficulties and proposals) has text typed in this browser that is not saved.",
      checkLink: "Open the report to save it",
    };

const MAX_AGE = 30 * 24 * 3600 * 1000; // a draft older than this is dropped, never restored

function storage() {
  try {
    return window.localStorage;
  } catch (error) {
    return null; // storage refused (private mode, policy): the guard still works
  }
}

function draftKey(assessment, user) {
  return `cchc:difficulties:${assessment}:${user || ""}`;
}

function readDraft(key) {
  const store = storage();
  if (!store) return null;
  try {
    const draft = JSON.parse(store.getItem(key) || "null");
    if (!draft || typeof draft.text !== "string" || Date.now() - (draft.at || 0) > MAX_AGE) {
      store.removeItem(key);
      return null;
    }
    return draft;
  } catch (error) {
    return null;
  }
}

const same = (a, b) => (a || "").replace(/\r\n?/g, "\n").trim().normalize("NFC") === (b || "").replace(/\r\n?/g, "\n").trim().normalize("NFC");

function guardReport(form) {
  const box = form.querySelector("#id_difficulties");
  const previous = form.querySelector('input[name="previous"]');
  const status = form.querySelector("[data-difficulties-status]");
  const warning = form.querySelector("[data-unsaved-warning]");
  const key = draftKey(form.dataset.assessment, form.dataset.user);
  let submitting = false;
  let leaving = false;
  let bypass = false;

  const dirty = () => !same(box.value, previous.value);
  const persist = () => {
    const store = storage();
    if (!store) return;
    try {
      if (dirty()) store.setItem(key, JSON.stringify({ text: box.value, base: previous.value, at: Date.now() }));
      else store.removeItem(key);
    } catch (error) {
      // storage full or refused: the page still guards the text
    }
  };
  const showStatus = () => {
    status.textContent = dirty() ? T.unsaved : "";
  };

  // A draft from an earlier visit: back in the box, said so. When the saved text changed since, the form keeps the
  // text the draft was typed over as its base, so that «Lưu» meets the stale check and shows both texts.
  const draft = readDraft(key);
  if (draft && !same(draft.text, box.value) && !box.hasAttribute("data-unsaved")) {
    const stale = !same(draft.base, previous.value);
    const stored = box.value;
    const storedBase = previous.value;
    box.value = draft.text;
    previous.value = draft.base;
    const note = document.createElement("div");
    note.className = "note no-print";
    note.setAttribute("role", "status");
    note.dataset.restored = "";
    const text = document.createElement("p");
    text.textContent = stale ? T.restoredStale : T.restored;
    const discard = button("secondary", T.discard);
    discard.addEventListener("click", () => {
      box.value = stored;
      previous.value = storedBase;
      persist();
      showStatus();
      note.remove();
      box.focus();
    });
    note.append(text, discard);
    form.before(note);
  }
  persist(); // a draft saved since (or typed back to what is saved) is dropped
  showStatus();

  box.addEventListener("input", () => {
    persist();
    showStatus();
    if (!dirty()) warning.hidden = true;
  });
  form.addEventListener("submit", () => {
    submitting = true;
  });

  /** The page's link or print button pressed with Part III not saved: say what would be lost, in the page. */
  function warn(kind, proceed) {
    warning.replaceChildren();
    const message = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = kind === "print" ? T.warnPrint : kind === "download" ? T.warnDownload : T.warnLink;
    message.append(strong);
    const actions = document.createElement("p");
    actions.className = "conflict-actions";
    const save = button("", T.save);
    const goOn = button("secondary", T.goOn);
    const stay = button("secondary", T.stay);
    save.addEventListener("click", () => form.requestSubmit());
    goOn.addEventListener("click", () => {
      warning.hidden = true;
      proceed();
    });
    stay.addEventListener("click", () => {
      warning.hidden = true;
      box.focus();
    });
    actions.append(save, goOn, stay);
    warning.append(message, actions);
    warning.hidden = false;
    save.focus();
  }

  // Capture on the document: heard before the print button's own handler and before a link is followed.
  document.addEventListener("click", (event) => {
    if (bypass || submitting || !dirty() || event.defaultPrevented) return;
    const target = event.target instanceof Element ? event.target : null;
    const printer = target && target.closest("[data-print]");
    if (printer) {
      event.preventDefault();
      event.stopImmediatePropagation();
      warn("print", () => window.print());
      return;
    }
    const link = target && target.closest("a[href]");
    if (!link || link.target === "_blank" || event.ctrlKey || event.metaKey || event.shiftKey || event.button > 0) return;
    const url = new URL(link.href, window.location.href);
    if (url.origin === window.location.origin && url.pathname === window.location.pathname && url.hash) return;
    event.preventDefault();
    const download = link.hasAttribute("download");
    warn(download ? "download" : "link", () => {
      leaving = !download;
      bypass = true;
      link.click();
      bypass = false;
    });
  }, true);

  window.addEventListener("beforeunload", (event) => {
    if (submitting || leaving || !dirty()) return;
    event.preventDefault();
    event.returnValue = T.leave;
  });
  window.addEventListener("pageshow", () => {
    leaving = false;
    submitting = false;
  });
}

/** The pre-submit check page: a note when this browser holds Part III text not saved. */
function noteOnCheckPage(note) {
  const draft = readDraft(draftKey(note.dataset.assessment, note.dataset.user));
  if (!draft || same(draft.text, draft.base)) return;
  const link = document.createElement("a");
  link.href = note.dataset.report;
  link.textContent = T.checkLink;
  note.replaceChildren(`${T.checkNote} `, link);
  note.hidden = false;
}

const form = document.querySelector("form[data-difficulties]");
if (form) guardReport(form);
const checkNote = document.querySelector("[data-difficulties-draft]");
if (checkNote) noteOnCheckPage(checkNote);
