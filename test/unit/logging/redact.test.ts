import { expect } from 'chai';
import { blankSecrets, maskPhone, redact, redactText } from '../../../app/logging/redact.js';

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

  it("when the call's secret values are given, then they are blanked inside any string, also URL-encoded or JSON-escaped", () => {
    const key = 'k3y/with+"odd"chars';
    const out = redact(
      {
        error: `Invalid apikey ${key} for point 7`,
        nested: [{ note: `see ?key=${encodeURIComponent(key)}` }],
        raw: `{"message":${JSON.stringify(`bad key ${key}`)}}`,
      },
      [key],
    );
    const text = JSON.stringify(out);
    expect(text).to.not.include('k3y');
    expect(text).to.include('Invalid apikey [скрыто] for point 7');
    expect(redactText(`code 482913 sent`, ['482913'])).to.equal('code [скрыто] sent');
  });

  it('when a secret value is shorter than four characters, then ordinary text is left alone', () => {
    expect(redactText('1 of 2 items', ['1', ''])).to.equal('1 of 2 items');
    expect(blankSecrets({ a: 'pw 12', n: 12 }, ['12', undefined])).to.deep.equal({ a: 'pw 12', n: 12 });
  });

  it('when only secret values are blanked, then keys, numbers and phones stay as they were', () => {
    expect(
      blankSecrets({ apikey: 'other', text: 'key s3cret-value, call 89123456789', n: 5 }, ['s3cret-value']),
    ).to.deep.equal({
      apikey: 'other',
      text: 'key [скрыто], call 89123456789',
      n: 5,
    });
  });
});
