import { Router, type Request, type Response } from 'express';
import Joi from 'joi';
import { checkFields, validate } from '../../http/validate.js';
import type { AdminContext } from '../admin-context.js';
import { recordAdminAction } from '../../txlog/admin-audit.js';
import { currentUser, requireRole } from '../auth/access.js';
import { adminUserRepository } from '../auth/admin-user-repository.js';
import {
  createAdminUser,
  newUserSchema,
  passwordSchema,
  roleSchema,
  setBlocked,
  setPassword,
  setRole,
} from '../auth/admin-users.js';
import { verifyPassword } from '../auth/passwords.js';
import { flash } from '../flash.js';

const userParam = Joi.object<{ id: number }>({ id: Joi.number().integer().min(1).required() }).unknown(true);
const roleForm = Joi.object({ role: roleSchema }).unknown(true);
const newUserForm = newUserSchema.unknown(true);
const passwordForm = Joi.object<{ password: string }>({ password: passwordSchema }).unknown(true);
const ownPasswordForm = Joi.object<{ current: string; password: string }>({
  current: Joi.string().required().label('Текущий пароль'),
  password: passwordSchema.label('Новый пароль'),
}).unknown(true);

type Problems = { field: string; message: string }[];

/** User management (admin only) and every user's own password. */
export function userRoutes({ storage, txlog }: AdminContext): Router {
  const router = Router();
  const db = storage.db;
  const audit = (res: Response, action: string, request: Record<string, unknown>) =>
    recordAdminAction(txlog, currentUser(res).login, action, { request });
  const renderUsers = (
    res: Response,
    status = 200,
    form: { problems?: Problems; values?: Record<string, unknown> } = {},
  ) => res.status(status).render('admin/users', { users: adminUserRepository.list(db), form });
  const back = (req: Request, res: Response, text: string) => {
    flash(req, 'ok', text);
    res.redirect(303, '/admin/users');
  };

  router.get('/users', requireRole('admin'), (_req, res) => renderUsers(res));

  router.post('/users', requireRole('admin'), async (req, res) => {
    const { value, problems } = checkFields(newUserForm, req.body);
    if (problems.length > 0)
      return renderUsers(res, 422, { problems, values: { login: value?.login, role: value?.role } });
    const user = await createAdminUser(db, { login: value.login, password: value.password, role: value.role });
    audit(res, 'user.create', { login: user.login, role: user.role });
    back(req, res, `Пользователь ${user.login} создан.`);
  });

  router.post('/users/:id/role', requireRole('admin'), (req, res) => {
    const { id } = validate(userParam, req.params);
    const { role } = validate(roleForm, req.body);
    const user = setRole(db, id, role);
    audit(res, 'user.role', { login: user.login, role });
    back(req, res, `Роль пользователя ${user.login} изменена.`);
  });

  for (const [action, blocked] of [
    ['block', true],
    ['unblock', false],
  ] as const) {
    router.post(`/users/:id/${action}`, requireRole('admin'), (req, res) => {
      const { id } = validate(userParam, req.params);
      const user = setBlocked(db, id, blocked);
      audit(res, `user.${action}`, { login: user.login });
      back(req, res, `Пользователь ${user.login} ${blocked ? 'заблокирован' : 'разблокирован'}.`);
    });
  }

  router.post('/users/:id/password', requireRole('admin'), async (req, res) => {
    const { id } = validate(userParam, req.params);
    const { value, problems } = checkFields(passwordForm, req.body);
    if (problems.length > 0) return renderUsers(res, 422, { problems });
    const user = await setPassword(db, id, value.password);
    audit(res, 'user.password', { login: user.login });
    back(req, res, `Пароль пользователя ${user.login} изменён; его прежние сессии закрыты.`);
  });

  router.get('/account', (_req, res) => res.render('admin/account', { form: {} }));

  router.post('/account/password', async (req, res) => {
    const me = currentUser(res);
    const { value, problems } = checkFields(ownPasswordForm, req.body);
    if (problems.length > 0) return res.status(422).render('admin/account', { form: { problems } });
    if (!(await verifyPassword(value.current, me.passwordHash))) {
      return res
        .status(422)
        .render('admin/account', { form: { problems: [{ field: 'current', message: 'Текущий пароль неверен.' }] } });
    }
    await setPassword(db, me.id, value.password);
    audit(res, 'user.password', { login: me.login, own: true });
    // Changing the password ended every session, this one included: sign in with the new password.
    flash(req, 'ok', 'Пароль изменён. Войдите с новым паролем.');
    res.redirect(303, '/admin/login');
  });

  return router;
}
