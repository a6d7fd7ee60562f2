import Joi from 'joi';
import type { Tenant, TenantStatus } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { validate } from '../http/validate.js';
import { immediate, type Db } from '../storage/database.js';
import { iframeSessionRepository as iframeSessions } from '../iframe/iframe-session-repository.js';
import { ACCESS_TOKEN_FIELD, issueLoyaltyToken } from '../tenants/loyalty-token.js';
import { tenantRepository as tenants } from '../tenants/tenant-repository.js';

const accessSchema = Joi.object({
  resource: Joi.string().required(),
  scope: Joi.array().items(Joi.string()).default([]),
  permissions: Joi.any(),
  access_token: Joi.string().required(),
}).unknown(true);

const activationSchema = Joi.object({
  appUid: Joi.string().required(),
  accountName: Joi.string().max(255).required(),
  cause: Joi.string().valid('Install', 'Resume', 'TariffChanged', 'Autoprolongation').required(),
  access: Joi.array().items(accessSchema).default([]),
  subscription: Joi.object().unknown(true),
  additional: Joi.any(),
}).unknown(true);

const deactivationSchema = Joi.object({
  appUid: Joi.string(),
  accountName: Joi.string().max(255),
  cause: Joi.string().valid('Uninstall', 'Suspend').required(),
}).unknown(true);

const eventSchema = Joi.object({
  appUid: Joi.string(),
  cause: Joi.string().required(),
  access: Joi.array().items(accessSchema).default([]),
}).unknown(true);

export type ActivationAnswer = { status: Extract<TenantStatus, 'SettingsRequired' | 'Activated'> };

/**
 * The app's life on one МойСклад account. Every method is idempotent: МойСклад repeats webhooks,
 * and a repeat must get the same answer. Nothing here calls out, so the 10 s budget is safe.
 */
export class AppLifecycle {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly app: { appId: string; appUid: string; jsonApiUrl: string },
  ) {}

  activate(appId: string, accountId: string, input: unknown): ActivationAnswer {
    this.checkApp(appId, accountId);
    const body = validate(activationSchema, input);
    this.checkAppUid(body.appUid);
    const accessToken = this.pickAccessToken(body.access);
    return immediate(this.db, (tx) => {
      const existing = tenants.find(tx, accountId);
      const status = existing?.configuredAt ? 'Activated' : 'SettingsRequired';
      const sealedAccess = accessToken ? this.box.seal(accessToken, accountId, ACCESS_TOKEN_FIELD) : undefined;
      if (!existing) {
        const token = issueLoyaltyToken(this.box, accountId);
        const now = new Date();
        tenants.insert(tx, {
          accountId,
          appId,
          accountName: body.accountName,
          status,
          lastCause: body.cause,
          subscription: body.subscription ?? null,
          accessTokenEnc: sealedAccess ?? null,
          loyaltyTokenHash: token.hash,
          loyaltyTokenEnc: token.sealed,
          createdAt: now,
          updatedAt: now,
        });
        return { status };
      }
      // TariffChanged and Autoprolongation carry no access[]: the stored token stays.
      const changes: Partial<Tenant> = {
        appId,
        accountName: body.accountName,
        status,
        lastCause: body.cause,
        subscription: body.subscription ?? existing.subscription,
      };
      if (sealedAccess) changes.accessTokenEnc = sealedAccess;
      if (!existing.loyaltyTokenHash) Object.assign(changes, this.freshToken(accountId));
      tenants.update(tx, accountId, changes);
      return { status };
    });
  }

  /** Returns false for an account we never saw (МойСклад expects 204 then). */
  deactivate(appId: string, accountId: string, input: unknown): boolean {
    this.checkApp(appId, accountId);
    const body = validate(deactivationSchema, input);
    return immediate(this.db, (tx) => {
      const existing = tenants.find(tx, accountId);
      if (!existing) return false;
      // МойСклад has already revoked the access token by now, in both cases.
      const common = { lastCause: body.cause, accessTokenEnc: null };
      if (body.cause === 'Suspend') {
        tenants.update(tx, accountId, { ...common, status: 'Suspended' });
      } else {
        // МойСклад drops its copy of our loyalty settings, so the token must die with them.
        tenants.update(tx, accountId, {
          ...common,
          status: 'Uninstalled',
          loyaltyTokenHash: null,
          loyaltyTokenEnc: null,
          pendingLoyaltyTokenHash: null,
          pendingLoyaltyTokenEnc: null,
          configuredAt: null,
        });
        // Whoever had the settings open loses them with the app: a page token names a session row, and
        // a reinstall starts new rows under new random ids, so no token issued before now works again.
        iframeSessions.deleteOfAccount(tx, accountId);
      }
      return true;
    });
  }

  status(appId: string, accountId: string): { status: TenantStatus } {
    this.checkApp(appId, accountId);
    const tenant = tenants.find(this.db, accountId);
    if (!tenant || tenant.status === 'Uninstalled')
      throw new NotFoundError('Приложение не установлено на этом аккаунте.');
    return { status: tenant.status };
  }

  /** Extra events, e.g. PermissionsChanged with a new access token. */
  applyEvent(appId: string, accountId: string, input: unknown): { status: TenantStatus } {
    this.checkApp(appId, accountId);
    const body = validate(eventSchema, input);
    this.checkAppUid(body.appUid);
    const accessToken = this.pickAccessToken(body.access);
    return immediate(this.db, (tx) => {
      const tenant = tenants.find(tx, accountId);
      if (!tenant || tenant.status === 'Uninstalled')
        throw new NotFoundError('Приложение не установлено на этом аккаунте.');
      const changes: Partial<Tenant> = { lastCause: body.cause };
      if (accessToken) changes.accessTokenEnc = this.box.seal(accessToken, accountId, ACCESS_TOKEN_FIELD);
      tenants.update(tx, accountId, changes);
      return { status: tenant.status };
    });
  }

  private freshToken(accountId: string): Partial<Tenant> {
    const token = issueLoyaltyToken(this.box, accountId);
    return { loyaltyTokenHash: token.hash, loyaltyTokenEnc: token.sealed };
  }

  private checkApp(appId: string, accountId: string): void {
    if (appId !== this.app.appId) throw new ValidationError('Неизвестное приложение.', { parameter: 'appId' });
    validate(Joi.string().guid().label('accountId'), accountId);
  }

  private checkAppUid(appUid: string | undefined): void {
    if (appUid !== undefined && appUid !== this.app.appUid) {
      throw new ValidationError('Неизвестное приложение.', { parameter: 'appUid' });
    }
  }

  /** The JSON API token: the entry for our declared resource, else the only one given. */
  private pickAccessToken(access: Array<{ resource: string; access_token: string }>): string | undefined {
    const exact = access.find((entry) => entry.resource.replace(/\/+$/, '') === this.app.jsonApiUrl);
    return (exact ?? (access.length === 1 ? access[0] : undefined))?.access_token;
  }
}
