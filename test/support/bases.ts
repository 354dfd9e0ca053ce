// Two small valid inventories that validation cases edit one line at a time.
// Line numbers matter: the cases assert them.

export const BASE = `netgen: 1
hosts:
  gw:
    uplinks:
      up1: { address: 10.0.1.2/24, gateway: 10.0.1.1 }
      up2: { address: 10.0.2.2/24, gateway: 10.0.2.1 }
  exit:
    uplinks:
      up1: { address: 10.0.1.3/24 }
      up2: { address: 10.0.2.3/24 }
      inet0: { dhcp: true, masquerade: true }
bundles:
  b1:
    strategy: failover
    ends:
      gw: { address: 10.42.0.1/24, default_route: true }
      exit: { address: 10.42.0.2/24 }
    paths:
      - { gw: up1, exit: up1, primary: true }
      - { gw: up2, exit: up2 }
`;

export const LAB = `netgen: 1
hosts:
  a:
    uplinks:
      e0: { address: 10.0.0.1/30 }
      e2: { address: 10.1.0.1/30 }
    loopbacks:
      lo0: 10.10.10.10/32
  b:
    uplinks:
      e1: { address: 10.0.0.2/30 }
      e3: { address: 10.1.0.2/30 }
bundles:
  ab:
    strategy: teql
    ends:
      a: { address: 10.2.0.1/30, routes: [10.100.0.0/24] }
      b: { address: 10.2.0.2/30 }
    paths:
      - { a: e0, b: e1 }
      - { a: e2, b: e3 }
`;

/** The contract's wireguard example: an LTE uplink behind CGNAT, an exit behind 1:1 NAT. */
export const WIREGUARD = `netgen: 1
hosts:
  venue:
    uplinks:
      fiber0: { address: 172.20.2.10/24, gateway: 172.20.2.1 }
      lte0: { dhcp: true, nat: true }
  exit:
    uplinks:
      pub0: { address: 10.0.5.4/24, gateway: 10.0.5.1, public: 203.0.113.5 }
bundles:
  s7:
    strategy: failover
    transport: wireguard
    link_subnet: 10.99.7.0/28
    ends:
      venue: { address: 10.77.0.1/29, default_route: true }
      exit: { address: 10.77.0.2/29 }
    paths:
      - { name: fiber, venue: fiber0, exit: pub0, primary: true }
      - { name: lte, venue: lte0, exit: pub0 }
`;
