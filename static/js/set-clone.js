// The clone form: the new set's key and name name the year typed (tg-2021-so → tg-2027-so), as the server
// proposes them, for as long as the person has not edited them. A key naming no year gets it appended once. The
// decision reference is the source's in the source's year and blank in another, likewise until edited.

const YEAR = /(?<!\d)(?:19|20)\d{2}(?!\d)/g;

function withYear(text, year, append) {
  YEAR.lastIndex = 0;
  if (YEAR.test(text)) return text.replace(YEAR, year);
  return append ? `${text}-${year}` : text;
}

const form = document.getElementById("set-clone-form");
const yearInput = form ? form.querySelector("[data-clone-year]") : null;
if (yearInput) {
  const followers = [...form.querySelectorAll("[data-follows-year]")];
  // what the page (or this script) last proposed: a value still equal to it was not edited by hand
  for (const input of followers) input.dataset.proposed = input.value;
  yearInput.addEventListener("input", () => {
    const year = yearInput.value.trim();
    if (!/^(19|20)\d{2}$/.test(year)) return;
    for (const input of followers) {
      if (input.value !== input.dataset.proposed) continue;
      // the decision: the source's in the source's year (another version under it), blank in another (a new one)
      if (input.dataset.followsYear === "decision_ref") {
        input.value = year === input.dataset.sourceYear ? input.dataset.sourceValue : "";
      } else {
        input.value = withYear(input.value, year, input.dataset.followsYear === "key");
      }
      input.dataset.proposed = input.value;
    }
  });
}
