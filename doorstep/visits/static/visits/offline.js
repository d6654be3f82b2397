/* Visits on a weak connection (no build step, no CDN).
 *
 * The log form is sent with fetch; when the network fails (or the phone says it is offline),
 * the visit is put in a queue in localStorage and sent to the API when the connection returns.
 * Each visit carries a client key (a UUID made here, once per form): the server logs a key
 * once, so a visit sent twice lands once. Its photos are kept in IndexedDB under the same key
 * (all queued photos together at most the form's data-photos-max-bytes: above it nothing is
 * saved and the worker is told) and sent to the visit's photo address once the visit has
 * landed; each is deleted from the phone when the server has it (a photo sent twice lands once
 * too), and the visit leaves the queue when its last photo has gone.
 *
 * The worklist saves its due list in localStorage, and the service worker (sw.js) keeps the
 * worklist and the log forms of its households for when the page is opened offline.
 */
(function () {
  "use strict";
  var QUEUE = "doorstep.visits.queue";
  var DUE = "doorstep.visits.due";

  function read(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function write(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function notice(text) {
    var box = document.getElementById("visits-offline");
    if (!box || !text) return;
    box.textContent = text;
    box.hidden = false;
  }

  /* ---- the photos of queued visits, in IndexedDB ---- */
  function photoStore(mode) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("doorstep-visits", 1);
      open.onupgradeneeded = function () {
        var store = open.result.createObjectStore("photos", { keyPath: "id", autoIncrement: true });
        store.createIndex("client_key", "client_key");
      };
      open.onsuccess = function () {
        resolve(open.result.transaction("photos", mode).objectStore("photos"));
      };
      open.onerror = function () { reject(open.error); };
    });
  }
  function done(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function storedPhotos(key) {
    return photoStore("readonly").then(function (store) {
      return done(key ? store.index("client_key").getAll(key) : store.getAll());
    });
  }
  function keepPhotos(key, files) {
    return photoStore("readwrite").then(function (store) {
      return Promise.all(files.map(function (file) {
        return done(store.add({ client_key: key, name: file.name, size: file.size, blob: file }));
      }));
    });
  }
  function dropPhoto(id) {
    return photoStore("readwrite").then(function (store) { return done(store.delete(id)); });
  }

  /* ---- the queue ---- */
  var flushing = false;
  function settled(response) {
    /* Sent, or refused for good (bad input): either way it leaves the phone. Signed out,
       forbidden or throttled: kept, to try later. */
    var s = response.status;
    return response.ok || (s >= 400 && s < 500 && s !== 401 && s !== 403 && s !== 429);
  }
  function sendPhotos(item, visitId) {
    var url = item.url + visitId + "/photos/";
    return storedPhotos(item.body.client_key).then(function (photos) {
      return photos.reduce(function (chain, photo) {
        return chain.then(function () {
          var data = new FormData();
          data.append("file", photo.blob, photo.name);
          return fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }, body: data })
            .then(function (response) {
              if (!settled(response)) throw new Error("photo kept");
              if (!response.ok) write(QUEUE + ".refused", read(QUEUE + ".refused", []).concat([{ photo: photo.name, visit: visitId }]));
              return dropPhoto(photo.id);
            });
        });
      }, Promise.resolve());
    });
  }
  function flush() {
    var queue = read(QUEUE, []);
    if (flushing || !queue.length || navigator.onLine === false) return Promise.resolve();
    flushing = true;
    var item = queue[0];
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(item.body)
    }).then(function (response) {
      if (!settled(response)) { flushing = false; return; }
      if (!response.ok) {
        write(QUEUE + ".refused", read(QUEUE + ".refused", []).concat([item]));
        return storedPhotos(item.body.client_key).then(function (photos) {
          return Promise.all(photos.map(function (p) { return dropPhoto(p.id); }));
        }).then(function () { return sent(item); });
      }
      return response.json().then(function (visit) {
        return sendPhotos(item, visit.id);
      }).then(function () { return sent(item); });
    }).catch(function () { flushing = false; });
  }
  function sent(item) {
    var rest = read(QUEUE, []).filter(function (q) { return q.body.client_key !== item.body.client_key; });
    write(QUEUE, rest);
    flushing = false;
    if (rest.length) return flush();
    var box = document.getElementById("visits-offline");
    notice(box && box.dataset.sentText);
    document.dispatchEvent(new CustomEvent("visits:sent"));
  }

  function body(form) {
    var data = new FormData(form);
    var findings = [];
    for (var n = 0; data.has("finding_kind_" + n); n++) {
      var kind = data.get("finding_kind_" + n);
      if (!kind) continue;
      findings.push({ kind: kind, description: data.get("finding_text_" + n) || "", count: parseInt(data.get("finding_count_" + n), 10) || 1 });
    }
    return {
      household: parseInt(form.dataset.household, 10),
      visited_at: data.get("visited_at"),
      purpose: data.get("purpose"),
      outcome: data.get("outcome") || "",
      met: data.getAll("met").map(function (v) { return parseInt(v, 10); }),
      retry_on: data.get("retry_on") || null,
      notes: data.get("notes") || "",
      followups: data.get("followups") || "",
      findings: findings,
      client_key: data.get("client_key")
    };
  }

  function chosenPhotos(form) {
    var input = form.querySelector("input[type=file][name=photos]");
    return input ? Array.prototype.slice.call(input.files) : [];
  }

  /* Keep the visit and its photos on the phone, unless the photos are too large to keep:
     then nothing is saved and the worker is told why. */
  function queueVisit(form) {
    var box = document.getElementById("visits-offline");
    var item = { url: form.dataset.offlineQueue, body: body(form), queued_at: new Date().toISOString() };
    var key = item.body.client_key;
    var photos = chosenPhotos(form);
    var perPhoto = parseInt(form.dataset.photoMaxBytes, 10) || Infinity;
    var cap = parseInt(form.dataset.photosMaxBytes, 10) || 0;
    if (photos.some(function (f) { return f.size > perPhoto; })) {
      notice(box && box.dataset.photoTooLargeText);
      return Promise.resolve(false);
    }
    var kept = photos.length ? storedPhotos() : Promise.resolve([]);
    return kept.then(function (stored) {
      var total = stored.concat(photos).reduce(function (sum, f) { return sum + f.size; }, 0);
      if (photos.length && total > cap) {
        notice(box && box.dataset.photosTooLargeText);
        return false;
      }
      var queue = read(QUEUE, []);
      if (queue.some(function (q) { return q.body.client_key === key; })) return true;
      return (photos.length ? keepPhotos(key, photos) : Promise.resolve()).then(function () {
        write(QUEUE, read(QUEUE, []).concat([item]));
        notice(box && box.dataset.savedText);
        form.querySelector("[name=client_key]").value = uuid();  /* the next visit is another one */
        form.reset();
        return true;
      });
    }).catch(function () {
      notice(box && box.dataset.photosTooLargeText);  /* the phone refused to store them */
      return false;
    });
  }

  function setUpForm(form) {
    var key = form.querySelector("[name=client_key]");
    if (key && !form.querySelector(".error")) key.value = uuid();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (navigator.onLine === false) { queueVisit(form); return; }
      fetch(form.action || location.href, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (response) {
          /* The answer is a whole page (the visit after the redirect, or the form with its
             errors): show it, at its own address. */
          return response.text().then(function (html) {
            if (response.redirected) history.replaceState(null, "", response.url);
            document.open(); document.write(html); document.close();
          });
        })
        .catch(function () { queueVisit(form); });
    });
  }

  /* ---- the worklist ---- */
  function saveDueList() {
    var data = document.getElementById("due-data");
    if (!data) return;
    write(DUE, { saved_at: new Date().toISOString(), rows: JSON.parse(data.textContent) });
    var list = document.getElementById("due-list");
    if (list && list.dataset.sw && "serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register(list.dataset.sw).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (reg) {
        var urls = Array.prototype.map.call(document.querySelectorAll(".due-row a[href]"), function (a) { return a.href; });
        if (reg.active) reg.active.postMessage({ keep: [location.href].concat(urls) });
      }).catch(function () {});
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-offline-queue]");
    if (form) setUpForm(form);
    saveDueList();
    var waiting = read(QUEUE, []).length;
    var box = document.getElementById("visits-offline");
    if (waiting && box && box.dataset.queuedText) notice(box.dataset.queuedText + " " + waiting);
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 30000);
}());
