import { expect } from 'chai';
import { BusinessRuleError, NotFoundError, UpstreamError } from '../../../app/errors.js';
import { PROVIDER_UNAVAILABLE_MESSAGE, ProviderResilience } from '../../../app/providers/resilience.js';
import { rejectionOf } from '../../helpers/rejection.js';

const KEY = 'tenant-1:general';
const transient = () => new UpstreamError('Система лояльности не отвечает.', { definite: false });
const definite = () => new UpstreamError('Система лояльности отклонила операцию.', { definite: true });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A function that fails with the given errors in turn, then returns 'ok'. */
function failingThen(errors: Error[]) {
  const calls = { count: 0 };
  const fn = async () => {
    const error = errors[calls.count++];
    if (error) throw error;
    return 'ok';
  };
  return { fn, calls };
}

describe('ProviderResilience', () => {
  it('when a read fails transiently twice, then it is retried and succeeds', async () => {
    const resilience = new ProviderResilience({ maxBackoffMs: 5 });
    const { fn, calls } = failingThen([transient(), new Error('socket hang up')]);
    expect(await resilience.execute(KEY, 'read', fn)).to.equal('ok');
    expect(calls.count).to.equal(3);
  });

  it('when a read keeps failing, then it gives up after retryAttempts extra calls with the last error', async () => {
    const resilience = new ProviderResilience({ maxBackoffMs: 5, retryAttempts: 2 });
    const { fn, calls } = failingThen([transient(), transient(), transient(), transient()]);
    const error = await rejectionOf(resilience.execute(KEY, 'read', fn));
    expect(error).to.be.instanceOf(UpstreamError);
    expect(calls.count).to.equal(3);
  });

  it('when a write fails transiently, then it is not retried', async () => {
    const resilience = new ProviderResilience({ maxBackoffMs: 5 });
    const { fn, calls } = failingThen([transient()]);
    const error = await rejectionOf(resilience.execute(KEY, 'write', fn));
    expect(error).to.be.instanceOf(UpstreamError);
    expect(calls.count).to.equal(1);
  });

  it('when a read is refused definitely, then it is neither retried nor counted toward the breaker', async () => {
    const resilience = new ProviderResilience({ maxBackoffMs: 5, breakerFailures: 2 });
    for (const make of [definite, () => new NotFoundError('Клиент не найден'), () => new BusinessRuleError('Нельзя')]) {
      for (let i = 0; i < 3; i++) {
        const { fn, calls } = failingThen([make()]);
        await rejectionOf(resilience.execute(KEY, 'read', fn));
        expect(calls.count).to.equal(1);
      }
    }
    expect(resilience.state(KEY)).to.equal('closed');
  });

  it('when N consecutive transient failures happen, then the breaker opens and fn is no longer called', async () => {
    const resilience = new ProviderResilience({ breakerFailures: 3, halfOpenAfterMs: 60_000 });
    for (let i = 0; i < 3; i++) await rejectionOf(resilience.execute(KEY, 'write', failingThen([transient()]).fn));
    expect(resilience.state(KEY)).to.equal('open');

    const { fn, calls } = failingThen([]);
    const error = await rejectionOf(resilience.execute(KEY, 'read', fn));
    expect(error).to.be.instanceOf(UpstreamError);
    expect((error as UpstreamError).message).to.equal(PROVIDER_UNAVAILABLE_MESSAGE);
    expect((error as UpstreamError).definite).to.equal(false);
    expect(calls.count).to.equal(0);
  });

  it('when read retries hit the breaker limit, then retrying stops as soon as it opens', async () => {
    const resilience = new ProviderResilience({
      maxBackoffMs: 5,
      retryAttempts: 5,
      breakerFailures: 2,
      halfOpenAfterMs: 60_000,
    });
    const { fn, calls } = failingThen(Array.from({ length: 10 }, transient));
    const error = await rejectionOf(resilience.execute(KEY, 'read', fn));
    expect(calls.count).to.equal(2);
    expect((error as Error).message).to.equal(PROVIDER_UNAVAILABLE_MESSAGE);
  });

  it('when the breaker is open for one tenant, then another tenant and provider still work', async () => {
    const resilience = new ProviderResilience({ breakerFailures: 1, halfOpenAfterMs: 60_000 });
    await rejectionOf(resilience.execute(KEY, 'write', failingThen([transient()]).fn));
    expect(resilience.state(KEY)).to.equal('open');
    expect(await resilience.execute('tenant-2:general', 'write', failingThen([]).fn)).to.equal('ok');
    expect(await resilience.execute('tenant-1:ibonus', 'write', failingThen([]).fn)).to.equal('ok');
    expect(resilience.state('tenant-2:general')).to.equal('closed');
  });

  it('when halfOpenAfterMs passes, then the breaker half-opens and one success closes it', async () => {
    const resilience = new ProviderResilience({ breakerFailures: 2, halfOpenAfterMs: 50 });
    for (let i = 0; i < 2; i++) await rejectionOf(resilience.execute(KEY, 'write', failingThen([transient()]).fn));
    expect(resilience.state(KEY)).to.equal('open');
    await sleep(70);
    expect(resilience.state(KEY)).to.equal('half-open');

    const { fn, calls } = failingThen([]);
    expect(await resilience.execute(KEY, 'read', fn)).to.equal('ok');
    expect(calls.count).to.equal(1);
    expect(resilience.state(KEY)).to.equal('closed');
  });

  it('when the half-open trial call fails, then the breaker opens again', async () => {
    const resilience = new ProviderResilience({ breakerFailures: 1, halfOpenAfterMs: 50 });
    await rejectionOf(resilience.execute(KEY, 'write', failingThen([transient()]).fn));
    await sleep(70);
    const trial = failingThen([transient()]);
    await rejectionOf(resilience.execute(KEY, 'write', trial.fn));
    expect(trial.calls.count).to.equal(1);
    expect(resilience.state(KEY)).to.equal('open');
    const blocked = failingThen([]);
    await rejectionOf(resilience.execute(KEY, 'write', blocked.fn));
    expect(blocked.calls.count).to.equal(0);
  });
});
