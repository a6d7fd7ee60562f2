import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

export interface LoopbackServer {
  server: Server;
  url: string;
  /** Drops kept-alive connections so close() does not wait for idle clients. */
  close: () => Promise<void>;
}

/** Serves an Express app on 127.0.0.1 (a random port unless given): test apps, fakes and bench servers all start this way. */
export async function listenOnLoopback(
  app: { listen: (port: number, host: string) => Server },
  port = 0,
): Promise<LoopbackServer> {
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A port nothing listens on right now, for a server started in another process. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
