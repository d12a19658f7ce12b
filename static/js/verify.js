// Verifying the signatures of a PDF (templates/minutes/verify.html).
//
// The form posts the chosen file to POST /verify, which answers the whole page with the result in words
// (cabinet/presentation/signatures.py); this module only sends it without leaving the page, shows that it
// is checking, and swaps in the answer's [data-verify-output]. Without it the form posts natively and the
// same page comes back. The few texts of its own come from data-text-* attributes (translated by the server).

import { csrfToken, wireDropZone } from "./forms.js";

function wire(form) {
  const texts = Object.fromEntries(Object.entries(form.dataset)
    .filter(([key]) => key.startsWith("text"))
    .map(([key, value]) => [key.slice(4, 5).toLowerCase() + key.slice(5), value]));
  const input = form.querySelector("input[type=file]");
  const submit = form.querySelector("[type=submit]");
  const chosen = form.querySelector("[data-filepick-chosen]");
  const zone = form.querySelector("[data-filepick]");
  const maxBytes = Number(form.dataset.maxBytes) || Infinity;

  function showError(message) {
    const output = document.querySelector("[data-verify-output]");
    output.querySelector("[data-verify-result]")?.remove();
    const box = output.querySelector("[data-verify-error]");
    box.textContent = message;
    box.hidden = false;
  }

  function showAnswer(html, status) {
    const answer = new DOMParser().parseFromString(html, "text/html").querySelector("[data-verify-output]");
    if (!answer) {
      showError(status === 413 ? texts.tooLarge : texts.failed.replace("{status}", String(status)));
      return;
    }
    document.querySelector("[data-verify-output]").replaceWith(document.adoptNode(answer));
  }

  const showChosen = () => {
    const file = input.files[0];
    chosen.textContent = file ? file.name : chosen.dataset.textNone;
    zone.classList.toggle("has-files", Boolean(file));
  };
  input.addEventListener("change", showChosen);
  wireDropZone(zone, input);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = input.files[0];
    if (!file) {
      showError(texts.choose);
      input.click();
      return;
    }
    if (file.size > maxBytes) {
      showError(texts.tooLarge);
      return;
    }
    submit.disabled = true;
    const label = submit.textContent;
    submit.textContent = texts.checking;
    form.setAttribute("aria-busy", "true");
    try {
      let response;
      try {
        response = await fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { Accept: "text/html", "X-CSRFToken": csrfToken },
        });
      } catch {
        showError(texts.network);
        return;
      }
      showAnswer(await response.text(), response.status);
    } finally {
      submit.disabled = false;
      submit.textContent = label;
      form.removeAttribute("aria-busy");
    }
  });
}

document.querySelectorAll("form[data-verify]").forEach(wire);
