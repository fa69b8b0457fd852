// The sales page follows the event's figures live.
const box = document.getElementById('sales');
const fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: box.dataset.currency || 'USD' });
const es = new EventSource(`/admin/events/${box.dataset.salesEvent}/sales/live`);
function show(s) {
  for (const el of box.querySelectorAll('[data-stat]')) {
    const v = s[el.dataset.stat];
    if (v === undefined) continue;
    el.textContent = el.hasAttribute('data-money') ? fmt.format(v / 100) : String(v);
  }
  const cap = s.capacity || 1;
  box.querySelector('[data-bar=sold]').style.width = `${100 * s.sold / cap}%`;
  box.querySelector('[data-bar=held]').style.width = `${100 * s.held / cap}%`;
  box.dataset.updated = String(Date.now());
}
es.addEventListener('change', ev => show(JSON.parse(ev.data)));
es.onerror = () => { document.getElementById('live-note').textContent = '(reconnecting…)'; };
es.onopen = () => { document.getElementById('live-note').textContent = '(live)'; };

// The waiting room's figures come with the sales, when it is on.
const room = document.getElementById('queue-figures');
const count = new Intl.NumberFormat('en-US');
function showQueue(qi) {
  if (!room || !qi) return;
  for (const el of room.querySelectorAll('[data-queue-stat]')) {
    const v = qi[el.dataset.queueStat];
    if (typeof v === 'number') el.textContent = count.format(v);
  }
  const seed = room.querySelector('[data-queue-seed]');
  if (qi.seed && seed.tagName !== 'CODE') {
    const code = document.createElement('code');
    code.className = 'hash';
    code.dataset.queueSeed = '';
    code.textContent = qi.seed;
    seed.replaceWith(code);
  }
  room.dataset.updated = String(Date.now());
}
es.addEventListener('change', ev => showQueue(JSON.parse(ev.data).queue));
