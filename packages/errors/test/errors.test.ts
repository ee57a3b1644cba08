import { z } from 'zod';
import { AppError, parseInput, problemBody, ServiceUnavailableError, ValidationError } from '../src';

describe('parseInput', () => {
  const schema = z.object({ quantidade: z.number().int().positive() });

  it('when the input fits the schema, then it returns the parsed value', () => {
    expect(parseInput(schema, { quantidade: 2 }, 'body')).toEqual({ quantidade: 2 });
  });

  it('when a field breaks a rule, then a 400 names the field and the rule', () => {
    let err: unknown;
    try {
      parseInput(schema, { quantidade: -1 }, 'body');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.status).toBe(400);
    expect(v.details).toEqual([{ field: 'body.quantidade', message: expect.stringMatching(/>0|greater|positive/i) }]);
  });
});

describe('problem bodies', () => {
  it('when a dependency is down, then the error carries a Retry-After of at least one second', () => {
    const e = new ServiceUnavailableError('catalogo is unavailable', 0.2);
    expect(e).toBeInstanceOf(AppError);
    expect(e.status).toBe(503);
    expect(e.headers['Retry-After']).toBe('1');
  });

  it('when there are no details, then the body has no details key', () => {
    expect(problemBody(404, 'not_found', 'x')).toEqual({ status: 404, code: 'not_found', message: 'x', request_id: null });
  });
});
