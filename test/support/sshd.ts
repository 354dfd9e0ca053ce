// A real OpenSSH sshd on 127.0.0.1 with its own host keys (ed25519, ECDSA,
// RSA) in a temp folder, on a free port: light enough to start one per case.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";

export type KeyKind = "ed25519" | "ecdsa" | "rsa";

export interface Keys {
  dir: string;
  /** The client's private key, authorised for root by every sshd started here. */
  clientKey: string;
  /** "type base64" of each host key. */
  hostKey(kind: KeyKind): string;
  hostKeyFile(kind: KeyKind): string;
}

export function makeKeys(dir: string): Keys {
  const keygen = (file: string, type: string, extra: string[] = []) => execFileSync("ssh-keygen", ["-q", "-N", "", "-t", type, ...extra, "-f", file]);
  for (const kind of ["ed25519", "ecdsa", "rsa"] as const) keygen(join(dir, `host_${kind}`), kind, kind === "rsa" ? ["-b", "2048"] : []);
  keygen(join(dir, "client"), "ed25519");
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client.pub")));
  const hostKeyFile = (kind: KeyKind) => join(dir, `host_${kind}`);
  return {
    dir,
    clientKey: join(dir, "client"),
    hostKeyFile,
    hostKey: (kind) => readFileSync(`${hostKeyFile(kind)}.pub`, "utf8").split(" ").slice(0, 2).join(" "),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Sshd {
  port: number;
  stop(): Promise<void>;
}

/**
 * sshd offering only the host keys of `kinds`, with more sshd_config `options` ("Key=value").
 * `wrap`: a command that execs sshd (given as its last arguments), e.g. in a mount namespace of its own.
 */
export async function startSshd(keys: Keys, kinds: KeyKind[], options: string[] = [], wrap: string[] = []): Promise<Sshd> {
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // privilege separation folder, absent until the service first ran
  const port = await freePort();
  const args = ["-D", "-e", "-f", "/dev/null", "-p", String(port), "-o", "ListenAddress=127.0.0.1", ...kinds.flatMap((k) => ["-h", keys.hostKeyFile(k)])];
  for (const o of [`AuthorizedKeysFile=${join(keys.dir, "authorized_keys")}`, "StrictModes=no", "UsePAM=no", "PermitRootLogin=prohibit-password", `PidFile=${join(keys.dir, `sshd-${port}.pid`)}`, ...options]) args.push("-o", o);
  const argv = [...wrap, "/usr/sbin/sshd", ...args];
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  try {
    await listening(port, 10000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        process.off("exit", killOnExit);
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
