/* The wallet's map of shops (pwa/directory.py): a Leaflet map drawn from data attributes.
 *
 * The element marked data-wallet-map says what to draw, and the live component changes it
 * as the person filters; a MutationObserver follows those changes (and the element being
 * replaced or removed):
 *   - data-shops: JSON [{id, name, lat, lng}], one marker each;
 *   - data-selected: the chosen shop's id, its marker shown apart and brought into view;
 *   - data-tiles, data-attribution: the tile server's {z}/{x}/{y} template and its credit,
 *     from the server's settings; empty: no tile layer at all, nothing asked of anyone;
 *   - data-area: "on" while the list keeps to the map's visible area: after each move the
 *     area, "south,west,north,east", is written into the input whose id is in
 *     data-bbox-input (followed by an input event, so the component sees it as typed);
 *     "off": the map fits itself to the shops;
 *   - data-list: the id of the list whose buttons (data-shop-id) a marker's click
 *     presses, so that the list item shows the shop's details;
 *   - data-text-zoom-in, data-text-zoom-out: the zoom buttons' labels.
 *
 * Leaflet and its stylesheet (vendored, /static/vendor/leaflet/) load on first use.
 * A plain script (no inline code, no build step, no libraries besides Leaflet), ES2017.
 */
(function () {
  "use strict";

  if (window.recWalletMap) return; // the wallet may render its <script> more than once
  window.recWalletMap = true;

  const LEAFLET = "/static/vendor/leaflet/";
  const WORLD_CENTER = [20, 0];
  const WORLD_ZOOM = 2;
  const SHOP_ZOOM = 16; // one shop alone, or the closest a fit goes
  const FIT_PADDING = [28, 28];
  const SELECTED_LOOK = "hue-rotate(150deg) saturate(1.8)";
  const WATCHED = ["data-shops", "data-selected", "data-area"];
  const valueSetter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  const maps = new Map(); // container -> its map's state
  let loading = null;
  let scheduled = false;

  /* --- Leaflet, on first use --- */

  function loadStylesheet() {
    const href = LEAFLET + "leaflet.css";
    const known = document.querySelector('link[data-leaflet="css"]');
    if (known) return known.recLoaded || Promise.resolve();
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.setAttribute("data-leaflet", "css");
    link.recLoaded = new Promise(function (resolve) {
      link.onload = resolve;
      link.onerror = resolve; // a map without its styles is still a map
    });
    document.head.appendChild(link);
    return link.recLoaded;
  }

  function loadScript() {
    if (window.L && window.L.map) return Promise.resolve(window.L);
    return new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = LEAFLET + "leaflet.js";
      script.onload = function () {
        if (window.L && window.L.map) resolve(window.L);
        else reject(new Error("Leaflet did not load"));
      };
      script.onerror = function () {
        reject(new Error("Leaflet did not load"));
      };
      document.head.appendChild(script);
    });
  }

  function loadLeaflet() {
    if (!loading) {
      loading = Promise.all([loadStylesheet(), loadScript()]).then(function (done) {
        const L = done[1];
        L.Icon.Default.imagePath = LEAFLET + "images/"; // never guessed from the page's URL
        return L;
      });
      loading.catch(function () {
        loading = null; // the next change tries again
      });
    }
    return loading;
  }

  /* --- What the container says --- */

  function shopsOf(container) {
    let list;
    try {
      list = JSON.parse(container.getAttribute("data-shops") || "[]");
    } catch (error) {
      return [];
    }
    if (!Array.isArray(list)) return [];
    return list.filter(function (shop) {
      return (
        shop &&
        typeof shop.id === "string" &&
        isFinite(shop.lat) &&
        isFinite(shop.lng) &&
        Math.abs(shop.lat) <= 90 &&
        Math.abs(shop.lng) <= 180
      );
    });
  }

  function areaOn(container) {
    return container.getAttribute("data-area") === "on";
  }

  /* --- The list: a marker presses its shop's button --- */

  function listButton(container, id) {
    const list = document.getElementById(container.getAttribute("data-list") || "");
    if (!list) return null;
    const buttons = list.querySelectorAll("button[data-shop-id]");
    for (let i = 0; i < buttons.length; i += 1) {
      if (buttons[i].getAttribute("data-shop-id") === id) return buttons[i];
    }
    return null;
  }

  function choose(state, id) {
    const button = listButton(state.container, id);
    if (!button) return;
    if (button.getAttribute("aria-expanded") !== "true") button.click();
    button.focus({ preventScroll: true });
    button.scrollIntoView({ block: "nearest" });
  }

  /* --- The map --- */

  function sendArea(state) {
    if (!areaOn(state.container)) return;
    const input = document.getElementById(state.container.getAttribute("data-bbox-input") || "");
    if (!input) return;
    const bounds = state.map.getBounds();
    const value = [bounds.getSouth(), bounds.getWest(), bounds.getNorth(), bounds.getEast()]
      .map(function (degrees) {
        return degrees.toFixed(6);
      })
      .join(",");
    if (input.value === value) return;
    valueSetter.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function fit(state) {
    const points = [];
    state.markers.forEach(function (marker) {
      points.push(marker.getLatLng());
    });
    if (points.length === 1) state.map.setView(points[0], SHOP_ZOOM);
    else if (points.length > 1) {
      state.map.fitBounds(window.L.latLngBounds(points), {
        padding: FIT_PADDING,
        maxZoom: SHOP_ZOOM,
      });
    }
  }

  function showSelected(state, bringIntoView) {
    const selected = state.container.getAttribute("data-selected") || "";
    state.markers.forEach(function (marker, id) {
      const chosen = id === selected;
      marker.setZIndexOffset(chosen ? 1000 : 0);
      const icon = marker.getElement();
      if (icon) {
        icon.style.filter = chosen ? SELECTED_LOOK : "";
        icon.setAttribute("aria-pressed", chosen ? "true" : "false");
      }
      if (chosen && bringIntoView && !state.map.getBounds().contains(marker.getLatLng())) {
        state.map.panTo(marker.getLatLng());
      }
    });
  }

  function drawShops(state, L) {
    state.layer.clearLayers();
    state.markers = new Map();
    shopsOf(state.container).forEach(function (shop) {
      const name = String(shop.name || "");
      const marker = L.marker([shop.lat, shop.lng], {
        title: name,
        alt: name,
        keyboard: true,
        riseOnHover: true,
      });
      marker.on("click", function () {
        choose(state, shop.id);
      });
      marker.addTo(state.layer);
      const icon = marker.getElement();
      if (icon) icon.setAttribute("data-shop-id", shop.id);
      state.markers.set(shop.id, marker);
    });
  }

  function create(container, L) {
    const map = L.map(container, { zoomControl: false, worldCopyJump: true });
    L.control
      .zoom({
        zoomInTitle: container.getAttribute("data-text-zoom-in") || "Zoom in",
        zoomOutTitle: container.getAttribute("data-text-zoom-out") || "Zoom out",
      })
      .addTo(map);
    map.setView(WORLD_CENTER, WORLD_ZOOM);
    const tiles = container.getAttribute("data-tiles") || "";
    if (/^https?:\/\//i.test(tiles)) {
      L.tileLayer(tiles, {
        attribution: container.getAttribute("data-attribution") || "",
        maxZoom: 19,
      }).addTo(map);
    }
    const state = {
      container: container,
      map: map,
      layer: L.layerGroup().addTo(map),
      markers: new Map(),
      seen: {},
    };
    map.on("moveend", function () {
      sendArea(state);
    });
    return state;
  }

  function sync(container, L) {
    let state = maps.get(container);
    if (!state) {
      state = create(container, L);
      maps.set(container, state);
    }
    const now = {};
    WATCHED.forEach(function (name) {
      now[name] = container.getAttribute(name) || "";
    });
    const seen = state.seen;
    state.seen = now;
    const shopsChanged = now["data-shops"] !== seen["data-shops"];
    const areaChanged = now["data-area"] !== seen["data-area"];
    if (shopsChanged) drawShops(state, L);
    if ((shopsChanged || areaChanged) && !areaOn(container)) fit(state);
    if (areaChanged && areaOn(container)) sendArea(state);
    if (shopsChanged || now["data-selected"] !== seen["data-selected"]) {
      showSelected(state, now["data-selected"] !== seen["data-selected"]);
    }
  }

  function scan() {
    scheduled = false;
    maps.forEach(function (state, container) {
      if (!container.isConnected) {
        state.map.remove();
        maps.delete(container);
      }
    });
    const containers = document.querySelectorAll("[data-wallet-map]");
    if (!containers.length) return;
    loadLeaflet().then(
      function (L) {
        containers.forEach(function (container) {
          if (container.isConnected) sync(container, L);
        });
      },
      function () {
        /* Leaflet did not load: the list still works; the next change tries again */
      }
    );
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setTimeout(scan, 0);
  }

  new MutationObserver(schedule).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: WATCHED,
  });
  schedule();
})();
