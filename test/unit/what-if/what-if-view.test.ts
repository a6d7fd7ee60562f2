import { expect } from 'chai';
import { DEFAULT_LEDGER_RULES } from '../../../app/ledger/rules.js';
import { rulesSummary, shareOfRevenue } from '../../../app/what-if/what-if-view.js';

describe('What-if page wording', () => {
  it('when the discount is a share of revenue, then it is said with two decimals, rounded half up, from integers', () => {
    expect(shareOfRevenue(1_202_000, 37_896_000)).to.equal('3,17 %');
    expect(shareOfRevenue(5, 1_000)).to.equal('0,50 %');
    expect(shareOfRevenue(1, 20_000)).to.equal('0,01 %'); // 0.005 % rounds up
    expect(shareOfRevenue(0, 0)).to.equal('0,00 %');
    expect(shareOfRevenue(100, 100)).to.equal('100,00 %');
  });

  it('when rules are summed up, then rates, cap, expiry, welcome points, tiers and audience are named', () => {
    const summary = rulesSummary({
      ledger: {
        ...DEFAULT_LEDGER_RULES,
        earnRateRoublesToPoint: 1000,
        spendRatePointsToRouble: 4,
        pointsLifetimeDays: 181,
        welcomeBonusesEnabled: true,
        welcomeBonusesValue: 1500,
        allAgents: false,
        agentTags: ['vip', 'опт'],
      },
      tiers: {
        enabled: true,
        windowDays: 365,
        levels: [
          { name: 'A', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
          { name: 'B', thresholdKopecks: 100, earnRateRoublesToPoint: 5 },
        ],
      },
    }).replace(/\u00a0/g, ' ');
    expect(summary).to.equal(
      '1 балл за 1 000 ₽ · 4 балла = 1 ₽ · до 30 % чека · сгорают через 181 день · 1 500 баллов в подарок · 2 уровня · только теги: vip, опт',
    );
    expect(rulesSummary({ ledger: { ...DEFAULT_LEDGER_RULES, active: false } })).to.equal('Программа выключена');
  });
});
