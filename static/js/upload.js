// Bulk upload: each file is sent on its own (3 at a time) so each row shows its own state,
// then its job is polled until it is done or failed. No page reload.
(function () {
  "use strict";
  const cfg = window.FASHIONSITE;
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  const table = document.getElementById("uploads");
  const tbody = table.querySelector("tbody");
  const summary = document.getElementById("summary");
  const rows = [];          // {file, tr, state, jobId}
  const waiting = [];       // rows not yet uploaded
  let active = 0;
  const PARALLEL = 3;
  const LABELS = {uploading: "uploading", queued: "queued", running: "processing", done: "done", failed: "failed"};

  function setState(row, state, detail, html) {
    row.state = state;
    row.tr.dataset.state = state;
    const cell = row.tr.querySelector(".state");
    cell.textContent = LABELS[state] || state;
    cell.className = "state " + state;
    const info = row.tr.querySelector(".detail");
    if (html) { info.innerHTML = html; } else { info.textContent = detail || ""; }
    updateSummary();
  }

  function updateSummary() {
    const counts = {};
    rows.forEach(r => { counts[r.state] = (counts[r.state] || 0) + 1; });
    summary.textContent = `${rows.length} photo(s): ` +
      ["uploading", "queued", "running", "done", "failed"].filter(s => counts[s]).map(s => `${counts[s]} ${LABELS[s]}`).join(", ");
  }

  function addFiles(files) {
    table.hidden = false;
    for (const file of files) {
      const tr = document.createElement("tr");
      tr.className = "upload-row";
      tr.innerHTML = '<td class="name"></td><td class="state"></td><td class="detail"></td>';
      tr.querySelector(".name").textContent = file.name;
      tbody.appendChild(tr);
      const row = {file, tr, state: "", jobId: null};
      rows.push(row);
      if (file.size > cfg.maxBytes) {
        setState(row, "failed", `The file is ${(file.size / 1048576).toFixed(1)} MB; the limit is ${(cfg.maxBytes / 1048576).toFixed(0)} MB.`);
        continue;
      }
      setState(row, "uploading", "waiting to send…");
      waiting.push(row);
    }
    pump();
  }

  function pump() {
    while (active < PARALLEL && waiting.length) {
      upload(waiting.shift());
    }
  }

  function upload(row) {
    active += 1;
    const form = new FormData();
    form.append("files", row.file, row.file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", cfg.uploadUrl);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.upload.onprogress = e => {
      if (e.lengthComputable) setState(row, "uploading", `${Math.round(100 * e.loaded / e.total)}%`);
    };
    xhr.onload = () => {
      active -= 1;
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { /* not JSON */ }
      const result = body.results && body.results[0];
      if (result && result.accepted) {
        row.jobId = result.job_id;
        setState(row, "queued", "waiting for a worker…");
      } else {
        setState(row, "failed", (result && result.error) || body.detail || `Upload failed (HTTP ${xhr.status}).`);
      }
      pump();
    };
    xhr.onerror = () => {
      active -= 1;
      setState(row, "failed", "Network error while uploading; please try this photo again.");
      pump();
    };
    xhr.send(form);
  }

  async function poll() {
    const open = rows.filter(r => r.jobId && (r.state === "queued" || r.state === "running"));
    for (let i = 0; i < open.length; i += 100) {
      const chunk = open.slice(i, i + 100);
      try {
        const res = await fetch(`${cfg.jobsUrl}?page_size=100&ids=${chunk.map(r => r.jobId).join(",")}`, {credentials: "same-origin"});
        if (!res.ok) continue;
        const data = await res.json();
        const byId = new Map((data.results || data).map(j => [j.id, j]));
        for (const row of chunk) {
          const job = byId.get(row.jobId);
          if (!job) continue;
          if (job.status === "done" && job.garment) {
            const g = job.garment;
            const flag = g.needs_review ? ' <em class="review">please confirm</em>' : "";
            const dup = g.duplicate_of ? ' <em class="review">you may already own this</em>' : "";
            setState(row, "done", null,
              `<a href="${g.url}"><img class="thumb" src="${g.cutout_url}" alt=""> ${g.category_label}</a>` +
              ` <span class="swatches">${g.colours.map(c => `<i style="background:${c.hex}" title="${c.name}"></i>`).join("")}</span>${flag}${dup}`);
          } else if (job.status === "failed") {
            setState(row, "failed", job.error);
          } else if (job.status === "running") {
            setState(row, "running", `${job.stage} (${job.progress}%)`);
          }
        }
      } catch (err) { /* try again on the next tick */ }
    }
    setTimeout(poll, 1000);
  }

  const input = document.getElementById("file-input");
  input.addEventListener("change", () => { addFiles(input.files); input.value = ""; });
  const zone = document.getElementById("dropzone");
  zone.addEventListener("dragover", e => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", e => { e.preventDefault(); zone.classList.remove("over"); addFiles(e.dataTransfer.files); });
  poll();
})();
