// The sales page follows the event's figures live.
const box = document.getElementById('sales');
const fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: box.dataset.currency || 'USD' });
const es = new EventSource(`/admin/events/${box.dataset.salesEvent}/sales/live`);
const num = new Intl.NumberFormat('en-US');
const money = c => fmt.format(c / 100);
function show(s) {
  for (const el of box.querySelectorAll('[data-stat]')) {
    const v = s[el.dataset.stat];
    if (v === undefined) continue;
    el.textContent = el.hasAttribute('data-money') ? money(v) : num.format(v);
  }
  // Money by kind: data-line="gross.tickets_cents" and so on.
  for (const el of box.querySelectorAll('[data-line]')) {
    const [part, key] = el.dataset.line.split('.');
    if (s[part] && typeof s[part][key] === 'number') el.textContent = money(s[part][key]);
  }
  const body = box.querySelector('#by-section tbody');
  if (body && Array.isArray(s.sections) && s.sections.length) {
    body.replaceChildren(...s.sections.map(sec => {
      const tr = document.createElement('tr');
      tr.dataset.section = sec.section;
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = sec.section;
      tr.append(th);
      for (const v of [num.format(sec.sold), num.format(sec.refunded), money(sec.tickets_cents), money(sec.fees_cents),
        money(sec.gross_cents), money(sec.refunded_cents), money(sec.net_cents)]) {
        const td = document.createElement('td');
        td.className = 'num';
        td.textContent = v;
        tr.append(td);
      }
      return tr;
    }));
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
