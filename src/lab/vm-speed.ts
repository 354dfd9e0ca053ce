// How slow the lab VM runs right now, against a quiet one. qemu's software
// emulation shares the machine's cores with everything else: with another
// CPU-bound process on both cores the same guest work takes several times as
// long, and every fixed wait written for a quiet machine runs out. The probe is
// the work the waits are spent on (the agent, systemctl, networkctl: a shell
// forking one small dynamically linked program after another), timed in the
// guest, whose clock follows the machine's wall clock under TCG.

/**
 * Milliseconds a quiet lab VM needs for one probe sample. Derived, not measured
 * quiet (these machines were never idle while a VM could run): the probe read
 * 4900-5650 ms in VMs booted at load 5-10 on 2 cores, and the same loop run
 * natively took 40 ms idle against 115 ms at load 9 (x2.9), so about 1700 ms
 * quiet; 1500 errs towards longer waits.
 */
export const QUIET_PROBE_MS = 1500;

/** Where the guest's measurement lands, inside the results share and in the environment of the script. */
export const SPEED_FILE = "probe-ms";
export const SPEED_ENV = "NETGEN_VM_PROBE_MS";

/**
 * A shell prelude for the guest: five samples of 50 fork+exec's of /bin/true,
 * the median written to /lab-out/probe-ms and exported to the script.
 * `date +%s%N` is GNU date from the shared root (busybox's has no %N).
 */
export const speedProbe = (outDir: string) => `probe() { t0=$(date +%s%N); i=0; while [ $i -lt 50 ]; do /bin/true; i=$((i+1)); done; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
${SPEED_ENV}=$( (for s in 1 2 3 4 5; do probe; done) | sort -n | sed -n 3p)
export ${SPEED_ENV}
echo "$${SPEED_ENV}" > ${outDir}/${SPEED_FILE}
`;

/** How many times slower than a quiet VM a probe of `ms` is; never below 1 (a faster machine keeps the written waits). */
export function slowdown(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`the lab VM's speed probe gave no usable time (${ms} ms)`);
  return Math.max(1, Math.round((ms / QUIET_PROBE_MS) * 10) / 10);
}

/**
 * The slowdown of the VM this process runs in, measured once at its boot;
 * 1 outside the VM (the probe's time is only in the VM's environment).
 */
export function vmSlowdown(): number {
  const ms = process.env[SPEED_ENV];
  return ms === undefined ? 1 : slowdown(Number(ms));
}
