// The control: the first write-up's own layout, as typed there, for the same
// failover bundle. Both ends bond the tunnels in active-backup with ARP
// monitoring (arp_interval and one arp_ip_target: the other end), nothing else:
// no primary, no arp_validate, and no bridge on the far end. netgen's render
// never produces this; the lab derives it from the rendered files to run the
// same cuts on it.
import type { Bundle } from "../inventory/types.js";
import type { HostFiles } from "../render/file-set.js";
import { bondSettingsUnitName } from "../render/views.js";

const WRITE_UP_DROPS = /^(PrimaryReselectPolicy|ARPValidate|ARPAllTargets|ARPMissedMax|PrimarySlave)=.*\n/gm;

export function writeUpLayout(files: HostFiles[], bundle: Bundle, gwHost: string): HostFiles[] {
  const gwEnd = bundle.ends.find((e) => e.host === gwHost)!;
  const dir = "etc/systemd/network/";
  const bundleFile = (path: string) => path.startsWith(dir) && path.slice(dir.length).startsWith(`10-netgen-${bundle.name}`);
  // The write-up set no arp_missed_max: netgen's unit for it (monitor.missed on systemd before 256) stays out.
  const settingsUnit = bondSettingsUnitName(bundle.name);
  return files.map((f) => ({
    host: f.host,
    entries: f.entries.filter((e) => !e.path.endsWith(`/${settingsUnit}`)).map((e) => {
      if (e.kind !== "file" || !bundleFile(e.path)) return e;
      let content = e.content.replace(WRITE_UP_DROPS, "");
      if (f.host !== gwHost) {
        content = content
          .replace(/^Kind=bridge$/m, "Kind=bond")
          .replace(/^\[Bridge\]\nSTP=no\n?/m, `[Bond]\nMode=active-backup\nARPIntervalSec=${bundle.monitorInterval}\nARPIPTargets=${gwEnd.address!.ip.text}\n`)
          .replace(/^Bridge=/m, "Bond=");
      }
      return { ...e, content };
    }),
  }));
}
