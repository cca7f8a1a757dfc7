/* The wallet's last known balance, for when the network is down (docs/pwa.md).
 *
 * On the wallet page: keeps a snapshot of the balance and the recent activity the wallet
 * shows in localStorage, and follows the live updates with a MutationObserver. The wallet
 * exposes them as <p data-testid="home-balance" data-amount="12.50" data-currency="REC">
 * and <ul data-testid="recent-activity"> of <li data-testid="activity-item">.
 *
 * On the offline page (pwa/templates/offline.html): shows that snapshot, labelled with the
 * time it was taken, and a button to try the live wallet again.
 *
 * Each currency's wallet keeps its own snapshot: the page says which currency it is and
 * where that wallet lives (<body data-currency="REC" data-wallet="/wallet/rec/"
 * data-offline="/wallet/rec/offline">), and a balance in another currency is never kept.
 * The snapshot, under localStorage["rec.wallet.snapshot.REC"]:
 *   {"format": 1, "savedAt": <ms since 1970>,
 *    "balance": {"amount": "12.50", "currency": "REC", "text": "<the element's text>"},
 *    "activity": ["<each item's text>", ...]}
 *
 * ES2017, no build step, no libraries.
 */
(function () {
  "use strict";

  const PAGE = document.body.dataset;
  const CURRENCY = PAGE.currency || "";
  const KEY_PREFIX = "rec.wallet.snapshot";
  const KEY = KEY_PREFIX + "." + CURRENCY;
  const FORMAT = 1;
  const MAX_ITEMS = 20;
  const WALLET = PAGE.wallet || "/wallet/";
  const OFFLINE_PAGE = PAGE.offline || "";

  /* --- The snapshot in storage (which a private window or a full disk may refuse) --- */

  function readSnapshot() {
    try {
      const snapshot = JSON.parse(localStorage.getItem(KEY));
      return snapshot && snapshot.format === FORMAT && snapshot.balance ? snapshot : null;
    } catch (error) {
      return null;
    }
  }

  function writeSnapshot(snapshot) {
    try {
      localStorage.setItem(KEY, JSON.stringify(snapshot));
    } catch (error) {
      console.warn("The wallet could not keep its last balance for offline use:", error);
    }
  }

  // Every currency's snapshot, and the one all currencies shared before: a new person.
  function forgetSnapshots() {
    try {
      const keys = [];
      for (let index = 0; index < localStorage.length; index += 1) {
        const key = localStorage.key(index);
        if (key === KEY_PREFIX || key.indexOf(KEY_PREFIX + ".") === 0) keys.push(key);
      }
      keys.forEach(function (key) {
        localStorage.removeItem(key);
      });
    } catch (error) {
      /* nothing was kept */
    }
  }

  /* --- On the wallet page: take snapshots of what the wallet shows --- */

  function textOf(element) {
    return (element.innerText || element.textContent || "").replace(/\s+/g, " ").trim();
  }

  // What the page shows now, or null when it shows no balance (signed out, another screen).
  function shownData() {
    const balance = document.querySelector('[data-testid="home-balance"]');
    if (!balance || balance.getAttribute("data-currency") !== CURRENCY) return null;
    const list = document.querySelector('[data-testid="recent-activity"]');
    const items = list ? list.querySelectorAll('[data-testid="activity-item"]') : [];
    return {
      balance: {
        amount: balance.getAttribute("data-amount") || "",
        currency: balance.getAttribute("data-currency") || "",
        text: textOf(balance),
      },
      activity: Array.from(items).slice(0, MAX_ITEMS).map(textOf),
    };
  }

  function watchWallet() {
    // The time of a snapshot is when this page first showed its data, or when the data
    // last changed: never later, so that the offline page never claims fresher news.
    let lastSaved = "";
    let pending = 0;
    let stopped = false;

    function save() {
      pending = 0;
      const data = stopped ? null : shownData();
      if (!data) return;
      const content = JSON.stringify(data);
      if (content === lastSaved) return; // re-rendered, unchanged
      lastSaved = content;
      writeSnapshot({ format: FORMAT, savedAt: Date.now(), balance: data.balance, activity: data.activity });
    }

    // A render changes many nodes at once: one snapshot per burst.
    function soon() {
      if (!pending) pending = setTimeout(save, 100);
    }

    const observer = new MutationObserver(soon);
    observer.observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["data-amount", "data-currency"],
    });
    soon();

    window.addEventListener("pagehide", function () {
      if (pending) {
        clearTimeout(pending);
        save();
      }
    });

    // Signing in or out: this device no longer shows that person's money, even offline.
    document.addEventListener(
      "submit",
      function (event) {
        const action = new URL(event.target.getAttribute("action") || "", location.href);
        if (/^\/wallet\/sign-(in|out)$/.test(action.pathname)) {
          stopped = true;
          observer.disconnect();
          forgetSnapshots();
        }
      },
      true
    );
  }

  /* --- On the offline page: show the last snapshot --- */

  // "12.50", "REC", "ca" -> "12,50 REC": the amount's own decimals, the language's separators.
  function money(amount, currency, language) {
    const match = /^-?\d+(?:\.(\d+))?$/.exec(amount);
    if (!match) return null;
    const places = match[1] ? match[1].length : 0;
    const format = new Intl.NumberFormat(language, {
      minimumFractionDigits: places,
      maximumFractionDigits: places,
    });
    // A decimal string keeps every digit where Intl reads strings exactly (Intl v3).
    return format.format(amount) + (currency ? " " + currency : "");
  }

  // "Saldo conegut a les 14:32", or "… el 3 de març a les 14:32" for an earlier day;
  // in the currency's time zone, as the wallet shows its times.
  function knownAtLabel(words, savedAt, language) {
    const when = new Date(savedAt);
    const zone = words.timezone || undefined;
    const day = function (moment) {
      return new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(moment);
    };
    const time = new Intl.DateTimeFormat(language, {
      hour: "numeric",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone: zone,
    }).format(when);
    const hour = Number(
      new Intl.DateTimeFormat("en-GB", { hour: "numeric", hourCycle: "h23", timeZone: zone }).format(when)
    );
    let label = words.known;
    if (day(when) !== day(new Date())) {
      const sameYear = day(when).slice(0, 4) === day(new Date()).slice(0, 4);
      const date = new Intl.DateTimeFormat(language, {
        day: "numeric",
        month: "long",
        year: sameYear ? undefined : "numeric",
        timeZone: zone,
      }).format(when);
      label += " " + words.on.replace("{date}", date);
    }
    return label + " " + (hour === 1 ? words.atOne : words.at).replace("{time}", time);
  }

  function showSnapshot(page) {
    const language = document.documentElement.lang || "ca";
    const snapshot = readSnapshot();
    const find = function (id) {
      return page.querySelector('[data-testid="' + id + '"]');
    };
    if (snapshot) {
      find("offline-known-at").textContent = knownAtLabel(page.dataset, snapshot.savedAt, language);
      const balance = snapshot.balance;
      find("offline-balance").textContent =
        money(balance.amount, balance.currency, language) || balance.text;
      const list = find("offline-activity");
      (snapshot.activity || []).forEach(function (text) {
        const item = document.createElement("li");
        item.textContent = text; // text, never HTML
        list.appendChild(item);
      });
      find("offline-snapshot").hidden = false;
      find("offline-nothing-saved").hidden = true;
    }
    // Back to the live wallet: the same address (the worker answered it with this page),
    // or the wallet's home when this page was opened by its own address.
    const retry = function () {
      if (location.pathname === OFFLINE_PAGE) location.assign(WALLET);
      else location.reload();
    };
    find("offline-retry").addEventListener("click", retry);
    window.addEventListener("online", retry); // the device says it is back: try at once
  }

  const offlinePage = document.querySelector('[data-testid="offline-page"]');
  if (offlinePage) showSnapshot(offlinePage);
  else watchWallet();
})();
