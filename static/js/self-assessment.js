// The self-assessment sheet: each leaf's form saves itself as the user edits (autosave), shows the score the
// server computed, refreshes the running totals, and handles a stale version (another user saved first) field by
// field: a field the user did not touch takes the stored value, a field only the user changed stays the user's, and
// only a field both changed asks the user to keep theirs or take the stored one (the leaf's value, with «Không phát
// sinh», counts as one field). What is typed and not saved yet is also kept in the browser (localStorage, per
// assessment, user and leaf, with the version it was typed over) until it is saved, and restored on the next visit.
// Without this script every leaf form is a plain form post and the page re-renders with the server's message.
import { button } from "./dom.js";
import { DRAFT_AGE, clean, same, storage } from "./drafts.js";
import { describe, fill, markInvalid } from "./method-input.js";
import { freshToken, signInAgain } from "./session.js";
import { isTextField, onDeliberateClick, userTyping } from "./typing.js";

const TYPING_DELAY = 800;
const RETRY_DELAY = 5000;
const vi = document.documentElement.lang.startsWith("vi");
const T = vi
  ? {
      waiting: "Chưa lưu…", saving: "Đang lưu…", saved: "Đã lưu", unchanged: "Không có thay đổi.", offline: "Chưa lưu được (mất kết nối hoặc lỗi máy chủ); sẽ thử lại.",
      failed: "Không lưu được.", conflict: "Tiêu chí này vừa được sửa ở nơi khác (người khác hoặc một thẻ khác của anh/chị).", by: "Người sửa", at: "lúc",
      yours: "Giá trị của anh/chị", stored: "Giá trị đang lưu", ofYours: "của anh/chị", ofStored: "đang lưu", keep: "Giữ giá trị của tôi", take: "Lấy giá trị đang lưu",
      points: "điểm", na: "KPS", leave: "Còn thay đổi chưa lưu.", empty: "(chưa chấm)",
      incomplete: "Nhập đủ các số liệu để tính điểm.", reasonNeeded: "Nêu lý do không phát sinh để lưu.",
      reasonOnHold: "Lý do không phát sinh chưa được lưu: lý do chỉ được lưu khi đánh dấu «Không phát sinh».",
      notYours: "Chưa lưu: tài khoản đang đăng nhập không được sửa bản đánh giá này. Hãy đăng nhập bằng tài khoản của đơn vị rồi lưu lại.",
      signedOut: "Chưa lưu: phiên đăng nhập đã hết hạn.", signIn: "Đăng nhập lại (mở thẻ mới)", retry: "Lưu lại",
      sessionEnded: "Phiên đăng nhập đã hết hạn nên thay đổi vừa rồi chưa được lưu. Hãy đăng nhập lại; nội dung anh/chị đã nhập vẫn còn trên trang.",
      onHold: "Chưa lưu: hãy chọn giữ giá trị của mình hoặc lấy giá trị đang lưu.",
      copyHint: "Nội dung anh/chị đã nhập vẫn còn trong các ô của tiêu chí này (chỉ đọc): hãy sao chép để giữ lại.",
      labels: { value: "Giá trị", not_applicable_reason: "Lý do không phát sinh", note: "Ghi chú", explanation: "Giải trình" },
      naWord: "Không phát sinh",
      bothChanged: "Ô mà cả anh/chị và người kia cùng sửa: %s. Hãy chọn giữ giá trị của anh/chị hay lấy giá trị đang lưu cho %n.",
      theseFields: "các ô này", thisField: "ô này",
      tookTheirs: "Ô mà anh/chị không sửa đã lấy giá trị đang lưu: %s.",
      keptMine: "Ô mà chỉ anh/chị sửa giữ nội dung của anh/chị và được lưu cùng lựa chọn dưới đây: %s.",
      merged: "%who vừa sửa tiêu chí này lúc %at (%s): trang đã lấy các giá trị đó",
      mergedMine: "; thay đổi của anh/chị (%s) không trùng nên vẫn được lưu.",
      tookStored: "Đã lấy giá trị đang lưu.",
      restored: "Có nội dung chưa lưu từ lần trước — đã khôi phục, đang lưu…",
      restoredSaved: "Có nội dung chưa lưu từ lần trước — đã khôi phục và lưu",
      restoredCheck: "Có nội dung chưa lưu từ lần trước — đã khôi phục; chưa lưu được, hãy xem thông báo ở",
    }
  : {
      waiting: "Not saved yet…", saving: "Saving…", saved: "Saved", unchanged: "No changes.", offline: "Not saved (offline or server error); will retry.",
      failed: "Could not save.", conflict: "This criterion has just been changed elsewhere (by someone else or in another tab of yours).", by: "Changed by",
      at: "at", yours: "Your value", stored: "Stored value", ofYours: "(yours)", ofStored: "(stored)", keep: "Keep mine", take: "Take the stored value",
      points: "points", na: "N/A", leave: "Some changes are not saved yet.", empty: "(not scored)",
      incomplete: "Enter all the figures to compute the score.", reasonNeeded: "Give the reason it is not applicable to save.",
      reasonOnHold: "The reason for not applicable is not saved: it is saved only once «Not applicable» is ticked.",
      notYours: "Not saved: the account signed in may not edit this assessment. Sign in with the unit's account and save again.",
      signedOut: "Not saved: your session has expired.", signIn: "Sign in again (opens a new tab)", retry: "Save again",
      sessionEnded: "Your session has expired, so your last change was not saved. Please sign in again; what you typed is still on the page.",
      onHold: "Not saved: keep your value or take the stored one.",
      copyHint: "What you typed is still in this criterion's boxes (read-only): copy it to keep it.",
      labels: { value: "Value", not_applicable_reason: "Reason for not applicable", note: "Note", explanation: "Explanation" },
      naWord: "Not applicable",
      bothChanged: "Changed both by you and by the other person: %s. Keep your value or take the stored one for %n.",
      theseFields: "these fields", thisField: "this field",
      tookTheirs: "Fields you did not change now hold the stored value: %s.",
      keptMine: "Fields only you changed keep your text and are saved with the choice below: %s.",
      merged: "%who has just changed this criterion at %at (%s): the page now holds those values",
      mergedMine: "; your changes (%s) do not clash and are saved as well.",
      tookStored: "The stored value has been taken.",
      restored: "Text not saved last time has been restored; saving…",
      restoredSaved: "Text not saved last time has been restored and saved",
      restoredCheck: "Text not saved last time has been restored; it could not be saved yet, see the message at",
    };

// The fields of a leaf, compared one by one when another save came first.
const FIELDS = ["value", "not_applicable_reason", "note", "explanation"];
const fill2 = (template, values) => template.replace(/%(\w+)/g, (whole, key) => (key in values ? values[key] : whole));

/** The leaf's fields as `form` holds them, each as a text: the value (the method's inputs, disabled or not: a figure
 * greyed out by «Không phát sinh» is still the leaf's, and the box itself) and the three texts. */
function stateOf(form) {
  const pairs = [];
  const fieldset = form.querySelector("fieldset.method-input");
  for (const input of fieldset ? fieldset.querySelectorAll("input") : []) {
    const value = clean(input.value);
    if (input.type === "radio" ? input.checked && value !== "" : value !== "") pairs.push([input.name, value]);
  }
  const box = form.querySelector('input[name="not_applicable"]');
  if (box && box.checked) pairs.push(["not_applicable", "1"]);
  const text = (name) => form.querySelector(`[name="${name}"]`)?.value ?? "";
  return {
    value: new URLSearchParams(pairs).toString(),
    not_applicable_reason: text("not_applicable_reason"),
    note: text("note"),
    explanation: text("explanation"),
  };
}

/** Put one field of a state (`stateOf`) back into `form`. */
function applyField(form, field, held) {
  if (field !== "value") {
    const input = form.querySelector(`[name="${field}"]`);
    if (input) input.value = held ?? "";
    return;
  }
  const params = new URLSearchParams(held || "");
  const fieldset = form.querySelector("fieldset.method-input");
  for (const input of fieldset ? fieldset.querySelectorAll("input") : []) {
    if (input.type === "radio") input.checked = params.has(input.name) ? params.getAll(input.name).includes(input.value) : input.value === "";
    else input.value = params.get(input.name) ?? "";
  }
  const box = form.querySelector('input[name="not_applicable"]');
  if (box) box.checked = params.has("not_applicable");
}

const sheet = document.querySelector(".sheet");
const DRAFTS = `cchc:leaf:${sheet?.dataset.assessment || ""}:${sheet?.dataset.user || ""}:`;

const dirtyForms = new Set();
let pressedForm = null; // the leaf form a pointer is pressed in, until it is released
document.addEventListener("pointerup", () => setTimeout(() => { pressedForm = null; }, 0), true);
document.addEventListener("pointercancel", () => { pressedForm = null; }, true);
const signedOutForms = new Set();

/** A plain button (not a form's submit) with its classes and label. */
function setTotals(totals) {
  if (!totals || !totals.display) return;
  for (const [key, text] of Object.entries(totals.display)) {
    document.querySelectorAll(`[data-total="${CSS.escape(key)}"]`).forEach((el) => { el.textContent = text; });
  }
  const bar = document.querySelector("[data-progress]");
  if (bar && totals.progress) {
    bar.max = totals.progress.total;
    bar.value = totals.progress.scored;
  }
}

class LeafForm {
  constructor(form) {
    this.form = form;
    this.lineId = form.dataset.line;
    this.fieldset = form.querySelector("fieldset.method-input");
    this.status = form.querySelector(".save-status");
    this.errorBox = form.querySelector(".leaf-error");
    this.conflictBox = form.querySelector(".js-conflict");
    this.naBox = form.querySelector('input[name="not_applicable"]');
    this.naReason = form.querySelector('input[name="not_applicable_reason"]');
    this.savedReason = this.naReason ? this.naReason.value : "";
    this.timer = null;
    this.saving = false;
    this.again = false;
    this.blocked = false;
    this.conflicted = false;
    this.awaitingReason = false;
    this.lastSent = this.snapshot();
    this.editable = Boolean(form.querySelector(".leaf-actions"));
    this.versionInput = form.querySelector('input[name="version"]');
    // What the page last knew as stored, field by field, and its version: a field differing from it is the user's.
    this.base = this.state();
    this.baseVersion = this.versionInput ? this.versionInput.value : "";
    this.pending = null; // the stored side of an open conflict panel
    this.restoring = ""; // a draft restored: "pending" until saved, "attention" when it could not be
    form.addEventListener("input", (event) => this.changed(event));
    form.addEventListener("change", (event) => this.changed(event));
    // Leaving the leaf saves at once what is still waiting for the typing pause. A press inside the leaf (on a
    // label: focus goes nowhere first) is not leaving it: the click lands, then its change saves.
    form.addEventListener("pointerdown", () => { pressedForm = form; });
    form.addEventListener("focusout", (event) => {
      if (pressedForm === form || form.contains(event.relatedTarget)) return;
      // A leaf left with «Không phát sinh» ticked and no reason is saved as it is: the server says what is missing.
      if (this.timer || this.awaitingReason) this.schedule(0, false, true);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.schedule(0, true);
    });
    this.syncNotApplicable();
    this.holdSaid = this.reasonOnHold(); // a page drawn again with a reason typed without the box says so
    if (this.holdSaid) this.settle("");
  }

  state() {
    return stateOf(this.form);
  }

  get draftKey() {
    return `${DRAFTS}${this.lineId}`;
  }

  /** Keep what differs from the stored fields in the browser, with the fields and version it was typed over; drop
   * the draft once nothing differs (saved, or typed back). */
  persist() {
    const store = storage();
    if (!store || !this.editable) return;
    const state = this.state();
    try {
      if (FIELDS.every((f) => same(state[f], this.base[f]))) store.removeItem(this.draftKey);
      else store.setItem(this.draftKey, JSON.stringify({ version: this.baseVersion, base: this.base, state, at: Date.now() }));
    } catch (error) {
      // storage full or refused: the page still holds the text and still asks before it is left
    }
  }

  /** A draft of an earlier visit back in the form, and saved. Typed over an older version, it is sent with that
   * version: the server answers with the stored leaf and the conflict rules decide, field by field (nothing stored
   * since is written over unseen). */
  restoreDraft() {
    const store = storage();
    if (!store || !this.editable) return false;
    let draft = null;
    try {
      draft = JSON.parse(store.getItem(this.draftKey) || "null");
    } catch (error) {
      draft = null;
    }
    if (!draft || !draft.state || !draft.base || Date.now() - (draft.at || 0) > DRAFT_AGE) {
      store.removeItem(this.draftKey);
      return false;
    }
    const now = this.state();
    if (FIELDS.every((f) => same(draft.state[f], now[f]))) {
      store.removeItem(this.draftKey); // the page holds it already: saved since
      return false;
    }
    FIELDS.forEach((f) => { if (!same(draft.state[f], now[f])) applyField(this.form, f, draft.state[f]); });
    this.syncNotApplicable();
    if (String(draft.version) !== String(this.baseVersion)) {
      this.base = draft.base;
      this.baseVersion = String(draft.version);
      this.versionInput.value = draft.version;
    }
    this.restoring = "pending";
    dirtyForms.add(this);
    this.schedule(0);
    if (!this.timer && !this.saving) this.restoring = "attention"; // nothing to send (a reason without its box)
    return true;
  }

  /** Save at once what waits for the typing pause: the page is being hidden or left (a phone may discard it). */
  flush() {
    if (!this.timer || this.blocked || this.saving) return;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.incomplete() || this.waitsForReason()) return;
    this.save({ keepalive: true });
  }

  /** What a save sends: the leaf's fields, its «Lý do không phát sinh» only while «Không phát sinh» is ticked. The
   * server keeps a reason only with the box (and refuses one sent without it): a reason typed first stays in its box,
   * unsent, until the box is ticked. Left out, the reason is the stored one (a box unticked withdraws it). */
  formData() {
    const data = new FormData(this.form);
    if (this.naBox && !this.naBox.checked) data.delete("not_applicable_reason");
    return data;
  }

  snapshot() {
    return new URLSearchParams(this.formData()).toString().replace(/(^|&)version=\d+/, "");
  }

  /** A reason in its box while «Không phát sinh» is not ticked: kept on the page, not saved. */
  reasonOnHold() {
    return Boolean(this.naBox && this.naReason && !this.naBox.checked && this.naReason.value.trim() !== "");
  }

  /** A reason typed without the box, which leaving the page would lose (not a withdrawn declaration's own reason). */
  reasonUnsaved() {
    return this.reasonOnHold() && this.naReason.value !== this.savedReason;
  }

  /** The status once nothing is on its way: `text`, and that a reason typed without the box is not saved. */
  settle(text) {
    if (!this.reasonOnHold()) {
      this.say(text);
      return;
    }
    this.say(text ? `${text}${/[.!?…]$/.test(text) ? "" : "."} ${T.reasonOnHold}` : T.reasonOnHold);
  }

  changed(event) {
    const target = event.target;
    if (target.name === "not_applicable") this.syncNotApplicable();
    this.persist();
    if (this.conflicted) {
      // Nothing is saved until the user chooses in the panel: what is typed meanwhile is kept, unsaved.
      dirtyForms.add(this);
      this.showYours();
      return;
    }
    if (event.type === "change" && !(target.type === "radio" || target.type === "checkbox")) return;
    // A click settles a choice at once; arrow keys walk through a group's options, each becoming checked in turn:
    // only the one the user stops on (or leaves the leaf with) is saved, not every option passed on the way.
    const clicked = target.type === "checkbox" || (target.type === "radio" && pressedForm === this.form);
    this.schedule(clicked ? 0 : TYPING_DELAY);
  }

  /** Some but not all of the numbers a ratio or a formula needs: wait for the rest before saving. */
  incomplete() {
    const method = this.fieldset && this.fieldset.dataset.method;
    if (!["ratio_bands", "proportional", "formula"].includes(method) || this.fieldset.disabled) return false;
    const inputs = Array.from(this.fieldset.querySelectorAll("input"));
    const filled = inputs.filter((input) => input.value.trim() !== "").length;
    return filled > 0 && filled < inputs.length;
  }

  /** «Không phát sinh» just ticked and its reason not typed yet (the reason comes after the box, on screen and in the
   * tab order): wait for the reason, as for the missing figures of a formula, instead of a save refused at once. */
  waitsForReason() {
    return Boolean(this.naBox && this.naReason && this.naBox.checked && !this.naBox.disabled
      && this.naReason.value.trim() === "");
  }

  syncNotApplicable() {
    const box = this.form.querySelector('input[name="not_applicable"]');
    if (box && this.fieldset && !box.disabled) this.fieldset.disabled = box.checked;
  }

  say(text, isError = false) {
    if (!this.status) return;
    this.status.textContent = text;
    this.status.classList.toggle("error", isError);
  }

  /** Save after `delay`; `explicit` (the save button, «Giữ giá trị của tôi») saves even what is unchanged or
   * incomplete; `leaving` (focus left the leaf) no longer waits for a «Lý do không phát sinh». */
  schedule(delay, explicit = false, leaving = false) {
    if (this.blocked) return;
    clearTimeout(this.timer);
    this.timer = null;
    const waited = this.awaitingReason;
    this.awaitingReason = false;
    if (!explicit && this.snapshot() === this.lastSent) {
      if (!this.saving) dirtyForms.delete(this);
      // Nothing new to save (e.g. focus moved on, or only a reason typed without the box: never «saved»; or the box
      // unticked again before its reason came: the hint asking for one no longer applies).
      const held = this.reasonOnHold();
      if (!this.saving && (held || this.holdSaid || waited)) this.settle("");
      this.holdSaid = held;
      return;
    }
    this.holdSaid = false;
    dirtyForms.add(this);
    this.say(T.waiting);
    this.timer = setTimeout(() => {
      this.timer = null;
      const waitsForReason = !explicit && !leaving && this.waitsForReason();
      if (!explicit && (this.incomplete() || waitsForReason)) {
        this.awaitingReason = waitsForReason;
        this.say(waitsForReason ? T.reasonNeeded : T.incomplete);
        this.restored("attention");
        this.clearFieldError(); // an earlier refusal no longer applies to what is typed now
        return;
      }
      this.save();
    }, delay);
  }

  /** The leaf's error message tied to the fields marked invalid (aria-describedby, after their hint): read again when
   * the user comes back to the field, not only announced once. Untied from every other field. */
  describeError() {
    const id = this.errorBox.id;
    if (!id) return;
    for (const field of this.form.querySelectorAll("[aria-describedby], [aria-invalid]")) {
      const ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter((token) => token && token !== id);
      if (!this.errorBox.hidden && field.getAttribute("aria-invalid") === "true") ids.push(id);
      if (ids.length) field.setAttribute("aria-describedby", ids.join(" "));
      else field.removeAttribute("aria-describedby");
    }
  }

  /** No refusal shown any more: the message hidden, no field invalid nor described by it. */
  clearFieldError() {
    this.errorBox.hidden = true;
    this.errorBox.textContent = "";
    if (this.fieldset) markInvalid(this.fieldset, null);
    this.form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    this.describeError();
  }

  async save({ keepalive = false } = {}) {
    if (this.conflicted) return; // a retry timer or a queued save must not write over the stored value
    if (this.saving) {
      this.again = true;
      return;
    }
    this.saving = true;
    this.say(T.saving);
    const sent = this.snapshot();
    const sentState = this.state();
    // a reason is sent only with its box; without it the server stores none (a declaration withdrawn drops it)
    if (!(this.naBox && this.naBox.checked)) sentState.not_applicable_reason = "";
    freshToken(this.form);
    try {
      // keepalive: a save started as the page is hidden or left goes on after it (within the browser's 64 kB)
      const response = await fetch(this.form.action, {
        method: "POST",
        body: this.formData(),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        keepalive,
      });
      const type = response.headers.get("Content-Type") || "";
      if (response.status === 404) {
        // Signed in again, but as somebody who may not see this assessment (the server's `not_found`, the same
        // for a missing leaf and another unit's): retrying would never succeed.
        this.refused({ message: T.notYours });
        return;
      }
      if (!type.includes("application/json")) {
        if (response.status === 401 || response.status === 403 || response.redirected) {
          // A login page or a refused token: posting the form itself would lose what was typed.
          this.signedOut({});
          return;
        }
        throw new Error(`HTTP ${response.status}`);
      }
      const data = await response.json();
      if (response.status === 401) {
        this.signedOut(data);
        return;
      }
      this.lastSent = sent;
      if (signedOutForms.delete(this)) this.clearError();
      if (response.ok) this.saved(data, sentState);
      else if (response.status === 409 && data.code === "stale_version") this.conflict(data, sentState);
      else this.refused(data);
    } catch (error) {
      this.say(T.offline, true);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.save();
      }, RETRY_DELAY);
    } finally {
      this.saving = false;
      if (this.again && !this.blocked) {
        this.again = false;
        if (this.snapshot() !== this.lastSent) this.save();
        else dirtyForms.delete(this);
      }
    }
  }

  showLine(line) {
    this.form.querySelector('input[name="version"]').value = line.version;
    this.showScore(line);
  }

  /** The leaf's score as the server stored it. A KPS leaf with the points it counts for, in the server's words
   * (the engine's credit, the page's decimal mark). */
  showScore(line) {
    const out = document.querySelector(`[data-score-for="${this.lineId}"]`);
    if (out) out.textContent = line.not_applicable ? line.na_display || T.na : line.display;
    const required = document.querySelector(`#line-${this.lineId} [data-required]`);
    if (required && typeof line.explanation_required === "boolean") required.hidden = !line.explanation_required;
  }

  /** The session ended: keep what was typed (still unsaved), say so, offer to sign in and to save again. */
  signedOut(data) {
    dirtyForms.add(this);
    signedOutForms.add(this);
    this.say(T.signedOut, true);
    const retry = button("retry-save secondary", T.retry);
    retry.addEventListener("click", () => this.schedule(0, true));
    this.errorBox.replaceChildren(...signInAgain(data, T.sessionEnded, T.signIn), " ", retry);
    this.errorBox.hidden = false;
    this.form.closest(".leaf")?.classList.add("has-error", "unsaved");
  }

  clearError() {
    this.errorBox.hidden = true;
    this.errorBox.replaceChildren();
    this.describeError();
    this.form.closest(".leaf")?.classList.remove("has-error", "unsaved");
  }

  saved(data, sentState) {
    if (!this.again && !this.timer) dirtyForms.delete(this);
    this.showLine(data.line);
    // What was sent is what is stored now: the fields typed since stay the user's (and in the draft).
    this.base = sentState;
    this.baseVersion = String(data.line.version);
    this.persist();
    setTotals(data.totals);
    this.clearFieldError();
    if (this.naBox && this.naBox.checked) this.savedReason = this.naReason.value;
    // The server's time of the save (HH:MM in the site's time zone), never the browser's clock, which may be wrong;
    // a save that wrote nothing says so, not the time of the leaf's last change.
    if (data.changed === false) this.settle(data.message || T.unchanged);
    else this.settle(data.saved_time ? `${T.saved} ${data.saved_time}` : T.saved);
    this.form.closest(".leaf")?.classList.remove("has-error");
    this.restored("done");
  }

  /** Where a draft restored from an earlier visit stands; the page's note says it. */
  restored(stage) {
    if (!this.restoring || this.restoring === "done") return;
    this.restoring = stage;
    showRestored();
  }

  refused(data) {
    this.restored("attention");
    this.errorBox.textContent = data.message || T.failed;
    this.errorBox.hidden = false;
    this.say(T.failed, true);
    this.form.closest(".leaf")?.classList.add("has-error");
    const field = data.field || null;
    let focus = null;
    this.form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    if (this.fieldset) focus = markInvalid(this.fieldset, field);
    if (!focus && field) {
      focus = this.form.querySelector(`[name="${CSS.escape(field)}"]`);
      if (focus) focus.setAttribute("aria-invalid", "true");
    }
    this.describeError();
    if (data.code === "not_editable" || data.code === "deadline_passed") {
      this.blocked = true;
      dirtyForms.delete(this);
      // What was typed stays selectable and copyable (a disabled field is neither): text fields become read-only,
      // choices and buttons disabled.
      this.form.querySelectorAll("input, textarea, select, button").forEach((el) => {
        if (isTextField(el)) el.readOnly = true;
        else el.disabled = true;
      });
      const hint = document.createElement("span");
      hint.className = "copy-hint";
      hint.textContent = ` ${T.copyHint}`;
      this.errorBox.append(hint);
    }
  }

  /** The leaf's fields as the server stored them (the 409's `stored`), written as the page's inputs write them. */
  storedState(stored) {
    const ghost = this.form.cloneNode(true); // detached: its radio groups are its own
    const fieldset = ghost.querySelector("fieldset.method-input");
    // the figures a «không phát sinh» leaf keeps are drawn in its greyed-out inputs, as the page draws them
    if (fieldset) fill(fieldset, stored.value || null);
    const box = ghost.querySelector('input[name="not_applicable"]');
    if (box) box.checked = Boolean(stored.not_applicable);
    return {
      ...stateOf(ghost),
      not_applicable_reason: stored.not_applicable_reason || "",
      note: stored.note || "",
      explanation: stored.explanation || "",
    };
  }

  /** The stored leaf taken as the base: its version is the one the next save is made from. */
  adopt(stored, theirs) {
    this.showLine(stored);
    this.base = theirs;
    this.baseVersion = String(stored.version);
    this.savedReason = stored.not_applicable ? stored.not_applicable_reason || "" : "";
  }

  /** The value as the panel writes it: the server's words for what was sent (with its score, as the stored value's),
   * the inputs' own words once the user changed the value since. */
  valueWords(state, yoursSent) {
    if (this.naBox && this.naBox.checked) return T.naWord;
    const sent = this.pending && this.pending.sentState;
    if (yoursSent && sent && same(state.value, sent.value)) return yoursSent;
    return (this.fieldset && describe(this.fieldset)) || T.empty;
  }

  /** The user's side of the open panel, as the fields hold it now (the user may go on typing). */
  showYours() {
    if (!this.pending) return;
    const state = this.state();
    for (const f of this.pending.choose) {
      const dd = this.conflictBox.querySelector(f === "value" ? "[data-yours]" : `[data-yours-${f}]`);
      if (dd) dd.textContent = f === "value" ? this.valueWords(state, this.pending.yoursSent) : clean(state[f]) || "—";
    }
  }

  /** Another save came first (409 with the stored leaf). Field by field: untouched here, the stored value is taken;
   * changed only here, the user's stays; changed on both sides, the user chooses in the panel. With nothing to
   * choose the user's changes are saved over the stored leaf at once, and a note says what was taken. */
  conflict(data, sentState) {
    const stored = data.stored || {};
    const theirs = this.storedState(stored);
    const mine = this.state();
    const plan = {};
    for (const f of FIELDS) {
      const edited = !same(mine[f], this.base[f]);
      const changed = !same(theirs[f], this.base[f]);
      plan[f] = !edited ? "theirs" : !changed || same(mine[f], theirs[f]) ? "mine" : "choose";
    }
    const label = (f) => T.labels[f];
    const theirsChanged = FIELDS.filter((f) => !same(theirs[f], this.base[f]));
    const took = FIELDS.filter((f) => plan[f] === "theirs" && !same(mine[f], theirs[f]));
    const kept = FIELDS.filter((f) => plan[f] === "mine" && !same(mine[f], theirs[f]));
    const choose = FIELDS.filter((f) => plan[f] === "choose");
    // The fields the user did not touch show the stored value at once, with the stored score and totals.
    took.forEach((f) => applyField(this.form, f, theirs[f]));
    this.syncNotApplicable();
    if (stored.version !== undefined) this.showScore(stored);
    setTotals(data.totals);
    this.form.querySelector(".merge-note")?.remove();
    const who = stored.updated_by || "?";
    const at = stored.updated_at || "";

    if (!choose.length) {
      this.adopt(stored, theirs);
      const note = document.createElement("p");
      note.className = "merge-note";
      note.setAttribute("role", "status");
      note.dataset.merged = "";
      const changedWords = (theirsChanged.length ? theirsChanged : took).map(label).join(", ");
      note.textContent = fill2(T.merged, { who, at, s: changedWords || "—" })
        + (kept.length ? fill2(T.mergedMine, { s: kept.map(label).join(", ") }) : ".");
      this.form.querySelector(".leaf-actions")?.before(note);
      if (FIELDS.some((f) => !same(this.state()[f], theirs[f]))) {
        dirtyForms.add(this);
        this.schedule(0, true);
      } else {
        this.lastSent = this.snapshot();
        dirtyForms.delete(this);
        this.persist();
        this.settle(T.tookStored);
        this.restored("done");
      }
      return;
    }

    // Autosave stops for this leaf until the user chooses: nothing is written over the stored value meanwhile.
    this.blocked = true;
    this.conflicted = true;
    this.again = false;
    clearTimeout(this.timer);
    this.timer = null;
    dirtyForms.add(this);
    this.restored("attention");
    const yoursSent = (data.yours && (data.yours.shown || data.yours.summary)) || "";
    this.pending = { stored, theirs, choose, sentState, yoursSent };
    const box = this.conflictBox;
    box.replaceChildren();
    const head = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = T.conflict;
    head.append(strong, ` ${T.by}: ${who}, ${T.at} ${at}.`);
    const which = document.createElement("p");
    which.className = "conflicting";
    which.dataset.conflicting = choose.join(" ");
    which.textContent = fill2(T.bothChanged, {
      s: choose.map(label).join(", "), n: choose.length > 1 ? T.theseFields : T.thisField,
    });
    const list = document.createElement("dl");
    const pair = (term, text) => {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = text;
      list.append(dt, dd);
      return dd;
    };
    for (const f of choose) {
      if (f === "value") {
        // Both sides in the server's words, each with its score: written alike.
        pair(T.yours, this.valueWords(mine, yoursSent)).dataset.yours = "";
        pair(T.stored, stored.shown || stored.summary || T.empty).dataset.stored = "";
      } else {
        // The unit's own texts, in Vietnamese whatever the interface's language.
        const yoursText = pair(`${label(f)} ${T.ofYours}`, clean(mine[f]) || "—");
        yoursText.setAttribute(`data-yours-${f}`, "");
        yoursText.lang = "vi";
        const storedText = pair(`${label(f)} ${T.ofStored}`, clean(theirs[f]) || "—");
        storedText.setAttribute(`data-stored-${f}`, "");
        storedText.lang = "vi";
      }
    }
    box.append(head, which, list);
    for (const [fields, words] of [[took, T.tookTheirs], [kept, T.keptMine]]) {
      if (!fields.length) continue;
      const line = document.createElement("p");
      line.className = "merged";
      line.textContent = fill2(words, { s: fields.map(label).join(", ") });
      box.append(line);
    }
    const actions = document.createElement("p");
    actions.className = "conflict-actions";
    const keep = button("keep-mine", T.keep);
    const take = button("take-theirs secondary", T.take);
    actions.append(keep, take);
    // The user typing when the answer comes (the focus in the leaf, or a key in the last seconds) keeps the focus:
    // the panel is announced (role=alert), and reached with Tab; otherwise it takes the focus.
    const typing = userTyping(this.form, box);
    box.append(actions);
    box.hidden = false;
    this.say(`${T.conflict} ${T.onHold}`, true);
    onDeliberateClick(keep, () => {
      // The fields both changed keep the user's; every other field is as merged above (or typed since).
      this.adopt(stored, theirs);
      this.resolve();
      this.schedule(0, true);
    });
    onDeliberateClick(take, () => {
      this.pending.choose.forEach((f) => applyField(this.form, f, theirs[f]));
      this.syncNotApplicable();
      this.adopt(stored, theirs);
      this.resolve();
      // The user's changes to the fields only they changed are still theirs, and saved; else nothing to save.
      if (FIELDS.some((f) => !same(this.state()[f], theirs[f]))) {
        this.schedule(0, true);
        return;
      }
      this.lastSent = this.snapshot();
      dirtyForms.delete(this);
      this.persist();
      this.settle(T.tookStored);
    });
    if (!typing) keep.focus();
  }

  /** The panel closed by one of its buttons. Focus, which was on that button, goes back to the leaf (its first field,
   * else its save button), not to the top of a page of a hundred leaves. */
  resolve() {
    this.blocked = false;
    this.conflicted = false;
    this.pending = null;
    this.focusLeaf(); // before the focused button is removed with the panel
    this.conflictBox.hidden = true;
    this.conflictBox.replaceChildren();
  }

  focusLeaf() {
    const fields = Array.from(this.form.querySelectorAll("input, textarea, select"))
      .filter((el) => el.type !== "hidden" && !el.matches(":disabled") && el.getClientRects().length > 0);
    let first = fields[0];
    // In a radio group the Tab key lands on the checked option: so does this.
    if (first && first.type === "radio") first = fields.find((el) => el.name === first.name && el.checked) || first;
    (first || this.form.querySelector(".leaf-actions button"))?.focus();
  }
}

const leafForms = Array.from(document.querySelectorAll("form.leaf-form"), (form) => new LeafForm(form));

// The page's note on the drafts restored from an earlier visit: which leaves, and whether they are saved yet.
const restoredNote = document.querySelector("[data-restored]");
function showRestored() {
  const forms = leafForms.filter((form) => form.restoring);
  if (!restoredNote || !forms.length) return;
  const attention = forms.filter((form) => form.restoring === "attention");
  const pending = forms.some((form) => form.restoring === "pending");
  const links = (list) => list.flatMap((form, index) => {
    const link = document.createElement("a");
    link.href = `#line-${form.lineId}`;
    link.textContent = form.form.closest(".leaf")?.querySelector(".leaf-name .code")?.textContent || form.lineId;
    return index ? [", ", link] : [link];
  });
  if (pending) restoredNote.replaceChildren(`${T.restored} (`, ...links(forms), ")");
  else if (attention.length) restoredNote.replaceChildren(`${T.restoredCheck} `, ...links(attention), ".");
  else restoredNote.replaceChildren(`${T.restoredSaved}: `, ...links(forms), ".");
  restoredNote.hidden = false;
}
for (const form of leafForms) {
  if (form.restoreDraft()) form.say(T.restored);
}
showRestored();

// The page hidden (another app, the tab switched, the phone locked) or left: what waits for the typing pause is
// saved at once; a phone may discard a hidden tab without asking (the draft kept in the browser remains).
function flushAll() {
  for (const form of leafForms) form.flush();
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") flushAll();
});
window.addEventListener("pagehide", flushAll);

// History of a leaf, loaded when its details element is opened (the link inside works without this).
document.querySelectorAll("details.history[data-src]").forEach((details) => {
  details.addEventListener("toggle", async () => {
    if (!details.open) return;
    const body = details.querySelector(".history-body");
    try {
      const response = await fetch(details.dataset.src, { credentials: "same-origin" });
      if (response.ok) body.innerHTML = await response.text();
    } catch (error) {
      // keep the plain link
    }
  });
});

// A leaf scrolled to, or a control focused, stops below its area's sticky header, however many lines the header
// wraps to (the stylesheet's scroll-margin-top reads --area-head, the page's scroll-padding-top --sticky-head: the
// tallest of them).
function measureAreaHeads() {
  let tallest = 0;
  document.querySelectorAll("details.area").forEach((area) => {
    const head = area.querySelector(":scope > summary");
    if (!head) return;
    const height = Math.ceil(head.getBoundingClientRect().height);
    area.style.setProperty("--area-head", `${height}px`);
    tallest = Math.max(tallest, height);
  });
  if (tallest) document.documentElement.style.setProperty("--sticky-head", `${tallest}px`);
}
measureAreaHeads();
window.addEventListener("resize", measureAreaHeads);

// Opening a collapsed area when a link points at a leaf inside it (pre-submit check links, area links).
function revealTarget() {
  const target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  const area = target && target.closest("details.area");
  if (area && !area.open) area.open = true;
  if (target) target.scrollIntoView();
}
window.addEventListener("hashchange", revealTarget);
revealTarget();

// Back from signing in again in another tab: save what the expired session could not.
window.addEventListener("focus", () => {
  for (const form of signedOutForms) form.schedule(0, true);
});
// The tab signed in again restores the draft this page kept and saves it: its draft changing or going away (another
// tab of this browser) means the session works again, even if this tab never gets the focus back. Asked again, the
// server answers a leaf stored as this page holds it as saved, at the stored version; one stored otherwise as a
// conflict, as usual.
window.addEventListener("storage", (event) => {
  if (!event.key || !event.key.startsWith(DRAFTS)) return;
  for (const form of signedOutForms) {
    if (form.draftKey === event.key) form.schedule(0, true);
  }
});

window.addEventListener("beforeunload", (event) => {
  if (dirtyForms.size || leafForms.some((form) => form.reasonUnsaved())) {
    event.preventDefault();
    event.returnValue = T.leave;
  }
});
