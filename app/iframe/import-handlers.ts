import type { Request, Response } from 'express';
import { fileNameOf, fileOf } from '../http/uploaded-file.js';
import { validate } from '../http/validate.js';
import type { CustomerImport } from '../ledger/customer-import.js';
import {
  checkCustomerFile,
  importPageModel,
  importQueryOf,
  importQuerySchema,
  startCustomerImport,
} from '../ledger/customer-import-page.js';
import { NotFoundError } from '../errors.js';
import { sessionOf, type IframeGuards } from './iframe-guards.js';
import type { IframeSessions } from './iframe-sessions.js';
import type { SettingsPage } from './settings-page.js';

export interface ImportHandlerDeps {
  sessions: IframeSessions;
  guards: IframeGuards;
  page: Pick<SettingsPage, 'tenant'>;
  importer: CustomerImport;
}

const idParams = (req: Request) => {
  const id = Number(req.params.importId);
  if (!Number.isSafeInteger(id) || id < 1) throw new NotFoundError('Такого переноса нет.');
  return id;
};

/** "Перенести покупателей" in the settings iframe: the page, the dry run, the import and its progress. */
export function importHandlers({ sessions, guards, page, importer }: ImportHandlerDeps) {
  const tenantOf = (res: Response) => page.tenant(sessionOf(res).accountId);
  const queryOf = (req: Request) => importQueryOf(validate(importQuerySchema, req.query));

  return {
    show: async (req: Request, res: Response) => {
      const session = sessionOf(res);
      const tenant = tenantOf(res);
      const sessionToken = await sessions.tokenFor(session);
      res.render('iframe/import', {
        ...importPageModel,
        session,
        accountName: tenant.accountName,
        ledger: tenant.backend === 'ledger',
        canImport: session.isAdmin,
        settingsUrl: `${req.baseUrl}?session=${encodeURIComponent(sessionToken)}`,
        urls: {
          check: `${req.baseUrl}/import/check`,
          start: `${req.baseUrl}/import/start`,
          progress: `${req.baseUrl}/import/`,
        },
        headers: { 'X-Iframe-Session': sessionToken, 'X-CSRF-Token': guards.csrfTokenFor(req) },
      });
    },

    check: async (req: Request, res: Response) => {
      res.json(await checkCustomerFile(importer, tenantOf(res), fileOf(req), queryOf(req)));
    },

    start: async (req: Request, res: Response) => {
      const session = sessionOf(res);
      const by = `МойСклад: ${session.employeeName}`;
      res.status(202).json(
        await startCustomerImport(importer, tenantOf(res), fileOf(req), queryOf(req), {
          by,
          fileName: fileNameOf(req),
        }),
      );
    },

    progress: (req: Request, res: Response) => {
      const progress = importer.progress(sessionOf(res).accountId, idParams(req));
      if (!progress) throw new NotFoundError('Такого переноса нет.');
      res.json(progress);
    },
  };
}
