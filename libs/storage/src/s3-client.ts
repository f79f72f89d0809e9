import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { GetHandler } from './get-handler';

export interface S3ClientSettings {
  region: string;
  /** An S3-compatible store's URL; absent = AWS. */
  endpoint?: string;
  /** Bucket in the path rather than the host name, as most S3-compatible stores want. */
  pathStyle?: boolean;
  /** Absent = the SDK's default provider chain (env, profile, instance or pod role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** PEM roots for an https endpoint with a private CA, trusted instead of the well-known ones. */
  ca?: string[];
}

/**
 * Checksums only where S3 requires them: the SDK's default adds a CRC to every part and checks it
 * on every read, CPU the fileserver would spend on top of TLS and SigV4, and some S3-compatible
 * stores do not support it. Reads through GetHandler (see there). No logger: nothing the SDK would
 * log may carry a credential.
 */
export function createS3Client(settings: S3ClientSettings): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.pathStyle ?? false,
    credentials: settings.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    requestHandler: new GetHandler(new NodeHttpHandler({ httpsAgent: { ca: settings.ca } }), { ca: settings.ca }),
  });
}
