import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { urlToHttpOptions } from 'node:url';
import {
  outboundHostNotAllowed,
  outboundRequestFailed,
  outboundResponseTooLarge,
  outboundTimedOut,
  unknownVaultHost,
} from '../../common/catalogue.js';
import type { OutboundHttp } from '../activities/types.js';

/**
 * THE outbound HTTP client of runs (DESIGN.md "Outbound HTTP from runs"). Every call a run makes — Web,
 * WebHook, Azure Function, Key Vault references — goes through `request`, which decides where the call may go
 * before any DNS lookup happens:
 * - `https://{vault}.vault.azure.net/…` → the local vault of that name, on the pipevault server (the Host
 *   header and TLS server name stay the vault's, so ids in responses read as in production);
 * - a host the workspace maps (`hosts`) → its local base URL;
 * - loopback (`localhost`, `*.localhost`, `127.x`, `::1`) → as is;
 * - anything else fails, naming the host and the two ways out, unless egress is allowed.
 * TLS trusts the system CAs plus pipevault's own CA, given explicitly (never through NODE_EXTRA_CA_CERTS).
 */

/** ADF's documented response limit for Web activities. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** ADF's default per-response timeout (`httpRequestTimeout` 00:01:00). */
export const DEFAULT_TIMEOUT_MS = 60_000;

const VAULT_HOST =
  /^([a-z0-9][a-z0-9-]{0,126})\.vault\.azure\.(net|cn)$|^([a-z0-9][a-z0-9-]{0,126})\.vault\.usgovcloudapi\.net$/;

export interface RunHttpClientOptions {
  /** The pipevault server the vault hosts route to: loopback address, port and the CA its certificate chains to. */
  server: { address: string; port: number; ca: string };
  /** Whether the local server has a vault of this name; a URL naming any other vault fails. */
  vaultExists(name: string): boolean | Promise<boolean>;
  /** `pipevault.json` `hosts`: `host` or `host:port` → local base URL. */
  hosts?: Record<string, string>;
  /** `--allow-egress` / `"allowEgress": true`: unmapped hosts are called as they are. */
  allowEgress?: boolean;
  /** Read on every call instead of `hosts`/`allowEgress`, for a workspace that is reloaded (`--watch`). */
  network?: () => { hosts: Record<string, string>; allowEgress: boolean } | undefined;
  maxResponseBytes?: number;
  /** Sockets per origin; the engine's concurrency (ForEach batchCount 50) shares them. */
  maxSockets?: number;
}

export interface RunHttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Web activity `disableCertValidation`: accept any server certificate. */
  disableCertValidation?: boolean;
  /** TLS client certificate (ClientCertificate authentication); such calls do not share pooled sockets. */
  clientCertificate?: { pfx: Uint8Array; passphrase?: string };
}

export interface RunHttpResponse {
  status: number;
  /** Header names as the server wrote them; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** Which rule routed the call (a `vault` answer may carry a secret value). */
  via: Route['kind'];
}

/** How many vault URLs' routes are remembered (a ForEach reads the same few URLs thousands of times). */
const ROUTE_CACHE_SIZE = 1024;

/** A route with what every request on it shares: the target's request options, parsed once. */
interface Routed {
  route: Route;
  isHttps: boolean;
  /** protocol, hostname, port, path (and auth, servername, lookup when there are any) of the target. */
  target: RequestOptions;
}

/** Where a URL goes: the target URL to connect to, plus the Host / TLS server name to present. */
export interface Route {
  kind: 'vault' | 'mapped' | 'loopback' | 'egress';
  target: URL;
  /** Host header (and TLS servername) when it differs from the target's. */
  hostHeader?: string;
  /** Connect to this address instead of resolving the target's host name. */
  connectAddress?: string;
  vault?: string;
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

function joinBase(base: string, original: URL): URL {
  const b = new URL(base);
  const prefix = b.pathname.replace(/\/+$/, '');
  return new URL(`${b.protocol}//${b.host}${prefix}${original.pathname}${original.search}`);
}

export class RunHttpClient implements OutboundHttp {
  private readonly secure: HttpsAgent;
  private readonly insecure: HttpsAgent;
  private readonly plain: HttpAgent;
  private readonly hosts: Map<string, string>;
  private readonly maxBytes: number;
  private readonly knownVaults = new Set<string>();
  private readonly trusted: SecureContext;
  /**
   * Routes of vault URLs already decided, by URL text, with the target's request options. Only vault routes are
   * kept: they depend on nothing that changes (the server's address, and a vault once found is remembered in
   * `knownVaults` anyway); mapped and egress routes follow `network()`, which a reload may change.
   */
  private readonly vaultRoutes = new Map<string, Routed>();

  constructor(private readonly o: RunHttpClientOptions) {
    const maxSockets = o.maxSockets ?? 256;
    const common = { keepAlive: true, maxSockets, scheduling: 'lifo' as const };
    // One TLS context for every connection. Given as `ca`, the ~150 system CAs would be parsed again for each
    // new socket, and the agent would build its pool key from their whole text on every request and release.
    this.trusted = createSecureContext({ ca: [...rootCertificates, o.server.ca] });
    this.secure = new HttpsAgent({ ...common, secureContext: this.trusted });
    this.insecure = new HttpsAgent({ ...common, rejectUnauthorized: false });
    this.plain = new HttpAgent(common);
    this.hosts = new Map(Object.entries(o.hosts ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    this.maxBytes = o.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  }

  /** Decides where a URL may go; throws (before any DNS lookup) when it may go nowhere. */
  async route(url: string): Promise<Route> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw outboundRequestFailed(url, 'the URL is not a valid absolute http(s) URL');
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      throw outboundRequestFailed(
        url,
        `the scheme '${u.protocol.replace(/:$/, '')}' is not supported; use http or https`,
      );
    }
    const host = u.hostname.toLowerCase();
    const m = VAULT_HOST.exec(host);
    if (m) {
      const vault = (m[1] ?? m[3]) as string;
      if (!this.knownVaults.has(vault)) {
        if (!(await this.o.vaultExists(vault))) throw unknownVaultHost(vault, host);
        this.knownVaults.add(vault);
      }
      const target = new URL(
        `https://${this.o.server.address.includes(':') ? `[${this.o.server.address}]` : this.o.server.address}:${this.o.server.port}${u.pathname}${u.search}`,
      );
      return { kind: 'vault', target, hostHeader: host, vault };
    }
    const net = this.o.network?.();
    const hosts = net ? lowerKeys(net.hosts) : this.hosts;
    const mapped = (u.port && hosts.get(`${host}:${u.port}`)) || hosts.get(host);
    if (mapped) return { kind: 'mapped', target: joinBase(mapped, u) };
    if (isLoopbackHost(host)) {
      // `{name}.localhost` does not resolve everywhere; loopback it is, whatever the resolver thinks
      return host.endsWith('.localhost')
        ? { kind: 'loopback', target: u, connectAddress: '127.0.0.1' }
        : { kind: 'loopback', target: u };
    }
    if (net ? net.allowEgress : this.o.allowEgress) return { kind: 'egress', target: u };
    throw outboundHostNotAllowed(host);
  }

  /** `route` for a request, from `vaultRoutes` when the URL was routed before, with the target's request options. */
  private async routed(url: string): Promise<Routed> {
    const hit = this.vaultRoutes.get(url);
    if (hit) return hit;
    const route = await this.route(url);
    const { target, hostHeader, connectAddress } = route;
    const isHttps = target.protocol === 'https:';
    const t = urlToHttpOptions(target);
    const options: RequestOptions = { protocol: t.protocol, hostname: t.hostname, port: t.port, path: t.path };
    if (t.auth) options.auth = t.auth;
    const servername = hostHeader ?? (isIP(target.hostname) ? undefined : target.hostname);
    if (servername && isHttps) (options as { servername?: string }).servername = servername;
    if (connectAddress) {
      // node 20 asks for every address (`all`, for its happy-eyeballs connect) and wants a list then
      options.lookup = ((_h: string, o: { all?: boolean }, cb: (e: Error | null, a: unknown, f?: number) => void) =>
        o?.all
          ? cb(null, [{ address: connectAddress, family: 4 }])
          : cb(null, connectAddress, 4)) as RequestOptions['lookup'];
    }
    const entry: Routed = { route, isHttps, target: options };
    if (route.kind === 'vault') {
      if (this.vaultRoutes.size >= ROUTE_CACHE_SIZE) this.vaultRoutes.clear();
      this.vaultRoutes.set(url, entry);
    }
    return entry;
  }

  async request(req: RunHttpRequest): Promise<RunHttpResponse> {
    const { route, isHttps, target } = await this.routed(req.url);
    req.signal?.throwIfAborted();
    const headers: Record<string, string> = { ...req.headers };
    if (route.hostHeader) headers.host = route.hostHeader;
    const body =
      req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
    if (body !== undefined) headers['content-length'] = String(body.byteLength);
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const agent = !isHttps
      ? this.plain
      : req.clientCertificate
        ? new HttpsAgent({
            keepAlive: false,
            secureContext: clientCertificateContext(
              req.url,
              req.clientCertificate,
              req.disableCertValidation ? undefined : [...rootCertificates, this.o.server.ca],
            ),
            ...(req.disableCertValidation ? { rejectUnauthorized: false } : {}),
          })
        : req.disableCertValidation
          ? this.insecure
          : this.secure;
    // the target's options (parsed once per route) with this call's own, not a URL node takes apart on every call
    const options: RequestOptions = { ...target, method: req.method.toUpperCase(), headers, agent };

    return new Promise<RunHttpResponse>((resolve, reject) => {
      // one settle path, no closure per outcome: this runs for every call a ForEach of Web activities makes
      let done = false;
      const cleanUp = (): boolean => {
        if (done) return false;
        done = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const fail = (e: unknown) => {
        if (cleanUp()) reject(e);
      };
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > this.maxBytes) {
            res.destroy();
            client.destroy();
            fail(outboundResponseTooLarge(req.url, this.maxBytes));
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => fail(outboundRequestFailed(req.url, e.message)));
        res.on('end', () => {
          if (!cleanUp()) return;
          resolve({
            status: res.statusCode ?? 0,
            headers: rawHeaders(res.rawHeaders),
            body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
            via: route.kind,
          });
        });
      };
      const client = isHttps ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
      const timer = setTimeout(() => {
        client.destroy();
        fail(outboundTimedOut(req.url, timeoutMs));
      }, timeoutMs);
      const onAbort = () => {
        client.destroy();
        fail(req.signal?.reason ?? new Error('aborted'));
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      client.on('error', (e: NodeJS.ErrnoException) => fail(outboundRequestFailed(req.url, describeSocketError(e))));
      if (body !== undefined) client.write(body);
      client.end();
    });
  }

  close(): void {
    this.secure.destroy();
    this.insecure.destroy();
    this.plain.destroy();
  }
}

/**
 * The TLS context of a call with a client certificate (PKCS#12, which node's OpenSSL reads). A file that is not
 * PKCS#12, or a wrong password, fails the call naming the property, never its value.
 */
function clientCertificateContext(
  url: string,
  cert: { pfx: Uint8Array; passphrase?: string },
  ca: string[] | undefined,
): SecureContext {
  try {
    return createSecureContext({
      pfx: Buffer.from(cert.pfx),
      ...(cert.passphrase !== undefined ? { passphrase: cert.passphrase } : {}),
      ...(ca ? { ca } : {}),
    });
  } catch (e) {
    const reason = (e as Error).message;
    // OpenSSL 3 reads RC2-40 (the certificate bag cipher of OpenSSL 1.x and older Windows exports) only with its
    // legacy provider, which node does not load
    const hint = /unsupported/i.test(reason)
      ? '; a file encrypted with RC2 (older OpenSSL and Windows defaults) must be exported again with OpenSSL 3 (openssl pkcs12 -export)'
      : '';
    throw outboundRequestFailed(
      url,
      `the client certificate (authentication.pfx) could not be read (${reason}): pfx must be a base64 PKCS#12 file and password its password${hint}`,
    );
  }
}

function lowerKeys(hosts: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(hosts).map(([k, v]) => [k.toLowerCase(), v]));
}

function rawHeaders(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  // lower-case name → the name as first written; a response has a dozen headers, so a list beats a Map
  const seen: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    let key: string | undefined;
    for (let j = 0; j < seen.length; j += 2) {
      if (seen[j] === lower) {
        key = seen[j + 1];
        break;
      }
    }
    if (key !== undefined) out[key] = `${out[key]}, ${value}`;
    else {
      seen.push(lower, name);
      out[name] = value;
    }
  }
  return out;
}

function describeSocketError(e: NodeJS.ErrnoException): string {
  if (e.code === 'ECONNREFUSED') return 'the connection was refused (is the local stand-in running?)';
  if (e.code === 'ENOTFOUND') return 'the host name does not resolve';
  if (e.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code)) {
    return `the server certificate is not trusted (${e.code}); set disableCertValidation or use a certificate from pipevault's CA`;
  }
  return e.message;
}

/** Case-insensitive header lookup on a response. */
export function header(headers: Record<string, string>, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === want) return v;
  return undefined;
}
