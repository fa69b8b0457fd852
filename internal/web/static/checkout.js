// Checkout: the hold's countdown, the total as add-ons change (the server
// prices the order again when it is placed), and no double submit.
import { startCountdowns } from './countdown.js';

startCountdowns();

const table = document.getElementById('lines');
const fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: table.dataset.currency || 'USD' });
const selects = [...document.querySelectorAll('select[data-addon]')];
// The server's total includes the add-ons chosen when it rendered.
let base = Number(table.dataset.base);
for (const tr of table.querySelectorAll('[data-addon-line]')) base -= Number(tr.dataset.amount);

function update() {
  let total = base;
  for (const sel of selects) {
    const qty = Number(sel.value), unit = Number(sel.dataset.unit);
    total += qty * unit;
    let tr = table.querySelector(`[data-addon-line="${sel.dataset.addon}"]`);
    if (qty === 0) { tr?.remove(); continue; }
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.addonLine = sel.dataset.addon;
      tr.append(document.createElement('td'), document.createElement('td'), document.createElement('td'));
      tr.children[1].className = tr.children[2].className = 'num';
      const firstFee = table.querySelector('tbody [data-kind=service_fee], tbody [data-kind=order_fee]');
      table.tBodies[0].insertBefore(tr, firstFee);
    }
    tr.children[0].textContent = sel.dataset.name;
    tr.children[1].textContent = qty;
    tr.children[2].textContent = fmt.format(qty * unit / 100);
  }
  const text = fmt.format(total / 100);
  table.querySelector('[data-total]').textContent = text;
  document.querySelector('[data-total-label]').textContent = text;
}
selects.forEach(s => s.addEventListener('change', update));

const form = document.getElementById('checkout-form');
form.addEventListener('submit', () => {
  const b = form.querySelector('button[name=place-order]');
  // Disable after the browser has taken the submitter's value.
  setTimeout(() => { b.disabled = true; b.textContent = 'Placing order…'; }, 0);
});
