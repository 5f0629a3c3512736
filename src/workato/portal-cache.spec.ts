import { PortalCache } from './portal-cache';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('PortalCache', () => {
  const dev = { id: 37, name: 'Dev portal' };
  const partners = { id: 38, name: 'Partners' };

  it('lists a managed user’s portals once per cache lifetime', async () => {
    const time = clock();
    const cache = new PortalCache(300_000, time.now);
    const fetch = jest.fn(async () => [dev, partners]);
    expect(await cache.find('E1', 'Dev portal', fetch)).toEqual(dev);
    expect(await cache.find('E1', 'Partners', fetch)).toEqual(partners);
    expect(fetch).toHaveBeenCalledTimes(1);
    time.advance(300_001);
    await cache.find('E1', 'Dev portal', fetch);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('shares one request between concurrent look-ups', async () => {
    const cache = new PortalCache(300_000);
    const fetch = jest.fn(async () => [dev]);
    await Promise.all([1, 2, 3].map(() => cache.find('E1', 'Dev portal', fetch)));
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('refreshes once on a miss before saying the portal does not exist', async () => {
    const cache = new PortalCache(300_000);
    const lists = [[dev], [dev, partners]];
    const fetch = jest.fn(async () => lists.shift() ?? []);
    await cache.find('E1', 'Dev portal', fetch);
    expect(await cache.find('E1', 'Partners', fetch)).toEqual(partners);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(await cache.find('E1', 'Nope', fetch)).toBeNull();
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('does not refresh a list it has just fetched', async () => {
    const cache = new PortalCache(300_000);
    const fetch = jest.fn(async () => [dev]);
    expect(await cache.find('E1', 'Nope', fetch)).toBeNull();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('keeps managed users apart and forgets a failed list', async () => {
    const cache = new PortalCache(300_000);
    const failing = jest.fn(async () => Promise.reject(new Error('503')));
    await expect(cache.find('E1', 'Dev portal', failing)).rejects.toThrow('503');
    const fetch = jest.fn(async () => [dev]);
    expect(await cache.find('E1', 'Dev portal', fetch)).toEqual(dev);
    await cache.find('E2', 'Dev portal', fetch);
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
