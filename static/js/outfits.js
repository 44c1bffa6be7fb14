// Dress me, grade and stats pages: call the API, render outfit boards, send feedback.
window.OUTFITS = (function () {
  "use strict";
  const csrf = () => document.querySelector("[name=csrfmiddlewaretoken]").value;
  const status = text => { document.getElementById("status").textContent = text; };
  const esc = s => String(s).replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));

  async function api(url, body, method) {
    const res = await fetch(url, {
      method: method || (body ? "POST" : "GET"), credentials: "same-origin",
      headers: body ? {"Content-Type": "application/json", "X-CSRFToken": csrf()} : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.detail || JSON.stringify(data));
    return data;
  }

  function board(outfit, extra) {
    const items = outfit.items.map(i => { const label = i.name || i.category_label; return (
      `<figure class="${i.weakest ? "weakest" : ""}"><a href="/closet/garments/${i.garment}/"><img src="${i.cutout_url}" alt="${esc(label)}"></a>` +
      `<figcaption>${esc(label)}${i.weakest && outfit.items.length > 1 ? " · weakest" : ""}</figcaption>` +
      `<div class="item-feedback" data-garment="${i.garment}"><button type="button" data-kind="like" title="I like this item">like</button>` +
      `<button type="button" data-kind="dislike" title="Not for me">not for me</button></div></figure>`); }).join("");
    return `<section class="board" data-outfit="${outfit.id}">
      <header><strong class="score">${Math.round(outfit.score * 100)}</strong><span>/100</span>
      <span class="words">${outfit.words.map(esc).join(" · ")}</span></header>
      <div class="board-items">${items}</div>
      <ul class="reasons">${outfit.reasons.map(r => `<li>${esc(r)}</li>`).join("")}</ul>
      ${extra || ""}
      <div class="feedback">
        <button type="button" data-kind="like">Like</button>
        <button type="button" data-kind="dislike">Dislike</button>
        <button type="button" data-kind="wore">Wore it today</button>
        <span class="sent"></span>
      </div></section>`;
  }

  function wireFeedback(root) {
    root.querySelectorAll(".board .item-feedback button").forEach(btn => btn.addEventListener("click", async () => {
      const box = btn.closest(".item-feedback");
      try {
        await api("/api/feedback/", {kind: btn.dataset.kind, garment: Number(box.dataset.garment)});
        box.textContent = btn.dataset.kind === "like" ? "liked" : "noted";
      } catch (err) { box.textContent = err.message; }
    }));
    root.querySelectorAll(".board .feedback button").forEach(btn => btn.addEventListener("click", async () => {
      const section = btn.closest(".board");
      try {
        await api("/api/feedback/", {kind: btn.dataset.kind, outfit: Number(section.dataset.outfit)});
        section.querySelector(".sent").textContent = btn.dataset.kind === "wore" ? "Logged as worn today." : "Thanks, noted.";
      } catch (err) { section.querySelector(".sent").textContent = err.message; }
    }));
  }

  // What the worker read from the wish: what shaped the outfits, and what the user's own choice replaced.
  function wishLine(r) {
    if (!r || !("used" in r)) return "";
    const colours = r.colours.map(c => c.replace("-", " or "));
    const said = {occasion: r.occasion, weather: r.weather && `${r.weather} weather`, rain: r.rain && "rain",
                  colours: colours.length && `${colours.join(", ")} items`,
                  types: r.types.length && r.types_named.join(", ")};
    if (!Object.values(said).some(Boolean)) return "Your wish named no occasion, weather, colour or garment; it only steers the items' style.";
    const parts = [];
    if (r.used.length) parts.push(`Read from your wish: ${r.used.map(k => said[k]).join(", ")}.`);
    if (r.overridden.length) parts.push(`Your own choice replaced the wish's ${r.overridden.map(k => said[k]).join(", ")}.`);
    const agreed = Object.keys(said).filter(k => said[k] && !r.used.includes(k) && !r.overridden.includes(k));
    if (agreed.length) parts.push(`Your wish agrees with your choice of ${agreed.map(k => said[k]).join(", ")}.`);
    return parts.join(" ");
  }

  function dressMe(url, pollBase) {
    const form = document.getElementById("dress-form");
    form.addEventListener("submit", async e => {
      e.preventDefault();
      const f = new FormData(form);
      const body = {occasion: f.get("occasion"), rain: f.get("rain") === "on", wish: f.get("wish"),
                    n: Number(f.get("n") || 5), avoid_worn_days: Number(f.get("avoid_worn_days") || 0)};
      if (f.get("temperature") !== "") body.temperature = Number(f.get("temperature"));
      if (f.get("include")) body.include = Number(f.get("include"));
      status("Thinking…");
      document.getElementById("outfits").innerHTML = "";
      const wish = document.getElementById("wish-reading");
      wish.hidden = true;
      try {
        const job = await api(url, body);
        for (;;) {
          const res = await api(`${pollBase}${job.id}/`);
          if (res.status === "done") {
            status(`${res.outfits.length} outfit(s)`);
            wish.textContent = wishLine(res.wish_reading);
            wish.hidden = !wish.textContent;
            const root = document.getElementById("outfits");
            root.innerHTML = res.outfits.map(o => board(o)).join("");
            wireFeedback(root);
            return;
          }
          if (res.status === "failed") { status(res.error); return; }
          await new Promise(r => setTimeout(r, 500));
        }
      } catch (err) { status(err.message); }
    });
  }

  function grade(url) {
    const form = document.getElementById("grade-form");
    const count = document.getElementById("pick-count");
    form.addEventListener("change", () => {  // the bar stays in view however long the closet is
      const n = form.querySelectorAll("input[name=garments]:checked").length;
      count.textContent = n > 8 ? `${n} picked: 8 at most` : `${n} picked`;
    });
    form.addEventListener("submit", async e => {
      e.preventDefault();
      const ids = [...form.querySelectorAll("input[name=garments]:checked")].map(i => Number(i.value));
      status("Grading…");
      try {
        const res = await api(url, {garments: ids});
        const r = res.replacement;
        const swap = r
          ? `<div class="swap"><a href="/closet/garments/${r.garment}/"><img class="thumb" src="${r.cutout_url}" alt="${esc(r.category)}"></a>
             Swap the weakest item for your <a href="/closet/garments/${r.garment}/">${esc(r.category.toLowerCase())}</a>:
             ${Math.round(r.score * 100)}/100 <button type="button" class="link try-swap">Grade it with the swap</button></div>`
          : `<p class="swap">No item in your closet improves on it.</p>`;
        status("");
        const root = document.getElementById("outfits");
        root.innerHTML = board(res.outfit, swap);
        wireFeedback(root);
        const trySwap = root.querySelector(".try-swap");
        if (trySwap) trySwap.addEventListener("click", () => {
          form.querySelector(`input[name=garments][value="${res.weakest}"]`).checked = false;
          form.querySelector(`input[name=garments][value="${r.garment}"]`).checked = true;
          form.dispatchEvent(new Event("change"));
          form.requestSubmit();
        });
        root.scrollIntoView({block: "start"});  // the verdict is above the items picked
      } catch (err) { status(err.message); }
    });
  }

  async function stats(url) {
    try {
      const res = await api(url);
      const table = document.getElementById("stats");
      const tbody = table.querySelector("tbody");
      const render = rows => {
        tbody.innerHTML = rows.map(g => `<tr class="${g.never_worn ? "never" : ""}" data-id="${g.id}">
          <td><a href="/closet/garments/${g.id}/"><img class="thumb" src="${g.cutout_url}" alt=""> ${esc(g.name || g.category_label)}</a></td>
          <td>${g.wears}${g.never_worn ? " (never worn)" : ""}</td><td>${g.price ?? "—"}</td>
          <td>${g.cost_per_wear ?? "—"}</td><td>${g.versatility}</td></tr>`).join("");
      };
      // Sorting: a column's first click puts the highest first (the lowest for cost per wear); again reverses.
      // Items without a value (no price yet) stay at the end either way.
      let current = {key: "", dir: 0};
      table.querySelectorAll("button.sort").forEach(btn => btn.addEventListener("click", () => {
        const key = btn.dataset.key;
        const first = key === "cost_per_wear" ? 1 : -1;
        current = {key, dir: current.key === key ? -current.dir : first};
        const rows = [...res.garments].sort((a, b) => {
          if (a[key] === null || b[key] === null) return (a[key] === null) - (b[key] === null);
          return current.dir * (a[key] - b[key]) || a.id - b.id;
        });
        table.querySelectorAll("th").forEach(th => th.removeAttribute("aria-sort"));
        btn.closest("th").setAttribute("aria-sort", current.dir > 0 ? "ascending" : "descending");
        render(rows);
      }));
      render(res.garments);
      table.hidden = false;
      status(`${res.garments.length} items, ${res.never_worn} never worn.`);
    } catch (err) { status(err.message); }
  }

  return {dressMe, grade, stats};
})();
