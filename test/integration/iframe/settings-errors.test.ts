import { expect } from 'chai';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import {
  accountWithIframe,
  answerGoLive,
  decode,
  fieldError,
  followRedirect,
  type IframeClient,
  startIframeTestApp,
  VALID_FORMS,
} from '../../helpers/iframe.js';
import type { TestApp } from '../../helpers/test-app.js';

/** The summary's links: field name → the message it shows and the element id it points to. */
function summaryOf(html: string): Array<{ name: string; href: string; message: string }> {
  const box = /<div class="alert alert--error error-summary"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
  return [...box.matchAll(/<a href="#([^"]+)" data-error-link="([^"]+)">([^<]*)<\/a>/g)].map((m) => ({
    href: m[1]!,
    name: m[2]!,
    message: decode(m[3]!),
  }));
}

/** The text of the label that names an element id. */
function labelOf(html: string, id: string): string | undefined {
  const label = new RegExp(`<label[^>]*for="${id}"[^>]*>([\\s\\S]*?)</label>`).exec(html)?.[1];
  return label === undefined
    ? undefined
    : decode(label.replace(/<[^>]+>/g, ' '))
        .replace(/\s+/g, ' ')
        .trim();
}

/** A failed save as the owner meets it: every problem at once, listed at the top, in the words of the labels. */
describe('Settings form: a failed save', () => {
  let t: TestApp;
  let accountId: string;
  let client: IframeClient;
  const acceptGoLive = () => answerGoLive(t, accountId);

  before(async () => {
    t = await startIframeTestApp();
  });
  after(() => t.close());
  beforeEach(async () => {
    ({ accountId, client } = await accountWithIframe(t));
  });

  it('when the i-bonus section is saved empty, then the address, login and password are all reported in one round, listed at the top with links', async () => {
    const res = await client.post('/iframe/settings', {
      ...VALID_FORMS.ibonus,
      'ibonus.baseUrl': '',
      'ibonus.login': '',
      'ibonus.password': '',
    });
    expect(res.status).to.equal(400);
    for (const field of ['ibonus.baseUrl', 'ibonus.login', 'ibonus.password'])
      expect(fieldError(res.data, field), field).to.be.a('string');
    const summary = summaryOf(res.data);
    expect(summary.map((s) => s.name)).to.deep.equal(['ibonus.baseUrl', 'ibonus.login', 'ibonus.password']);
    expect(summary.map((s) => s.href)).to.deep.equal(['f-ibonus-baseUrl', 'f-ibonus-login', 'f-ibonus-password']);
    // The summary stands above the go-live steps and the form.
    expect(res.data.indexOf('id="error-summary"')).to.be.lessThan(res.data.indexOf('id="go-live"'));
  });

  it('when several fields are wrong, then each message uses its field label’s own words', async () => {
    const res = await client.post('/iframe/settings', {
      ...VALID_FORMS.ledger,
      'ledger.earnRateRoublesToPoint': '0',
      'ledger.maxPaidRatePercents': '101',
      'ledger.welcomeLifetimeDays': '-1',
      'ledger.expiryReminderDays': 'x',
      'ledger.birthdayEarnMultiplier': '0',
      'ledger.birthdayMinMemberDays': '-1',
      'ledger.requireSpendingCode': 'on',
      'ledger.codeWebhookUrl': 'ftp://sms.example',
    });
    expect(res.status).to.equal(400);
    const summary = summaryOf(res.data);
    expect(summary).to.have.length(7);
    expect(fieldError(res.data, 'ledger.birthdayMinMemberDays')).to.equal(
      'Поле «Подарок — тем, кто в программе не меньше, дней» должно быть не меньше 0.',
    );
    for (const { href, message } of summary) {
      const label = labelOf(res.data, href);
      expect(label, href).to.be.a('string');
      expect(message.toLowerCase(), href).to.include(label!.toLowerCase());
    }
  });

  it('when a live shop on the built-in program switches to another system, then the owner must confirm that balances stay behind', async () => {
    acceptGoLive();
    await followRedirect(t, client, await client.post('/iframe/settings', VALID_FORMS.ledger));
    const page = await client.reload();
    expect(page.data).to.include('data-leave-ledger');

    const refused = await client.post('/iframe/settings', VALID_FORMS.general);
    expect(refused.status).to.equal(400);
    expect(fieldError(refused.data, 'confirmLeaveLedger')).to.include('баллы покупателей останутся');
    expect(tenantRepository.find(t.storage.db, accountId)!.backend).to.equal('ledger');

    acceptGoLive();
    const confirmed = await client.post('/iframe/settings', { ...VALID_FORMS.general, confirmLeaveLedger: 'on' });
    expect(confirmed.status).to.equal(303);
    expect(tenantRepository.find(t.storage.db, accountId)!.backend).to.equal('general');
  });
});
