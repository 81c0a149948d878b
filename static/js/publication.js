// Published results: long exports (PDF, large workbook, evidence pack) are built in the background; this
// script posts the request, then shows the job's progress in the page and the download link when done.
// Without JavaScript the form posts normally and the job page refreshes itself.

const POLL_MS = 1000;
const vi = document.documentElement.lang.startsWith("vi");
const T = vi
  ? { failed: "Không tạo được tệp. Hãy thử lại sau.", done: "Đã xong.", building: "Đang tạo tệp…",
      download: "Tải tệp", sending: "Đang gửi yêu cầu…" }
  : { failed: "The file could not be built. Please try again later.", done: "Done.", building: "Building the file…",
      download: "Download", sending: "Sending the request…" };

function csrfToken(form) {
  const input = form.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

async function poll(url, onUpdate) {
  for (;;) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    onUpdate(data);
    if (data.status === "done" || data.status === "failed") return data;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function statusText(data) {
  if (data.status === "failed") return T.failed;
  if (data.status === "done") return T.done;
  return `${T.building} ${data.progress}%`;
}

function showIn(box, data) {
  box.textContent = statusText(data);
  if (data.download) {
    const link = document.createElement("a");
    link.href = data.download;
    link.textContent = T.download;
    box.append(" ", link);
    link.focus();
  }
}

for (const form of document.querySelectorAll("form[data-export]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = form.closest("section, .card")?.querySelector(".export-status") || form.parentElement;
    box.textContent = T.sending;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-CSRFToken": csrfToken(form) },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const jobUrl = new URL(response.url);
      jobUrl.searchParams.set("format", "json");
      await poll(jobUrl.toString(), (data) => showIn(box, data));
    } catch {
      form.submit();
    }
  });
}

const jobBox = document.querySelector("[data-job]");
if (jobBox) {
  const statusEl = jobBox.querySelector("[data-job-status]");
  const progressEl = jobBox.querySelector("progress");
  const percentEl = jobBox.querySelector("[data-job-progress]");
  const downloadEl = jobBox.querySelector("[data-job-download]");
  poll(jobBox.dataset.job, (data) => {
    statusEl.textContent = statusText(data);
    progressEl.value = data.progress;
    percentEl.textContent = String(data.progress);
    if (data.download) {
      downloadEl.hidden = false;
      downloadEl.querySelector("a").href = data.download;
    }
  }).catch(() => {});
}

// The ranking tables' «show the areas' points» checkbox on a phone: the class is what older browsers (without
// CSS :has) go by.
for (const box of document.querySelectorAll("input[data-show-details]")) {
  const section = box.closest(".group-table");
  const sync = () => section?.classList.toggle("show-details", box.checked);
  box.addEventListener("change", sync);
  sync();
}

// A table that scrolls sideways in its box (publication.css, .sticky-cols): which sides have more columns, for the
// shadow beside the fixed column and the fading right edge that say the table scrolls.
function markScroll(box) {
  const more = [];
  if (box.scrollLeft > 1) more.push("left");
  if (box.scrollLeft + box.clientWidth < box.scrollWidth - 1) more.push("right");
  if (more.length) box.dataset.more = more.join(" ");
  else delete box.dataset.more;
}
const scrollBoxes = [...document.querySelectorAll(".sticky-cols")];
const resized = "ResizeObserver" in window
  ? new ResizeObserver((entries) => {
    for (const entry of entries) markScroll(entry.target.closest(".sticky-cols"));
  })
  : null;
for (const box of scrollBoxes) {
  box.addEventListener("scroll", () => markScroll(box), { passive: true });
  resized?.observe(box);
  const table = box.querySelector("table");
  if (table) resized?.observe(table);
  markScroll(box);
}
// Showing the ranking's detail columns widens its table.
for (const input of document.querySelectorAll("input[data-show-details]")) {
  input.addEventListener("change", () => scrollBoxes.forEach(markScroll));
}
