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
  // Move the cursor to the first field with an error.
  const bad = document.querySelector("[aria-invalid=true]");
  if (bad) bad.focus();
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
