import { WardenError } from '@warden/errors';
import { MAX_PAGE_SIZE, paging, patternFilter, pick, projection, sortSpec, tagFilter } from './query';

const codeOf = (check: () => unknown) => {
  try {
    check();
    return 'ok';
  } catch (error) {
    return error instanceof WardenError ? `${error.code}:${String(error.data.field)}` : 'unexpected';
  }
};

describe('list queries', () => {
  it("takes the SDK's escaped-name regex, case-insensitive, and refuses unsafe or broken ones", () => {
    expect(patternFilter('name', '^warden\\-compat$')).toEqual({ name: { $regex: '^warden\\-compat$', $options: 'i' } });
    for (const bad of ['(', '[a-', '(?=a)', '(?<!a)b', '(a)\\1', 'x'.repeat(257)])
      expect([bad.slice(0, 8), codeOf(() => patternFilter('name', bad))]).toEqual([bad.slice(0, 8), 'ERR_INVALID_REGEX:name']);
  });

  it('reads tag filters as clearml-server does', () => {
    expect(tagFilter('tags', ['a', 'b'])).toEqual({ tags: { $in: ['a', 'b'] } });
    expect(tagFilter('tags', ['a', '-b'])).toEqual({ $and: [{ tags: { $in: ['a'] } }, { tags: { $nin: ['b'] } }] });
    expect(tagFilter('tags', ['__$not', 'a'])).toEqual({ tags: { $nin: ['a'] } });
    expect(tagFilter('tags', ['__$all', 'a', 'b'])).toEqual({ tags: { $all: ['a', 'b'] } });
    expect(tagFilter('tags', ['__$any', 'a', '__$all', 'b', 'c'])).toEqual({ $or: [{ tags: { $all: ['b', 'c'] } }, { tags: { $in: ['a'] } }] });
    // After an operator, a leading - is part of the tag.
    expect(tagFilter('tags', ['__$any', '-a'])).toEqual({ tags: { $in: ['-a'] } });
    expect(tagFilter('tags', [null])).toEqual({ $or: [{ tags: { $exists: false } }, { tags: { $size: 0 } }] });
    expect(codeOf(() => tagFilter('tags', ['-']))).toBe('ERR_BAD_REQUEST:tags');
    expect(codeOf(() => tagFilter('system_tags', ['__$nope']))).toBe('ERR_BAD_REQUEST:system_tags');
  });

  it('orders by the given fields and then by id, so pages never overlap', () => {
    expect(sortSpec(['-created', 'name'])).toEqual({ created: -1, name: 1, _id: 1 });
    expect(sortSpec(['-id'])).toEqual({ _id: -1 });
    expect(sortSpec(undefined)).toEqual({ _id: 1 });
    expect(codeOf(() => sortSpec(['$natural']))).toBe('ERR_BAD_REQUEST:order_by');
  });

  it('pages like clearml-server: page needs page_size, sizes capped', () => {
    expect(paging(undefined, undefined)).toEqual({ skip: 0, limit: MAX_PAGE_SIZE });
    expect(paging(2, 10)).toEqual({ skip: 20, limit: 10 });
    expect(paging(1, 10_000)).toEqual({ skip: MAX_PAGE_SIZE, limit: MAX_PAGE_SIZE });
    expect(codeOf(() => paging(1, undefined))).toBe('ERR_MISSING_FIELDS:page_size');
  });

  it('projects the top-level fields of only_fields and picks the dotted paths after', () => {
    expect(projection(['status', 'execution.artifacts', 'id'])).toEqual({ status: 1, execution: 1, _id: 1 });
    expect(projection(undefined)).toBeUndefined();
    expect(codeOf(() => projection(['a.$b']))).toBe('ERR_BAD_REQUEST:only_fields');
    const item = { id: 't', status: 'created', execution: { artifacts: [], queue: 'q' }, name: 'n' };
    expect(pick(item, ['status', 'execution.artifacts', 'missing.path'])).toEqual({ id: 't', status: 'created', execution: { artifacts: [] } });
    expect(pick(item, undefined)).toBe(item);
  });

  it('keeps the parent objects a projected path passes through, as a MongoDB projection does', () => {
    // Dataset.create asks for runtime.version of a task whose runtime is {} and reads runtime.
    expect(pick({ id: 't', runtime: {} }, ['id', 'runtime.version'])).toEqual({ id: 't', runtime: {} });
    expect(pick({ id: 't', a: { b: { x: 1 }, c: 2 } }, ['a.b.c.d', 'a.c'])).toEqual({ id: 't', a: { b: {}, c: 2 } });
    // A path through a plain value projects to nothing; through a list, into its objects.
    expect(pick({ id: 't', runtime: 'text' }, ['runtime.version'])).toEqual({ id: 't' });
    const models = { output: [{ name: 'a', model: 'm1' }, 'junk', { name: 'b' }] };
    expect(pick({ id: 't', models }, ['models.output.model'])).toEqual({ id: 't', models: { output: [{ model: 'm1' }, {}] } });
    expect(pick({ id: 't', models }, ['models.output.model', 'models.output.name'])).toEqual({
      id: 't',
      models: { output: [{ model: 'm1', name: 'a' }, { name: 'b' }] },
    });
  });

  it('never reads a projected key from the prototype', () => {
    const item = JSON.parse('{"id":"t","runtime":{"__proto__":{"polluted":1}}}') as Record<string, unknown>;
    const picked = pick(item, ['runtime.__proto__.polluted', 'constructor.name', 'runtime.toString']);
    expect(JSON.stringify(picked)).toBe('{"id":"t","runtime":{"__proto__":{"polluted":1}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
