/* The wallet's QR code scanner (pwa/pay.py): reads a charge screen's code with the camera.
 *
 * A button marked data-scan-button opens the camera (the rear one when there is a choice)
 * in a dialog; each frame is decoded with the vendored jsQR (/static/vendor/jsqr/jsQR.js,
 * loaded on first use). What is understood:
 *   - a pay link of this currency's wallet, <origin>/wallet/<code>/pay?to=<handle>&amount=
 *     12.50&memo=..., where the origin is this page's or the button's data-origin (the
 *     public URL) and the path one of the button's data-pay-paths (a pay link of another
 *     currency is not understood: its amount means other money);
 *   - a bare handle, with or without @.
 * It is written into the form's inputs marked data-scan-field="to|amount|memo", each
 * followed by an input event, so the live component sees it as typed. Anything else
 * leaves the camera on with a word about it. No camera, or no permission: the message
 * says so, and typing the handle works as ever.
 *
 * The texts come from the button, in the person's language: data-text-title, -video,
 * -close, -starting, -refused, -no-camera, -not-pay, -found. Messages go to the element
 * whose id is in data-scan-message (a live region).
 *
 * A plain script (no inline code, no build step, no libraries besides jsQR), ES2017.
 */
(function () {
  "use strict";

  if (window.recWalletScan) return; // the wallet may render its <script> more than once
  window.recWalletScan = true;

  const JSQR = "/static/vendor/jsqr/jsQR.js";
  const HANDLE = /^@?[a-z0-9][a-z0-9-]{0,31}$/i;
  const FRAME_MS = 150;
  const WIDTH_MAX = 640; // frames are decoded at this width at most: enough for a QR code
  let jsqrLoading = null;
  let open = null; // the scan in progress: { stop() }

  function loadJsQR() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    if (!jsqrLoading) {
      jsqrLoading = new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = JSQR;
        script.onload = function () {
          if (window.jsQR) resolve(window.jsQR);
          else reject(new Error("jsQR did not load"));
        };
        script.onerror = function () {
          jsqrLoading = null;
          reject(new Error("jsQR did not load"));
        };
        document.head.appendChild(script);
      });
    }
    return jsqrLoading;
  }

  function say(button, key) {
    const target = document.getElementById(button.getAttribute("data-scan-message") || "");
    if (target) target.textContent = button.getAttribute("data-text-" + key) || "";
  }

  /* --- What a code says: {to, amount, memo} (amount and memo may be absent), or null --- */

  function understood(content, button) {
    const data = String(content || "").trim();
    if (HANDLE.test(data)) return { to: data.replace(/^@/, "") };
    let url;
    try {
      url = new URL(data, window.location.origin);
    } catch (error) {
      return null;
    }
    const origins = [window.location.origin];
    try {
      origins.push(new URL(button.getAttribute("data-origin") || "").origin);
    } catch (error) {
      /* no public URL given: this page's origin only */
    }
    const path = url.pathname.replace(/\/+$/, "");
    const payPaths = (button.getAttribute("data-pay-paths") || "").split(" ").filter(Boolean);
    if (origins.indexOf(url.origin) < 0 || payPaths.indexOf(path) < 0) return null;
    if (!/^(https?:|\/)/i.test(data)) return null; // a bare word is not a link
    const to = (url.searchParams.get("to") || "").trim();
    if (!to) return null;
    const found = { to: to, link: payPaths[0] + url.search };
    if (url.searchParams.has("amount")) found.amount = url.searchParams.get("amount");
    if (url.searchParams.has("memo")) found.memo = url.searchParams.get("memo");
    return found;
  }

  /* --- Filling the form as typing would --- */

  const valueSetter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;

  function fill(button, found) {
    const form = button.closest("form") || document;
    let filled = 0;
    ["to", "amount", "memo"].forEach(function (name) {
      if (typeof found[name] !== "string") return;
      const input = form.querySelector('[data-scan-field="' + name + '"]');
      if (!input) return;
      valueSetter.call(input, found[name].slice(0, input.maxLength > 0 ? input.maxLength : 200));
      input.dispatchEvent(new Event("input", { bubbles: true }));
      filled += 1;
    });
    return filled > 0;
  }

  /* --- The camera dialog --- */

  function dialog(button) {
    const overlay = document.createElement("div");
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-labelledby", "scan-title");
    overlay.setAttribute("data-testid", "scan-dialog");
    Object.assign(overlay.style, {
      position: "fixed",
      inset: "0",
      zIndex: "1000",
      background: "rgba(0, 0, 0, .85)",
      color: "#fff",
      display: "flex",
      flexDirection: "column",
      alignItems: "center",
      justifyContent: "center",
      gap: ".75rem",
      padding: "1rem",
    });
    const title = document.createElement("h2");
    title.id = "scan-title";
    title.textContent = button.getAttribute("data-text-title") || "";
    Object.assign(title.style, { margin: "0", fontSize: "1.15rem", textAlign: "center" });
    const video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.setAttribute("aria-label", button.getAttribute("data-text-video") || "");
    video.muted = true;
    Object.assign(video.style, {
      width: "100%",
      maxWidth: "28rem",
      maxHeight: "60vh",
      borderRadius: ".75rem",
      background: "#000",
    });
    const status = document.createElement("p");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.setAttribute("data-testid", "scan-status");
    status.textContent = button.getAttribute("data-text-starting") || "";
    Object.assign(status.style, { margin: "0", textAlign: "center", minHeight: "1.5em" });
    const close = document.createElement("button");
    close.type = "button";
    close.setAttribute("data-testid", "scan-close");
    close.textContent = button.getAttribute("data-text-close") || "×";
    overlay.append(title, video, status, close);
    document.body.appendChild(overlay);
    return { overlay: overlay, video: video, status: status, close: close };
  }

  function problemKey(error) {
    const name = (error && error.name) || "";
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError")
      return "refused";
    return "no-camera";
  }

  async function scan(button) {
    if (open) return;
    say(button, "starting");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(button, "no-camera"); // no camera API, or not a secure context
      return;
    }
    let stream;
    let decode;
    try {
      decode = await loadJsQR();
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" } },
      });
    } catch (error) {
      say(button, problemKey(error));
      return;
    }
    const parts = dialog(button);
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    let timer = null;
    let stopped = false;

    function stop(restoreFocus) {
      if (stopped) return;
      stopped = true;
      open = null;
      window.clearTimeout(timer);
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
      document.removeEventListener("keydown", onKey, true);
      parts.overlay.remove();
      if (restoreFocus) button.focus();
    }

    function onKey(event) {
      if (event.key === "Escape") {
        event.preventDefault();
        stop(true);
        say(button, "");
      } else if (event.key === "Tab") {
        event.preventDefault(); // the dialog's one control keeps the focus
        parts.close.focus();
      }
    }

    function frame() {
      if (stopped) return;
      const video = parts.video;
      if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
        const scale = Math.min(1, WIDTH_MAX / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const code = decode(image.data, image.width, image.height, {
          inversionAttempts: "attemptBoth",
        });
        if (code && code.data) {
          const found = understood(code.data, button);
          if (found && fill(button, found)) {
            stop(true);
            say(button, "found");
            return;
          }
          if (found && found.link) {
            stop(false); // no form to fill here: the pay screen opens filled in
            window.location.assign(found.link);
            return;
          }
          parts.status.textContent = button.getAttribute("data-text-not-pay") || "";
        }
      }
      timer = window.setTimeout(frame, FRAME_MS);
    }

    open = { stop: stop };
    parts.close.addEventListener("click", function () {
      stop(true);
      say(button, "");
    });
    document.addEventListener("keydown", onKey, true);
    parts.close.focus();
    parts.video.srcObject = stream;
    try {
      await parts.video.play();
    } catch (error) {
      /* autoplay of a muted inline video is allowed; frames are read either way */
    }
    frame();
  }

  document.addEventListener("click", function (event) {
    const button = event.target && event.target.closest && event.target.closest("[data-scan-button]");
    if (!button) return;
    event.preventDefault();
    scan(button);
  });

  // Leaving the page (or the pay screen going away) turns the camera off.
  window.addEventListener("pagehide", function () {
    if (open) open.stop(false);
  });
})();
