// The appraisal pages without reloads: save a leaf's appraisal or explanation in place (with the review page's
// summary — state, progress, appraised totals — and its «giải trình mới» counts updated from the save's answer),
// mark new explanations read in place (a leaf, an area, the whole assessment), show a stale-version conflict
// with both values, move between leaves with the keyboard (J / K, N / Shift+N to the leaves still to decide), and
// poll while a result is «đang tính». A save refused
// because the session ended keeps what was typed and offers to sign in again (in a new tab) and to save again; one
// refused for permission (an assignment changed meanwhile) says why. An area's bulk accept saves the area's unsaved
// edits first and updates the area in place; leaving the page with unsaved edits asks first. Every form also works
// as a plain post without this script.
import { button } from "./dom.js";
import { dropDraft, readDraft, same, writeDraft } from "./drafts.js";
import { fill, markInvalid } from "./method-input.js";
import { freshToken, signInAgain } from "./session.js";
import { onDeliberateClick, userTyping } from "./typing.js";

const vi = document.documentElement.lang.startsWith("vi");
const T = vi
  ? {
      saving: "Đang lưu…", saved: "Đã lưu", failed: "Không lưu được", unsaved: "Chưa lưu", conflict: "Tiêu chí này vừa được thẩm định ở nơi khác (người khác hoặc một thẻ khác của anh/chị).",
      conflictNamed: "Tiêu chí này vừa được thẩm định ở nơi khác.",
      stored: "Giá trị đang lưu", keep: "Giữ giá trị của tôi", take: "Lấy giá trị đang lưu", done: "Đã thẩm định",
      differs: "Đã điều chỉnh", network: "Mất kết nối, chưa lưu được. Hãy thử lại.",
      pending: "Chưa thẩm định", waiting: "Chờ thẩm định", explainConflict: "Giải trình của tiêu chí này vừa được lưu ở nơi khác (người khác hoặc một thẻ khác của anh/chị).",
      signedOut: "Chưa lưu: phiên đăng nhập đã hết hạn.", signIn: "Đăng nhập lại (mở thẻ mới)", retry: "Lưu lại",
      sessionEnded: "Phiên đăng nhập đã hết hạn nên thay đổi vừa rồi chưa được lưu. Hãy đăng nhập lại; nội dung anh/chị đã nhập vẫn còn trên trang.",
      leave: "Còn nội dung chưa lưu.", savingExplanations: "Đang lưu các giải trình chưa lưu…",
      unsavedExplanations: "Chưa gửi: giải trình của các tiêu chí sau chưa lưu được, hãy xem lại rồi gửi lại:",
      forbidden: "Không thực hiện được: tài khoản không có quyền với thao tác này (phân công thẩm định có thể vừa thay đổi). Hãy tải lại trang.",
      saveFirst: "Điều chỉnh chưa lưu ở các tiêu chí sau được lưu trước:",
      savingEdits: "Đang lưu các điều chỉnh chưa lưu…", accepting: "Đang chấp nhận…",
      areaStopped: "Chưa chấp nhận lĩnh vực: điều chỉnh chưa lưu ở tiêu chí sau không lưu được. Hãy sửa hoặc bỏ điều chỉnh đó rồi chấp nhận lại:",
      agreed: "Đồng ý với kết quả thẩm định (không có nội dung giải trình)",
      evidenceMissing: "Tiêu chí này cần tài liệu kiểm chứng nhưng đơn vị không gửi tài liệu.", saveAnyway: "Vẫn lưu điểm thẩm định?",
      lateSubmission: "Tiêu chí này chấm việc gửi báo cáo tự đánh giá đúng thời hạn.",
      lateInArea: "Cũng chấp nhận điểm tự chấm của tiêu chí về thời hạn gửi báo cáo tự đánh giá, dù đơn vị không gửi hoặc gửi báo cáo sau thời hạn:",
      decidedElsewhere: "Các tiêu chí sau vừa được thẩm định ở nơi khác từ khi trang được tải (đã cập nhật trên trang):",
      noUndecided: "Không còn tiêu chí chưa thẩm định nào trên trang.",
      typedUnsaved: "Chưa lưu…", yours: "Giá trị của anh/chị", emptyHeld: "Chưa lưu: giải trình còn trống.",
      restored: "Có nội dung chưa lưu từ lần trước — đã khôi phục, đang lưu…",
    }
  : {
      saving: "Saving…", saved: "Saved", failed: "Not saved", unsaved: "Unsaved changes", conflict: "This leaf has just been appraised elsewhere (by somebody else or in another of your tabs).",
      conflictNamed: "This leaf has just been appraised elsewhere.",
      stored: "Stored value", keep: "Keep my value", take: "Take the stored value", done: "Appraised",
      differs: "Adjusted", network: "Connection lost, not saved. Please try again.",
      pending: "Not appraised", waiting: "Awaiting appraisal", explainConflict: "This leaf's explanation has just been saved elsewhere (by somebody else or in another of your tabs).",
      signedOut: "Not saved: your session has expired.", signIn: "Sign in again (opens a new tab)", retry: "Save again",
      sessionEnded: "Your session has expired, so your last change was not saved. Please sign in again; what you typed is still on the page.",
      leave: "Some changes are not saved yet.", savingExplanations: "Saving the unsaved explanations…",
      unsavedExplanations: "Not sent: the explanations of these criteria could not be saved; check them and send again:",
      forbidden: "Not done: your account may not do this (the appraisal assignment may have just changed). Please reload the page.",
      saveFirst: "Unsaved adjustments of these criteria are saved first:",
      savingEdits: "Saving the unsaved adjustments…", accepting: "Accepting…",
      areaStopped: "The area was not accepted: the unsaved adjustment of this criterion could not be saved. Correct or undo it, then accept again:",
      agreed: "Agrees with the appraisal (no explanation text)",
      evidenceMissing: "This criterion needs evidence, and the unit sent none.", saveAnyway: "Save the appraisal anyway?",
      lateSubmission: "This criterion scores sending the self-assessment on time.",
      lateInArea: "This also accepts the self-score of the criterion on sending the self-assessment on time, though the unit sent it late or never did:",
      decidedElsewhere: "These criteria have been appraised elsewhere since the page was loaded (updated on the page):",
      noUndecided: "No criterion left to appraise on this page.",
      typedUnsaved: "Not saved yet…", yours: "Your value", emptyHeld: "Not saved: the explanation is empty.",
      restored: "Text not saved last time has been restored; saving…",
    };

const signedOutForms = new Set();

async function postForm(form) {
  freshToken(form);
  const response = await fetch(form.action, {
    method: "POST",
    body: new FormData(form),
    headers: { Accept: "application/json", "X-Requested-With": "fetch" },
    credentials: "same-origin",
  });
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("application/json") && (response.status === 401 || response.redirected)) {
    // A login page: the session ended.
    return { status: 401, data: { ok: false, code: "signed_out" } };
  }
  if (!type.includes("application/json") && response.status === 403) {
    // A refusal the server did not explain (the appraisal's endpoints answer JSON with the reason): not a session
    // that ended, which signing in again would mend.
    return { status: 403, data: { ok: false, code: "forbidden", message: T.forbidden } };
  }
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

/** The leaf's header as stored: its status and appraised score (after a save, and after a conflict, whose answer
 * is the stored leaf: the form keeps what was typed, the header must not keep what the page had before). */
function showHeader(leaf, line) {
  const out = leaf.querySelector("[data-appraised]");
  if (out) out.textContent = line.display;
  const status = leaf.querySelector("[data-status]");
  if (status) {
    // a unit's «không phát sinh» neither accepted nor overruled waits for the team's decision
    status.textContent = !line.done ? (line.na_pending ? T.waiting : T.pending) : line.differs ? T.differs : T.done;
    status.classList.toggle("differs", line.done && line.differs);
    status.classList.toggle("done", line.done && !line.differs);
  }
}

/** A leaf saved (by anybody since the page was loaded): an explanation the page marks new has been looked at. */
function markExplanationSeen(leaf) {
  for (const element of leaf.querySelectorAll("[data-new-explanation], form[data-explanation-seen]")) element.remove();
}

/** The page's «giải trình mới» as the server now counts them (`new_explanations` of a save's, a conflict's or a
 * «Đã xem»'s answer): a leaf no longer new loses its tag and its «Đã xem»; the counts of the whole assessment and
 * of each area are the server's (in its words: the page may show one area while the total counts them all), and a
 * mark with nothing left to mark goes. */
function showNewExplanations(found) {
  if (!found) return;
  const still = new Set(found.lines.map(String));
  for (const leaf of document.querySelectorAll("[data-leaf]")) {
    if (!still.has(leaf.dataset.line)) markExplanationSeen(leaf);
  }
  for (const form of document.querySelectorAll("form[data-explanations-seen]")) {
    if (!found.total) {
      form.remove();
      continue;
    }
    const note = form.querySelector("[data-new-explanations-note]");
    if (note) note.textContent = found.note;
    const button = form.querySelector("button[type=submit]");
    if (button) button.textContent = found.button;
  }
  showUnreadForSignOff(still);
  const areas = new Map(found.areas.map((area) => [String(area.id), area]));
  for (const form of document.querySelectorAll("form[data-explanations-seen-area]")) {
    const area = areas.get(form.dataset.explanationsSeenArea);
    if (!area) {
      form.remove();
      continue;
    }
    const button = form.querySelector("button[type=submit]");
    if (button) button.textContent = area.button;
  }
}

/** The sign-off's list of new explanations nobody has looked at, as the server now counts them (`still`, the line
 * ids): the leaves decided or marked read leave it; with none left the confirmation it asks for goes too. */
function showUnreadForSignOff(still) {
  const box = document.querySelector("[data-signoff-unread]");
  const list = box?.querySelector("[data-signoff-unread-list]");
  if (!box || !list) return;
  const left = Array.from(list.querySelectorAll("a[data-line]")).filter((link) => still.has(link.dataset.line));
  const parts = [];
  left.forEach((link, index) => parts.push(...(index ? [", ", link] : [link])));
  list.replaceChildren(...parts);
  const count = box.querySelector("[data-signoff-unread-count]");
  if (count) count.textContent = count.textContent.replace(/\d+/, String(left.length));
  const confirm = box.querySelector("[data-signoff-unread-confirm]");
  if (!left.length) {
    box.hidden = true;
    if (confirm) {
      confirm.required = false;
      confirm.checked = false;
    }
  }
}

/** A «Đã xem giải trình» (a leaf's, an area's, the whole assessment's) sent in place: the tags and counts follow
 * the answer. A refusal is said by the form; an ended session lets the plain form post (to the sign-in page). */
function enhanceSeenForm(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.busy) return;
    const holder = form.closest("[data-leaf]") || form.closest(".area-block");
    const button = form.querySelector("button[type=submit]");
    form.dataset.busy = "1";
    if (button) button.disabled = true;
    let result;
    try {
      result = await postForm(form);
    } catch {
      result = { status: 0, data: { ok: false, message: T.network } };
    } finally {
      delete form.dataset.busy;
      if (button) button.disabled = false;
    }
    if (result.status === 401) {
      form.submit();
      return;
    }
    if (!result.data.ok) {
      const box = errorBox(form);
      box.textContent = result.data.message || T.failed;
      box.hidden = false;
      return;
    }
    const hadFocus = form.contains(document.activeElement);
    showNewExplanations(result.data.new_explanations);
    // the mark went with what it marked: the keyboard stays on its leaf or area
    if (hadFocus && !form.isConnected && holder) holder.focus({ preventScroll: true });
  });
}

function showLine(leaf, line) {
  showHeader(leaf, line);
  // The leaf as stored: an overrule withdrawn leaves no value and no reason
  const form = leaf.querySelector("form[data-appraise]");
  const fieldset = form?.querySelector("fieldset.method-input");
  if (fieldset) fill(fieldset, line.value);
  const note = form?.querySelector("textarea[name=note]");
  if (note) note.value = line.note || "";
  const explanation = leaf.querySelector("form[data-explain-line] textarea[name=explanation]");
  if (explanation && typeof line.explanation === "string") explanation.value = line.explanation;
  // the unit's «Đồng ý với kết quả thẩm định» as stored (an agreement has no text to edit: `explanation` is empty)
  const agree = leaf.querySelector("form[data-explain-line] input[name=agree]");
  if (agree && typeof line.agreed === "boolean") agree.checked = line.agreed;
  const overruled = leaf.querySelector('[data-na-state="overruled"]');
  const declared = leaf.querySelector('[data-na-state="declared"]');
  const accepted = leaf.querySelector('[data-na-state="accepted"]');
  if (overruled && declared) {
    // a unit's «không phát sinh»: waiting for the team, accepted, or overruled (scored)
    overruled.hidden = !line.na_overruled;
    declared.hidden = !line.na_pending;
    if (accepted) accepted.hidden = line.na_overruled || line.na_pending;
    if (!line.na_overruled) leaf.querySelector("details.na-overrule")?.removeAttribute("open");
    // accepted, it is not offered again (unless the unit explained it: accepting again records it read); waiting
    // or overruled, the acceptance decides it or withdraws the overrule
    const accept = leaf.querySelector("form[data-accept]");
    if (accept && !accept.hasAttribute("data-accept-again")) accept.hidden = !line.na_overruled && !line.na_pending;
  }
  setVersion(leaf, line.version);
  leaf.toggleAttribute("data-undecided", !line.done);  // N / Shift+N go to the leaves still to decide
  if (form) markAppraisalSaved(form);  // what the form now holds is what is stored
}

/** A leaf's save in flight: its actions wait for the answer (a double click sends one save, not a second based on
 * the version the first replaces, which would meet it as a conflict: `saveLeaf` refuses while the leaf is busy).
 * The button holding the keyboard is only said unavailable (aria-disabled), not disabled: a disabled button loses
 * the focus to the page's body, where a screen reader starts again at the page's top and Ctrl+Enter finds no leaf. */
function setBusy(leaf, busy) {
  if (busy) {
    leaf.dataset.busy = "1";
    leaf.setAttribute("aria-busy", "true");
    for (const button of leaf.querySelectorAll("form[data-appraise] button, form[data-accept] button, form[data-explain-line] button")) {
      if (button.disabled) continue;  // disabled by the page (a read-only leaf): stays so
      if (button === document.activeElement) {
        button.setAttribute("aria-disabled", "true");
        button.dataset.busyHeld = "1";
        continue;
      }
      button.disabled = true;
      button.dataset.busyDisabled = "1";
    }
    return;
  }
  delete leaf.dataset.busy;
  leaf.removeAttribute("aria-busy");
  for (const button of leaf.querySelectorAll("[data-busy-disabled]")) {
    button.disabled = false;
    delete button.dataset.busyDisabled;
  }
  for (const button of leaf.querySelectorAll("[data-busy-held]")) {
    button.removeAttribute("aria-disabled");
    delete button.dataset.busyHeld;
  }
}

function setText(selector, text) {
  for (const element of document.querySelectorAll(selector)) element.textContent = text;
}

// The review page's summary after a per-leaf save: the state (the first save starts the appraisal), progress
// per area and in all, the appraised totals.
function showReview(review) {
  if (!review) return;
  const state = document.querySelector("[data-state]");
  if (state) {
    state.textContent = review.state_display;
    state.className = `state state-${review.state}`;
  }
  if (review.state !== "submitted") for (const start of document.querySelectorAll("form[data-start]")) start.remove();
  for (const area of review.areas) {
    setText(`[data-area-progress="${area.id}"], [data-area-done="${area.id}"]`, `${area.done}/${area.total}`);
    setText(`[data-area-appraised="${area.id}"]`, area.appraised);
  }
  setText("[data-appraised-bonus]", review.bonus);
  setText("[data-appraised-penalty]", review.penalty);
  setText("[data-appraised-index]", review.index);
  setText("[data-total-progress]", `${review.done}/${review.total}`);
  const complete = review.done === review.total;
  // The sign-off (the lead's) appears once the first save has started the appraisal; its hint while leaves remain.
  const appraising = review.state === "in_appraisal";
  for (const form of document.querySelectorAll("form[data-signoff-form]")) {
    form.hidden = !appraising;
    const button = form.querySelector("[data-sign-off]");
    if (button && !complete) button.setAttribute("aria-describedby", "signoff-hint");
    else if (button) button.removeAttribute("aria-describedby");
  }
  for (const hint of document.querySelectorAll("[data-signoff-hint]")) {
    hint.hidden = complete || !appraising;
    const count = hint.querySelector("[data-signoff-count]") || hint;
    count.textContent = count.textContent.replace(/\d+\/\d+/, `${review.done}/${review.total}`);
    // the link to the first leaf the team has yet to decide
    const first = hint.querySelector("[data-first-pending]");
    if (first) {
      first.hidden = !review.first_pending;
      if (review.first_pending) first.setAttribute("href", firstPendingHref(review));
    }
  }
  for (const note of document.querySelectorAll("[data-provisional]")) note.hidden = complete;
}

/** The first decision started the appraisal (`started`: the server's words, empty for any other decision): the
 * notice that said it would now says it did. */
/** A first decision started the appraisal: the notice at the top of the page (far above, off-screen) says so. When
 * the answer was already said where the click was (the leaf's status, the area's result: live regions both), the
 * notice is only rewritten, not spoken a second time; otherwise it speaks, as a status. */
function showStarted(started, { saidNearby = false } = {}) {
  if (!started) return;
  for (const notice of document.querySelectorAll("[data-start-notice]")) {
    notice.textContent = started;
    if (!saidNearby) notice.setAttribute("role", "status");
  }
}

/** «Đã lưu — bản đánh giá chuyển sang «Đang thẩm định»: …»: the leaf's status, after the first decision that started
 * the appraisal (once: the next saves are only «Đã lưu»). */
function savedAndStarted(saved, started) {
  return `${saved} — ${started.charAt(0).toLocaleLowerCase()}${started.slice(1)}`;
}

/** The first leaf yet to decide: its anchor here, or (the page filtered to another area) the page of its area. */
function firstPendingHref(review) {
  const anchor = `line-${review.first_pending}`;
  if (document.getElementById(anchor) || !review.first_pending_area) return `#${anchor}`;
  const params = new URLSearchParams(window.location.search);
  params.set("linh-vuc", review.first_pending_area);
  return `?${params}#${anchor}`;
}

/** A leaf still counted by its area's «Chấp nhận điểm tự chấm cho N tiêu chí» (as the server counts it): one of
 * the user's with something declared, not appraised, and for a «không phát sinh» not yet decided. */
function markAcceptable(leaf, line) {
  const area = leaf.closest(".area-block");
  if (line.done && leaf.hasAttribute("data-evidence-missing")) {
    // decided on its own: no longer one the bulk accepts leave out for its missing evidence, nor one the second
    // takes on the unit's word
    leaf.removeAttribute("data-evidence-missing");
    leaf.removeAttribute("data-evidence-noted");
    showEvidenceMissing(area);
    showEvidenceNoted(area);
  }
  if (!leaf.hasAttribute("data-acceptable")) return;
  // a leaf needing evidence the unit did not send is left to a decision of its own (the server's rule)
  const waiting = line.appraised_score === null && (!leaf.hasAttribute("data-kps") || line.na_pending)
    && !leaf.hasAttribute("data-evidence-missing");
  leaf.dataset.acceptable = waiting ? "1" : "0";
  const form = area?.querySelector("form[data-accept-area-form]");
  const button = form?.querySelector("[data-accept-area]");
  if (!button) return;
  const count = area.querySelectorAll('[data-leaf][data-acceptable="1"]').length;
  button.textContent = button.textContent.replace(/\d+/, String(count));
  form.hidden = count === 0;
}

/** The area's «Chấp nhận cả N tiêu chí thiếu tài liệu có ghi chú…» as the page now holds its leaves: its count (in
 * the button and in the confirmation naming how many) and its codes; gone with none left. */
function showEvidenceNoted(area) {
  const form = area?.querySelector("form[data-accept-area-noted]");
  if (!form) return;
  const noted = notedLeaves(area);
  const button = form.querySelector("[data-accept-area-noted-button]");
  if (button) button.textContent = button.textContent.replace(/\d+/, String(noted.length));
  if (form.dataset.confirm) form.dataset.confirm = form.dataset.confirm.replace(/\d+/, String(noted.length));
  const codes = form.querySelector("[data-evidence-noted-codes]");
  if (codes) codes.textContent = codesOf(noted);
  form.hidden = noted.length === 0;
}

function notedLeaves(area) {
  return area ? Array.from(area.querySelectorAll("[data-leaf][data-evidence-noted]")) : [];
}

/** The codes of the leaves (their headings' code). */
function codesOf(leaves) {
  return leaves.map((leaf) => leaf.querySelector(".leaf-name .code")?.textContent.trim() || leaf.id).join(", ");
}

/** The area's leaves its bulk accept leaves out for their missing evidence, as its note names them. */
function evidenceMissingLeaves(area) {
  return area ? Array.from(area.querySelectorAll("[data-leaf][data-evidence-missing]")) : [];
}

function showEvidenceMissing(area) {
  const note = area?.querySelector("[data-evidence-missing-note]");
  if (!note) return;
  const missing = evidenceMissingLeaves(area);
  const codes = note.querySelector("[data-evidence-missing-codes]");
  if (codes) codes.textContent = codesOf(missing);
  note.hidden = !missing.length;
}

/** Where a refused save's message goes: the form's own box; for the accept button's, the leaf's box when it is
 * in sight, else one made for the button (a «không phát sinh»'s lies in its closed overrule section). */
function failureBox(form) {
  const leafBox = form.closest("[data-leaf]")?.querySelector("[data-error]");
  if (!form.querySelector("[data-error]") && leafBox && !leafBox.closest("details:not([open])")) return named(leafBox);
  return errorBox(form);
}

let madeIds = 0;

/** An error box with an id, for the fields it speaks of to be described by it. */
function named(box) {
  if (!box.id) {
    madeIds += 1;
    box.id = `appraisal-error-${madeIds}`;
  }
  return box;
}

/** Tie `field` to the message with `id` (`aria-describedby`, keeping the ids already there, as a hint's), or
 * untie it. */
function describedBy(field, id, tied) {
  const ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter((each) => each && each !== id);
  if (tied) ids.push(id);
  if (ids.length) field.setAttribute("aria-describedby", ids.join(" "));
  else field.removeAttribute("aria-describedby");
}

/** A leaf's fields no longer said to be wrong: their marks and their ties to the leaf's error boxes go (as marked
 * by this script or by the server's page). */
function clearInvalid(leaf) {
  const ids = Array.from(leaf.querySelectorAll("[data-error][id]"), (box) => box.id);
  for (const field of leaf.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
  for (const field of leaf.querySelectorAll("[aria-describedby]")) {
    for (const id of ids) describedBy(field, id, false);
  }
}

/** Open the closed sections (a «không phát sinh»'s overrule) holding `element`, so what it says is seen. */
function reveal(element) {
  for (let details = element?.closest("details"); details; details = details.parentElement?.closest("details")) {
    details.open = true;
  }
}

function conflictBox(leaf, form, current, submitted = form) {
  const box = form.querySelector(".js-conflict") || leaf.querySelector(".js-conflict");
  if (!box) return;
  const explaining = form.matches("[data-explain-line]");
  box.replaceChildren();
  const title = document.createElement("p");
  title.innerHTML = "<strong></strong>";
  // who set the stored value, and when (the server's words, from the audit): the title need not guess
  const by = explaining ? "" : current.appraised_by || "";
  title.firstChild.textContent = explaining ? T.explainConflict : by ? T.conflictNamed : T.conflict;
  const stored = document.createElement("p");
  stored.setAttribute("data-stored", "");
  // the stored decision as the server words it (an accepted «không phát sinh» with the points it is credited)
  // the unit's agreement saved elsewhere is no text: said as such, not as the text the leaf keeps
  stored.textContent = explaining
    ? `${T.stored}: ${current.agreed ? T.agreed : current.explanation || "—"}`
    : `${T.stored}: ${current.stored}${current.note ? " — " + current.note : ""}`;
  const storedBy = document.createElement("p");
  storedBy.className = "meta";
  storedBy.setAttribute("data-stored-by", "");
  storedBy.textContent = by;
  // an explanation's: the text typed here too, kept in its box (and in the browser's draft) until the user chooses
  const yours = document.createElement("p");
  if (explaining) {
    yours.setAttribute("data-yours", "");
    yours.textContent = `${T.yours}: ${explanationField(form)?.value || "—"}`;
    form.dataset.conflicted = "1";
  }
  const keep = button("", T.keep);
  // The box goes with its button: the keyboard goes back to the leaf (not to the page's body, from where J / K
  // would start again at the first leaf).
  const close = () => {
    leaf.focus({ preventScroll: true });
    box.hidden = true;
    delete form.dataset.conflicted;
  };
  onDeliberateClick(keep, () => {
    setVersion(leaf, current.version);
    close();
    submitted.requestSubmit();  // the action that met the conflict (an acceptance stays one)
  });
  const take = button("secondary", T.take);
  onDeliberateClick(take, () => {
    showLine(leaf, current);
    if (explaining) {
      markSaved(form);
      persistExplanation(form);  // the stored text taken: no draft left to restore
    }
    close();
    leaf.classList.remove("has-error");
    const status = leaf.querySelector("[data-save-status]");
    if (status) status.textContent = "";
  });
  // The user typing when the answer comes (the focus in the leaf's form, or a key in the last seconds) keeps the
  // focus: the box is announced (role=alert) and reached with Tab. Otherwise (the focus fell to the page's body
  // with the button disabled during the save) it goes to the box, so Tab does not start again at the page's top.
  // The button that sent the save keeps the focus during it: on it, only a key typed in the last seconds counts.
  const active = document.activeElement;
  const onItsButton = Boolean(active?.matches?.("button") && (submitted.contains(active) || form.contains(active)));
  const typing = onItsButton ? userTyping(null) : userTyping(submitted, box) || userTyping(form, box);
  box.append(title, ...(explaining ? [yours] : []), stored, ...(by ? [storedBy] : []), keep, " ", take);
  box.hidden = false;
  reveal(box);
  if (!typing) keep.focus();
  if (!explaining) {  // the leaf was saved elsewhere: as stored, and its explanation (if new) looked at
    showHeader(leaf, current);
    markAcceptable(leaf, current);
    markExplanationSeen(leaf);
  }
}

/** Where a leaf's save says why it failed: the form's own box, else (the accept button's form) one made for it. */
function errorBox(form) {
  let box = form.querySelector("[data-error]");
  if (!box) {
    box = document.createElement("p");
    box.className = "leaf-error error";
    box.setAttribute("role", "alert");
    box.setAttribute("data-error", "");
    box.hidden = true;
    form.append(box);
  }
  return named(box);
}

/** The session ended: keep what was typed (still unsaved), say so, offer to sign in and to save again. */
function signedOut(leaf, form, status, data) {
  signedOutForms.add(form);
  if (status) status.textContent = T.signedOut;
  const box = errorBox(form);
  const retry = button("retry-save secondary", T.retry);
  retry.addEventListener("click", () => form.requestSubmit());
  box.replaceChildren(...signInAgain(data, T.sessionEnded, T.signIn), " ", retry);
  box.hidden = false;
  reveal(box);
  leaf.classList.add("has-error", "unsaved");
}

// An explanation as last saved (or as the page drew it): one that differs is unsaved, and leaving the page or
// sending the explanations must not lose it.
const savedExplanation = new WeakMap();

function explanationField(form) {
  return form.querySelector("textarea[name=explanation]");
}

// The unit's «Đồng ý với kết quả thẩm định» as last saved: ticked or unticked and not saved is unsaved too.
const savedAgreement = new WeakMap();

function agreeBox(form) {
  return form.querySelector("input[name=agree]");
}

function markSaved(form, text, agreed) {
  const field = explanationField(form);
  if (field) savedExplanation.set(form, text ?? field.value);
  const box = agreeBox(form);
  if (box) savedAgreement.set(form, agreed ?? box.checked);
}

function explanationUnsaved(form) {
  const field = explanationField(form);
  const box = agreeBox(form);
  return (Boolean(field) && savedExplanation.has(form) && field.value !== savedExplanation.get(form))
    || (Boolean(box) && savedAgreement.has(form) && box.checked !== savedAgreement.get(form));
}

function explainForms() {
  return Array.from(document.querySelectorAll("form[data-explain-line]"));
}

// An appraisal form's inputs and reason as last saved (or as the page drew them): one that differs holds an edit
// not saved yet, which an area's bulk accept saves first and leaving the page warns about.
const savedAppraisal = new WeakMap();

function appraisalState(form) {
  const kept = [];
  for (const [name, value] of new FormData(form)) {
    if (name === "csrfmiddlewaretoken" || name === "next" || name === "base_version") continue;
    kept.push(`${name}=${value}`);
  }
  return kept.join("&");
}

function markAppraisalSaved(form) {
  savedAppraisal.set(form, appraisalState(form));
}

function appraisalUnsaved(form) {
  return savedAppraisal.has(form) && appraisalState(form) !== savedAppraisal.get(form);
}

function appraiseForms(root = document) {
  return Array.from(root.querySelectorAll("form[data-appraise]"));
}

/** An appraisal edited after its last save's answer: «Không lưu được» (or «Đã lưu») no longer says what the form
 * holds once the user corrects it. The status says the change is not saved yet, as the sheet's does; back to what
 * is stored, it says nothing. A session ended keeps its own words (they say how to save). */
function showAppraisalEdited(form) {
  const status = form.querySelector("[data-save-status]");
  if (!status) return;
  const said = status.textContent;
  // «Đã lưu» may go on to say that this first decision started the appraisal
  if (![T.failed, T.network, T.unsaved].includes(said) && !said.startsWith(T.saved)) return;
  const now = appraisalUnsaved(form) ? T.unsaved : said === T.unsaved ? "" : said;
  if (now !== said) status.textContent = now;  // a live region: said once, not at every key
}

function enhanceSaveForm(form) {
  if (form.matches("[data-explain-line]")) markSaved(form);
  if (form.matches("[data-appraise]")) {
    markAppraisalSaved(form);
    form.addEventListener("input", () => showAppraisalEdited(form));
    form.addEventListener("change", () => showAppraisalEdited(form));
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (form.closest("[data-leaf]")?.dataset.busy || !saveAsked(form)) return;
    saveLeaf(form);
  });
}

// The forms whose save the user has confirmed (`saveAsked`): sent again after a conflict or a sign-in, not asked
// again.
const confirmedSaves = new WeakSet();

/** What a leaf's appraisal asks before it is saved, "" for nothing: a leaf needing evidence the unit did not send
 * (the area's bulk accept leaves it out on purpose); the leaf scoring the on-time submission of a unit that sent
 * late or never did, not decided yet, when its self-score worth points is accepted (its «Chấp nhận», or its form
 * still holding the unit's answer). */
function saveQuestion(form) {
  const leaf = form.closest("[data-leaf]");
  if (!leaf || !form.matches("[data-appraise], [data-accept]")) return "";
  const reasons = [];
  if (leaf.hasAttribute("data-evidence-missing")) reasons.push(T.evidenceMissing);
  const late = leaf.querySelector("[data-submission-late-ask]");
  if (late && leaf.hasAttribute("data-undecided") && (form.matches("[data-accept]") || !appraisalUnsaved(form))) {
    reasons.push(`${late.textContent.trim()} ${T.lateSubmission}`);
  }
  return reasons.length ? `${reasons.join("\n\n")}\n\n${T.saveAnyway}` : "";
}

/** Every way of saving a leaf's appraisal (its buttons, Enter in its fields, Ctrl+Enter) asks `saveQuestion` first,
 * so that saving it is a deliberate choice; true when the save may go. */
function saveAsked(form) {
  if (confirmedSaves.has(form)) return true;
  const question = saveQuestion(form);
  if (!question) return true;
  if (!window.confirm(question)) return false;
  confirmedSaves.add(form);
  return true;
}

/** Send a leaf's form in place; true once the server saved it. The keyboard in the leaf stays in it: a control
 * that held it and went with the answer (an accepted «không phát sinh»'s button is hidden) hands it to the leaf,
 * so that Ctrl+Enter, J / K and a screen reader go on from there, not from the page's top. */
async function saveLeaf(form) {
  const leaf = form.closest("[data-leaf]");
  if (leaf.dataset.busy) return false;  // the leaf's last save has not answered yet
  const inLeaf = leaf.contains(document.activeElement);
  try {
    return await sendLeaf(form, leaf);
  } finally {
    const active = document.activeElement;
    const lost = !active || active === document.body || !active.isConnected || active.closest?.("[hidden]");
    if (inLeaf && lost && leaf.isConnected) leaf.focus({ preventScroll: true });
  }
}

async function sendLeaf(form, leaf) {
  const explanation = explanationField(form);
  const sentText = explanation && form.matches("[data-explain-line]") ? explanation.value : null;
  const status = leaf.querySelector("[data-save-status]");
  const fieldset = form.querySelector("fieldset.method-input");
  if (status) status.textContent = T.saving;
  let result;
  setBusy(leaf, true);
  try {
    result = await postForm(form);
  } catch {
    if (status) status.textContent = T.network;
    const box = failureBox(form);
    box.textContent = T.network;
    box.hidden = false;
    reveal(box);
    return false;
  } finally {
    setBusy(leaf, false);  // the answer is handled below before any other click is: it sets the new version
  }
  const { status: code, data } = result;
  if (code === 401) {
    signedOut(leaf, form, status, data);
    return false;
  }
  signedOutForms.delete(form);
  leaf.classList.remove("unsaved");
  if (data.ok) {
    confirmedSaves.delete(form);  // decided: a later change of it is a new choice
    if (data.line) {
      const typed = explanation ? explanation.value : null;
      showLine(leaf, data.line);
      markAcceptable(leaf, data.line);
      markExplanationSeen(leaf);
      if (sentText !== null) {
        markSaved(form, typeof data.line.explanation === "string" ? data.line.explanation : sentText,
          typeof data.line.agreed === "boolean" ? data.line.agreed : undefined);
        // typed on while the save was on its way: kept, and still unsaved
        if (typed !== sentText) explanation.value = typed;
        persistExplanation(form);
      }
    } else if (sentText !== null) {
      markSaved(form, sentText);
    }
    showReview(data.review);
    showNewExplanations(data.new_explanations);
    showAgreeRemaining(data.remaining);
    for (const box of leaf.querySelectorAll("[data-error]")) box.hidden = true;
    clearInvalid(leaf);
    leaf.classList.remove("has-error");
    if (status) status.textContent = T.saved;
    if (status && data.saved_time) status.textContent = `${T.saved} ${data.saved_time}`;  // the server's clock
    // said where the click was, once (the leaf's status is a live region); the notice above follows silently
    if (status && data.started) status.textContent = savedAndStarted(status.textContent, data.started);
    showStarted(data.started, { saidNearby: Boolean(status) });
    return true;
  }
  if (status) status.textContent = T.failed;
  leaf.classList.add("has-error");
  if (code === 409 && data.current) {
    for (const box of leaf.querySelectorAll("[data-error]")) box.hidden = true;
    clearInvalid(leaf);
    const holder = form.matches("[data-appraise]") ? form : leaf.querySelector("[data-appraise]") || form;
    conflictBox(leaf, holder, data.current, form);
    showNewExplanations(data.new_explanations);  // the leaf saved elsewhere: its explanation has been looked at
    return false;
  }
  clearInvalid(leaf);  // the marks of an earlier refusal (another field's) go with its message
  const target = failureBox(form);
  target.textContent = data.message || T.failed;
  target.hidden = false;
  reveal(target);
  // the field refused is marked and described by the message, as the page without the script does
  const text = data.field === "note" || data.field === "explanation" ? form.querySelector(`textarea[name=${data.field}]`) : null;
  if (text) {
    text.setAttribute("aria-invalid", "true");
    describedBy(text, target.id, true);
    text.focus();
  } else if (fieldset) {
    const first = markInvalid(fieldset, data.field);
    for (const input of fieldset.querySelectorAll("[aria-invalid]")) describedBy(input, target.id, true);
    first?.focus();
  }
  return false;
}

/** The unit's page: «Còn N tiêu chí…», the «Đồng ý … ở N tiêu chí còn lại» button and its confirmation as a save's
 * answer gives them (the server words them); the form goes once no leaf is left to agree with. */
function showAgreeRemaining(remaining) {
  const form = document.querySelector("form[data-agree-remaining]");
  if (!form || !remaining) return;
  form.dataset.confirm = remaining.confirm;
  const text = form.querySelector("[data-agree-remaining-text]");
  if (text) text.textContent = remaining.text;
  const button = form.querySelector("[data-agree-remaining-button]");
  if (button) button.textContent = remaining.button;
  form.hidden = remaining.agreeable === 0;
}

/** The leaf's save in flight (a «Lưu giải trình» pressed just before): its answer, before this form is looked at. */
async function idle(leaf) {
  for (let waited = 0; leaf.dataset.busy && waited < 30000; waited += 100) {
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
}

/** «Gửi giải trình»: asked first (data-confirm); explanations typed and not saved are saved before the page is
 * sent, and if one cannot be (refused, a conflict, no connection) nothing is sent and the leaves are named. */
function enhanceResubmit(form) {
  const box = form.querySelector("[data-resubmit-error], [data-agree-error]");
  const button = form.querySelector("button[type=submit]");
  let sending = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending || (form.dataset.confirm && !window.confirm(form.dataset.confirm))) return;
    sending = true;
    if (button) button.disabled = true;
    form.setAttribute("aria-busy", "true");
    const failed = [];
    for (const each of explainForms()) {
      const leaf = each.closest("[data-leaf]");
      await idle(leaf);
      if (!explanationUnsaved(each)) continue;
      if (box) {
        box.hidden = false;
        box.classList.remove("error");
        box.textContent = T.savingExplanations;
      }
      if (!(await saveLeaf(each)) || explanationUnsaved(each)) failed.push(leaf);
    }
    // typed again meanwhile in a leaf already saved: not sent behind the user's back either
    for (const each of explainForms()) {
      const leaf = each.closest("[data-leaf]");
      if (explanationUnsaved(each) && !failed.includes(leaf)) failed.push(leaf);
    }
    if (!failed.length) {
      form.submit();
      return;
    }
    sending = false;
    if (button) button.disabled = false;
    form.removeAttribute("aria-busy");
    if (!box) return;
    const list = document.createElement("ul");
    for (const leaf of failed) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#${leaf.id}`;
      link.textContent = leaf.querySelector(".leaf-name")?.textContent.trim() || leaf.id;
      item.append(link);
      list.append(item);
    }
    box.replaceChildren(T.unsavedExplanations, list);
    box.classList.add("error");
    box.hidden = false;
    if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "-1");
    box.focus();
  });
  // Back to the page kept in the back-forward cache after sending: the button works again.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    sending = false;
    if (button) button.disabled = false;
    form.removeAttribute("aria-busy");
  });
}

/** Where an area's bulk accept says what it did (or why it did not). */
function areaResult(form, text, { error = false, nodes = null } = {}) {
  const box = form.closest(".area-block")?.querySelector("[data-area-result]");
  if (!box) return null;
  if (nodes) box.replaceChildren(...nodes);
  else box.textContent = text;
  box.classList.toggle("error", error);
  box.setAttribute("role", error ? "alert" : "status");
  box.hidden = false;
  return box;
}

/** The area's leaves its bulk accept takes (`noted`: its second form, which takes too those whose missing evidence
 * the unit wrote about) whose self-score the unit's late submission puts in doubt. */
function lateAccepted(area, noted) {
  const taken = noted ? '[data-leaf][data-acceptable="1"], [data-leaf][data-evidence-noted]' : '[data-leaf][data-acceptable="1"]';
  return area ? Array.from(area.querySelectorAll(taken)).filter((leaf) => leaf.querySelector("[data-submission-late-ask]")) : [];
}

/** An area's «Chấp nhận điểm tự chấm cho N tiêu chí» (and its second, «Chấp nhận cả N tiêu chí thiếu tài liệu có
 * ghi chú…», which takes too the leaves whose missing evidence the unit wrote about): asked first, naming the
 * leaves it leaves out (evidence the unit did not send, without a word on it for the second) and the unsaved
 * adjustments of the area, which are saved before it is sent; one refused stops it (nothing accepted), naming the
 * leaf, whose own box says why. Then sent in place: the leaves accepted, the summary and the counts follow the
 * answer, which the area says. */
function enhanceAreaAccept(form) {
  const area = form.closest(".area-block");
  const noted = form.matches("[data-accept-area-noted]");
  const trigger = form.querySelector(noted ? "[data-accept-area-noted-button]" : "[data-accept-area]");
  let sending = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return;
    const unsaved = appraiseForms(area || document).filter(appraisalUnsaved);
    const missing = evidenceMissingLeaves(area).filter((leaf) => !noted || !leaf.hasAttribute("data-evidence-noted"));
    let question = form.dataset.confirm || "";
    if (missing.length && form.dataset.evidenceNote) question += `\n\n${form.dataset.evidenceNote} ${codesOf(missing)}`;
    // the leaf scoring the on-time submission of a unit that sent late is not left out by the server: said
    const late = lateAccepted(area, noted);
    if (late.length) question += `\n\n${T.lateInArea} ${codesOf(late)}`;
    if (unsaved.length) question += `\n\n${T.saveFirst} ${codesOf(unsaved.map((each) => each.closest("[data-leaf]")))}`;
    if (question && !window.confirm(question)) return;
    sending = true;
    if (trigger) trigger.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      for (const each of unsaved) {
        const leaf = each.closest("[data-leaf]");
        await idle(leaf);
        if (!appraisalUnsaved(each)) continue;  // saved meanwhile (its own button, Ctrl+Enter)
        areaResult(form, T.savingEdits);
        if (!(await saveLeaf(each)) || appraisalUnsaved(each)) {
          const link = document.createElement("a");
          link.href = `#${leaf.id}`;
          link.textContent = codesOf([leaf]);
          areaResult(form, "", { error: true, nodes: [`${T.areaStopped} `, link] });
          return;
        }
      }
      areaResult(form, T.accepting);
      let result;
      try {
        result = await postForm(form);
      } catch {
        result = { status: 0, data: { ok: false, message: T.network } };
      }
      if (result.status === 401) {
        const retry = button("secondary", T.retry);
        retry.addEventListener("click", () => form.requestSubmit());
        areaResult(form, "", { error: true, nodes: [...signInAgain(result.data, T.sessionEnded, T.signIn), " ", retry] });
        return;
      }
      if (!result.data.ok) {
        areaResult(form, result.data.message || T.failed, { error: true })?.focus();
        return;
      }
      const data = result.data;
      const accepted = new Set();
      for (const line of data.lines || []) {
        const leaf = document.getElementById(`line-${line.id}`);
        if (!leaf) continue;
        accepted.add(leaf);
        showLine(leaf, line);
        markAcceptable(leaf, line);
        markExplanationSeen(leaf);
      }
      // the area's other leaves as stored: one saved elsewhere since the page was loaded (another version than the
      // page's) is drawn anew, and named, so that the page shows what the area now holds
      const elsewhere = [];
      for (const line of data.area_lines || []) {
        const leaf = document.getElementById(`line-${line.id}`);
        if (!leaf || accepted.has(leaf)) continue;
        const version = leaf.querySelector("[data-version]");
        if (!version || version.value === String(line.version) || appraiseForms(leaf).some(appraisalUnsaved)) continue;
        showLine(leaf, line);
        markAcceptable(leaf, line);
        elsewhere.push(leaf);
      }
      showReview(data.review);
      showNewExplanations(data.new_explanations);
      const message = data.started ? `${data.message} ${data.started}` : data.message;
      const said = elsewhere.length ? `${message} ${T.decidedElsewhere} ${codesOf(elsewhere)}` : message;
      const box = areaResult(form, said);
      showStarted(data.started, { saidNearby: Boolean(box) });  // the area's result (a status) said it already
      // the button gone with nothing left to accept: the keyboard goes to what it did
      if (box && (form.hidden || !form.isConnected)) box.focus({ preventScroll: true });
    } finally {
      sending = false;
      if (trigger) trigger.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
}

/** The lead's «Thông qua»: asked first, naming the new explanations nobody has looked at (the form's checkbox
 * «Tôi đã đọc / vẫn thông qua» is required while there are). */
function enhanceSignOff(form) {
  form.addEventListener("submit", (event) => {
    let question = form.dataset.confirm || "";
    const unread = form.querySelector("[data-signoff-unread]");
    const note = unread && !unread.hidden ? unread.querySelector("[data-signoff-unread-note]") : null;
    if (note) question += `\n\n${note.textContent.trim().replace(/\s+/g, " ")}`;
    if (question && !window.confirm(question)) event.preventDefault();
  });
}

function leaves() {
  return Array.from(document.querySelectorAll("[data-leaf]"));
}

function currentLeaf() {
  return document.activeElement?.closest?.("[data-leaf]") || null;
}

// The leaf the keyboard was last in: J / K go on from it when the focus has fallen to the page's body (an element
// holding it was hidden or removed), rather than from the first leaf.
let lastLeaf = null;
document.addEventListener("focusin", (event) => {
  const leaf = event.target.closest?.("[data-leaf]");
  if (leaf) lastLeaf = leaf;
});

function move(step) {
  const all = leaves();
  if (!all.length) return;
  const active = document.activeElement;
  const lost = !active || active === document.body;
  const here = currentLeaf() || (lost && lastLeaf?.isConnected ? lastLeaf : null);
  let index = here ? all.indexOf(here) + step : step > 0 ? 0 : all.length - 1;
  index = Math.max(0, Math.min(all.length - 1, index));
  const leaf = all[index];
  leaf.focus({ preventScroll: true });
  leaf.scrollIntoView({ block: "start", behavior: "smooth" });
  history.replaceState(null, "", `#${leaf.id}`);
}

/** N / Shift+N: the next / previous leaf the team has not decided yet (after / before the one the keyboard is in),
 * the first / last from the page's end; said when none is left. */
function moveUndecided(step) {
  const all = leaves();
  const here = currentLeaf() || (lastLeaf?.isConnected ? lastLeaf : null);
  const start = here ? all.indexOf(here) : step > 0 ? -1 : all.length;
  const ahead = step > 0 ? all.slice(start + 1) : all.slice(0, Math.max(start, 0)).reverse();
  const behind = step > 0 ? all.slice(0, start + 1) : all.slice(start + 1).reverse();
  const leaf = [...ahead, ...behind].find((each) => each.hasAttribute("data-undecided") && each !== here)
    || (here?.hasAttribute("data-undecided") ? here : null);
  if (!leaf) {
    announce(T.noUndecided);
    return;
  }
  leaf.focus({ preventScroll: true });
  leaf.scrollIntoView({ block: "start", behavior: "smooth" });
  history.replaceState(null, "", `#${leaf.id}`);
}

/** A short message for screen readers and the eye (the page's live region, made once). */
function announce(text) {
  let box = document.querySelector("[data-key-status]");
  if (!box) {
    box = document.createElement("p");
    box.className = "note no-print";
    box.setAttribute("role", "status");
    box.dataset.keyStatus = "";
    document.querySelector(".keyboard-help")?.after(box);
  }
  box.textContent = text;
}

function onKey(event) {
  // typing: a text box or a list, not a radio button or a check box (J / K are no input there)
  const typing = event.target.closest?.(
    "input:not([type=radio]):not([type=checkbox]):not([type=button]):not([type=submit]), textarea, select, [contenteditable]",
  );
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    const leaf = currentLeaf();
    // a «không phát sinh» with its overrule section closed: the key accepts it (its «Chấp nhận» button); open,
    // it saves the overrule being written
    const overrule = leaf?.querySelector("details.na-overrule");
    const form = overrule && !overrule.open
      ? leaf.querySelector("form[data-accept]")
      : leaf?.querySelector("[data-appraise], [data-explain-line]");
    // a read-only leaf (outside the user's areas) has a form to show its inputs, but nothing to submit; an
    // accepted «không phát sinh» is not accepted again
    if (form && !form.hidden && form.querySelector("button[type=submit]:not([disabled])")) {
      event.preventDefault();
      form.requestSubmit();  // asks first as its buttons do (`saveAsked`)
    }
    return;
  }
  if (!typing && !event.altKey && !event.ctrlKey && !event.metaKey && (event.key === "n" || event.key === "N")
    && document.querySelector("[data-review]")) {
    event.preventDefault();
    moveUndecided(event.shiftKey ? -1 : 1);
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

// The unit's explanations save themselves as the sheet's leaves do: after a pause in typing, and when the leaf is
// left; what is typed and not saved yet is kept in the browser (per assessment, user and leaf, with the version it
// was typed over) and restored on the next visit. A conflict stops the autosave of its leaf until the user chooses.
const EXPLAIN_DELAY = 800;
const explainPage = document.querySelector("[data-explain]");
const EXPLAIN_DRAFTS = `cchc:explain:${explainPage?.dataset.explain || ""}:${explainPage?.dataset.user || ""}:`;
const explainTimers = new WeakMap();

function draftKeyOf(form) {
  return `${EXPLAIN_DRAFTS}${form.closest("[data-leaf]")?.id || ""}`;
}

/** Keep the explanation typed and not saved in the browser, with the text and version it was typed over; drop the
 * draft once nothing differs (saved, or typed back). */
function persistExplanation(form) {
  const field = explanationField(form);
  if (!field || !explanationPage()) return;
  if (!savedExplanation.has(form) || same(field.value, savedExplanation.get(form))) {
    dropDraft(draftKeyOf(form));
    return;
  }
  writeDraft(draftKeyOf(form), {
    version: form.querySelector("[data-version]")?.value || "", base: savedExplanation.get(form), text: field.value,
  });
}

function explanationPage() {
  return Boolean(explainPage && explainPage.dataset.user);
}

/** Save the explanation after `delay`, if it differs from the one stored. An empty one is not sent (the server
 * refuses it): kept, and said unsaved; but on a leaf asked for documents only it is (the note there is optional:
 * emptied, the server takes it away). Nor one typed while «Đồng ý» is ticked (its save button says why). */
function autosaveExplanation(form, delay) {
  clearTimeout(explainTimers.get(form));
  explainTimers.delete(form);
  const field = explanationField(form);
  const status = form.querySelector("[data-save-status]");
  if (!field || form.dataset.conflicted || !explanationUnsaved(form) || agreeBox(form)?.checked) return;
  if (!field.value.trim() && !form.hasAttribute("data-documents-asked")) {
    if (status) status.textContent = T.emptyHeld;
    return;
  }
  if (status && !status.textContent.startsWith(T.restored)) status.textContent = T.typedUnsaved;
  explainTimers.set(form, setTimeout(async () => {
    explainTimers.delete(form);
    await idle(form.closest("[data-leaf]"));  // the save on its way answers first: its version is the one to send
    if (!form.dataset.conflicted && explanationUnsaved(form) && !agreeBox(form)?.checked) await saveLeaf(form);
  }, delay));
}

/** A draft of an earlier visit back in its box, and saved. Typed over the text the page holds, it is sent as a
 * change of it; typed over an older text (saved since, elsewhere), it is sent with the version it was typed over:
 * the server answers with the stored one and the page shows both (nothing stored since is written over unseen). */
function restoreExplanation(form) {
  const field = explanationField(form);
  const draft = field && readDraft(draftKeyOf(form));
  if (!draft || typeof draft.text !== "string") return;
  if (same(draft.text, field.value)) {
    dropDraft(draftKeyOf(form));  // the page holds it already: saved since
    return;
  }
  if (!same(draft.base, field.value) && draft.version) setVersion(form.closest("[data-leaf]"), draft.version);
  field.value = draft.text;
  const status = form.querySelector("[data-save-status]");
  if (status) status.textContent = T.restored;
  autosaveExplanation(form, 0);
}

if (explanationPage()) {
  for (const form of explainForms()) {
    const field = explanationField(form);
    if (!field) continue;
    field.addEventListener("input", () => {
      persistExplanation(form);
      autosaveExplanation(form, EXPLAIN_DELAY);
    });
    // leaving the leaf saves at once what waits for the typing pause
    form.addEventListener("focusout", (event) => {
      if (explainTimers.has(form) && !form.contains(event.relatedTarget)) autosaveExplanation(form, 0);
    });
    restoreExplanation(form);
  }
  // the page hidden or left: what waits for the typing pause is sent at once (the draft stays if it cannot be)
  const flush = () => {
    for (const form of explainForms()) {
      if (explainTimers.has(form)) autosaveExplanation(form, 0);
    }
  };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flush();
  });
  window.addEventListener("pagehide", flush);
  // a document linked or removed on a leaf (static/js/evidence.js): on a leaf asked for documents it is the answer
  document.addEventListener("cchc:leaf-evidence", (event) => {
    const { line_id: lineId, answer } = event.detail;
    const tag = document.querySelector(`#line-${lineId} [data-documented]`);
    if (tag) tag.hidden = !answer.documented;
    showAgreeRemaining(answer.remaining);
  });
}
for (const form of document.querySelectorAll(
  "form[data-explanation-seen], form[data-explanations-seen], form[data-explanations-seen-area]",
)) {
  enhanceSeenForm(form);
}
for (const form of document.querySelectorAll(
  "form[data-confirm]:not([data-resubmit]):not([data-agree-remaining]):not([data-accept-area-form])"
    + ":not([data-accept-area-noted]):not([data-signoff-form])",
)) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
for (const form of document.querySelectorAll("form[data-accept-area-form], form[data-accept-area-noted]")) {
  enhanceAreaAccept(form);
}
for (const form of document.querySelectorAll("form[data-signoff-form]")) enhanceSignOff(form);
// «Đồng ý … ở N tiêu chí còn lại» as «Gửi giải trình»: what was typed or ticked and not saved is saved first (an
// explanation typed is the leaf's answer, not a leaf to agree with)
for (const form of document.querySelectorAll("form[data-resubmit], form[data-agree-remaining]")) enhanceResubmit(form);
if (explainForms().length || appraiseForms().length) {
  // an explanation or an appraisal typed and not saved: leaving the page (another unit, the area filter, a link)
  // asks first
  window.addEventListener("beforeunload", (event) => {
    if (!explainForms().some(explanationUnsaved) && !appraiseForms().some(appraisalUnsaved)) return;
    event.preventDefault();
    event.returnValue = T.leave;
  });
}
if (leaves().length) document.addEventListener("keydown", onKey);
// Back from signing in again in another tab: save what the expired session could not.
window.addEventListener("focus", () => {
  for (const form of signedOutForms) form.requestSubmit();
});
for (const box of document.querySelectorAll("[data-result-poll]")) pollResult(box);

// An evidence file's inline preview waits in a <template> until its «Xem» is opened: a page of a hundred leaves
// loads no frame or image with itself. The toggle event does not bubble: caught on its way down.
document.addEventListener(
  "toggle",
  (event) => {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.open) return;
    const preview = details.querySelector(":scope > template[data-preview]");
    if (preview) preview.replaceWith(preview.content.cloneNode(true));
  },
  true,
);
