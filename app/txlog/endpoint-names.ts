import type { LogKind } from '../../db/schema/index.js';

/**
 * One Russian name per kind of log row, in one place: the log's rows, its type filter and the CSV show
 * these, never a raw path, an action id or an account id. A name covers every raw endpoint its globs match
 * (SQLite GLOB: `*` is any text), so rows whose paths carry an account or client id fall under one name.
 */
export interface EndpointName {
  kind: LogKind;
  /** Stable key for links (`type=kind|key`). */
  key: string;
  title: string;
  globs: readonly string[];
}

type Entry = readonly [key: string, title: string, globs: readonly string[]];

const OUTBOX_STEPS: ReadonlyArray<readonly [verb: string, title: string]> = [
  ['deliver', 'отправка'],
  ['renote', 'пометка в системе лояльности'],
  ['recover', 'разбор после перезапуска'],
  ['retry', 'повтор вручную'],
  ['abandon', 'отмена вручную'],
];

const NAMES: Record<LogKind, readonly Entry[]> = {
  'loyalty-api': [
    ['recalc', 'Расчёт чека', ['POST /retaildemand/recalc']],
    ['sale', 'Продажа', ['POST /retaildemand']],
    ['sale-code', 'Код для списания баллов', ['POST /retaildemand/verify']],
    ['return', 'Возврат', ['POST /retailsalesreturn']],
    ['search', 'Поиск покупателя', ['GET /counterparty']],
    ['detail', 'Баланс покупателя', ['POST /counterparty/detail']],
    ['register', 'Регистрация покупателя', ['POST /counterparty']],
    ['register-code', 'Код подтверждения регистрации', ['POST /counterparty/verify']],
    ['gift-card', 'Подарочная карта', ['GET /giftcard']],
  ],
  'vendor-api': [
    ['install', 'Установка или возобновление приложения', ['PUT /apps/*/*']],
    ['uninstall', 'Удаление приложения', ['DELETE /apps/*/*']],
    ['status', 'Запрос статуса приложения', ['GET /apps/*/*']],
    ['event', 'Событие приложения', ['PUT /apps/*/*/event']],
  ],
  moysklad: [
    ['status-read', 'Чтение статуса приложения', ['GET moysklad-vendor /apps/*/status']],
    ['status-write', 'Смена статуса приложения', ['PUT moysklad-vendor /apps/*/status']],
    ['loyalty-settings', 'Отправка настроек бонусной программы', ['PUT moysklad-vendor /apps/*/loyalty']],
    ['context', 'Вход сотрудника в настройки', ['POST moysklad-vendor /context/*']],
    ['bonus-program', 'Чтение бонусной программы МоегоСклада', ['GET moysklad-json /entity/bonusprogram*']],
    ['stores', 'Чтение точек продаж', ['GET moysklad-json /entity/retailstore*']],
    ['goods', 'Чтение товаров', ['GET moysklad-json /entity/product*', 'GET moysklad-json /entity/variant*']],
    ['counterparties', 'Чтение покупателей', ['GET moysklad-json /entity/counterparty*']],
    ['sales', 'Чтение истории продаж', ['GET moysklad-json /entity/retaildemand*']],
    ['webhooks', 'Подписка на изменения товаров', ['* moysklad-json /entity/webhook*']],
    ['goods-changed', 'Уведомление об изменении товаров', ['POST /:accountId/:key']],
  ],
  provider: [
    ['general-client', 'Внешняя система: поиск клиента', ['* general-api */client']],
    ['general-recalc', 'Внешняя система: расчёт чека', ['* general-api */recalc']],
    ['general-hold', 'Внешняя система: резерв баллов', ['* general-api */bonuses/hold']],
    ['general-release', 'Внешняя система: снятие резерва', ['* general-api */bonuses/release']],
    ['general-retail', 'Внешняя система: продажа или возврат', ['* general-api */retail']],
    ['ibonus-clients', 'i-bonus: поиск клиента', ['GET ibonus */clients/']],
    ['ibonus-coupons', 'i-bonus: купоны клиента', ['GET ibonus */clients/*/coupons/']],
    ['ibonus-balance', 'i-bonus: баланс клиента', ['GET ibonus */clients/*/balance/']],
    ['ibonus-order', 'i-bonus: продажа или возврат', ['POST ibonus */fiscal/orders/']],
    ['sms', 'SMS с кодом', ['* sms-gateway *']],
  ],
  outbox: OUTBOX_STEPS.flatMap(([verb, step]): Entry[] => [
    [`${verb}-sale`, `Продажа: ${step}`, [`${verb} sale *`]],
    [`${verb}-return`, `Возврат: ${step}`, [`${verb} return *`]],
  ]),
  // app/catch-up writes its rows with these Russian endpoints already (CATCH_UP_SALE, CATCH_UP_WINDOW).
  'catch-up': [
    ['sale', 'Продажа без связи с сервисом', ['Продажа без связи с сервисом']],
    ['window', 'Перерыв в запросах кассы', ['Перерыв в запросах кассы']],
  ],
  admin: [
    ['login', 'Вход в админку', ['auth.login']],
    ['logout', 'Выход из админки', ['auth.logout']],
    ['log-export', 'Выгрузка журнала', ['log.export']],
    ['adjust', 'Ручная корректировка баллов', ['ledger.adjust']],
    ['import', 'Загрузка покупателей из CSV', ['ledger.import']],
    ['gift-card-issue', 'Выпуск подарочной карты', ['gift-card.issue']],
    ['gift-card-block', 'Блокировка подарочной карты', ['gift-card.block']],
    ['gift-card-unblock', 'Разблокировка подарочной карты', ['gift-card.unblock']],
    ['go-live-retry', 'Повтор подключения', ['go-live.retry']],
    ['go-live-resend', 'Повторная отправка настроек', ['go-live.resend']],
    ['rotate-token', 'Новый ключ доступа кассы', ['go-live.rotate-token']],
    ['outbox-retry', 'Очередь: отправить сейчас', ['outbox.retry']],
    ['outbox-resend', 'Очередь: отправить повторно', ['outbox.resend-unknown']],
    ['outbox-abandon', 'Очередь: отменить', ['outbox.abandon']],
    ['user-create', 'Новый пользователь админки', ['user.create']],
    ['user-role', 'Смена роли пользователя', ['user.role']],
    ['user-password', 'Смена пароля пользователя', ['user.password']],
    ['user-block', 'Блокировка пользователя', ['user.block']],
    ['user-unblock', 'Разблокировка пользователя', ['user.unblock']],
  ],
};

/** The names of one kind, in the order a person looks for them. */
export function endpointNames(kind: LogKind): EndpointName[] {
  return (NAMES[kind] ?? []).map(([key, title, globs]) => ({ kind, key, title, globs }));
}

export function findEndpointName(kind: LogKind, key: string): EndpointName | undefined {
  return endpointNames(kind).find((name) => name.key === key);
}

const globRegex = (glob: string) =>
  new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 's');
const compiled = new Map<LogKind, Array<{ title: string; regexes: RegExp[] }>>();

/** The Russian name of a raw endpoint; «Другой запрос» when none fits (the raw text stays on the row's page). */
export function endpointTitle(kind: LogKind, endpoint: string): string {
  let names = compiled.get(kind);
  if (!names) {
    // The most specific glob wins: longer patterns first («POST /retaildemand/recalc» before «POST /retaildemand»).
    names = endpointNames(kind)
      .flatMap((name) => name.globs.map((glob) => ({ title: name.title, glob })))
      .sort((a, b) => b.glob.length - a.glob.length)
      .map(({ title, glob }) => ({ title, regexes: [globRegex(glob)] }));
    compiled.set(kind, names);
  }
  return names.find((name) => name.regexes.some((re) => re.test(endpoint)))?.title ?? 'Другой запрос';
}
