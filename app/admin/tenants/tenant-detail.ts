import type { SaleReturn, Tenant } from '../../../db/schema/index.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import { ledgerRulesOf } from '../../ledger/rules.js';
import { safeUrl } from '../../logging/safe-url.js';
import { saleRepository } from '../../ledger/sale-repository.js';
import type { Outbox } from '../../outbox/outbox.js';
import type { Db } from '../../storage/database.js';
import { providerSecretsOf, settingsOf, smsWebhookUrlOf, type TenantSettings } from '../../tenants/tenant-settings.js';
import { goLiveView, type GoLiveView } from './go-live-view.js';
import { catalogOverview, type CatalogOverview } from '../../catalog/catalog-overview.js';
import { restrictionSettingsOf } from '../../tenants/tenant-settings.js';
import { agoText } from '../../locale/ago.js';
import { daysText, pointsText } from '../../locale/plural.js';
import { OUTBOX_PAGE, outboxLine, type OutboxLine } from './outbox-view.js';

export interface SettingLine {
  label: string;
  value: string;
}

/** A secret is only ever "задан" or "не задан" on a page; its value is never read into the view. */
export interface CredentialLine {
  label: string;
  set: boolean;
}

/** Everything the tenant page shows, one field per section of views/admin/tenants/detail.ejs. */
export interface TenantDetail {
  tenant: Pick<
    Tenant,
    'accountId' | 'accountName' | 'status' | 'lastCause' | 'backend' | 'createdAt' | 'updatedAt' | 'configuredAt'
  >;
  credentials: CredentialLine[];
  goLive: GoLiveView;
  settings: SettingLine[];
  /** МойСклад retail store id → the provider's point id. */
  storePoints: Array<{ storeId: string; point: string }>;
  /** Sales and returns still owed to the provider, or failed: waiting, sending, needs support; newest first. */
  outbox: { items: OutboxLine[]; older?: number; shown: boolean };
  returnsNeedingSupport: SaleReturn[];
  /** The goods cache the restricted-goods rule reads: its age and size, and how it keeps current. */
  goods: {
    connected: boolean;
    catalog: CatalogOverview;
    /** «5 мин назад», or undefined before the first fill. */
    age?: string;
  };
}

export interface TenantDetailDeps {
  db: Db;
  box: SecretBox;
  outbox: Pick<Outbox, 'listItems'>;
  loyaltyApiUrl: string;
}

/** `outboxBefore` pages the outbox items back from that id. */
export function tenantDetail(
  deps: TenantDetailDeps,
  tenant: Tenant,
  options: { outboxBefore?: number } = {},
): TenantDetail {
  const settings = settingsOf(tenant);
  const items = deps.outbox
    .listItems(tenant.accountId, { limit: OUTBOX_PAGE, beforeId: options.outboxBefore })
    .map(outboxLine);
  return {
    tenant,
    credentials: credentialsOf(deps.box, tenant),
    goLive: goLiveView(tenant, deps.loyaltyApiUrl),
    settings: settingLines(deps.box, tenant, settings),
    storePoints: Object.entries(settings.storePoints ?? {}).map(([storeId, point]) => ({ storeId, point })),
    outbox: {
      items,
      older: items.length === OUTBOX_PAGE ? items.at(-1)!.id : undefined,
      // The built-in ledger has no outbox; a tenant that moved to it may still have items from before.
      shown: tenant.backend !== 'ledger' || items.length > 0 || options.outboxBefore !== undefined,
    },
    returnsNeedingSupport: saleRepository.returnsNeedingSupport(deps.db, tenant.accountId).slice(0, 50),
    goods: goodsCache(deps.db, tenant),
  };
}

function goodsCache(db: Db, tenant: Tenant): TenantDetail['goods'] {
  const catalog = catalogOverview(db, tenant.accountId, restrictionSettingsOf(tenant));
  return {
    connected: Boolean(tenant.accessTokenEnc),
    catalog,
    age: catalog.filledAt === undefined ? undefined : agoText(catalog.filledAt, Date.now()),
  };
}

function credentialsOf(box: SecretBox, tenant: Tenant): CredentialLine[] {
  const lines: CredentialLine[] = [
    { label: 'Токен доступа к JSON API МоегоСклада', set: Boolean(tenant.accessTokenEnc) },
    { label: 'Токен LoyaltyAPI', set: Boolean(tenant.loyaltyTokenHash) },
  ];
  if (tenant.pendingLoyaltyTokenHash) lines.push({ label: 'Новый токен LoyaltyAPI (идёт замена)', set: true });
  let secrets;
  try {
    secrets = providerSecretsOf(box, tenant);
  } catch {
    // A sealed value that no longer opens (a changed ENCRYPTION_KEY) is worth saying, not crashing over.
    return [...lines, { label: 'Ключи системы лояльности (не расшифровываются: проверьте ENCRYPTION_KEY)', set: true }];
  }
  if (tenant.backend === 'general' || secrets.general)
    lines.push({ label: 'API-ключ внешней системы', set: Boolean(secrets.general?.apiKey) });
  if (tenant.backend === 'ibonus' || secrets.ibonus) {
    lines.push(
      { label: 'Логин i-bonus', set: Boolean(secrets.ibonus?.login) },
      { label: 'Пароль i-bonus', set: Boolean(secrets.ibonus?.password) },
    );
  }
  return lines;
}

const yesNo = (value: boolean) => (value ? 'да' : 'нет');

function settingLines(box: SecretBox, tenant: Tenant, settings: TenantSettings): SettingLine[] {
  const lines: SettingLine[] = [
    { label: 'Поиск покупателей', value: tenant.externalSearch ? 'во внешней системе' : 'в МоёмСкладе' },
  ];
  if (tenant.backend === 'ledger') {
    const rules = ledgerRulesOf(tenant);
    lines.push(
      { label: 'Программа активна', value: yesNo(rules.active) },
      { label: 'Начисление', value: `1 балл за ${rules.earnRateRoublesToPoint} ₽` },
      { label: 'Списание', value: `${pointsText(rules.spendRatePointsToRouble)} = 1 ₽` },
      { label: 'Оплата баллами', value: `не больше ${rules.maxPaidRatePercents} % чека` },
      { label: 'Начислять при списании', value: yesNo(rules.earnWhileRedeeming) },
      {
        label: 'Приветственные баллы',
        value: rules.welcomeBonusesEnabled
          ? `${rules.welcomeBonusesValue} ${rules.welcomeBonusesMode === 'REGISTRATION' ? 'при регистрации' : 'при первой покупке'}`
          : 'нет',
      },
      { label: 'Отсрочка начисления', value: daysText(rules.postponedBonusesDelayDays) },
      { label: 'Код подтверждения при списании', value: yesNo(rules.requireSpendingCode) },
      { label: 'Код подтверждения при регистрации', value: yesNo(rules.confirmRegistrationByCode) },
      { label: 'SMS-шлюз для кодов', value: smsGatewayLine(box, tenant) },
    );
  }
  if (settings.general) {
    lines.push({ label: 'Адрес API внешней системы', value: safeUrl(settings.general.baseUrl) });
    if (settings.general.defaultPoint)
      lines.push({ label: 'Точка по умолчанию', value: settings.general.defaultPoint });
  }
  if (settings.ibonus) {
    lines.push(
      { label: 'Адрес API i-bonus', value: safeUrl(settings.ibonus.baseUrl) },
      { label: 'Оплата баллами в i-bonus', value: `не больше ${settings.ibonus.maxPaidRatePercents} % чека` },
      { label: 'Курс списания i-bonus', value: `${pointsText(settings.ibonus.spendRatePointsToRouble)} = 1 ₽` },
    );
  }
  if (settings.whenProviderDown) {
    lines.push({
      label: 'Если система лояльности недоступна',
      value: settings.whenProviderDown === 'refuse' ? 'отказывать с понятной ошибкой' : 'продавать без скидки',
    });
  }
  return lines;
}

/** The gateway's URL is sealed: support sees it cut like any address, or that it does not open. */
function smsGatewayLine(box: SecretBox, tenant: Tenant): string {
  let url;
  try {
    url = smsWebhookUrlOf(box, tenant);
  } catch {
    return 'задан (не расшифровывается: проверьте ENCRYPTION_KEY)';
  }
  return url ? safeUrl(url) : 'не задан';
}
