// The pages overview: one small picture per page, painted only when it scrolls into view (with
// disableAutoFetch, a page's bytes are fetched only when something needs them).
import { renderThumbnail } from "./pageview.js";

const WIDTH = 110;

export class Thumbnails {
  constructor({ panel, list, pdf, label, onPick }) {
    this.panel = panel;
    this.list = list;
    this.pdf = pdf;
    this.label = label;
    this.onPick = onPick;
    this.built = false;
    this.current = 1;
  }

  #build() {
    this.built = true;
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        this.#paint(entry.target);
      }
    }, { root: this.panel, rootMargin: "200px 0px" });
    for (let number = 1; number <= this.pdf.numPages; number += 1) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "viewer-thumb";
      button.dataset.page = String(number);
      button.dataset.test = "thumbnail";
      const canvas = document.createElement("canvas");
      canvas.className = "viewer-thumb__canvas viewer-thumb__canvas--empty";
      const caption = document.createElement("span");
      caption.textContent = this.label(number);
      button.append(canvas, caption);
      button.addEventListener("click", () => this.onPick(number));
      item.append(button);
      this.list.append(item);
      observer.observe(button);
    }
    this.mark(this.current);
  }

  async #paint(button) {
    const canvas = button.querySelector("canvas");
    try {
      const page = await this.pdf.getPage(Number(button.dataset.page));
      await renderThumbnail(page, canvas, WIDTH);
      canvas.classList.remove("viewer-thumb__canvas--empty");
    } catch (error) {
      console.warn("thumbnail:", error);
    }
  }

  show() {
    if (!this.built) this.#build();
    this.list.querySelector('[aria-current="page"]')?.scrollIntoView({ block: "nearest" });
  }

  mark(number) {
    this.current = number;
    if (!this.built) return;
    for (const button of this.list.querySelectorAll(".viewer-thumb")) {
      if (Number(button.dataset.page) === number) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
    }
  }
}
