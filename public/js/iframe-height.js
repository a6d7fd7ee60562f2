// Settings iframe: tells МойСклад's page how tall our content is on every change of its height, so the
// app window grows with the form instead of scrolling inside it (the main window is at least 768 px;
// «Окна (iframes)» in the Vendor API docs). The same job as МойСклад's moysklad-iframe-expand-3.js, but
// served by us, so the page's CSP stays script-src 'self'.
'use strict';

(() => {
  if (window.parent === window) return;
  let sent = -1;
  const report = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === sent) return;
    sent = height;
    // Only a number leaves the page, so the message may go to whichever МойСклад host frames us.
    window.parent.postMessage({ height }, '*');
  };
  new ResizeObserver(report).observe(document.documentElement);
  window.addEventListener('load', report);
  report();
})();
