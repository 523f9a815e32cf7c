// Search-as-you-type pickers (core/pickers.py renders them; no inline script under the CSP).
// The select posts the choice and stays the one truth; this script hides it, asks the picker's
// endpoint as the user types, and writes the chosen rows back into it. Keyboard: Down/Up move
// through the suggestions, Enter or Tab choose, Escape closes the list (and, pressed again,
// puts back the chosen label). Without this script the text box searches on submit.
(() => {
  "use strict";
  const DELAY_MS = 150;
  let counter = 0;

  function option(id, label, detail) {
    const item = document.createElement("option");
    item.value = String(id);
    item.textContent = label;
    item.selected = true;
    if (detail) item.dataset.detail = detail;
    return item;
  }

  function setUp(root) {
    if (root.dataset.pickerReady) return;
    root.dataset.pickerReady = "1";
    const input = root.querySelector(".picker-input");
    const listbox = root.querySelector(".picker-listbox");
    const select = root.querySelector(".picker-value");
    const status = root.querySelector(".picker-status");
    const chips = root.querySelector(".picker-chips");
    const multiple = root.hasAttribute("data-picker-multiple");
    const prefix = `${input.id || "picker" + ++counter}_option_`;
    let results = [];
    let active = -1;
    let timer = null;
    let asked = 0;

    // With the script, only the select is posted; candidates of a search on submit go.
    input.removeAttribute("name");
    for (const item of Array.from(select.options)) {
      if (!item.selected) item.remove();
    }
    select.hidden = true;
    select.tabIndex = -1;

    function chosen() {
      return Array.from(select.options).filter((item) => item.value && item.selected);
    }

    function chosenLabel() {
      const first = chosen()[0];
      return first ? first.textContent : "";
    }

    // A form that reloads on "input" (a filter bar) reloads when the choice changes, not
    // on every key typed into the search box.
    function changed() {
      select.dispatchEvent(new Event("change", { bubbles: true }));
      select.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function renderChips() {
      if (!chips) return;
      chips.replaceChildren();
      for (const item of chosen()) {
        const chip = document.createElement("li");
        chip.className = "picker-chip";
        const text = document.createElement("span");
        text.textContent = item.textContent;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "picker-chip-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", `${root.dataset.pickerRemove}: ${item.textContent}`);
        remove.addEventListener("click", () => {
          item.remove();
          renderChips();
          changed();
          input.focus();
        });
        chip.append(text, remove);
        chips.append(chip);
      }
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      const items = listbox.querySelectorAll("[role=option]");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach((item, position) => {
        item.setAttribute("aria-selected", position === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function show(found) {
      results = found;
      listbox.replaceChildren();
      found.forEach((row, index) => {
        const item = document.createElement("li");
        item.id = prefix + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.className = "picker-option";
        const label = document.createElement("span");
        label.className = "picker-option-label";
        label.textContent = row.label;
        item.append(label);
        if (row.detail) {
          const detail = document.createElement("span");
          detail.className = "picker-option-detail";
          detail.textContent = row.detail;
          item.append(detail);
        }
        // mousedown, not click: it comes before the input's blur closes the list.
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(index);
        });
        listbox.append(item);
      });
      if (!found.length) {
        const empty = document.createElement("li");
        empty.className = "picker-empty";
        empty.textContent = root.dataset.pickerEmpty;
        listbox.append(empty);
      }
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      status.textContent = found.length
        ? root.dataset.pickerFound.replace("%(count)s", String(found.length))
        : root.dataset.pickerEmpty;
      if (found.length) highlight(0);
    }

    function pick(index) {
      const row = results[index];
      if (!row) return;
      if (multiple) {
        if (!chosen().some((item) => item.value === String(row.id))) {
          select.append(option(row.id, row.label, row.detail));
        }
        input.value = "";
        renderChips();
      } else {
        select.replaceChildren(option(row.id, row.label, row.detail));
        input.value = row.label;
      }
      close();
      status.textContent = row.label;
      changed();
    }

    function narrowing() {
      const name = root.dataset.pickerNarrow;
      if (!name || !input.form) return "";
      const other = input.form.elements.namedItem(name);
      const value = other && "value" in other ? other.value : "";
      return value ? `&${encodeURIComponent(name)}=${encodeURIComponent(value)}` : "";
    }

    async function ask() {
      const text = input.value.trim();
      const number = ++asked;
      const url = `${root.dataset.pickerUrl}?q=${encodeURIComponent(text)}${narrowing()}`;
      try {
        const response = await fetch(url, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (!response.ok) throw new Error(String(response.status));
        const body = await response.json();
        if (number === asked && document.activeElement === input) show(body.results);
      } catch (error) {
        if (number === asked) status.textContent = root.dataset.pickerFailed;
      }
    }

    input.addEventListener("input", (event) => {
      event.stopPropagation();
      clearTimeout(timer);
      if (!multiple && !input.value.trim() && chosen().length) {
        select.replaceChildren();
        changed();
      }
      timer = setTimeout(ask, DELAY_MS);
    });

    input.addEventListener("keydown", (event) => {
      const open = !listbox.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!open) {
          ask();
          return;
        }
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          pick(active);
        } else if (open) {
          event.preventDefault();
        }
      } else if (event.key === "Tab") {
        if (open && active >= 0 && input.value.trim()) pick(active);
        close();
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        } else if (!multiple) {
          input.value = chosenLabel();
        }
      } else if (event.key === "Backspace" && multiple && !input.value) {
        const last = chosen().pop();
        if (last) {
          last.remove();
          renderChips();
          changed();
        }
      }
    });

    input.addEventListener("blur", () => {
      close();
      if (!multiple) input.value = chosenLabel();
      else input.value = "";
    });

    if (!multiple) input.value = chosenLabel();
    renderChips();
  }

  function setUpAll(scope) {
    for (const root of scope.querySelectorAll("[data-picker]")) setUp(root);
  }

  document.addEventListener("DOMContentLoaded", () => setUpAll(document));
  // Forms swapped in by htmx (a filter bar, a case property edited in place).
  document.addEventListener("htmx:load", (event) => setUpAll(event.target));
})();
