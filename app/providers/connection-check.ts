import type { BackendKind } from '../../db/schema/index.js';
import { AppError, BusinessRuleError, NotFoundError, UpstreamError } from '../errors.js';
import {
  PUBLIC_ONLY,
  REFUSED_ADDRESS_MESSAGES,
  isOutboundRefusal,
  type OutboundGuard,
} from '../http/outbound-guard.js';
import type { Logger } from '../logging/logger.js';
import type { ProviderSecrets, TenantSettings } from '../tenants/tenant-settings.js';
import { generalPointsInUse } from './general/general-settings.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import { GeneralApiClient } from './general/general-api-client.js';
import { IBonusClient } from './ibonus/ibonus-client.js';
import { IBonusError } from './ibonus/ibonus-errors.js';

export interface ConnectionCheckInput {
  backend: BackendKind;
  settings: TenantSettings;
  secrets: ProviderSecrets;
}

/** `ok` false means the owner must change something; `message` says what, in their words. */
export interface ConnectionCheckResult {
  ok: boolean;
  message: string;
}

export interface ConnectionCheckDeps {
  logger: Logger;
  txlog?: TransactionLog;
  /** The owner waits on the answer; a few seconds tell a dead address from a slow one. */
  timeoutMs?: number;
  /** The owner typed the address: it is called only if public, or allowed by the operator. */
  guard?: OutboundGuard;
}

/** Refused before anything is sent, or at connect time: the same answer either way. */
const REFUSED: ConnectionCheckResult = { ok: false, message: REFUSED_ADDRESS_MESSAGES.provider };

/** A phone nobody has: the search proves the key and the point without touching a real customer. */
const PROBE_PHONE = '70000000000';

/**
 * "Проверить подключение": one harmless read with the given credentials. A refusal that names the
 * customer proves the address, the key and the point are right; anything else is told plainly.
 */
export async function checkProviderConnection(
  input: ConnectionCheckInput,
  deps: ConnectionCheckDeps,
): Promise<ConnectionCheckResult> {
  switch (input.backend) {
    case 'ledger':
      return {
        ok: true,
        message: 'Встроенная бонусная программа работает на этом сервере: подключать ничего не нужно.',
      };
    case 'general':
      return checkGeneral(input, deps);
    case 'ibonus':
      return checkIBonus(input, deps);
  }
}

async function checkGeneral(
  { settings, secrets }: ConnectionCheckInput,
  deps: ConnectionCheckDeps,
): Promise<ConnectionCheckResult> {
  const baseURL = settings.general?.baseUrl;
  const apiKey = secrets.general?.apiKey;
  if (!baseURL || !apiKey) return { ok: false, message: 'Укажите адрес API и ключ API, затем проверьте снова.' };
  const guard = deps.guard ?? PUBLIC_ONLY;
  if (!(await guard.permits(baseURL))) return REFUSED;
  const client = new GeneralApiClient({
    baseURL,
    apiKey,
    logger: deps.logger,
    txlog: deps.txlog,
    timeoutMs: deps.timeoutMs ?? 5000,
    guard,
  });
  // Every point a till may use is tried: the default one and each store's, not only the first.
  const points = generalPointsInUse(settings);
  const unknownPoints: string[] = [];
  let customerFound = false;
  for (const point of points.length > 0 ? points : ['']) {
    try {
      await client.findClient({ search: PROBE_PHONE, point });
      customerFound = true;
    } catch (error) {
      if (isOutboundRefusal(error)) return REFUSED;
      if (error instanceof NotFoundError) continue;
      if (!(error instanceof BusinessRuleError && error.parameter === 'point'))
        return { ok: false, message: unreachable(error, baseURL) };
      if (!point)
        return {
          ok: false,
          message: 'Ключ API принят. Укажите точку по умолчанию: система лояльности требует точку продаж.',
        };
      unknownPoints.push(point);
    }
  }
  if (unknownPoints.length > 0) {
    const named = unknownPoints.map((point) => `«${point}»`).join(', ');
    return {
      ok: false,
      message: `Ключ API принят, но ${unknownPoints.length === 1 ? 'точки' : 'точек'} ${named} нет в системе лояльности. Проверьте точку по умолчанию и соответствие точек.`,
    };
  }
  if (points.length > 1)
    return {
      ok: true,
      message: `Подключение работает: система лояльности приняла ключ API и точки продаж ${points.map((p) => `«${p}»`).join(', ')}.`,
    };
  return customerFound
    ? { ok: true, message: 'Подключение работает: система лояльности приняла ключ API.' }
    : { ok: true, message: 'Подключение работает: система лояльности приняла ключ API и точку продаж.' };
}

async function checkIBonus(
  { settings, secrets }: ConnectionCheckInput,
  deps: ConnectionCheckDeps,
): Promise<ConnectionCheckResult> {
  const baseURL = settings.ibonus?.baseUrl;
  const { login, password } = secrets.ibonus ?? {};
  if (!baseURL || !login || !password)
    return { ok: false, message: 'Укажите адрес i-bonus, логин и пароль, затем проверьте снова.' };
  const guard = deps.guard ?? PUBLIC_ONLY;
  if (!(await guard.permits(baseURL))) return REFUSED;
  const client = new IBonusClient({
    baseURL,
    login,
    password,
    logger: deps.logger,
    txlog: deps.txlog,
    timeoutMs: deps.timeoutMs ?? 5000,
    guard,
  });
  try {
    await client.findClients({ phone: PROBE_PHONE, limit: 1 });
    return { ok: true, message: 'Подключение к i-bonus работает: логин и пароль приняты.' };
  } catch (error) {
    if (isOutboundRefusal(error)) return REFUSED;
    if (error instanceof IBonusError && error.failure === 'auth') return { ok: false, message: error.message };
    return { ok: false, message: unreachable(error, baseURL) };
  }
}

/** A refused key is the provider's own words; silence, garbage or a 404 mean the address is likely wrong. */
function unreachable(error: unknown, baseURL: string): string {
  if (!(error instanceof AppError)) throw error;
  if (error instanceof UpstreamError && error.definite && error.upstreamStatus !== 404) return error.message;
  return `Система лояльности не отвечает по адресу ${baseURL}. Проверьте адрес и что сервер доступен из интернета.`;
}
