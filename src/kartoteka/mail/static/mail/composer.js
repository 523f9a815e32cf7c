// The composer's HTML editor (mail/composer.html): a contenteditable area with bold, italic,
// lists, link and quote, in place of the plain textarea. Without JavaScript the textarea is
// the message and the hidden HTML field stays disabled (not sent); with it, the editor keeps
// the HTML field (cleaned again by the server, which derives the text part from it) and the
// textarea (its text, for a draft) up to date. Opening a composer ("Reply") scrolls to it and
// puts the cursor where one writes. No inline script or style: the CSP forbids them.
(() => {
  const SAFE_LINK = /^(https?:|mailto:)/i;

  const escapeHtml = (text) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

  // Plain text as paragraphs (blank lines) and line breaks, as the server's text_to_html does.
  const textToHtml = (text) =>
    text
      .replace(/\r\n?/g, "\n")
      .split(/\n{2,}/)
      .filter((paragraph) => paragraph.trim())
      .map((paragraph) => "<p>" + paragraph.split("\n").map(escapeHtml).join("<br>") + "</p>")
      .join("");

  const editorOf = (form) => form && form.querySelector("[data-editor-area]");

  function sync(form) {
    const area = editorOf(form);
    if (!area) return;
    form.querySelector("[data-composer-html]").value = area.innerHTML;
    form.querySelector("[data-composer-body]").value = area.innerText;
  }

  function linkTarget(typed) {
    const value = (typed || "").trim();
    if (!value) return "";
    if (SAFE_LINK.test(value)) return value;
    if (/^[^\s@/:]+@[^\s@/]+$/.test(value)) return "mailto:" + value;
    if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return "";  // javascript:, data: and the like
    return "https://" + value;
  }

  function run(form, command) {
    const area = editorOf(form);
    area.focus();
    if (command === "link") {
      const button = form.querySelector('[data-editor-command="link"]');
      const target = linkTarget(window.prompt(button.dataset.prompt || "URL", "https://"));
      if (target) document.execCommand("createLink", false, target);
    } else if (command === "quote") {
      const inQuote = window.getSelection().anchorNode && window.getSelection().anchorNode.parentElement
        && window.getSelection().anchorNode.parentElement.closest("blockquote");
      document.execCommand(inQuote ? "outdent" : "formatBlock", false, inQuote ? null : "blockquote");
    } else {
      document.execCommand(command, false, null);
    }
    sync(form);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function start(form) {
    if (form.dataset.editorStarted) return;
    const textarea = form.querySelector("[data-composer-body]");
    const html = form.querySelector("[data-composer-html]");
    const toolbar = form.querySelector("[data-editor-toolbar]");
    if (!textarea || !html || !toolbar || !document.execCommand) return;
    form.dataset.editorStarted = "1";
    const area = document.createElement("div");
    area.className = "editor-area";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.dataset.editorArea = "";
    area.id = textarea.id + "-editor";
    const label = form.querySelector(`label[for="${textarea.id}"]`);
    if (label) {
      label.id = label.id || textarea.id + "-label";
      area.setAttribute("aria-labelledby", label.id);
      label.htmlFor = area.id;
      label.addEventListener("click", () => area.focus());
    }
    area.innerHTML = html.value || textToHtml(textarea.value);
    document.execCommand("defaultParagraphSeparator", false, "p");
    textarea.hidden = true;
    html.disabled = false;
    toolbar.hidden = false;
    textarea.insertAdjacentElement("afterend", area);
    area.addEventListener("input", () => sync(form));
    area.addEventListener("focus", () => { area.dataset.touched = "1"; });
    toolbar.addEventListener("click", (event) => {
      const button = event.target.closest("[data-editor-command]");
      if (button) run(form, button.dataset.editorCommand);
    });
    sync(form);
  }

  function startAll(root) {
    const scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("form[data-composer]")) start(scope);
    for (const form of scope.querySelectorAll("form[data-composer]")) start(form);
  }

  // The caret at the start of the first paragraph: above the quoted message of a reply.
  function caretAtStart(area) {
    const first = area.firstElementChild || area;
    const range = document.createRange();
    range.setStart(first, 0);
    range.collapse(true);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function focusComposer(form) {
    form.scrollIntoView({ block: "start", behavior: "smooth" });
    const area = editorOf(form);
    if (area) {
      area.focus({ preventScroll: true });
      caretAtStart(area);
      return;
    }
    const textarea = form.querySelector("[data-composer-body]");
    if (textarea) {
      textarea.focus({ preventScroll: true });
      textarea.setSelectionRange(0, 0);
    }
  }

  document.addEventListener("DOMContentLoaded", () => startAll(document));
  document.addEventListener("htmx:load", (event) => startAll(event.target));
  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail && event.detail.target;
    startAll(target);
    // A composer just opened (Reply, Reply all, Forward, New email): go to it.
    if (target && target.id === "composer") {
      const form = target.querySelector("form[data-composer]");
      if (form) focusComposer(form);
    }
  });

  // A canned response goes into the editor (at the cursor, or at the top when the text was
  // never touched); app.js's textarea insert is then not needed.
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!select.matches || !select.matches("[data-canned-insert]")) return;
    const form = select.closest("[data-composer]");
    const area = editorOf(form);
    const option = select.selectedOptions[0];
    if (!area || !option || !option.value) return;
    event.stopImmediatePropagation();
    area.focus();
    const selection = window.getSelection();
    const inside = selection.rangeCount && area.contains(selection.getRangeAt(0).startContainer);
    if (!area.dataset.touched || !inside) caretAtStart(area);
    area.dataset.touched = "1";
    document.execCommand("insertHTML", false, textToHtml(option.dataset.text || ""));
    select.value = "";
    sync(form);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }, true);

  // A knowledge-base article's text or address (kb/kb.js, which writes into the textarea)
  // goes into the editor: at the cursor, or at the end when the text was never touched.
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-kb-insert]");
    const form = button && document.querySelector("#composer form[data-composer]");
    const area = editorOf(form);
    if (!area) return;
    area.focus();
    const selection = window.getSelection();
    const inside = selection.rangeCount && area.contains(selection.getRangeAt(0).startContainer);
    if (!area.dataset.touched || !inside) {
      const range = document.createRange();
      range.selectNodeContents(area);
      range.collapse(false);
      selection.removeAllRanges();
      selection.addRange(range);
    }
    area.dataset.touched = "1";
    document.execCommand("insertHTML", false, textToHtml(button.dataset.kbInsert || ""));
    sync(form);
    // kb.js writes the same into the hidden textarea next: the editor's text wins again.
    setTimeout(() => {
      sync(form);
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }, 0);
  }, true);

  // The signature preview shows the writer's own signature above the chosen mailbox's.
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!select.matches || !select.matches("[data-composer] select[name=mailbox]")) return;
    const preview = select.closest("[data-composer]").querySelector("[data-signature-preview]");
    if (!preview) return;
    const mailbox = (select.selectedOptions[0] && select.selectedOptions[0].dataset.signature) || "";
    const parts = [preview.dataset.personal || "", mailbox].filter((part) => part.trim());
    preview.textContent = "-- \n" + parts.map((part) => part.trim()).join("\n\n");
    preview.hidden = !parts.length;
  });

  // What is sent is what the editor shows.
  document.addEventListener("submit", (event) => {
    if (event.target.matches && event.target.matches("form[data-composer]")) sync(event.target);
  }, true);
})();
