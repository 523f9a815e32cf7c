// The mailbox form: the incoming server's fields are shown only for the protocols they
// belong to (data-shown-for="imap pop3" on each field, data-protocol-switch on the protocol).
// Without this script every field stays visible; the server ignores the hidden ones anyway.
(function () {
  "use strict";

  function update(form) {
    var switcher = form.querySelector("[data-protocol-switch]");
    if (!switcher) {
      return;
    }
    var protocol = switcher.value;
    form.querySelectorAll("[data-shown-for]").forEach(function (input) {
      var shown = input.getAttribute("data-shown-for").split(" ").indexOf(protocol) !== -1;
      var wrapper = input.closest(".field") || input;
      wrapper.hidden = !shown;
    });
  }

  function start() {
    document.querySelectorAll("form").forEach(function (form) {
      var switcher = form.querySelector("[data-protocol-switch]");
      if (!switcher) {
        return;
      }
      switcher.addEventListener("change", function () {
        update(form);
      });
      update(form);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
