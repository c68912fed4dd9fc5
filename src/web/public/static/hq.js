// The HQ dashboard: the status table of `turnout status`, the hour-by-hour chart (uPlot), the last
// activity of each polling station, live through server-sent events. Plain ES2017, no build step.
(function () {
  'use strict';

  var SILENT_MIN = 30; // a station with no check for this long is shown as silent
  var REFETCH_MS = 1000; // timeline and activity follow a status event after this long at most

  var token = (/^\/hq\/([^/?#]+)/.exec(location.pathname) || [])[1] || '';
  token = decodeURIComponent(token);
  var $ = function (id) { return document.getElementById(id); };
  // The dashboard's own query string (?by=precinct&expected=55…) is passed on to the API, which
  // takes the options of `turnout status`: a link can open HQ on another view.
  var options = location.search.replace(/^\?/, '');
  var queryValue = function (name) {
    var m = new RegExp('(?:^|&)' + name + '=([^&]*)').exec(options);
    return m ? decodeURIComponent(m[1].replace(/\+/g, ' ')) : '';
  };
  var withOptions = function (path) { return options ? path + (path.indexOf('?') < 0 ? '?' : '&') + options : path; };

  var last = { status: null, timeline: null, activity: null };
  var activitySkew = 0; // server clock − this computer's, from /api/activity's "now"
  var followed = null; // the area picked in the table, drawn bold on the chart
  var chart = null;
  var refetchTimer = null;
  var gotActivityEvent = false;
  var source = null;
  var flaggedSince = {}; // area → when this dashboard first saw it flagged (areas flagged at load: 0)
  var NEW_FLAG_MS = 10 * 60000;

  // --- data ----------------------------------------------------------------------------------

  function get(path) {
    return fetch(path, { headers: { Authorization: 'Bearer ' + token }, cache: 'no-store', credentials: 'omit' }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var err = new Error((data && data.error) || 'HTTP ' + res.status);
          err.status = res.status;
          throw err;
        }
        return data;
      });
    });
  }

  // /api/status is `turnout status --format json`: the areas, then a totals row named "(total)".
  // A report object ({areas, totals, at, by, reference, flag}) is read too.
  function readStatus(data) {
    if (Array.isArray(data)) {
      var areas = data.filter(function (r) { return r.area !== '(total)'; });
      var totals = data.filter(function (r) { return r.area === '(total)'; })[0] || null;
      return { areas: areas, totals: totals };
    }
    data = data || {};
    if (data.status) return readStatus(data.status);
    return {
      areas: data.areas || data.rows || [], totals: data.totals || null, at: data.at, by: data.by,
      reference: data.reference, flag: data.flag, timeZone: data.timeZone || data.time_zone,
    };
  }

  function readTimeline(data) {
    if (Array.isArray(data)) return data;
    data = data || {};
    return data.timeline || data.rows || data.series || [];
  }

  // /api/activity: {now, precincts: [{precinct, last_check, checks}], tellers: [{name, precincts,
  // last_check, checks, state}]}. A station a teller was given but that never reported is listed too.
  function readActivity(data) {
    data = data || {};
    var rows = Array.isArray(data) ? data : data.precincts || [];
    var tellers = Array.isArray(data.tellers) ? data.tellers : [];
    var byPrecinct = {};
    var out = rows.map(function (r) {
      var row = {
        precinct: r.precinct,
        last: r.last_check || r.last_check_at || null,
        checks: firstNumber(r.checks, r.count),
        tellers: [],
      };
      byPrecinct[String(r.precinct)] = row;
      return row;
    });
    tellers.forEach(function (t) {
      if (t.state && t.state !== 'active') return;
      (t.precincts || []).forEach(function (p) {
        var row = byPrecinct[String(p)];
        if (!row) { row = byPrecinct[String(p)] = { precinct: p, last: null, checks: 0, tellers: [] }; out.push(row); }
        row.tellers.push(t.name);
      });
    });
    out.forEach(function (r) { r.tellers = r.tellers.join(', '); });
    // "ago" against the server's clock: the laptop's may be off.
    var serverNow = data.now ? Date.parse(data.now) : NaN;
    activitySkew = isNaN(serverNow) ? 0 : serverNow - Date.now();
    return out;
  }

  function firstNumber() {
    for (var i = 0; i < arguments.length; i++) if (typeof arguments[i] === 'number') return arguments[i];
    return null;
  }

  // --- formatting ----------------------------------------------------------------------------

  function pct(x, digits) {
    if (x === null || x === undefined || isNaN(x)) return '–';
    return (x * 100).toFixed(digits === undefined ? 1 : digits) + '%';
  }
  function int(x) { return x === null || x === undefined ? '–' : Number(x).toLocaleString('en-US'); }
  function areaName(a) { return a === null || a === undefined ? '(no value)' : String(a); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function hhmm(date) { return ('0' + date.getHours()).slice(-2) + ':' + ('0' + date.getMinutes()).slice(-2); }

  // --- status table --------------------------------------------------------------------------

  function renderStatus(data) {
    var s = readStatus(data);
    last.status = s;
    var at = s.at ? new Date(s.at) : new Date();
    $('as-of').textContent = 'as of ' + at.toLocaleString('en-GB', { weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    var by = s.by || queryValue('by');
    if (by) $('by').textContent = by;

    var flagged = s.areas.filter(function (a) { return a.under_mobilized; });
    var firstLook = !renderStatus.seen;
    renderStatus.seen = true;
    var stillFlagged = {};
    flagged.forEach(function (a) {
      var name = areaName(a.area);
      stillFlagged[name] = true;
      if (!(name in flaggedSince)) flaggedSince[name] = firstLook ? 0 : Date.now();
    });
    Object.keys(flaggedSince).forEach(function (name) { if (!stillFlagged[name]) delete flaggedSince[name]; });
    var t = s.totals;
    $('sum-turnout').textContent = t ? pct(t.supporter_turnout) : '–';
    $('sum-voted').textContent = t ? int(t.supporters_voted) : '–';
    $('sum-supporters').textContent = t ? int(t.supporters) : '–';
    $('sum-remaining').textContent = t ? int(t.remaining) : '–';
    $('sum-flagged').textContent = String(flagged.length);
    $('sum-flagged').classList.toggle('zero', flagged.length === 0);

    var max = 0;
    s.areas.concat(t ? [t] : []).forEach(function (a) {
      max = Math.max(max, a.supporter_turnout || 0, a.reference || 0);
    });
    max = Math.min(1, Math.max(max * 1.1, 0.1));

    var body = $('status').tBodies[0];
    body.textContent = '';
    s.areas.forEach(function (a) { body.appendChild(statusRow(a, max, false)); });
    var foot = $('status').tFoot;
    foot.textContent = '';
    if (t) foot.appendChild(statusRow(t, max, true));

    // The rows do not say which rule made them: it is `turnout status`'s defaults, or the options
    // this page passed on from its own address.
    var expected = queryValue('expected');
    var z = queryValue('z') || '1.96';
    var minRemaining = queryValue('min_remaining') || queryValue('min-remaining') || '10';
    var rule = [];
    rule.push('reference: ' + (expected ? 'a fixed ' + expected.replace(/\s*%$/, '') + '%' : 'the whole election\u2019s supporter turnout'));
    rule.push('flagged when z \u2264 \u2212' + z + ' and at least ' + minRemaining + ' supporters are left to vote');
    $('rule').textContent = rule.join(' \u00b7 ');
  }

  function cell(tr, field, cls, text) {
    var td = el('td', cls, text);
    td.setAttribute('data-field', field);
    tr.appendChild(td);
  }

  function statusRow(a, max, isTotal) {
    var tr = el('tr', a.under_mobilized ? 'flagged' : '');
    if (isTotal) { tr.className = 'total'; tr.setAttribute('data-area', '(total)'); }
    var name = isTotal ? 'All areas' : areaName(a.area);
    if (!isTotal) {
      tr.tabIndex = 0;
      tr.setAttribute('data-area', name);
      if (followed === name) tr.classList.add('followed');
      var pick = function () { followed = followed === name ? null : name; renderStatus(rawStatus); drawChart(); };
      tr.addEventListener('click', pick);
      tr.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); pick(); } });
    }
    var th = tr.appendChild(el('th', 'area', name));
    th.setAttribute('scope', 'row');
    th.title = name; // cut short on a phone
    cell(tr, 'voters', 'num wide', int(a.voters));
    cell(tr, 'voted', 'num wide', int(a.voted));
    cell(tr, 'supporters', 'num wide', int(a.supporters));
    cell(tr, 'supporters_voted', 'num wide', int(a.supporters_voted));
    var barCell = el('td', 'bar-col');
    barCell.setAttribute('data-field', 'supporter_turnout');
    var bar = el('div', 'bar');
    var fill = el('span', 'fill');
    fill.style.width = ((a.supporter_turnout || 0) / max * 100).toFixed(1) + '%';
    bar.appendChild(fill);
    if (a.reference !== null && a.reference !== undefined) {
      var mark = el('span', 'ref');
      mark.style.left = (a.reference / max * 100).toFixed(1) + '%';
      bar.appendChild(mark);
    }
    barCell.appendChild(bar);
    barCell.appendChild(el('span', 'bar-text', pct(a.supporter_turnout)));
    tr.appendChild(barCell);
    cell(tr, 'reference', 'num wide', pct(a.reference));
    cell(tr, 'remaining', 'num', int(a.remaining));
    cell(tr, 'shortfall', 'num', a.shortfall ? int(a.shortfall) : '–');
    cell(tr, 'z', 'num wide', a.z === null || a.z === undefined ? '–' : Number(a.z).toFixed(2));
    var isNew = a.under_mobilized && !isTotal && flaggedSince[name] && Date.now() - flaggedSince[name] < NEW_FLAG_MS;
    cell(tr, 'under_mobilized', 'flag', a.under_mobilized ? (isNew ? 'LOW (new)' : 'LOW') : '');
    if (isNew) tr.classList.add('new');
    return tr;
  }

  // --- chart ---------------------------------------------------------------------------------

  // One x per hour end; x = 0 is the opening (everyone at 0). Values are percentages.
  function chartData(rows) {
    var hours = [];
    var seen = {};
    rows.forEach(function (r) { if (!seen[r.hour]) { seen[r.hour] = true; hours.push(r.hour); } });
    hours.sort();
    var index = {};
    hours.forEach(function (h, i) { index[h] = i + 1; });
    var labels = [''];
    hours.forEach(function (h, i) {
      var row = rows.filter(function (r) { return r.hour === h; })[0];
      // The hour under way ends in the future: its point is the figure now.
      labels[i + 1] = Date.parse(h) + 3600000 > Date.now() ? 'now' : endOfHour(row.hour_local, h);
    });
    if (hours.length) labels[0] = startOfHour(rows.filter(function (r) { return r.hour === hours[0]; })[0].hour_local, hours[0]);

    var byArea = {};
    var order = [];
    var reference = null;
    rows.forEach(function (r) {
      var name = areaName(r.area);
      if (!byArea[name]) { byArea[name] = fill(hours.length + 1); byArea[name][0] = 0; order.push(name); }
      var v = r.supporter_turnout;
      byArea[name][index[r.hour]] = v === null || v === undefined ? null : v * 100;
      if (name === '(total)' && r.reference !== undefined && r.reference !== null) {
        if (!reference) { reference = fill(hours.length + 1); }
        reference[index[r.hour]] = r.reference * 100;
      }
    });
    // Carry cumulative values over hours an area had no row for.
    order.forEach(function (name) {
      var s = byArea[name];
      for (var i = 1; i < s.length; i++) if (s[i] === null && name !== '(total)') s[i] = s[i - 1];
    });
    var expected = parseFloat(queryValue('expected').replace(',', '.'));
    if (!reference && !isNaN(expected)) reference = fill(hours.length + 1, expected);
    return { x: labels.map(function (_, i) { return i; }), labels: labels, byArea: byArea, order: order, reference: reference };
  }

  function fill(n, v) { var a = []; for (var i = 0; i < n; i++) a.push(v === undefined ? null : v); return a; }

  function startOfHour(local, iso) {
    if (typeof local === 'string' && /^\d\d:\d\d/.test(local)) return local.slice(0, 5);
    return hhmm(new Date(iso));
  }
  function endOfHour(local, iso) {
    if (typeof local === 'string' && /^\d\d:\d\d/.test(local)) {
      var h = (parseInt(local.slice(0, 2), 10) + 1) % 24;
      return ('0' + h).slice(-2) + local.slice(2, 5);
    }
    return hhmm(new Date(Date.parse(iso) + 3600000));
  }

  function drawChart() {
    var box = $('chart');
    var rows = last.timeline || [];
    if (typeof uPlot !== 'function') { box.textContent = 'The chart library did not load (/vendor/uplot.iife.min.js): the table above stays live.'; return; }
    if (!rows.length) { destroyChart(); box.textContent = 'No checks yet.'; $('legend').textContent = ''; return; }
    var d = chartData(rows);
    var flagged = {};
    ((last.status && last.status.areas) || []).forEach(function (a) { if (a.under_mobilized) flagged[areaName(a.area)] = true; });

    var series = [{}];
    var data = [d.x];
    var legend = [];
    var areas = d.order.filter(function (n) { return n !== '(total)'; });
    // Plain areas first (under), flagged then followed last (on top), the total over everything.
    areas.sort(function (a, b) { return weight(a) - weight(b); });
    function weight(n) { return n === followed ? 3 : flagged[n] ? 2 : 1; }
    areas.forEach(function (name) {
      var isFollowed = name === followed;
      var isFlagged = flagged[name];
      series.push({
        label: name,
        stroke: isFollowed ? '#0038a8' : isFlagged ? '#c40000' : 'rgba(0,0,0,0.18)',
        width: isFollowed ? 3 : isFlagged ? 2 : 1,
        points: { show: false },
        spanGaps: true,
      });
      data.push(d.byArea[name]);
    });
    if (d.reference) {
      series.push({ label: 'reference', stroke: '#000', width: 2, dash: [6, 6], points: { show: false }, spanGaps: true });
      data.push(d.reference);
      legend.push(['ref', 'reference']);
    }
    if (d.byArea['(total)']) {
      series.push({ label: 'All areas', stroke: '#000', width: 4, points: { show: true, size: 6, fill: '#000' }, spanGaps: true });
      data.push(d.byArea['(total)']);
      legend.unshift(['total', 'all areas']);
    }
    legend.push(['flagged', 'flagged areas']);
    if (followed) legend.push(['followed', followed]);
    legend.push(['other', 'other areas']);

    var width = Math.max(280, box.clientWidth || 600);
    var height = Math.max(220, Math.min(380, Math.round(width * 0.45)));
    var labels = d.labels;
    var opts = {
      width: width,
      height: height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, Math.max(10, Math.ceil((max || 0) / 10) * 10)]; } } },
      axes: [
        { values: function (u, splits) { return splits.map(function (v) { return labels[v] !== undefined && Math.round(v) === v ? labels[v] : ''; }); }, incrs: [1, 2, 3, 4, 6], font: '12px system-ui, sans-serif' },
        { values: function (u, splits) { return splits.map(function (v) { return v + '%'; }); }, size: 50, font: '12px system-ui, sans-serif' },
      ],
      series: series,
    };
    destroyChart();
    box.textContent = '';
    chart = new uPlot(opts, data, box);
    renderLegend(legend);
  }

  function renderLegend(items) {
    var p = $('legend');
    p.textContent = '';
    items.forEach(function (item) {
      var span = el('span', 'key key-' + item[0]);
      span.appendChild(el('i'));
      span.appendChild(document.createTextNode(item[1]));
      p.appendChild(span);
    });
  }

  function destroyChart() { if (chart) { chart.destroy(); chart = null; } }

  // --- activity ------------------------------------------------------------------------------

  function renderActivity(data) {
    last.activityData = data;
    var rows = readActivity(data);
    last.activity = rows;
    var now = Date.now() + activitySkew;
    rows.forEach(function (r) { r.ago = r.last ? (now - Date.parse(r.last)) / 60000 : Infinity; });
    rows.sort(function (a, b) { return b.ago - a.ago || String(a.precinct).localeCompare(String(b.precinct)); });
    var body = $('activity').tBodies[0];
    body.textContent = '';
    rows.forEach(function (r) {
      var silent = r.ago >= SILENT_MIN;
      var tr = el('tr', silent ? 'silent' : '');
      tr.appendChild(el('th', 'area', areaName(r.precinct))).setAttribute('scope', 'row');
      tr.appendChild(el('td', 'wide', r.last ? hhmm(new Date(r.last)) : 'never'));
      tr.appendChild(el('td', 'num', r.ago === Infinity ? '–' : agoText(r.ago) + (silent ? ' · silent' : '')));
      tr.appendChild(el('td', 'num', r.checks === null ? '–' : int(r.checks)));
      tr.appendChild(el('td', 'tellers', r.tellers));
      body.appendChild(tr);
    });
    if (!rows.length) {
      var tr = el('tr');
      var td = el('td', '', 'No polling station has reported yet.');
      td.colSpan = 5;
      tr.appendChild(td);
      body.appendChild(tr);
    }
  }

  function agoText(min) {
    if (min < 1) return 'now';
    if (min < 60) return Math.floor(min) + ' min';
    return Math.floor(min / 60) + ' h ' + ('0' + Math.floor(min % 60)).slice(-2);
  }

  // --- live ----------------------------------------------------------------------------------

  var rawStatus = null;

  function showStatus(data) {
    rawStatus = data;
    renderStatus(data);
    document.body.setAttribute('data-updated', String(Date.now()));
  }

  function refetchSoon() {
    if (refetchTimer) return;
    refetchTimer = setTimeout(function () {
      refetchTimer = null;
      loadTimeline();
      if (!gotActivityEvent) loadActivity(); // the server sends activity with each status; older ones did not
    }, REFETCH_MS);
  }

  function loadTimeline() {
    return get(withOptions('/api/timeline')).then(function (d) { last.timeline = readTimeline(d); drawChart(); }, fail);
  }
  function loadActivity() {
    return get('/api/activity').then(renderActivity, fail);
  }

  function fail(err) {
    var box = $('error');
    if (err && (err.status === 401 || err.status === 403)) {
      box.textContent = err.status === 403
        ? 'This link does not open the dashboard (' + err.message + '): it needs an HQ (staff) link.'
        : 'This link no longer works (' + err.message + '). Ask for a new HQ link.';
      if (source) source.close();
      setLive('off', 'refused');
    } else {
      box.textContent = 'Could not load: ' + (err && err.message ? err.message : err) + '. Retrying.';
    }
    box.hidden = false;
  }

  function setLive(cls, text) {
    var live = $('live');
    live.className = 'live ' + cls;
    live.textContent = text;
  }

  function connect() {
    if (typeof EventSource !== 'function') { setInterval(function () { get(withOptions('/api/status')).then(showStatus); refetchSoon(); }, 5000); return; }
    source = new EventSource(withOptions('/api/events?token=' + encodeURIComponent(token)));
    source.addEventListener('open', function () { setLive('on', 'live'); $('error').hidden = true; });
    source.addEventListener('error', function () {
      // EventSource reconnects by itself; a refused token makes it give up (readyState CLOSED).
      setLive('off', source.readyState === 2 ? 'disconnected' : 'reconnecting…');
      if (source.readyState === 2) get('/api/status').then(function () { setTimeout(connect, 5000); }, fail);
    });
    source.addEventListener('status', function (ev) {
      try { showStatus(JSON.parse(ev.data)); } catch (e) { return; }
      refetchSoon();
    });
    // The server ends the stream with this once the link is revoked or has expired.
    source.addEventListener('revoked', function () {
      source.close();
      fail(Object.assign(new Error('revoked or expired'), { status: 401 }));
    });
    source.addEventListener('activity', function (ev) {
      try { renderActivity(JSON.parse(ev.data)); } catch (e) { /* keep the last one */ }
      gotActivityEvent = true;
    });
  }

  function start() {
    if (!token) { fail(new Error('the address has no HQ code in it')); return; }
    get(withOptions('/api/status')).then(showStatus, fail).then(function () {
      loadTimeline();
      loadActivity();
    });
    connect();
    setInterval(function () { if (last.activityData) renderActivity(last.activityData); }, 30000); // "ago" moves on
    var resizeTimer = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(drawChart, 150);
    });
  }

  start();
})();
