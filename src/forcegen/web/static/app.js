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
  // Move the cursor to the first field with an error.
  const bad = document.querySelector("[aria-invalid=true]");
  if (bad) bad.focus();
});
