import { expect } from 'chai';
import fc from 'fast-check';
import { looksLikePhone, normalizePhone } from '../../../app/locale/phone.js';

describe('phone', () => {
  describe('normalizePhone', () => {
    const sameNumber = [
      '+7 912 345-67-89',
      '8 (912) 345 67 89',
      '79123456789',
      '9123456789',
      '+7-912-345-67-89',
      '+7 (912) 345-67-89',
      '89123456789',
      '  +7 912 345 67 89  ',
      '+7\u00a0912\u00a0345\u201167\u201189', // no-break spaces and a non-breaking hyphen
      '8.912.345.67.89',
    ];
    for (const input of sameNumber) {
      it(`when given "${input}", then it returns 79123456789`, () => {
        expect(normalizePhone(input)).to.equal('79123456789');
      });
    }

    it('when given a ten-digit geographic number, then it adds the country code', () => {
      expect(normalizePhone('(495) 123-45-67')).to.equal('74951234567');
      expect(normalizePhone('3812 12-34-56')).to.equal('73812123456');
    });

    const notPhones = [
      '',
      '   ',
      'Иванов',
      '+7 912 ABC-67-89',
      '912345678', // too short
      '791234567890', // too long
      '+8 912 345 67 89', // another country
      '+9123456789', // ten digits with a plus: no country code
      '8912345678', // trunk prefix with a digit missing
      '0123456789',
      '1 912 345 67 89',
      '7 912 345 67 89 доб. 12',
      '+7+9123456789',
      '79123456789+',
      '٧٩١٢٣٤٥٦٧٨٩', // Arabic-Indic digits are not accepted
    ];
    for (const input of notPhones) {
      it(`when given "${input}", then it returns null`, () => {
        expect(normalizePhone(input)).to.equal(null);
      });
    }

    it('when a result is returned, then it is 11 digits starting with 7 and normalizing it again changes nothing', () => {
      fc.assert(
        fc.property(fc.string({ unit: fc.constantFrom(...'0123456789+-() 78'.split('')), maxLength: 20 }), (input) => {
          const phone = normalizePhone(input);
          if (phone === null) return;
          expect(phone).to.match(/^7\d{10}$/);
          expect(normalizePhone(phone)).to.equal(phone);
        }),
      );
    });

    it('when any Russian number is written in any common format, then it comes back the same', () => {
      fc.assert(
        fc.property(fc.stringMatching(/^9\d{9}$/), fc.integer({ min: 0, max: 4 }), (national, format) => {
          const [a, b, c, d] = [national.slice(0, 3), national.slice(3, 6), national.slice(6, 8), national.slice(8)];
          const written = [
            `+7 ${a} ${b}-${c}-${d}`,
            `8 (${a}) ${b} ${c} ${d}`,
            `7${national}`,
            national,
            `+7-${a}-${b}-${c}-${d}`,
          ][format] as string;
          expect(normalizePhone(written)).to.equal(`7${national}`);
        }),
      );
    });
  });

  describe('looksLikePhone', () => {
    it('when the search is a phone in any common format, then it is true', () => {
      expect(looksLikePhone('+7 912 345-67-89')).to.equal(true);
      expect(looksLikePhone('89123456789')).to.equal(true);
    });

    it('when the search is a name, a short card number or a fragment, then it is false', () => {
      expect(looksLikePhone('Иван Петров')).to.equal(false);
      expect(looksLikePhone('123456')).to.equal(false);
      expect(looksLikePhone('912-34')).to.equal(false);
      expect(looksLikePhone('')).to.equal(false);
    });
  });
});
