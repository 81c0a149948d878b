// Whether the user is typing, for panels that appear on their own (a stale-version conflict answered while the
// user goes on typing): such a panel takes the focus only when the user is not typing, and its buttons ignore a key
// that was meant for a field (a SPACE typed between two words must not «keep» an empty score over a colleague's).

const TYPING_WINDOW = 2000; // a keystroke this recent: the user is typing
const ACTIVATION_GAP = 1000; // a key pressed on a panel's button this soon after typing was meant for a field
const NOT_TYPING = new Set(["Tab", "Shift", "Control", "Alt", "AltGraph", "Meta", "Escape", "CapsLock", "NumLock"]);

let lastTyped = -Infinity;

/** A field that takes text (keys typed in it write into it). */
export function isTextField(element) {
  if (!element || !element.matches) return false;
  if (element.matches("textarea, [contenteditable]:not([contenteditable='false'])")) return true;
  return element.matches("input") && !["button", "submit", "reset", "checkbox", "radio", "file", "image", "range", "color", "hidden"]
    .includes(element.type);
}

// Capture phase on the document: counted before any field or button hears the key.
document.addEventListener("keydown", (event) => {
  if (NOT_TYPING.has(event.key) || event.ctrlKey || event.metaKey) return;
  const character = event.key.length === 1 && event.key !== " ";
  if (isTextField(event.target) || character || event.key === "Backspace" || event.key === "Delete") {
    lastTyped = performance.now();
  }
}, true);

/** The user is typing: the focus is inside `scope` (outside `except`) or in a text field, or a key was typed in
 * the last two seconds. */
export function userTyping(scope, except = null) {
  const active = document.activeElement;
  const inScope = Boolean(scope && active && active !== scope && scope.contains(active) && !(except && except.contains(active)));
  return inScope || isTextField(active) || performance.now() - lastTyped < TYPING_WINDOW;
}

/** A panel's button: `action` runs on a pointer click, or on ENTER / SPACE (or a screen reader's «press»), but not
 * right after typing: a key typed for a field, the focus moved to the button meanwhile, must not press it. */
export function onDeliberateClick(button, action) {
  let refused = false;
  button.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    refused = event.repeat || performance.now() - lastTyped < ACTIVATION_GAP;
    if (refused) event.preventDefault(); // ENTER activates on keydown
  });
  button.addEventListener("click", (event) => {
    const byKeyboard = event.detail === 0;
    const typed = refused || performance.now() - lastTyped < ACTIVATION_GAP;
    refused = false;
    if (byKeyboard && typed) {
      event.preventDefault();
      return;
    }
    action(event);
  });
}
