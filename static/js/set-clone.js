// The clone form: the new set's key, name and decision reference are those the server proposes for the year typed
// (each year's proposal is on the page: tg-2021-so-v2 «… (phiên bản 2)» for a year that has its set already,
// tg-2023-so for a year that has none), for as long as the person has not edited them. The hidden `proposed_year`
// says which year's proposal the fields show: a page sent with another year is shown again with that year's.
// Without the proposals (an older page), the key and the name have their year swapped, a key naming no year gets
// it appended once, and the decision is the source's in the source's year, blank in another.

const YEAR = /(?<!\d)(?:19|20)\d{2}(?!\d)/g;

function withYear(text, year, append) {
  YEAR.lastIndex = 0;
  if (YEAR.test(text)) return text.replace(YEAR, year);
  return append ? `${text}-${year}` : text;
}

function readProposals() {
  const holder = document.getElementById("clone-proposals");
  if (!holder) return null;
  try {
    const found = JSON.parse(holder.textContent);
    return found && typeof found === "object" ? found : null;
  } catch {
    return null;
  }
}

function guessed(input, year) {
  // the decision: the source's in the source's year (another version under it), blank in another (a new one)
  if (input.dataset.followsYear === "decision_ref") {
    return year === input.dataset.sourceYear ? input.dataset.sourceValue : "";
  }
  return withYear(input.value, year, input.dataset.followsYear === "key");
}

const form = document.getElementById("set-clone-form");
const yearInput = form ? form.querySelector("[data-clone-year]") : null;
if (yearInput) {
  const proposals = readProposals();
  const shownYear = form.querySelector("[data-proposed-year]");
  const followers = [...form.querySelectorAll("[data-follows-year]")];
  // what the page (or this script) last proposed: a value still equal to it was not edited by hand
  for (const input of followers) input.dataset.proposed = input.value;
  yearInput.addEventListener("input", () => {
    const year = yearInput.value.trim();
    const proposal = proposals ? proposals[year] : null;
    // a year the form does not take, or not a year yet (typing): its error, if any, comes on sending
    if (proposals ? !proposal : !/^(19|20)\d{2}$/.test(year)) return;
    for (const input of followers) {
      if (input.value !== input.dataset.proposed) continue;
      const field = input.dataset.followsYear;
      input.value = proposal && field in proposal ? proposal[field] : guessed(input, year);
      input.dataset.proposed = input.value;
    }
    if (proposal && shownYear) shownYear.value = year;
  });
}
