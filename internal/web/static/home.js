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

// "Near a city" suggestions as you type, from the gazetteer (GET /api/v1/places).
const city = document.getElementById('city');
const places = document.getElementById('city-places');
if (city && places) {
  let timer = 0;
  let asked = '';
  let pending = null;
  city.addEventListener('input', () => {
    clearTimeout(timer);
    const q = city.value.split(',')[0].trim();
    if (q.length < 2 || q === asked) {
      return;
    }
    timer = setTimeout(async () => {
      asked = q;
      if (pending) {
        pending.abort();
      }
      pending = new AbortController();
      try {
        const res = await fetch(`/api/v1/places?limit=8&q=${encodeURIComponent(q)}`, { signal: pending.signal });
        if (!res.ok) {
          return;
        }
        const body = await res.json();
        places.replaceChildren(...body.places.map(p => {
          const o = document.createElement('option');
          o.value = p.label;
          return o;
        }));
      } catch {
        // Offline or superseded: typing still works without suggestions.
      }
    }, 150);
  });
}
