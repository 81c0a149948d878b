// The report page's print button (kept out of the page so a strict Content-Security-Policy holds).
document.querySelector("[data-print]")?.addEventListener("click", () => window.print());
