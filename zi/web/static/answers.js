// The area page's answer forms save themselves as they change: the save route answers JSON when
// asked (zi/web/assessments.py `save`). Each item tells its state as text (saving / saved / not
// saved and why); a refusal shows at its field with what was typed kept; an answer someone else
// saved meanwhile is shown with who saved it, to take or to overwrite knowingly; leaving the page
// with a change not saved asks first. Texts come translated from #answer-texts. Without
// JavaScript every item is its own plain form and its button saves that item.
(function () {
  "use strict";
  var texts = document.getElementById("answer-texts");
  if (!texts) return;
  var t = texts.dataset;
  var unsettled = new Set();  // forms whose latest change is not saved (waiting, saving or refused)

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  // A page instead of JSON (403, an expired form, the login page): its own message.
  function reasonFrom(status, body) {
    try {
      var page = new DOMParser().parseFromString(body, "text/html");
      var node = page.querySelector("main .card.empty p, main .flash");
      if (node && node.textContent.trim()) return t.failed + " " + node.textContent.trim();
    } catch (err) { /* not a page either */ }
    return format(t.http, {status: status});
  }

  function send(form, keepalive) {
    return fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin", keepalive: !!keepalive,
      headers: {"Accept": "application/json", "X-Requested-With": "fetch",
                "X-CSRFToken": form.elements.csrf_token.value}
    }).then(function (response) {
      return response.text().then(function (body) {
        var data = null;
        if ((response.headers.get("Content-Type") || "").indexOf("application/json") === 0) {
          try { data = JSON.parse(body); } catch (err) { data = null; }
        }
        return {status: response.status, data: data, body: body};
      });
    });
  }

  function setState(form, state, text) {
    var node = form.querySelector("[data-state]");
    node.className = "save-state " + state;
    node.textContent = text;
    form.dataset.save = state;
  }

  function fields(form, name) {
    var found = form.elements[name];
    if (!found) return [];
    return found.length !== undefined && !found.tagName ? Array.prototype.slice.call(found) : [found];
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error]").forEach(function (slot) { slot.hidden = true; slot.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
  }

  // The message beside the field it is about (the value or counts, the note, the comment).
  function showError(form, field, message) {
    clearErrors(form);
    var slot = form.querySelector('[data-error="' + (field === "note" || field === "comment" ? field : "value") + '"]')
      || form.querySelector("[data-error]");
    slot.textContent = message;
    slot.hidden = false;
    fields(form, field || "value").forEach(function (input) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", slot.id);
    });
  }

  // What the form would send, without its version and token: to skip saving what is saved.
  function snapshot(form) {
    var data = new FormData(form);
    data.delete("version");
    data.delete("csrf_token");
    return new URLSearchParams(data).toString();
  }

  function showWarnings(form, warnings) {
    var box = form.querySelector("[data-warnings]");
    if (!box) return;
    box.textContent = "";
    (warnings || []).forEach(function (text) {
      var line = document.createElement("p");
      var label = document.createElement("b");
      line.className = "item-warning";
      label.textContent = t.check + ":";
      line.append(label, " " + text);
      box.append(line);
    });
  }

  function showFigures(data) {
    Object.keys(data.figures || {}).forEach(function (id) {
      var node = document.getElementById(id);
      if (node) node.textContent = data.figures[id];
    });
    var bar = document.getElementById("area-progress");
    if (bar && data.progress) { bar.max = data.progress[1]; bar.value = data.progress[0]; }
  }

  function autosave(form) {
    var timer = null, busy = false, again = false;
    var saved = form.querySelector(".save-state.failed") ? null : snapshot(form);
    var staleBox = form.querySelector("[data-stale]");
    if (saved === null) unsettled.add(form);
    form.classList.add("autosave");

    function changed(delay) {
      unsettled.add(form);
      if (!busy) setState(form, "pending", t.unsaved);
      clearTimeout(timer);
      timer = setTimeout(save, delay);
    }

    function save(keepalive) {
      clearTimeout(timer);
      timer = null;
      if (busy) { again = true; return; }
      var sent = snapshot(form);
      if (sent === saved) { unsettled.delete(form); setState(form, "saved", t.saved); return; }
      busy = true;
      again = false;
      setState(form, "saving", t.saving);
      send(form, keepalive).then(function (r) {
        busy = false;
        if (r.status === 200 && r.data && r.data.ok) done(r.data, sent);
        else if (r.status === 409 && r.data && r.data.stale) stale(r.data);
        else if (r.data && r.data.error) { showError(form, r.data.field, r.data.error); setState(form, "failed", t.failed); }
        else setState(form, "failed", reasonFrom(r.status, r.body));
      }, function () {
        busy = false;
        setState(form, "failed", t.offline);
      }).then(function () { if (again) save(); });
    }
    form.flush = function () { if (timer) save(true); };

    function done(data, sent) {
      saved = sent;
      form.elements.version.value = data.version;
      clearErrors(form);
      staleBox.hidden = true;
      var version = form.querySelector("[data-version]");
      version.textContent = data.version;
      version.parentNode.hidden = false;
      var score = form.querySelector("[data-score]");
      score.hidden = data.score === null;
      score.querySelector("[data-score-value]").textContent = data.score || "";
      showWarnings(form, data.warnings);
      showFigures(data);
      if (!again && !timer) { unsettled.delete(form); setState(form, "saved", t.saved); }
    }

    // Someone saved this item since the page was loaded: show their answer and who, keep ours.
    function stale(data) {
      clearErrors(form);
      setState(form, "failed", t.failed);
      staleBox.textContent = "";
      var message = document.createElement("p");
      message.textContent = data.error;
      var theirs = document.createElement("button");
      theirs.type = "button";
      theirs.className = "secondary";
      theirs.textContent = t.useTheirs;
      var mine = document.createElement("button");
      mine.type = "button";
      mine.textContent = t.keepMine;
      staleBox.append(message, theirs, " ", mine);
      staleBox.hidden = false;
      theirs.addEventListener("click", function () {
        var values = data.current.fields;
        Object.keys(values).forEach(function (name) {
          var found = form.elements[name];
          if (found) found.value = values[name];
        });
        form.elements.note.value = data.current.note;
        form.elements.version.value = data.version;
        saved = snapshot(form);
        staleBox.hidden = true;
        unsettled.delete(form);
        setState(form, "saved", t.saved);
      });
      mine.addEventListener("click", function () {
        form.elements.version.value = data.version;
        staleBox.hidden = true;
        saved = null;
        save();
      });
    }

    form.addEventListener("change", function () { changed(0); });  // a choice made, a field left
    form.addEventListener("input", function (e) {
      if (e.target.type === "radio") return;
      changed(e.target.tagName === "TEXTAREA" ? 1500 : 800);
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); save(); });
  }

  function flagForm(form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      setState(form, "saving", t.saving);
      send(form).then(function (r) {
        if (r.status === 200 && r.data && r.data.ok) {
          clearErrors(form);
          setState(form, "saved", r.data.message);
          form.closest(".item").classList.add("flagged");
        } else if (r.data && r.data.error) {
          showError(form, r.data.field, r.data.error);
          setState(form, "failed", t.failed);
        } else {
          setState(form, "failed", reasonFrom(r.status, r.body));
        }
      }, function () { setState(form, "failed", t.offline); });
    });
  }

  var forms = document.querySelectorAll("form.answer-form");
  forms.forEach(autosave);
  document.querySelectorAll("form.revision-form").forEach(flagForm);
  document.getElementById("autosave-note").hidden = forms.length === 0;

  window.addEventListener("beforeunload", function (e) {
    if (!unsettled.size) return;
    unsettled.forEach(function (form) { form.flush(); });  // a change still waiting goes now
    e.preventDefault();
    e.returnValue = "";
  });
})();
