// One CNI network (a configuration list) run as libcni runs it: ADD through
// the chain in order, each plugin getting the previous one's result; the
// final result cached; CHECK and DEL (in reverse) given the cached result as
// prevResult. What the network manager and the CRI adapter call.
import { CeError, alreadyExists, asCeError, failedPrecondition, invalidArgument, notFound } from '@ce/protocol/errors';
import { DEFAULT_CNI_CONF_DIR, loadNetworkConfig } from './config-dir.js';
import type { NetworkConfigList, PluginConfig } from './config.js';
import type { CniCommand } from './errors.js';
import { pluginFirstUse } from './first-use.js';
import { execPlugin, findPlugin, type PluginExecOptions } from './plugin-exec.js';
import { checkResult, parseResult, readResult, resultAsVersion, type CniResult, type RawResult } from './result.js';
import { DEFAULT_CNI_CACHE_DIR, ResultCache, type CachedAttachment } from './result-cache.js';
import { argPairs, checkContainerId, checkIfName, runtimeConfigFor, type CniCallOptions, type CniCapabilityArgs } from './runtime-args.js';
import { CURRENT_CNI_VERSION, versionAtLeast } from './versions.js';

/** Debian's containernetworking-plugins installs into /usr/lib/cni; upstream's tarball into /opt/cni/bin. */
export const DEFAULT_CNI_BIN_DIRS: readonly string[] = ['/usr/lib/cni', '/opt/cni/bin'];
export const DEFAULT_PLUGIN_TIMEOUT_MS = 60_000;

export interface CniOptions {
  /** Where plugins are found, in order. Default /usr/lib/cni, /opt/cni/bin. */
  binDirs?: readonly string[];
  /** Results are cached under <cacheDir>/results. Default /var/lib/ce/network/cni. */
  cacheDir?: string;
  /** Per plugin call. Default 60 s. */
  timeoutMs?: number;
  /**
   * A command the plugins run under, which must exec them: e.g.
   * ['ip', 'netns', 'exec', 'outer'] runs the host side of the plugins in
   * the network namespace `outer` instead of ced's own.
   */
  wrapper?: readonly string[];
  /** Ask each plugin (VERSION) whether it speaks the list's cniVersion before the first ADD or CHECK. Default true. */
  checkVersions?: boolean;
}

interface Attachment {
  containerId: string;
  netnsPath: string;
  ifName: string;
  args: Array<[string, string]>;
  capabilities: CniCapabilityArgs | undefined;
  signal: AbortSignal | undefined;
}

export class CniNetwork {
  readonly cache: ResultCache;
  private readonly binDirs: readonly string[];
  private readonly timeoutMs: number;
  private readonly wrapper: readonly string[] | undefined;
  private readonly checkVersions: boolean;
  private versionsChecked: Promise<void> | undefined;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    readonly config: NetworkConfigList,
    opts: CniOptions = {},
  ) {
    this.binDirs = opts.binDirs ?? DEFAULT_CNI_BIN_DIRS;
    if (this.binDirs.length === 0) throw invalidArgument('CNI: binDirs is empty');
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw invalidArgument(`CNI: timeoutMs must be positive, not ${opts.timeoutMs}`);
    this.wrapper = opts.wrapper;
    this.checkVersions = opts.checkVersions ?? true;
    this.cache = new ResultCache(opts.cacheDir ?? DEFAULT_CNI_CACHE_DIR);
  }

  /** The network named `name` from a configuration directory (default /etc/cni/net.d). */
  static async load(name: string, opts: CniOptions & { confDir?: string } = {}): Promise<CniNetwork> {
    return new CniNetwork(await loadNetworkConfig(name, opts.confDir ?? DEFAULT_CNI_CONF_DIR), opts);
  }

  get name(): string {
    return this.config.name;
  }

  /**
   * Attaches the container: ADD through the chain, then caches the result.
   * AlreadyExists when the attachment is cached (DEL it first). On failure
   * the chain is DELeted in reverse, so nothing is left half-added.
   */
  async add(containerId: string, netnsPath: string, ifName: string, opts: CniCallOptions = {}): Promise<CniResult> {
    const att = this.attachment(containerId, netnsPath, ifName, opts, null);
    if (!netnsPath) throw invalidArgument('CNI ADD: the network namespace path is empty');
    return this.locked(containerId, ifName, async () => {
      if (await this.cache.get(this.name, containerId, ifName).catch(() => null)) {
        throw alreadyExists(`CNI network "${this.name}": container ${containerId} is attached on ${ifName} already`);
      }
      await this.ensureVersions();
      let prev: RawResult | null = null;
      try {
        for (const plugin of this.config.plugins) prev = await this.addOne(plugin, prev, att);
        if (!prev) throw new CeError('Internal', `CNI network "${this.name}": the chain returned no result`);
        await this.cache.put({
          networkName: this.name,
          containerId,
          ifName,
          netns: netnsPath,
          config: this.config.bytes,
          cniArgs: att.args,
          ...(att.capabilities ? { capabilityArgs: att.capabilities } : {}),
          result: prev,
        });
      } catch (err) {
        throw await this.undoAdd(err, prev, att);
      }
      return readResult(prev);
    });
  }

  /**
   * Detaches the container: DEL through the chain in reverse with the cached
   * result as prevResult, then forgets it. Without a cached result the
   * plugins still get DEL (they succeed on what they do not know), so a DEL
   * of something never added succeeds. `netnsPath` may be '' when the
   * namespace is gone. Args and capabilities default to the ADD's.
   */
  async del(containerId: string, netnsPath: string, ifName: string, opts: CniCallOptions = {}): Promise<void> {
    this.attachment(containerId, netnsPath, ifName, opts, null);
    await this.locked(containerId, ifName, async () => {
      const cached = await this.cache.get(this.name, containerId, ifName).catch(async () => {
        // An unreadable cache entry cannot help; libcni drops it and goes on.
        await this.cache.remove(this.name, containerId, ifName);
        return null;
      });
      const att = this.attachment(containerId, netnsPath, ifName, opts, cached);
      const prev = cached && versionAtLeast(this.config.cniVersion, '0.4.0') ? resultAsVersion(cached.result, this.config.cniVersion) : null;
      await this.delChain(prev, att);
      await this.cache.remove(this.name, containerId, ifName);
    });
  }

  /**
   * Asks each plugin whether the attachment is as ADD left it (CHECK, CNI
   * 0.4.0 and later). FailedPrecondition for an older list; NotFound when
   * nothing was added; nothing is run when the list sets disableCheck.
   */
  async check(containerId: string, netnsPath: string, ifName: string, opts: CniCallOptions = {}): Promise<void> {
    this.attachment(containerId, netnsPath, ifName, opts, null);
    if (!netnsPath) throw invalidArgument('CNI CHECK: the network namespace path is empty');
    if (!versionAtLeast(this.config.cniVersion, '0.4.0')) {
      throw failedPrecondition(`CNI network "${this.name}": configuration version "${this.config.cniVersion}" does not support the CHECK command`);
    }
    if (this.config.disableCheck) return;
    await this.locked(containerId, ifName, async () => {
      const cached = await this.cache.get(this.name, containerId, ifName);
      if (!cached) throw notFound(`CNI network "${this.name}": no cached result for container ${containerId} on ${ifName} (CHECK needs an ADD first)`);
      const att = this.attachment(containerId, netnsPath, ifName, opts, cached);
      await this.ensureVersions();
      const prev = resultAsVersion(cached.result, this.config.cniVersion);
      for (const plugin of this.config.plugins) await this.run(plugin, 'CHECK', prev, att);
    });
  }

  /** The result ADD cached for the attachment, or null. */
  async cachedResult(containerId: string, ifName: string): Promise<CniResult | null> {
    checkContainerId(containerId);
    checkIfName(ifName);
    const cached = await this.cache.get(this.name, containerId, ifName);
    return cached ? readResult(cached.result) : null;
  }

  /** This network's cached attachments (of one container when given), for reconcile after a restart. */
  async attachments(containerId?: string): Promise<CachedAttachment[]> {
    return (await this.cache.list(containerId)).filter((a) => a.networkName === this.name);
  }

  /**
   * libcni's ValidateNetworkList: every plugin is found and speaks the
   * list's cniVersion. Returns the capabilities the chain declares.
   */
  async validate(signal?: AbortSignal): Promise<string[]> {
    const problems: CeError[] = [];
    for (const plugin of this.config.plugins) {
      try {
        const versions = await this.pluginVersions(plugin.type, signal);
        if (!versions.includes(this.config.cniVersion)) {
          problems.push(failedPrecondition(`plugin type="${plugin.type}" does not support config version "${this.config.cniVersion}" (it supports ${versions.join(', ') || 'none'})`));
        }
      } catch (err) {
        const ce = asCeError(err);
        if (ce.code === 'Canceled') throw ce;
        problems.push(ce);
      }
    }
    if (problems.length) {
      // One code when the problems agree (a missing plugin stays NotFound).
      const code = problems.every((p) => p.code === problems[0]!.code) ? problems[0]!.code : 'FailedPrecondition';
      throw new CeError(code, `CNI network "${this.name}" (${this.config.source}): ${problems.map((p) => p.message).join('; ')}`);
    }
    return [...new Set(this.config.plugins.flatMap((p) => Object.entries(p.capabilities).filter(([, on]) => on).map(([c]) => c)))];
  }

  /** The spec versions a plugin says it supports (the VERSION command). */
  async pluginVersions(type: string, signal?: AbortSignal): Promise<string[]> {
    const path = await findPlugin(type, this.binDirs);
    const stdout = await execPlugin(
      path,
      { type, network: '', command: 'VERSION', env: { CNI_COMMAND: 'VERSION', CNI_PATH: this.binDirs.join(':') }, stdin: JSON.stringify({ cniVersion: CURRENT_CNI_VERSION }) },
      this.execOptions(signal),
    );
    let answer: { cniVersion?: unknown; supportedVersions?: unknown };
    try {
      answer = JSON.parse(stdout) as typeof answer;
    } catch {
      throw new CeError('Internal', `plugin type="${type}" (version): not JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
    }
    const list = answer.supportedVersions;
    if (Array.isArray(list) && list.every((v) => typeof v === 'string')) return list as string[];
    // A plugin older than 0.3.0 answers with its own version only (libcni's PluginDecoder).
    return typeof answer.cniVersion === 'string' ? [answer.cniVersion] : ['0.1.0'];
  }

  /** Shared by concurrent callers, so it takes no caller's signal (VERSION calls are bounded by the timeout). */
  private ensureVersions(): Promise<void> {
    if (!this.checkVersions) return Promise.resolve();
    this.versionsChecked ??= this.validate().then(
      () => undefined,
      (err: unknown) => {
        this.versionsChecked = undefined;
        throw err;
      },
    );
    return this.versionsChecked;
  }

  private attachment(containerId: string, netnsPath: string, ifName: string, opts: CniCallOptions, cached: CachedAttachment | null): Attachment {
    checkContainerId(containerId);
    checkIfName(ifName);
    const args = opts.args !== undefined ? argPairs(opts.args) : (cached?.cniArgs ?? []);
    return { containerId, netnsPath, ifName, args, capabilities: opts.capabilities ?? cached?.capabilityArgs, signal: opts.signal };
  }

  private async addOne(plugin: PluginConfig, prev: RawResult | null, att: Attachment): Promise<RawResult> {
    const where = `network "${this.name}": plugin type="${plugin.type}" (add)`;
    const stdout = await this.run(plugin, 'ADD', prev, att);
    if (stdout.trim() === '') throw new CeError('Internal', `${where}: returned no result`);
    return parseResult(stdout, this.config.cniVersion, where);
  }

  private async delChain(prev: RawResult | null, att: Attachment): Promise<void> {
    for (const plugin of [...this.config.plugins].reverse()) await this.run(plugin, 'DEL', prev, att);
  }

  /** Spec: a failed ADD is undone by a DEL of the whole chain, in reverse, given what was added. */
  private async undoAdd(err: unknown, partial: RawResult | null, att: Attachment): Promise<unknown> {
    const prev = partial ? resultAsVersion(partial, this.config.cniVersion) : null;
    try {
      await this.delChain(prev, { ...att, signal: undefined });
      await this.cache.remove(this.name, att.containerId, att.ifName);
      return err;
    } catch (undoErr) {
      const first = err instanceof CeError ? err : new CeError('Internal', String((err as Error)?.message ?? err), { cause: err });
      return new CeError(first.code, `${first.message} (and undoing the ADD failed: ${(undoErr as Error).message})`, { cause: err });
    }
  }

  private async run(plugin: PluginConfig, command: CniCommand, prev: RawResult | null, att: Attachment): Promise<string> {
    const path = await findPlugin(plugin.type, this.binDirs);
    const conf: Record<string, unknown> = { ...plugin.raw, name: this.name, cniVersion: this.config.cniVersion };
    if (prev) {
      checkResult(prev, `network "${this.name}": prevResult`);
      conf['prevResult'] = prev;
    }
    const rc = runtimeConfigFor(plugin.capabilities, att.capabilities);
    if (rc) conf['runtimeConfig'] = rc;
    const env = {
      CNI_COMMAND: command,
      CNI_CONTAINERID: att.containerId,
      CNI_NETNS: att.netnsPath,
      CNI_IFNAME: att.ifName,
      CNI_ARGS: att.args.map(([k, v]) => `${k}=${v}`).join(';'),
      CNI_PATH: this.binDirs.join(':'),
    };
    const exec = () => execPlugin(path, { type: plugin.type, network: this.name, command, env, stdin: JSON.stringify(conf) }, this.execOptions(att.signal));
    // A plugin's first ADD runs alone (first-use.ts), keyed by where its host side runs (the wrapper) and which binary it is.
    return command === 'ADD' ? pluginFirstUse.run(`${(this.wrapper ?? []).join(' ')}\0${path}`, exec) : exec();
  }

  private execOptions(signal: AbortSignal | undefined): PluginExecOptions {
    return { binDirs: this.binDirs, timeoutMs: this.timeoutMs, ...(this.wrapper ? { wrapper: this.wrapper } : {}), ...(signal ? { signal } : {}) };
  }

  /** One call at a time per attachment, so an ADD and its DEL never interleave. */
  private async locked<T>(containerId: string, ifName: string, fn: () => Promise<T>): Promise<T> {
    const key = `${containerId}-${ifName}`;
    const before = this.locks.get(key) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(fn);
    this.locks.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.locks.get(key) === mine) this.locks.delete(key);
    }
  }
}
