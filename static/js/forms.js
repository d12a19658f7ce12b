// What the pages that talk to the JSON API share: the CSRF token, message templates filled from
// data-text-* attributes ("{n} files" → "3 files"), and the file picker's drop zone.

export const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export function format(template, values) {
  return (template ?? "").replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

// A form that only works through its script starts with its submit button disabled (data-needs-script),
// so a tap before the module has loaded cannot send the form natively and lose the chosen files.
export function scriptReady(form) {
  form.querySelectorAll("[data-needs-script]").forEach((button) => { button.disabled = false; });
}

// Files dropped on `zone` become the choice of `input`, which then fires "change" as if picked.
export function wireDropZone(zone, input) {
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("is-over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("is-over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("is-over");
    if (!event.dataTransfer?.files.length) return;
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
}
