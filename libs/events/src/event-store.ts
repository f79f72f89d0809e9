import type { Client } from '@elastic/elasticsearch';
import { addBatch, type AddBatchOutcome, type AddBatchResult } from './add-batch';
import { debugImages, type DebugImagesOptions, type DebugImagesResult, type TaskMetricVariants } from './debug-images';
import { deleteTaskEvents } from './delete-task-events';
import { indicesFor, type EventTypeOrAll } from './event-types';
import { elastic } from './elastic-errors';
import { ensureTemplates } from './mappings';
import { scalarMetricsIterHistogram, type HistogramOptions, type ScalarHistogram } from './scalar-histogram';
import { getSample, nextSample, type NextSampleRequest, type SampleKind, type SampleRequest, type SampleResult } from './sample-navigation';
import {
  getLatestScalarValues,
  getScalarMetricsAndVariants,
  getSingleValueMetrics,
  type LatestScalarValuesResult,
  type SingleValueMetricsResult,
} from './scalar-values';
import type { MetricVariants } from './scroll-id';
import type { StoreContext } from './store-context';
import { getTaskPlots, type TaskPlotsOptions, type TaskPlotsResult } from './task-plots';
import { getTaskEvents, type TaskEventsOptions, type TaskEventsResult } from './task-events';
import { getTaskLog, type TaskLogOptions, type TaskLogResult } from './task-log';
import { getTaskMetrics, type TaskMetricsResult } from './task-metrics';

export interface EventStoreOptions {
  /** The SDK cuts batches by size only (15 MiB), so this must fit a full batch of small scalars. */
  maxBatchEvents?: number;
  maxEventBytes?: number;
  /** Prepended to every index and template name; tests use a random one. */
  indexPrefix?: string;
  /** plot_str at least this long is stored compressed (ClearML's plot_compression_threshold). */
  plotCompressionThreshold?: number;
  replicas?: number;
}

export interface AddBatchCallOptions {
  worker?: string;
  /** Task and model ids the caller has checked belong to the company; events for others are rejected. */
  allowedTasks?: ReadonlySet<string>;
  allowedModels?: ReadonlySet<string>;
}

/**
 * ClearML's task events in Elasticsearch, one index per company and event type. The caller checks
 * that tasks belong to the company; every query here is confined to that company's indices and
 * filtered by task.
 */
export class EventStore {
  private readonly ctx: StoreContext;
  private readonly limits: Required<Omit<EventStoreOptions, 'indexPrefix'>>;
  private templates?: Promise<void>;

  constructor(client: Client, options: EventStoreOptions = {}) {
    this.ctx = { client, indexPrefix: options.indexPrefix ?? '' };
    this.limits = {
      maxBatchEvents: options.maxBatchEvents ?? 100_000,
      maxEventBytes: options.maxEventBytes ?? 1024 * 1024,
      plotCompressionThreshold: options.plotCompressionThreshold ?? 100_000,
      replicas: options.replicas ?? 0,
    };
  }

  /** Installs the index templates; called at start-up and, at the latest, before the first write. */
  ensureTemplates(): Promise<void> {
    this.templates ??= ensureTemplates(this.ctx.client, { indexPrefix: this.ctx.indexPrefix, replicas: this.limits.replicas }).catch((error) => {
      this.templates = undefined;
      throw error;
    });
    return this.templates;
  }

  async addBatch(company: string, events: unknown[], opts: AddBatchCallOptions = {}): Promise<AddBatchResult> {
    return (await this.ingest(company, events, opts)).result;
  }

  /** addBatch, also answering what the stored events say about each task and model. */
  ingest(company: string, events: unknown[], opts: AddBatchCallOptions = {}): Promise<AddBatchOutcome> {
    return addBatch(this.ctx, company, events, {
      ...this.limits,
      worker: opts.worker,
      allowedTasks: opts.allowedTasks,
      allowedModels: opts.allowedModels,
      beforeWrite: () => this.ensureTemplates(),
    });
  }

  getTaskLog(company: string, task: string, opts?: TaskLogOptions): Promise<TaskLogResult> {
    return getTaskLog(this.ctx, company, task, opts);
  }

  getTaskEvents(company: string, task: string, opts?: TaskEventsOptions): Promise<TaskEventsResult> {
    return getTaskEvents(this.ctx, company, task, opts);
  }

  scalarMetricsIterHistogram(company: string, task: string, opts?: HistogramOptions): Promise<ScalarHistogram> {
    return scalarMetricsIterHistogram(this.ctx, company, task, opts);
  }

  getTaskMetrics(company: string, tasks: string[], eventType: EventTypeOrAll): Promise<TaskMetricsResult> {
    return getTaskMetrics(this.ctx, company, tasks, eventType);
  }

  getScalarMetricsAndVariants(company: string, task: string): Promise<{ metrics: Record<string, string[]> }> {
    return getScalarMetricsAndVariants(this.ctx, company, task);
  }

  getTaskPlots(company: string, task: string, opts?: TaskPlotsOptions): Promise<TaskPlotsResult> {
    return getTaskPlots(this.ctx, company, task, opts);
  }

  debugImages(company: string, metrics: TaskMetricVariants[], opts?: DebugImagesOptions): Promise<DebugImagesResult> {
    return debugImages(this.ctx, company, metrics, opts);
  }

  getSingleValueMetrics(company: string, tasks: string[], metrics?: MetricVariants[]): Promise<SingleValueMetricsResult> {
    return getSingleValueMetrics(this.ctx, company, tasks, metrics);
  }

  getLatestScalarValues(company: string, task: string): Promise<LatestScalarValuesResult> {
    return getLatestScalarValues(this.ctx, company, task);
  }

  getSample(company: string, kind: SampleKind, task: string, request: SampleRequest): Promise<SampleResult> {
    return getSample(this.ctx, company, kind, task, request);
  }

  nextSample(company: string, kind: SampleKind, task: string, request: NextSampleRequest): Promise<SampleResult> {
    return nextSample(this.ctx, company, kind, task, request);
  }

  deleteTaskEvents(company: string, task: string): Promise<{ deleted: number }> {
    return deleteTaskEvents(this.ctx, company, task);
  }

  /** Drops every event index of the company, e.g. when a tenant is removed. */
  async deleteCompanyEvents(company: string): Promise<void> {
    const index = indicesFor(this.ctx.indexPrefix, company, '*');
    await elastic(() => this.ctx.client.indices.delete({ index, ignore_unavailable: true }));
  }
}
