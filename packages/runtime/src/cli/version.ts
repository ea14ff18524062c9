/** ce-runc's own version (the @ce/runtime package's) and the runtime-spec version it writes. */
export const CE_RUNC_VERSION = '0.1.0';
export const SPEC_VERSION = '1.0.2-dev';
