// The search panel: the words typed, the list of results, "3 / 30", next and previous. Finding is
// search.js's job; showing a result means turning to its page and scrolling the hit into view.
import { toViewportBox } from "./geometry.js";

export class SearchPanel {
  /** host: {search(), t(key, vars), page(), showPage(number) → Promise, redraw(), pageView, stage} */
  constructor(panel, host) {
    this.host = host;
    this.input = panel.querySelector("[data-search-input]");
    this.count = panel.querySelector("[data-search-count]");
    this.results = panel.querySelector("[data-search-results]");
    this.run = 0;
    this.timer = null;
    panel.querySelector("[data-search-form]").addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(this.timer);
      this.find();
    });
    this.input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.find(), 400);
    });
  }

  opened() {
    this.input.focus();
    if (this.input.value.trim()) this.find();
  }

  async find() {
    const { t } = this.host;
    const search = this.host.search();
    if (!search) return;
    const run = ++this.run;
    this.count.textContent = t("searching");
    const hits = await search.find(this.input.value, () => run === this.run);
    if (hits === null) return;
    this.results.replaceChildren(...hits.slice(0, 300).map((hit, index) => this.#result(hit, index)));
    if (hits.length) {
      const fromHere = hits.findIndex((hit) => hit.page >= this.host.page());
      this.show(fromHere === -1 ? 0 : fromHere);
    } else {
      this.count.textContent = this.input.value.trim().length >= 2 ? t("search-none") : "";
      this.host.redraw();
    }
  }

  #result(hit, index) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "viewer-result";
    button.dataset.test = "search-result";
    const page = document.createElement("span");
    page.className = "viewer-result__page";
    page.textContent = this.host.t("page", { page: hit.page });
    const mark = document.createElement("mark");
    mark.textContent = hit.excerpt[1];
    button.append(page, `…${hit.excerpt[0]}`, mark, `${hit.excerpt[2]}…`);
    button.addEventListener("click", () => this.show(index));
    item.append(button);
    return item;
  }

  /** Turn to result `index` (wrapping around), mark it, and scroll it into view. */
  async show(index) {
    const search = this.host.search();
    if (!search?.hits.length) return;
    const total = search.hits.length;
    search.current = ((index % total) + total) % total;
    const hit = search.hits[search.current];
    this.count.textContent = this.host.t("search-count", { current: search.current + 1, total });
    this.results.querySelectorAll(".viewer-result").forEach((button, i) => {
      button.setAttribute("aria-current", String(i === search.current));
      if (i === search.current) button.scrollIntoView({ block: "nearest" });
    });
    if (hit.page !== this.host.page()) await this.host.showPage(hit.page);
    else this.host.redraw();
    const { pageView, stage } = this.host;
    if (!pageView.viewport || !hit.quads.length) return;
    const box = toViewportBox(pageView.viewport, hit.quads[0]);
    stage.scrollTo({
      left: Math.max(0, pageView.element.offsetLeft + box.left - stage.clientWidth / 3),
      top: Math.max(0, pageView.element.offsetTop + box.top - stage.clientHeight / 3),
    });
  }

  next() {
    const search = this.host.search();
    this.show(search ? search.current + 1 : 0);
  }

  previous() {
    const search = this.host.search();
    this.show(search ? search.current - 1 : 0);
  }

  /** A closed search leaves no marks on the pages (the words stay in the box for next time). */
  clear() {
    const search = this.host.search();
    if (!search?.hits.length) return;
    this.run += 1;
    search.hits = [];
    search.current = -1;
    this.results.replaceChildren();
    this.count.textContent = "";
    this.host.redraw();
  }
}
