// @ce/network's CNI driver: configuration lists, plugin chains (ADD, CHECK,
// DEL), cached results. See docs/decisions/0038-cni-driver.md.
export { CniNetwork, DEFAULT_CNI_BIN_DIRS, DEFAULT_PLUGIN_TIMEOUT_MS, type CniOptions } from './cni-network.js';
export { CniConfigError, parseConfigList, parseSingleConfig, type NetworkConfigList, type PluginConfig } from './config.js';
export { DEFAULT_CNI_CONF_DIR, loadConfigFile, loadNetworkConfig, loadNetworkConfigs, type InvalidConfigFile, type LoadedConfigs } from './config-dir.js';
export { CniErrorCode, CniPluginError, type CniCommand } from './errors.js';
export type { CniDns, CniInterface, CniIpConfig, CniResult, CniRoute } from './result.js';
export { DEFAULT_CNI_CACHE_DIR, ResultCache, type CachedAttachment } from './result-cache.js';
export type { CniCallOptions, CniCapabilityArgs, CniIpRange, CniPortMapping } from './runtime-args.js';
export { CURRENT_CNI_VERSION, SUPPORTED_CNI_VERSIONS, type CniVersion } from './versions.js';
