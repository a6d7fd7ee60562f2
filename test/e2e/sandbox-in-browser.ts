import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';

export interface SandboxInBrowser {
  sandbox: Sandbox;
  page: Page;
  /** The settings iframe inside the sandbox's МойСклад page. */
  frame: FrameLocator;
  close: () => Promise<void>;
}

/**
 * A fresh sandbox (its own data directory) and Chromium with third-party cookies blocked, as in
 * Safari: the settings iframe must work there without any cookie.
 */
export async function startSandboxInBrowser(): Promise<SandboxInBrowser> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loyalty-bridge-sandbox-'));
  const sandbox = await startSandbox({ dataDir, moyskladTimeoutMs: 2000, logLevel: 'error' });
  const browser = await launchBrowser({ blockThirdPartyCookies: true });
  const page = await browser.context.newPage();
  return {
    sandbox,
    page,
    frame: page.frameLocator('iframe[data-app-iframe]'),
    close: async () => {
      await browser.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
