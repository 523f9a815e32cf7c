// Recording an event and planning a task: the quick due choices fill the due date and time
// (counted from the event's start, or from now for a task alone), and only the part of
// "What next" that applies is shown. Without this script the form works the same: the server
// turns a quick choice into the due time, and every part stays visible.
(() => {
  const DAYS = { tomorrow: 1, in_2_days: 2, next_week: 7 };
  const pad = (n) => String(n).padStart(2, "0");

  function baseOf(form) {
    const date = form.elements.namedItem("starts_at_0");
    const time = form.elements.namedItem("starts_at_1");
    if (!form.hasAttribute("data-quick-from-now") && date && date.value) {
      return new Date(`${date.value}T${(time && time.value) || "00:00"}`);
    }
    const now = new Date();
    now.setSeconds(0, 0);
    return now;
  }

  document.addEventListener("change", (event) => {
    const select = event.target;
    if (select.name !== "next_due_quick" || !(select.value in DAYS)) return;
    const form = select.form;
    const due = baseOf(form);
    if (Number.isNaN(due.getTime())) return;
    due.setDate(due.getDate() + DAYS[select.value]);
    const date = form.elements.namedItem("next_due_0");
    const time = form.elements.namedItem("next_due_1");
    if (date) date.value = `${due.getFullYear()}-${pad(due.getMonth() + 1)}-${pad(due.getDate())}`;
    if (time) time.value = `${pad(due.getHours())}:${pad(due.getMinutes())}`;
    // The fields now say it; a later change of them by hand is what counts.
    if (date) select.value = "";
    form.dataset.dueChosen = "1";
  });

  function showNextStep(fieldset) {
    const chosen = fieldset.querySelector("input[name=next_step]:checked");
    for (const part of fieldset.querySelectorAll("[data-next-when]")) {
      part.hidden = !chosen || part.dataset.nextWhen !== chosen.value;
    }
  }
  document.addEventListener("change", (event) => {
    if (event.target.name !== "next_step") return;
    const fieldset = event.target.closest("[data-next-step]");
    if (fieldset) showNextStep(fieldset);
  });
  document.addEventListener("DOMContentLoaded", () => {
    for (const fieldset of document.querySelectorAll("[data-next-step]")) showNextStep(fieldset);
  });
})();

// A change of the event's type or start proposes that type's next step again (as the server
// did for the first type): plan or not, what, and when — unless the due time was typed by hand.
(() => {
  const pad = (n) => String(n).padStart(2, "0");
  document.addEventListener("input", (event) => {
    const name = event.target.name;
    if (name === "next_due_0" || name === "next_due_1") event.target.form.dataset.dueChosen = "1";
  });
  document.addEventListener("change", (event) => {
    const name = event.target.name;
    if (name !== "event_type" && name !== "starts_at_0" && name !== "starts_at_1") return;
    const source = document.getElementById("event-type-defaults");
    const form = event.target.form;
    if (!source || !form) return;
    const defaults = JSON.parse(source.textContent)[form.elements.namedItem("event_type").value];
    if (!defaults) return;
    if (name === "event_type") {
      const step = form.querySelector(`input[name=next_step][value=${defaults.plans ? "plan" : "open"}]`);
      if (step) {
        step.checked = true;
        step.dispatchEvent(new Event("change", { bubbles: true }));
      }
      const nextType = form.elements.namedItem("next_type");
      if (nextType) nextType.value = String(defaults.next_type);
    }
    const date = form.elements.namedItem("starts_at_0").value;
    const time = form.elements.namedItem("starts_at_1").value || "00:00";
    const due = new Date(`${date}T${time}`);
    if (form.dataset.dueChosen || Number.isNaN(due.getTime())) return;
    due.setMinutes(due.getMinutes() + defaults.delay_minutes);
    form.elements.namedItem("next_due_0").value =
      `${due.getFullYear()}-${pad(due.getMonth() + 1)}-${pad(due.getDate())}`;
    form.elements.namedItem("next_due_1").value = `${pad(due.getHours())}:${pad(due.getMinutes())}`;
  });
})();
