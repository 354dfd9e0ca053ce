// Jump hosts, as `ssh -J` / ProxyJump: log in to the first hop, forward a
// channel (direct-tcpip) from it to the next, log in over that channel, and so
// on; the managed host is reached over a channel from the last hop. Every
// hop's key is checked like a host's (known_hosts, --accept-new), and a
// hop's failure names the hop, so "unreachable" says where the path broke.
import type { Duplex } from "node:stream";
import type { NodeSSH } from "node-ssh";
import { ExitError } from "../errors.js";
import { IdentityError } from "./identity.js";
import { HostKeyRefused, login, Unreachable } from "./login.js";
import type { Endpoint } from "./ssh-options.js";

export interface Chain {
  /** A channel to `address:port` through the last hop; undefined for a direct connection. */
  through?: () => Promise<Duplex>;
  /** Closes every hop, last first. */
  close(): void;
}

const named = (hop: Endpoint) => `via ${hop.label === hop.address ? "" : `${hop.label} `}${hop.address}:${hop.port}`;

/** The same kind of error (so exit codes and counting stay), its message prefixed with the hop. */
function viaHop(hop: Endpoint, error: unknown): unknown {
  if (!(error instanceof ExitError)) return error;
  const message = `${named(hop)}: ${error.message}`;
  if (error instanceof HostKeyRefused) return new HostKeyRefused(message);
  if (error instanceof IdentityError) return new IdentityError(message);
  if (error instanceof Unreachable) return new Unreachable(message);
  return new ExitError(message, error.code);
}

/**
 * A channel from `hop` to address:port, within timeoutMs: the hop's own connect
 * to a host that drops packets would wait out the kernel's SYN retries (~127 s),
 * and the login's readyTimeout starts only once the channel exists.
 */
function forward(hop: Endpoint, ssh: NodeSSH, address: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const connection = ssh.connection;
    if (!connection) return reject(new Unreachable(`${named(hop)}: the connection closed`));
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Unreachable(`${named(hop)}: no channel to ${address}:${port} within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    connection.forwardOut("127.0.0.1", 0, address, port, (error: Error | undefined, stream: Duplex) => {
      clearTimeout(timer);
      if (late) stream?.destroy();
      else if (error) reject(new Unreachable(`${named(hop)}: cannot open a channel to ${address}:${port} (${error.message})`));
      else resolve(stream);
    });
  });
}

export async function openChain(hops: Endpoint[], target: { address: string; port: number }, options: { acceptNew: boolean; timeoutMs: number }): Promise<Chain> {
  const open: NodeSSH[] = [];
  const close = () => {
    for (const ssh of open.reverse()) ssh.dispose();
  };
  let through: (() => Promise<Duplex>) | undefined;
  try {
    for (const [i, hop] of hops.entries()) {
      let session;
      try {
        session = await login(hop, { acceptNew: options.acceptNew, timeoutMs: options.timeoutMs, through });
      } catch (error) {
        throw viaHop(hop, error);
      }
      open.push(session.ssh);
      // node-ssh drops its own 'error' listener once logged in: a hop's socket reset
      // later would be an unhandled 'error' and crash netgen. The channels through
      // the hop close with it, and the host's next command fails as unreachable.
      session.ssh.connection?.on("error", () => {});
      const next = hops[i + 1] ?? target;
      through = () => forward(hop, session.ssh, next.address, next.port, options.timeoutMs);
    }
  } catch (error) {
    close();
    throw error;
  }
  return { through, close };
}
