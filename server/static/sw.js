/* A currency's wallet's service worker (docs/pwa.md), scope /wallet/<code>/.
 *
 * Served at /wallet/<code>/sw.js by server/pwa_assets.py, which puts its configuration in
 * front of this file: self.REC_SW = {version, prefix, offline, assets, pages}.
 *   prefix: the start of this currency's cache names ("rec-wallet-rec-"); the cache is
 *           prefix + version. Other currencies' caches are never touched.
 *   offline: this currency's offline page (/wallet/<code>/offline).
 *   assets: files that change only with a new version (the stylesheet, the wallet's
 *           scripts, the ReactPy client, the icons): precached, answered cache first.
 *   pages:  the offline page and the manifest: precached, answered network first.
 * Every other request goes to the network untouched and is never stored: the wallet page
 * itself, GraphQL, payments, top-ups. Money is never answered from a cache.
 *
 * The version is a digest of everything precached: a change anywhere makes a new worker,
 * which fills a new cache and deletes the old ones when it takes over.
 */
"use strict";

const SCOPE = new URL(self.registration.scope).pathname; // "/wallet/rec/"
const CONFIG = self.REC_SW || { version: "dev", assets: [], pages: [SCOPE + "offline"] };
const PREFIX = CONFIG.prefix || "rec-wallet-dev-";
const CACHE = PREFIX + CONFIG.version;
const OFFLINE_PAGE = CONFIG.offline || SCOPE + "offline";
// The one cache of the worker all currencies shared at /wallet/sw.js, before each had its own.
const SHARED_CACHE = /^rec-wallet-[0-9a-f]{16}$/;
const ASSETS = new Set(CONFIG.assets);
const PAGES = new Set(CONFIG.pages);
// Never answered by this worker, whatever the lists above say: the API and the money.
const NEVER = ["/graphql", "/sandbox/", "/topup/", "/pay/", "/kyc/", "/wallet/sign-in", "/wallet/sign-out"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    (async function () {
      const cache = await caches.open(CACHE);
      // From the server, past the HTTP cache: an icon an hour old must not become this version's.
      const urls = CONFIG.assets.concat(CONFIG.pages);
      await cache.addAll(urls.map((url) => new Request(url, { cache: "reload" })));
      await self.skipWaiting(); // a new version replaces the old one without waiting
    })()
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    (async function () {
      const names = await caches.keys();
      const old = names.filter(
        (name) => (name.startsWith(PREFIX) && name !== CACHE) || SHARED_CACHE.test(name)
      );
      await Promise.all(old.map((name) => caches.delete(name)));
      // The page's request starts while the worker wakes up: network first costs no wait.
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      await self.clients.claim();
    })()
  );
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (NEVER.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (request.mode === "navigate") {
    if (url.pathname.startsWith(SCOPE)) event.respondWith(pageOrOffline(event));
  } else if (ASSETS.has(url.pathname + url.search)) {
    event.respondWith(cacheFirst(request));
  } else if (PAGES.has(url.pathname + url.search)) {
    event.respondWith(networkFirst(request));
  }
});

// A page of the wallet: always live from the network, never kept. Without a network, the
// offline page, which shows the last known balance as such.
async function pageOrOffline(event) {
  try {
    const preloaded = await event.preloadResponse;
    return preloaded || (await fetch(event.request));
  } catch (error) {
    const cache = await caches.open(CACHE);
    return (await cache.match(OFFLINE_PAGE)) || Response.error();
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    return (await cache.match(request, { ignoreVary: true })) || Response.error();
  }
}
