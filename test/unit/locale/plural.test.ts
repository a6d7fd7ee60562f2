import { expect } from 'chai';
import { groupDigits, plural } from '../../../app/locale/plural.js';
import { formatWholeRoublesUp } from '../../../app/receipt/money.js';

const POINTS = ['балл', 'балла', 'баллов'] as const;

describe('Russian counts and whole roubles', () => {
  it('when a count ends in 1, 2–4 or anything else, then its form follows, the teens always taking the many form', () => {
    const forms = [0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 1000].map((n) => `${n} ${plural(n, POINTS)}`);
    expect(forms).to.deep.equal([
      '0 баллов',
      '1 балл',
      '2 балла',
      '4 балла',
      '5 баллов',
      '11 баллов',
      '12 баллов',
      '14 баллов',
      '21 балл',
      '22 балла',
      '25 баллов',
      '101 балл',
      '111 баллов',
      '1000 баллов',
    ]);
  });

  it('when a count is a fraction, then it takes the second form, as in «1,5 балла»', () => {
    expect([1.5, 0.5, 2.25].map((n) => plural(n, POINTS))).to.deep.equal(['балла', 'балла', 'балла']);
  });

  it('when counts and amounts have thousands, then they are set apart, and amounts left to reach round up', () => {
    expect(groupDigits(1234567)).to.equal('1 234 567');
    expect(formatWholeRoublesUp(320_000)).to.equal('3 200 ₽');
    expect(formatWholeRoublesUp(319_950)).to.equal('3 200 ₽');
    expect(formatWholeRoublesUp(1)).to.equal('1 ₽');
    expect(formatWholeRoublesUp(0)).to.equal('0 ₽');
    expect(formatWholeRoublesUp(-5)).to.equal('0 ₽');
  });
});
