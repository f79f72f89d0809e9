// The S3 backend, an entry of its own: the AWS SDK costs every process that loads it some 20 MB,
// which a fileserver on local storage has no use for.
export { createS3Client, type S3ClientSettings } from './s3-client';
export { S3Storage, type S3StorageOptions } from './s3-storage';
export { RedisUploadLeases, type LeaseRedis, type RedisLeaseOptions, type UploadLease, type UploadLeases } from './upload-leases';
