// The waiting room. Before joining: the proof of work, when the event asks
// for one (solved here, sent with the join form). After: the place, kept
// live over the API's stream of its status, or by polling every 5 s when
// the stream cannot be had; when its turn comes the pass goes into the
// qp_<event> cookie that the hold form carries, and the buyer goes
// straight to the seats.
const root = document.querySelector('[data-queue-event]');
const eventId = root.dataset.queueEvent;
const num = new Intl.NumberFormat('en-US');
const POLL_MS = 5000;
const q = name => root.querySelector(`[data-q="${name}"]`);

// The room opens later: reload when it does, so the button works.
if (root.dataset.opensAt) {
  const ms = Date.parse(root.dataset.opensAt) - Date.now();
  if (ms > 0 && ms < 2 ** 31) setTimeout(() => location.reload(), ms + 500);
}

// Proof of work.
const form = document.getElementById('join-form');
const difficulty = Number(root.dataset.pow) || 0;
if (form && difficulty > 0) form.addEventListener('submit', proveThenJoin);

async function proveThenJoin(ev) {
  ev.preventDefault();
  const status = document.getElementById('pow-status');
  const button = document.getElementById('join-button');
  button.disabled = true;
  status.textContent = 'Checking your browser…';
  root.dataset.powState = 'solving';
  try {
    if (!window.crypto?.subtle) throw new Error('this browser cannot do the check here (it needs a secure connection)');
    const r = await fetch(`/events/${encodeURIComponent(eventId)}/queue/challenge`, { headers: { Accept: 'application/json' } });
    const c = await r.json();
    if (!r.ok) throw new Error(c.detail || 'the check could not start');
    const started = performance.now();
    form.elements.pow_nonce.value = await solve(c.challenge, c.difficulty, n => {
      status.textContent = `Checking your browser… (${num.format(n)} tries)`;
    });
    form.elements.pow_challenge.value = c.challenge;
    root.dataset.powMs = String(Math.round(performance.now() - started));
    status.textContent = 'Checked. Joining…';
    form.submit(); // submit() does not fire this listener again
  } catch (err) {
    status.textContent = `Sorry: ${err.message}. Please reload and try again.`;
    button.disabled = false;
  }
}

// solve finds a nonce such that SHA-256(challenge ‖ nonce) starts with
// `bits` zero bits (queue.LeadingZeroBits on the server). Digests run in
// batches: crypto.subtle is asynchronous, and one at a time would spend
// most of the time waiting for promises.
async function solve(challenge, bits, progress) {
  const enc = new TextEncoder();
  const BATCH = 512;
  for (let base = 0; ; base += BATCH) {
    const tries = [];
    for (let n = base; n < base + BATCH; n++) {
      tries.push(crypto.subtle.digest('SHA-256', enc.encode(challenge + n)).then(h => (zeroBits(new Uint8Array(h)) >= bits ? n : -1)));
    }
    const found = (await Promise.all(tries)).find(n => n >= 0);
    if (found !== undefined) return String(found);
    if (base % (BATCH * 16) === 0) progress(base + BATCH);
  }
}

function zeroBits(bytes) {
  let n = 0;
  for (const b of bytes) {
    if (b !== 0) return n + Math.clz32(b) - 24;
    n += 8;
  }
  return n;
}

// The place, live.
const token = root.dataset.token;
let done = false;
let drawn = !q('prequeue') || q('prequeue').hidden;
if (token && root.dataset.status === 'waiting') follow();

function follow() {
  if (!('EventSource' in window)) { poll(); return; }
  const es = new EventSource(`/api/v1/events/${encodeURIComponent(eventId)}/queue/${encodeURIComponent(token)}/stream`);
  es.addEventListener('status', ev => {
    root.dataset.live = 'stream';
    show(JSON.parse(ev.data));
    if (done) es.close();
  });
  // A broken connection and the server's own "error" event both land here.
  es.addEventListener('error', () => {
    es.close();
    if (!done) poll();
  });
}

async function poll() {
  root.dataset.live = 'polling';
  q('live').textContent = 'Keep this page open: it checks your place every 5 seconds and takes you to the seats when it\'s your turn.';
  while (!done) {
    try {
      const r = await fetch(`/api/v1/events/${encodeURIComponent(eventId)}/queue/${encodeURIComponent(token)}`, { headers: { Accept: 'application/json' } });
      if (r.ok) show(await r.json());
      else if (r.status === 404) show({ status: 'expired', detail: 'This place is no longer in the waiting room; join again.' });
    } catch { /* offline for a moment: try again */ }
    if (!done) await new Promise(ok => setTimeout(ok, POLL_MS));
  }
}

function show(st) {
  root.dataset.status = st.status;
  if (st.status === 'admitted') { done = true; admitted(st); return; }
  if (st.status === 'expired') { done = true; expired(st); return; }
  const before = Boolean(st.draw_at);
  q('position').textContent = num.format(st.position || 0);
  q('wait').textContent = waitWords(st.estimated_wait_seconds || 0);
  q('heading').textContent = before ? 'You\'re in the pre-queue' : 'You\'re in line';
  q('position-label').textContent = before ? 'People in the pre-queue so far' : 'Your place in line';
  q('prequeue').hidden = !before;
  if (before) drawAt(st.draw_at);
  if (!before && !drawn) { drawn = true; revealSeed(); }
  root.dataset.updated = String(Date.now());
}

function admitted(st) {
  if (!(Date.parse(st.pass_expires_at) > Date.now())) {
    // A place whose turn came long ago: its pass is spent (web.passSpent).
    expired({ detail: 'your turn came, and your queue pass has expired since; join again' });
    return;
  }
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  const expires = new Date(st.pass_expires_at);
  document.cookie = `qp_${eventId}=${st.pass}; Path=/; SameSite=Lax; Expires=${expires.toUTCString()}${secure}`;
  document.getElementById('place').hidden = true;
  document.getElementById('admitted').hidden = false;
  const to = `/events/${encodeURIComponent(eventId)}?queue=admitted&until=${Math.floor(expires.getTime() / 1000)}`;
  document.getElementById('to-seats').href = to;
  location.assign(to);
}

function expired(st) {
  document.getElementById('place').hidden = true;
  document.getElementById('join').hidden = false;
  q('join-heading').textContent = 'Your place lapsed';
  const msg = q('expired');
  msg.textContent = sentence(st.detail || 'Your place lapsed.');
  msg.hidden = false;
  document.getElementById('join-button').textContent = 'Join again';
}

// The organizer may move the opening: show the time the server says.
function drawAt(iso) {
  const el = q('draw-at');
  if (el.getAttribute('datetime') === iso) return;
  el.setAttribute('datetime', iso);
  const opts = { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' };
  try {
    // The server's words: "Mon, Jan 2, 2006 · 3:04 PM EST" (web.localTime).
    const p = {};
    for (const part of new Intl.DateTimeFormat('en-US', { ...opts, timeZone: root.dataset.tz || 'UTC' }).formatToParts(new Date(iso))) p[part.type] = part.value;
    el.textContent = `${p.weekday}, ${p.month} ${p.day}, ${p.year} · ${p.hour}:${p.minute} ${p.dayPeriod} ${p.timeZoneName}`;
  } catch {
    el.textContent = new Date(iso).toLocaleString();
  }
}

// After the draw the seed is public: show it next to the commitment.
async function revealSeed() {
  try {
    const r = await fetch(`/api/v1/events/${encodeURIComponent(eventId)}/queue`, { headers: { Accept: 'application/json' } });
    const info = await r.json();
    if (!info.seed) return;
    const code = document.createElement('code');
    code.className = 'hash';
    code.dataset.q = 'seed';
    code.textContent = info.seed;
    q('seed').replaceWith(code);
  } catch { /* the seed is also on the next page load */ }
}

// waitWords words a wait as the server does (web.waitWords).
function waitWords(s) {
  const m = Math.ceil(s / 60);
  if (s <= 0) return 'any moment now';
  if (s < 60) return 'less than a minute';
  if (m < 60) return `about ${m} min`;
  if (m % 60 === 0) return `about ${m / 60} h`;
  return `about ${Math.floor(m / 60)} h ${m % 60} min`;
}

function sentence(s) {
  s = s.trim();
  s = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
