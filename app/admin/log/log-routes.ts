import { Router, type Response } from 'express';
import Joi from 'joi';
import { LOG_KINDS } from '../../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import { validate } from '../../http/validate.js';
import { customerRepository } from '../../ledger/customer-repository.js';
import { CSV_BOM, csvHeader, csvLine } from '../../txlog/log-csv.js';
import { endpointNames } from '../../txlog/endpoint-names.js';
import { eachLogRow, findLogRow, linkedRows, logPage, type LogListRow } from '../../txlog/log-query.js';
import type { AdminContext } from '../admin-context.js';
import { recordAdminAction } from '../../txlog/admin-audit.js';
import { currentUser } from '../auth/access.js';
import { tenantDirectory } from '../tenants/tenant-directory-queries.js';
import { prettyBody } from './log-bodies.js';
import { parseLogQuery, resolveShop } from './log-filter-form.js';

/** A larger export is cut here with a last line saying so; narrow the filter (dates) to get the rest. */
export const MAX_CSV_ROWS = 200_000;

const idParam = Joi.object<{ id: number }>({ id: Joi.number().integer().min(1).required() }).unknown(true);

export function logRoutes({ storage, txlog, tz, config }: AdminContext): Router {
  const router = Router();
  const db = storage.db;
  const tenantNames = (rows: LogListRow[]) =>
    tenantDirectory.names(db, [...new Set(rows.map((r) => r.tenantId).filter((id): id is string => Boolean(id)))]);

  router.get('/log', (req, res) => {
    const shops = tenantDirectory.summaries(db);
    const parsed = resolveShop(parseLogQuery(req.query, tz), shops);
    const page = parsed.problems.length === 0 ? logPage(db, parsed.filter, parsed.cursor) : { rows: [] };
    const types = LOG_KINDS.map((kind) => ({ kind, names: endpointNames(kind) }));
    res.render('admin/log/list', { ...parsed, page, types, shops, names: tenantNames(page.rows) });
  });

  router.get('/log.csv', async (req, res) => {
    const parsed = resolveShop(parseLogQuery(req.query, tz), tenantDirectory.summaries(db));
    if (parsed.problems.length > 0)
      return res.redirect(303, `/admin/log?${new URLSearchParams(req.query as Record<string, string>)}`);
    recordAdminAction(txlog, currentUser(res).login, 'log.export', {
      tenantId: parsed.filter.tenantId ?? null,
      request: { filter: parsed.form },
    });
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set(
      'Content-Disposition',
      `attachment; filename="transaction-log-${tz.dateTime(Date.now()).replace(/\D/g, '').slice(0, 12)}.csv"`,
    );
    await streamCsv(res, eachLogRow(db, parsed.filter), (ms) => tz.dateTime(ms));
  });

  router.get('/log/:id', (req, res) => {
    const { id } = validate(idParam, req.params);
    const row = findLogRow(db, id);
    if (!row) throw new NotFoundError('Такой записи в журнале нет: возможно, она старше срока хранения.');
    const linked = linkedRows(db, row);
    const customer =
      row.tenantId && row.customerId ? customerRepository.findById(db, row.tenantId, row.customerId) : undefined;
    res.render('admin/log/detail', {
      row,
      request: prettyBody(row.requestBody),
      response: prettyBody(row.responseBody),
      linked,
      names: tenantNames([row, ...linked]),
      customer,
      readBodiesDays: config.logReadBodiesDays,
    });
  });

  return router;
}

/** Writes rows as the client reads them, yielding between chunks so the till's requests are served meanwhile. */
async function streamCsv(res: Response, rows: Iterable<LogListRow>, time: (ms: number) => string): Promise<void> {
  res.write(CSV_BOM + csvHeader());
  let written = 0;
  for (const row of rows) {
    if (written === MAX_CSV_ROWS) {
      res.write(`# Выгрузка обрезана на ${MAX_CSV_ROWS} строках: сузьте период, чтобы получить остальное.\r\n`);
      break;
    }
    written++;
    if (!res.write(csvLine(row, time))) await drainedOrClosed(res);
    else if (written % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    // The client went away: stop reading the log for nobody.
    if (res.destroyed) return;
  }
  res.end();
}

/** Resolves when the client has read what was written, or has gone; leaves no listener behind. */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
