import Joi from 'joi';
import type { FieldProblem } from '../http/validate.js';
import { formatWholeRoublesUp } from '../receipt/money.js';
import { countText, POINT_FORMS } from '../locale/plural.js';
import {
  MAX_TIER_LEVELS,
  MAX_TIER_THRESHOLD_KOPECKS,
  MAX_TIER_WINDOW_DAYS,
  TIERS_OFF,
  type TierLevel,
  type TierRules,
} from '../ledger/tier-rules.js';

/**
 * The tiers section of the settings form: a switch, the window in days and up to five rows, each a
 * name, a threshold in whole roubles, roubles per point and optionally the maximum % paid with points.
 * Fields are `tiers.enabled`, `tiers.windowDays`, `tiers.name1` … `tiers.maxPaid5`; `tiers.shown` marks
 * a post that had the section, so a page without it never switches tiers off.
 */
export interface TierForm {
  shown?: '1';
  enabled: boolean;
  windowDays?: number;
  [row: string]: unknown;
}

const LEVELS = Array.from({ length: MAX_TIER_LEVELS }, (_, i) => i + 1);
const optionalWhole = (label: string, min: number, max: number) =>
  Joi.number().integer().min(min).max(max).empty('').label(label);

export const tiersFormSchema = Joi.object<TierForm>({
  shown: Joi.string().valid('1'),
  enabled: Joi.boolean().truthy('on').default(false).label('Уровни покупателей'),
  windowDays: Joi.when('enabled', {
    is: true,
    then: optionalWhole('За сколько дней считать покупки', 1, MAX_TIER_WINDOW_DAYS).required(),
    otherwise: optionalWhole('За сколько дней считать покупки', 1, MAX_TIER_WINDOW_DAYS),
  }),
  ...Object.fromEntries(
    LEVELS.flatMap((i) => [
      [`name${i}`, Joi.string().trim().max(40).allow('').default('').label(`Название уровня ${i}`)],
      [`threshold${i}`, optionalWhole(`Порог уровня ${i}, ₽`, 0, MAX_TIER_THRESHOLD_KOPECKS / 100)],
      [`earnRate${i}`, optionalWhole(`Сколько рублей дают 1 балл на уровне ${i}`, 1, 1_000_000)],
      [`maxPaid${i}`, optionalWhole(`Какую часть чека можно оплатить баллами на уровне ${i}, %`, 0, 100)],
    ]),
  ),
});

/**
 * The typed rows as tiers, or what to fix next to each field. Blank rows are skipped; a row that is
 * begun needs its name, threshold and rate; the first level starts at 0 ₽ and each next one higher.
 */
export function tierRulesFromForm(form: TierForm): { rules: TierRules; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const levels: Array<TierLevel & { row: number }> = [];
  for (const i of LEVELS) {
    const name = String(form[`name${i}`] ?? '');
    const threshold = form[`threshold${i}`] as number | undefined;
    const earnRate = form[`earnRate${i}`] as number | undefined;
    const maxPaid = form[`maxPaid${i}`] as number | undefined;
    if (name === '' && threshold === undefined && earnRate === undefined && maxPaid === undefined) continue;
    const called = name || `уровень ${i}`;
    if (name === '') problems.push({ field: `tiers.name${i}`, message: `Назовите уровень ${i}, например «Серебро».` });
    if (threshold === undefined) {
      problems.push({
        field: `tiers.threshold${i}`,
        message: `Укажите, с какой суммы покупок начинается ${name ? `уровень «${name}»` : called}.`,
      });
    }
    if (earnRate === undefined) {
      problems.push({
        field: `tiers.earnRate${i}`,
        message: `Укажите, сколько рублей дают 1 балл на ${name ? `уровне «${name}»` : `уровне ${i}`}.`,
      });
    }
    if (name === '' || threshold === undefined || earnRate === undefined) continue;
    levels.push({
      row: i,
      name,
      thresholdKopecks: threshold * 100,
      earnRateRoublesToPoint: earnRate,
      ...(maxPaid === undefined ? {} : { maxPaidRatePercents: maxPaid }),
    });
  }
  if (problems.length > 0) return { rules: TIERS_OFF, problems };

  levels.forEach((level, i) => {
    const before = levels[i - 1];
    if (!before && level.thresholdKopecks !== 0) {
      problems.push({
        field: `tiers.threshold${level.row}`,
        message: `Первый уровень начинается с 0 ₽: с него начинают все покупатели. Укажите 0 у уровня «${level.name}».`,
      });
    } else if (before && level.thresholdKopecks <= before.thresholdKopecks) {
      problems.push({
        field: `tiers.threshold${level.row}`,
        message: `Порог уровня «${level.name}» должен быть больше, чем у уровня «${before.name}» (${formatWholeRoublesUp(before.thresholdKopecks)}).`,
      });
    }
    if (levels.findIndex((other) => other.name.toLowerCase() === level.name.toLowerCase()) !== i) {
      problems.push({
        field: `tiers.name${level.row}`,
        message: `Уровень «${level.name}» уже есть: назовите уровни по-разному.`,
      });
    }
  });
  if (form.enabled && levels.length === 0) {
    problems.push({
      field: 'tiers.name1',
      message: 'Чтобы включить уровни, задайте хотя бы первый: название, 0 ₽ и ставку.',
    });
  }
  const rules: TierRules = {
    enabled: form.enabled,
    windowDays: form.windowDays ?? TIERS_OFF.windowDays,
    levels: levels.map(({ row: _row, ...level }) => level),
  };
  return { rules, problems };
}

/** Stored tiers as form fields; the switch is "on" or absent, like a browser posts it. */
export function tierFormValues(tiers: TierRules | undefined): Record<string, string> {
  const rules = tiers ?? TIERS_OFF;
  const values: Record<string, string> = { 'tiers.shown': '1', 'tiers.windowDays': String(rules.windowDays) };
  if (rules.enabled) values['tiers.enabled'] = 'on';
  rules.levels.forEach((level, i) => {
    values[`tiers.name${i + 1}`] = level.name;
    values[`tiers.threshold${i + 1}`] = String(level.thresholdKopecks / 100);
    values[`tiers.earnRate${i + 1}`] = String(level.earnRateRoublesToPoint);
    if (level.maxPaidRatePercents !== undefined) values[`tiers.maxPaid${i + 1}`] = String(level.maxPaidRatePercents);
  });
  return values;
}

/**
 * The section's example in roubles, from what the form holds: the second level if there is one (the first
 * is where everyone starts), else the first, else a sample. «Покупка на 1 000 ₽ → 100 баллов (уровень «Серебро»)».
 */
export function tierExample(values: Record<string, string>): string {
  const rows = LEVELS.map((i) => ({
    name: values[`tiers.name${i}`]?.trim(),
    rate: Number(values[`tiers.earnRate${i}`]),
  })).filter((row) => row.name && Number.isInteger(row.rate) && row.rate >= 1);
  const shown = rows[1] ?? rows[0] ?? { name: 'Серебро', rate: 10 };
  const points = Math.floor(1000 / shown.rate);
  return `Покупка на 1 000 ₽ → ${countText(points, POINT_FORMS)} (уровень «${shown.name}»)`;
}
