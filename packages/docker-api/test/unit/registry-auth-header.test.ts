import { describe, expect, it } from 'vitest';
import { authConfigFromJson, registryAuthFromHeader } from '../../src/registry-auth-header.js';
import { loginServer } from '../../src/routes/auth.js';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('X-Registry-Auth and AuthConfig', () => {
  it('decodes the header the docker CLI sends (base64url JSON AuthConfig) into ce credentials', () => {
    const header = base64url({ username: 'u', password: 'p>?~', serveraddress: '127.0.0.1:5000' });
    expect(header).toMatch(/[-_]/); // the url alphabet is what makes this case
    expect(registryAuthFromHeader(header)).toEqual({ username: 'u', password: 'p>?~', identityToken: '', registryToken: '' });
  });

  it('also reads standard base64, and field names in any case, as Go decodes them', () => {
    const header = Buffer.from(JSON.stringify({ Username: 'u', Password: 'p>?~', IdentityToken: 'tok' })).toString('base64');
    expect(registryAuthFromHeader(header)).toEqual({ username: 'u', password: 'p>?~', identityToken: 'tok', registryToken: '' });
  });

  it('counts an empty config, a header that does not decode, and no header as no credentials', () => {
    expect(registryAuthFromHeader('e30=')).toBeUndefined(); // {}
    expect(registryAuthFromHeader('!!not base64 json')).toBeUndefined();
    expect(registryAuthFromHeader(undefined)).toBeUndefined();
    expect(registryAuthFromHeader('')).toBeUndefined();
  });

  it('takes username and password from `auth` (the config file form) when they are absent', () => {
    const { auth, serverAddress } = authConfigFromJson({ auth: Buffer.from('me:pw:with:colons').toString('base64'), serveraddress: 'reg:5000' });
    expect(auth).toMatchObject({ username: 'me', password: 'pw:with:colons' });
    expect(serverAddress).toBe('reg:5000');
    expect(authConfigFromJson('not an object').auth).toEqual({ username: '', password: '', identityToken: '', registryToken: '' });
  });

  it("turns docker login's server address into ced's registry host", () => {
    expect(loginServer('https://index.docker.io/v1/')).toBe('');
    expect(loginServer('')).toBe('');
    expect(loginServer('127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(loginServer('http://127.0.0.1:5000/v2/')).toBe('127.0.0.1:5000');
  });
});
