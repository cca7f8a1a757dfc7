/* Sending a file from the wallet: an identity document from the profile (pwa/profile.py),
 * a shop's photo from its page (pwa/shop_photo.py).
 *
 * The wallet's live components talk over a WebSocket that cannot carry a file, so this
 * script sends it itself: it takes over the submit of a form marked data-kyc-upload (or
 * data-upload) and
 * POSTs it to /graphql as a GraphQL multipart request
 * (https://github.com/jaydenseric/graphql-multipart-request-spec): an `operations` part
 * (the persisted operation by name and SHA-256, as the official apps send it, with
 * `file: null`), a `map` part, and the file part "0". The browser sends the session
 * cookie (same origin; SameSite=Lax keeps other sites out, see docs/api-access.md).
 *
 * The form gives: data-operation (the operation's name), data-sha256 (its document's
 * hash), data-result (the id of an input of the live component), and holds a file input
 * named "file". The mutation's input is data-input (JSON, its other fields), with `kind`
 * from a select named "kind" if the form has one ("ID_DOCUMENT" when it has neither);
 * data-payload names the mutation's field in the answer (default: submitKycDocument);
 * data-size-max the largest file in bytes (default: 10 MB), said at once with
 * data-size-message (default: "10 MB at most"). The outcome, as JSON
 * {ok, error: {field, code, message} | null, n}, is written into the result input and
 * followed by an input event, so the component sees it as if typed: it says what
 * happened in the person's language and reloads the documents.
 *
 * A plain script (no inline code, no build step, no libraries), ES2017.
 */
(function () {
  "use strict";

  if (window.recWalletUpload) return; // the wallet may render its <script> more than once
  window.recWalletUpload = true;

  const SIZE_MAX = 10 * 1024 * 1024; // the KYC API's limit: said at once, nothing sent
  const SIZE_MESSAGE = "10 MB at most";
  const valueSetter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  let sent = 0;

  function report(form, outcome) {
    const target = document.getElementById(form.getAttribute("data-result") || "");
    if (!target) return;
    sent += 1;
    valueSetter.call(target, JSON.stringify(Object.assign({ n: sent }, outcome)));
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function failed(code, field, message) {
    return { ok: false, error: { code: code, field: field, message: message || "" } };
  }

  function outcomeOf(body, field) {
    if (!body || typeof body !== "object") return failed("UNAVAILABLE", null, "");
    if (body.errors && body.errors.length) {
      const first = body.errors[0];
      const code = (first.extensions && first.extensions.code) || "UNAVAILABLE";
      return failed(code, null, first.message);
    }
    const payload = body.data && body.data[field];
    if (!payload) return failed("UNAVAILABLE", null, "");
    if (payload.errors && payload.errors.length) {
      const first = payload.errors[0];
      return failed(first.code, first.field, first.message);
    }
    return { ok: true, error: null };
  }

  function inputOf(form) {
    const given = form.getAttribute("data-input");
    let input = {};
    if (given) {
      try {
        input = JSON.parse(given) || {};
      } catch (error) {
        input = {};
      }
    }
    const kind = form.querySelector('[name="kind"]');
    if (kind) input.kind = kind.value;
    else if (!given) input.kind = "ID_DOCUMENT";
    input.file = null;
    return input;
  }

  async function send(form) {
    const picker = form.querySelector('input[type="file"][name="file"]');
    const file = picker && picker.files && picker.files[0];
    const sizeMax = parseInt(form.getAttribute("data-size-max") || "", 10) || SIZE_MAX;
    const tooBig = form.getAttribute("data-size-message") || SIZE_MESSAGE;
    const field = form.getAttribute("data-payload") || "submitKycDocument";
    if (!file || file.size === 0) return failed("INVALID_INPUT", "file", "the file is empty");
    if (file.size > sizeMax) return failed("INVALID_INPUT", "file", tooBig);
    const operations = {
      operationName: form.getAttribute("data-operation"),
      variables: { input: inputOf(form) },
      extensions: {
        persistedQuery: { version: 1, sha256Hash: form.getAttribute("data-sha256") },
      },
    };
    const body = new FormData();
    body.append("operations", JSON.stringify(operations));
    body.append("map", JSON.stringify({ 0: ["variables.input.file"] }));
    body.append("0", file, file.name || "document");
    let response;
    try {
      response = await fetch("/graphql", {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { accept: "application/json" },
      });
    } catch (error) {
      return failed("UNAVAILABLE", null, "");
    }
    if (response.status === 413) return failed("INVALID_INPUT", "file", tooBig);
    try {
      const answer = outcomeOf(await response.json(), field);
      if (answer.ok) picker.value = "";
      return answer;
    } catch (error) {
      return failed("UNAVAILABLE", null, "");
    }
  }

  document.addEventListener(
    "submit",
    function (event) {
      const form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      if (!form.hasAttribute("data-kyc-upload") && !form.hasAttribute("data-upload")) return;
      event.preventDefault();
      event.stopPropagation(); // the live component has nothing to do with this submit
      if (form.getAttribute("aria-busy") === "true") return;
      const button = form.querySelector('button[type="submit"]');
      form.setAttribute("aria-busy", "true");
      if (button) button.disabled = true;
      send(form).then(function (outcome) {
        form.removeAttribute("aria-busy");
        if (button) button.disabled = false;
        report(form, outcome);
      });
    },
    true,
  );
})();
