import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One example of the official LoyaltyAPI pages: the request as shown and the answer documented for it. */
export interface OfficialExample {
  /** Page file and section heading it was copied from. */
  page: string;
  section: string;
  /** Absent for a section that documents only an answer (the 412 of a registration needing a code). */
  method?: 'GET' | 'POST';
  path?: string;
  request?: unknown;
  status: number;
  response?: unknown;
}

/** The pages in the order the documentation presents them (`_general.md` shows no request). */
export const OFFICIAL_PAGES = ['_counterparty.md', '_retaildemand.md', '_retailreturn.md', '_giftcard.md'];

/** Where the reference copies live next to the project's checkout (see HELPERS.md). */
export const REFERENCE_DIR = join(process.cwd(), '..', 'shared', 'reference', 'loyalty-api-1.0');

/**
 * Reads the examples out of the pages' markdown as written: `> **\`POST\`**` and `> /path` open a request,
 * a json block before the status line is its body, `> 201` or `> 200 (application/json)` its status, and a
 * json block after that the documented answer. Used once to write the fixture, and by a test that keeps
 * the fixture equal to the pages whenever they are at hand.
 */
export function extractExamples(dir = REFERENCE_DIR): OfficialExample[] {
  const examples: OfficialExample[] = [];
  for (const page of OFFICIAL_PAGES) {
    const lines = readFileSync(join(dir, page), 'utf8').split('\n');
    let section = '';
    let current: OfficialExample | undefined;
    for (let i = 0; i < lines.length; i += 1) {
      const line = lines[i]!.trim();
      const heading = /^###\s+(.+)$/.exec(line);
      if (heading) {
        section = heading[1]!.trim();
        current = undefined;
        continue;
      }
      const method = /^>\s*\*\*`(GET|POST)`\*\*/.exec(line);
      if (method) {
        const path = lines[i + 1]!.trim().replace(/^>\s*/, '');
        current = { page, section, method: method[1] as 'GET' | 'POST', path, status: 0 };
        examples.push(current);
        i += 1;
        continue;
      }
      const status = /^>\s*(\d{3})\b/.exec(line);
      if (status) {
        if (!current) {
          current = { page, section, status: 0 };
          examples.push(current);
        }
        current.status = Number(status[1]);
        continue;
      }
      if (line === '```json' && current) {
        const end = lines.indexOf('```', i + 1);
        const body = JSON.parse(lines.slice(i + 1, end).join('\n')) as unknown;
        if (current.status === 0) current.request = body;
        else current.response = body;
        i = end;
      }
    }
  }
  return examples;
}
