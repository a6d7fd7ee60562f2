import { expect } from 'chai';
import Joi from 'joi';
import { checkFields, validate } from '../../app/http/validate.js';
import { ValidationError } from '../../app/errors.js';

describe('The validation helper', () => {
  const schema = Joi.object({
    quantity: Joi.number().greater(0).less(10).integer(),
    name: Joi.string().max(3).required(),
    list: Joi.array().min(1),
    kind: Joi.string().valid('A', 'B'),
    url: Joi.string().uri(),
  });

  it('when any rule we use fails, then the message is Russian and names the field', () => {
    const inputs: Array<[unknown, string]> = [
      [{}, 'name'],
      [{ name: 'long name' }, 'name'],
      [{ name: 'a', quantity: 0 }, 'quantity'],
      [{ name: 'a', quantity: 11 }, 'quantity'],
      [{ name: 'a', quantity: 1.5 }, 'quantity'],
      [{ name: 'a', quantity: 'x' }, 'quantity'],
      [{ name: 'a', list: [] }, 'list'],
      [{ name: 'a', kind: 'C' }, 'kind'],
      [{ name: 'a', url: 'not a url' }, 'url'],
      [{ name: 5 }, 'name'],
    ];
    for (const [input, field] of inputs) {
      try {
        validate(schema, input);
        expect.fail(`accepted ${JSON.stringify(input)}`);
      } catch (error) {
        expect(error).to.be.instanceOf(ValidationError);
        expect((error as ValidationError).parameter).to.equal(field);
        expect((error as ValidationError).message, JSON.stringify(input))
          .to.match(/^[^a-z]*[А-ЯЁ]/)
          .and.include(field);
      }
    }
  });

  it('when the input is valid, then the converted value comes back', () => {
    expect(validate(schema, { name: 'abc', quantity: '3' })).to.deep.equal({ name: 'abc', quantity: 3 });
  });

  it('when one schema is used by both a form and an API, then the form lists every problem and the API names the first', () => {
    const input = { name: 'long name', quantity: 0, kind: 'C' };
    for (let call = 0; call < 2; call++) {
      expect(checkFields(schema, input).problems.map((p) => p.field)).to.deep.equal(['quantity', 'name', 'kind']);
      expect(() => validate(schema, input))
        .to.throw(ValidationError)
        .with.property('parameter', 'quantity');
      expect(checkFields(schema, input).problems[1]!.message).to.equal('Поле «name» длиннее 3 символов.');
    }
  });
});
