// The gate keeps the barcode field focused, so a USB scanner (a keyboard
// that types the code and Enter) can scan ticket after ticket.
const input = document.getElementById('barcode');
input.focus();
document.addEventListener('click', e => {
  if (!e.target.closest('a, button, input, select, textarea')) input.focus();
});
input.addEventListener('paste', () => setTimeout(() => { if (input.value.trim()) input.form.requestSubmit(); }, 0));
