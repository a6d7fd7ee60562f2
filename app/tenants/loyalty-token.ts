import { hashToken, randomToken, type SecretBox } from '../crypto/secret-box.js';

export const LOYALTY_TOKEN_FIELD = 'loyaltyToken';
export const ACCESS_TOKEN_FIELD = 'accessToken';

/** A new LoyaltyAPI token: the hash finds the tenant, the sealed copy lets us re-send it to МойСклад. */
export function issueLoyaltyToken(box: SecretBox, accountId: string, token = randomToken(32)) {
  return { token, hash: hashToken(token), sealed: box.seal(token, accountId, LOYALTY_TOKEN_FIELD) };
}

/** The JSON API access token МойСклад gave on activation; undefined for a tenant with none (the demo tenant). */
export function openAccessToken(
  box: SecretBox,
  tenant: { accountId: string; accessTokenEnc: string | null },
): string | undefined {
  return tenant.accessTokenEnc ? box.open(tenant.accessTokenEnc, tenant.accountId, ACCESS_TOKEN_FIELD) : undefined;
}
