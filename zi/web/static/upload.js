// Drag-and-drop upload with a progress bar per file; without JavaScript the plain form still works.
// The results stay listed when the uploads finish: the item is refreshed in place, not the page.
window.ziDropzone = function (zone) {
  var form = zone.querySelector("form");
  var input = form.querySelector("input[type=file]");
  var list = zone.querySelector(".progress-list");
  var failed = (document.getElementById("ev-page") || {dataset: {}}).dataset.networkError || "Gagal terhubung.";

  function send(file) {
    var row = document.createElement("div");
    row.className = "upload-row small";
    var label = document.createElement("span");
    label.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    var status = document.createElement("span");
    row.append(label, bar, status);
    list.append(row);
    var data = new FormData(form);
    data.delete("file");
    data.append("file", file);
    return new Promise(function (done) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", zone.dataset.upload);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", zone.dataset.csrf);
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = 100 * e.loaded / e.total; };
      xhr.onload = function () {
        var message;
        try { message = JSON.parse(xhr.responseText).message; } catch (err) { message = "HTTP " + xhr.status; }
        status.textContent = message;
        row.classList.add(xhr.status === 200 ? "ok" : "bad");
        if (xhr.status === 200) bar.value = 100;
        done(xhr.status === 200);
      };
      xhr.onerror = function () { status.textContent = failed; row.classList.add("bad"); done(false); };
      xhr.send(data);
    });
  }

  function sendAll(files) {
    list.querySelectorAll(".ev-upload-title, .upload-row.ok, .upload-row.bad").forEach(function (old) { old.remove(); });
    Promise.all(Array.prototype.map.call(files, send)).then(function (results) {
      if (results.some(Boolean) && window.ziEvidence) window.ziEvidence.refresh(zone.dataset.item);
    });
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); if (input.files.length) sendAll(input.files); });
  ["dragenter", "dragover"].forEach(function (t) { zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); }); });
  ["dragleave", "drop"].forEach(function (t) { zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove("over"); }); });
  zone.addEventListener("drop", function (e) { if (e.dataTransfer.files.length) sendAll(e.dataTransfer.files); });
};
document.querySelectorAll(".dropzone").forEach(window.ziDropzone);
