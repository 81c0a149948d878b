// What the pages' scripts do when the session has ended under them (shared by the self-assessment, appraisal
// and evidence scripts): send the current CSRF token, and offer to sign in again in a new tab, coming back to
// this page, while what was typed or chosen stays where it is.

/** Signing in again (in another tab) rotates the CSRF token: send the cookie's current one. */
export function freshToken(form) {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  const input = form.querySelector('input[name="csrfmiddlewaretoken"]');
  if (match && input) input.value = decodeURIComponent(match[1]);
}

/** The login page, coming back to this page (never to the POST-only address of a save). */
export function loginHref(base) {
  const here = window.location.pathname + window.location.search;
  return `${base || "/dang-nhap/"}?next=${encodeURIComponent(here)}`;
}

/** The server's message (or `fallback`) and a link signing in again in a new tab: nodes to put in a box. */
export function signInAgain(data, fallback, label) {
  const text = document.createElement("span");
  text.textContent = `${data.message || fallback} `;
  const link = document.createElement("a");
  link.href = loginHref(data.login_url);
  link.target = "_blank";
  link.rel = "noopener";
  link.className = "sign-in-again";
  link.textContent = label;
  return [text, link];
}
