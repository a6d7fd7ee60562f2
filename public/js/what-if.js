// The what-if page: while a run reads МойСклад's sales, its bar follows it; when it ends, the page
// reloads to show the results. Leaving the page does not stop the run (it runs on the server).
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const run = document.getElementById('what-if-run');
  if (!run || run.dataset.runStatus !== 'running' || !run.dataset.statusUrl) return;
  const bar = run.querySelector('[data-progress-bar]');
  const text = run.querySelector('[data-progress-text]');
  const poll = async () => {
    try {
      const response = await fetch(run.dataset.statusUrl, { headers: { Accept: 'application/json' } });
      if (!response.ok) return;
      const view = await response.json();
      if (view.percent !== null && bar) bar.value = view.percent;
      if (text && view.progress) text.textContent = view.progress;
      if (view.status === 'running') setTimeout(poll, 1500);
      else window.location.reload();
    } catch {
      setTimeout(poll, 5000);
    }
  };
  setTimeout(poll, 1000);
});
