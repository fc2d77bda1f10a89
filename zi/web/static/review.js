// The evidence page with JavaScript: a filter applies as soon as it changes, TPI's verdict on a row and
// a selection accepted at once update the rows in place, and uploads refresh their item without a
// reload. Without JavaScript the same forms post and come back to the same filtered view and item.
(function () {
  var root = document.getElementById("ev-page");
  if (!root) return;
  var pageUrl = root.dataset.page;

  // A link from elsewhere (#ev-CODE, #area-CODE) to what the default filter hides: ask for it.
  (function () {
    var hash;
    try { hash = decodeURIComponent(location.hash.slice(1)); } catch (err) { return; }
    if (!hash || location.search || document.getElementById(hash)) return;
    var item = /^ev-(.+)$/.exec(hash), area = /^area-(.+)$/.exec(hash);
    if (item) location.replace(location.pathname + "?status=all&keep=" + encodeURIComponent(item[1]) + location.hash);
    else if (area) location.replace(location.pathname + "?status=all&area=" + encodeURIComponent(area[1]) + location.hash);
  })();

  var filter = document.getElementById("ev-filter");
  filter.addEventListener("change", function () { filter.submit(); });

  function post(url, data) {
    return fetch(url, {method: "POST", body: data, credentials: "same-origin",
                       headers: {"Accept": "application/json", "X-CSRFToken": root.dataset.csrf}})
      .then(function (response) {
        return response.json().catch(function () { return {ok: false, message: "HTTP " + response.status}; });
      })
      .catch(function () { return {ok: false, message: root.dataset.networkError}; });
  }

  function say(box, message, ok) {
    if (!box) return;
    box.textContent = "";
    var line = document.createElement("div");
    line.className = "flash " + (ok ? "success" : "error") + " field-error";
    line.textContent = message;
    box.append(line);
  }

  // Fetch one item as the page now shows it and put it in place of the old one, with its counts;
  // ticked rows stay ticked and upload results stay where they were.
  function refresh(code) {
    var url = pageUrl + (pageUrl.indexOf("?") < 0 ? "?" : "&") + "item=" + encodeURIComponent(code) +
      "&keep=" + encodeURIComponent(code);
    return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      ["ev-summary"].forEach(function (id) {
        var old = document.getElementById(id), now = fresh.getElementById(id);
        if (old && now) old.replaceWith(document.adoptNode(now));
      });
      var controls = filter.querySelector(".ev-filter-controls"), newControls = fresh.querySelector(".ev-filter-controls");
      if (controls && newControls) controls.replaceWith(document.adoptNode(newControls));
      var old = document.getElementById("ev-" + code), now = fresh.getElementById("ev-" + code);
      if (!old || !now) return old;
      now = document.adoptNode(now);
      old.querySelectorAll(".ev-pick:checked").forEach(function (box) {
        var same = now.querySelector('.ev-pick[value="' + box.value + '"]');
        if (same) same.checked = true;
      });
      var list = old.querySelector(".progress-list"), newList = now.querySelector(".progress-list");
      if (list && newList && list.children.length) newList.replaceWith(list);
      old.replaceWith(now);
      now.querySelectorAll(".dropzone").forEach(function (zone) { if (window.ziDropzone) window.ziDropzone(zone); });
      counted();
      return now;
    });
  }
  window.ziEvidence = {refresh: refresh};

  function busy(form, on) {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = on; });
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  function review(form, button) {
    var data = new FormData(form);
    if (button && button.name) data.append(button.name, button.value);
    var code = form.closest("section.item").id.slice(3), row = form.closest(".ev-doc").id;
    busy(form, true);
    post(form.action, data).then(function (answer) {
      if (!answer.ok) { busy(form, false); say(form.querySelector(".ev-row-msg"), answer.message, false); return; }
      refresh(code).then(function () {
        var place = document.getElementById(row);
        say(place && place.querySelector(".ev-row-msg"), answer.message, true);
      });
    });
  }

  function acceptSelected(form) {
    var result = form.querySelector(".bulk-result");
    busy(form, true);
    post(form.action, new FormData(form)).then(function (answer) {
      busy(form, false);
      result.textContent = answer.message;
      var rows = answer.rows || [], items = {};
      var refused = rows.filter(function (r) { return !r.ok; });
      if (refused.length) {
        var list = document.createElement("ul");
        refused.forEach(function (r) { var li = document.createElement("li"); li.textContent = r.message; list.append(li); });
        result.append(list);
      }
      rows.forEach(function (r) { if (r.item) items[r.item] = true; });
      Promise.all(Object.keys(items).map(refresh)).then(function () {
        rows.forEach(function (r) {
          var place = document.getElementById("link-" + r.link);
          say(place && place.querySelector(".ev-row-msg"), r.message, r.ok);
        });
        counted();
      });
    });
  }

  root.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.classList.contains("ev-review")) { e.preventDefault(); review(form, e.submitter); }
    else if (form.id === "bulk-accept") { e.preventDefault(); acceptSelected(form); }
  });

  var bulk = document.getElementById("bulk-accept");
  function counted() {
    if (!bulk) return;
    var n = document.querySelectorAll(".ev-pick:checked").length;
    bulk.querySelector("[data-selected]").textContent = root.dataset.selected.replace("%(n)s", n);
    bulk.querySelector("button[type=submit]").disabled = n === 0;
  }
  if (bulk) {
    var all = bulk.querySelector(".select-all");
    if (document.querySelector(".ev-pick")) all.hidden = false;
    all.querySelector("input").addEventListener("change", function (e) {
      document.querySelectorAll(".ev-pick").forEach(function (box) { box.checked = e.target.checked; });
      counted();
    });
    root.addEventListener("change", function (e) { if (e.target.classList.contains("ev-pick")) counted(); });
    counted();
  }
})();
