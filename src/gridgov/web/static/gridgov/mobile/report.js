// 网格通 report form: item picker by board, photo, GPS (or a point picked on the grid map),
// self-handling. Sends to the JSON API (POST /api/v1/cases, then …/attachments) with the session
// cookie and the CSRF header; offline, the report waits in IndexedDB and goes out when the phone
// is back online (the "online" event, or the "send drafts" button). Plain ES2017.
(function () {
  "use strict";
  var GG = window.GG;
  var cfg = JSON.parse(document.getElementById("report-config").textContent);
  var catalogue = JSON.parse(document.getElementById("catalogue").textContent);
  var geojson = JSON.parse(document.getElementById("grid-geojson").textContent);
  var M = cfg.messages;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("report-form");
  var boardSelect = $("board");
  var itemSelect = $("item");
  var photoInput = $("photo");
  var preview = $("photo-preview");
  var result = $("result");
  var point = null;
  var sending = false;

  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (all, key) {
      return values[key] === undefined ? all : String(values[key]);
    });
  }

  // -- item picker by board ------------------------------------------------------------------
  catalogue.boards.forEach(function (board) {
    boardSelect.appendChild(new Option(board.name, board.code));
  });
  function fillItems() {
    var keep = itemSelect.value;
    while (itemSelect.options.length > 1) { itemSelect.remove(1); }
    catalogue.items.filter(function (item) { return item.board === boardSelect.value; })
      .forEach(function (item) { itemSelect.appendChild(new Option(item.name, item.code)); });
    itemSelect.value = keep;
    if (itemSelect.value !== keep) { itemSelect.value = ""; }
  }
  boardSelect.addEventListener("change", fillItems);
  fillItems();

  // -- location: GPS first, the grid map as the fallback --------------------------------------
  var picker = GG.map($("pick-map"), geojson, {
    onPick: function (latlng) { setPoint(latlng.lng, latlng.lat, "map"); }
  });
  function locStatus(text, bad) {
    var el = $("loc-status");
    el.textContent = text;
    el.className = bad ? "loc bad" : "loc";
  }
  function setPoint(lng, lat, source, accuracy) {
    point = { lng: lng, lat: lat, source: source };
    $("lng").value = lng.toFixed(6);
    $("lat").value = lat.toFixed(6);
    if (source !== "map") { picker.setPoint(lat, lng); }
    var where = { lng: lng.toFixed(5), lat: lat.toFixed(5), accuracy: Math.round(accuracy || 0) };
    var text = fmt(source === "gps" ? M.located : M.picked, where);
    if (source === "gps" && accuracy > 0) { text += fmt(M.accuracy, where); }
    var inside = GG.contains(geojson, lng, lat);
    locStatus(inside ? text : text + " " + M.outside, !inside);
  }
  function locate() {
    if (!navigator.geolocation) { locStatus(M.locateFailed, true); return; }
    locStatus(M.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint(pos.coords.longitude, pos.coords.latitude, "gps", pos.coords.accuracy);
    }, function () {
      if (!point) { locStatus(M.locateFailed, true); }
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  $("locate").addEventListener("click", locate);
  locate();

  // -- photo ----------------------------------------------------------------------------------
  photoInput.addEventListener("change", function () {
    var file = photoInput.files && photoInput.files[0];
    if (preview.src) { URL.revokeObjectURL(preview.src); }
    preview.hidden = !file;
    $("photo-clear").hidden = !file;
    if (file) { preview.src = URL.createObjectURL(file); }
  });
  $("photo-clear").addEventListener("click", function () {
    photoInput.value = "";
    photoInput.dispatchEvent(new Event("change"));
  });

  // A phone photo is large: scale it to at most 1600 px and JPEG 85 %, for weak networks.
  function shrink(file) {
    return new Promise(function (resolve) {
      if (file.size < 600 * 1024 && /^image\/(jpeg|png|webp)$/.test(file.type)) { resolve(file); return; }
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, 1600 / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }
  function readPhoto(file) {
    return shrink(file).then(function (blob) {
      return new Promise(function (resolve, reject) {
        var reader = new FileReader();
        reader.onload = function () {
          var jpeg = blob !== file;
          resolve({ buf: reader.result, type: blob.type || file.type, name: jpeg ? "photo.jpg" : (file.name || "photo") });
        };
        reader.onerror = function () { reject(reader.error); };
        reader.readAsArrayBuffer(blob);
      });
    });
  }

  // -- self-handling ----------------------------------------------------------------------------
  var selfHandle = $("self-handle");
  selfHandle.addEventListener("change", function () { $("self-handle-box").hidden = !selfHandle.checked; });

  // -- errors -----------------------------------------------------------------------------------
  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (el) { el.textContent = ""; });
    Array.prototype.forEach.call(form.querySelectorAll(".invalid"), function (el) { el.classList.remove("invalid"); });
    $("form-error").hidden = true;
  }
  function showErrors(fields, message) {
    var rest = [];
    Object.keys(fields || {}).forEach(function (name) {
      var key = name === "lat" ? "lng" : name;
      var slot = form.querySelector('.field-error[data-for="' + key + '"]');
      var text = [].concat(fields[name]).join("；");
      if (slot) {
        slot.textContent = text;
        var input = form.querySelector('[name="' + key + '"]');
        if (input) { input.classList.add("invalid"); }
      } else { rest.push(text); }
    });
    var box = $("form-error");
    box.textContent = rest.length ? rest.join("；") : (message || M.invalid);
    box.hidden = false;
    box.scrollIntoView({ block: "center" });
  }

  function collect() {
    var fields = {
      item: itemSelect.value,
      itemName: itemSelect.selectedIndex > 0 ? itemSelect.options[itemSelect.selectedIndex].text : "",
      title: $("title").value.trim(),
      description: $("description").value.trim(),
      address: $("address").value.trim()
    };
    if (point) { fields.lng = point.lng; fields.lat = point.lat; } else { fields.region = cfg.region; }
    if (selfHandle.checked) { fields.self_handle_result = $("self_handle_result").value.trim(); }
    return fields;
  }
  function check(fields) {
    var missing = {};
    ["item", "title", "description"].forEach(function (name) { if (!fields[name]) { missing[name] = M.required; } });
    if (selfHandle.checked && !fields.self_handle_result) { missing.self_handle_result = M.required; }
    return Object.keys(missing).length ? missing : null;
  }

  // -- sending ----------------------------------------------------------------------------------
  function post(url, init) {
    var headers = { "X-CSRFToken": GG.csrf(), "Accept": "application/json" };
    if (init.json) { headers["Content-Type"] = "application/json"; }
    return fetch(url, {
      method: "POST", credentials: "same-origin", headers: headers,
      body: init.json ? JSON.stringify(init.json) : init.body
    }).catch(function () {
      throw { kind: "network", message: M.offlineSaved };
    }).then(function (response) {
      if (response.ok) { return response.json(); }
      return response.json().catch(function () { return {}; }).then(function (data) {
        var error = data.error || {};
        var status = response.status;
        if (status === 401 || status === 403) { throw { kind: "auth", message: M.loginExpired }; }
        if (status === 400 || status === 422) { throw { kind: "invalid", message: error.message || M.invalid, fields: error.fields || {} }; }
        if (status === 404) { throw { kind: "invalid", message: error.message || M.invalid, fields: {} }; }
        throw { kind: "later", message: error.message || M.serverError };
      });
    });
  }

  // Creates the case (once: the number is remembered), then uploads the photo.
  function send(draft) {
    var f = draft.fields;
    var step = draft.number ? Promise.resolve({ number: draft.number }) : post(cfg.casesUrl, {
      json: {
        title: f.title, description: f.description, item: f.item, address: f.address,
        lng: f.lng === undefined ? null : f.lng, lat: f.lat === undefined ? null : f.lat,
        region: f.region || null, self_handle_result: f.self_handle_result === undefined ? null : f.self_handle_result
      }
    });
    return step.then(function (data) {
      draft.number = data.number;
      if (!draft.photo) { return { number: draft.number }; }
      var body = new FormData();
      body.append("photos", new Blob([draft.photo.buf], { type: draft.photo.type }), draft.photo.name);
      return post(cfg.casesUrl + "/" + draft.number + "/attachments", { body: body })
        .then(function () { return { number: draft.number }; }, function (error) {
          if (error.kind === "invalid") {  // the case stands; only the photo was refused
            return { number: draft.number, warning: fmt(M.photoRefused, { message: error.message }) };
          }
          throw error;
        });
    });
  }

  function announce(number, warning, fromDraft) {
    var p = document.createElement("p");
    p.className = "sent";
    var text = document.createElement("span");
    text.textContent = fmt(fromDraft ? M.draftSent : M.sent, { number: number });
    var link = document.createElement("a");
    link.href = cfg.caseUrl.replace("NUMBER", number);
    link.className = "case-number";
    link.textContent = number;
    p.appendChild(text);
    p.appendChild(document.createTextNode(" "));
    p.appendChild(link);
    if (warning) {
      var w = document.createElement("span");
      w.className = "warn";
      w.textContent = " " + warning;
      p.appendChild(w);
    }
    result.appendChild(p);
    result.hidden = false;
  }
  function notice(text, bad) {
    var p = document.createElement("p");
    p.className = bad ? "note bad" : "note";
    p.textContent = text;
    result.appendChild(p);
    result.hidden = false;
    result.scrollIntoView({ block: "start" });
  }

  function resetForm() {
    var board = boardSelect.value;
    form.reset();
    boardSelect.value = board;
    fillItems();
    photoInput.dispatchEvent(new Event("change"));
    $("self-handle-box").hidden = true;
    if (point) { $("lng").value = point.lng.toFixed(6); $("lat").value = point.lat.toFixed(6); }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    result.textContent = "";
    var fields = collect();
    var missing = check(fields);
    if (missing) { showErrors(missing, M.invalid); return; }
    var button = $("submit");
    button.disabled = true;
    button.textContent = M.sending;
    var file = photoInput.files && photoInput.files[0];
    var draft = {
      id: Date.now() + "-" + Math.random().toString(36).slice(2, 8),
      user: cfg.user, created: new Date().toISOString(), fields: fields,
      photo: null, number: null, error: "", invalid: false
    };
    var keep = function (message, bad) {
      draft.error = message === M.offlineSaved ? "" : message;
      return GG.drafts.put(draft).then(function () {
        notice(message, bad);
        resetForm();
      }, function () { notice(M.noStorage, true); });
    };
    (file ? readPhoto(file) : Promise.resolve(null)).then(function (photo) {
      draft.photo = photo;
      if (!navigator.onLine) { return keep(M.offlineSaved, false); }
      return send(draft).then(function (sent) {
        announce(sent.number, sent.warning, false);
        resetForm();
      }, function (error) {
        if (error.kind === "invalid" && !draft.number) { showErrors(error.fields, error.message); return null; }
        if (error.kind === "auth") { return keep(M.loginExpired, true); }
        if (error.kind === "network") { return keep(M.offlineSaved, false); }
        return keep(error.message || M.serverError, true);
      });
    }).catch(function () { notice(M.serverError, true); }).then(function () {
      button.disabled = false;
      button.textContent = M.submit;
      renderDrafts();
    });
  });

  // -- drafts -----------------------------------------------------------------------------------
  function renderDrafts() {
    return GG.drafts.all().then(function (rows) {
      var list = $("draft-list");
      list.textContent = "";
      $("drafts-count").textContent = rows.length ? fmt(M.draftsCount, { n: rows.length }) : "";
      $("send-drafts").hidden = rows.length === 0;
      if (!rows.length) {
        var empty = document.createElement("li");
        empty.className = "muted";
        empty.textContent = M.noDrafts;
        list.appendChild(empty);
      }
      rows.forEach(function (d) {
        var li = document.createElement("li");
        li.className = "draft";
        var title = document.createElement("b");
        title.textContent = d.fields.title || d.fields.itemName;
        var meta = document.createElement("span");
        meta.className = d.error ? "muted bad" : "muted";
        var when = new Date(d.created);
        var stamp = (when.getMonth() + 1) + "-" + when.getDate() + " " + when.toTimeString().slice(0, 5);
        var state = d.error ? fmt(M.draftError, { message: d.error }) : d.number ? M.draftPhoto : M.draftWaiting;
        meta.textContent = stamp + " · " + (d.fields.itemName || "") + (d.photo ? " · " + M.withPhoto : "") + " · " + state;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn link";
        remove.textContent = M.remove;
        remove.addEventListener("click", function () {
          if (window.confirm(M.confirmRemove)) { GG.drafts.remove(d.id).then(renderDrafts); }
        });
        li.appendChild(title);
        li.appendChild(meta);
        li.appendChild(remove);
        list.appendChild(li);
      });
      return rows;
    }).catch(function () { $("draft-list").textContent = M.noStorage; return []; });
  }

  function sendDrafts(manual) {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    return GG.drafts.all().then(function (rows) {
      var chain = Promise.resolve(true);
      rows.forEach(function (d) {
        chain = chain.then(function (go) {
          if (!go || (d.invalid && !manual)) { return go; }
          return send(d).then(function (sent) {
            announce(sent.number, sent.warning, true);
            return GG.drafts.remove(d.id).then(function () { return true; });
          }, function (error) {
            d.error = error.kind === "network" ? "" : error.message;
            d.invalid = error.kind === "invalid";
            return GG.drafts.put(d).then(function () {
              if (error.kind === "auth") { notice(M.loginExpired, true); }
              return error.kind === "invalid";  // go on with the next one unless the network or login failed
            });
          });
        });
      });
      return chain;
    }).catch(function () { return null; }).then(function () {
      sending = false;
      return renderDrafts();
    });
  }

  $("send-drafts").addEventListener("click", function () { sendDrafts(true); });
  window.addEventListener("online", function () { sendDrafts(false); });
  renderDrafts().then(function () { if (navigator.onLine) { sendDrafts(false); } });
  GG.sendDrafts = sendDrafts;
})();
