// The networkd runner lives with the lab (src/lab/networkd.ts); tests use the same one.
export { enumerated, NETWORKD, type Networkd, parseWarnings, sleep, startNetworkd, waitFor } from "../../src/lab/networkd.js";
