/* Registers the wallet's service worker (server/static/sw.js, served at /wallet/sw.js;
 * docs/pwa.md). A file rather than an inline script, so that a Content-Security-Policy
 * without 'unsafe-inline' still lets it run. ES2017, no libraries. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  // After the page has loaded: precaching never competes with the wallet's first paint.
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/wallet/sw.js", { scope: "/wallet/" }).catch(function (error) {
      console.warn("The wallet will not work offline: its service worker did not register.", error);
    });
  });
})();
