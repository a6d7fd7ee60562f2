import Joi from 'joi';

/** The "general" REST loyalty API (providers spec B). The API key lives in the tenant's sealed provider secrets. */
export interface GeneralSettings {
  baseUrl: string;
  /** The provider point used when МойСклад names no store (customer search has no retailStore). */
  defaultPoint?: string;
}

export const storedGeneralSchema = Joi.object<GeneralSettings>({
  baseUrl: Joi.string().required(),
  defaultPoint: Joi.string().allow(''),
}).unknown(true);

/**
 * The general API's point for a МойСклад store: its mapping, else the default point. A call that names no
 * store (a till older than 2024-06-28 searching customers) uses the default point, else any mapped one.
 */
export function generalPointFor(
  settings: { general?: GeneralSettings; storePoints?: Record<string, string> },
  retailStoreId?: string,
): string | undefined {
  const points = settings.storePoints ?? {};
  const mapped = retailStoreId ? points[retailStoreId] : undefined;
  return (
    mapped ||
    settings.general?.defaultPoint ||
    (retailStoreId ? undefined : Object.values(points).find(Boolean)) ||
    undefined
  );
}

/** Every point the settings use, the default first, each once: what «Проверить подключение» must try. */
export function generalPointsInUse(settings: {
  general?: GeneralSettings;
  storePoints?: Record<string, string>;
}): string[] {
  const points = [settings.general?.defaultPoint, ...Object.values(settings.storePoints ?? {})];
  return [...new Set(points.filter((point): point is string => Boolean(point)))];
}
