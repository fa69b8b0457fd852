// "Use my location": fills the near form with the browser's position.
const button = document.getElementById('locate');
const form = document.getElementById('near-form');
if (button && form && 'geolocation' in navigator) {
  button.hidden = false;
  button.addEventListener('click', () => {
    button.disabled = true;
    button.textContent = 'Locating…';
    navigator.geolocation.getCurrentPosition(pos => {
      form.querySelector('#near').value = `${pos.coords.latitude.toFixed(4)},${pos.coords.longitude.toFixed(4)}`;
      form.querySelector('#city').value = '';
      form.submit();
    }, () => {
      button.disabled = false;
      button.textContent = 'Use my location';
      form.querySelector('#city').focus();
    }, { timeout: 10000, maximumAge: 600000 });
  });
}
