// The counterparty widget (app/widget): МойСклад keeps this page loaded and, each time a counterparty's
// page opens, posts `Open` with its id («Открытие виджета», Vendor API). We fetch that counterparty's card
// with our session token (no cookie) and answer `OpenFeedback`, so МойСклад shows the widget only once
// the card is the right one (the open-feedback protocol declared in the descriptor).
'use strict';

(() => {
  const body = document.body;
  const box = document.querySelector('[data-card]');
  if (!box) return;
  const { cardUrl, adjustUrl } = body.dataset;
  const hosts = JSON.parse(body.dataset.hostOrigins || '[]');
  let token = body.dataset.session;
  let latest = 0;

  // The same list frames the page (CSP frame-ancestors): exact origins, or `https://*.moysklad.ru`.
  const fromHost = (origin) =>
    hosts.some((pattern) => {
      if (pattern === origin) return true;
      const wildcard = /^(https?:\/\/)\*\.([^/:]+)$/.exec(pattern);
      if (!wildcard || !origin.startsWith(wildcard[1])) return false;
      return /^[a-z0-9.-]+$/i.test(origin.slice(wildcard[1].length)) && origin.endsWith(`.${wildcard[2]}`);
    });

  const show = (html) => {
    box.innerHTML = html;
    const card = box.querySelector('.wcard');
    if (card && card.dataset.session) token = card.dataset.session;
  };

  const fragment = async (request) => {
    try {
      const response = await request();
      return await response.text();
    } catch {
      return '<section class="wcard"><p class="wempty wempty--error">Нет связи с сервером приложения. Обновите страницу.</p></section>';
    }
  };

  const headers = () => ({ 'X-Iframe-Session': token, 'X-Widget-Fragment': '1', Accept: 'text/html' });

  window.addEventListener('message', async (event) => {
    if (event.source !== window.parent || !fromHost(event.origin)) return;
    const message = event.data;
    if (!message || message.name !== 'Open') return;
    const turn = ++latest;
    const html = message.objectId
      ? await fragment(() =>
          fetch(`${cardUrl}?objectId=${encodeURIComponent(message.objectId)}`, { headers: headers() }),
        )
      : '<section class="wcard"><p class="wempty">Сохраните контрагента, чтобы увидеть его баллы.</p></section>';
    // A newer Open (the user moved on to another counterparty) answers for itself.
    if (turn !== latest) return;
    show(html);
    window.parent.postMessage({ name: 'OpenFeedback', correlationId: message.messageId }, event.origin);
  });

  box.addEventListener('click', (event) => {
    const card = event.target.closest('.wcard');
    if (!card) return;
    if (event.target.closest('[data-open-adjust]')) {
      card.dataset.mode = 'form';
      card.querySelector('input[name="points"]').focus();
    }
    if (event.target.closest('[data-cancel-adjust]')) card.dataset.mode = 'ops';
  });

  box.addEventListener('submit', async (event) => {
    const form = event.target.closest('[data-adjust-form]');
    if (!form) return;
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    // A second click waits for the first; the form's requestKey would make a repeat change nothing anyway.
    button.disabled = true;
    form.elements.session.value = token;
    const fields = new URLSearchParams(new FormData(form));
    show(
      await fragment(() =>
        fetch(adjustUrl, { method: 'POST', headers: headers(), body: fields }),
      ),
    );
  });
})();
