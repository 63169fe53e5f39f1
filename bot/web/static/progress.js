// The announcements page: every 2 s, the numbers of each announcement still going, updated in place.
(function () {
  "use strict";
  var EVERY = 2000;
  var FIELDS = ["state_label", "sent", "blocked", "failed", "pending", "total", "rate", "eta"];

  function update(box, data) {
    FIELDS.forEach(function (name) {
      var cell = box.querySelector('[data-field="' + name + '"]');
      if (cell && typeof data[name] === "string" && cell.textContent !== data[name]) {
        cell.textContent = data[name];
      }
    });
    var state = box.querySelector('[data-field="state_label"]');
    if (state && typeof data.state === "string") {
      state.className = "status state-" + data.state;
    }
    if (!data.going) {
      var cancel = box.querySelector('[data-field="cancel"]');
      if (cancel) { cancel.remove(); }
      box.removeAttribute("data-progress");
    }
  }

  function poll(box) {
    var url = box.getAttribute("data-progress");
    if (!url) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) { update(box, data); }
        if (box.getAttribute("data-progress")) { window.setTimeout(function () { poll(box); }, EVERY); }
      })
      .catch(function () { window.setTimeout(function () { poll(box); }, EVERY * 5); });
  }

  document.querySelectorAll("[data-progress]").forEach(function (box) {
    window.setTimeout(function () { poll(box); }, EVERY);
  });
}());
