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

// Case page: a tree link opens the collapsed card it points to; remote images load on request;
// toasts that htmx swapped in fade like the others.
function revealTarget(hash) {
  const target = hash && hash.length > 1 ? document.getElementById(decodeURIComponent(hash.slice(1))) : null;
  if (!target) return;
  for (let node = target; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") node.open = true;
  }
  target.scrollIntoView({ block: "start" });
}
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-reveal]");
  if (link) revealTarget(link.hash);
  const button = event.target.closest("[data-show-remote-images]");
  if (!button) return;
  const card = button.closest(".message-card");
  for (const image of card.querySelectorAll("img[data-remote-src]")) {
    image.setAttribute("src", image.dataset.remoteSrc);
    image.removeAttribute("data-remote-src");
  }
  button.closest(".remote-images").remove();
});
window.addEventListener("hashchange", () => revealTarget(window.location.hash));
document.addEventListener("DOMContentLoaded", () => revealTarget(window.location.hash));
document.addEventListener("htmx:afterSettle", () => {
  setTimeout(() => {
    for (const toast of document.querySelectorAll(".toast:not(.toast-hidden)")) toast.classList.add("toast-hidden");
  }, 6000);
});

// Composer (mail/composer.html): canned responses, signature preview, drag-and-drop files,
// one send per click, and no draft save once the message is on its way.
(() => {
  const composerOf = (element) => element && element.closest && element.closest("[data-composer]");

  // A canned response goes in at the cursor, or at the top when the text was never touched.
  document.addEventListener("focusin", (event) => {
    if (event.target.matches && event.target.matches("[data-composer-body]")) event.target.dataset.touched = "1";
  });
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!select.matches || !select.matches("[data-canned-insert]")) return;
    const option = select.selectedOptions[0];
    const form = composerOf(select);
    const body = form && form.querySelector("[data-composer-body]");
    if (!option || !option.value || !body) return;
    const text = option.dataset.text || "";
    const at = body.dataset.touched ? body.selectionStart : 0;
    const end = body.dataset.touched ? body.selectionEnd : 0;
    body.value = body.value.slice(0, at) + text + body.value.slice(end);
    body.focus();
    body.setSelectionRange(at + text.length, at + text.length);
    select.value = "";
    body.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // The chosen mailbox's signature is shown under the text.
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!select.matches || !select.matches("[data-composer] select[name=mailbox]")) return;
    const preview = composerOf(select).querySelector("[data-signature-preview]");
    const signature = (select.selectedOptions[0] && select.selectedOptions[0].dataset.signature) || "";
    if (!preview) return;
    preview.textContent = "-- \n" + signature;
    preview.hidden = !signature.trim();
  });

  // Files dropped on the composer go into its file input (which saves them to the draft).
  document.addEventListener("dragover", (event) => {
    const form = composerOf(event.target);
    if (!form || !event.dataTransfer || !Array.from(event.dataTransfer.types).includes("Files")) return;
    event.preventDefault();
    form.classList.add("composer-dragging");
  });
  document.addEventListener("dragleave", (event) => {
    const form = composerOf(event.target);
    if (form && !form.contains(event.relatedTarget)) form.classList.remove("composer-dragging");
  });
  document.addEventListener("drop", (event) => {
    const form = composerOf(event.target);
    if (!form || !event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    form.classList.remove("composer-dragging");
    const input = form.querySelector("input[type=file][name=files]");
    if (!input) return;
    const files = new DataTransfer();
    for (const file of input.files) files.items.add(file);
    for (const file of event.dataTransfer.files) files.items.add(file);
    input.files = files.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // Send once: the button is disabled after the click, and a delayed draft save is dropped.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches || !form.matches("[data-composer]")) return;
    form.dataset.sending = "1";
    for (const button of form.querySelectorAll("[data-composer-send]")) {
      setTimeout(() => { button.disabled = true; }, 0);
    }
  });
  document.addEventListener("htmx:beforeRequest", (event) => {
    const element = event.detail && event.detail.elt;
    if (element && element.matches && element.matches("[data-draft-autosave]")) {
      const form = composerOf(element);
      if (form && form.dataset.sending) event.preventDefault();
    }
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail && event.detail.elt;
    if (!form || !form.matches || !form.matches("[data-composer]") || event.detail.successful) return;
    delete form.dataset.sending;
    for (const button of form.querySelectorAll("[data-composer-send]")) button.disabled = false;
  });

  // "Close" hides the composer; its draft stays.
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-composer-close]");
    if (!button) return;
    const form = composerOf(button);
    if (form && form.parentElement && form.parentElement.id === "composer") {
      form.remove();
    } else if (form) {
      window.history.back();
    }
  });
})();

// Fields that depend on one choice (a rule's trigger, an action's kind, a condition's field):
// the chooser is marked data-switch, each dependent control data-shown-with="choice choice";
// a chooser rules the controls of its own scope (the closest [data-switch-scope], else its
// form). Only the chosen value's fields show; without JavaScript all of them do.
function switchScope(element) {
  return element.closest("[data-switch-scope]") || element.form || document;
}
function switchFields(scope) {
  const own = (element) => switchScope(element) === scope;
  const chooser = [...scope.querySelectorAll("[data-switch]")].find(own);
  if (!chooser) return;
  scope.querySelectorAll("[data-shown-with]").forEach((control) => {
    const field = control.closest(".field");
    if (field && own(control)) {
      field.hidden = !control.dataset.shownWith.split(" ").includes(chooser.value);
    }
  });
}
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-switch]")) switchFields(switchScope(event.target));
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-switch]").forEach((chooser) => switchFields(switchScope(chooser)));
});

// One-key shortcuts, as a mail client has them: an element marked data-key="r" (reply to the
// newest message) is clicked, a field marked data-key="n" (a new internal note) is focused,
// when that key is pressed outside any field.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  if (typing) return;
  const target = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
  if (!target) return;
  event.preventDefault();
  if (target.matches("input, textarea, select")) {
    target.focus();
    target.scrollIntoView({ block: "center" });
  } else {
    target.click();
  }
});

// The top bar's search: "/" or Ctrl+K (Cmd+K) jumps to it, unless typing in a field.
document.addEventListener("keydown", (event) => {
  const box = document.querySelector("[data-search-shortcut]");
  if (!box) return;
  const typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
  const slash = event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey;
  const commandK = (event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K");
  if (!slash && !commandK) return;
  event.preventDefault();
  box.focus();
  box.select();
});
