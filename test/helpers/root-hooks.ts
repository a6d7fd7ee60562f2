import nock from 'nock';

/** Only our own servers on loopback may be reached; 127.0.0.1 and localhost are different sites to a browser. */
function allowLoopbackOnly(): void {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
}

// The network is closed in every test. The rule is set again before each test, so a suite that
// narrows it cannot leak its rule into the suites after it.
export const mochaHooks = {
  beforeAll: allowLoopbackOnly,
  beforeEach: allowLoopbackOnly,
  afterEach() {
    nock.cleanAll();
  },
};
