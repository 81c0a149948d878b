// The self-assessment sheet: each leaf's form saves itself as the user edits (autosave), shows the score the
// server computed, refreshes the running totals, and handles a stale version (another user saved first)
// by showing both values and letting the user keep theirs or take the stored one. Without this script
// every leaf form is a plain form post and the page re-renders with the server's message.
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
      yours: "Giá trị của bạn", stored: "Giá trị đang lưu", ofYours: "của bạn", ofStored: "đang lưu", keep: "Giữ giá trị của tôi", take: "Lấy giá trị đang lưu",
      points: "điểm", na: "KPS", leave: "Còn thay đổi chưa lưu.", empty: "(chưa chấm)",
      incomplete: "Nhập đủ các số liệu để tính điểm.", reasonNeeded: "Nêu lý do không phát sinh để lưu.",
      reasonOnHold: "Lý do không phát sinh chưa được lưu: lý do chỉ được lưu khi đánh dấu «Không phát sinh».",
      notYours: "Chưa lưu: tài khoản đang đăng nhập không được sửa bản đánh giá này. Hãy đăng nhập bằng tài khoản của đơn vị rồi lưu lại.",
      signedOut: "Chưa lưu: phiên đăng nhập đã hết hạn.", signIn: "Đăng nhập lại (mở thẻ mới)", retry: "Lưu lại",
      sessionEnded: "Phiên đăng nhập đã hết hạn nên thay đổi vừa rồi chưa được lưu. Hãy đăng nhập lại; nội dung bạn đã nhập vẫn còn trên trang.",
      onHold: "Chưa lưu: hãy chọn giữ giá trị của mình hoặc lấy giá trị đang lưu.",
      copyHint: "Nội dung bạn đã nhập vẫn còn trong các ô của tiêu chí này (chỉ đọc): hãy sao chép để giữ lại.",
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
    };

const dirtyForms = new Set();
let pressedForm = null; // the leaf form a pointer is pressed in, until it is released
document.addEventListener("pointerup", () => setTimeout(() => { pressedForm = null; }, 0), true);
document.addEventListener("pointercancel", () => { pressedForm = null; }, true);
const signedOutForms = new Set();

/** A plain button (not a form's submit) with its classes and label. */
function button(className, text) {
  const made = document.createElement("button");
  made.type = "button";
  made.className = className;
  made.textContent = text;
  return made;
}

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
    if (this.conflicted) {
      // Nothing is saved until the user chooses in the panel: what is typed meanwhile is kept, unsaved.
      dirtyForms.add(this);
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

  async save() {
    if (this.conflicted) return; // a retry timer or a queued save must not write over the stored value
    if (this.saving) {
      this.again = true;
      return;
    }
    this.saving = true;
    this.say(T.saving);
    const sent = this.snapshot();
    freshToken(this.form);
    try {
      const response = await fetch(this.form.action, {
        method: "POST",
        body: this.formData(),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const type = response.headers.get("Content-Type") || "";
      if (!type.includes("application/json")) {
        if (response.status === 401 || response.status === 403 || response.redirected) {
          // A login page or a refused token: posting the form itself would lose what was typed.
          this.signedOut({});
          return;
        }
        if (response.status === 404) {
          // Signed in again, but as somebody who may not see this assessment: retrying would never succeed.
          this.refused({ message: T.notYours });
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
      if (response.ok) this.saved(data);
      else if (response.status === 409 && data.code === "stale_version") this.conflict(data);
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

  saved(data) {
    if (!this.again && !this.timer) dirtyForms.delete(this);
    this.showLine(data.line);
    setTotals(data.totals);
    this.clearFieldError();
    if (this.naBox && this.naBox.checked) this.savedReason = this.naReason.value;
    // The server's time of the save (HH:MM in the site's time zone), never the browser's clock, which may be wrong;
    // a save that wrote nothing says so, not the time of the leaf's last change.
    if (data.changed === false) this.settle(data.message || T.unchanged);
    else this.settle(data.saved_time ? `${T.saved} ${data.saved_time}` : T.saved);
    this.form.closest(".leaf")?.classList.remove("has-error");
  }

  refused(data) {
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

  conflict(data) {
    // Autosave stops for this leaf until the user chooses: nothing is written over the stored value meanwhile.
    this.blocked = true;
    this.conflicted = true;
    this.again = false;
    clearTimeout(this.timer);
    this.timer = null;
    dirtyForms.add(this);
    const box = this.conflictBox;
    const stored = data.stored || {};
    const mine = describe(this.fieldset) || (data.yours && data.yours.summary) || T.empty;
    box.replaceChildren();
    const head = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = T.conflict;
    head.append(strong, ` ${T.by}: ${stored.updated_by || "?"}, ${T.at} ${stored.updated_at || ""}.`);
    const list = document.createElement("dl");
    const pair = (label, text) => {
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = text;
      list.append(dt, dd);
      return dd;
    };
    pair(T.yours, mine).dataset.yours = "";
    // The stored value with its score (none for a not-applicable leaf, once for points typed): the server's text.
    pair(T.stored, stored.shown || stored.summary || "").dataset.stored = "";
    // Every text that differs (note, explanation, reason): keeping one's own must not hide a colleague's.
    (data.differences || []).forEach((d) => {
      pair(`${d.label} ${T.ofYours}`, d.yours).setAttribute(`data-yours-${d.field}`, "");
      pair(`${d.label} ${T.ofStored}`, d.stored).setAttribute(`data-stored-${d.field}`, "");
    });
    const actions = document.createElement("p");
    const keep = button("keep-mine", T.keep);
    const take = button("take-theirs secondary", T.take);
    actions.append(keep, " ", take);
    // The user typing when the answer comes (the focus in the leaf, or a key in the last seconds) keeps the focus:
    // the panel is announced (role=alert), and reached with Tab; otherwise it takes the focus.
    const typing = userTyping(this.form, box);
    box.append(head, list, actions);
    box.hidden = false;
    this.say(`${T.conflict} ${T.onHold}`, true);
    // The score and the totals beside the panel are the stored ones (the answer carries them), not those of the
    // page as it was loaded: the panel compares the user's value with what is stored, the figures say what counts.
    // The version stays the one typed on until the user chooses.
    if (stored.version !== undefined) this.showScore(stored);
    setTotals(data.totals);
    onDeliberateClick(keep, () => {
      this.form.querySelector('input[name="version"]').value = stored.version;
      this.resolve();
      this.schedule(0, true);
    });
    onDeliberateClick(take, () => {
      if (this.fieldset) fill(this.fieldset, stored.not_applicable ? null : stored.value);
      const set = (name, value) => {
        const input = this.form.querySelector(`[name="${name}"]`);
        if (!input) return;
        if (input.type === "checkbox") input.checked = Boolean(value);
        else input.value = value || "";
      };
      set("note", stored.note);
      set("explanation", stored.explanation);
      set("not_applicable", stored.not_applicable);
      set("not_applicable_reason", stored.not_applicable_reason);
      this.syncNotApplicable();
      this.showLine(stored);
      setTotals(data.totals);
      this.resolve();
      this.lastSent = this.snapshot();
      this.savedReason = this.naReason ? this.naReason.value : "";
      dirtyForms.delete(this);
      this.say(T.saved);
    });
    if (!typing) keep.focus();
  }

  /** The panel closed by one of its buttons. Focus, which was on that button, goes back to the leaf (its first field,
   * else its save button), not to the top of a page of a hundred leaves. */
  resolve() {
    this.blocked = false;
    this.conflicted = false;
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

window.addEventListener("beforeunload", (event) => {
  if (dirtyForms.size || leafForms.some((form) => form.reasonUnsaved())) {
    event.preventDefault();
    event.returnValue = T.leave;
  }
});
