import { randomBytes } from 'node:crypto';
import Joi from 'joi';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { IframeSessionRow } from '../../db/schema/index.js';
import { AuthenticationError, NotFoundError, UpstreamError } from '../errors.js';
import { checkFields } from '../http/validate.js';
import type { EmployeeContext, MoyskladClient } from '../moysklad/moysklad-client.js';
import { MoyskladError } from '../moysklad/moysklad-errors.js';
import { immediate, type Db } from '../storage/database.js';
import { tenantRepository as tenants } from '../tenants/tenant-repository.js';
import { iframeSessionRepository as sessions } from './iframe-session-repository.js';

/** Who opened the settings iframe, as МойСклад told us once through the contextKey. */
export interface IframeSession {
  id: string;
  accountId: string;
  employeeId: string;
  employeeName: string;
  isAdmin: boolean;
  expiresAt: Date;
}

/** A working day: long enough to finish setting up, short enough that a left-open tab dies. */
const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;
/** Each page gets a fresh token; an old page's token dies within the hour. */
const TOKEN_LIFETIME_S = 60 * 60;
const ISSUER = 'loyalty-bridge';
const AUDIENCE = 'settings-iframe';

export const REOPEN_HINT = 'Закройте эту страницу и откройте приложение заново из МоегоСклада (раздел «Приложения»).';

const contextKeySchema = Joi.string()
  .trim()
  .min(1)
  .max(200)
  .pattern(/^[\w.~-]+$/)
  .required();

const employeeSchema = Joi.object({
  id: Joi.string().max(100).required(),
  accountId: Joi.string().guid().required(),
  fullName: Joi.string().allow(''),
  shortFio: Joi.string().allow(''),
  uid: Joi.string().allow(''),
  permissions: Joi.object({ admin: Joi.object({ view: Joi.string() }).unknown(true) }).unknown(true),
}).unknown(true);

function reopen(message: string, cause?: unknown): AuthenticationError {
  return new AuthenticationError(message, {
    title: 'Откройте приложение заново',
    cause,
    details: { hint: REOPEN_HINT },
  });
}

/**
 * Sessions of the settings iframe without cookies: browsers may refuse any cookie to a third-party
 * iframe, so the page carries a short-lived signed token (HS256, SESSION_SECRET) that names a row
 * in SQLite and is bound to the account and the employee.
 */
export class IframeSessions {
  private readonly key: Uint8Array;

  constructor(
    private readonly db: Db,
    private readonly moysklad: Pick<MoyskladClient, 'exchangeContextKey'>,
    sessionSecret: string,
  ) {
    this.key = new TextEncoder().encode(sessionSecret);
  }

  /** Exchanges МойСклад's one-time key for the employee and starts a session for them. */
  async open(contextKey: unknown): Promise<{ session: IframeSession; token: string }> {
    const { value: key, problems } = checkFields<string>(contextKeySchema, contextKey);
    if (problems.length > 0) throw reopen('Ссылка на настройки неполная или повреждена.');
    const employee = this.readEmployee(await this.exchange(key));
    const now = new Date();
    const row = immediate(this.db, (tx) => {
      const tenant = tenants.find(tx, employee.accountId);
      if (!tenant || tenant.status === 'Uninstalled') {
        throw new NotFoundError('Приложение не установлено на этом аккаунте МоегоСклада.', {
          title: 'Приложение не установлено',
          details: { hint: 'Установите приложение в МоёмСкладе (раздел «Приложения») и откройте его снова.' },
        });
      }
      sessions.deleteExpired(tx, now);
      const fresh: IframeSessionRow = {
        id: randomBytes(24).toString('base64url'),
        accountId: employee.accountId,
        employeeId: employee.id,
        employeeName: employee.fullName || employee.shortFio || employee.uid || 'Сотрудник',
        isAdmin: employee.permissions?.admin?.view === 'ALL',
        csrfToken: null,
        notice: null,
        createdAt: now,
        expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS),
      };
      sessions.insert(tx, fresh);
      return fresh;
    });
    const session = toSession(row);
    return { session, token: await this.tokenFor(session) };
  }

  /** The session a page's token names; forged, expired or foreign tokens get the "reopen" page. */
  async resume(token: unknown): Promise<IframeSession> {
    if (typeof token !== 'string' || token === '' || token.length > 2000)
      throw reopen('Страница настроек открыта не из МоегоСклада или устарела.');
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw reopen('Сеанс работы с настройками истёк.', error);
      throw reopen('Страница настроек открыта не из МоегоСклада или повреждена.', error);
    }
    const row = typeof claims.sid === 'string' ? sessions.find(this.db, claims.sid) : undefined;
    if (!row || row.accountId !== claims.acc || row.employeeId !== claims.sub)
      throw reopen('Сеанс работы с настройками не найден.');
    if (row.expiresAt.getTime() <= Date.now()) throw reopen('Сеанс работы с настройками истёк.');
    return toSession(row);
  }

  /** A fresh token for the next page, never outliving its session. */
  async tokenFor(session: IframeSession): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const expires = Math.min(now + TOKEN_LIFETIME_S, Math.floor(session.expiresAt.getTime() / 1000));
    return new SignJWT({ sid: session.id, acc: session.accountId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(session.employeeId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(expires)
      .sign(this.key);
  }

  csrfTokenOf(sessionId: string): string | null {
    return sessions.find(this.db, sessionId)?.csrfToken ?? null;
  }

  storeCsrfToken(sessionId: string, token: string | null | undefined): void {
    sessions.update(this.db, sessionId, { csrfToken: token ?? null });
  }

  /** A message for the page the owner is redirected to after a POST, shown once. */
  leaveNotice(sessionId: string, notice: Record<string, unknown>): void {
    sessions.update(this.db, sessionId, { notice });
  }

  takeNotice(sessionId: string): Record<string, unknown> | undefined {
    return immediate(this.db, (tx) => {
      const notice = sessions.find(tx, sessionId)?.notice ?? undefined;
      if (notice) sessions.update(tx, sessionId, { notice: null });
      return notice;
    });
  }

  private async exchange(contextKey: string): Promise<unknown> {
    try {
      return await this.moysklad.exchangeContextKey(contextKey);
    } catch (error) {
      if (!(error instanceof MoyskladError)) throw error;
      switch (error.upstreamStatus) {
        case 409:
          throw reopen('Эта ссылка на настройки уже использована.', error);
        case 404:
          throw reopen('МойСклад не узнал ссылку на настройки: она устарела.', error);
        case 403:
          throw reopen('МойСклад не подтвердил, что эта ссылка выдана нашему приложению.', error);
      }
      throw new UpstreamError('МойСклад сейчас не отвечает, поэтому настройки не открылись.', {
        title: 'МойСклад недоступен',
        cause: error,
        status: 503,
        details: { hint: `Попробуйте через минуту. ${REOPEN_HINT}` },
      });
    }
  }

  private readEmployee(answer: unknown): EmployeeContext {
    const { value, problems } = checkFields<EmployeeContext>(employeeSchema, answer);
    if (problems.length > 0) {
      throw new UpstreamError('МойСклад прислал непонятный ответ о сотруднике.', {
        status: 502,
        details: { hint: REOPEN_HINT, problems },
      });
    }
    return value;
  }
}

function toSession(row: IframeSessionRow): IframeSession {
  return {
    id: row.id,
    accountId: row.accountId,
    employeeId: row.employeeId,
    employeeName: row.employeeName,
    isAdmin: row.isAdmin,
    expiresAt: row.expiresAt,
  };
}
