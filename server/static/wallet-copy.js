/* Copying a secret shown once (pwa/accounts_parts.py `secret_panel`).
 *
 * A button marked data-copy-from="<id of a read-only input>" copies that input's value to
 * the clipboard and selects it (so that copying by hand works too when the clipboard is
 * refused). The word about it goes to the element whose id is in data-copy-status, from
 * the button's data-text-copied or data-text-failed, in the person's language.
 *
 * A plain script (no inline code, no build step, no libraries), ES2017.
 */
(function () {
  "use strict";

  if (window.recWalletCopy) return; // the wallet may render its <script> more than once
  window.recWalletCopy = true;

  document.addEventListener("click", async function (event) {
    const button = event.target instanceof Element && event.target.closest("[data-copy-from]");
    if (!button) return;
    const field = document.getElementById(button.getAttribute("data-copy-from") || "");
    const status = document.getElementById(button.getAttribute("data-copy-status") || "");
    if (!field) return;
    field.focus();
    field.select();
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    } catch (problem) {
      copied = false;
    }
    if (status) {
      status.textContent =
        button.getAttribute(copied ? "data-text-copied" : "data-text-failed") || "";
    }
  });
})();
