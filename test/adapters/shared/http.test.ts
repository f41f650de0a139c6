import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type HttpMount,
  HttpPortInUseError,
  type HttpServerOptions,
  readRequestBody,
  type RunningHttpServer,
  sendText,
  startHttpServer,
} from '../../../src/adapters/shared/http';

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request over a fresh connection; `body` is sent chunked unless a content-length header is given. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

const started: RunningHttpServer[] = [];
const logged: string[] = [];

async function start(
  handlers: readonly HttpMount[],
  extra: Partial<HttpServerOptions> = {},
): Promise<RunningHttpServer> {
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers,
    log: (message) => logged.push(message),
    ...extra,
  });
  started.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
  logged.length = 0;
});

const hello: HttpMount = {
  prefix: '/hello',
  handler: (request, response) => {
    sendText(response, 200, `hello ${request.url}`);
    return true;
  },
};

describe('startHttpServer', () => {
  it('listens on a free port for port 0 and routes by path prefix', async () => {
    const server = await start([hello]);

    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await send(`${server.url}/hello`)).toMatchObject({ status: 200, body: 'hello /hello\n' });
    expect(await send(`${server.url}/hello/there?x=1`)).toMatchObject({
      status: 200,
      body: 'hello /hello/there?x=1\n',
    });
    expect((await send(`${server.url}/hellothere`)).status).toBe(404);
  });

  it('tries the most specific prefix first and passes on when a handler declines', async () => {
    const calls: string[] = [];
    const server = await start([
      {
        prefix: '/api',
        handler: (_, response) => {
          calls.push('api');
          sendText(response, 200, 'api');
          return true;
        },
      },
      {
        prefix: '/api/special',
        handler: () => {
          calls.push('special');
          return false;
        },
      },
    ]);

    expect(await send(`${server.url}/api/special/x`)).toMatchObject({ status: 200, body: 'api\n' });
    expect(calls).toEqual(['special', 'api']);
  });

  it('answers 404 with a short text when no handler takes the request', async () => {
    const server = await start([{ prefix: '/never', handler: () => false }]);

    for (const pathname of ['/', '/never', '/other/path']) {
      const answer = await send(`${server.url}${pathname}`);
      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(answer.body).toBe(`nothing at ${pathname}\n`);
    }
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('database password is hunter2');
      },
    ],
    ['rejects', () => Promise.reject(new Error('database password is hunter2'))],
  ])('a handler that %s gives a generic 500 and the log gets the error', async (_, handler) => {
    const server = await start([{ prefix: '/boom', handler }]);

    const answer = await send(`${server.url}/boom/now?token=secret`);

    expect(answer.status).toBe(500);
    expect(answer.body).toBe('internal error; the certflow log has the details\n');
    expect(answer.body).not.toContain('hunter2');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('HTTP GET /boom/now: handler at /boom failed: Error: database password is hunter2');
    expect(logged[0]).not.toContain('secret');
  });

  it('refuses a URL longer than the limit with 414 before any handler runs', async () => {
    let called = false;
    const server = await start([{ prefix: '/', handler: () => (called = true) }], { maxUrlLength: 100 });

    const answer = await send(`${server.url}/${'a'.repeat(200)}`);

    expect(answer.status).toBe(414);
    expect(called).toBe(false);
  });

  it('refuses a huge request line that overflows the headers with 431, from node itself', async () => {
    const server = await start([hello]);

    expect((await send(`${server.url}/hello/${'a'.repeat(64 * 1024)}`)).status).toBe(431);
  });

  it('refuses a declared body larger than the limit with 413 before any handler runs', async () => {
    let called = false;
    const server = await start([{ prefix: '/', handler: () => (called = true) }], { maxBodyBytes: 10 });

    const answer = await send(`${server.url}/upload`, {
      method: 'POST',
      headers: { 'content-length': '11' },
      body: 'x'.repeat(11),
    });

    expect(answer.status).toBe(413);
    expect(called).toBe(false);
  });

  it('readRequestBody returns a body within the limit and refuses a chunked one over it with 413', async () => {
    const echo: HttpMount = {
      prefix: '/echo',
      handler: async (request, response) => {
        const body = await readRequestBody(request, 16);
        sendText(response, 200, Buffer.from(body).toString());
        return true;
      },
    };
    const server = await start([echo]);

    expect(await send(`${server.url}/echo`, { method: 'POST', body: 'small' })).toMatchObject({
      status: 200,
      body: 'small\n',
    });
    const refused = await send(`${server.url}/echo`, { method: 'POST', body: 'x'.repeat(100_000) });
    expect(refused.status).toBe(413);
  });

  it('HEAD gets the headers of a text answer without its body', async () => {
    const server = await start([hello]);

    const answer = await send(`${server.url}/hello`, { method: 'HEAD' });

    expect(answer.status).toBe(200);
    expect(answer.headers['content-length']).toBe(String('hello /hello\n'.length));
    expect(answer.body).toBe('');
  });

  it('a taken port is an HttpPortInUseError that says what to do', async () => {
    const first = await start([hello]);

    const error = await start([hello], { port: first.port }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(HttpPortInUseError);
    expect((error as Error).message).toContain(`port ${first.port} on 127.0.0.1 is already in use`);
  });

  it('a mount prefix without a leading "/" is refused', async () => {
    await expect(start([{ prefix: 'api', handler: () => false }])).rejects.toThrow('must start with "/"');
  });

  it('close() resolves with an idle keep-alive connection open, twice, and the port stops answering', async () => {
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, handlers: [hello] });
    const agent = new http.Agent({ keepAlive: true });
    expect((await send(`${server.url}/hello`, { agent })).status).toBe(200);

    await server.close();
    await server.close();

    await expect(send(`${server.url}/hello`)).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });

  it("close() does not wait for a connection that never sent a request (a client's spare socket)", async () => {
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, handlers: [hello] });
    const silent = net.connect({ host: '127.0.0.1', port: server.port });
    await new Promise<void>((resolve) => silent.once('connect', resolve));
    const closedByServer = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    // Before the fix, close() waited until the client dropped this socket; now the server ends it itself.
    await server.close();
    await closedByServer;
    expect(silent.destroyed).toBe(true);
  });
});
