// The teller page: type the number on the poll card, see it recorded. Offline first: every entry is
// kept in localStorage with an id made here, and sent (again) until the server has answered it, so
// a retry never records twice (the server is idempotent by that id). Plain ES2017, no libraries.
(function () {
  'use strict';

  var UNDOABLE = 3; // the last three entries can be undone, as in the Telling app
  var SHOWN = 12; // entries listed
  var KEPT = 200; // entries kept on the phone
  var BATCH = 50; // checks per request
  var TIMEOUT_MS = 15000; // a bad connection answers late; give up and retry after this

  var token = tokenFromPath(location.pathname);
  var storeKey = 'turnout.teller.' + shortHash(token);
  var state = load();
  var inFlight = {}; // id → true while a request about it is out
  var retryTimer = null;
  var retryDelay = 0;
  var flushing = false;
  var offline = false; // the last request failed for want of a network
  var blocked = null; // a reason when the server refuses this link

  var $ = function (id) { return document.getElementById(id); };

  function tokenFromPath(path) {
    var m = /^\/t\/([^/?#]+)/.exec(path);
    return m ? decodeURIComponent(m[1]) : '';
  }

  // Not a secret-keeping hash: only keeps the token itself out of the storage key.
  function shortHash(text) {
    var h = 2166136261;
    for (var i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
    return h.toString(36);
  }

  function newId() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }

  function load() {
    var empty = { entries: [], me: null, precinct: null, skewMs: 0, base: {} };
    try {
      var saved = JSON.parse(localStorage.getItem(storeKey) || 'null');
      if (saved && Array.isArray(saved.entries)) {
        saved.base = saved.base || {};
        return saved;
      }
    } catch (e) { /* a broken entry: start afresh */ }
    return empty;
  }

  function save() {
    // Trim the oldest entries the server has answered; never one that still has to be sent.
    var e = state.entries;
    while (e.length > KEPT && !needsWork(e[0])) e.shift();
    try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (err) { /* storage full: keep going in memory */ }
  }

  // --- entries -------------------------------------------------------------------------------
  // An entry: { id, precinct, list_number, checked_at, state, reason, tried, undo }
  //   state: pending (not answered yet) | recorded | already | unmatched | rejected | undoing | undone

  function needsWork(entry) {
    if (entry.state === 'pending') return true;
    return entry.state === 'undoing';
  }

  function serverNow() { return new Date(Date.now() + (state.skewMs || 0)); }

  function record(number) {
    var entry = {
      id: newId(),
      precinct: state.precinct,
      list_number: number,
      checked_at: serverNow().toISOString(),
      state: 'pending',
    };
    state.entries.push(entry);
    save();
    render();
    flush();
  }

  function undo(id) {
    var entry = find(id);
    if (!entry || !canUndo(entry)) return;
    if (entry.state === 'pending' && !entry.tried && !inFlight[id]) {
      entry.state = 'undone'; // never left the phone
    } else {
      entry.state = 'undoing';
    }
    save();
    render();
    flush();
  }

  function find(id) {
    for (var i = 0; i < state.entries.length; i++) if (state.entries[i].id === id) return state.entries[i];
    return null;
  }

  function canUndo(entry) {
    return entry.state === 'pending' || entry.state === 'recorded' || entry.state === 'already' || entry.state === 'unmatched';
  }

  // The last UNDOABLE entries of this precinct that still stand.
  function undoableIds() {
    var ids = {};
    var n = 0;
    for (var i = state.entries.length - 1; i >= 0 && n < UNDOABLE; i--) {
      var e = state.entries[i];
      if (e.precinct !== state.precinct || e.state === 'undone' || e.state === 'undoing') continue;
      n++;
      if (canUndo(e)) ids[e.id] = true;
    }
    return ids;
  }

  function waiting() {
    var n = 0;
    for (var i = 0; i < state.entries.length; i++) if (needsWork(state.entries[i])) n++;
    return n;
  }

  // --- network -------------------------------------------------------------------------------

  function api(method, path, body) {
    var ctl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctl) ctl.abort(); }, TIMEOUT_MS);
    var init = { method: method, headers: { Authorization: 'Bearer ' + token }, cache: 'no-store', credentials: 'omit' };
    if (ctl) init.signal = ctl.signal;
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (res) {
      clearTimeout(timer);
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { status: res.status, data: data, date: res.headers.get('Date') };
      });
    }, function (err) {
      clearTimeout(timer);
      var e = new Error('network');
      e.network = true;
      e.cause = err;
      throw e;
    });
  }

  function offlineError() {
    var e = new Error('offline');
    e.network = true;
    return e;
  }

  function errorText(res) {
    return (res.data && res.data.error) || ('HTTP ' + res.status);
  }

  // 401/403 on any request: the link was revoked or has expired. Stop sending; keep the entries.
  function refused(res) {
    if (res.status !== 401 && res.status !== 403) return false;
    blocked = errorText(res);
    render();
    return true;
  }

  function loadMe() {
    return api('GET', '/api/me').then(function (res) {
      if (refused(res)) return;
      if (res.status !== 200 || !res.data) throw new Error(errorText(res));
      if (res.date) {
        var server = Date.parse(res.date);
        if (!isNaN(server)) state.skewMs = server - Date.now(); // the phone's clock may be wrong
      }
      if (res.data.role && res.data.role !== 'teller') {
        blocked = 'it is an HQ link; tellers need a link made with turnout tellers add';
        render();
        return;
      }
      state.me = res.data;
      state.base = {};
      var precincts = state.me.precincts || [];
      if (precincts.indexOf(state.precinct) < 0) state.precinct = precincts.length ? precincts[0] : null;
      offline = false;
      save();
      render();
    });
  }

  function flush() {
    if (flushing || blocked || !token) return;
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    flushing = true;
    render();
    step().then(function (more) {
      flushing = false;
      retryDelay = 0;
      offline = false;
      render();
      if (more) flush();
    }, function (err) {
      flushing = false;
      if (err && err.network) offline = true;
      render();
      scheduleRetry();
    });
  }

  function scheduleRetry() {
    if (blocked || waiting() === 0) return;
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : 2000, 30000);
    retryTimer = setTimeout(flush, retryDelay);
  }

  // One request: an undo first (they are few), else a batch of new entries. Resolves true when
  // more work remains, rejects when the server cannot be reached or is not answering properly.
  function step() {
    var entries = state.entries;
    for (var i = 0; i < entries.length; i++) {
      var e = entries[i];
      if (e.state === 'undoing' && !inFlight[e.id]) return sendUndo(e);
    }
    var batch = [];
    for (var j = 0; j < entries.length && batch.length < BATCH; j++) {
      if (entries[j].state === 'pending' && !inFlight[entries[j].id]) batch.push(entries[j]);
    }
    if (batch.length === 0) return Promise.resolve(false);
    return sendChecks(batch);
  }

  function sendChecks(batch) {
    var body = {
      checks: batch.map(function (e) {
        return { id: e.id, precinct: e.precinct, list_number: e.list_number, checked_at: e.checked_at };
      }),
    };
    if (navigator.onLine === false) return Promise.reject(offlineError()); // nothing can leave the phone: not even tried
    batch.forEach(function (e) { inFlight[e.id] = true; e.tried = true; });
    save();
    var done = function () { batch.forEach(function (e) { delete inFlight[e.id]; }); };
    return api('POST', '/api/checks', body).then(function (res) {
      done();
      if (refused(res)) return false;
      if (res.status === 200 && res.data && Array.isArray(res.data.results)) {
        res.data.results.forEach(function (r) { answer(find(r.id), r); });
        save();
        // The server's own figure again once the sending is over: a /api/me answered while this
        // batch was being recorded may have counted it already, or not yet.
        refreshCount();
        return true;
      }
      if (res.status === 400 || res.status === 413 || res.status === 422) {
        // The server will never take this batch as it is: say so on each entry rather than retry forever.
        batch.forEach(function (e) { if (e.state === 'pending') { e.state = 'rejected'; e.reason = errorText(res); } });
        save();
        return true;
      }
      throw new Error(errorText(res)); // 429, 5xx: retry later
    }, function (err) { done(); throw err; });
  }

  function answer(entry, r) {
    if (!entry) return;
    var undoAfter = entry.state === 'undoing';
    var result = r.result;
    if (result !== 'recorded' && result !== 'already' && result !== 'unmatched' && result !== 'rejected') result = 'rejected';
    // The counter counts as the server does: this link's entries that stand (not refused, not undone).
    if (result !== 'rejected' && !entry.counted) { bump(entry.precinct, 1); entry.counted = true; }
    if (undoAfter && result !== 'rejected') return; // stays undoing: the DELETE follows
    entry.state = undoAfter ? 'undone' : result;
    entry.reason = r.reason || '';
  }

  function sendUndo(entry) {
    if (navigator.onLine === false) return Promise.reject(offlineError());
    inFlight[entry.id] = true;
    return api('DELETE', '/api/checks/' + encodeURIComponent(entry.id)).then(function (res) {
      delete inFlight[entry.id];
      if (refused(res)) return false;
      if (res.status === 200 || res.status === 204 || res.status === 404) {
        // 404: the server never kept it (the POST did not arrive): undone all the same.
        if (entry.counted && res.status !== 404) bump(entry.precinct, -1);
        entry.state = 'undone';
        save();
        refreshCount();
        return true;
      }
      throw new Error(errorText(res));
    }, function (err) { delete inFlight[entry.id]; throw err; });
  }

  // The counter is the server's figure for this precinct, plus what this page learnt since.
  function bump(precinct, by) {
    state.base[precinct] = (state.base[precinct] || 0) + by;
  }

  function refreshCount() {
    if (refreshCount.timer) clearTimeout(refreshCount.timer);
    refreshCount.timer = setTimeout(function () { loadMe().catch(function () {}); }, 1500);
  }

  function recordedCount() {
    var me = state.me;
    var server = me && me.recorded && typeof me.recorded[state.precinct] === 'number' ? me.recorded[state.precinct] : 0;
    return Math.max(0, server + (state.base[state.precinct] || 0));
  }

  // --- screen --------------------------------------------------------------------------------

  var LABELS = {
    pending: 'waiting to send',
    recorded: 'recorded \u2713',
    already: 'already recorded',
    unmatched: 'unknown number (kept)',
    rejected: 'not recorded',
    undoing: 'undoing\u2026',
    undone: 'undone',
  };

  function render() {
    if (blocked || !token) {
      $('app').hidden = true;
      $('blocked').hidden = false;
      $('blocked-why').textContent = token ? 'The server refused it: ' + blocked + '.' : 'The address has no teller code in it.';
      var n = waiting();
      $('blocked-waiting').textContent = n ? n + ' entr' + (n === 1 ? 'y' : 'ies') + ' on this phone could not be sent.' : '';
      return;
    }
    var me = state.me;
    var precincts = (me && me.precincts) || [];
    var select = $('precinct');
    if (precincts.length > 1) {
      if (select.options.length !== precincts.length) {
        select.textContent = '';
        precincts.forEach(function (p) { select.appendChild(new Option(p, p)); });
      }
      select.value = state.precinct;
      select.hidden = false;
      $('precinct-fixed').hidden = true;
    } else {
      select.hidden = true;
      $('precinct-fixed').hidden = false;
      $('precinct-fixed').textContent = state.precinct || '\u2026';
    }
    $('who').textContent = me && me.name ? 'Teller: ' + me.name : '';
    $('count').textContent = String(recordedCount());
    $('record').disabled = !state.precinct;

    var n = waiting();
    var net = $('net');
    var isOffline = offline || navigator.onLine === false;
    net.className = 'net';
    if (isOffline) {
      net.textContent = 'Offline \u2014 ' + n + ' waiting';
      net.appendChild(el('small', n ? 'kept on this phone, sent when the connection returns' : 'keep recording: entries are kept on this phone'));
      net.hidden = false;
    } else if (n) {
      net.className = 'net sending';
      net.textContent = 'Sending ' + n + '\u2026';
      net.hidden = false;
    } else {
      net.hidden = true;
    }

    var list = $('entries');
    var undoable = undoableIds();
    var shown = state.entries.filter(function (e) { return e.precinct === state.precinct; }).slice(-SHOWN).reverse();
    list.textContent = '';
    shown.forEach(function (e) {
      var li = document.createElement('li');
      li.className = 's-' + e.state;
      li.setAttribute('data-id', e.id);
      var num = document.createElement('span');
      num.className = 'num';
      num.textContent = e.list_number;
      var meta = document.createElement('span');
      meta.className = 'meta';
      var st = document.createElement('span');
      st.className = 'state';
      st.textContent = LABELS[e.state] || e.state;
      var time = document.createElement('span');
      time.className = 'time';
      time.textContent = clock(e.checked_at) + (e.reason && e.state === 'rejected' ? ' \u2014 ' + e.reason : '');
      meta.appendChild(st);
      meta.appendChild(time);
      li.appendChild(num);
      li.appendChild(meta);
      if (undoable[e.id]) {
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'undo';
        b.textContent = 'Undo';
        b.setAttribute('aria-label', 'Undo ' + e.list_number);
        b.addEventListener('click', function () { undo(e.id); });
        li.appendChild(b);
      }
      list.appendChild(li);
    });
    $('empty').hidden = shown.length > 0;
  }

  function el(tag, text) {
    var e = document.createElement(tag);
    e.textContent = text;
    return e;
  }

  function clock(iso) {
    var d = new Date(Date.parse(iso) - (state.skewMs || 0));
    if (isNaN(d.getTime())) return '';
    return ('0' + d.getHours()).slice(-2) + ':' + ('0' + d.getMinutes()).slice(-2);
  }

  // A number as printed on the poll card: 888, 888/8, 888.8, letters for lists that use them.
  function clean(text) {
    return text.replace(/\s+/g, '').replace(/,/g, '.');
  }

  function submit(ev) {
    ev.preventDefault();
    var input = $('number');
    var number = clean(input.value);
    var hint = $('hint');
    if (!number) { hint.textContent = 'Type the number first.'; input.focus(); return; }
    if (!/^[0-9A-Za-z]+([./-][0-9A-Za-z]+)*$/.test(number)) {
      hint.textContent = 'Only digits, letters and / or . please.';
      input.focus();
      return;
    }
    hint.textContent = '';
    if (navigator.vibrate) navigator.vibrate(25); // a tap felt in the hand: the entry is taken
    input.value = '';
    input.focus();
    record(number);
  }

  function start() {
    $('entry').addEventListener('submit', submit);
    $('slash').addEventListener('click', function () {
      var input = $('number');
      if (input.value && input.value.slice(-1) !== '/') input.value += '/';
      input.focus();
    });
    $('precinct').addEventListener('change', function (ev) {
      state.precinct = ev.target.value;
      save();
      render();
      $('number').focus();
    });
    window.addEventListener('online', function () { offline = false; retryDelay = 0; loadMe().catch(function () {}); flush(); });
    window.addEventListener('offline', function () { offline = true; render(); });
    // Another tab of the same link changed the entries.
    window.addEventListener('storage', function (ev) { if (ev.key === storeKey) { state = load(); render(); } });
    document.addEventListener('visibilitychange', function () { if (!document.hidden) flush(); });
    render();
    loadMe().then(flush, function (err) {
      if (err && err.network) offline = true;
      render();
      scheduleRetry();
      if (!state.me) setTimeout(function retry() { loadMe().then(flush, function () { setTimeout(retry, 5000); }); }, 5000);
    });
    if ('serviceWorker' in navigator && window.isSecureContext) {
      navigator.serviceWorker.register('/sw.js').catch(function () { /* the page works without it, online */ });
    }
  }

  start();
})();
