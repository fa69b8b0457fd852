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

startCountdowns();

// Auto-apply the listing filters.
const filters = document.getElementById('filters');
filters.querySelectorAll('select').forEach(s => s.addEventListener('change', () => filters.requestSubmit()));

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
  el.addEventListener('click', () => openSection(i));
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

async function openSection(i) {
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
}

function updateGAHint(s, avail) {
  document.getElementById('sp-hint').textContent = `General admission: ${avail} places left at ${fmt.format(allIn(s))} each, fees included. Choose how many.`;
  pickSubmit.disabled = !onSale || avail === 0;
}

function drawSeats(i) {
  const s = layout.sections[i];
  document.getElementById('sp-title').textContent = `Section ${s.name} · ${fmt.format(allIn(s))} each incl. fees`;
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
  document.getElementById('sp-hint').textContent = onSale
    ? `Pick up to ${maxPick} available seats. Use Tab and Enter, or tap.`
    : 'Tickets are not on sale right now.';
  const gap = 22, r = 8, left = 44, top = 16;
  const widest = Math.max(...s.rows.map(rw => rw[2]));
  const svg = document.createElementNS(SVGNS, 'svg');
  const w = left + widest * gap + 12, h = top + s.rows.length * gap + 8;
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('width', Math.max(w, 280));
  svg.setAttribute('role', 'group');
  svg.setAttribute('aria-label', `Seats of section ${s.name}`);
  s.rows.forEach((rw, ri) => {
    const y = top + ri * gap + r;
    const label = document.createElementNS(SVGNS, 'text');
    label.setAttribute('x', left - 10); label.setAttribute('y', y + 4);
    label.setAttribute('class', 'rowlabel');
    label.textContent = rw[0];
    svg.append(label);
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
      svg.append(c);
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
  const legend = document.createElement('div');
  legend.className = 'seat-legend';
  legend.innerHTML = '<span><span class="dot available"></span>Available</span><span><span class="dot selected"></span>Your pick</span>' +
    '<span><span class="dot held"></span>Held</span><span><span class="dot sold"></span>Sold</span>';
  seatsBox.append(legend, svg);
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
