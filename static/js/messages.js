// The messages after an action (templates/base.html, ul.messages): an error is role=alert, the others role=status.
// A live region already holding its text when the page loads is not read by every screen reader, so:
// - the first error takes the focus (read at once), unless the page asks for another element (an autofocus field
//   in error, a form's error summary): that page's own message comes first;
// - every other message is put back into its region once the page has loaded: new content in a live region, said.

const list = document.querySelector("ul.messages[data-messages]");
if (list) {
  const error = list.querySelector('[role="alert"]');
  const focused = error && !document.querySelector("[autofocus]") ? error : null;
  if (focused) focused.focus();
  setTimeout(() => {
    for (const region of list.querySelectorAll('[role="alert"], [role="status"]')) {
      if (region === focused) continue;
      region.replaceChildren(...Array.from(region.childNodes, (node) => node.cloneNode(true)));
    }
  }, 500);
}
