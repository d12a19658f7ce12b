// The secretariat's table of comments on a draft (templates/documents/comments.html): each row's answer
// (status and response) is saved through the API, and the author's open pages hear of it; the call for
// comments (open, deadline, drafting unit, its users) is saved the same way and the page reloads.
import { api } from "./api.js";

const root = document.querySelector("[data-comments-page]");
const documentId = Number(root.dataset.documentId);
const t = (key, vars = {}) => (root.dataset[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));

for (const form of root.querySelectorAll("[data-answer-form]")) {
  const state = form.querySelector("[data-answer-state]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    state.textContent = "";
    try {
      await api("PUT", `/comments/${form.dataset.commentId}/response`, {
        status: form.elements.status.value, response: form.elements.response.value,
      });
      state.textContent = t("i18nSaved");
      state.dataset.state = "saved";
    } catch (error) {
      state.textContent = t("i18nFailed", { message: error.message || error.code });
      state.dataset.state = "failed";
    }
  });
}

const call = root.querySelector("[data-consultation-form]");
if (call) {
  const state = call.querySelector("[data-consultation-state]");
  const fail = (error) => { state.textContent = t("i18nFailed", { message: error.message || error.code }); };
  call.addEventListener("submit", async (event) => {
    event.preventDefault();
    const recipients = [...call.elements.recipients.selectedOptions].map((option) => Number(option.value));
    try {
      await api("PUT", `/documents/${documentId}/consultation`, {
        open: call.elements.open.checked, deadline: call.elements.deadline.value || null,
        drafting_unit: call.elements.drafting_unit.value, recipients,
      });
      window.location.reload();
    } catch (error) {
      fail(error);
    }
  });
  call.querySelector("[data-forward]")?.addEventListener("click", async () => {
    try {
      await api("POST", `/documents/${documentId}/consultation/forward`);
      window.location.reload();
    } catch (error) {
      fail(error);
    }
  });
}
