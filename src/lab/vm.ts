// A VM with a distribution kernel for what this machine's kernel lacks
// (bonding, gretap, teql, netem): qemu with software emulation, this
// machine's root shared read-only over 9p with a tmpfs overlay on top, booted
// from a small busybox initramfs (recipe: shared/docs/testing-on-these-machines.md).
// The command to run is read from, and results written to, a second 9p share.
// /tmp stays the overlay's own (writable on tmpfs): the project may live there.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExitError } from "../errors.js";
import { slowdown, SPEED_FILE, speedProbe } from "./vm-speed.js";

/** Loaded in this order in the initramfs: virtio, 9p, overlay (a KVM guest hangs here: TCG only). */
const BOOT_MODULES = ["virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci", "netfs", "fscache", "9pnet", "9pnet_virtio", "9p", "overlay"];

/**
 * "chroot": run the script under the initramfs's busybox init (fast; no
 * systemd). "systemd": boot this machine's systemd as PID 1 on the overlay
 * (cgroups, systemctl, systemd-nspawn hosts inside) and run the script as a
 * service; nothing else of this machine's services is started.
 */
export type VmBoot = "chroot" | "systemd";

const RUNNER = `[Unit]
Description=netgen VM runner
After=basic.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c '/bin/sh /lab-out/cmd > /lab-out/console.log 2>&1; echo "exit $?" >> /lab-out/console.log'
ExecStopPost=/bin/systemctl poweroff --force --force
`;

const SYSTEMD_ROOT = `rm -rf /newroot/etc/systemd/system/multi-user.target.wants /newroot/etc/systemd/system/timers.target.wants /newroot/etc/systemd/system/getty.target.wants
mkdir -p /newroot/etc/systemd/system/multi-user.target.wants
: > /newroot/etc/fstab
# tmpfiles' "D /tmp" would empty /tmp at boot (whiteouts in the overlay): the project may live there.
mkdir -p /newroot/etc/tmpfiles.d; : > /newroot/etc/tmpfiles.d/tmp.conf
cat > /newroot/etc/systemd/system/netgen-vm-run.service <<'UNIT'
${RUNNER}UNIT
ln -s /etc/systemd/system/netgen-vm-run.service /newroot/etc/systemd/system/multi-user.target.wants/
exec switch_root /newroot /lib/systemd/systemd
`;

const CHROOT = `mount -t proc proc /newroot/proc; mount -t sysfs sys /newroot/sys; mount -t devtmpfs dev /newroot/dev
mount -t tmpfs tmpfs /newroot/run
chroot /newroot /bin/sh /lab-out/cmd > /newroot/lab-out/console.log 2>&1
echo "exit $?" >> /newroot/lab-out/console.log
poweroff -f
`;

const init = (boot: VmBoot) => `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in ${BOOT_MODULES.join(" ")}; do [ -f /modules/$m.ko ] && insmod /modules/$m.ko; done
mkdir -p /mnt/lower /mnt/rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /mnt/lower
mount -t tmpfs -o size=3g tmpfs /mnt/rw; mkdir -p /mnt/rw/u /mnt/rw/w
mount -t overlay overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/u,workdir=/mnt/rw/w /newroot
mkdir -p /newroot/lab-out; mount -t 9p -o trans=virtio,version=9p2000.L out /newroot/lab-out
${boot === "systemd" ? SYSTEMD_ROOT : CHROOT}`;

export interface Kernel {
  image: string;
  release: string;
}

export function distributionKernel(): Kernel {
  const images = existsSync("/boot") ? readdirSync("/boot").filter((f) => /^vmlinuz-/.test(f)).sort() : [];
  const image = images[images.length - 1];
  if (image === undefined) throw new ExitError("no distribution kernel in /boot for the lab VM: apt-get install linux-image-amd64");
  const release = image.slice("vmlinuz-".length);
  if (!existsSync(`/lib/modules/${release}`)) throw new ExitError(`/lib/modules/${release} is missing for the lab VM's kernel`);
  return { image: `/boot/${image}`, release };
}

function initramfs(work: string, kernel: Kernel, boot: VmBoot): string {
  const dir = join(work, "initramfs");
  rmSync(dir, { recursive: true, force: true });
  for (const d of ["bin", "dev", "proc", "sys", "mnt", "modules"]) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync("/bin/busybox", join(dir, "bin/busybox"));
  const modules = execFileSync("find", [`/lib/modules/${kernel.release}/kernel`, "-name", "*.ko"], { encoding: "utf8" }).split("\n");
  for (const m of BOOT_MODULES) {
    const file = modules.find((f) => f.endsWith(`/${m}.ko`));
    if (file) copyFileSync(file, join(dir, "modules", `${m}.ko`));
  }
  writeFileSync(join(dir, "init"), init(boot), { mode: 0o755 });
  const image = join(work, "initramfs.cpio.gz");
  execFileSync("sh", ["-c", `cd '${dir}' && find . | cpio -o -H newc 2>/dev/null | gzip -1 > '${image}'`]);
  return image;
}

export interface VmRun {
  console: string;
  outDir: string;
  /** How many times slower than a quiet VM this one ran its speed probe (see vm-speed.ts). */
  slowdown: number;
}

/**
 * Boot the VM, run `script` (sh) inside with this machine's root, return when
 * it powers off. The script first times a speed probe; `timeoutMs` is what a
 * quiet VM may take and is stretched by the measured slowdown once it is known.
 */
export async function runInVm(work: string, script: string, timeoutMs: number, boot: VmBoot = "chroot"): Promise<VmRun> {
  const kernel = distributionKernel();
  const outDir = join(work, "out");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "cmd"), `${speedProbe("/lab-out")}${script}`);
  const image = initramfs(work, kernel, boot);
  const qemu = spawn(
    "qemu-system-x86_64",
    [
      ...["-accel", "tcg,thread=multi", "-cpu", "max", "-m", "3072", "-smp", "2", "-display", "none", "-monitor", "none", "-serial", `file:${join(work, "serial.log")}`, "-no-reboot"],
      ...["-kernel", kernel.image, "-initrd", image, "-append", "console=ttyS0 quiet panic=-1 systemd.firstboot=off systemd.show_status=1"],
      ...["-fsdev", "local,id=r,path=/,security_model=none,readonly=on,multidevs=remap", "-device", "virtio-9p-pci,fsdev=r,mount_tag=hostroot"],
      ...["-fsdev", `local,id=o,path=${outDir},security_model=none`, "-device", "virtio-9p-pci,fsdev=o,mount_tag=out"],
    ],
    { stdio: ["ignore", "ignore", "ignore"] },
  );
  const started = Date.now();
  const speed = { measured: false, factor: 1, limitMs: timeoutMs };
  // Boot itself is slow on a busy machine too: the probe's answer moves the limit once it is there.
  const readProbe = () => {
    const probe = join(outDir, SPEED_FILE);
    if (speed.measured || !existsSync(probe)) return;
    const ms = Number(readFileSync(probe, "utf8").trim());
    if (!(ms > 0)) return; // not written completely yet
    Object.assign(speed, { measured: true, factor: slowdown(ms), limitMs: Math.round(timeoutMs * slowdown(ms)) });
  };
  const watch = setInterval(() => {
    readProbe();
    if (Date.now() - started > speed.limitMs) qemu.kill("SIGKILL");
  }, 1000);
  const code = await new Promise<number | null>((resolve) => qemu.on("exit", resolve));
  clearInterval(watch);
  readProbe();
  const consolePath = join(outDir, "console.log");
  const console = existsSync(consolePath) ? execFileSync("cat", [consolePath], { encoding: "utf8" }) : "";
  if (code === null) throw new ExitError(`the lab VM did not finish within ${Math.round(speed.limitMs / 1000)} s (${timeoutMs / 1000} s for a quiet VM x ${speed.factor}, its measured slowdown); its output:\n${console.slice(-3000)}`);
  if (!/(^|\n)exit \d+\n?$/.test(console)) throw new ExitError(`the lab VM stopped before its script finished (qemu exit ${code}); its output:\n${console.slice(-3000)}`);
  return { console, outDir, slowdown: speed.factor };
}
