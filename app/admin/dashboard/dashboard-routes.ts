import { Router } from 'express';
import Joi from 'joi';
import { validate } from '../../http/validate.js';
import type { AdminContext } from '../admin-context.js';
import { dashboardCharts } from './dashboard-charts.js';
import { dashboard, DASHBOARD_PERIODS, type DashboardPeriod } from './dashboard-data.js';

const query = Joi.object<{ days: DashboardPeriod }>({
  days: Joi.number()
    .valid(...DASHBOARD_PERIODS)
    .default(7)
    .label('Период'),
});

export function dashboardRoutes({ storage, tz }: AdminContext): Router {
  const router = Router();
  router.get('/dashboard', (req, res) => {
    const { days } = validate(query, req.query);
    const data = dashboard(storage.db, days, new Date(), tz);
    res.render('admin/dashboard', { data, charts: dashboardCharts(data, tz), periods: DASHBOARD_PERIODS });
  });
  return router;
}
