import {
  configOf,
  REQUEST,
  runOf,
  stepState,
  workspaceMock,
  accountsOf,
} from '../onboarding-run.fixture';
import type { ProvisionStep } from '../saga-step';
import { ApiCollectionStep } from './api-collection.step';

describe('API collection step', () => {
  const collection = () => stepState({ name: 'api_collection', kind: 'API_COLLECTION' });

  it('plans one collection, keyed by project and name', () => {
    expect(new ApiCollectionStep(accountsOf(workspaceMock()), configOf()).plan(REQUEST)).toEqual([
      { name: 'api_collection', naturalKey: 'project:523144/collection:Umbrella API' },
    ]);
  });

  it('looks the collection up in the project, and creates it there', async () => {
    const workspace = workspaceMock();
    workspace.findApiCollection.mockResolvedValue(null);
    workspace.createApiCollection.mockResolvedValue({
      id: '9',
      name: 'Umbrella API',
      projectId: '523144',
    });
    const step = new ApiCollectionStep(accountsOf(workspace), configOf());
    const { run } = runOf([collection()]);
    expect(step.mayPreexist(run)).toBe(true);
    expect(await step.find(run)).toBeNull();
    expect(workspace.findApiCollection).toHaveBeenCalledWith('E123', '523144', 'Umbrella API');
    expect(await step.create(run)).toMatchObject({ id: '9' });
    expect(workspace.createApiCollection).toHaveBeenCalledWith('E123', '523144', 'Umbrella API');
  });

  it('looks first only when adoption is on, by setting or by the event', () => {
    const { run } = runOf([collection()]);
    const off = configOf({ ONBOARDING_ADOPT_EXISTING: 'false' });
    expect(new ApiCollectionStep(accountsOf(workspaceMock()), configOf()).mayPreexist(run)).toBe(
      true,
    );
    expect(new ApiCollectionStep(accountsOf(workspaceMock()), off).mayPreexist(run)).toBe(false);
    const overridden = runOf([collection()], { request: { ...REQUEST, adoptExisting: true } }).run;
    expect(new ApiCollectionStep(accountsOf(workspaceMock()), off).mayPreexist(overridden)).toBe(
      true,
    );
    const declined = runOf([collection()], { request: { ...REQUEST, adoptExisting: false } }).run;
    expect(
      new ApiCollectionStep(accountsOf(workspaceMock()), configOf()).mayPreexist(declined),
    ).toBe(false);
  });

  it('adopts a collection of that name that it did not create', () => {
    expect(
      new ApiCollectionStep(accountsOf(workspaceMock()), configOf()).foundWithoutIntent(),
    ).toBe('adopt');
  });

  it('has no undo of its own: Workato cannot delete an API collection', () => {
    expect(
      (new ApiCollectionStep(accountsOf(workspaceMock()), configOf()) as ProvisionStep).undo,
    ).toBeUndefined();
  });
});
