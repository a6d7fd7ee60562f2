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

  // A field's error is about the value that was posted: once the owner edits it, the error goes.
  form?.addEventListener('input', (event) => {
    const field = event.target.closest('.field--invalid, tr.field--invalid');
    if (!field) return;
    field.classList.remove('field--invalid');
    field.querySelector('.field__error')?.remove();
  });

  for (const confirmForm of document.querySelectorAll('form[data-confirm]')) {
    confirmForm.addEventListener('submit', (event) => {
      if (!window.confirm(confirmForm.dataset.confirm)) event.preventDefault();
    });
  }
});
