// Every Section.Key netgen writes into .netdev/.network files, with the
// systemd-networkd versions that understand it. A rendered file is checked
// against this table: a key missing here is netgen's bug; a key the host's
// version does not know is refused, never emitted silently.
import { ExitError, InternalError } from "../errors.js";

interface Span {
  since: number;
  until?: number;
}

const ALWAYS: Span = { since: 0 };

const DIRECTIVES: Record<string, Span> = {
  "Match.Name": ALWAYS,
  "Link.RequiredForOnline": ALWAYS,
  "Network.Description": ALWAYS,
  "Network.Address": ALWAYS,
  "Network.DHCP": ALWAYS,
  "Network.LinkLocalAddressing": ALWAYS,
  "Network.IPv6AcceptRA": ALWAYS,
  "Network.ConfigureWithoutCarrier": ALWAYS,
  "Network.IgnoreCarrierLoss": ALWAYS,
  "Network.Bond": ALWAYS,
  "Network.PrimarySlave": ALWAYS,
  "Network.Bridge": ALWAYS,
  "Network.Tunnel": ALWAYS,
  "DHCPv4.RouteMetric": ALWAYS,
  "TrivialLinkEqualizer.Parent": { since: 245 },
  "TrivialLinkEqualizer.Id": { since: 245 },
  "Route.Destination": ALWAYS,
  "Route.Gateway": ALWAYS,
  "Route.Metric": ALWAYS,
  "Route.MultiPathRoute": { since: 243 },
  "NetDev.Name": ALWAYS,
  "NetDev.Kind": ALWAYS,
  "NetDev.Description": ALWAYS,
  "NetDev.MACAddress": ALWAYS,
  "NetDev.MTUBytes": ALWAYS,
  "Bond.Mode": ALWAYS,
  "Bond.PrimaryReselectPolicy": ALWAYS,
  "Bond.ARPIntervalSec": ALWAYS,
  "Bond.ARPIPTargets": ALWAYS,
  "Bond.ARPValidate": ALWAYS,
  "Bond.ARPAllTargets": ALWAYS,
  "Bridge.STP": ALWAYS,
  "Tunnel.Local": ALWAYS,
  "Tunnel.Remote": ALWAYS,
  "Tunnel.Key": ALWAYS,
  "Tunnel.EncapsulationLimit": ALWAYS,
  // WireGuard and policy routing: all older than systemd 249, the oldest netgen targets.
  "WireGuard.PrivateKeyFile": ALWAYS,
  "WireGuard.ListenPort": ALWAYS,
  "WireGuard.FirewallMark": ALWAYS,
  "WireGuardPeer.PublicKey": ALWAYS,
  "WireGuardPeer.AllowedIPs": ALWAYS,
  "WireGuardPeer.Endpoint": ALWAYS,
  "WireGuardPeer.PersistentKeepalive": ALWAYS,
  "RoutingPolicyRule.FirewallMark": ALWAYS,
  "RoutingPolicyRule.Table": ALWAYS,
  "RoutingPolicyRule.Priority": ALWAYS,
  "RoutingPolicyRule.Family": ALWAYS,
  "DHCPv4.RouteTable": ALWAYS,
  "Route.Type": ALWAYS,
  "Route.Table": ALWAYS,
};

export function knownDirectives(version: number): string[] {
  return Object.entries(DIRECTIVES)
    .filter(([, span]) => version >= span.since && (span.until === undefined || version <= span.until))
    .map(([key]) => key);
}

/** Check every directive of a rendered networkd file against the host's version. */
export function checkDirectives(path: string, content: string, version: number, host: string): void {
  let section = "";
  for (const line of content.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[([A-Za-z0-9]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const key = /^([A-Za-z0-9]+)=/.exec(line)?.[1];
    if (key === undefined) throw new InternalError(`${path}: rendered a line that is neither a section, a key nor a comment: ${JSON.stringify(line)}`);
    const span = DIRECTIVES[`${section}.${key}`];
    if (span === undefined) throw new InternalError(`${path}: ${section}.${key} is not in netgen's directive table`);
    if (version < span.since || (span.until !== undefined && version > span.until)) {
      const need = version < span.since ? `systemd ${span.since} or later` : `systemd ${span.until} or earlier`;
      throw new ExitError(`${host}: ${path} needs [${section}] ${key}=, which needs ${need}; the host is declared as systemd ${version}. Raise the host's systemd: (or defaults.systemd) if it runs a newer version.`);
    }
  }
}
