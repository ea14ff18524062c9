import { socketListens } from '@ce/protocol';

/** Does a process listen on the shim's socket? (A dead shim leaves its socket file behind.) */
export const shimListens = (socket: string): Promise<boolean> => socketListens(socket);
