export {
  TEST_STORAGE_BACKEND,
  emptyS3Prefix,
  listS3Keys,
  listS3Uploads,
  s3TestClient,
  s3TestStatePath,
  s3TestStore,
  testS3Storage,
  uniqueS3Prefix,
  type S3TestStore,
} from './s3-test-store';
export { socketPair, type SocketPair } from './socket-pair';
