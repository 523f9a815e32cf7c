// Import pages: a double-click on a duplicate opens its edit form; confirm destructive buttons.
document.addEventListener("dblclick", (event) => {
  const row = event.target.closest && event.target.closest("[data-edit-url]");
  if (row && !event.target.closest("input, button, a, label")) {
    window.location.assign(row.dataset.editUrl);
  }
});
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
