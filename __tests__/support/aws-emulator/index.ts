/**
 * A loopback AWS emulator for tests. It speaks the KMS, IAM and STS wire protocols, so the
 * real AWS SDK clients run against it, and builds its responses from the same fact files as the offline
 * checks.
 */
export type { Fault } from './faults.js'
export {
  type AwsEmulator,
  type AwsEmulatorOptions,
  DEFAULT_CALLERS,
  type RecordedRequest,
  startAwsEmulator
} from './server.js'

/**
 * Returns the environment a spawned process needs to reach only the emulator: its
 * endpoint, static credentials, the Region and no instance metadata. `AWS_MAX_ATTEMPTS`
 * is present with the value undefined, so `{ ...process.env, ...liveEnv(endpoint) }`
 * drops an inherited value: `child_process` leaves out undefined variables.
 */
export function liveEnv(
  endpoint: string,
  accessKeyId = 'AKIDGATE'
): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: undefined
  }
}
