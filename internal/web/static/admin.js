// Organizer pages: add section lines to the venue form.
const box = document.getElementById('sections');
const add = document.getElementById('add-section');
const tpl = document.getElementById('section-template');
if (box && add && tpl) {
  add.hidden = false;
  add.addEventListener('click', () => {
    const i = box.querySelectorAll('[data-section-row]').length;
    const html = tpl.innerHTML.replaceAll('s999_', `s${i}_`).replace('data-section-row="999"', `data-section-row="${i}"`);
    const div = document.createElement('div');
    div.innerHTML = html;
    const row = div.firstElementChild;
    box.append(row);
    row.querySelector('input').focus();
  });
}
