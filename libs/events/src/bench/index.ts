export { benchIngest, bulkIndex, scalarEvents, storedDocuments, type IngestBenchOptions, type IngestBenchResult, type StoredDocument } from './ingest-bench';
