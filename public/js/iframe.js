// Settings iframe: the only script on the page (CSP script-src 'self'). Everything but
// "Проверить подключение" works without it.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('settings-form');
  const check = form && form.querySelector('[data-action="check"]');
  const result = document.getElementById('check-result');

  if (check && result && !form.querySelector('fieldset[disabled]')) {
    check.hidden = false;
    check.addEventListener('click', async () => {
      check.disabled = true;
      result.className = 'check-result check-result--busy';
      result.textContent = 'Проверяем…';
      try {
        const response = await fetch(check.dataset.url, {
          method: 'POST',
          headers: { Accept: 'application/json' },
          body: new URLSearchParams(new FormData(form)),
        });
        const answer = response.headers.get('content-type')?.includes('application/json') ? await response.json() : undefined;
        show(answer ?? { ok: false, message: 'Страница устарела. Откройте приложение заново из МоегоСклада.' });
      } catch {
        show({ ok: false, message: 'Нет связи с сервером приложения. Проверьте интернет и повторите.' });
      } finally {
        check.disabled = false;
      }
    });
  }

  function show(answer) {
    result.className = `check-result ${answer.ok ? 'check-result--ok' : 'check-result--error'}`;
    result.textContent = answer.message;
  }

  // After a failed save: focus goes to the first field at fault, and each link in the summary focuses its field.
  // A field inside a folded section is opened first: a closed <details> hides it from focus.
  const summary = document.getElementById('error-summary');
  const fieldOf = (link) => {
    const field = document.getElementById(link.getAttribute('href').slice(1));
    for (let fold = field?.closest('details'); fold; fold = fold.parentElement?.closest('details')) fold.open = true;
    return field;
  };
  if (summary) {
    const first = summary.querySelector('a[href^="#"]');
    const target = first && fieldOf(first);
    (target || summary).focus({ preventScroll: false });
    summary.addEventListener('click', (event) => {
      const link = event.target.closest('a[href^="#"]');
      const field = link && fieldOf(link);
      if (!field) return;
      event.preventDefault();
      field.scrollIntoView({ block: 'center' });
      field.focus({ preventScroll: true });
    });
  }

  // A field's error is about the value that was posted: once the owner edits it, the error goes.
  form?.addEventListener('input', (event) => {
    const field = event.target.closest('.field--invalid, tr.field--invalid');
    if (!field) return;
    field.classList.remove('field--invalid');
    field.querySelector('.field__error')?.remove();
  });

  // Seeding tier totals runs in the background: while it does, its line follows it.
  const seed = document.querySelector('.tier-seed[data-seed-url]');
  const busy = (status) => status === 'requested' || status === 'running';
  if (seed && busy(seed.dataset.seedStatus)) {
    const line = seed.querySelector('[data-seed-text]');
    const poll = async () => {
      try {
        const response = await fetch(seed.dataset.seedUrl, { headers: { Accept: 'application/json' } });
        if (!response.ok) return;
        const view = await response.json();
        seed.dataset.seedStatus = view.status;
        if (line && view.text) line.textContent = view.text;
        if (busy(view.status)) setTimeout(poll, 2000);
        else seed.querySelector('[data-action="seed"]')?.removeAttribute('disabled');
      } catch {
        setTimeout(poll, 5000);
      }
    };
    setTimeout(poll, 1000);
  }

  for (const confirmForm of document.querySelectorAll('form[data-confirm]')) {
    confirmForm.addEventListener('submit', (event) => {
      if (!window.confirm(confirmForm.dataset.confirm)) event.preventDefault();
    });
  }
});
