// Every Section.Key netgen writes into .netdev/.network files, with the
// systemd-networkd versions that understand it. A rendered file is checked
// against this table: a key missing here is netgen's bug; a key the host's
// version does not know is refused, never emitted silently.
import { ExitError, InternalError } from "../errors.js";
import { ARP_MISSED_MAX_SINCE } from "../plan/tunnel-bundles.js";

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
  "Bond.ARPMissedMax": { since: ARP_MISSED_MAX_SINCE },
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

/** The table by section, then key: a rendered line is looked up without building a "Section.Key" string. */
const BY_SECTION = new Map<string, Map<string, Span>>();
for (const [directive, span] of Object.entries(DIRECTIVES)) {
  const [section, key] = directive.split(".") as [string, string];
  const keys = BY_SECTION.get(section) ?? new Map<string, Span>();
  BY_SECTION.set(section, keys.set(key, span));
}

/** Check every directive of a rendered networkd file against the host's version. */
export function checkDirectives(path: string, content: string, version: number, host: string): void {
  let section = "";
  let keys: Map<string, Span> | undefined;
  // Line by line without content.split(): 65 MB of networkd files for 10,000
  // hosts, and an array of every line of each was garbage the moment it was read.
  for (let start = 0, end = 0; start < content.length; start = end + 1) {
    end = content.indexOf("\n", start);
    if (end < 0) end = content.length;
    const first = content.charCodeAt(start);
    if (end === start || first === 35 /* # */) continue;
    if (first !== 91 /* [ */) {
      // Every key in the table is letters and digits: a line whose text before
      // its first '=' is found there is a well-formed directive (the fast path);
      // any other line is examined below.
      const eq = content.indexOf("=", start);
      const span = eq > start && eq < end ? keys?.get(content.slice(start, eq)) : undefined;
      if (span === undefined) unknownLine(path, section, content.slice(start, end));
      else if (version < span.since || (span.until !== undefined && version > span.until)) {
        const key = content.slice(start, eq);
        const need = version < span.since ? `systemd ${span.since} or later` : `systemd ${span.until} or earlier`;
        throw new ExitError(`${host}: ${path} needs [${section}] ${key}=, which needs ${need}; the host is declared as systemd ${version}. Raise the host's systemd: (or defaults.systemd) if it runs a newer version.`);
      }
      continue;
    }
    const line = content.slice(start, end);
    const header = /^\[([A-Za-z0-9]+)\]$/.exec(line);
    if (header === null) throw new InternalError(`${path}: rendered a line that is neither a section, a key nor a comment: ${JSON.stringify(line)}`);
    section = header[1]!;
    keys = BY_SECTION.get(section);
  }
}

function unknownLine(path: string, section: string, line: string): never {
  const key = /^([A-Za-z0-9]+)=/.exec(line)?.[1];
  if (key === undefined) throw new InternalError(`${path}: rendered a line that is neither a section, a key nor a comment: ${JSON.stringify(line)}`);
  throw new InternalError(`${path}: ${section}.${key} is not in netgen's directive table`);
}
