// The JSON Schema of an inventory (`netgen schema` prints it). Titles and
// descriptions double as the wording of validation messages.

export const HOST_NAME = "^[a-z0-9][a-z0-9-]{0,62}$";
export const BUNDLE_NAME = "^[a-z0-9][a-z0-9-]{0,14}$";
// An existing interface: what `ip link` and systemd accept, minus characters that
// would need quoting in a unit file or a tc command line.
export const IFACE_NAME = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$";
export const PATH_NAME = "^[a-z0-9]{1,6}$";
export const RATE = "^[1-9][0-9]{0,8}(kbit|mbit|gbit|bit)$";
export const INTERVAL = "^[1-9][0-9]{0,5}(ms|s)$";

// Bounds on what an inventory controls: each one far above a real fleet and
// low enough that validating, planning and rendering stay in seconds.
export const MAX_HOSTS = 10000;
export const MAX_BUNDLES = 10000;
export const MAX_UPLINKS_PER_HOST = 64;
export const MAX_LOOPBACKS_PER_HOST = 256;
/** Paths per bundle: tunnels in one bond, next hops in one multipath route. */
export const MAX_PATHS = 16;
export const MAX_ROUTES_PER_END = 1024;
export const MAX_GROUPS_PER_HOST = 64;
/** The longest address with prefix is an IPv6 one of 43 characters. */
const MAX_ADDRESS_LENGTH = 64;

const hostName = { pattern: HOST_NAME, title: "host name", description: "lowercase letters, digits and '-', at most 63 characters" };
const bundleName = { pattern: BUNDLE_NAME, title: "bundle name", description: "lowercase letters, digits and '-', at most 15 characters: it names a network device" };
const ifaceName = { pattern: IFACE_NAME, title: "interface name", description: "letters, digits, '_', '.', '-', at most 15 characters" };
const sshUser = { type: "string", title: "SSH user", pattern: "^[a-z_][a-z0-9_-]{0,31}$", description: "a POSIX user name" };
const sshPort = { type: "integer", title: "SSH port", minimum: 1, maximum: 65535 };
const sshIdentity = { type: "string", title: "identity", pattern: "^[^\\x00-\\x1f]{1,4096}$", description: "the private key file to log in with" };
/** `ssh -J` syntax: `[user@]host[:port]` hops, comma separated, or `none`; a bracketed IPv6 address takes a port. */
const JUMP_HOP = "([a-z_][a-z0-9_-]{0,31}@)?([A-Za-z0-9][A-Za-z0-9.-]{0,252}|\\[[0-9A-Fa-f:.]{2,45}\\])(:[0-9]{1,5})?";
const sshJump = {
  type: "string",
  title: "jump hosts",
  maxLength: 4096,
  pattern: `^(none|${JUMP_HOP}(,${JUMP_HOP}){0,7})$`,
  description: "bastions to go through, as ssh -J: '[user@]host[:port]', comma separated, first hop first (at most 8); 'none' for a direct connection",
};
const systemd = {
  type: "integer",
  title: "systemd version",
  minimum: 249,
  maximum: 257,
  description: "the oldest systemd-networkd version the host runs (249..257); netgen emits directives that version understands",
};
const address = { type: "string", title: "address with prefix", maxLength: MAX_ADDRESS_LENGTH, description: "an address with its prefix length, e.g. 10.88.15.100/24" };
const rate = { type: "string", title: "rate", pattern: RATE, description: "a tc rate such as 5mbit, 512kbit, 1gbit" };

const uplink = {
  type: "object",
  title: "uplink",
  description: "an existing (physical) interface, matched by name",
  additionalProperties: false,
  properties: {
    address,
    gateway: { type: "string", title: "gateway", maxLength: MAX_ADDRESS_LENGTH, description: "the next hop for the internet on this uplink, inside its subnet" },
    dhcp: { type: "boolean", title: "dhcp", description: "take the address from DHCPv4" },
    nat: { type: "boolean", title: "nat", description: "behind NAT or CGNAT, unreachable from outside: this end only dials out (wireguard)" },
    public: {
      type: "string",
      title: "public address",
      pattern: "^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$",
      description: "the address (or DNS name) peers use to reach this uplink, when it differs from address (1:1 NAT of a cloud VM)",
    },
    masquerade: { type: "boolean", title: "masquerade", description: "traffic from this host's bundles leaves this uplink with the uplink's address (NAT)" },
    mtu: { type: "integer", title: "MTU", minimum: 576, maximum: 9216, description: "the uplink's MTU (default 1500); tunnel MTUs are derived from it" },
    shape: {
      type: "object",
      title: "shape",
      description: "wondershaper-style limits: egress (HTB) and ingress (HTB on an ifb)",
      additionalProperties: false,
      minProperties: 1,
      properties: { egress: rate, ingress: rate },
    },
  },
};

// One address, or a list of one IPv4 and one IPv6 (dual stack): maxLength
// applies to the string form, items and maxItems to the list form.
const endAddress = {
  type: ["string", "array"],
  title: "bundle address",
  maxLength: MAX_ADDRESS_LENGTH,
  minItems: 1,
  maxItems: 2,
  items: address,
  description: "the bundle device's address with its prefix, or a list of one IPv4 and one IPv6 address",
};

const end = {
  type: "object",
  title: "bundle end",
  additionalProperties: false,
  properties: {
    address: endAddress,
    default_route: { type: "boolean", title: "default_route", description: "route the host's default traffic through the bundle; on a failover bundle this marks the end that fails over (a redundant bundle has no such end: both may have it)" },
    routes: { type: "array", title: "routes", maxItems: MAX_ROUTES_PER_END, items: { type: "string", title: "destination prefix", maxLength: MAX_ADDRESS_LENGTH }, description: "prefixes reached through the bundle" },
  },
};

const path = {
  type: "object",
  title: "path",
  description: "the uplink used on each end: { <host>: <uplink>, <host>: <uplink> }",
  properties: {
    name: { type: "string", title: "path name", pattern: PATH_NAME, description: "names the path's devices (<bundle>-<name>): lowercase letters and digits, at most 6 characters" },
    primary: { type: "boolean", title: "primary", description: "failover: the path used whenever it works (refused elsewhere: redundant uses every path at once)" },
    weight: { type: "integer", title: "weight", minimum: 1, maximum: 256, description: "ecmp: the next hop's weight" },
  },
  additionalProperties: { type: "string", title: "uplink name", pattern: IFACE_NAME, description: "the name of an uplink of that host" },
};

const bundle = {
  type: "object",
  title: "bundle",
  additionalProperties: false,
  required: ["strategy", "ends", "paths"],
  properties: {
    strategy: {
      enum: ["failover", "balance-rr", "redundant", "ecmp", "teql"],
      title: "strategy",
      description: "failover: one path at a time; balance-rr: packets in turn over the paths; redundant: every packet over every path; ecmp: flows over multipath routes; teql: packets in turn over the bare uplinks",
    },
    transport: { enum: ["gre", "wireguard"], title: "transport", description: "gre (default), or wireguard: one WireGuard link per path, bound to its uplink, across NAT" },
    link_subnet: { type: "string", title: "link subnet", maxLength: MAX_ADDRESS_LENGTH, description: "wireguard only: one /31 (IPv6: /127) per path for the WireGuard links, in path order, e.g. 10.99.7.0/28" },
    port: { type: "integer", title: "port", minimum: 1, maximum: 65535, description: "wireguard only: the listening end of path N uses port + N - 1 (default 51820)" },
    ends: {
      type: "object",
      title: "ends",
      minProperties: 2,
      maxProperties: 2,
      propertyNames: hostName,
      additionalProperties: end,
      description: "the two hosts joined by the bundle",
    },
    paths: { type: "array", title: "paths", minItems: 2, maxItems: MAX_PATHS, items: path, description: "at least two paths; one entry per path" },
    monitor: {
      type: "object",
      title: "monitor",
      description: "failover and balance-rr only: a redundant bond has nothing to monitor",
      additionalProperties: false,
      properties: {
        interval: { type: "string", title: "interval", pattern: INTERVAL, description: "the ARP monitor interval, e.g. 100ms" },
        missed: {
          type: "integer",
          title: "missed",
          minimum: 1,
          maximum: 255,
          description: "intervals without a reply before a path is taken out (the kernel's arp_missed_max, default 2); 1 cuts a failover's stall from 2-3 intervals to 1-2, and one lost probe or reply then switches paths",
        },
      },
    },
  },
};

const host = {
  type: "object",
  title: "host",
  additionalProperties: false,
  required: ["uplinks"],
  properties: {
    groups: {
      type: "array",
      title: "groups",
      maxItems: MAX_GROUPS_PER_HOST,
      uniqueItems: true,
      items: { type: "string", title: "group name", pattern: HOST_NAME, description: "written like a host name: lowercase letters, digits and '-', at most 63 characters" },
      description: "names that select the host in --limit, with other hosts of the same group",
    },
    systemd,
    ssh: {
      type: "object",
      title: "ssh",
      additionalProperties: false,
      properties: {
        host: { type: "string", title: "SSH host", pattern: "^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$", description: "an address or DNS name" },
        host_key: {
          type: "string",
          title: "host key",
          maxLength: 16384,
          pattern: "^(ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-rsa) [A-Za-z0-9+/]+={0,2}$|^SHA256:[A-Za-z0-9+/]{43}$",
          description: "the pinned host key ('ssh-ed25519 AAAA...') or its fingerprint ('SHA256:...')",
        },
        identity: sshIdentity,
        user: sshUser,
        port: sshPort,
        jump: sshJump,
      },
    },
    uplinks: { type: "object", title: "uplinks", minProperties: 1, maxProperties: MAX_UPLINKS_PER_HOST, propertyNames: ifaceName, additionalProperties: uplink },
    loopbacks: {
      type: "object",
      title: "loopbacks",
      maxProperties: MAX_LOOPBACKS_PER_HOST,
      propertyNames: ifaceName,
      additionalProperties: { type: "string", title: "loopback address", maxLength: MAX_ADDRESS_LENGTH, description: "a /32 or /128 service address" },
    },
  },
};

export const inventorySchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://netgen.invalid/inventory-1.schema.json",
  title: "netgen inventory",
  type: "object",
  additionalProperties: false,
  required: ["netgen", "hosts"],
  properties: {
    netgen: { const: 1, title: "format version", description: "the inventory format version: 1" },
    defaults: {
      type: "object",
      title: "defaults",
      additionalProperties: false,
      properties: { systemd, ssh: { type: "object", title: "ssh", additionalProperties: false, properties: { identity: sshIdentity, user: sshUser, port: sshPort, jump: sshJump } } },
    },
    hosts: { type: "object", title: "hosts", minProperties: 1, maxProperties: MAX_HOSTS, propertyNames: hostName, additionalProperties: host },
    bundles: { type: "object", title: "bundles", maxProperties: MAX_BUNDLES, propertyNames: bundleName, additionalProperties: bundle },
  },
} as const;
