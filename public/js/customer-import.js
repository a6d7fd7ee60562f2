// Customer import (views/_customer-import.ejs), in the settings iframe and the admin: reads the chosen
// file, sends its bytes for a dry run, draws the column mapping and the report, then starts the import
// and follows its progress. The server decodes and parses; nothing here interprets the file.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const root = document.getElementById('customer-import');
  const input = root && root.querySelector('#import-file');
  if (!input) return;
  const $ = (selector) => root.querySelector(selector);
  const headers = JSON.parse(root.dataset.headers || '{}');
  const maxBytes = Number(root.dataset.maxBytes);
  const statusLine = $('[data-import-status]');
  const presetSelect = $('[data-import-preset]');
  const fieldsBody = $('[data-import-fields]');
  const startButton = $('[data-import-start]');
  let file;
  let answer;

  const status = (text, kind) => {
    statusLine.textContent = text;
    statusLine.className = `import-status${kind ? ` import-status--${kind}` : ''}`;
  };
  const number = (n) => `${n < 0 ? '−' : ''}${Math.abs(n).toLocaleString('ru-RU')}`;

  async function send(url, query) {
    const response = await fetch(`${url}?${new URLSearchParams(query)}`, {
      method: 'POST',
      headers: {
        ...headers,
        'Content-Type': 'text/csv',
        Accept: 'application/json',
        'X-File-Name': encodeURIComponent(file.name),
      },
      body: file.bytes,
    });
    return answerOf(response);
  }

  async function answerOf(response) {
    const json = response.headers.get('content-type')?.includes('application/json') ? await response.json() : undefined;
    if (!response.ok) {
      const message = json?.message ?? 'Сервер не принял файл. Обновите страницу и повторите.';
      throw new Error(json?.hint ? `${message} ${json.hint}` : message);
    }
    return json;
  }

  async function check(query) {
    status('Проверяем файл…', 'busy');
    startButton.disabled = true;
    try {
      answer = await send(root.dataset.checkUrl, query);
      draw(answer);
      status('Файл проверен, ничего ещё не изменено. Проверьте столбцы и итоги, затем нажмите «Перенести».', 'ok');
    } catch (error) {
      status(error.message || 'Нет связи с сервером. Проверьте интернет и повторите.', 'error');
    }
  }

  function mappingQuery() {
    const query = { mapped: '1', preset: presetSelect.value };
    for (const select of fieldsBody.querySelectorAll('select')) query[select.name] = select.value;
    return query;
  }

  function option(value, text, selected) {
    const element = document.createElement('option');
    element.value = value;
    element.textContent = text;
    element.selected = selected;
    return element;
  }

  function cell(row, text) {
    const td = row.insertCell();
    td.textContent = text;
    return td;
  }

  function draw(result) {
    $('[data-import-mapping]').hidden = false;
    $('[data-import-report]').hidden = false;
    $('[data-import-progress]').hidden = true;
    const separator = result.file.separator === ';' ? '«;»' : '«,»';
    $('[data-import-file-facts]').textContent =
      `${file.name}: ${number(result.file.rows)} строк, ${result.file.encoding}, разделитель ${separator}.`;

    presetSelect.replaceChildren(...result.presets.map((p) => option(p.id, p.label, p.id === result.preset)));
    fieldsBody.replaceChildren();
    const sample = result.file.sample[0] || [];
    for (const field of result.fields) {
      const row = fieldsBody.insertRow();
      cell(row, field.label);
      const select = document.createElement('select');
      select.name = field.id;
      select.append(option('', '— не загружать —', result.mapping[field.id] === undefined));
      result.file.header.forEach((title, index) =>
        select.append(option(String(index), `${index + 1}. ${title}`, result.mapping[field.id] === index)),
      );
      row.insertCell().append(select);
      const index = result.mapping[field.id];
      cell(row, index === undefined ? '' : sample[index] || '');
    }

    const r = result.report;
    const lines = [
      ['Строк в файле', number(r.rows)],
      ['Новых покупателей', number(r.created)],
      [`Уже есть в программе (совпали по телефону: ${number(r.matchedByPhone)}, по карте: ${number(r.matchedByCard)})`, number(r.matchedByPhone + r.matchedByCard)],
      ['— из них баланс станет как в файле', number(r.updated)],
      ['— из них уже перенесены этим файлом, без изменений', number(r.unchanged)],
      [`Пропущено строк (дубликаты в файле: ${number(r.duplicatesInFile)}, неверные телефоны: ${number(r.badPhones)})`, number(r.skipped)],
      ['Баллов у перенесённых покупателей', `${number(r.pointsInFile)} (${r.pointsInFileRoubles})`],
      ['Изменение баллов на балансах', `${number(r.pointsPosted)} (${r.pointsPostedRoubles})`],
    ];
    const counts = $('[data-import-counts]');
    counts.replaceChildren();
    for (const [label, value] of lines) {
      const row = counts.insertRow();
      cell(row, label);
      cell(row, value);
    }
    const skipped = r.problems.filter((p) => p.skipped).length;
    $('[data-import-problems-title]').textContent =
      r.problems.length === 0
        ? 'Ошибок в строках нет.'
        : `Замечания по строкам: ${number(r.problems.length)} (пропущены: ${number(skipped)})`;
    $('[data-import-problems]').textContent = r.problems
      .map((p) => `Строка ${p.line}: ${p.message}`)
      .join('\n');
    const work = r.created + r.updated;
    startButton.disabled = work === 0;
    startButton.textContent = work === 0 ? 'Нечего переносить' : `Перенести ${number(work)} покупателей`;
  }

  input.addEventListener('change', async () => {
    const chosen = input.files && input.files[0];
    if (!chosen) return;
    if (chosen.size > maxBytes) {
      status(`Файл больше ${root.dataset.maxMegabytes} МБ. Разделите его на части и загрузите по очереди.`, 'error');
      return;
    }
    file = { name: chosen.name, bytes: await chosen.arrayBuffer() };
    await check({});
  });
  presetSelect.addEventListener('change', () => check({ preset: presetSelect.value }));
  fieldsBody.addEventListener('change', () => check(mappingQuery()));

  startButton.addEventListener('click', async () => {
    const r = answer.report;
    if (!window.confirm(`Перенести покупателей: новых ${number(r.created)}, обновить ${number(r.updated)}?`)) return;
    startButton.disabled = true;
    input.disabled = true;
    try {
      const { id } = await send(root.dataset.startUrl, mappingQuery());
      status('Переносим покупателей. Страницу можно закрыть: перенос продолжится.', 'busy');
      follow(id);
    } catch (error) {
      status(error.message, 'error');
      startButton.disabled = false;
      input.disabled = false;
    }
  });

  function follow(id) {
    const box = $('[data-import-progress]');
    box.hidden = false;
    const bar = box.querySelector('progress');
    const text = box.querySelector('[data-import-progress-text]');
    const poll = async () => {
      let progress;
      try {
        progress = await answerOf(
          await fetch(`${root.dataset.progressUrl}${id}`, { headers: { ...headers, Accept: 'application/json' } }),
        );
      } catch {
        setTimeout(poll, 3000);
        return;
      }
      bar.value = progress.rows === 0 ? 100 : Math.floor((progress.doneRows * 100) / progress.rows);
      text.textContent = `Обработано ${number(progress.doneRows)} из ${number(progress.rows)} строк.`;
      // The server restarted mid-import: another process takes it over within a minute or two.
      if (progress.waiting) {
        text.textContent += ' Сервер перезапускался: перенос продолжится сам со строки, где остановился, через минуту-другую. Загружать файл снова не нужно.';
      }
      if (progress.status === 'running') return void setTimeout(poll, progress.waiting ? 3000 : 1000);
      input.disabled = false;
      if (progress.status === 'done') {
        status(
          `Готово: новых покупателей ${number(progress.created)}, обновлено ${number(progress.updated)}, без изменений ${number(progress.unchanged)}, пропущено строк ${number(progress.skipped)}.`,
          'ok',
        );
      } else {
        status(progress.error || 'Перенос прервался. Загрузите тот же файл ещё раз: перенесённые строки не повторятся.', 'error');
      }
    };
    poll();
  }
});
