import { expect } from 'chai';
import { maskPhone, redact, redactText } from '../../../app/logging/redact.js';

describe('Redaction', () => {
  it('when an object has secret-named keys, then their values are hidden at any depth', () => {
    const out = redact({
      apikey: 'k1',
      nested: { access_token: 't1', password: 'p', Authorization: 'Bearer x' },
      list: [{ token: 't2' }],
    });
    expect(JSON.stringify(out)).to.not.match(/k1|t1|"p"|t2|Bearer x/);
  });

  it('when error codes or flags sit under code-like keys, then numbers stay visible', () => {
    expect(redact({ code: 1000, verificationCode: '123456' })).to.deep.equal({
      code: 1000,
      verificationCode: '[скрыто]',
    });
  });

  it('when a JWT or bearer credential appears inside free text, then it is hidden', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiIxMjMifQ.c2lnbmF0dXJl';
    expect(redactText(`token ${jwt} used`)).to.not.include(jwt);
    expect(redactText('Authorization: Basic dXNlcjpwYXNz')).to.not.include('dXNlcjpwYXNz');
  });

  it('when phones appear in text or phone fields, then only the last four digits remain', () => {
    expect(redactText('call +7 912 345-67-89 now')).to.equal('call ***6789 now');
    expect(redact({ phone: '89123456789' })).to.deep.equal({ phone: '***6789' });
    expect(maskPhone('+7 (912) 345-67-89')).to.equal('***6789');
  });

  it('when a phone that is already masked is masked again, then its last four digits stay', () => {
    expect(maskPhone(maskPhone('+7 912 345-67-89'))).to.equal('***6789');
    expect(redact(redact({ phone: '89123456789', note: 'звонить +7 912 345-67-89' }))).to.deep.equal({
      phone: '***6789',
      note: 'звонить ***6789',
    });
  });
});
