import Joi from 'joi';
import type { LedgerEntryKind, Tenant } from '../../db/schema/index.js';
import { CSV_BOM, csvLine } from '../locale/excel-csv.js';
import { groupDigits } from '../locale/plural.js';
import {
  isMoscowMonth,
  moscowDateText,
  moscowMonthBounds,
  moscowMonthOf,
  monthTitle,
  type MoscowMonth,
} from '../locale/moscow-day.js';
import { decimalRoubles, formatRoubles, formatSignedRoubles } from '../receipt/money.js';
import { kopecksForPoints } from '../receipt/points.js';
import type { DbOrTx } from '../storage/database.js';
import { ledgerRulesOf } from './rules.js';
import { giftCardKopecks, pointsBefore, pointsByKind, readSnapshot } from './statement-queries.js';

/**
 * What the shop owes its customers in points (docs/decisions.md, "The points statement"): a query over
 * the entries, never a balance kept beside them. The liability at an instant is Σ of the tenant's
 * entries created before it, pending points included; a month's statement is that sum at the month's
 * first Moscow midnight, the month's entries per line, and the sum at the next one.
 */

export type StatementLineKey =
  'earned' | 'welcome' | 'spent' | 'expired' | 'returns' | 'adjusted' | 'imported' | 'other';

/** The lines in the order the owner reads them, each a signed movement of points. */
export const STATEMENT_LINES: ReadonlyArray<{ key: StatementLineKey; title: string }> = [
  { key: 'earned', title: 'Начислено за покупки' },
  { key: 'welcome', title: 'Подарено: приветственные и ко дню рождения' },
  { key: 'spent', title: 'Списано в покупках' },
  { key: 'expired', title: 'Сгорело' },
  { key: 'returns', title: 'Пересчитано при возвратах' },
  { key: 'adjusted', title: 'Исправлено поддержкой' },
  { key: 'imported', title: 'Перенесено из другой программы' },
  { key: 'other', title: 'Прочее' },
];

/**
 * Which line each entry kind goes to: a new kind is one line here (the type demands it). 'birthday' is
 * given like welcome points; it is listed before the ledger writes it, so nothing changes when it does.
 */
export const LINE_OF_KIND: { readonly [K in LedgerEntryKind | 'birthday']: StatementLineKey } = {
  earn: 'earned',
  welcome: 'welcome',
  birthday: 'welcome',
  spend: 'spent',
  expire: 'expired',
  'return-earn': 'returns',
  'return-spend': 'returns',
  adjustment: 'adjusted',
  import: 'imported',
};

/** An amount of points and what they are worth at the till, in kopecks. */
export interface Figure {
  points: number;
  kopecks: number;
}

export interface StatementLine extends Figure {
  key: StatementLineKey;
  title: string;
}

export interface PointsStatement {
  tenantId: string;
  month: MoscowMonth;
  /** `ноябрь 2026` */
  title: string;
  /** The Moscow midnights that start this month and the next. */
  start: number;
  end: number;
  /** False for the month still running: its closing figure is the one at `asOf`. */
  complete: boolean;
  asOf: number;
  /** Points per 1 ₽ of discount: the rate every rouble figure is converted at (today's rule). */
  spendRate: number;
  opening: Figure;
  /** Every line, also the empty ones; 'other' is shown only when not zero. */
  lines: StatementLine[];
  closing: Figure;
  /**
   * Points in the closing figure that become spendable later (postponed earning): owed, not yet on offer.
   * Not a part of it per customer: support may have taken away more than a customer's available points.
   */
  pending: Figure;
  /** Money left on gift cards that can still pay, now: a liability of its own, in roubles, not in the points. */
  giftCardKopecks: number;
}

type SpendRate = { spendRatePointsToRouble: number };

/** Points → kopecks at the spend rate, rounded toward zero like every spend is. */
function worth(points: number, rate: SpendRate): number {
  const kopecks = kopecksForPoints(Math.abs(points), { active: true, maxPaidRatePercents: 100, ...rate });
  return points < 0 ? -kopecks : kopecks;
}

/** The liability at an instant: points held (pending ones too) and their worth. */
export function liabilityAt(db: DbOrTx, tenant: Pick<Tenant, 'accountId' | 'settings'>, at: number) {
  const rate = ledgerRulesOf(tenant);
  const { points, pending } = pointsBefore(db, tenant.accountId, at);
  return {
    points,
    kopecks: worth(points, rate),
    pending: { points: pending, kopecks: worth(pending, rate) },
  };
}

/** Sums one month's movements per line; a kind this code does not know goes to 'other'. */
export function linesOf(byKind: ReadonlyMap<string, number>): Map<StatementLineKey, number> {
  const lines = new Map<StatementLineKey, number>(STATEMENT_LINES.map((line) => [line.key, 0]));
  for (const [kind, points] of byKind) {
    const key = (LINE_OF_KIND as Record<string, StatementLineKey | undefined>)[kind] ?? 'other';
    lines.set(key, lines.get(key)! + points);
  }
  return lines;
}

/**
 * A month's statement, read in one snapshot. Each line's roubles are the change it makes to the running
 * total's worth, so the rouble column adds up to the kopeck as the points do, whatever the rate.
 */
export function pointsStatement(
  db: DbOrTx,
  tenant: Pick<Tenant, 'accountId' | 'settings'>,
  month: MoscowMonth,
  now: number,
): PointsStatement {
  const rate = ledgerRulesOf(tenant);
  const { start, end } = moscowMonthBounds(month);
  const asOf = Math.min(end, now);
  const read = readSnapshot(db, (tx) => ({
    closing: pointsBefore(tx, tenant.accountId, end, asOf),
    byKind: pointsByKind(tx, tenant.accountId, start, end),
    giftCards: giftCardKopecks(tx, tenant.accountId, now),
  }));
  const movements = linesOf(read.byKind);
  const opening = read.closing.points - [...movements.values()].reduce((sum, points) => sum + points, 0);

  let running = opening;
  const lines = STATEMENT_LINES.map(({ key, title }) => {
    const points = movements.get(key)!;
    const kopecks = worth(running + points, rate) - worth(running, rate);
    running += points;
    return { key, title, points, kopecks };
  });
  return {
    tenantId: tenant.accountId,
    month,
    title: monthTitle(month),
    start,
    end,
    complete: end <= now,
    asOf,
    spendRate: rate.spendRatePointsToRouble,
    opening: { points: opening, kopecks: worth(opening, rate) },
    lines,
    closing: { points: read.closing.points, kopecks: worth(read.closing.points, rate) },
    pending: { points: read.closing.pending, kopecks: worth(read.closing.pending, rate) },
    giftCardKopecks: read.giftCards,
  };
}

/** The month to show: the one asked for, never one that has not begun. */
export function statementMonth(asked: MoscowMonth | undefined, now: number): MoscowMonth {
  const current = moscowMonthOf(now);
  return asked && asked < current ? asked : current;
}

/** One row as the page and the CSV show it. */
export interface StatementRow {
  key: 'opening' | StatementLineKey | 'closing' | 'pending';
  title: string;
  points: number;
  kopecks: number;
  /** A movement (shown with its sign), not a balance. */
  movement: boolean;
}

/** The rows of a statement, in order: every fixed line, 'other' only when something landed there. */
export function statementRows(statement: PointsStatement): StatementRow[] {
  const balance = (key: StatementRow['key'], title: string, figure: Figure) => ({
    key,
    title,
    ...figure,
    movement: false,
  });
  return [
    balance('opening', `Остаток на начало месяца, ${moscowDateText(statement.start)}`, statement.opening),
    ...statement.lines
      .filter((line) => line.key !== 'other' || line.points !== 0)
      .map((line) => ({ ...line, movement: true })),
    balance(
      'closing',
      statement.complete
        ? `Остаток на конец месяца, ${moscowDateText(statement.end - 1)}`
        : `Остаток сейчас, ${moscowDateText(statement.asOf)} (месяц не закончился)`,
      statement.closing,
    ),
    balance('pending', 'Из начисленных с отсрочкой ещё не доступно', statement.pending),
  ];
}

const grouped = (n: number) => groupDigits(Math.abs(n), '\u00a0');

/** How the page writes a row's figures: `+1 200`, `−35`, `1 200,00 ₽`. */
export const statementFormat = {
  points: (row: Pick<StatementRow, 'points' | 'movement'>) =>
    `${row.points < 0 ? '−' : row.movement && row.points > 0 ? '+' : ''}${grouped(row.points)}`,
  roubles: (row: Pick<StatementRow, 'kopecks' | 'movement'>) =>
    row.movement ? formatSignedRoubles(row.kopecks) : formatRoubles(row.kopecks),
  roublesOf: formatRoubles,
};

/** The statement as Excel with Russian settings opens it: the page's rows, roubles with a decimal comma. */
export function statementCsv(statement: PointsStatement, accountName: string): string {
  return [
    CSV_BOM,
    csvLine(['Баллы и обязательства', accountName]),
    csvLine(['Месяц', statement.month]),
    csvLine(['Баллов за 1 ₽ скидки', statement.spendRate]),
    csvLine(['Статья', 'Баллы', 'Рубли']),
    ...statementRows(statement).map((row) => csvLine([row.title, row.points, decimalRoubles(row.kopecks)])),
    csvLine(['Подарочные карты: остаток сейчас (отдельно от баллов)', null, decimalRoubles(statement.giftCardKopecks)]),
  ].join('');
}

/** `?month=2026-11` as both pages take it; absent: the current month. */
export const statementQuery = Joi.object<{ month?: MoscowMonth }>({
  month: Joi.string()
    .custom((value: string, helpers) => (isMoscowMonth(value) ? value : helpers.error('string.pattern.base')))
    .label('Месяц'),
}).unknown(true);

/** `statement-2026-11.csv` */
export function statementFileName(statement: PointsStatement): string {
  return `statement-${statement.month}.csv`;
}
