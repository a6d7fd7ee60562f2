import type { LedgerRules } from '../../app/ledger/rules.js';
import type { TierRules } from '../../app/ledger/tier-rules.js';

/**
 * The program every figure is measured with (issue 14): points that expire (every seeded customer holds a
 * dated lot), three levels with their own rates, birthday points and a ×2 birthday multiplier.
 */
export const PROGRAM: { ledger: Partial<LedgerRules>; tiers: TierRules } = {
  ledger: {
    pointsLifetimeDays: 365,
    welcomeLifetimeDays: 90,
    birthdayEnabled: true,
    birthdayPoints: 300,
    birthdayEarnMultiplier: 2,
  },
  tiers: {
    enabled: true,
    windowDays: 365,
    levels: [
      { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
      { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 7 },
      { name: 'Золото', thresholdKopecks: 3_000_000, earnRateRoublesToPoint: 5 },
    ],
  },
};
