import { SandboxSeed } from './sandbox.seed';

/**
 * The demo workspace behind `npm start` and `npm run sandbox`. Ids are the ones used in the
 * Workato reference examples (managed user 5454 / external id 12345, project 523144, portal 37
 * "IDEA Lifestyle"), so requests copied from the docs work unchanged.
 */
export const DEFAULT_SEED: SandboxSeed = {
  managedUsers: [
    {
      id: 5454,
      externalId: '12345',
      name: 'Abstergo Industries',
      projects: [
        { id: 523144, name: 'Customer APIs' },
        { id: 523145, name: 'Internal tools' },
      ],
      portals: [
        { id: 37, name: 'IDEA Lifestyle', subdomain: 'idea', kind: 'magic_link' },
        { id: 38, name: 'IDEA Identity', subdomain: 'idea-id', kind: 'identity' },
      ],
    },
    {
      id: 4243,
      externalId: 'A2300',
      name: 'Automation Inc.',
      projects: [{ id: 423455, name: 'Automation APIs' }],
      portals: [
        {
          id: 2010,
          name: 'Automation Developer Portal',
          subdomain: 'automation',
          kind: 'identity',
        },
      ],
    },
    {
      id: 1279482,
      externalId: 'umbrella-eu',
      name: 'Umbrella Corporation',
      projects: [{ id: 611020, name: 'Umbrella APIs' }],
      portals: [],
    },
  ],
};
