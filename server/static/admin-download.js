/* Downloading a report with a progress indicator (admin_ui/reports.py).
 *
 * A link marked data-report-download is fetched here instead of by the browser: while the
 * file streams in, the <progress> whose id is in data-progress shows how much has arrived
 * (a bar when the size is known, moving otherwise) and the element whose id is in
 * data-status says how many kilobytes and lines so far. Once complete, the file is saved
 * under the name the server gave (Content-Disposition). A refusal (a bad period, signed
 * out) is said in the status element instead.
 *
 * A plain script (no inline code, no build step, no libraries), ES2017.
 */
(function () {
  "use strict";

  if (window.recAdminDownload) return; // the panel may render its <script> more than once
  window.recAdminDownload = true;

  function filenameOf(response, fallback) {
    const header = response.headers.get("content-disposition") || "";
    const found = /filename="([^"]+)"/.exec(header);
    return found ? found[1] : fallback;
  }

  function say(status, text) {
    if (status) status.textContent = text;
  }

  async function download(link) {
    const progress = document.getElementById(link.getAttribute("data-progress") || "");
    const status = document.getElementById(link.getAttribute("data-status") || "");
    if (link.getAttribute("aria-busy") === "true") return;
    link.setAttribute("aria-busy", "true");
    if (progress) {
      progress.hidden = false;
      progress.removeAttribute("value");
    }
    say(status, "Preparing the report…");
    try {
      const response = await fetch(link.href, { credentials: "same-origin" });
      if (!response.ok) {
        say(status, "Not downloaded: " + (await response.text()).slice(0, 300));
        return;
      }
      const size = Number(response.headers.get("content-length") || 0);
      if (progress && size) progress.max = size;
      const reader = response.body.getReader();
      const parts = [];
      let received = 0;
      let lines = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        received += value.length;
        for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
        if (progress && size) progress.value = received;
        say(
          status,
          "Received " + (received / 1024).toFixed(1) + " KB" +
            (size ? " of " + (size / 1024).toFixed(1) + " KB" : ", " + lines + " lines") + "…"
        );
      }
      const type = response.headers.get("content-type") || "application/octet-stream";
      const url = URL.createObjectURL(new Blob(parts, { type: type }));
      const save = document.createElement("a");
      save.href = url;
      save.download = filenameOf(response, "report");
      document.body.appendChild(save);
      save.click();
      save.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      if (progress) {
        progress.max = 1;
        progress.value = 1;
      }
      say(
        status,
        "Saved " + save.download + ": " + (received / 1024).toFixed(1) + " KB" +
          (size ? "" : ", " + lines + " lines") + "."
      );
    } catch (problem) {
      say(status, "The download stopped: " + problem);
    } finally {
      link.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("click", function (event) {
    const link = event.target instanceof Element && event.target.closest("a[data-report-download]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    download(link);
  });
})();
