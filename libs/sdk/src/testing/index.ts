export { FakeClearml, envelope, readAll, sendError, sendJson, type FakeClearmlOptions, type Interceptor, type RecordedRequest } from './fake-clearml';
export { recordingClock } from './test-clock';
