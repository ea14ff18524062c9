import { dialUnix } from '@ce/protocol';
import { SystemClient } from '@ce/protocol/gen/ce/api/v1/system';
import { ImagesClient } from '@ce/protocol/gen/ce/images/v1/images';

/**
 * ced's services as the CRI reaches them: the gRPC clients the `ce` CLI uses,
 * dialled at ce.sock (decision 0055, after 0045). The CRI adapter keeps no
 * second implementation of any behaviour behind them.
 */
export interface CeServices {
  readonly images: ImagesClient;
  readonly system: SystemClient;
  close(): void;
}

/** Clients of the services at a ce.sock. */
export function dialCeServices(ceSocket: string): CeServices {
  const images = dialUnix(ImagesClient, ceSocket);
  const system = dialUnix(SystemClient, ceSocket);
  return {
    images,
    system,
    close() {
      images.close();
      system.close();
    },
  };
}
