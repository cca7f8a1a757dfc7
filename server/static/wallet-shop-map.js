/* The shop page's place picker (pwa/shop.py): a Leaflet map with one draggable marker.
 *
 * The element marked data-shop-map holds the map; it names two inputs by their ids:
 *   - data-lat-input, data-lng-input: the latitude and longitude fields of the form.
 * Tapping the map or dropping the marker writes the place into those inputs (6 decimals)
 * and sends an input event from each, so the live component sees it as typed; typing in
 * them moves the marker. The inputs stay the way to give the place by keyboard.
 *   - data-tiles, data-attribution: the tile server's {z}/{x}/{y} template and its credit
 *     (the component renders no map at all when the server has no tiles);
 *   - data-text-marker, data-text-zoom-in, data-text-zoom-out: labels.
 *
 * Leaflet and its stylesheet (vendored, /static/vendor/leaflet/) load on first use.
 * A plain script (no inline code, no build step, no libraries besides Leaflet), ES2017.
 */
(function () {
  "use strict";

  if (window.recShopMap) return; // the wallet may render its <script> more than once
  window.recShopMap = true;

  const LEAFLET = "/static/vendor/leaflet/";
  const SHOP_ZOOM = 17;
  const WORLD_CENTER = [20, 0];
  const WORLD_ZOOM = 2;
  const valueSetter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  const pickers = new Map(); // container -> {map, marker}
  let loading = null;
  let scheduled = false;

  function loadLeaflet() {
    if (loading) return loading;
    const css = new Promise(function (resolve) {
      if (document.querySelector('link[data-leaflet="css"]')) return resolve();
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = LEAFLET + "leaflet.css";
      link.setAttribute("data-leaflet", "css");
      link.onload = resolve;
      link.onerror = resolve; // a map without its styles is still a map
      document.head.appendChild(link);
    });
    const js = new Promise(function (resolve, reject) {
      if (window.L && window.L.map) return resolve(window.L);
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
    loading = Promise.all([css, js]).then(function (done) {
      done[1].Icon.Default.imagePath = LEAFLET + "images/";
      return done[1];
    });
    loading.catch(function () {
      loading = null; // the next change tries again
    });
    return loading;
  }

  function inputs(container) {
    return [
      document.getElementById(container.getAttribute("data-lat-input") || ""),
      document.getElementById(container.getAttribute("data-lng-input") || ""),
    ];
  }

  function typedPlace(container) {
    const found = inputs(container);
    if (!found[0] || !found[1]) return null;
    const lat = parseFloat(found[0].value.replace(",", "."));
    const lng = parseFloat(found[1].value.replace(",", "."));
    if (!isFinite(lat) || !isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
      return null;
    }
    return [lat, lng];
  }

  function write(container, latlng) {
    const found = inputs(container);
    const values = [latlng.lat, latlng.lng].map(function (degrees) {
      return degrees.toFixed(6);
    });
    found.forEach(function (input, index) {
      if (!input || input.value === values[index]) return;
      valueSetter.call(input, values[index]);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  function create(container, L) {
    const map = L.map(container, { zoomControl: false });
    L.control
      .zoom({
        zoomInTitle: container.getAttribute("data-text-zoom-in") || "Zoom in",
        zoomOutTitle: container.getAttribute("data-text-zoom-out") || "Zoom out",
      })
      .addTo(map);
    const tiles = container.getAttribute("data-tiles") || "";
    if (/^https?:\/\//i.test(tiles)) {
      L.tileLayer(tiles, {
        attribution: container.getAttribute("data-attribution") || "",
        maxZoom: 19,
      }).addTo(map);
    }
    const place = typedPlace(container);
    map.setView(place || WORLD_CENTER, place ? SHOP_ZOOM : WORLD_ZOOM);
    const title = container.getAttribute("data-text-marker") || "";
    const marker = L.marker(place || WORLD_CENTER, {
      draggable: true,
      autoPan: true,
      keyboard: true,
      title: title,
      alt: title,
    }).addTo(map);
    marker.on("dragend", function () {
      write(container, marker.getLatLng());
    });
    map.on("click", function (event) {
      marker.setLatLng(event.latlng);
      write(container, event.latlng);
    });
    return { map: map, marker: marker };
  }

  function follow(container) {
    // Typed coordinates move the marker (and the map, when the marker leaves the view).
    const picker = pickers.get(container);
    const place = typedPlace(container);
    if (!picker || !place) return;
    const now = picker.marker.getLatLng();
    if (now.lat.toFixed(6) === place[0].toFixed(6) && now.lng.toFixed(6) === place[1].toFixed(6)) {
      return;
    }
    picker.marker.setLatLng(place);
    if (!picker.map.getBounds().contains(place)) picker.map.setView(place, SHOP_ZOOM);
  }

  function scan() {
    scheduled = false;
    pickers.forEach(function (picker, container) {
      if (!container.isConnected) {
        picker.map.remove();
        pickers.delete(container);
      }
    });
    const containers = document.querySelectorAll("[data-shop-map]");
    if (!containers.length) return;
    loadLeaflet().then(
      function (L) {
        containers.forEach(function (container) {
          if (!container.isConnected) return;
          if (!pickers.has(container)) pickers.set(container, create(container, L));
          else follow(container);
        });
      },
      function () {
        /* Leaflet did not load: the typed coordinates still work */
      }
    );
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setTimeout(scan, 0);
  }

  document.addEventListener("input", function (event) {
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || !target.id) return;
    pickers.forEach(function (picker, container) {
      const ids = [container.getAttribute("data-lat-input"), container.getAttribute("data-lng-input")];
      if (ids.indexOf(target.id) >= 0) follow(container);
    });
  });
  new MutationObserver(schedule).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  schedule();
})();
