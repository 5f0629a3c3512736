import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * The TypeORM entities describe the tables the migrations make: every column of a migrated
 * table is declared on its entity, with the same nullability, and no entity declares a column
 * the migrations never made. (Queries are SQL; the entities are the schema a reader looks up.)
 */
describe('entities and migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('declare the same columns, nullable alike', async () => {
    for (const entity of db.dataSource.entityMetadatas) {
      const rows: { column_name: string; is_nullable: 'YES' | 'NO' }[] = await db.dataSource.query(
        `SELECT column_name, is_nullable FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name`,
        [entity.tableName],
      );
      const inDatabase = Object.fromEntries(
        rows.map((r) => [r.column_name, r.is_nullable === 'YES']),
      );
      const declared = Object.fromEntries(
        entity.columns.map((c) => [c.databaseName, c.isNullable]),
      );
      expect({ table: entity.tableName, columns: declared }).toEqual({
        table: entity.tableName,
        columns: inDatabase,
      });
    }
  });
});
