import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests leave their screenshots (git-ignored); the images in docs/ are copied from here. */
export const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts');

/**
 * Debian's Chromium in a fresh profile. The machine has no internet, so every background service
 * that would call out is switched off. `blockThirdPartyCookies` sets the profile preference a user
 * sets in Chrome's settings (Safari's default) plus Chrome's phase-out switch: a page inside a
 * cross-site iframe then gets no unpartitioned cookies (CHIPS `Partitioned` cookies still work).
 */
export async function launchBrowser(
  options: { blockThirdPartyCookies?: boolean } = {},
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  if (options.blockThirdPartyCookies) {
    mkdirSync(join(profile, 'Default'), { recursive: true });
    writeFileSync(
      join(profile, 'Default', 'Preferences'),
      JSON.stringify({ profile: { block_third_party_cookies: true, cookie_controls_mode: 1 } }),
    );
  }
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 900 },
    locale: 'ru-RU',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.blockThirdPartyCookies ? ['--test-third-party-cookie-phaseout'] : []),
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}

/**
 * What went wrong in the page as it ran: console errors (a CSP refusal is one) and answers of 400 or more.
 * A 404's console line and the favicon Chromium asks for on a page opened unframed are left out.
 */
export function pageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('404')) problems.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(response.url());
  });
  return problems;
}

/** The settings form's save button: «Сохранить и подключить» until МойСклад holds the settings, «Сохранить» after. */
export const SAVE_BUTTON = /^Сохранить( и подключить)?$/;
