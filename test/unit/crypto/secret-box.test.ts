import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { SecretBox, hashToken } from '../../../app/crypto/secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('when a value is sealed, then it opens back for the same owner and field', () => {
    const sealed = box.seal('секрет-123', 'tenant-a', 'apiKey');
    expect(sealed).to.not.include('секрет');
    expect(box.open(sealed, 'tenant-a', 'apiKey')).to.equal('секрет-123');
  });

  it('when the same value is sealed twice, then the ciphertexts differ (fresh IV)', () => {
    expect(box.seal('same', 'o', 'f')).to.not.equal(box.seal('same', 'o', 'f'));
  });

  it('when a ciphertext is opened for another tenant or field, then it fails', () => {
    const sealed = box.seal('value', 'tenant-a', 'apiKey');
    expect(() => box.open(sealed, 'tenant-b', 'apiKey')).to.throw();
    expect(() => box.open(sealed, 'tenant-a', 'accessToken')).to.throw();
  });

  it('when a ciphertext is tampered with or the key differs, then it fails', () => {
    const sealed = box.seal('value', 'o', 'f');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(`v1:${raw.toString('base64')}`, 'o', 'f')).to.throw();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'o', 'f')).to.throw();
  });

  it('when the key is not 32 bytes, then the box refuses to exist', () => {
    expect(() => new SecretBox(randomBytes(16))).to.throw(/32 bytes/);
  });

  it('when a token is hashed, then the hash is stable and does not contain the token', () => {
    expect(hashToken('abc')).to.equal(hashToken('abc')).and.have.length(64);
    expect(hashToken('abc')).to.not.equal(hashToken('abd'));
  });
});
