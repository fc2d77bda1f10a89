// Polls a background job and updates its progress bar; offers the file when it is done.
(function () {
  var box = document.getElementById("job");
  if (!box) return;
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        document.getElementById("job-progress").value = job.progress;
        document.getElementById("job-message").textContent = job.message;
        if (job.status === "done") { document.getElementById("job-file").hidden = false; return; }
        if (job.status !== "failed") setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
