// The console works without this script; it only refreshes the overview in place while it is open.
"use strict";
(function () {
  const live = document.getElementById("live");
  if (!live) return;
  const seconds = Math.max(1, parseInt(live.dataset.refresh || "5", 10));
  async function refresh() {
    if (document.hidden) return;
    try {
      const response = await fetch(live.dataset.src, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (response.ok && !response.redirected) {
        live.innerHTML = await response.text();
      }
    } catch (error) {
      // The server is away for a moment: the next refresh tries again.
    }
  }
  window.setInterval(refresh, seconds * 1000);
})();
