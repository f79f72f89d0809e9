import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { experimentModels, newId, type ExperimentModels } from './documents';

// The MongoDB-wire stand-in loses one of two concurrent updates of a document (see write-queue.ts);
// every write through the experiments' models is queued per document, so none is lost.
describe('concurrent writes to one document (real FerretDB)', () => {
  let connection: Connection;
  let db: ExperimentModels;

  beforeAll(async () => {
    connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/warden_test_writes_${randomBytes(6).toString('hex')}`).asPromise();
    db = experimentModels(connection);
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  const newTask = async () => {
    const now = new Date();
    const task = { _id: newId(), company: 'c1', user: 'u1', name: 'writes', type: 'training', status: 'in_progress' as const, created: now, last_iteration: 0 };
    await db.tasks.create(task);
    return task._id;
  };

  it('keeps every one of 24 concurrent $inc and $max updates', async () => {
    const id = await newTask();
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => db.tasks.updateOne({ _id: id, company: 'c1' }, { $inc: { 'last_metrics.count': 1 }, $max: { last_iteration: i } })),
    );
    const task = await db.tasks.findById(id).lean();
    expect(task?.last_metrics).toEqual({ count: 24 });
    expect(task?.last_iteration).toBe(23);
  });

  it('never reverts a status set while a metrics update of the same task runs', async () => {
    const id = await newTask();
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) =>
        db.tasks.updateOne({ _id: id, company: 'c1' }, { $max: { last_iteration: i }, $set: { [`last_metrics.m${i}`]: i } }),
      ),
      db.tasks.updateOne({ _id: id, company: 'c1' }, { $set: { status: 'completed' } }),
      // A write by another filter (every task of a parent) waits for them all, and they for it.
      db.tasks.updateMany({ company: 'c1', _id: { $in: [id] } }, { $set: { comment: 'many' } }),
    ]);
    const task = await db.tasks.findById(id).lean();
    expect(task).toMatchObject({ status: 'completed', comment: 'many', last_iteration: 9 });
    expect(Object.keys(task?.last_metrics ?? {})).toHaveLength(10);
  });
});
