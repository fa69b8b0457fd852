// Countdown of a hold: every [data-countdown][data-expires-at] shows the time
// left; when it runs out, the panel's [data-active] part hides and its
// [data-expired] part (which says so and offers to search again) shows.
export function startCountdowns(root = document) {
  for (const el of root.querySelectorAll('[data-countdown][data-expires-at]')) {
    const end = Date.parse(el.dataset.expiresAt);
    const panel = el.closest('[data-hold-id]') || document;
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      el.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
      el.closest('.countdown')?.classList.toggle('urgent', left <= 60);
      if (left <= 0) {
        clearInterval(timer);
        expire(panel);
        return;
      }
      // Announce to screen readers once a minute and in the last 10 seconds.
      if (left % 60 === 0 || left <= 10) el.setAttribute('aria-label', `${left} seconds left`);
    };
    const timer = setInterval(tick, 250);
    tick();
  }
}

function expire(panel) {
  panel.querySelectorAll('[data-active]').forEach(e => { e.hidden = true; });
  panel.querySelectorAll('[data-expired]').forEach(e => { e.hidden = false; });
  panel.querySelectorAll('[data-needs-hold]').forEach(e => { e.disabled = true; });
  document.dispatchEvent(new CustomEvent('hold-expired'));
}
