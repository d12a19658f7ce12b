// The annotations panel (mine and those shared with the meeting) and the note dialog.

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, className, onClick, test) {
  const node = element("button", `viewer-btn ${className ?? ""}`.trim(), label);
  node.type = "button";
  if (test) node.dataset.test = test;
  node.addEventListener("click", onClick);
  return node;
}

export class AnnotationPanel {
  /** host: {store, t(key, vars), goTo(page), select(clientId), selected(), editNote(annotation)} */
  constructor({ list, empty, counter, host }) {
    this.list = list;
    this.empty = empty;
    this.counter = counter;
    this.host = host;
  }

  render() {
    const { store, t } = this.host;
    const items = store.list();
    this.empty.hidden = items.length > 0;
    this.counter.hidden = items.length === 0;
    this.counter.textContent = String(items.length);
    this.list.replaceChildren(...items.map((annotation) => this.#item(annotation, t)));
  }

  #item(annotation, t) {
    const { store } = this.host;
    const item = element("li", "viewer-note");
    item.dataset.clientId = annotation.client_id;
    item.dataset.kind = annotation.kind;
    item.dataset.test = "annotation-item";
    item.style.setProperty("--note-color", annotation.color);
    if (annotation.client_id === this.host.selected()) item.classList.add("is-selected");

    const head = element("div", "viewer-note__head");
    const go = button(`${t(`kind-${annotation.kind}`)} · ${t("page", { page: annotation.page })}`, "viewer-note__go", () => {
      this.host.goTo(annotation.page);
      this.host.select(annotation.client_id);
    }, "annotation-go");
    go.className = "viewer-note__go";
    head.append(go);
    const meta = [];
    if (!annotation.mine) meta.push(annotation.author?.full_name ?? "");
    if (annotation.version_number !== store.versionNumber) meta.push(t("other-version", { version: annotation.version_number }));
    if (meta.length) head.append(element("span", "viewer-note__meta", meta.join(" · ")));
    if (annotation.shared) head.append(element("span", "chip chip--shared", t("shared")));
    else head.append(element("span", "chip", t("private")));
    if (annotation.pending) head.append(element("span", "chip chip--pending", t("pending")));
    item.append(head);

    if (annotation.text) {
      const text = element("p", "viewer-note__text", annotation.kind === "highlight" ? `“${annotation.text}”` : annotation.text);
      text.dataset.test = "annotation-text";
      item.append(text);
    }

    if (annotation.mine) {
      const actions = element("div", "viewer-note__actions");
      if (annotation.kind === "note") {
        actions.append(button(t("edit"), "", () => this.host.editNote(annotation), "annotation-edit"));
      }
      actions.append(button(annotation.shared ? t("unshare") : t("share"), "", () => {
        store.update(annotation.client_id, { shared: !annotation.shared });
      }, "annotation-share"));
      actions.append(button(t("delete"), "viewer-btn--danger", () => {
        if (window.confirm(t("confirm-delete"))) store.remove(annotation.client_id);
      }, "annotation-delete"));
      item.append(actions);
    }
    return item;
  }

  reveal(clientId) {
    this.list.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`)?.scrollIntoView({ block: "nearest" });
  }
}

/** The dialog that writes a new note or edits one of mine. Resolves {text, shared} or null (cancel). */
export class NoteDialog {
  constructor(dialog) {
    this.dialog = dialog;
    this.text = dialog.querySelector("[data-note-text]");
    this.shared = dialog.querySelector("[data-note-shared]");
    this.resolve = null;
    dialog.addEventListener("close", () => {
      const resolve = this.resolve;
      this.resolve = null;
      if (!resolve) return;
      resolve(dialog.returnValue === "save" ? { text: this.text.value.trim(), shared: this.shared.checked } : null);
    });
  }

  open({ text = "", shared = false } = {}) {
    this.text.value = text;
    this.shared.checked = shared;
    this.dialog.returnValue = "";
    this.dialog.showModal();
    this.text.focus();
    return new Promise((resolve) => { this.resolve = resolve; });
  }
}
