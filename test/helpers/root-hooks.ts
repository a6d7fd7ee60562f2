import nock from 'nock';

// The network is closed in every test: only our own servers on loopback may be reached.
export const mochaHooks = {
  beforeAll() {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  },
  afterEach() {
    nock.cleanAll();
  },
};
