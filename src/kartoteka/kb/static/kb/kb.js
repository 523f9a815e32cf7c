// Knowledge base (kb/case_panel.html): an article's text or address goes into the reply
// being written, at the cursor, or at the end when the text was never touched.
(() => {
  if (window.kartotekaKb) return;
  window.kartotekaKb = true;
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-kb-insert]");
    if (!button) return;
    const panel = button.closest("#kb-panel");
    const status = panel && panel.querySelector("[data-kb-status]");
    const body = document.querySelector("#composer [data-composer-body], #composer textarea[name=body]");
    if (!body) {
      if (status) status.textContent = status.dataset.kbNoComposer || "";
      return;
    }
    const text = button.dataset.kbInsert || "";
    const touched = body.dataset.touched;
    const at = touched ? body.selectionStart : body.value.length;
    const end = touched ? body.selectionEnd : body.value.length;
    const before = body.value.slice(0, at);
    const glue = before && !before.endsWith("\n") ? "\n" : "";
    body.value = before + glue + text + body.value.slice(end);
    const cursor = at + glue.length + text.length;
    body.focus();
    body.setSelectionRange(cursor, cursor);
    body.dispatchEvent(new Event("input", { bubbles: true }));
    if (status) status.textContent = status.dataset.kbInserted || "";
  });
})();
