// CareThread portal: the one script. Everything works without it; with it,
// the in-basket updates itself as messages arrive, the compose form shows
// only the questions for the kind of message chosen, and a clinician's reply
// gets wording feedback as they type.
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
            // Triage reasons a nurse opened stay open when the rows are redrawn.
            var open = [];
            list.querySelectorAll("details[data-thread][open]").forEach(function (d) { open.push(d.getAttribute("data-thread")); });
            list.innerHTML = fresh.innerHTML;
            list.querySelectorAll("details[data-thread]").forEach(function (d) {
              if (open.indexOf(d.getAttribute("data-thread")) >= 0) { d.open = true; }
            });
            if (live) { live.textContent = live.getAttribute("data-updated") || ""; }
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
  // Wording feedback as a clinician types a reply: reading level, jargon
  // with plain words and, on an emergency thread, what the reply must fix,
  // from POST /api/v1/drafts/check, a moment after the typing stops. The
  // region is polite, so a screen reader hears it between words, not over them.
  var region = document.getElementById("reply-feedback");
  var reply = document.getElementById("reply-body");
  if (region && reply && reply.form && window.fetch) {
    var token = reply.form.querySelector("input[name=csrf_token]");
    var say = function (template, values) {
      return (template || "").replace(/\{(\w+)\}/g, function (whole, name) {
        return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
      });
    };
    var line = function (text, className) {
      var p = document.createElement("p");
      p.textContent = text;
      if (className) { p.className = className; }
      return p;
    };
    var show = function (r) {
      var lines = [line(say(region.getAttribute("data-grade-text"), { grade: r.grade.toFixed(1) }))];
      if (r.above_target) {
        lines.push(line(say(region.getAttribute("data-target-text"), { target: region.getAttribute("data-target") })));
      }
      if (r.jargon.length) {
        var list = r.jargon.map(function (j) { return j.term + " → " + j.plain; }).join(", ");
        lines.push(line(say(region.getAttribute("data-jargon-text"), { list: list })));
      }
      r.emergency_problems.forEach(function (p) {
        lines.push(p.code === "promises_reply_time"
          ? line(say(region.getAttribute("data-promise-text"), { phrase: p.phrase || "" }), "error")
          : line(say(region.getAttribute("data-line-text"), { line: p.line || "" }), "error"));
      });
      region.replaceChildren.apply(region, lines);
    };
    var waiting;
    var asked = 0;
    var check = function () {
      var body = reply.value;
      if (!body.trim()) { region.replaceChildren(); return; }
      var mine = ++asked;
      fetch(region.getAttribute("data-check-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token ? token.value : "" },
        body: JSON.stringify({ body: body, thread_id: region.getAttribute("data-thread") }),
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (r) { if (r && mine === asked) { show(r); } })
        .catch(function () { /* the "Check wording" button still works */ });
    };
    reply.addEventListener("input", function () {
      clearTimeout(waiting);
      waiting = setTimeout(check, 700);
    });
  }
})();
