import Joi from 'joi';
import { ADMIN_ROLES, type AdminRole, type AdminUser } from '../../../db/schema/index.js';
import { AuthenticationError, BusinessRuleError, ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import { validate } from '../../http/validate.js';
import { immediate, type Db, type DbOrTx } from '../../storage/database.js';
import { adminUserRepository as users } from './admin-user-repository.js';
import { DECOY_HASH, hashPassword, verifyPassword } from './passwords.js';

export const loginSchema = Joi.string()
  .trim()
  .lowercase()
  .pattern(/^[a-z0-9._@-]{3,64}$/)
  .required()
  .label('Логин')
  .messages({
    'string.pattern.base': 'Логин: от 3 до 64 латинских букв, цифр и знаков . _ @ -',
  });
export const passwordSchema = Joi.string().min(10).max(200).required().label('Пароль');
export const roleSchema = Joi.string()
  .valid(...ADMIN_ROLES)
  .required()
  .label('Роль');

export const newUserSchema = Joi.object<{ login: string; password: string; role: AdminRole }>({
  login: loginSchema,
  password: passwordSchema,
  role: roleSchema,
});

export function normalizeLogin(login: unknown): string {
  return typeof login === 'string' ? login.trim().toLowerCase().slice(0, 64) : '';
}

export async function createAdminUser(
  db: Db,
  input: { login: string; password: string; role: AdminRole },
): Promise<AdminUser> {
  const { login, password, role } = validate(newUserSchema, input);
  const passwordHash = await hashPassword(password);
  return immediate(db, (tx) => {
    if (users.findByLogin(tx, login))
      throw new ConflictError(`Пользователь ${login} уже есть.`, { parameter: 'login' });
    const now = new Date();
    return users.insert(tx, { login, passwordHash, role, createdAt: now, updatedAt: now });
  });
}

/**
 * The first admin from ADMIN_INITIAL_LOGIN/PASSWORD, only while there are no users at all: once anyone
 * exists, the environment can no longer add or reset an account. Returns the login when created.
 */
export async function ensureInitialAdmin(
  db: Db,
  initial: { login: string; password: string } | undefined,
): Promise<string | undefined> {
  if (!initial || users.count(db) > 0) return undefined;
  try {
    return (await createAdminUser(db, { ...initial, role: 'admin' })).login;
  } catch (error) {
    // Another process (a pm2 reload overlap) created it first.
    if (error instanceof ConflictError) return undefined;
    throw error;
  }
}

/** The user behind a login and password; one message for an unknown login and a wrong password. */
export async function authenticate(db: Db, login: string, password: string): Promise<AdminUser> {
  const user = users.findByLogin(db, normalizeLogin(login));
  const matches = await verifyPassword(password, user?.passwordHash ?? DECOY_HASH);
  if (!user || !matches) throw new AuthenticationError('Неверный логин или пароль.');
  if (user.blocked) throw new ForbiddenError('Учётная запись заблокирована. Обратитесь к администратору.');
  users.update(db, user.id, { lastLoginAt: new Date() });
  return user;
}

/** The signed-in user for a session, or undefined when the user is gone, blocked or changed since sign-in. */
export function sessionUser(db: Db, session: { userId?: number; epoch?: number }): AdminUser | undefined {
  if (session.userId === undefined) return undefined;
  const user = users.findById(db, session.userId);
  if (!user || user.blocked || user.sessionEpoch !== session.epoch) return undefined;
  return user;
}

export async function setPassword(db: Db, userId: number, password: string): Promise<AdminUser> {
  const passwordHash = await hashPassword(validate(passwordSchema, password));
  return immediate(db, (tx) => {
    const user = existing(tx, userId);
    users.update(tx, userId, { passwordHash }, { endSessions: true });
    return user;
  });
}

export function setRole(db: Db, userId: number, role: AdminRole): AdminUser {
  validate(roleSchema, role);
  return immediate(db, (tx) => {
    const user = existing(tx, userId);
    if (user.role === role) return user;
    if (user.role === 'admin' && !user.blocked) keepOneAdmin(tx);
    users.update(tx, userId, { role }, { endSessions: true });
    return user;
  });
}

export function setBlocked(db: Db, userId: number, blocked: boolean): AdminUser {
  return immediate(db, (tx) => {
    const user = existing(tx, userId);
    if (user.blocked === blocked) return user;
    if (blocked && user.role === 'admin') keepOneAdmin(tx);
    users.update(tx, userId, { blocked }, { endSessions: true });
    return user;
  });
}

function existing(tx: DbOrTx, userId: number): AdminUser {
  const user = users.findById(tx, userId);
  if (!user) throw new NotFoundError('Пользователь не найден.');
  return user;
}

/** Nobody could manage users any more; the CLI would be the only way back. */
function keepOneAdmin(tx: DbOrTx): void {
  if (users.countActiveAdmins(tx) <= 1) {
    throw new BusinessRuleError('Это последний действующий администратор: сначала назначьте другого.');
  }
}
