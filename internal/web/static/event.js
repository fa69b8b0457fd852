// The event page: a live seat map. The server drew the sections; this module
// fetches the section layout once, follows the compact seat statuses over
// Server-Sent Events, draws the seats of the section a buyer zooms into, and
// keeps sections, seats and the listing up to date as others hold and buy.
import { startCountdowns } from './countdown.js';

const root = document.querySelector('[data-event-id]');
// Module scripts run once the page is parsed: the map is in the DOM.
root.dataset.mapReadyMs = String(Math.round(performance.now()));
const eventId = root.dataset.eventId;
const maxPick = Number(root.dataset.max) || 8;
const onSale = root.dataset.onsale === 'true';
const currency = root.dataset.currency || 'USD';
const fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency });
// Prices are shown per ticket with the service fee (all-in), as the server
// renders them.
const serviceFee = Number(root.dataset.serviceFee) || 0;
const allIn = s => (s.price + serviceFee) / 100;
const SVGNS = 'http://www.w3.org/2000/svg';
const NAMES = { a: 'available', h: 'held', s: 'sold' };

let layout = null;      // layout.json
let status = null;      // Uint8Array of 'a' | 'h' | 's' char codes, index = seat id - 1
let sectionOf = null;   // Int32Array: seat id -> section index
let open = -1;          // index of the zoomed section, -1 for none
const selected = new Set();

const mapEl = document.getElementById('seatmap');
const panel = document.getElementById('section-panel');
const seatsBox = document.getElementById('sp-seats');
const pickInputs = document.getElementById('pick-inputs');
const pickSubmit = document.getElementById('pick-submit');
const pickSummary = document.getElementById('pick-summary');
const pickGA = document.getElementById('pick-ga');
const gaQty = document.getElementById('ga-qty');
const secEls = [...mapEl.querySelectorAll('.sec')];
const grid = document.getElementById('buy-grid');
const viewSwitch = document.getElementById('view-switch');
const wrap = document.getElementById('map-wrap');
const listingBox = document.getElementById('listing-box');
const sectionFilter = document.getElementById('section-filter');
// A thumb, not a mouse: taps instead of arrow keys, and a map to zoom.
const touch = matchMedia('(pointer: coarse)').matches;
const small = matchMedia('(max-width: 999.98px)');
root.dataset.touch = String(touch);

startCountdowns();

// Auto-apply the listing filters.
const filters = document.getElementById('filters');
filters.querySelectorAll('select').forEach(s => s.addEventListener('change', () => filters.requestSubmit()));

// On a small screen the listing and the map take turns, listing first:
// stacked, the listing was two screens below the map.
function showView(v) {
  grid.dataset.view = v;
  for (const b of viewSwitch.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.view === v));
  if (v === 'map') fitZoom();
}
viewSwitch.hidden = false;
viewSwitch.addEventListener('click', e => { const b = e.target.closest('button[data-view]'); if (b) showView(b.dataset.view); });
showView('list');

// Zoom: the map is drawn wider than its box, which scrolls (a drag on a
// phone). On a small screen the map opens zoomed until its smallest
// sections, the lower bowl's, are big enough to tap.
let zoom = 1, fitted = false;
const MAX_ZOOM = 6;
function setZoom(z, fx = 0.5, fy = 0.5) {
  zoom = Math.min(Math.max(z, 1), MAX_ZOOM);
  mapEl.classList.toggle('zoomed', zoom > 1);
  wrap.classList.toggle('zoomed', zoom > 1);
  mapEl.style.width = `${zoom * 100}%`;
  wrap.scrollLeft = fx * wrap.scrollWidth - wrap.clientWidth / 2;
  wrap.scrollTop = fy * wrap.scrollHeight - wrap.clientHeight / 2;
  root.dataset.zoom = zoom.toFixed(2);
}
function viewCentre() {
  return [(wrap.scrollLeft + wrap.clientWidth / 2) / wrap.scrollWidth, (wrap.scrollTop + wrap.clientHeight / 2) / wrap.scrollHeight];
}
// across is how wide a section is drawn, about: the shorter side of its
// shape's box (a section beside the field is turned on its side).
function across(el) {
  const r = el.querySelector('rect').getBoundingClientRect();
  return Math.min(r.width, r.height);
}
function fitZoom() {
  if (fitted || !small.matches || wrap.clientWidth === 0) return;
  fitted = true;
  const narrowest = Math.min(...secEls.map(across).filter(w => w > 0));
  if (narrowest < 36) setZoom(Math.min(MAX_ZOOM, 36 / narrowest));
}
document.getElementById('map-zoom').hidden = false;
document.getElementById('zoom-in').addEventListener('click', () => setZoom(zoom * 1.6, ...viewCentre()));
document.getElementById('zoom-out').addEventListener('click', () => setZoom(zoom / 1.6, ...viewCentre()));
document.getElementById('zoom-all').addEventListener('click', () => setZoom(1));
if (!small.matches) fitted = true;
else if (getComputedStyle(wrap).display !== 'none') requestAnimationFrame(fitZoom);

// The listing follows the section chosen on the map.
async function loadListing(section) {
  sectionFilter.value = section;
  const params = new URLSearchParams(new FormData(filters));
  if (!section) params.delete('section');
  const r = await fetch(`/events/${eventId}/listing?${params}`, { headers: { Accept: 'text/html' } });
  if (!r.ok) return;
  listingBox.innerHTML = await r.text();
  refreshListing();
  const u = new URL(location.href);
  if (section) u.searchParams.set('section', section); else u.searchParams.delete('section');
  history.replaceState(history.state, '', u);
  root.dataset.listingSection = section;
}
listingBox.addEventListener('click', e => {
  if (!e.target.closest('#section-clear')) return;
  e.preventDefault();
  if (open >= 0) closeSection(); else loadListing('');
});
document.getElementById('sp-to-list').addEventListener('click', () => {
  showView('list');
  document.getElementById('list-h').scrollIntoView({ block: 'start' });
});

const layoutReady = fetch(`/events/${eventId}/layout.json`).then(r => r.json()).then(l => {
  layout = l;
  sectionOf = new Int32Array(l.capacity + 1).fill(-1);
  l.sections.forEach((s, i) => {
    for (const r of s.rows || []) for (const id of rowIds(r)) sectionOf[id] = i;
    for (const [first, n] of s.places || []) for (let k = 0; k < n; k++) sectionOf[first + k] = i;
  });
  return l;
});

function rowIds(r) {
  if (r.length > 3) return r[3];
  const out = new Array(r[2]);
  for (let k = 0; k < r[2]; k++) out[k] = r[1] + k;
  return out;
}
function rowNumbers(r) {
  if (r.length > 4) return r[4];
  return Array.from({ length: r[2] }, (_, k) => k + 1);
}
const st = id => String.fromCharCode(status[id - 1]);

// Live statuses.
function connect() {
  const es = new EventSource(`/events/${eventId}/live`);
  es.addEventListener('snapshot', async ev => {
    await layoutReady;
    const s = ev.data;
    status = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) status[i] = s.charCodeAt(i);
    refreshAllSections();
    if (open >= 0) drawSeats(open);
    refreshListing();
    root.dataset.live = 'on';
  });
  es.addEventListener('change', async ev => {
    await layoutReady;
    if (!status) return;
    const d = JSON.parse(ev.data);
    const touched = new Set();
    for (const [k, ids] of Object.entries(d)) {
      const code = k.charCodeAt(0);
      for (const id of ids) {
        status[id - 1] = code;
        touched.add(sectionOf[id]);
        if (k !== 'a' && selected.has(id)) selected.delete(id);
        const el = open >= 0 && seatsBox.querySelector(`[data-seat-id="${id}"]`);
        if (el) setSeat(el, id);
      }
    }
    touched.forEach(refreshSection);
    if (open >= 0) updatePick();
    refreshListing();
  });
  es.onerror = () => { root.dataset.live = 'retrying'; };
}
connect();

function refreshAllSections() { secEls.forEach((_, i) => refreshSection(i)); }

function refreshSection(i) {
  if (i < 0 || !layout) return;
  const s = layout.sections[i];
  let avail = 0, cap = 0;
  for (const r of s.rows || []) for (const id of rowIds(r)) { cap++; if (status[id - 1] === 97) avail++; }
  for (const [first, n] of s.places || []) for (let k = 0; k < n; k++) { cap++; if (status[first + k - 1] === 97) avail++; }
  const el = secEls[i];
  el.dataset.available = avail;
  el.classList.toggle('soldout', avail === 0);
  el.classList.toggle('low', avail > 0 && avail * 10 < cap);
  el.classList.toggle('open', avail * 10 >= cap);
  el.setAttribute('aria-label', el.getAttribute('aria-label').replace(/, \d+ of \d+ available$/, `, ${avail} of ${cap} available`));
  if (i === open && s.ga) updateGAHint(s, avail);
}

// Listing rows go grey when their block no longer has room.
function refreshListing() {
  for (const li of document.querySelectorAll('#listing .offer')) {
    const ids = (li.dataset.seats || '').split(',').filter(Boolean).map(Number);
    if (!ids.length) continue;
    const need = Number(li.dataset.quantity) || 1;
    let run = 0, best = 0;
    for (const id of ids) { run = st(id) === 'a' ? run + 1 : 0; best = Math.max(best, run); }
    const gone = best < need;
    li.classList.toggle('gone', gone);
    li.querySelector('button[type=submit]').disabled = gone || !onSale;
  }
}

// Zoom into a section.
// The map is one tab stop; arrow keys move between sections (a roving
// tabindex), Enter or Space opens one.
secEls.forEach((el, i) => {
  el.addEventListener('click', () => {
    // Too small for a thumb to be sure which it hit: zoom in on it first.
    if (touch && zoom < MAX_ZOOM && across(el) < 28) {
      const m = mapEl.getBoundingClientRect(), r = el.getBoundingClientRect();
      setZoom(Math.max(zoom * 1.6, zoom * 36 / across(el)), (r.left + r.width / 2 - m.left) / m.width, (r.top + r.height / 2 - m.top) / m.height);
      return;
    }
    openSection(i);
  });
  el.addEventListener('keydown', e => {
    let next = -1;
    switch (e.key) {
      case 'Enter': case ' ': e.preventDefault(); openSection(i); return;
      case 'ArrowRight': case 'ArrowDown': next = (i + 1) % secEls.length; break;
      case 'ArrowLeft': case 'ArrowUp': next = (i - 1 + secEls.length) % secEls.length; break;
      case 'Home': next = 0; break;
      case 'End': next = secEls.length - 1; break;
      default: return;
    }
    e.preventDefault();
    rove(secEls, next);
  });
});

function rove(els, i) {
  els.forEach((el, k) => el.setAttribute('tabindex', k === i ? '0' : '-1'));
  els[i].focus();
}
document.getElementById('sp-close').addEventListener('click', closeSection);
document.addEventListener('keydown', e => { if (e.key === 'Escape' && open >= 0) closeSection(); });

async function openSection(i, keepListing = false) {
  await layoutReady;
  if (open >= 0) secEls[open].classList.remove('active');
  open = i;
  selected.clear();
  secEls[i].classList.add('active');
  panel.hidden = false;
  drawSeats(i);
  const title = document.getElementById('sp-title');
  title.focus();
  panel.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  if (!keepListing) loadListing(secEls[i].dataset.section);
}
// A page opened with ?section= opens that section.
if (sectionFilter.value) {
  const i = secEls.findIndex(el => el.dataset.section === sectionFilter.value);
  if (i >= 0) openSection(i, true);
}

function closeSection() {
  if (open < 0) return;
  const el = secEls[open];
  el.classList.remove('active');
  open = -1;
  selected.clear();
  panel.hidden = true;
  seatsBox.textContent = '';
  el.focus();
  loadListing('');
}

function updateGAHint(s, avail) {
  document.getElementById('sp-hint').textContent = `General admission: ${avail} places left at ${fmt.format(allIn(s))} each, fees included. Choose how many.`;
  pickSubmit.disabled = !onSale || avail === 0;
}

function drawSeats(i) {
  const s = layout.sections[i];
  // A numbered block is "Section 312"; a named one ("Screen 2", "Floor") reads as its name.
  document.getElementById('sp-title').textContent = `${/^[0-9]/.test(s.name) ? 'Section ' : ''}${s.name} · ${fmt.format(allIn(s))} each incl. fees`;
  seatsBox.textContent = '';
  pickInputs.textContent = '';
  if (s.ga) {
    pickGA.hidden = false;
    let avail = 0;
    for (const [first, n] of s.places) for (let k = 0; k < n; k++) if (status && status[first + k - 1] === 97) avail++;
    const hidden = document.createElement('input');
    hidden.type = 'hidden'; hidden.name = 'section'; hidden.value = s.name;
    pickInputs.append(hidden);
    gaQty.disabled = false;
    updateGAHint(s, avail);
    pickSummary.textContent = '';
    pickSubmit.textContent = 'Hold tickets';
    return;
  }
  pickGA.hidden = true;
  gaQty.disabled = true;
  pickSubmit.textContent = 'Hold seats';
  document.getElementById('sp-hint').textContent = !onSale ? 'Tickets are not on sale right now.'
    : touch ? `Tap up to ${maxPick} available seats; drag sideways for the rest of a row.`
      : `Pick up to ${maxPick} available seats. Use Tab, the arrow keys and Enter, or click.`;
  // Seats big enough for a thumb, each with its number; every row shown
  // (the box scrolls sideways only, the page down).
  const gap = 30, r = 13, left = 40, top = 8;
  const widest = Math.max(...s.rows.map(rw => rw[2]));
  const svg = document.createElementNS(SVGNS, 'svg');
  const w = 2 * left + widest * gap, h = top + s.rows.length * gap + 8;
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('width', w);
  svg.setAttribute('height', h);
  svg.setAttribute('role', 'group');
  svg.setAttribute('aria-label', `Seats of section ${s.name}`);
  // When the rows are wider than the box, their names stay in view at its
  // left edge while it scrolls.
  const names = document.createElement('div');
  names.className = 'sp-rows';
  names.setAttribute('aria-hidden', 'true');
  s.rows.forEach((rw, ri) => {
    const n = document.createElement('span');
    n.textContent = rw[0];
    names.append(n);
    const y = top + ri * gap + r;
    const label = document.createElementNS(SVGNS, 'text');
    label.setAttribute('x', left - 10); label.setAttribute('y', y + 4);
    label.setAttribute('class', 'rowlabel');
    label.textContent = rw[0];
    const right = label.cloneNode(true);
    right.setAttribute('x', w - left + 10);
    right.setAttribute('class', 'rowlabel right');
    svg.append(label, right);
    const ids = rowIds(rw), nums = rowNumbers(rw);
    const offset = (widest - ids.length) * gap / 2;
    ids.forEach((id, k) => {
      const c = document.createElementNS(SVGNS, 'circle');
      c.setAttribute('cx', left + offset + k * gap + r);
      c.setAttribute('cy', y);
      c.setAttribute('r', r);
      c.setAttribute('class', 'seat');
      c.setAttribute('tabindex', '-1');
      c.setAttribute('role', 'checkbox');
      c.dataset.seatId = id;
      c.dataset.row = rw[0];
      c.dataset.number = nums[k];
      setSeat(c, id);
      const no = document.createElementNS(SVGNS, 'text');
      no.setAttribute('x', left + offset + k * gap + r);
      no.setAttribute('y', y + 4);
      no.setAttribute('class', 'seatno');
      no.setAttribute('aria-hidden', 'true');
      no.textContent = nums[k];
      svg.append(c, no);
    });
  });
  svg.addEventListener('click', e => { const c = e.target.closest('.seat'); if (c) toggle(c); });
  // One tab stop for the seats too: arrows move along a row and between
  // rows, Enter or Space picks.
  svg.addEventListener('keydown', e => {
    const c = e.target.closest('.seat');
    if (!c) return;
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(c); return; }
    const all = [...svg.querySelectorAll('.seat')];
    const i = all.indexOf(c);
    let next = -1;
    if (e.key === 'ArrowRight') next = i + 1;
    else if (e.key === 'ArrowLeft') next = i - 1;
    else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const rows = [...new Set(all.map(s => s.dataset.row))];
      const r = rows.indexOf(c.dataset.row) + (e.key === 'ArrowDown' ? 1 : -1);
      if (r >= 0 && r < rows.length) {
        const inRow = all.filter(s => s.dataset.row === rows[r]);
        const x = Number(c.getAttribute('cx'));
        next = all.indexOf(inRow.reduce((a, b) => Math.abs(a.getAttribute('cx') - x) <= Math.abs(b.getAttribute('cx') - x) ? a : b));
      }
    }
    if (next >= 0 && next < all.length) { e.preventDefault(); rove(all, next); }
  });
  // The legend stays put above the box, which scrolls sideways.
  if (!panel.querySelector('.seat-legend')) {
    const legend = document.createElement('div');
    legend.className = 'seat-legend';
    legend.innerHTML = '<span><span class="dot available"></span>Available</span><span><span class="dot selected"></span>Your pick</span>' +
      '<span><span class="dot held"></span>Held</span><span><span class="dot sold"></span>Sold</span>';
    seatsBox.before(legend);
  }
  seatsBox.append(names, svg);
  seatsBox.classList.toggle('wide', w > seatsBox.clientWidth);
  seatsBox.scrollLeft = (seatsBox.scrollWidth - seatsBox.clientWidth) / 2; // the middle of the rows
  const first = svg.querySelector('.seat[data-status=available]') || svg.querySelector('.seat');
  if (first) first.setAttribute('tabindex', '0');
  updatePick();
}

function setSeat(el, id) {
  const name = status ? NAMES[st(id)] || 'available' : 'available';
  el.dataset.status = name;
  const mine = selected.has(id);
  el.classList.toggle('selected', mine);
  el.setAttribute('aria-checked', mine ? 'true' : 'false');
  el.setAttribute('aria-disabled', name === 'available' ? 'false' : 'true');
  el.setAttribute('aria-label', `Row ${el.dataset.row}, seat ${el.dataset.number}, ${mine ? 'selected' : name}`);
}

function toggle(el) {
  const id = Number(el.dataset.seatId);
  if (!onSale || el.dataset.status !== 'available') return;
  if (selected.has(id)) selected.delete(id);
  else if (selected.size < maxPick) selected.add(id);
  setSeat(el, id);
  updatePick();
}

function updatePick() {
  const s = layout.sections[open];
  if (!s || s.ga) return;
  pickInputs.textContent = '';
  for (const id of selected) {
    const inp = document.createElement('input');
    inp.type = 'hidden'; inp.name = 'seat'; inp.value = id;
    pickInputs.append(inp);
  }
  const n = selected.size;
  pickSummary.textContent = n === 0 ? 'No seats selected.'
    : `${n} seat${n === 1 ? '' : 's'} selected · ${fmt.format(n * (s.price + serviceFee) / 100)} incl. fees`;
  pickSubmit.disabled = n === 0 || !onSale;
}
