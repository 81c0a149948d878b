// Evidence documents: enhances the plain forms (they all work without this script).
// - forms marked [data-evidence-form] are sent with fetch and the page's [data-evidence-region] parts are
//   refreshed in place from the server's own HTML (one template, no markup built here);
// - [data-dropzone] accepts files dragged onto it and uploads them at once;
// - forms with [data-confirm] ask before they are sent; with [data-confirm-field] that field is sent as "1" once
//   confirmed (without this script the server asks on a page of its own).

import { freshToken, signInAgain } from "./session.js";

const JSON_ACCEPT = "application/json";
const VI = document.documentElement.lang.startsWith("vi");
const T = VI
  ? {
      sessionEnded: "Phiên đăng nhập đã hết hạn nên yêu cầu chưa được thực hiện. Hãy đăng nhập lại rồi gửi lại; tệp đã chọn vẫn còn trên trang.",
      signIn: "Đăng nhập lại (mở thẻ mới)",
      tooLarge: "Tệp «%(name)s» vượt quá dung lượng cho phép (%(limit)s MB).",
    }
  : {
      sessionEnded: "Your session has expired, so nothing was done. Please sign in again and send it again; the files you chose are still on the page.",
      signIn: "Sign in again (opens a new tab)",
      tooLarge: "The file «%(name)s» is larger than allowed (%(limit)s MB).",
    };

/** The session ended: say so with a link to sign in again that comes back to this page (not the action). */
function saySignedOut(target, data) {
  if (!target) return;
  target.replaceChildren(...signInAgain(data, T.sessionEnded, T.signIn));
  target.classList.add("error");
}

function statusFor(form) {
  const region = form.closest("[data-evidence-region]");
  const local = region && region.querySelector("[data-evidence-status]");
  return local || document.querySelector("[data-evidence-status-global]");
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

// Replace every top-level region of this page with its fresh copy from the server.
async function refreshRegions() {
  const response = await fetch(window.location.href, {
    credentials: "same-origin",
    headers: { Accept: "text/html" },
  });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  const regions = [...fresh.querySelectorAll("[data-evidence-region][id]")].filter(
    (el) => !el.parentElement.closest("[data-evidence-region]"),
  );
  for (const region of regions) {
    const current = document.getElementById(region.id);
    if (current) current.replaceWith(document.importNode(region, true));
  }
}

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
  const limit = statedLimit(form);
  if (!input || !limit) return { input, over: [] };
  const files = Array.from(input.files || []);
  const over = files.filter((file) => file.size > limit.bytes);
  return {
    input,
    over,
    fitting: files.filter((file) => file.size <= limit.bytes),
    messages: over.map((file) => T.tooLarge.replace("%(name)s", file.name).replace("%(limit)s", limit.text)),
  };
}

async function send(form, confirmed) {
  const regionId = form.closest("[data-evidence-region]")?.id;
  const { input: fileInput, over, fitting = [], messages: refusedHere = [] } = oversized(form);
  if (over.length && !fitting.length) {
    // nothing left to send: said at once, nothing sent
    const target = statusFor(form);
    say(target, refusedHere.join(" "), true);
    fileInput.value = "";
    keepPlace(target);
    return;
  }
  const buttons = form.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  form.setAttribute("aria-busy", "true");
  let data;
  let ok = false;
  let signedOut = false;
  freshToken(form);
  try {
    const body = new FormData(form);
    // the server does what needs a confirmation (a delete) only when told it was confirmed
    if (confirmed && form.dataset.confirmField) body.set(form.dataset.confirmField, "1");
    if (over.length) {
      // the others are sent (as the server would keep them), the ones too large are not
      body.delete(fileInput.name);
      for (const file of fitting) body.append(fileInput.name, file);
    }
    const response = await fetch(form.action, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: JSON_ACCEPT },
    });
    const type = response.headers.get("Content-Type") || "";
    if (type.includes(JSON_ACCEPT)) {
      data = await response.json();
      signedOut = response.status === 401;
    } else if (response.status === 401 || response.status === 403 || response.redirected) {
      // A login page or a refused token: posting the form itself would end on an address that only takes POST.
      data = {};
      signedOut = true;
    } else {
      throw new Error(`HTTP ${response.status}`);
    }
    ok = Boolean(data.ok);
    if (ok || (data.files && data.files.length)) await refreshRegions();
  } catch (error) {
    const fallback = document.documentElement.lang.startsWith("vi")
      ? "Không gửi được yêu cầu. Hãy thử lại." : "The request could not be sent. Please try again.";
    data = { message: form.dataset.networkError || fallback };
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    form.removeAttribute("aria-busy");
  }
  const region = regionId && document.getElementById(regionId);
  const target = (region && region.querySelector("[data-evidence-status]")) || statusFor(form);
  if (signedOut) {
    saySignedOut(target, data);
    return;
  }
  const partial = (data.errors && data.errors.length) || refusedHere.length;
  say(target, [describe(data), ...refusedHere].filter(Boolean).join(" "), !ok || partial);
  if (ok && form.querySelector("input[type=file]")) form.reset();
  keepPlace(target);
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
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-evidence-form")) return;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  // Nothing chosen is sent too: the server's message is shown beside the form, and nothing typed elsewhere on
  // the page is lost to a reload.
  event.preventDefault();
  send(form, Boolean(form.dataset.confirm));
});

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
