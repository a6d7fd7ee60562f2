import type { NextFunction, Request, Response } from 'express';

/**
 * The LoyaltyAPI's headers, instead of helmet's page set: an answer is JSON data that no browser
 * should sniff into a page, load anything for, or frame. The HTML pages (settings iframe, admin)
 * keep helmet's full set and their own policies.
 */
export function jsonApiHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  next();
}
