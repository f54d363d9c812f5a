import { describe, expect, it } from 'vitest';
import { parseClientId } from '../../src/domain/client-id.js';
import { GatewayError } from '../../src/kernel/errors.js';

describe('parseClientId', () => {
  it('takes the host between the first @ and the next /, lower-cased', () => {
    expect(parseClientId('strange-hydra-68836@Acme.Conductor.One/pcc')).toEqual({
      clientId: 'strange-hydra-68836@Acme.Conductor.One/pcc',
      host: 'acme.conductor.one',
    });
  });

  it('keeps a port in the host', () => {
    expect(parseClientId('name@localhost:8443/pcc').host).toBe('localhost:8443');
  });

  it.each([
    ['', 'is empty'],
    ['name.acme.conductor.one/pcc', "has no '@'"],
    ['@acme.conductor.one/pcc', "has nothing before the '@'"],
    ['name@acme.conductor.one', "has no '/' after the host"],
    ['name@/pcc', 'has an empty host'],
    ['name@evil.example#x/pcc', 'has an invalid host'],
    ['name@user:pw@evil.example/pcc', 'has an invalid host'],
  ])('rejects %j with a message saying it %s', (clientId, what) => {
    expect(() => parseClientId(clientId)).toThrow(GatewayError);
    try {
      parseClientId(clientId);
    } catch (error) {
      expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
      expect((error as Error).message).toContain('C1_CLIENT_ID');
      expect((error as Error).message).toContain(what);
    }
  });
});
