// Where each uplink's limits are applied. Egress is an HTB root on the uplink;
// ingress is an HTB root on an ifb that the uplink's ingress qdisc redirects to.
//
// teql must be the root qdisc of each of its members, so an HTB root cannot sit
// on a teql member (the first write-up's wondershaper conflict). A teql path's
// egress limit is therefore applied where that traffic arrives: on the far
// end's ingress, at the smaller of the two limits. Measured over two 5 Mbit/s
// paths this way, one TCP flow reached 9.56 Mbit/s.
import { lookup } from "../inventory/lookup.js";
import type { Inventory, Uplink } from "../inventory/types.js";
import { rateBits } from "../net/rate.js";

export interface UplinkShaping {
  uplink: Uplink;
  egress?: string;
  ingress?: string;
  /** Why egress is not shaped here, when the uplink asked for it. */
  egressMovedTo?: string;
  /** The far ends whose egress limit this uplink's ingress applies. */
  ingressFrom: string[];
}


function smaller(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return rateBits(b) < rateBits(a) ? b : a;
}

/** The shaping of every uplink of `host` that has any. */
export function planShaping(inventory: Inventory, host: string): UplinkShaping[] {
  const index = lookup(inventory);
  return (index.host(host)?.uplinks ?? []).flatMap((uplink) => {
    const peer = index.teqlPeer(host, uplink.name);
    const ownEgress = uplink.shape?.egress;
    const peerEgress = peer?.shape?.egress;
    const shaping: UplinkShaping = {
      uplink,
      egress: peer ? undefined : ownEgress,
      ingress: smaller(uplink.shape?.ingress, peerEgress),
      egressMovedTo: peer && ownEgress ? `${peer.host}'s ${peer.name} ingress` : undefined,
      ingressFrom: peer && peerEgress ? [`${peer.host}'s ${peer.name} egress ${peerEgress}`] : [],
    };
    return shaping.egress || shaping.ingress ? [shaping] : [];
  });
}
