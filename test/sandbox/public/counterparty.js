// The sandbox's counterparty page behaves like МойСклад's host window for a widget with open-feedback:
// the iframe is loaded once; each counterparty shown gets an `Open` message with its id, and a loader
// covers the widget until the widget answers `OpenFeedback` with that message's id.
'use strict';

(() => {
  const frame = document.querySelector('[data-widget-iframe]');
  const slot = document.querySelector('[data-widget-slot]');
  const origin = frame.dataset.widgetOrigin;
  let messageId = 0;
  let current = document.querySelector('[data-counterparty]').dataset.counterparty;

  const open = () => {
    messageId += 1;
    slot.dataset.opening = String(messageId);
    frame.contentWindow.postMessage(
      { name: 'Open', messageId, extensionPoint: 'entity.counterparty.edit', objectId: current, displayMode: 'expanded' },
      origin,
    );
  };

  window.addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow || event.origin !== origin) return;
    const message = event.data || {};
    if (message.name === 'OpenFeedback' && String(message.correlationId) === slot.dataset.opening) {
      delete slot.dataset.opening;
      slot.dataset.shown = message.correlationId;
    }
  });

  frame.addEventListener('load', open);

  document.addEventListener('click', (event) => {
    const link = event.target.closest('[data-counterparty]');
    if (!link) return;
    event.preventDefault();
    document.querySelectorAll('[data-counterparty]').forEach((a) => a.classList.toggle('current', a === link));
    current = link.dataset.counterparty;
    document.querySelector('[data-counterparty-name]').textContent = link.dataset.name;
    document.querySelector('[data-counterparty-phone]').textContent = link.dataset.phone;
    document.querySelector('[data-counterparty-id]').textContent = current;
    open();
  });
})();
