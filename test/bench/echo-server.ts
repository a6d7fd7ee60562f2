import express from 'express';
import { listenOnLoopback } from '../helpers/loopback-server.js';

export interface RunningServer {
  url: string;
  close: () => Promise<void>;
}

/** The baseline: bare Express 5 parsing a JSON body and sending it back, nothing else. */
export async function startEchoServer(): Promise<RunningServer> {
  const app = express();
  app.post('/echo', express.json(), (req, res) => res.json(req.body));
  const { url, close } = await listenOnLoopback(app);
  return { url, close };
}
