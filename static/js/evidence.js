// Evidence documents: enhances the plain forms (they all work without this script).
// - forms marked [data-evidence-form] are sent with fetch; what changed is drawn again from the server's own HTML
//   (one template, no markup built here): a leaf's block ([data-evidence-refresh], on the sheet and the explanation
//   page) alone, with the sheet's counts, from its small endpoint; on the library page, the page's region;
// - a choice of files is sent in batches under the number one request may carry ([data-max-files]), with the
//   bytes sent shown and announced as they go, a «Huỷ tải lên» beside the form's button, and said in one summary
//   at the end (the files refused here and those the server refused counted together); leaving the page while an
//   upload is on its way asks first;
// - a leaf's «Gắn tài liệu có sẵn» ([data-evidence-pick]) opens the page's one dialog with the library's files
//   (fetched when opened, never repeated in every leaf), where several are ticked and linked at once;
// - lists with a filter ([data-evidence-filter-scope]) are filtered as a name is typed, accents aside, and ordered
//   by name or newest first;
// - [data-dropzone] accepts files dragged onto it and uploads them at once;
// - forms with [data-confirm] ask before they are sent; with [data-confirm-field] that field is sent as "1" once
//   confirmed (without this script the server asks on a page of its own).

import { button } from "./dom.js";
import { freshToken, signInAgain } from "./session.js";

const JSON_ACCEPT = "application/json";
const VI = document.documentElement.lang.startsWith("vi");
const BATCH_FILES = 20; // at most this many files a request (and never more than the server takes)
const BATCH_BYTES = 32 * 1024 * 1024; // nor, past its first file, more bytes than this: the progress moves
const T = VI
  ? {
      sessionEnded: "Phiên đăng nhập đã hết hạn nên yêu cầu chưa được thực hiện. Hãy đăng nhập lại rồi gửi lại; tệp đã chọn vẫn còn trên trang.",
      signIn: "Đăng nhập lại (mở thẻ mới)",
      tooLarge: "Tệp «%(name)s» vượt quá dung lượng cho phép (%(limit)s MB).",
      networkError: "Không gửi được yêu cầu. Hãy thử lại.",
      uploading: "Đang tải lên %(files)s tệp: đã gửi %(sent)s/%(size)s (%(percent)s%)…",
      uploadingBatch: "Đang tải lên đợt %(batch)s/%(batches)s (%(files)s tệp): đã gửi %(sent)s/%(size)s (%(percent)s%); đã xong %(done)s/%(total)s tệp…",
      checking: "Đã gửi %(size)s; đang chờ máy chủ kiểm tra và lưu…",
      checkingBatch: "Đợt %(batch)s/%(batches)s: đã gửi %(size)s; đang chờ máy chủ kiểm tra và lưu…",
      progressLabel: "Tiến độ tải lên",
      cancel: "Huỷ tải lên",
      cancelled: "Đã huỷ tải lên: %(n)s tệp chưa được gửi (vẫn đang được chọn trong ô chọn tệp).",
      leaveUploading: "Tệp đang được tải lên; rời trang lúc này sẽ dừng việc tải lên.",
      saved: "Đã lưu %(n)s tệp.",
      refusedSomeSaved: "%(n)s tệp bị từ chối; các tệp hợp lệ khác vẫn được lưu.",
      refusedNoneNew: "%(n)s tệp bị từ chối; không có tệp mới nào được lưu.",
      refusedNone: "%(n)s tệp bị từ chối, không tệp nào được lưu.",
      stopped: "Việc tải lên dừng lại: %(n)s tệp chưa được gửi (vẫn đang được chọn trong ô chọn tệp). Hãy bấm «Tải lên» lại để gửi tiếp.",
      pickerFailed: "Không mở được danh sách tài liệu. Hãy thử lại.",
    }
  : {
      sessionEnded: "Your session has expired, so nothing was done. Please sign in again and send it again; the files you chose are still on the page.",
      signIn: "Sign in again (opens a new tab)",
      tooLarge: "The file «%(name)s» is larger than allowed (%(limit)s MB).",
      networkError: "The request could not be sent. Please try again.",
      uploading: "Uploading %(files)s file(s): %(sent)s of %(size)s sent (%(percent)s%)…",
      uploadingBatch: "Uploading part %(batch)s of %(batches)s (%(files)s file(s)): %(sent)s of %(size)s sent (%(percent)s%); %(done)s of %(total)s files done…",
      checking: "%(size)s sent; waiting for the server to check and save it…",
      checkingBatch: "Part %(batch)s of %(batches)s: %(size)s sent; waiting for the server to check and save it…",
      progressLabel: "Upload progress",
      cancel: "Cancel upload",
      cancelled: "Upload cancelled: %(n)s file(s) were not sent (they are still chosen in the file box).",
      leaveUploading: "Files are being uploaded; leaving the page now stops the upload.",
      saved: "%(n)s file(s) saved.",
      refusedSomeSaved: "%(n)s file(s) refused; the other valid files were saved.",
      refusedNoneNew: "%(n)s file(s) refused; no new file was saved.",
      refusedNone: "%(n)s file(s) refused, none saved.",
      stopped: "The upload stopped: %(n)s file(s) were not sent (they are still chosen in the file box). Press «Upload» again to send them.",
      pickerFailed: "The list of documents could not be opened. Please try again.",
    };

const NUMBER = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 1 });

/** A number of bytes as the pages write sizes (Django's filesizeformat: 1024 a kilobyte, one decimal, the unit kept
 * on the number's line). */
function sizeText(bytes) {
  if (bytes < 1024 * 1024) return `${NUMBER.format(Math.max(bytes / 1024, bytes ? 0.1 : 0))}\u00a0KB`;
  return `${NUMBER.format(bytes / (1024 * 1024))}\u00a0MB`;
}

function fill(text, values) {
  return text.replace(/%\((\w+)\)s/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

/** A name as the filters compare it: lower case, no Vietnamese diacritics (evidence.selectors.search_key). */
function fold(text) {
  return text.replace(/[Đđ]/g, "d").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .split(/\s+/).filter(Boolean).join(" ");
}

/** The session ended: say so with a link to sign in again that comes back to this page (not the action). */
function saySignedOut(target, data) {
  if (!target) return;
  target.replaceChildren(...signInAgain(data, T.sessionEnded, T.signIn));
  target.classList.add("error");
}

const globalStatus = () => document.querySelector("[data-evidence-status-global]");

/** Where a form's answer is said: the leaf's block it belongs to (the picker: its own, while its dialog is open),
 * else the page's message line. */
function statusFor(form) {
  const own = form.matches("[data-evidence-picker]") && form.querySelector("[data-evidence-status]");
  if (own) return own;
  const block = form.closest("[data-evidence-line]");
  return (block && block.querySelector("[data-evidence-status]")) || globalStatus();
}

function say(target, text, isError) {
  if (!target) return;
  target.textContent = text;
  target.classList.toggle("error", Boolean(isError));
}

function describe(data) {
  const parts = [];
  if (data.message) parts.push(data.message);
  for (const error of data.errors || []) parts.push(error.message);
  return parts.join(" ");
}

function parseHTML(html) {
  return new DOMParser().parseFromString(html, "text/html");
}

// --- what is drawn again after an action ---------------------------------------------------------------------

/** The outermost region a form belongs to (a leaf's block on the sheet; the library page's whole region). */
function outerRegion(element) {
  let region = element.closest("[data-evidence-region]");
  while (region && region.parentElement && region.parentElement.closest("[data-evidence-region]")) {
    region = region.parentElement.closest("[data-evidence-region]");
  }
  return region;
}

/** The sheet's running totals and the leaf's «explanation required» mark, from the leaf endpoint's answer. */
function setCounts(data) {
  const totals = data.totals;
  if (totals && totals.display) {
    for (const [key, text] of Object.entries(totals.display)) {
      document.querySelectorAll(`[data-total="${CSS.escape(key)}"]`).forEach((el) => { el.textContent = text; });
    }
    const bar = document.querySelector("[data-progress]");
    if (bar && totals.progress) {
      bar.max = totals.progress.total;
      bar.value = totals.progress.scored;
    }
  }
  const required = document.querySelector(`#line-${data.line_id} [data-required]`);
  if (required && typeof data.explanation_required === "boolean") required.hidden = !data.explanation_required;
}

/** Draw one leaf's block again from its endpoint (its HTML, the counts): not the whole page. */
async function refreshLeaf(block) {
  const url = new URL(block.dataset.evidenceRefresh, window.location.href);
  const next = block.querySelector('input[name="next"]');
  if (next) url.searchParams.set("next", next.value);
  if (document.querySelector("[data-total]")) url.searchParams.set("totals", "1");
  if (document.querySelector("[data-explain]")) url.searchParams.set("answers", "1");
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: JSON_ACCEPT } });
  if (!response.ok || !(response.headers.get("Content-Type") || "").includes(JSON_ACCEPT)) return block;
  const data = await response.json();
  const fresh = parseHTML(data.html).body.firstElementChild;
  if (!fresh || !block.isConnected) return block;
  const drawn = document.importNode(fresh, true);
  block.replaceWith(drawn);
  setCounts(data);
  // the explanation page's script says what a document now answers (its «Đã bổ sung tài liệu», «Còn N tiêu chí…»)
  if (data.answer) document.dispatchEvent(new CustomEvent("cchc:leaf-evidence", { detail: data }));
  return drawn;
}

/** The library page: its region drawn again from the page itself (the table is what the page is about). */
async function refreshPage() {
  const response = await fetch(window.location.href, {
    credentials: "same-origin",
    headers: { Accept: "text/html" },
  });
  if (!response.ok) return;
  const fresh = parseHTML(await response.text());
  const regions = [...fresh.querySelectorAll("[data-evidence-region][id]")].filter(
    (el) => !el.parentElement.closest("[data-evidence-region]"),
  );
  for (const region of regions) {
    const current = document.getElementById(region.id);
    if (current) current.replaceWith(document.importNode(region, true));
  }
  setUpTools(document);
  document.querySelectorAll("[data-evidence-filter-scope]").forEach(applyFilter);
}

/** A leaf's block that stands alone on its page (the sheet, the explanation page): drawn again by itself. */
function standalone(block) {
  return Boolean(block && block.dataset.evidenceRefresh && outerRegion(block) === block);
}

/** After a change: the blocks of the leaves it touched alone (the form's own, or those the answer names: a file
 * replaced on several leaves) when each stands alone, else the page. */
async function refreshAfter(place, data) {
  const ids = new Set(place.block ? [place.block] : []);
  for (const lineId of (data && data.line_ids) || []) ids.add(`evidence-line-${lineId}`);
  const blocks = [...ids].map((id) => document.getElementById(id)).filter(Boolean);
  if (blocks.length && blocks.every(standalone)) {
    for (const block of blocks) await refreshLeaf(block);
  } else {
    await refreshPage();
  }
}

/** Where the answer to a form goes once the page is drawn again (elements found again by their ids): the leaf's
 * block it is in, or, for a picker, the block of its leaf. */
function placeOf(form) {
  const block = form.matches("[data-evidence-picker]")
    ? document.getElementById(`evidence-line-${form.dataset.line}`)
    : form.closest("[data-evidence-line]");
  return { block: block ? block.id : null };
}

function statusAt(place, form) {
  const block = place.block && document.getElementById(place.block);
  return (block && block.querySelector("[data-evidence-status]")) || (form.isConnected && statusFor(form))
    || globalStatus();
}

// --- sending ---------------------------------------------------------------------------------------------------

/** The size limit the page states (its «tối đa … MB mỗi tệp», as `data-max-upload-mb` in the page's own words,
 * e.g. "20" or "0,5"): the form's, else the page's; none stated, none checked here (the server checks anyway). */
function statedLimit(form) {
  const holder = form.closest("[data-max-upload-mb]") || document.querySelector("[data-max-upload-mb]");
  const text = holder?.dataset.maxUploadMb?.trim();
  const megabytes = text ? Number(text.replace(/\s/g, "").replace(",", ".")) : NaN;
  return Number.isFinite(megabytes) && megabytes > 0 ? { text, bytes: megabytes * 1024 * 1024 } : null;
}

/** The files chosen that are over the stated limit, refused here at once with the server's words (sending one
 * in full only to hear it refused takes minutes on a slow line). */
function oversized(form) {
  const input = form.querySelector("input[type=file]");
  const files = Array.from((input && input.files) || []);
  const limit = statedLimit(form);
  if (!input || !limit) return { input, over: [], fitting: files, messages: [] };
  const over = files.filter((file) => file.size > limit.bytes);
  return {
    input,
    over,
    fitting: files.filter((file) => file.size <= limit.bytes),
    messages: over.map((file) => fill(T.tooLarge, { name: file.name, limit: limit.text })),
  };
}

/** The number of files one request may carry, as the page states it. */
function maxFiles(form) {
  const holder = form.closest("[data-max-files]") || document.querySelector("[data-max-files]");
  const value = Number(holder?.dataset.maxFiles);
  return Number.isInteger(value) && value > 0 ? value : 100;
}

/** The chosen files in batches: each under the request's limit and `BATCH_FILES`, and past its first file under
 * `BATCH_BYTES`, in the order chosen. */
function batchesOf(files, limit) {
  const most = Math.max(1, Math.min(limit, BATCH_FILES));
  const batches = [];
  let current = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length && (current.length >= most || bytes + file.size > BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length) batches.push(current);
  return batches;
}

/** One request: the answer's data, whether the session had ended, and whether it failed to arrive. */
async function post(form, body) {
  const response = await fetch(form.action, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { Accept: JSON_ACCEPT },
  });
  const type = response.headers.get("Content-Type") || "";
  if (type.includes(JSON_ACCEPT)) {
    return { data: await response.json(), signedOut: response.status === 401 };
  }
  if (response.status === 401 || response.status === 403 || response.redirected) {
    // A login page or a refused token: posting the form itself would end on an address that only takes POST.
    return { data: {}, signedOut: true };
  }
  throw new Error(`HTTP ${response.status}`);
}

function busy(form, on) {
  form.querySelectorAll("button").forEach((b) => { b.disabled = on; });
  if (on) form.setAttribute("aria-busy", "true");
  else form.removeAttribute("aria-busy");
}

/** The offers to replace an older file of the same name (the upload's answer): a small form each, sent as any. */
function replaceOffers(form, offers) {
  const token = form.querySelector('input[name="csrfmiddlewaretoken"]');
  return offers.filter((offer) => offer.replaceable).map((offer) => {
    const made = document.createElement("form");
    made.method = "post";
    made.action = offer.replace_url;
    made.className = "inline evidence-replace";
    made.setAttribute("data-evidence-form", "");
    for (const [name, value] of [["csrfmiddlewaretoken", token ? token.value : ""], ["old_id", offer.old_id]]) {
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = name;
      field.value = value;
      made.append(field);
    }
    const button = document.createElement("button");
    button.type = "submit";
    button.className = "secondary";
    button.textContent = offer.button;
    made.append(button);
    return made;
  });
}

function sayUpload(target, text, isError, form, offers) {
  say(target, text, isError);
  if (target && offers.length) target.append(" ", ...replaceOffers(form, offers));
}

async function send(form, confirmed) {
  const fileInput = form.querySelector("input[type=file]");
  if (fileInput && fileInput.files && fileInput.files.length) {
    await sendFiles(form);
    return;
  }
  const place = placeOf(form);
  busy(form, true);
  let data;
  let ok = false;
  let signedOut = false;
  freshToken(form);
  try {
    const body = new FormData(form);
    // the server does what needs a confirmation (a delete) only when told it was confirmed
    if (confirmed && form.dataset.confirmField) body.set(form.dataset.confirmField, "1");
    ({ data, signedOut } = await post(form, body));
    ok = Boolean(data.ok);
    if (ok) {
      const dialog = form.closest("dialog");
      if (dialog) dialog.close();
      await refreshAfter(place, data);
    }
  } catch (error) {
    data = { message: form.dataset.networkError || T.networkError };
  } finally {
    busy(form, false);
  }
  // a refused picker keeps its dialog open and says why inside it
  const target = !ok && form.isConnected && form.closest("dialog") ? statusFor(form) : statusAt(place, form);
  if (signedOut) {
    saySignedOut(target, data);
    return;
  }
  say(target, describe(data), !ok || Boolean(data.errors && data.errors.length));
  keepPlace(target);
}

/** One request of an upload, sent with XMLHttpRequest for the progress of its bytes (fetch has none), answered as
 * `post` answers; `{ cancelled: true }` once `track.abort()` was called. `track.progress(loaded, total)` hears each
 * part sent, `track.sent()` the end of the request's body (the server checks and stores it then). */
function postTracked(form, body, track) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", JSON_ACCEPT);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) track.progress(event.loaded, event.total);
    });
    xhr.upload.addEventListener("load", () => track.sent());
    xhr.addEventListener("load", () => {
      const type = xhr.getResponseHeader("Content-Type") || "";
      if (type.includes(JSON_ACCEPT)) {
        try {
          resolve({ data: JSON.parse(xhr.responseText), signedOut: xhr.status === 401 });
        } catch (error) {
          reject(error);
        }
        return;
      }
      const asked = new URL(form.action, window.location.href).href;
      if (xhr.status === 401 || xhr.status === 403 || (xhr.responseURL && xhr.responseURL !== asked)) {
        // A login page or a refused token, as in `post`.
        resolve({ data: {}, signedOut: true });
        return;
      }
      reject(new Error(`HTTP ${xhr.status}`));
    });
    xhr.addEventListener("error", () => reject(new Error("network")));
    xhr.addEventListener("abort", () => resolve({ cancelled: true }));
    track.abort = () => xhr.abort();
    xhr.send(body);
  });
}

// Uploads on their way: closing or leaving the page would drop them silently, so it asks first.
let uploading = 0;

function askBeforeLeaving(event) {
  event.preventDefault();
  event.returnValue = T.leaveUploading;
}

function uploadStarted() {
  uploading += 1;
  if (uploading === 1) window.addEventListener("beforeunload", askBeforeLeaving);
}

function uploadEnded() {
  uploading = Math.max(0, uploading - 1);
  if (!uploading) window.removeEventListener("beforeunload", askBeforeLeaving);
}

/** The progress of an upload, said where its answer will be said: the bytes of the request on its way and their
 * share, in the status (announced on each tenth of the way at most once a second, and on each change of step: a
 * screen reader is told how it goes without being flooded), a bar that every part sent moves, and «Huỷ tải lên»
 * beside the form's button for as long as it goes on. */
function uploadProgress(form, status, batches, onCancel) {
  const total = batches.reduce((n, batch) => n + batch.length, 0);
  const text = document.createElement("span");
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = 0;
  bar.setAttribute("aria-label", T.progressLabel);
  const cancel = button("secondary evidence-cancel", T.cancel);
  cancel.addEventListener("click", onCancel);
  const submit = form.querySelector("button[type=submit]");
  if (submit) submit.after(cancel);
  else form.append(cancel);
  if (status) {
    status.classList.remove("error");
    status.replaceChildren(text, " ", bar);
  }
  let index = 0;
  let done = 0;
  let tenth = -1;
  let saidAt = 0;
  const bytesOf = (batch) => batch.reduce((n, file) => n + file.size, 0);
  const values = (fraction) => {
    const batch = batches[index];
    const size = bytesOf(batch);
    return {
      batch: index + 1, batches: batches.length, files: batch.length, done, total,
      sent: sizeText(Math.round(size * fraction)), size: sizeText(size), percent: Math.floor(fraction * 100),
    };
  };
  const write = (line) => {
    text.textContent = line;
    saidAt = Date.now();
  };
  const several = batches.length > 1;
  return {
    cancel,
    start(next) {
      index = next;
      tenth = 0;
      bar.value = 0;
      write(fill(several ? T.uploadingBatch : T.uploading, values(0)));
    },
    moved(loaded, size) {
      const fraction = size ? Math.min(1, loaded / size) : 0;
      bar.value = fraction;
      const now = Math.floor(fraction * 10);
      if (now === tenth || Date.now() - saidAt < 1000) return;
      tenth = now;
      write(fill(several ? T.uploadingBatch : T.uploading, values(fraction)));
    },
    sent() {
      bar.value = 1;
      write(fill(several ? T.checkingBatch : T.checking, values(1)));
    },
    finished(count) {
      done += count;
    },
    remove() {
      cancel.remove();
    },
  };
}

/** Upload the chosen files: at once when they fit in one request, else in batches, with the bytes sent shown as they
 * go, and one summary at the end. Files too large are refused here (never sent) and counted with those the server
 * refuses; a batch that does not arrive, or «Huỷ tải lên», stops the upload, and the files not sent stay chosen, so
 * that «Tải lên» sends them again. */
async function sendFiles(form) {
  const place = placeOf(form);
  const { input: fileInput, over, fitting, messages: refusedHere } = oversized(form);
  const chosen = Array.from(fileInput.files);
  const refusedFirst = over.map((file, i) => ({ name: file.name, message: refusedHere[i] }));
  if (over.length && !fitting.length) {
    // nothing left to send: said at once, nothing sent
    const target = statusFor(form);
    say(target, summary([], refusedFirst, chosen), true);
    fileInput.value = "";
    keepPlace(target);
    return;
  }
  const batches = batchesOf(fitting, maxFiles(form));
  const focused = form.contains(document.activeElement);
  busy(form, true);
  let cancelled = false;
  let inFlight = null; // the request whose bytes are being sent: one the server has whole is left to finish
  const progress = uploadProgress(form, statusFor(form), batches, () => {
    cancelled = true;
    if (inFlight) inFlight.abort();
  });
  // the button pressed is disabled until the end: the focus goes to the one that can stop the upload
  if (focused) progress.cancel.focus({ preventScroll: true });
  freshToken(form);
  uploadStarted();
  const answers = [];
  const created = [];
  let sent = 0;
  let signedOut = false;
  let failure = null;
  try {
    for (const [index, batch] of batches.entries()) {
      if (cancelled) break;
      const body = new FormData(form);
      body.delete(fileInput.name);
      for (const file of batch) body.append(fileInput.name, file);
      // the files earlier batches added: a copy of one of them is said to be chosen twice, as in one request
      for (const id of created) body.append("batch_ids", id);
      progress.start(index);
      const track = {
        progress: (loaded, size) => progress.moved(loaded, size),
        sent: () => {
          inFlight = null;
          progress.sent();
        },
      };
      inFlight = track;
      let answer;
      try {
        answer = await postTracked(form, body, track);
      } catch (error) {
        failure = { message: form.dataset.networkError || T.networkError };
        break;
      } finally {
        inFlight = null;
      }
      if (answer.cancelled) break;
      if (answer.signedOut) {
        signedOut = answer.data;
        break;
      }
      const data = answer.data;
      if (!data.files && !data.errors) {
        failure = data; // refused whole (another state, no right, too many files…): said as the server says it
        break;
      }
      answers.push(data);
      for (const file of data.files || []) if (!file.already_present) created.push(file.id);
      sent += batch.length;
      progress.finished(batch.length);
    }
    if (answers.some((data) => (data.files || []).length)) await refreshAfter(place, null);
  } finally {
    uploadEnded();
    progress.remove();
    busy(form, false);
  }
  const target = statusAt(place, form);
  const left = fitting.slice(sent);
  if (left.length) keepChosen(form, left);
  if (signedOut) {
    saySignedOut(target, signedOut);
    return;
  }
  const offers = answers.flatMap((data) => data.same_name || []);
  let text;
  if (answers.length === 1 && !failure && !refusedFirst.length) {
    text = describe(answers[0]); // the server's own summary
  } else {
    text = summary(answers, refusedFirst, chosen);
  }
  let notSent = "";
  if (left.length && cancelled) notSent = fill(T.cancelled, { n: left.length });
  else if (left.length && sent) notSent = fill(T.stopped, { n: left.length });
  const parts = [text, failure ? describe(failure) : "", notSent].filter(Boolean);
  const errors = answers.some((data) => (data.errors || []).length) || refusedFirst.length || failure;
  const nothingSaved = !answers.some((data) => data.ok) && !cancelled;
  sayUpload(target, parts.join(" "), Boolean(errors) || nothingSaved, form, offers);
  if (!left.length && answers.some((data) => data.ok)) {
    const upload = form.isConnected ? form : null;
    if (upload) upload.reset();
  }
  keepPlace(target);
}

/** A file's name as the server keeps it (`evidence.validation.client_name`, its main part), to match its refusal
 * with the file chosen. */
function nameKey(name) {
  return String(name || "").normalize("NFC").split(/\s+/).filter(Boolean).join(" ");
}

/** One summary of an upload's answers (several batches, or one with files refused here), in the server's order:
 * saved, what is said of single files, the files refused (here and by the server: one count), each with its reason
 * in the order the files were chosen. */
function summary(answers, refusedHere = [], chosen = []) {
  const saved = answers.reduce((n, data) => n + (data.saved || 0), 0);
  const stored = answers.reduce((n, data) => n + (data.files || []).length, 0);
  const position = new Map();
  chosen.forEach((file, i) => {
    if (!position.has(nameKey(file.name))) position.set(nameKey(file.name), i);
  });
  const at = (error) => position.get(nameKey(error.name)) ?? chosen.length;
  const errors = [...refusedHere, ...answers.flatMap((data) => data.errors || [])].sort((a, b) => at(a) - at(b));
  const parts = [];
  if (saved) parts.push(fill(T.saved, { n: saved }));
  for (const data of answers) parts.push(...(data.notes || []));
  if (errors.length) {
    const tail = saved ? T.refusedSomeSaved : stored ? T.refusedNoneNew : T.refusedNone;
    parts.push(fill(tail, { n: errors.length }));
  }
  parts.push(...errors.map((error) => error.message));
  return parts.join(" ");
}

/** Leave only `files` chosen in the form's file box (those not sent), so that sending again sends them. */
function keepChosen(form, files) {
  const input = form.isConnected && form.querySelector("input[type=file]");
  if (!input || typeof DataTransfer === "undefined") return;
  const transfer = new DataTransfer();
  for (const file of files) transfer.items.add(file);
  input.files = transfer.files;
}

// The region was drawn again: the button that had the focus is gone. The focus goes to the message beside it, so
// a keyboard or screen-reader user stays where they were instead of starting again at the top of the page.
function keepPlace(target) {
  const lost = !document.activeElement || document.activeElement === document.body
    || !document.activeElement.isConnected;
  if (!lost || !target || !target.isConnected) return;
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  if (form.hasAttribute("data-evidence-filter-form")) {
    // filtered here as the name is typed; the address keeps it, so the page drawn again keeps it too
    event.preventDefault();
    const scope = form.closest("[data-evidence-filter-scope]");
    if (scope) applyFilter(scope);
    rememberFilter(form);
    return;
  }
  if (!form.hasAttribute("data-evidence-form")) return;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  // Nothing chosen is sent too: the server's message is shown beside the form, and nothing typed elsewhere on
  // the page is lost to a reload.
  event.preventDefault();
  send(form, Boolean(form.dataset.confirm));
});

// --- filter and order ------------------------------------------------------------------------------------------

function applyFilter(scope) {
  const input = scope.querySelector("[data-evidence-filter]");
  const list = scope.querySelector("[data-evidence-items]");
  if (!input || !list) return;
  const items = list.querySelectorAll("[data-search]");
  if (!items.length) return; // nothing listed: the server's own words stay
  const words = fold(input.value).split(" ").filter(Boolean);
  let shown = 0;
  for (const item of items) {
    const match = words.every((word) => item.dataset.search.includes(word));
    item.hidden = !match;
    if (match) shown += 1;
  }
  const none = scope.querySelector("[data-evidence-no-match]");
  if (none) none.hidden = shown > 0;
  const table = list.closest(".table-scroll");
  if (table) table.hidden = shown === 0;
}

function applyOrder(scope) {
  const select = scope.querySelector("[data-evidence-order]");
  const list = scope.querySelector("[data-evidence-items]");
  if (!select || !list) return;
  const key = select.value === "moi-nhat" ? "orderNew" : "orderName";
  const items = [...list.querySelectorAll(":scope > [data-search]")];
  items.sort((a, b) => Number(a.dataset[key]) - Number(b.dataset[key]));
  list.append(...items);
}

/** The library's filter and order in the page's address, as the server reads them (the page drawn again after an
 * action, a reload, a link sent to a colleague keep them). */
function rememberFilter(form) {
  const url = new URL(window.location.href);
  const query = form.querySelector('[name="q"]');
  const order = form.querySelector('[name="sap_xep"]');
  if (query) {
    if (query.value.trim()) url.searchParams.set("q", query.value.trim());
    else url.searchParams.delete("q");
  }
  if (order) url.searchParams.set("sap_xep", order.value);
  window.history.replaceState(window.history.state, "", url);
}

document.addEventListener("input", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.matches("[data-evidence-filter]")) return;
  const scope = input.closest("[data-evidence-filter-scope]");
  if (scope) applyFilter(scope);
  const form = input.closest("[data-evidence-filter-form]");
  if (form) rememberFilter(form);
});

document.addEventListener("change", (event) => {
  const select = event.target;
  if (!(select instanceof HTMLSelectElement) || !select.matches("[data-evidence-order]")) return;
  const scope = select.closest("[data-evidence-filter-scope]");
  if (!scope) return;
  applyOrder(scope);
  const form = select.closest("[data-evidence-filter-form]");
  if (form) rememberFilter(form);
});

// --- the page's one picker -------------------------------------------------------------------------------------

let dialog = null;

function pickerDialog() {
  if (dialog) return dialog;
  dialog = document.createElement("dialog");
  dialog.className = "evidence-dialog";
  dialog.addEventListener("click", (event) => {
    if (event.target.closest("[data-dialog-close]")) dialog.close();
  });
  dialog.addEventListener("close", () => {
    const opener = dialog.dataset.opener && document.getElementById(dialog.dataset.opener);
    dialog.replaceChildren();
    if (opener) opener.focus();
  });
  document.body.append(dialog);
  return dialog;
}

/** Open the library's files for one leaf: fetched now (the leaf's files marked, the newest uploads in), shown in
 * the page's dialog. Anything but the list leads to the plain page for the leaf, which says why. */
async function openPicker(opener) {
  const block = opener.closest("[data-evidence-line]");
  const url = new URL(opener.dataset.evidencePick, window.location.href);
  const next = block && block.querySelector('input[name="next"]');
  if (next) url.searchParams.set("next", next.value);
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  } catch (error) {
    say(block && block.querySelector("[data-evidence-status]"), T.pickerFailed, true);
    return;
  }
  if (response.status === 401 || response.redirected) {
    saySignedOut(block && block.querySelector("[data-evidence-status]"), {});
    return;
  }
  if (!response.ok) {
    window.location.href = opener.href;
    return;
  }
  const picker = parseHTML(await response.text()).querySelector("[data-evidence-picker]");
  if (!picker) {
    window.location.href = opener.href;
    return;
  }
  const shown = pickerDialog();
  shown.replaceChildren(document.importNode(picker, true));
  shown.dataset.opener = opener.id;
  shown.setAttribute("aria-labelledby", shown.querySelector(".picker-title")?.id || "");
  setUpTools(shown);
  shown.showModal();
  (shown.querySelector("[data-evidence-filter]") || shown.querySelector("input[type=checkbox]:not(:disabled)")
    || shown.querySelector("button"))?.focus();
}

document.addEventListener("click", (event) => {
  const opener = event.target instanceof Element && event.target.closest("[data-evidence-pick]");
  if (!opener) return;
  event.preventDefault();
  openPicker(opener);
});

/** The filter and order tools, hidden without the script, shown in every scope that has them. */
function setUpTools(root) {
  root.querySelectorAll("[data-evidence-tools]").forEach((tools) => { tools.hidden = false; });
}

// --- drag and drop ---------------------------------------------------------------------------------------------

function setUpDropzone(zone) {
  const form = zone.querySelector("form[data-evidence-form]");
  const input = form && form.querySelector("input[type=file]");
  if (!input) return;
  let depth = 0;
  zone.addEventListener("dragenter", (event) => {
    event.preventDefault();
    depth += 1;
    zone.classList.add("dragover");
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  zone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove("dragover");
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    zone.classList.remove("dragover");
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    form.requestSubmit();
  });
}

document.querySelectorAll("[data-dropzone]").forEach(setUpDropzone);
setUpTools(document);
document.querySelectorAll("[data-evidence-filter-scope]").forEach(applyFilter);
