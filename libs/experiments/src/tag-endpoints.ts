import type { Model } from 'mongoose';
import { z } from 'zod';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import type { Context } from './context';
import { tagFilter, type Filter } from './query';
import { id, listFields, opt, parseRequest } from './request';

const tagsRequest = z.object({
  include_system: opt.flag,
  projects: opt.of(z.array(id).max(1000)),
  filter: opt.of(z.object({ tags: listFields.tags, system_tags: listFields.system_tags })),
});

/** projects.get_task_tags / get_model_tags: the tags (and system tags) used by the company's tasks or models, optionally only in some projects. */
export function registerTagEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context): void {
  const tagsOf = <T>(name: string, model: Model<T>) =>
    api.endpoint(name, { auth: 'token', minVersion: '2.8' }, async ({ auth, data }) => {
      const request = parseRequest(tagsRequest, data);
      const parts: Filter[] = [{ company: auth.claims.identity.company }];
      if (request.projects?.length) parts.push({ project: { $in: request.projects } });
      for (const field of ['tags', 'system_tags'] as const) {
        const values = request.filter?.[field];
        if (values?.length) parts.push(tagFilter(field, values));
      }
      const fields = request.include_system ? (['tags', 'system_tags'] as const) : (['tags'] as const);
      const answer: Record<string, string[]> = {};
      for (const field of fields) {
        const values: unknown[] = await model.distinct(field, { $and: parts });
        answer[field] = values.filter((value): value is string => typeof value === 'string').sort();
      }
      return answer;
    });
  tagsOf('projects.get_task_tags', ctx.db.tasks);
  tagsOf('projects.get_model_tags', ctx.db.models);
}
