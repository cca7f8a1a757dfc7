/* Registers a currency's wallet's service worker (server/static/sw.js, served at
 * /wallet/<code>/sw.js; docs/pwa.md). The page names it: <body data-worker="/wallet/rec/sw.js"
 * data-wallet="/wallet/rec/">, and the worker's scope is that wallet's home. A file rather
 * than an inline script, so that a Content-Security-Policy without 'unsafe-inline' still
 * lets it run. ES2017, no libraries. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  const worker = document.body.getAttribute("data-worker");
  const scope = document.body.getAttribute("data-wallet");
  if (!worker || !scope) return;
  // After the page has loaded: precaching never competes with the wallet's first paint.
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(worker, { scope: scope }).catch(function (error) {
      console.warn("The wallet will not work offline: its service worker did not register.", error);
    });
    // The worker of /wallet/ from before each currency had its own wallet: retired.
    navigator.serviceWorker.getRegistrations().then(function (registrations) {
      registrations.forEach(function (registration) {
        if (new URL(registration.scope).pathname === "/wallet/") registration.unregister();
      });
    });
  });
})();
