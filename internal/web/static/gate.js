// The gate keeps the barcode field focused, so a USB scanner (a keyboard
// that types the code and Enter) can scan ticket after ticket. "Scan with
// camera" reads QR codes with the phone's camera instead: the browser's
// BarcodeDetector where it has one that reads QR codes, otherwise jsQR
// (vendored, loaded only then). A camera scan is posted with fetch and
// only the answer is swapped in, so the camera keeps running. A code is
// scanned once while it stays in view, and again only after it has been
// out of view for a few seconds, so one ticket held up to the camera is
// not turned from green to "already scanned" under the holder's eyes.
const form = document.getElementById('gate-form');
const input = document.getElementById('barcode');
const startButton = document.getElementById('camera-start');
const message = document.getElementById('camera-message');
const box = document.getElementById('camera');
const video = document.getElementById('camera-video');

// repeatMillis is how long a code must be out of view before the camera
// scans it again.
const repeatMillis = 3000;
// scanEvery is the pause between two looks at the camera picture.
const scanEvery = 120;
// countEvery is how often the page reads the event's count again.
const countEvery = 4000;

let stream = null;
let decoder = null;
let lastCode = '';
let lastAt = 0;
let busy = false;

if (form) {
  input.focus();
  document.addEventListener('click', e => {
    if (!stream && !e.target.closest('a, button, input, select, textarea, video')) input.focus();
  });
  input.addEventListener('paste', () => setTimeout(() => { if (input.value.trim()) form.requestSubmit(); }, 0));
  startButton.hidden = false;
  startButton.addEventListener('click', () => (stream ? stopCamera() : startCamera()));
  window.addEventListener('pagehide', stopCamera);
  const chosen = document.querySelector('[data-gate-event]');
  if (chosen) setInterval(() => refreshCount(chosen.dataset.gateEvent), countEvery);
}

// refreshCount reads the event's count again: other gates scan too, and
// the figure at every door is the whole event's. A tick that fails (no
// connection for a moment) leaves the last figure; the next one tries again.
async function refreshCount(eventID) {
  if (document.hidden || busy) return;
  try {
    const res = await fetch('/gate/count?event=' + encodeURIComponent(eventID), { credentials: 'same-origin' });
    if (!res.ok) return;
    const t = document.createElement('template');
    t.innerHTML = (await res.text()).trim();
    const fresh = t.content.querySelector('[data-gate-count]');
    const old = document.querySelector('[data-gate-count]');
    if (fresh && old && (fresh.dataset.in !== old.dataset.in || fresh.dataset.of !== old.dataset.of)) old.replaceWith(fresh);
  } catch (err) {
    // Offline for a moment: the next tick tries again.
  }
}

function say(text) {
  message.textContent = text;
  message.hidden = !text;
}

// pickDecoder chooses how to read QR codes: the browser's own detector
// when it has one for QR codes, else jsQR. Its kind is left on the form
// (data-decoder) for whoever wants to know which one ran.
async function pickDecoder() {
  if ('BarcodeDetector' in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes('qr_code')) {
        const d = new window.BarcodeDetector({ formats: ['qr_code'] });
        return { kind: 'native', read: async src => { const r = await d.detect(src); return r.length ? r[0].rawValue : ''; } };
      }
    } catch (err) {
      // A detector that cannot say what it reads is not used.
    }
  }
  await loadScript('/static/vendor/jsQR-1.4.0.js');
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  return {
    kind: 'jsqr',
    read: async src => {
      // At most 640 px across: enough for a ticket held up to the
      // camera, and cheap enough on a phone to look several times a second.
      const scale = Math.min(1, 640 / src.videoWidth);
      const w = Math.round(src.videoWidth * scale), h = Math.round(src.videoHeight * scale);
      if (!w || !h) return '';
      canvas.width = w;
      canvas.height = h;
      ctx.drawImage(src, 0, 0, w, h);
      const r = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: 'dontInvert' });
      return r ? r.data : '';
    },
  };
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    if (window.jsQR) return resolve();
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error('could not load ' + src));
    document.head.append(s);
  });
}

async function startCamera() {
  say('');
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    say(window.isSecureContext
      ? 'This browser has no camera access. Type the barcode or use a USB scanner.'
      : 'The camera needs a secure (https) connection. Type the barcode or use a USB scanner.');
    return;
  }
  startButton.disabled = true;
  try {
    decoder = decoder || await pickDecoder();
    form.dataset.decoder = decoder.kind;
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
  } catch (err) {
    stream = null;
    startButton.disabled = false;
    say(cameraProblem(err));
    return;
  }
  video.srcObject = stream;
  box.hidden = false;
  await video.play().catch(() => {});
  startButton.disabled = false;
  startButton.textContent = 'Stop camera';
  form.dataset.camera = 'on';
  say('Hold the ticket\'s QR code in front of the camera.');
  look();
}

function cameraProblem(err) {
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'The camera was not allowed. Allow it for this site in the browser\'s settings, or type the barcode.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Type the barcode or use a USB scanner.';
    case 'NotReadableError':
      return 'The camera is in use by another app. Close it and try again, or type the barcode.';
    default:
      return 'The camera could not be started' + (err && err.message ? ' (' + err.message + ')' : '') + '. Type the barcode instead.';
  }
}

function stopCamera() {
  if (!stream) return;
  for (const t of stream.getTracks()) t.stop();
  stream = null;
  video.srcObject = null;
  box.hidden = true;
  startButton.textContent = 'Scan with camera';
  delete form.dataset.camera;
  say('');
  input.focus();
}

async function look() {
  if (!stream) return;
  if (!busy && video.readyState >= 2) {
    try {
      const code = (await decoder.read(video)).trim();
      const now = Date.now();
      if (code === lastCode && now - lastAt < repeatMillis) {
        lastAt = now; // still in view: not a new scan
      } else if (code) {
        lastCode = code;
        lastAt = now;
        await submitScan(code);
      }
    } catch (err) {
      // One unreadable picture is not a failure; the next one may do.
    }
  }
  setTimeout(look, scanEvery);
}

// submitScan checks a code in without leaving the page: the server
// answers with the verdict and the count alone.
async function submitScan(code) {
  busy = true;
  input.value = code;
  try {
    const res = await fetch(form.action, {
      method: 'POST',
      body: new URLSearchParams(new FormData(form)),
      headers: { 'X-Gate-Fetch': '1' },
      credentials: 'same-origin',
    });
    if (!res.ok) {
      say(res.status === 404 ? 'This event no longer exists. Reload the page and pick the event you are working.'
        : res.status === 401 || res.status === 403 ? 'You were signed out or the page has expired. Reload the page and sign in again.'
          : 'The scan did not go through (' + res.status + '). Try again or type the barcode.');
      return;
    }
    document.getElementById('gate-result').innerHTML = await res.text();
    const verdict = document.querySelector('[data-verdict]');
    if (verdict && navigator.vibrate) navigator.vibrate(verdict.dataset.verdict === 'ok' ? 80 : [60, 60, 60]);
    say('Hold the next ticket\'s QR code in front of the camera.');
  } catch (err) {
    say('The scan did not go through: no connection. Try again or type the barcode.');
  } finally {
    input.value = '';
    busy = false;
  }
}
