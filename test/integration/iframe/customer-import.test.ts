import { expect } from 'chai';
import type { AxiosResponse } from 'axios';
import { customerRepository } from '../../../app/ledger/customer-repository.js';
import { MAX_IMPORT_BYTES } from '../../../app/ledger/customer-file.js';
import { generatedCustomerFile, windows1251 } from '../../helpers/customer-files.js';
import {
  accountWithIframe,
  decode,
  installAccount,
  openIframe,
  startIframeTestApp,
  textOf,
  type IframeClient,
} from '../../helpers/iframe.js';
import type { TestApp } from '../../helpers/test-app.js';

/** The headers the import page hands its script: the page token and the CSRF token. */
function pageHeaders(html: string): Record<string, string> {
  return JSON.parse(decode(/data-headers="([^"]*)"/.exec(html)![1]!)) as Record<string, string>;
}

describe('customer import in the settings iframe', () => {
  let t: TestApp;
  let accountId: string;
  let client: IframeClient;

  beforeEach(async () => {
    t = await startIframeTestApp();
    ({ accountId, client } = await accountWithIframe(t));
  });
  afterEach(async () => {
    await t.services.customerImport.settled();
    await t.close();
  });

  const openImport = (c: IframeClient) =>
    t.http.get<string>(`/iframe/import?session=${encodeURIComponent(c.token)}`, { responseType: 'text' });

  async function send(
    path: string,
    body: Buffer,
    headers: Record<string, string>,
    query = '',
  ): Promise<AxiosResponse<Record<string, unknown>>> {
    return t.http.post(`/iframe/import/${path}${query}`, body, {
      headers: {
        ...headers,
        'Content-Type': 'text/csv',
        Accept: 'application/json',
        'X-File-Name': 'uds%20export.csv',
      },
    });
  }

  it('when an admin checks a file, then the mapping and the dry run come back and nothing is written', async () => {
    const page = await openImport(client);
    expect(page.status).to.equal(200);
    const res = await send('check', windows1251(generatedCustomerFile(3)), pageHeaders(page.data));
    expect(res.status).to.equal(200);
    expect(res.data.preset).to.equal('free');
    expect(res.data.mapping).to.deep.equal({ phone: 0, card: 1, name: 2, email: 3, birthday: 4, balance: 5 });
    expect(res.data.report).to.include({ rows: 3, created: 3, pointsInFile: 3, pointsInFileRoubles: '3,00 ₽' });
    expect((res.data.file as { encoding: string }).encoding).to.equal('Windows-1251');
    expect(customerRepository.search(t.storage.db, accountId, 'Покупатель')).to.have.length(0);
  });

  it('when the owner maps the columns by hand, then the dry run reads them as mapped', async () => {
    const headers = pageHeaders((await openImport(client)).data);
    const res = await send(
      'check',
      Buffer.from('a;b\n79120000001;5\n'),
      headers,
      '?mapped=1&preset=free&phone=0&balance=1&card=',
    );
    expect(res.status).to.equal(200);
    expect(res.data.mapping).to.deep.equal({ phone: 0, balance: 1 });
    expect(res.data.report).to.include({ created: 1, pointsInFile: 5 });
  });

  it('when the import is started, then it runs in the background and its progress ends done', async () => {
    const headers = pageHeaders((await openImport(client)).data);
    const started = await send('start', windows1251(generatedCustomerFile(20)), headers);
    expect(started.status).to.equal(202);
    await t.services.customerImport.settled();
    const progress = await t.http.get(`/iframe/import/${started.data.id}`, {
      headers: { ...headers, Accept: 'application/json' },
    });
    expect(progress.data).to.include({
      status: 'done',
      created: 20,
      rows: 20,
      doneRows: 20,
      fileName: 'uds export.csv',
    });
    expect(progress.data.by).to.equal('МойСклад: Анна Владелец');
    expect(customerRepository.findByPhone(t.storage.db, accountId, '79000000001')?.balance).to.equal(1);
  });

  it('when an employee without admin rights opens the page, then it is read-only and the import is refused', async () => {
    const employee = await openIframe(t, accountId, { admin: false });
    const page = await openImport(employee);
    expect(textOf(page.data)).to.contain('Переносить покупателей могут только администраторы');
    expect(page.data).not.to.contain('id="import-file"');
    const headers = { 'X-Iframe-Session': employee.token, 'X-CSRF-Token': employee.csrf };
    const res = await send('start', windows1251(generatedCustomerFile(2)), headers);
    expect(res.status).to.equal(403);
    expect(res.data.message).to.contain('только администраторы');
    await t.services.customerImport.settled();
    expect(customerRepository.findByPhone(t.storage.db, accountId, '79000000000')).to.equal(undefined);
  });

  it('when the CSRF token is missing, then nothing is checked or imported', async () => {
    const headers = pageHeaders((await openImport(client)).data);
    const res = await send('start', windows1251(generatedCustomerFile(2)), {
      'X-Iframe-Session': headers['X-Iframe-Session']!,
    });
    expect(res.status).to.equal(403);
    await t.services.customerImport.settled();
    expect(customerRepository.findByPhone(t.storage.db, accountId, '79000000000')).to.equal(undefined);
  });

  it('when the file is over the cap, then 413 says so in words', async () => {
    const headers = pageHeaders((await openImport(client)).data);
    const res = await send('check', Buffer.alloc(MAX_IMPORT_BYTES + 1024, 0x41), headers);
    expect(res.status).to.equal(413);
    expect(res.data.message).to.match(/^Файл больше 20 МБ/);
  });

  it('when another account asks for an import progress, then it is not found', async () => {
    const headers = pageHeaders((await openImport(client)).data);
    const started = await send('start', windows1251(generatedCustomerFile(2)), headers);
    await t.services.customerImport.settled();
    const otherAccount = await installAccount(t);
    const other = await openIframe(t, otherAccount);
    const res = await t.http.get(`/iframe/import/${started.data.id}`, {
      headers: { 'X-Iframe-Session': other.token, Accept: 'application/json' },
    });
    expect(res.status).to.equal(404);
    expect(customerRepository.findByPhone(t.storage.db, otherAccount, '79000000000')).to.equal(undefined);
  });
});
