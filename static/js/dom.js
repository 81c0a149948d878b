// Small builders of page elements shared by the pages' scripts.

// A plain button (not a form's submit) with its class and visible text.
export function button(className, text) {
  const made = document.createElement("button");
  made.type = "button";
  if (className) made.className = className;
  made.textContent = text;
  return made;
}
