// Uploading a file through the presigned flow the API documents: ask `POST /v1/upload/s3` for a
// URL, PUT the bytes there with the same Content-Type (XMLHttpRequest, the only browser API that
// reports upload progress), then the caller creates a FILE source with the returned fileKey.

import { api, ApiError } from "./api.js";
import { h } from "./dom.js";

// Browsers leave File.type empty for many text formats; the server sniffs content anyway, so a
// name-based guess only helps it and never decides alone.
const BY_EXTENSION = {
  md: "text/markdown",
  markdown: "text/markdown",
  txt: "text/plain",
  json: "application/json",
  jsonl: "application/jsonl",
  html: "text/html",
  htm: "text/html",
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  csv: "text/csv",
};

export function contentTypeOf(file) {
  const declared = (file.type || "").split(";")[0].trim().toLowerCase();
  if (declared) return declared;
  const ext = file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
  return BY_EXTENSION[ext] || "application/octet-stream";
}

/** Human-readable bytes: 1.2 MB. */
export function formatBytes(bytes) {
  const units = ["bytes", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function putBytes(url, file, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("Content-Type", contentType);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
        return;
      }
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null; // an S3-compatible store answers XML
      }
      reject(
        new ApiError({
          status: xhr.status,
          error: body?.error || "Upload failed",
          message: body?.message || `The storage answered ${xhr.status} to the upload.`,
          requestId: body?.requestId || xhr.getResponseHeader("X-Request-Id"),
        }),
      );
    };
    xhr.onerror = () =>
      reject(
        new ApiError({
          status: 0,
          error: "Upload failed",
          message: "The upload URL could not be reached (network error, or the storage does not allow this page's origin).",
        }),
      );
    xhr.send(file);
  });
}

/** Upload `file`; `onProgress(loaded, total)` as bytes go out. Resolves to the fileKey. */
export async function uploadFile(file, onProgress = () => {}) {
  if (file.size === 0) {
    throw new ApiError({ status: 0, error: "Empty file", message: `${file.name} is empty: there is nothing to add.` });
  }
  const contentType = contentTypeOf(file);
  const presigned = await api("v1/upload/s3", {
    method: "POST",
    body: { filename: file.name, contentType, size: file.size },
  });
  await putBytes(presigned.uploadUrl, file, contentType, onProgress);
  return presigned.fileKey;
}

/**
 * The file picker of the add-content form, which also takes a file dropped on it, and the
 * upload's progress. `send(file)` uploads through the presigned flow and resolves to its fileKey.
 */
export function fileUploadField() {
  const input = h("input", { id: "source-file", name: "file", type: "file", "aria-describedby": "source-file-hint" });
  const chosen = h("p", { id: "source-file-hint", class: "hint" }, "Choose a file or drop it here: a chat export, a coding-agent session, Markdown, HTML, PDF, DOCX or text.");
  const progress = h("progress", { id: "upload-progress", max: 100, value: 0, "aria-label": "Upload progress", hidden: true });
  const progressText = h("span", { id: "upload-progress-text", class: "small muted", "aria-live": "polite" });
  const describe = () => {
    const file = input.files[0];
    chosen.textContent = file ? `${file.name} · ${formatBytes(file.size)}` : chosen.dataset.empty;
  };
  chosen.dataset.empty = chosen.textContent;
  input.addEventListener("change", describe);
  const zone = h(
    "div",
    {
      class: "dropzone",
      id: "source-dropzone",
      ondragover: (event) => {
        event.preventDefault();
        zone.classList.add("dragging");
      },
      ondragleave: () => zone.classList.remove("dragging"),
      ondrop: (event) => {
        event.preventDefault();
        zone.classList.remove("dragging");
        if (!event.dataTransfer?.files?.length) return;
        input.files = event.dataTransfer.files;
        describe();
      },
    },
    h("label", { for: "source-file" }, "File"),
    input,
    chosen,
    h("div", { class: "progress-row" }, progress, progressText),
  );
  return {
    input,
    field: h("div", { class: "field", hidden: true }, zone),
    async send(file) {
      progress.hidden = false;
      progress.value = 0;
      progressText.textContent = "";
      let shown = -1;
      const fileKey = await uploadFile(file, (loaded, total) => {
        const percent = total ? Math.floor((loaded * 100) / total) : 0;
        progress.value = percent;
        // Screen readers hear every 25%, not every event.
        if (percent === 100 || percent >= shown + 25) {
          shown = percent;
          progressText.textContent = `Uploaded ${percent}% of ${formatBytes(total)}`;
        }
      });
      progressText.textContent = `Uploaded ${file.name} · ${formatBytes(file.size)}`;
      return fileKey;
    },
    /** Ready for the next file; the last upload's line stays, as a receipt. */
    reset() {
      input.value = "";
      describe();
      progress.hidden = true;
    },
  };
}
