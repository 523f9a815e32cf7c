// Behaviour shared by every page; no inline scripts (the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive actions: <form data-confirm="Delete?">.
  document.body.addEventListener("submit", (event) => {
    const message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
  // A form posted once stays posted: disable its buttons until the page changes.
  document.body.addEventListener("submit", (event) => {
    if (event.defaultPrevented || event.target.hasAttribute("hx-post")) return;
    for (const button of event.target.querySelectorAll("button[type=submit]")) {
      setTimeout(() => { button.disabled = true; }, 0);
    }
  });
  // Toasts fade after a while.
  setTimeout(() => {
    for (const toast of document.querySelectorAll(".toast")) toast.classList.add("toast-hidden");
  }, 6000);
});

// Cases: "select all" checkboxes and print buttons (no inline scripts under the CSP).
document.addEventListener("change", (event) => {
  const name = event.target.dataset && event.target.dataset.selectAll;
  if (!name) return;
  for (const box of document.querySelectorAll(`input[type=checkbox][name="${name}"]`)) {
    box.checked = event.target.checked;
  }
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
