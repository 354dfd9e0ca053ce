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
