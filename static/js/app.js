// Behaviour shared by every page. Pages work without it; it only adds comfort.

// Forms that destroy something ask first: <form data-confirm="Question?">.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // A second tap on a slow network must not send the form twice.
  if (form.dataset.submitting === "true") {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "true";
  window.setTimeout(() => { delete form.dataset.submitting; }, 4000);
});

// The invitation reply: a reason is required only when declining.
function wireRsvp(form) {
  const reason = form.querySelector("textarea[name=reason]");
  const sync = () => {
    const declining = form.querySelector("input[name=attending][value=no]")?.checked;
    if (reason) reason.required = Boolean(declining);
  };
  form.addEventListener("change", sync);
  sync();
}
document.querySelectorAll("form[data-rsvp-form]").forEach(wireRsvp);

// After a "move up / move down" form the page comes back at #item-<id>: put the keyboard focus there,
// so the next Tab reaches the same item's buttons again.
const anchored = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
if (anchored && anchored.getAttribute("tabindex") === "-1") anchored.focus();
