// The rich-text areas of the minutes editor (templates/minutes/_rich.html): a contenteditable area with a
// small toolbar (bold, italic, underline, lists) that keyboard users reach with one Tab and the arrows.
// The server sanitises what is sent (nh3); this only keeps the markup plain.

// The HTML of a rich area as it is sent: <div> lines become paragraphs, styles and classes go (the server
// keeps only p, br, strong/b, em/i, u, ul/ol/li, blockquote anyway), an area with no text is empty.
export function richValue(area) {
  const copy = area.cloneNode(true);
  for (const div of copy.querySelectorAll("div")) {
    const paragraph = document.createElement("p");
    paragraph.append(...div.childNodes);
    div.replaceWith(paragraph);
  }
  for (const node of copy.querySelectorAll("[style], [class]")) {
    node.removeAttribute("style");
    node.removeAttribute("class");
  }
  if (!copy.textContent.trim() && !copy.querySelector("li")) return "";
  return copy.innerHTML.trim();
}

export function syncEmpty(area) {
  area.classList.toggle("is-empty", !area.textContent.trim() && !area.querySelector("li"));
}

export function wireRich(rich) {
  const area = rich.querySelector("[data-field]");
  const buttons = [...rich.querySelectorAll("[data-command]")];
  let range = null;  // the last selection inside the area, for a toolbar reached with the keyboard

  // Each button shows whether its format applies where the caret is (also a format chosen for the next
  // letters typed, which moves no selection: hence the call after each command and each key).
  function syncButtons() {
    for (const button of buttons) {
      let on = false;
      try {
        on = document.queryCommandState(button.dataset.command);
      } catch {
        on = false;
      }
      button.setAttribute("aria-pressed", String(on));
    }
  }

  document.addEventListener("selectionchange", () => {
    const selection = document.getSelection();
    if (!selection?.rangeCount || !area.contains(selection.anchorNode)) return;
    range = selection.getRangeAt(0).cloneRange();
    syncButtons();
  });
  area.addEventListener("keyup", syncButtons);

  for (const button of buttons) {
    // Pressing a button must not take the focus (and the selection) away from the text.
    button.addEventListener("pointerdown", (event) => event.preventDefault());
    button.addEventListener("mousedown", (event) => event.preventDefault());
    button.addEventListener("click", () => {
      if (document.activeElement !== area) {
        area.focus();
        if (range) {
          const selection = document.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }
      }
      document.execCommand(button.dataset.command, false, null);
      syncEmpty(area);
      syncButtons();
    });
  }

  // One tab stop for the toolbar; the arrow keys move between its buttons.
  buttons.forEach((button, index) => { button.tabIndex = index === 0 ? 0 : -1; });
  rich.querySelector("[role=toolbar]")?.addEventListener("keydown", (event) => {
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = buttons[(next + buttons.length) % buttons.length];
    buttons.forEach((button) => { button.tabIndex = button === target ? 0 : -1; });
    target.focus();
  });

  // Pasted text arrives as plain text: the formatting of a word processor is not carried over.
  area.addEventListener("paste", (event) => {
    event.preventDefault();
    const text = event.clipboardData?.getData("text/plain") ?? "";
    document.execCommand("insertText", false, text);
  });
  area.addEventListener("input", () => syncEmpty(area));
  syncEmpty(area);
}
