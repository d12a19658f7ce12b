// A document's title from what the file says of itself, before it is sent: the PDF's /Title when a person
// would call it a title, else its file name made readable. The same rule as cabinet/pdf/titles.py (the
// server applies it to a file sent without a title), so a field left as prefilled means the same on both.

const MARKUP = /<\s*\/?\s*[a-zA-Z][^<>]{0,80}>/g;  // "TỜ TRÌNH<br>Về việc …" from an HTML title
const PRODUCER_PREFIX = /^(microsoft\s+(word|excel|powerpoint)|word|powerpoint)\s+-\s+/i;
const FILE_EXTENSION = /\.(pdf|docx?|odt|rtf|txt|xlsx?|ods|pptx?|odp)$/i;
const PLACEHOLDER = /^(untitled|document|doc|presentation|powerpoint presentation|book|sheet|slide|title|new document|scan|image|img|dsc|tiêu đề|không có tiêu đề|văn bản)[\s_-]*\d*$/iu;
const MAX_TITLE = 500;
// Files above this are not opened here (the server reads their /Title when the field is left as prefilled).
const READ_LIMIT = 200 * 1024 * 1024;

function tidy(text) {
  return text.replace(MARKUP, " ").normalize("NFC").replace(/[\p{Cc}\p{Cf}\p{Z}]+/gu, " ").trim().replace(/ +/g, " ");
}

export function sensibleTitle(raw) {
  if (typeof raw !== "string") return null;
  const title = tidy(raw).replace(PRODUCER_PREFIX, "").replace(FILE_EXTENSION, "").trim();
  if (title.length < 3 || title.length > MAX_TITLE || !/\p{L}/u.test(title)) return null;
  if (PLACEHOLDER.test(title) || title.includes("\\") || title.startsWith("/")) return null;
  if (!title.includes(" ") && /[_\d/]/.test(title)) return null;
  return title;
}

export function titleFromFileName(name) {
  const title = tidy((name || "").trim().replace(FILE_EXTENSION, "").replace(/[_-]/g, " ")).slice(0, MAX_TITLE);
  return title ? title[0].toUpperCase() + title.slice(1) : "";
}

/** The PDF's /Title (or ""), read with PDF.js from slices of the file: only the parts it needs. */
export async function pdfTitle(file) {
  if (!file.size || file.size > READ_LIMIT) return "";
  const pdfjs = await import("../vendor/pdfjs/pdf.mjs");
  pdfjs.GlobalWorkerOptions.workerSrc = new URL("../vendor/pdfjs/pdf.worker.mjs", import.meta.url).href;
  const head = new Uint8Array(await file.slice(0, Math.min(file.size, 64 * 1024)).arrayBuffer());
  const transport = new pdfjs.PDFDataRangeTransport(file.size, head);
  transport.requestDataRange = (begin, end) => {
    file.slice(begin, end).arrayBuffer().then((buffer) => transport.onDataRange(begin, new Uint8Array(buffer)));
  };
  const task = pdfjs.getDocument({ range: transport, length: file.size, disableAutoFetch: true, disableStream: true,
    isEvalSupported: false, stopAtErrors: false });
  try {
    const pdf = await task.promise;
    const { info } = await pdf.getMetadata();
    return typeof info?.Title === "string" ? info.Title : "";
  } catch {
    return "";  // encrypted, damaged, not a PDF: the server will say so when it is sent
  } finally {
    task.destroy();
  }
}
