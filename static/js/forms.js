// What the pages that talk to the JSON API share: the CSRF token, message templates filled from
// data-text-* attributes ("{n} files" → "3 files"), and the file picker's drop zone.

export const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export function format(template, values) {
  return (template ?? "").replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

// A button that only works through its script starts disabled (data-needs-script): a tap before the module
// has loaded would otherwise do nothing, or send its form natively and lose what was chosen.
export function scriptReady(container) {
  container.querySelectorAll("[data-needs-script]").forEach((button) => { button.disabled = false; });
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
