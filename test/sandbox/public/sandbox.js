// The sandbox's pages only: copy a value to the clipboard, put a customer's phone into the till.
'use strict';

document.addEventListener('click', async (event) => {
  const copy = event.target.closest('[data-copy]');
  if (copy) {
    const value = copy.closest('.copyable').querySelector('[data-value]');
    try {
      await navigator.clipboard.writeText(value.textContent);
    } catch {
      // No clipboard API (the page opened by a LAN address): select the text for Ctrl+C.
      getSelection().selectAllChildren(value);
      return;
    }
    copy.textContent = 'скопировано';
    setTimeout(() => { copy.textContent = 'копировать'; }, 1500);
  }
  const fill = event.target.closest('[data-fill-phone]');
  if (fill) {
    document.getElementById('phone').value = fill.dataset.fillPhone;
    document.getElementById('name').value = fill.dataset.fillName;
  }
});

// The embed page behaves like МойСклад's host window: the app's main iframe is as tall as the height it
// posts, never below 768 px.
window.addEventListener('message', (event) => {
  const frame = document.querySelector('iframe[data-app-iframe]');
  if (!frame || event.source !== frame.contentWindow) return;
  const height = Number(event.data && event.data.height);
  if (!Number.isFinite(height) || height <= 0) return;
  frame.style.height = `${Math.max(768, Math.ceil(height))}px`;
  frame.dataset.contentHeight = String(height);
});
