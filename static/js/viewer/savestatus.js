// "Saving…", "All changes saved", "2 changes waiting to be sent", or the server's refusal — beside
// the document's title, from the outbox's events. Also: the annotated copy holds only what the server
// has, so a download first sends what waits.
import { flush, outboxEvents } from "../outbox.js";

export class SaveStatus {
  constructor(element, t) {
    this.element = element;
    this.t = t;
    this.pending = 0;
    this.everSaved = false;
    outboxEvents.addEventListener("state", (event) => this.#onState(event.detail));
    outboxEvents.addEventListener("sent", () => {
      this.everSaved = true;
      if (this.element.dataset.state === "rejected") this.element.dataset.state = "saving";
    });
  }

  show(kind, text) {
    this.element.dataset.state = kind;
    this.element.textContent = text;
    this.element.title = text;
  }

  #onState({ state, count, message }) {
    const { t } = this;
    this.pending = count;
    if (this.element.dataset.state === "rejected" && state !== "sending") return;  // keep a refusal in view
    if (state === "blocked") this.show("blocked", t("blocked", { message: message ?? "" }));
    else if (count && state === "sending") this.show("saving", t("saving"));
    else if (count) this.show("waiting", t("waiting", { count }));
    else if (this.everSaved) this.show("saved", t("saved"));
  }

  guardDownload(link) {
    link?.addEventListener("click", async (event) => {
      if (link.dataset.ready === "true" || !this.pending) {
        delete link.dataset.ready;
        return;
      }
      event.preventDefault();
      await flush();
      if (this.pending) this.show("waiting", this.t("unsent-download"));
      link.dataset.ready = "true";
      link.click();
    });
  }
}
