import type { AddressInfo } from 'node:net';
import express from 'express';

export interface RunningServer {
  url: string;
  close: () => Promise<void>;
}

/** The baseline: bare Express 5 parsing a JSON body and sending it back, nothing else. */
export async function startEchoServer(): Promise<RunningServer> {
  const app = express();
  app.post('/echo', express.json(), (req, res) => res.json(req.body));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
