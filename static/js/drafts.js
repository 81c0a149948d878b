// What the pages' scripts share to keep text typed and not saved yet in the browser (localStorage) until it is
// saved, and to compare texts as the server stores them (shared by the self-assessment sheet and the unit's
// explanation page).

export const DRAFT_AGE = 30 * 24 * 3600 * 1000; // a draft older than this is dropped, never restored

/** A text as the server compares it: line ends, spaces around it and the Unicode form do not count. */
export const clean = (text) => String(text ?? "").replace(/\r\n?/g, "\n").trim().normalize("NFC");
export const same = (a, b) => clean(a) === clean(b);

/** The browser's storage, or null when refused (a browser's privacy setting): the page works, without drafts. */
export function storage() {
  try {
    return window.localStorage;
  } catch (error) {
    return null;
  }
}

/** The draft kept under `key` (an object with `at`, the time it was typed), or null: none, unreadable or too old
 * (then dropped). */
export function readDraft(key) {
  const store = storage();
  if (!store) return null;
  let draft = null;
  try {
    draft = JSON.parse(store.getItem(key) || "null");
  } catch (error) {
    draft = null;
  }
  if (!draft || Date.now() - (draft.at || 0) > DRAFT_AGE) {
    dropDraft(key);
    return null;
  }
  return draft;
}

/** Keep `draft` under `key`, with the time it was typed. */
export function writeDraft(key, draft) {
  const store = storage();
  if (!store) return;
  try {
    store.setItem(key, JSON.stringify({ ...draft, at: Date.now() }));
  } catch (error) {
    // storage full or refused: the page still holds the text and still asks before it is left
  }
}

export function dropDraft(key) {
  try {
    storage()?.removeItem(key);
  } catch (error) {
    // refused: nothing kept either
  }
}
