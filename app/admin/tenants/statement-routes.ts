import { Router } from 'express';
import { validate } from '../../http/validate.js';
import {
  pointsStatement,
  statementCsv,
  statementFileName,
  statementFormat,
  statementMonth,
  statementQuery,
  statementRows,
} from '../../ledger/points-statement.js';
import { moscowMonthOf, shiftMonth } from '../../locale/moscow-day.js';
import type { AdminContext } from '../admin-context.js';
import { tenantOfRoute } from './tenant-directory-queries.js';

/**
 * A tenant's points statement for support (read-only, any role): the same figures and CSV as the
 * owner's page in the settings iframe. Only the account's id and name reach the view, never its settings.
 */
export function statementRoutes({ storage }: AdminContext): Router {
  const router = Router();
  const db = storage.db;

  const read = (params: unknown, query: unknown) => {
    const found = tenantOfRoute(db, params);
    const tenant = { accountId: found.accountId, accountName: found.accountName, backend: found.backend };
    const now = Date.now();
    const statement = pointsStatement(db, found, statementMonth(validate(statementQuery, query).month, now), now);
    return { tenant, statement, now };
  };

  router.get('/tenants/:accountId/statement', (req, res) => {
    const { tenant, statement, now } = read(req.params, req.query);
    res.render('admin/tenants/statement', {
      tenant,
      statement,
      rows: statementRows(statement),
      format: statementFormat,
      previous: shiftMonth(statement.month, -1),
      next: statement.complete ? shiftMonth(statement.month, 1) : undefined,
      current: moscowMonthOf(now),
    });
  });

  router.get('/tenants/:accountId/statement.csv', (req, res) => {
    const { tenant, statement } = read(req.params, req.query);
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.attachment(statementFileName(statement));
    res.send(statementCsv(statement, tenant.accountName));
  });

  return router;
}
