/**
 * Where registry credentials come from, in the order Docker and GitLab users expect:
 * GitLab CI variables for `$CI_REGISTRY`, then `~/.docker/config.json` (a per-registry
 * `credHelpers` entry, then `auths`, then the global `credsStore`). Secrets are returned to the
 * caller only; they never go into errors, logs or records.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { MkError } from "../../errors.js";
import { run } from "../../util/exec.js";
import { DOCKER_HUB } from "./reference.js";

export interface Credentials {
  username: string;
  password: string;
  /** `password` is an OAuth2 refresh token (Docker's `identitytoken`), exchanged at the token realm. */
  identityToken?: boolean;
}

export interface CredentialSourceOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of the Docker config file; default `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
  dockerConfigPath?: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Docker writes docker.io as its legacy URL; other registries as host or https://host/. */
function configKeysFor(registry: string): string[] {
  if (registry === DOCKER_HUB) return ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"];
  return [registry, `https://${registry}`, `https://${registry}/`, `http://${registry}`, `https://${registry}/v1/`];
}

function dockerConfigPath(opts: CredentialSourceOptions): string {
  if (opts.dockerConfigPath) return opts.dockerConfigPath;
  const env = opts.env ?? process.env;
  return join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), ".docker"), "config.json");
}

async function readDockerConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch (e) {
    throw new MkError("E_CONFIG_INVALID", `${path} is not valid JSON: ${(e as Error).message}`, {
      cause: e,
      hint: "fix the file, or run `docker login` again to rewrite it",
    });
  }
}

/** Runs `docker-credential-<helper> get` (the credential-helper protocol: host on stdin, JSON out). */
async function fromHelper(helper: string, registry: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const cmd = `docker-credential-${helper}`;
  const serverUrl = registry === DOCKER_HUB ? "https://index.docker.io/v1/" : registry;
  let r;
  try {
    r = await run(cmd, ["get"], { input: serverUrl, env, timeoutMs: 30_000 });
  } catch (e) {
    if (e instanceof MkError && e.code === "E_TOOL_MISSING") return undefined; // configured but not installed here
    throw e;
  }
  // "credentials not found in native keychain" is the protocol's way of saying "none".
  if (r.code !== 0) {
    if (/not found/i.test(r.stdout + r.stderr)) return undefined;
    throw new MkError("E_FETCH", `${cmd} get failed for ${registry} (exit ${r.code})`, {
      hint: `check the credential helper configured in your Docker config, or run \`docker login ${registry}\``,
    });
  }
  try {
    const parsed = JSON.parse(r.stdout) as { Username?: string; Secret?: string };
    if (!parsed.Secret) return undefined;
    return { username: parsed.Username ?? "", password: parsed.Secret };
  } catch {
    throw new MkError("E_FETCH", `${cmd} get printed something that is not the helper protocol's JSON`, { hint: `check that ${cmd} is a Docker credential helper` });
  }
}

function fromAuthEntry(entry: NonNullable<DockerConfig["auths"]>[string], path: string, key: string): Credentials | undefined {
  // Registries using OAuth2 (e.g. Azure) leave a refresh token instead of a password.
  if (entry.identitytoken) return { username: "<token>", password: entry.identitytoken, identityToken: true };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const sep = decoded.indexOf(":");
    if (sep < 0) {
      throw new MkError("E_CONFIG_INVALID", `${path}: auths["${key}"].auth is not base64 of "user:password"`, { hint: `run \`docker login ${key}\` again` });
    }
    return { username: decoded.slice(0, sep), password: decoded.slice(sep + 1) };
  }
  if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
  return undefined;
}

/** Credentials for `registry` (host[:port]), or undefined for anonymous access. */
export async function findCredentials(registry: string, opts: CredentialSourceOptions = {}): Promise<Credentials | undefined> {
  const env = opts.env ?? process.env;
  if (env.CI_REGISTRY && env.CI_REGISTRY === registry) {
    if (env.CI_REGISTRY_USER && env.CI_REGISTRY_PASSWORD) return { username: env.CI_REGISTRY_USER, password: env.CI_REGISTRY_PASSWORD };
    // A job token authenticates as the fixed user gitlab-ci-token.
    if (env.CI_JOB_TOKEN) return { username: "gitlab-ci-token", password: env.CI_JOB_TOKEN };
  }
  const path = dockerConfigPath(opts);
  const config = await readDockerConfig(path);
  if (!config) return undefined;
  const keys = configKeysFor(registry);
  for (const key of keys) {
    const helper = config.credHelpers?.[key];
    if (helper) return await fromHelper(helper, registry, env);
  }
  for (const key of keys) {
    const entry = config.auths?.[key];
    if (entry) {
      const creds = fromAuthEntry(entry, path, key);
      if (creds) return creds;
    }
  }
  if (config.credsStore) return await fromHelper(config.credsStore, registry, env);
  return undefined;
}
