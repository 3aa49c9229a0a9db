// E-visit time: while a clinician's thread page is visible, tell the server
// every 15 seconds that they are working on it (reading, or typing in the
// page). Nothing is sent while the page is hidden; the server cuts idle gaps.
// No third-party code; the request carries the session's CSRF token.
(function () {
  "use strict";
  var el = document.getElementById("billing-activity");
  if (!el || !window.fetch) { return; }
  var url = "/api/v1/threads/" + encodeURIComponent(el.getAttribute("data-thread")) + "/activity";
  var csrf = el.getAttribute("data-csrf");
  var kind = "page_visible";
  document.addEventListener("input", function () { kind = "typing"; });
  document.addEventListener("scroll", function () { if (kind === "page_visible") { kind = "reading"; } }, { passive: true });
  function ping() {
    if (document.visibilityState !== "visible") { return; }
    var sent = kind;
    kind = "page_visible";
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ kind: sent })
    }).catch(function () { /* the next ping tries again */ });
  }
  ping();
  setInterval(ping, 15000);
  document.addEventListener("visibilitychange", ping);
}());
