import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server } from 'node:tls';
import { createThrottle, logRefusedHandshakes, REFUSAL_LOG_INTERVAL_MS, refusalReason } from '../../scaler/handshake-log.js';
import { captureLog, eventually } from './helpers.js';
import { createAuthority, type Pem } from './pki.js';

describe('createThrottle: one warning per interval, the next one counts what was left out', () => {
  it.each<[string, number[], Array<{ write: boolean; leftOut: number }>]>([
    ['the first event is written', [0], [{ write: true, leftOut: 0 }]],
    [
      'events within the interval are left out',
      [0, 1, 9_999],
      [
        { write: true, leftOut: 0 },
        { write: false, leftOut: 1 },
        { write: false, leftOut: 2 },
      ],
    ],
    [
      'the next one after the interval says how many were left out',
      [0, 5, 10_000],
      [
        { write: true, leftOut: 0 },
        { write: false, leftOut: 1 },
        { write: true, leftOut: 1 },
      ],
    ],
    [
      'the count starts again after a write',
      [0, 5, 10_000, 20_000],
      [
        { write: true, leftOut: 0 },
        { write: false, leftOut: 1 },
        { write: true, leftOut: 1 },
        { write: true, leftOut: 0 },
      ],
    ],
  ])('%s', (_name, times, expected) => {
    const throttle = createThrottle(10_000);
    expect(times.map((at) => throttle.admit(at))).toEqual(expected);
  });
});

describe('refusalReason', () => {
  const openssl = Object.assign(
    new Error(
      '80:error:0A0000C7:SSL routines:tls_process_client_certificate:peer did not return a certificate:../deps/openssl/ssl/statem/statem_srvr.c:3517:\n',
    ),
    { code: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' },
  );
  it.each<[string, Error & { code?: string }, unknown, string]>([
    [
      'OpenSSL text shortened to what went wrong',
      openssl,
      undefined,
      'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: peer did not return a certificate',
    ],
    [
      'a client certificate that does not verify',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      'INVALID_PURPOSE',
      'client certificate refused: INVALID_PURPOSE',
    ],
    ['an error without a code', new Error('something else'), undefined, 'something else'],
  ])('%s', (_name, error, authorizationError, reason) => {
    expect(refusalReason(error, authorizationError)).toBe(reason);
  });
});

describe('logRefusedHandshakes on a TLS server that requires client certificates', () => {
  const ca = createAuthority();
  const stranger = createAuthority();
  const server: Pem = ca.serverLeaf();
  let tlsServer: Server;
  let port: number;
  let clock = 0;
  const captured = captureLog();

  beforeAll(async () => {
    tlsServer = createServer({
      ca: ca.certificate,
      cert: server.certificate,
      key: server.privateKey,
      requestCert: true,
      rejectUnauthorized: true,
    });
    logRefusedHandshakes([tlsServer], captured.log, () => clock);
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    port = (tlsServer.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => tlsServer.close(() => resolve())));

  const handshake = (identity: Partial<Pem>) =>
    new Promise<void>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: ca.certificate,
        cert: identity.certificate,
        key: identity.privateKey,
      });
      socket.on('data', () => undefined);
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
  const refusals = () => captured.lines.filter((line) => line['msg'] === 'TLS handshake refused');

  it.each<[string, () => Partial<Pem>, RegExp]>([
    ['no client certificate', () => ({}), /^ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: peer did not return a certificate$/],
    ['a certificate of another CA', () => stranger.clientLeaf(), /^client certificate refused: [A-Z_]+$/],
    ['a server certificate offered as a client certificate', () => ca.serverLeaf(), /^client certificate refused: INVALID_PURPOSE$/],
  ])('%s: one warning with the peer address and the reason', async (_name, identity, reason) => {
    clock += REFUSAL_LOG_INTERVAL_MS;
    const before = refusals().length;
    await handshake(identity());
    await eventually('the refusal to be logged', () => refusals().length > before);
    expect(refusals().at(-1)).toEqual(
      expect.objectContaining({ level: 'warn', peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/), reason: expect.stringMatching(reason) }),
    );
  });

  it('a client retrying in a loop gets one warning per interval, and the next says how many were left out', async () => {
    clock += REFUSAL_LOG_INTERVAL_MS;
    const before = refusals().length;
    for (let attempt = 0; attempt < 3; attempt += 1) await handshake({});
    await eventually('the first refusal to be logged', () => refusals().length > before);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(refusals().length).toBe(before + 1);
    clock += REFUSAL_LOG_INTERVAL_MS;
    await handshake({});
    await eventually('the next refusal to be logged', () => refusals().length > before + 1);
    expect(refusals().at(-1)).toEqual(expect.objectContaining({ refusedSinceLastWarning: 2 }));
  });
});
