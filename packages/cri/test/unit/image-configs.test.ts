import { describe, expect, it } from 'vitest';
import { imageConfigs } from '../../src/state/image-configs.js';

describe('imageConfigs', () => {
  it('inspects an image once, asks again after a failure, and forgets the images that are gone', async () => {
    const asked: string[] = [];
    let fail = true;
    const users = imageConfigs(async (id) => {
      asked.push(id);
      if (fail) throw new Error('ced is restarting');
      return id === 'sha256:a' ? '1000:1000' : '';
    });
    await expect(users.of('sha256:a')).rejects.toThrow('ced is restarting');
    fail = false;
    expect(await Promise.all([users.of('sha256:a'), users.of('sha256:a'), users.of('sha256:b')])).toEqual(['1000:1000', '1000:1000', '']);
    expect(asked).toEqual(['sha256:a', 'sha256:a', 'sha256:b']);
    users.keepOnly(new Set(['sha256:b']));
    await users.of('sha256:a');
    await users.of('sha256:b');
    expect(asked).toEqual(['sha256:a', 'sha256:a', 'sha256:b', 'sha256:a']);
  });
});
