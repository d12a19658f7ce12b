// A "Copy" button beside a read-only field: <button data-copy="#field" data-copied="Copied">.
// Without the clipboard API (an http:// address other than localhost), the text is selected instead.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.querySelector(button.dataset.copy);
  if (!field) continue;
  const label = button.textContent;
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = button.dataset.copied || label;
      window.setTimeout(() => { button.textContent = label; }, 2000);
    } catch {
      // Selected: the member copies with the system's menu.
    }
  });
}
