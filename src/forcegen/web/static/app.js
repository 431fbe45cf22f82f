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
