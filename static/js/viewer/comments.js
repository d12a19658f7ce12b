// Comments on a draft (góp ý dự thảo) in the reader: with a passage selected (or none: the page itself),
// "Góp ý" opens a box; the comment is sent to the secretariat, not shared with the meeting. The panel lists
// the reader's own comments with the secretariat's answer (tiếp thu / giải trình), reloaded when the server
// says one changed (`draft_comment.*` to the reader's own devices). Online only: a comment is a message
// to the secretariat with a deadline, not a private marking to keep offline.
import { api } from "../api.js";
import { selectionQuads, boundingRect } from "./geometry.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class DraftComments {
  /** host: {t(key, vars), pageView, page(), goTo(page), open()}; data: the page's comments-data block. */
  constructor({ data, list, empty, counter, dialog, status, host }) {
    this.data = data;
    this.items = data.items ?? [];
    this.list = list;
    this.empty = empty;
    this.counter = counter;
    this.dialog = dialog;
    this.status = status;
    this.host = host;
    this.documentId = data.document_id;
    this.pending = null;
    dialog.addEventListener("close", () => this.#closed());
  }

  get accepting() {
    return Boolean(this.data.consultation?.accepting && this.data.may_comment);
  }

  /** The passage selected on the page, as quads in PDF points and its words; none: the page itself. */
  #anchor() {
    const { pageView } = this.host;
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount || !pageView.textLayer) return { quads: [], rect: [], quote: "" };
    const range = selection.getRangeAt(0);
    if (!pageView.textLayer.contains(range.commonAncestorContainer)) return { quads: [], rect: [], quote: "" };
    const quads = selectionQuads(range.getClientRects(), pageView.element.getBoundingClientRect(), pageView.viewport);
    const quote = range.toString().replace(/\s+/g, " ").trim().slice(0, 2000);
    selection.removeAllRanges();
    return { quads, rect: boundingRect(quads) ?? [], quote };
  }

  /** "Góp ý": the box for a new comment on the current page (and the selected passage, if any). */
  start() {
    if (!this.accepting) return;
    this.pending = { page: this.host.page(), ...this.#anchor(), id: null };
    this.#open(this.pending.quote, "");
  }

  edit(comment) {
    this.pending = { id: comment.id };
    this.#open(comment.quote, comment.text);
  }

  #open(quote, text) {
    const { t } = this.host;
    const where = this.dialog.querySelector("[data-comment-where]");
    where.textContent = quote ? `“${quote}”` : t("comment-whole-page", { page: this.pending.page ?? "" });
    this.dialog.querySelector("[data-comment-text]").value = text;
    this.dialog.querySelector("[data-comment-error]").hidden = true;
    this.dialog.returnValue = "";
    this.dialog.showModal();
    this.dialog.querySelector("[data-comment-text]").focus();
  }

  async #closed() {
    const pending = this.pending;
    if (this.dialog.returnValue !== "save" || !pending) return;
    const text = this.dialog.querySelector("[data-comment-text]").value.trim();
    try {
      if (pending.id) {
        await api("PATCH", `/comments/${pending.id}`, { text });
      } else {
        await api("POST", `/documents/${this.documentId}/comments`, {
          version_number: this.data.version_number, page: pending.page, quads: pending.quads,
          rect: pending.rect, quote: pending.quote, text,
        });
      }
      this.pending = null;
      await this.refresh();
      this.host.open();
      this.status.show("saved", this.host.t("comment-sent"));
    } catch (error) {
      // Keep what was written: the box opens again with the server's reason.
      const box = this.dialog.querySelector("[data-comment-error]");
      this.dialog.showModal();
      this.dialog.querySelector("[data-comment-text]").value = text;
      box.textContent = error.message || this.host.t("load-failed");
      box.hidden = false;
    }
  }

  async refresh() {
    const answer = await api("GET", `/documents/${this.documentId}/comments`);
    this.items = answer.items.filter((item) => item.mine);
    try {
      const call = await api("GET", `/documents/${this.documentId}/consultation`);
      this.data.consultation = call.consultation;
    } catch {
      // keep what was known
    }
    this.render();
  }

  render() {
    const { t } = this.host;
    this.empty.hidden = this.items.length > 0;
    this.counter.hidden = this.items.length === 0;
    this.counter.textContent = String(this.items.length);
    this.list.replaceChildren(...this.items.map((comment) => this.#item(comment, t)));
    document.querySelector("[data-comment-closed]")?.toggleAttribute("hidden", this.accepting || !this.data.consultation);
    document.querySelector("[data-action='comment']")?.toggleAttribute("disabled", !this.accepting);
  }

  #item(comment, t) {
    const item = element("li", "viewer-note viewer-comment");
    item.dataset.test = "comment-item";
    item.dataset.status = comment.status;
    const head = element("div", "viewer-note__head");
    const go = element("button", "viewer-note__go", t("page", { page: comment.page }));
    go.type = "button";
    go.addEventListener("click", () => this.host.goTo(comment.page));
    head.append(go, element("span", `chip chip--status-${comment.status}`, comment.status_label));
    head.lastChild.dataset.test = "comment-status";
    item.append(head);
    if (comment.quote) item.append(element("p", "viewer-comment__quote", `“${comment.quote}”`));
    const text = element("p", "viewer-note__text", comment.text);
    text.dataset.test = "comment-text";
    item.append(text);
    if (comment.response) {
      const answer = element("p", "viewer-comment__response");
      answer.append(element("strong", "", `${t("comment-response")} `), document.createTextNode(comment.response));
      answer.dataset.test = "comment-response";
      item.append(answer);
    }
    if (!comment.answered && this.accepting) {
      const actions = element("div", "viewer-note__actions");
      const edit = element("button", "viewer-btn", t("edit"));
      edit.type = "button";
      edit.addEventListener("click", () => this.edit(comment));
      const remove = element("button", "viewer-btn viewer-btn--danger", t("delete"));
      remove.type = "button";
      remove.dataset.test = "comment-delete";
      remove.addEventListener("click", async () => {
        if (!window.confirm(t("comment-confirm-delete"))) return;
        try {
          await api("DELETE", `/comments/${comment.id}`);
        } catch (error) {
          this.status.show("rejected", t("rejected", { message: error.message }));
        }
        await this.refresh();
      });
      actions.append(edit, remove);
      item.append(actions);
    }
    return item;
  }
}
