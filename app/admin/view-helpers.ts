import type { BackendKind, LedgerEntryKind, LogKind, TenantStatus, TierChangeReason } from '../../db/schema/index.js';
import { STEP_TITLES } from '../iframe/settings-page.js';
import { maskPhone } from '../logging/redact.js';
import { endpointTitle } from '../txlog/endpoint-names.js';
import { isCustomerNotFound } from '../txlog/loyalty-api-stats.js';
import type { TimeZone } from './time-zone.js';
import { formatRoubles } from '../receipt/money.js';
import { groupDigits, plural } from '../locale/plural.js';

export const TENANT_STATUS_LABELS: Record<TenantStatus, string> = {
  SettingsRequired: 'Нужна настройка',
  Activated: 'Работает',
  Suspended: 'Приостановлено',
  Uninstalled: 'Удалено',
};

/** The Vendor API's `cause` of the last lifecycle event; an unknown one is shown as МойСклад sent it. */
export const LIFECYCLE_CAUSE_LABELS: Record<string, string> = {
  Install: 'установка',
  Resume: 'возобновление подписки',
  TariffChanged: 'смена тарифа',
  Autoprolongation: 'продление подписки',
  Uninstall: 'удаление',
  Suspend: 'приостановка подписки',
};

export const BACKEND_LABELS: Record<BackendKind, string> = {
  ledger: 'Встроенная бонусная программа',
  general: 'Внешняя система (REST API)',
  ibonus: 'i-bonus.me',
};

export const LOG_KIND_LABELS: Record<LogKind, string> = {
  'loyalty-api': 'LoyaltyAPI (касса)',
  'vendor-api': 'Vendor API (установка)',
  moysklad: 'Запросы в МойСклад',
  provider: 'Запросы к системе лояльности и SMS',
  outbox: 'Очередь отправки',
  admin: 'Действия в админке',
  'catch-up': 'Чеки без связи с сервисом',
};

export const ENTRY_KIND_LABELS: Record<LedgerEntryKind, string> = {
  welcome: 'Приветственные баллы',
  earn: 'Начисление за продажу',
  spend: 'Списание в продаже',
  'return-earn': 'Возврат: отмена начисления',
  'return-spend': 'Возврат: списанные баллы вернулись',
  adjustment: 'Ручная корректировка',
  expire: 'Сгорание баллов',
  birthday: 'Баллы ко дню рождения',
  import: 'Перенос баланса из файла',
};

export const TIER_REASON_LABELS: Record<TierChangeReason, string> = {
  sale: 'Покупка',
  return: 'Возврат',
  job: 'Пересчёт: покупки вышли за срок или изменились правила',
  seed: 'История покупок из МоегоСклада',
};

const grouped = (n: number) => groupDigits(Math.abs(n), '\u00a0');

/** Plain functions every admin view gets as `fmt`; nothing here touches the database. */
export function viewHelpers(tz: TimeZone) {
  return {
    time: (ms: number | Date | null | undefined) =>
      ms === null || ms === undefined ? '—' : tz.dateTime(typeof ms === 'number' ? ms : ms.getTime()),
    number: (n: number) => `${n < 0 ? '−' : ''}${grouped(n)}`,
    signed: (n: number) => `${n < 0 ? '−' : n > 0 ? '+' : ''}${grouped(n)}`,
    roubles: formatRoubles,
    /** `3 возврата`: a count with its Russian form (app/locale/plural.ts). */
    count: (n: number, one: string, few: string, many: string) => `${n} ${plural(n, [one, few, many])}`,
    percent: (part: number, whole: number) =>
      whole === 0 ? '—' : `${((part * 100) / whole).toFixed(part * 100 < whole ? 1 : 0).replace('.', ',')}\u00a0%`,
    /** Only ever the last four digits: full phone numbers never reach an admin page. */
    phone: (phone: string | null | undefined) => (phone ? maskPhone(phone) : '—'),
    last4: (digits: string | null | undefined) => (digits ? `***${digits}` : '—'),
    tenantStatus: (status: TenantStatus) => TENANT_STATUS_LABELS[status] ?? status,
    backend: (kind: BackendKind) => BACKEND_LABELS[kind] ?? kind,
    lifecycleCause: (cause: string) => LIFECYCLE_CAUSE_LABELS[cause] ?? cause,
    logKind: (kind: LogKind) => LOG_KIND_LABELS[kind] ?? kind,
    /** The Russian name of a log row's endpoint or action; the raw text only on the row's own page. */
    endpoint: endpointTitle,
    /** How a log row reads: a success, «клиент не найден» (grey, as the dashboard counts it) or a failure. */
    outcome: (row: { ok: boolean; kind: string; endpoint: string; httpStatus: number | null }) =>
      row.ok ? 'ok' : isCustomerNotFound(row) ? 'not-found' : 'error',
    entryKind: (kind: LedgerEntryKind) => ENTRY_KIND_LABELS[kind] ?? kind,
    tierReason: (reason: TierChangeReason) => TIER_REASON_LABELS[reason] ?? reason,
    /** The go-live steps as the settings iframe names them, for views/iframe/_steps.ejs. */
    stepTitles: STEP_TITLES,
    /** A link with a query string; empty values are left out. */
    url: (path: string, params: Record<string, string | number | undefined | null> = {}) => {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(params))
        if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
      const text = query.toString();
      return text ? `${path}?${text}` : path;
    },
  };
}

export type ViewHelpers = ReturnType<typeof viewHelpers>;
