// forcegen workspace: small progressive enhancements. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive actions (import replaces the workspace data, withdrawing a pledge).
  document.querySelectorAll("button.danger, button.t-withdrawn").forEach((b) => {
    b.addEventListener("click", (ev) => {
      const what = b.classList.contains("danger") ? "Replace all planning data?" : "Withdraw this pledge?";
      if (!window.confirm(what)) ev.preventDefault();
    });
  });
  // Filters apply as soon as a choice is made.
  document.querySelectorAll("form.filters select").forEach((s) => {
    s.addEventListener("change", () => s.form.submit());
  });
  // "Back" on error pages (a plain link to the dashboard without scripts; no javascript: URL,
  // which the Content-Security-Policy forbids).
  document.querySelectorAll("a[data-back]").forEach((a) => {
    a.addEventListener("click", (ev) => {
      if (window.history.length > 1) { ev.preventDefault(); window.history.back(); }
    });
  });
  // Access keys the same in every browser: Alt+<key> (Alt+S saves, Alt+K searches ...), where
  // browsers differ (Alt+Shift in Firefox, Ctrl+Option on macOS; none from some key events).
  // The form holding the cursor wins; a field is focused, a button or link activated.
  document.addEventListener("keydown", (ev) => {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const m = /^Key([A-Z])$/.exec(ev.code || "");
    const key = m ? m[1].toLowerCase() : (ev.key || "").toLowerCase();
    if (!/^[a-z]$/.test(key)) return;
    const all = Array.from(document.querySelectorAll(`[accesskey="${key}"]`));
    if (!all.length) return;
    const form = document.activeElement && document.activeElement.form;
    const target = all.find((el) => form && el.form === form) || all[0];
    ev.preventDefault();  // no second activation by the browser's own access key
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) && target.type !== "submit") target.focus();
    else target.click();
  });
  // The nav bar's menus (<details>): one open at a time, closed by Escape (the cursor goes
  // back to the menu's name) or by a click anywhere else. Without this file they still open
  // and close with Enter, Space or a click.
  const menus = Array.from(document.querySelectorAll("nav details.menu"));
  menus.forEach((d) => d.addEventListener("toggle", () => {
    if (d.open) menus.forEach((o) => { if (o !== d) o.open = false; });
  }));
  document.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape") return;
    const open = menus.find((d) => d.open);
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
  document.addEventListener("click", (ev) => {
    menus.forEach((d) => { if (d.open && !d.contains(ev.target)) d.open = false; });
  });
  // Move the cursor to the first field with an error.
  const bad = document.querySelector("[aria-invalid=true]");
  if (bad) bad.focus();
});

// ---- Issue 11 part B: zoom and pan of the map (wheel, drag, buttons). Without this file the
// map is a still picture of the whole area.
document.addEventListener("DOMContentLoaded", () => {
  const svg = document.querySelector("svg.map[data-zoom]");
  if (!svg) return;
  const full = svg.getAttribute("viewBox").split(" ").map(Number);
  let box = full.slice();
  const set = () => svg.setAttribute("viewBox", box.map((v) => v.toFixed(1)).join(" "));
  const clamp = () => {
    box[2] = Math.min(Math.max(box[2], full[2] / 16), full[2]);
    box[3] = box[2] * full[3] / full[2];
    box[0] = Math.min(Math.max(box[0], full[0]), full[0] + full[2] - box[2]);
    box[1] = Math.min(Math.max(box[1], full[1]), full[1] + full[3] - box[3]);
  };
  // Zoom by `factor` keeping the point (fx, fy), given as fractions of the view, in place.
  const zoom = (factor, fx = 0.5, fy = 0.5) => {
    const w = box[2] * factor, h = box[3] * factor;
    box = [box[0] + (box[2] - w) * fx, box[1] + (box[3] - h) * fy, w, h];
    clamp(); set();
  };
  svg.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = svg.getBoundingClientRect();
    zoom(ev.deltaY < 0 ? 0.8 : 1.25, (ev.clientX - r.left) / r.width, (ev.clientY - r.top) / r.height);
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, box: box.slice() };
    svg.setPointerCapture(ev.pointerId);
    svg.classList.add("dragging");
  });
  svg.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const r = svg.getBoundingClientRect();
    box[0] = drag.box[0] - (ev.clientX - drag.x) * box[2] / r.width;
    box[1] = drag.box[1] - (ev.clientY - drag.y) * box[3] / r.height;
    clamp(); set();
  });
  const stop = () => { drag = null; svg.classList.remove("dragging"); };
  svg.addEventListener("pointerup", stop);
  svg.addEventListener("pointercancel", stop);
  document.querySelectorAll("[data-map-zoom]").forEach((b) => {
    b.hidden = false;
    b.addEventListener("click", () => {
      const what = b.getAttribute("data-map-zoom");
      if (what === "reset") { box = full.slice(); set(); } else zoom(what === "in" ? 0.8 : 1.25);
    });
  });
});

// ---- Pledges table, bulk status change: a box ticking the whole page (shown only with
// scripts), and a confirmation before withdrawing several pledges. The form works without.
document.addEventListener("DOMContentLoaded", () => {
  const bulk = document.getElementById("bulk");
  if (!bulk) return;
  const boxes = () => Array.from(document.querySelectorAll("input[type=checkbox][form=bulk]"));
  const all = document.querySelector("input[data-tick-all]");
  if (all) {
    all.hidden = false;
    all.addEventListener("change", () => boxes().forEach((b) => { b.checked = all.checked; }));
  }
  bulk.addEventListener("submit", (ev) => {
    const n = boxes().filter((b) => b.checked).length;
    const status = bulk.querySelector("select[name=status]").value;
    if (n && status === "withdrawn" && !window.confirm(`Withdraw ${n} pledge${n === 1 ? "" : "s"}?`)) {
      ev.preventDefault();
    }
  });
});

// ---- Label picker (web/label_picker.py): only the chosen policy's categories are shown and
// posted; the marking is previewed as the server will write it (the server checks again).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-label-picker]").forEach((box) => {
    const sel = box.querySelector("select[name=label_class]");
    const preview = box.querySelector("[data-testid=label-preview]");
    if (!sel) return;
    const values = (d) => {
      const ticked = Array.from(d.querySelectorAll("input[type=checkbox]:checked"))
        .map((i) => i.value.split("|").slice(2).join("|"));
      const more = d.querySelector("input[name^='label_more|']");
      const typed = more ? more.value.split(/[\s,;]+/).filter((v) => v).map((v) => v.toUpperCase()) : [];
      return Array.from(new Set(ticked.concat(typed))).sort();
    };
    const update = () => {
      const policy = sel.value.split("|")[0];
      const parts = [sel.selectedOptions[0] ? sel.selectedOptions[0].dataset.marking : ""];
      box.querySelectorAll(".label-cats").forEach((d) => {
        const on = d.dataset.policy === policy;
        d.hidden = !on;
        d.querySelectorAll("input").forEach((i) => { i.disabled = !on || sel.disabled; });
        if (!on) return;
        d.querySelectorAll("fieldset.label-cat").forEach((f) => {
          const vals = values(f);
          if (vals.length && f.dataset.template) parts.push(f.dataset.template.replace("{values}", vals.join(", ")));
        });
      });
      if (preview) {
        preview.textContent = parts.filter((p) => p).join(" ");
        const css = sel.selectedOptions[0] ? sel.selectedOptions[0].dataset.css : "";
        if (css) preview.className = `marking ${css}`;
      }
    };
    box.addEventListener("change", update);
    box.addEventListener("input", update);
    update();
  });
});

// ---- Intel feed (web/views/intel.py): follow the collection's Server-Sent Events stream (the
// server decides every event for this reader) and insert each new object, rendered by the
// server (GET /intel/items/{id}: 404 when hidden or filtered out), with the page's new banner.
document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector("[data-feed]");
  if (!list || !window.EventSource) return;
  const status = document.querySelector("[data-live-status]");
  const say = (text) => { if (status) status.textContent = text; };
  const oldest = () => {
    const seqs = Array.from(list.querySelectorAll("[data-seq]")).map((li) => Number(li.dataset.seq));
    return seqs.length ? Math.min(...seqs) : null;
  };
  const source = new EventSource(list.dataset.events);
  source.addEventListener("open", () => say("Live: new objects appear here as they arrive."));
  source.addEventListener("error", () => say("Reconnecting…"));
  source.addEventListener("object", (ev) => {
    let obj = null;
    try { obj = JSON.parse(ev.data); } catch (e) { return; }
    if (!obj || obj.type === "marking-definition") return;
    if (list.querySelector(`[data-seq="${ev.lastEventId}"]`)) return;
    const since = oldest();
    const url = `${list.dataset.item}${encodeURIComponent(ev.lastEventId)}?${list.dataset.query}` +
      (since === null ? "" : `&since=${since}`);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then((r) => {
      if (!r.ok) return null;
      const text = r.headers.get("X-Banner");
      const css = r.headers.get("X-Banner-Class");
      return r.text().then((html) => ({ html, text, css }));
    }).then((got) => {
      if (!got || list.querySelector(`[data-seq="${ev.lastEventId}"]`)) return;
      const tpl = document.createElement("template");
      tpl.innerHTML = got.html.trim();
      const item = tpl.content.firstElementChild;
      if (!item) return;
      item.classList.add("new");
      list.prepend(item);
      const empty = document.querySelector("[data-testid=feed-empty]");
      if (empty) empty.remove();
      if (got.text && got.css) {
        document.querySelectorAll(".cl-banner[role=note]").forEach((b) => {
          b.textContent = decodeURIComponent(got.text);
          b.className = `cl-banner ${got.css}`;
        });
      }
    }).catch(() => {});
  });
});

// ---- Relief request and offer forms: choosing the event narrows the capability select to
// that event's relief items (and the capability types). The server renders the list (the
// form's own URL with ?event=); its options replace the select's, keeping the choice when the
// new list has it. Without this file the form's "List the chosen event's items" button does it.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-relist]").forEach((sel) => {
    const target = document.getElementById(sel.dataset.relistTarget);
    if (!target || target.tagName !== "SELECT") return;
    document.querySelectorAll("[data-relist-button]").forEach((b) => { b.hidden = true; });
    let asked = 0;
    sel.addEventListener("change", () => {
      const mine = ++asked;  // only the answer to the latest choice is used
      const url = `${sel.dataset.relist}?event=${encodeURIComponent(sel.value)}`;
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then((r) => (r.ok ? r.text() : null))
        .then((html) => {
          if (!html || mine !== asked) return;
          const doc = new DOMParser().parseFromString(html, "text/html");
          const fresh = doc.getElementById(target.id);
          if (!fresh) return;
          const chosen = target.value;
          target.replaceChildren(...Array.from(fresh.children).map((c) => document.importNode(c, true)));
          const keep = Array.from(target.options).some((o) => o.value === chosen);
          target.value = keep ? chosen : "";
          target.dispatchEvent(new Event("change", { bubbles: true }));
        })
        .catch(() => {});
    });
  });
});
