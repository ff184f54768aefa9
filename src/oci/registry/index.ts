/** OCI distribution client and the store interface shared by layouts and registries. */
export {
  parseReference,
  parseReferenceWithDefaults,
  formatReference,
  isLoopbackHost,
  isValidTag,
  isValidRepository,
  apiHost,
  DOCKER_HUB,
  type ImageReference,
} from "./reference.js";
export { findCredentials, type Credentials, type CredentialSourceOptions } from "./credentials.js";
export { parseChallenges, type Challenge } from "./challenge.js";
export { RegistryClient, type RegistryClientOptions, type FetchFn } from "./client.js";
export { RegistryRepository, MANIFEST_ACCEPT, type FetchedManifest, type PushBlobOptions, type PushBlobResult, type PushedManifest, type RegistryRepositoryOptions } from "./repository.js";
export { LayoutStore, RegistryStore, referrersFallbackTag, type ImageStore, type StoredManifest, type WrittenManifest } from "./store.js";
export { copyImage, type CopyOptions, type CopyResult } from "./copy.js";
export { openLocation, type OpenedLocation, type LocationOptions } from "./location.js";
