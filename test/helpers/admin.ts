import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { AdminRole } from '../../db/schema/index.js';
import { createAdminUser } from '../../app/admin/auth/admin-users.js';
import type { TestApp } from './test-app.js';

export const TEST_PASSWORD = 'correct-horse-battery-staple';

export async function createTestAdmin(
  t: TestApp,
  login: string,
  role: AdminRole = 'admin',
  password = TEST_PASSWORD,
): Promise<void> {
  await createAdminUser(t.storage.db, { login, password, role });
}

/**
 * A browser-like client for /admin: keeps the session cookie, follows no redirects (tests look at them),
 * and reads the CSRF token from the last form it saw.
 */
export class AdminClient {
  private cookies = new Map<string, string>();
  private lastToken?: string;
  readonly http: AxiosInstance;

  constructor(baseUrl: string, headers: Record<string, string> = {}) {
    this.http = axios.create({
      baseURL: baseUrl,
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: (d) => d,
      headers,
    });
  }

  /** The Set-Cookie line of the session cookie from the last response that set one. */
  lastSetCookie?: string;

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Start over with another client's cookie (an attacker replaying a stolen or old cookie). */
  useCookie(header: string): void {
    this.cookies = new Map(
      header
        .split('; ')
        .filter(Boolean)
        .map((pair) => pair.split('=', 2) as [string, string]),
    );
  }

  private remember(response: AxiosResponse<string>): AxiosResponse<string> {
    for (const line of (response.headers['set-cookie'] as string[] | undefined) ?? []) {
      const [pair] = line.split(';');
      const [name, value] = pair!.split('=', 2) as [string, string];
      if (name === 'lb_admin') this.lastSetCookie = line;
      if (/expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.data ?? '')?.[1];
    if (token) this.lastToken = token;
    return response;
  }

  async get(path: string): Promise<AxiosResponse<string>> {
    return this.remember(await this.http.get<string>(path, { headers: { cookie: this.cookieHeader } }));
  }

  /** POSTs a form; `_csrf` is the token of the last page seen unless the form sets its own. */
  async post(
    path: string,
    form: Record<string, string | number> = {},
    options: { csrf?: boolean } = {},
  ): Promise<AxiosResponse<string>> {
    const body = new URLSearchParams();
    if (options.csrf !== false && this.lastToken && !('_csrf' in form)) body.set('_csrf', this.lastToken);
    for (const [key, value] of Object.entries(form)) body.set(key, String(value));
    return this.remember(
      await this.http.post<string>(path, body.toString(), {
        headers: { cookie: this.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
  }

  async signIn(login: string, password = TEST_PASSWORD): Promise<AxiosResponse<string>> {
    await this.get('/admin/login');
    return this.post('/admin/login', { login, password });
  }
}

/** A signed-in admin client for the test app; creates the user first. */
export async function signedInAdmin(t: TestApp, login = 'anna', role: AdminRole = 'admin'): Promise<AdminClient> {
  await createTestAdmin(t, login, role);
  const client = new AdminClient(t.baseUrl);
  const response = await client.signIn(login);
  if (response.status !== 303) throw new Error(`sign-in failed: ${response.status} ${response.data}`);
  return client;
}
