// Client helpers for templates/scoring/_method_input.html (the input that fits a leaf's scoring method).
// Field names are prefix + the engine's field: points, option, value, numerator, denominator, counts.<key>.

/** The inputs of one method fieldset whose name is `prefix + field` (radio groups give several). */
export function inputsFor(fieldset, field) {
  const name = (fieldset.dataset.prefix || "") + field;
  return Array.from(fieldset.querySelectorAll("input")).filter((input) => input.name === name);
}

/** Mark the input of an engine error's `field` as invalid (counts: every count); clear the others. */
export function markInvalid(fieldset, field) {
  for (const input of fieldset.querySelectorAll("input")) input.removeAttribute("aria-invalid");
  if (!field) return null;
  const prefix = fieldset.dataset.prefix || "";
  const hits = Array.from(fieldset.querySelectorAll("input")).filter(
    (input) => input.name === prefix + field || (field === "counts" && input.name.startsWith(prefix + "counts.")),
  );
  for (const input of hits) input.setAttribute("aria-invalid", "true");
  return hits[0] || null;
}

function decimalText(raw) {
  if (raw === null || raw === undefined) return "";
  const text = String(raw);
  const comma = document.documentElement.lang.startsWith("vi");
  return comma && /^-?\d+(\.\d+)?$/.test(text) ? text.replace(".", ",") : text;
}

/** Put a stored engine value (or null) into the fieldset's inputs. */
export function fill(fieldset, value) {
  const method = fieldset.dataset.method;
  const v = value || {};
  const set = (field, raw) => {
    for (const input of inputsFor(fieldset, field)) {
      if (input.type === "radio") input.checked = input.value === String(raw ?? "");
      else input.value = input.classList.contains("count") ? String(raw ?? "") : decimalText(raw);
    }
  };
  if (method === "levels") set("option", v.option);
  else if (method === "yes_no") set("value", v.value === true ? "yes" : v.value === false ? "no" : "");
  else if (method === "ratio_bands" || method === "proportional") {
    set("numerator", v.numerator);
    set("denominator", v.denominator);
  } else if (method === "formula" || method === "per_occurrence") {
    const prefix = (fieldset.dataset.prefix || "") + "counts.";
    for (const input of fieldset.querySelectorAll("input")) {
      if (input.name.startsWith(prefix)) {
        const key = input.name.slice(prefix.length);
        input.value = v.counts && v.counts[key] !== undefined ? String(v.counts[key]) : "";
      }
    }
  } else set("points", v.points);
}

/** A short text of what the inputs hold now (for the conflict panel). */
export function describe(fieldset) {
  const parts = [];
  for (const input of fieldset.querySelectorAll("input")) {
    if (input.type === "radio") {
      if (input.checked && input.value) parts.push(input.closest("label")?.querySelector("span")?.textContent.trim());
    } else if (input.value.trim()) {
      const label = fieldset.querySelector(`label[for="${CSS.escape(input.id)}"]`);
      parts.push(`${label ? label.firstChild.textContent.trim() : input.name}: ${input.value.trim()}`);
    }
  }
  return parts.filter(Boolean).join("; ");
}
