// systemd unit names for paths, as `systemd-escape --path` writes them.

export function escapePath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, "").replace(/\/+/g, "/");
  return [...trimmed]
    .map((c, i) => (c === "/" ? "-" : /[A-Za-z0-9:_]/.test(c) || (c === "." && i > 0) ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`))
    .join("");
}

/** The device unit of a network interface, e.g. sys-subsystem-net-devices-intra16.device. */
export function deviceUnit(ifname: string): string {
  return `${escapePath(`/sys/subsystem/net/devices/${ifname}`)}.device`;
}
