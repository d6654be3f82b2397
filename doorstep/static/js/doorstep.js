/* Doorstep: the little behaviour htmx does not give us. Every page works without it. */
(function () {
  "use strict";

  // Upload progress: a form with data-progress="#id" drives that <progress> element.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("form[data-progress]");
    if (!form || !event.detail.lengthComputable) return;
    var bar = document.querySelector(form.dataset.progress);
    if (bar) bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-progress]");
    if (form) form.classList.add("is-uploading");
  });

  // Refuse an oversize file before uploading it (the server refuses it too).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var max = parseInt(input.dataset.maxBytes, 10);
    var tooLarge = input.files.length > 0 && input.files[0].size > max;
    var form = input.form;
    var message = form.querySelector("#import-too-large");
    if (message) message.hidden = !tooLarge;
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = tooLarge;
    });
  });

  // Logging out wipes what the phone keeps of the site (the server says Clear-Site-Data):
  // visits saved offline and not sent yet would be lost, so ask first (in the page's
  // language: the form carries the text).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.logout")) return;
    var unsent = 0;
    try { unsent = (JSON.parse(localStorage.getItem("doorstep.visits.queue")) || []).length; } catch (e) {}
    if (unsent && !window.confirm(form.dataset.unsentText + " " + unsent + "\n" + form.dataset.unsentConfirm)) {
      event.preventDefault();
    }
  });
})();
