// CareThread portal: the one script. Everything works without it; with it,
// the in-basket updates itself as messages arrive, and the compose form shows
// only the questions for the kind of message chosen.
(function () {
  "use strict";
  var list = document.querySelector("[data-live-list]");
  if (list && window.EventSource) {
    var live = document.getElementById("live");
    var refresh = function () {
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector("[data-live-list]");
          if (fresh) {
            list.innerHTML = fresh.innerHTML;
            if (live) { live.textContent = document.documentElement.lang === "es" ? "Bandeja actualizada" : "In-basket updated"; }
          }
        });
    };
    var events = new EventSource("/api/v1/events");
    ["thread.created", "message.created", "thread.updated", "alert.emergency"].forEach(function (kind) {
      events.addEventListener(kind, refresh);
    });
  }
  var kinds = document.querySelectorAll("input[name=kind]");
  if (kinds.length) {
    var show = function () {
      var chosen = document.querySelector("input[name=kind]:checked");
      document.querySelectorAll(".kind-field").forEach(function (field) {
        field.hidden = !(chosen && field.classList.contains("kind-" + chosen.value));
      });
    };
    kinds.forEach(function (k) { k.addEventListener("change", show); });
    show();
  }
  // A live character count under each message box, against the clinic's
  // limit (the page already states the limit; this only counts).
  document.querySelectorAll("textarea[data-max-chars]").forEach(function (box) {
    var max = parseInt(box.getAttribute("data-max-chars"), 10);
    if (!max) { return; }
    var counter = document.createElement("p");
    counter.className = "hint counter";
    counter.id = box.id + "-count";
    box.insertAdjacentElement("afterend", counter);
    var update = function () {
      var count = Array.from(box.value.trim()).length;
      var over = count - max;
      counter.textContent = over > 0
        ? (box.getAttribute("data-over-text") || "").replace("{over}", over)
        : (box.getAttribute("data-count-text") || "").replace("{count}", count).replace("{max}", max);
      counter.classList.toggle("over", over > 0);
    };
    box.addEventListener("input", update);
    update();
  });
})();
