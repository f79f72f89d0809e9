export type { ByteRange, OpenedObject, PutOptions, StagedObject, StorageAdapter, StoredObject } from './storage-adapter';
export { LocalStorage } from './local-storage';
export { MAX_KEY_BYTES, TEMP_DIR_NAME } from './object-key';
export { createS3Client, type S3ClientSettings } from './s3-client';
export { S3Storage, type S3StorageOptions } from './s3-storage';
export { RedisUploadLeases, type LeaseRedis, type RedisLeaseOptions, type UploadLease, type UploadLeases } from './upload-leases';
