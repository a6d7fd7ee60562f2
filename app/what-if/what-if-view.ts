import type { WhatIfRun } from '../../db/schema/index.js';
import type { ReplayRules, ReplayTotals } from '../ledger/replay.js';
import { tiersOn } from '../ledger/tier-rules.js';
import { countText, DAY_FORMS, groupDigits, plural, POINT_FORMS, SALE_FORMS } from '../locale/plural.js';
import { formatRoubles } from '../receipt/money.js';

/** One line of the side-by-side table: what it is, proposed and current, already in words and numbers. */
export interface ComparisonRow {
  key: string;
  title: string;
  proposed: string;
  current: string;
}

/** A run as the page and its poll show it. */
export interface WhatIfRunView {
  id: string;
  status: WhatIfRun['status'];
  days: number;
  period: string;
  share: number;
  startedAt: string;
  startedBy?: string;
  /** 0..100 once the list's size is known. */
  percent?: number;
  progress: string;
  error?: string;
  proposedRules: string;
  currentRules: string;
  rows?: ComparisonRow[];
  /** The proposed rules' headline numbers, for the list of past runs. */
  headline?: { discount: string; share: string; issued: string; liability: string };
}

const dateText = (ms: number) => new Date(ms).toLocaleDateString('ru-RU', { timeZone: 'Europe/Moscow' });
const timeText = (ms: number) =>
  new Date(ms).toLocaleString('ru-RU', { timeZone: 'Europe/Moscow', dateStyle: 'short', timeStyle: 'short' });
/** «13 682 балла»: large counts grouped, unlike the till's receipt line. */
const pointsText = (count: number) => countText(count, POINT_FORMS);
/** Numbers never break across lines. */
const nbsp = (text: string) => text.replace(/(\d) (?=\d|₽|%|балл|дн|покупател)/g, '$1\u00a0');

/** discount / revenue as a percentage with two decimals, from integers: "2,35 %". */
export function shareOfRevenue(partKopecks: number, revenueKopecks: number): string {
  if (revenueKopecks <= 0) return '0,00 %';
  const hundredths = Math.round((partKopecks * 10_000) / revenueKopecks);
  return `${Math.floor(hundredths / 100)},${String(hundredths % 100).padStart(2, '0')} %`;
}

/** «1 балл за 10 ₽ · 1 балл = 1 ₽ · до 30 % чека · сгорают через 180 дней · 3 уровня». */
export function rulesSummary(rules: ReplayRules): string {
  const { ledger, tiers } = rules;
  if (!ledger.active) return 'Программа выключена';
  const parts = [
    `1 балл за ${groupDigits(ledger.earnRateRoublesToPoint)} ₽`,
    `${pointsText(ledger.spendRatePointsToRouble)} = 1 ₽`,
    `до ${ledger.maxPaidRatePercents} % чека`,
    ledger.pointsLifetimeDays > 0 ? `сгорают через ${countText(ledger.pointsLifetimeDays, DAY_FORMS)}` : 'не сгорают',
  ];
  if (ledger.welcomeBonusesEnabled && ledger.welcomeBonusesValue > 0) {
    parts.push(`${pointsText(ledger.welcomeBonusesValue)} в подарок`);
  }
  if (tiersOn(tiers))
    parts.push(`${tiers.levels.length} ${plural(tiers.levels.length, ['уровень', 'уровня', 'уровней'])}`);
  if (!ledger.allAgents) parts.push(`только теги: ${ledger.agentTags.join(', ')}`);
  return nbsp(parts.join(' · '));
}

function progressText(run: WhatIfRun): string {
  switch (run.status) {
    case 'running': {
      if (run.size === null) return 'Читаем продажи из МоегоСклада…';
      return `Прочитано ${groupDigits(run.read)} из ${groupDigits(run.size)} ${plural(run.size, ['продажи', 'продаж', 'продаж'])}.`;
    }
    case 'done':
      return `Готово: ${countText(run.read, SALE_FORMS)} за ${countText(run.days, DAY_FORMS)}.`;
    case 'failed':
      return `Проверка не удалась: ${run.error ?? 'неизвестная ошибка.'}`;
  }
}

function rowsOf(proposed: ReplayTotals, current: ReplayTotals): ComparisonRow[] {
  const row = (key: string, title: string, of: (t: ReplayTotals) => string): ComparisonRow => ({
    key,
    title,
    proposed: nbsp(of(proposed)),
    current: nbsp(of(current)),
  });
  const people = (n: number) => countText(n, ['покупатель', 'покупателя', 'покупателей']);
  return [
    row('revenue', 'Выручка по полным ценам', (t) => formatRoubles(t.revenueKopecks)),
    row('discount', 'Скидка баллами', (t) => formatRoubles(t.discountKopecks)),
    row('discount-share', 'Скидка, % выручки', (t) => shareOfRevenue(t.discountKopecks, t.revenueKopecks)),
    row('issued', 'Начислено баллов', (t) => pointsText(t.pointsEarned + t.pointsWelcome)),
    row('spent', 'Списано баллов', (t) => pointsText(t.pointsSpent)),
    row('expired', 'Сгорело баллов', (t) => pointsText(t.pointsExpired)),
    row(
      'liability',
      'Долг по баллам в конце',
      (t) => `${pointsText(t.liabilityPoints)} (${formatRoubles(t.liabilityKopecks)})`,
    ),
    row('earning', 'Получали баллы', (t) => people(t.customersEarning)),
    row('spending', 'Тратили баллы', (t) => people(t.customersSpending)),
    row('customers', 'Покупателей в чеках', (t) => people(t.customers)),
  ];
}

export function runView(run: WhatIfRun): WhatIfRunView {
  const proposed = run.proposedTotals as ReplayTotals | null;
  const current = run.currentTotals as ReplayTotals | null;
  const done = run.status === 'done' && proposed && current;
  return {
    id: run.id,
    status: run.status,
    days: run.days,
    period: `${dateText(run.fromMs)} — ${dateText(run.untilMs)}`,
    share: run.spendSharePercent,
    startedAt: timeText(run.createdAt),
    startedBy: run.startedBy ?? undefined,
    percent: run.size
      ? Math.min(100, Math.floor((run.read * 100) / run.size))
      : run.status === 'done'
        ? 100
        : undefined,
    progress: nbsp(progressText(run)),
    error: run.error ?? undefined,
    proposedRules: rulesSummary(run.proposedRules as unknown as ReplayRules),
    currentRules: rulesSummary(run.currentRules as unknown as ReplayRules),
    ...(done
      ? {
          rows: rowsOf(proposed, current),
          headline: {
            discount: nbsp(formatRoubles(proposed.discountKopecks)),
            share: nbsp(shareOfRevenue(proposed.discountKopecks, proposed.revenueKopecks)),
            issued: nbsp(pointsText(proposed.pointsEarned + proposed.pointsWelcome)),
            liability: nbsp(formatRoubles(proposed.liabilityKopecks)),
          },
        }
      : {}),
  };
}
