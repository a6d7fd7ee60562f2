import { expect } from 'chai';
import nock from 'nock';
import { createLogger } from '../../../app/logging/logger.js';
import { checkProviderConnection, type ConnectionCheckInput } from '../../../app/providers/connection-check.js';
import { testGuard } from '../../helpers/outbound.js';

const logger = createLogger({ level: 'error', silent: true });
const GENERAL = 'https://bonus.example.test';
const IBONUS = 'https://lk.i-bonus.test';

const general = (defaultPoint?: string): ConnectionCheckInput => ({
  backend: 'general',
  settings: { general: { baseUrl: GENERAL, ...(defaultPoint ? { defaultPoint } : {}) } },
  secrets: { general: { apiKey: 'key-1' } },
});
const ibonus: ConnectionCheckInput = {
  backend: 'ibonus',
  settings: { ibonus: { baseUrl: IBONUS, maxPaidRatePercents: 50, spendRatePointsToRouble: 1 } },
  secrets: { ibonus: { login: 'shop', password: 'secret' } },
};
const check = (input: ConnectionCheckInput) =>
  checkProviderConnection(input, { logger, timeoutMs: 200, guard: testGuard() });

describe('«Проверить подключение»', () => {
  it('when the ledger is chosen, then there is nothing to call and the answer says so', async () => {
    expect(await check({ backend: 'ledger', settings: {}, secrets: {} })).to.deep.include({ ok: true });
  });

  it('when the general system knows the key and the point but not the probe customer, then it works', async () => {
    nock(GENERAL)
      .matchHeader('apikey', 'key-1')
      .post('/integration/general/client', { search: '70000000000', point: 'point-1' })
      .reply(422, { client: 'Client not found.' });
    expect(await check(general('point-1'))).to.deep.equal({
      ok: true,
      message: 'Подключение работает: система лояльности приняла ключ API и точку продаж.',
    });
  });

  it('when no default point is set, then the first mapped store point is used', async () => {
    nock(GENERAL)
      .post('/integration/general/client', (body) => body.point === 'mapped-7')
      .reply(422, { client: 'Client not found.' });
    const input = general();
    input.settings.storePoints = { 'store-a': 'mapped-7' };
    expect((await check(input)).ok).to.equal(true);
  });

  it('when several stores are mapped, then every point is tried once and the unknown ones are named', async () => {
    const asked: string[] = [];
    nock(GENERAL)
      .post('/integration/general/client', (body) => asked.push(body.point) > 0)
      .times(4)
      .reply((_uri, body) =>
        ['point-1', 'mapped-7'].includes((body as { point: string }).point)
          ? [422, { client: 'Client not found.' }]
          : [422, { point: 'Point not found.' }],
      );
    const input = general('point-1');
    input.settings.storePoints = {
      'store-a': 'mapped-7',
      'store-b': 'gone-3',
      'store-c': 'point-1',
      'store-d': 'gone-4',
    };
    expect(await check(input)).to.deep.equal({
      ok: false,
      message:
        'Ключ API принят, но точек «gone-3», «gone-4» нет в системе лояльности. Проверьте точку по умолчанию и соответствие точек.',
    });
    expect(asked).to.deep.equal(['point-1', 'mapped-7', 'gone-3', 'gone-4']);

    nock(GENERAL).post('/integration/general/client').times(2).reply(422, { client: 'Client not found.' });
    input.settings.storePoints = { 'store-a': 'mapped-7' };
    expect(await check(input)).to.deep.equal({
      ok: true,
      message: 'Подключение работает: система лояльности приняла ключ API и точки продаж «point-1», «mapped-7».',
    });
  });

  it('when the general system does not know the point, then the owner is told which point to fix', async () => {
    nock(GENERAL).post('/integration/general/client').reply(422, { point: 'Point not found.' });
    expect(await check(general('point-9'))).to.deep.equal({
      ok: false,
      message:
        'Ключ API принят, но точки «point-9» нет в системе лояльности. Проверьте точку по умолчанию и соответствие точек.',
    });
    nock(GENERAL).post('/integration/general/client').reply(422, { point: 'Point not found.' });
    expect((await check(general())).message).to.include('Укажите точку по умолчанию');
  });

  it('when the general system refuses the key, then the owner is told to check the key', async () => {
    nock(GENERAL).post('/integration/general/client').reply(401, { message: 'Unauthorized' });
    expect(await check(general('p'))).to.deep.equal({
      ok: false,
      message: 'Система лояльности отклонила ключ API. Проверьте ключ в настройках приложения.',
    });
  });

  it('when the address answers 404, 503, garbage or nothing in time, then the owner is told to check the address', async () => {
    nock(GENERAL).post('/integration/general/client').reply(404, 'Not Found');
    nock(GENERAL).post('/integration/general/client').reply(503, 'down');
    nock(GENERAL).post('/integration/general/client').reply(200, '<html>');
    nock(GENERAL).post('/integration/general/client').delay(1000).reply(200, {});
    for (let i = 0; i < 4; i += 1) {
      expect(await check(general('p'))).to.deep.equal({
        ok: false,
        message: `Система лояльности не отвечает по адресу ${GENERAL}. Проверьте адрес и что сервер доступен из интернета.`,
      });
    }
  });

  it('when i-bonus accepts the login, then it works; when it refuses, then the owner is told to check login and password', async () => {
    const basic = `Basic ${Buffer.from('shop:secret').toString('base64')}`;
    nock(IBONUS)
      .matchHeader('authorization', basic)
      .get('/ext/api/v1/clients/')
      .query({ phone: '70000000000', limit: '1' })
      .reply(200, []);
    expect(await check(ibonus)).to.deep.equal({
      ok: true,
      message: 'Подключение к i-bonus работает: логин и пароль приняты.',
    });
    nock(IBONUS)
      .get('/ext/api/v1/clients/')
      .query(true)
      .reply(401, { error: 'Unauthorized', message: 'Bad credentials', status: 401 });
    expect(await check(ibonus)).to.deep.equal({
      ok: false,
      message: 'i-bonus отклонил логин или пароль. Проверьте их в настройках приложения.',
    });
    nock(IBONUS).get('/ext/api/v1/clients/').query(true).reply(404, {});
    expect((await check(ibonus)).message).to.include(`не отвечает по адресу ${IBONUS}`);
  });

  it('when credentials are missing, then nothing is called and the owner is told what to fill in', async () => {
    expect(await check({ ...general('p'), secrets: {} })).to.deep.equal({
      ok: false,
      message: 'Укажите адрес API и ключ API, затем проверьте снова.',
    });
    expect(await check({ ...ibonus, secrets: { ibonus: { login: 'x', password: '' } } })).to.deep.include({
      ok: false,
    });
  });
});
